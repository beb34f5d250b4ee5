"""Safeguarding escalation: stored at once with history, listed until acknowledged, counted."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from audit_tui.db import escalation, store
from audit_tui.db.engine import session_scope
from audit_tui.db.models import AuditEvent


@pytest.fixture
def draft(engine, example_template):
    with session_scope(engine) as s:
        return store.create_audit(session=s, template=example_template, case_reference="CH-7",
                                  audit_date=date(2026, 10, 1), who="Ann", auditor="Ann").id


def test_raise_acknowledge_and_count(engine, draft):
    with session_scope(engine) as s:
        row = escalation.raise_concern(session=s, audit_id=draft, who="Ann",
                                       what="Bruising seen in photo [b]x[/b]",
                                       urgency="immediate", to_whom="MASH duty manager",
                                       question_key="child_seen_alone")
        concern_id = row.id
    with session_scope(engine) as s:
        open_rows = escalation.unacknowledged(session=s)
        assert [(e.id, a.case_reference) for e, a in open_rows] == [(concern_id, "CH-7")]
        assert escalation.counts(session=s) == {"raised": 1, "unacknowledged": 1}
        escalation.acknowledge(session=s, escalation_id=concern_id, who="Tm")
    with session_scope(engine) as s:
        assert escalation.unacknowledged(session=s) == []
        assert escalation.counts(session=s) == {"raised": 1, "unacknowledged": 0}
        [row] = escalation.for_audit(session=s, audit_id=draft)
        assert row.acknowledged_by == "Tm" and row.acknowledged_at is not None
        events = [e.what for e in s.exec(select(AuditEvent).where(
            AuditEvent.audit_id == draft))]
        assert "safeguarding concern raised" in events
        assert "safeguarding concern acknowledged" in events


def test_concern_needs_what_whom_and_a_known_urgency(engine, draft):
    with session_scope(engine) as s:
        with pytest.raises(store.StoreError):
            escalation.raise_concern(session=s, audit_id=draft, who="A", what=" ",
                                     urgency="today", to_whom="TM")
        with pytest.raises(store.StoreError):
            escalation.raise_concern(session=s, audit_id=draft, who="A", what="x",
                                     urgency="today", to_whom="")
        with pytest.raises(store.StoreError):
            escalation.raise_concern(session=s, audit_id=draft, who="A", what="x",
                                     urgency="soonish", to_whom="TM")


async def _wait(pilot, condition, tries=300):
    for _ in range(tries):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition never held")


async def test_raise_from_the_walk_shows_on_home_until_acknowledged(engine, db_target, draft):
    from textual.widgets import Input

    from audit_tui.app import AuditApp
    from audit_tui.dialogs.escalation import EscalationDialog
    from audit_tui.screens.concerns import ConcernsScreen
    from audit_tui.screens.home import HomeScreen
    from audit_tui.screens.walk import WalkScreen

    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _wait(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.loaded)
        assert not app.screen.query_one("#home-alerts").display
        app.open_audit(draft)
        await _wait(pilot, lambda: isinstance(app.screen, WalkScreen)
                    and app.screen.info is not None)
        await pilot.press("ctrl+e")
        await _wait(pilot, lambda: isinstance(app.screen, EscalationDialog))
        await pilot.press("ctrl+s")  # nothing typed: refused
        assert "Please say what the concern is" in str(app.screen.query_one("#esc-error")
                                                        .render())
        app.screen.query_one("#esc-what", Input).value = "Bruises [b]seen[/b]"
        app.screen.query_one("#esc-to", Input).value = "Duty manager"
        await pilot.press("ctrl+s")
        await _wait(pilot, lambda: isinstance(app.screen, WalkScreen))
        app.saver.flush()
        walk = app.screen
        await _wait(pilot, lambda: "1 safeguarding concern" in str(
            walk.query_one("#walk-title").render()))
        await pilot.press("escape")
        await _wait(pilot, lambda: isinstance(app.screen, HomeScreen)
                    and app.screen.query_one("#home-alerts").display)
        assert "1 safeguarding concern" in str(app.screen.query_one("#home-alerts").render())
        await pilot.press("s")
        await _wait(pilot, lambda: isinstance(app.screen, ConcernsScreen) and app.screen.rows)
        assert "Bruises [b]seen[/b]" in str(app.screen.query_one("#concern-detail").render())
        await pilot.press("a")
        await _wait(pilot, lambda: not app.screen.rows)
        await pilot.press("escape")
        await _wait(pilot, lambda: isinstance(app.screen, HomeScreen)
                    and not app.screen.query_one("#home-alerts").display)
        await pilot.press("enter")
        await _wait(pilot, lambda: isinstance(app.screen, WalkScreen))
    with session_scope(engine) as s:
        [row] = escalation.for_audit(session=s, audit_id=draft)
        assert row.what == "Bruises [b]seen[/b]" and row.urgency == "immediate"
        assert row.acknowledged_at is not None


def test_reports_count_concerns_and_moderated_grades(engine, example_template):
    from audit_tui.db import moderation
    from audit_tui.db.engine import read_only
    from audit_tui.db.facts import record_facts
    from audit_tui.reports.aggregate import summary
    from audit_tui.reports.writers_text import heading

    from .test_agreement import _submitted

    with session_scope(engine) as s:
        audit_id = _submitted(s, example_template, "CH-5", "Ann",
                              {"assessment": ("assessment_quality", 2)}, 2)
        record_facts(session=s, audit_id=audit_id)
        for n in range(2):
            row = escalation.raise_concern(session=s, audit_id=audit_id, who="Ann",
                                           what=f"concern {n}", urgency="today", to_whom="TM")
        escalation.acknowledge(session=s, escalation_id=row.id, who="TM")
        moderation.record(session=s, audit_id=audit_id, section_key="", who="Mo", grade=3,
                          comment="drift")
    with read_only(engine).connect() as conn:
        figures = summary(conn=conn, today=date(2026, 11, 20))
    assert (figures.escalations, figures.escalations_open) == (2, 1)
    assert (figures.moderated, figures.moderated_differ) == (1, 1)
    text = "\n".join(heading(figures))
    assert "Safeguarding concerns raised: 2 (1 not yet acknowledged)" in text
    assert figures.to_dict()["safeguarding_concerns"] == {"raised": 2, "unacknowledged": 1}
