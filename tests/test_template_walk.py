"""An audit walked end to end on a template that uses every format-2 key (the Lancashire tier 2
CLA fixture): a child in care for 5 years with a blank historic date reports "outside the
period", not "missed"; one snapshot at 80x24."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from audit_tui.app import AuditApp
from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.facts import facts_for_state
from audit_tui.templates.loader import load_template

from .test_home import wait_for
from .test_review_snapshots import steady
from .test_walk import (after_a_pause, answer, go_to, here, open_walk, panel_text, settled,
                        stored, type_text, walk)

FIXTURE = Path(__file__).parent / "templates" / "lancashire_tier2_cla.toml"
AUDIT_DATE = date(2026, 11, 2)


@pytest.fixture
def lancs():
    return load_template(FIXTURE).template


@pytest.fixture
def lancs_audit(engine, lancs):
    with session_scope(engine) as s:
        return store.create_audit(session=s, template=lancs, case_reference="CH-5", team="North",
                                  audit_date=AUDIT_DATE, who="t").id


async def test_lancashire_audit_walks_end_to_end(db_target, engine, lancs_audit):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_walk(app, pilot, lancs_audit)
        assert here(app) == "q:child_age:"
        assert "How to audit with this tool: Read the last 12 months" in panel_text(app)
        await type_text(pilot, "14")
        await pilot.press("enter")
        await settled(app, pilot)
        assert answer(engine, lancs_audit, "child_age").text == "14"

        await pilot.press("f4")  # the template's guidance, at any time
        await wait_for(pilot, lambda: type(app.screen).__name__ == "GuidanceDialog")
        assert "Look-back period: the last 12 months" in str(
            app.screen.query_one("#guidance-text").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WalkScreen")

        await go_to(app, pilot, "q:population:")
        await pilot.press("1")
        await settled(app, pilot)

        # in care for five years: the first review date is blank (historic)
        await go_to(app, pilot, "q:became_looked_after:")
        await type_text(pilot, "01/06/2021")
        await pilot.press("enter")
        await settled(app, pilot)
        await go_to(app, pilot, "q:first_review:")
        assert "outside the period" in panel_text(app)
        assert "over the" not in panel_text(app)
        await type_text(pilot, "never")  # "never happened" is an answer
        await pilot.press("enter")
        await settled(app, pilot)
        assert answer(engine, lancs_audit, "first_review").text == "never"
        assert "outside the period" in panel_text(app)  # the start is still before the period

        # one answer for two sub-prompts: partly, with a required multi-line evidence note
        await go_to(app, pilot, "q:plan_current:")
        text = panel_text(app)
        assert "• Is the care plan up to date?" in text
        assert "• Does it say what happens if the plan does not work?" in text
        assert "Where in the file, and what it shows. (required)" in text
        await pilot.press("p")
        await settled(app, pilot)
        assert answer(engine, lancs_audit, "plan_current").choice == "partly"
        await pilot.press("tab")
        await type_text(pilot, "Plan of 3 May")
        await pilot.press("enter")
        await type_text(pilot, "no contingency")
        await after_a_pause(pilot, lambda: "\n" in (
            answer(engine, lancs_audit, "plan_current").evidence or ""))
        assert answer(engine, lancs_audit, "plan_current").evidence == (
            "Plan of 3 May\nno contingency")

        await go_to(app, pilot, "grade:care_planning")
        await pilot.press("3", "tab")
        await type_text(pilot, "Plan lacks contingency")
        await pilot.press("tab")
        await settled(app, pilot)

        # the optional section asks nothing; the mandatory one does
        await go_to(app, pilot, "q:life_story_work:")
        assert "Optional section" in panel_text(app)
        picker = walk(app).panel.answer_widget
        assert [c.label for c in picker.choices] == ["Met", "Not met", "Not applicable"]
        await go_to(app, pilot, "q:in_touch:")
        await pilot.press("y")
        await settled(app, pilot)
        await go_to(app, pilot, "q:outcomes_comment:")
        await type_text(pilot, "Settled at school")
        await pilot.press("tab")
        await settled(app, pilot)

        # the second overall judgement, with its own descriptors
        await go_to(app, pilot, "grade:@impact")
        assert "Impact and outcomes for the child" in panel_text(app)
        await pilot.press("2", "tab")
        await type_text(pilot, "Improving")
        await pilot.press("tab")
        await settled(app, pilot)

    audit, state = stored(engine, lancs_audit)
    assert [m.text for m in state.missing()] == ["The overall grade.",
                                                 "The rationale for the overall grade."]
    state.overall_grade, state.overall_rationale = 3, "Requires improvement"
    assert state.missing() == []
    facts = facts_for_state(audit_id=lancs_audit, template=state.template, state=state,
                            team="North", service_area="", auditor="", audit_date=AUDIT_DATE)
    assert facts.indicators == []  # outside the period: not counted, not missed
    assert (lancs_audit, "plan_current", "", "partly") in facts.yes_no
    assert any(g[1] == "@impact" and g[4] == 2 for g in facts.grades)


def test_lancashire_walk_snapshot(snap_compare, db_target, engine, lancs_audit):
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=lancs_audit, question_key="became_looked_after",
                          who="t", date_value=date(2021, 6, 1))
        store.save_answer(session=s, audit_id=lancs_audit, question_key="plan_current",
                          who="t", choice="partly")
    app = AuditApp(database=db_target, warm_up=False)

    async def run_before(pilot):
        from audit_tui.screens.walk import WalkScreen

        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        app.open_audit(lancs_audit, at="plan_current")
        await wait_for(pilot, lambda: isinstance(app.screen, WalkScreen) and app.screen.stops)
        await settled(app, pilot)
        await steady(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
