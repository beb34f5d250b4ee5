"""Moderation: the store (grades, comments, history, own audits refused), the queue's rule, and
the moderation screen."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from audit_tui.db import moderation, store
from audit_tui.db.engine import session_scope
from audit_tui.db.models import AuditEvent
from audit_tui.db.moderation import ModerationRule

from .test_agreement import _submitted


@pytest.fixture
def submitted(engine, example_template):
    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=example_template, case_reference="CH-8",
                                   audit_date=date(2026, 10, 1), who="Ann", auditor="Ann")
        store.save_answer(session=s, audit_id=audit.id, question_key="child_seen_alone",
                          who="Ann", choice="yes", evidence="Seen at school 04/09")
        for key, grade in (("assessment", 2), ("plo", 3)):
            store.save_section(session=s, audit_id=audit.id, section_key=key, who="Ann",
                               criterion=example_template.section(key).criterion, grade=grade,
                               rationale=f"why {key}")
        store.set_overall(session=s, audit_id=audit.id, who="Ann", grade=2, rationale="overall")
        store.submit(session=s, audit_id=audit.id, who="Ann")
        return audit.id


def test_agree_and_own_grade_are_stored_with_history(engine, submitted):
    with session_scope(engine) as s:
        row = moderation.record(session=s, audit_id=submitted, section_key="assessment", who="Mo")
        assert row.agrees and row.auditor_grade == 2 and row.moderator_grade == 2
        with pytest.raises(store.StoreError, match="why"):
            moderation.record(session=s, audit_id=submitted, section_key="", who="Mo", grade=3)
        row = moderation.record(session=s, audit_id=submitted, section_key="", who="Mo",
                                grade=3, comment="  risk not analysed ")
        assert not row.agrees and row.comment == "risk not analysed"
    with session_scope(engine) as s:
        rows = moderation.moderation_for(session=s, audit_id=submitted)
        assert set(rows) == {"assessment", ""}
        assert rows[""].auditor_grade == 2 and rows[""].moderator_grade == 3
        assert rows[""].criterion == "" and rows["assessment"].criterion == "assessment_quality"
        events = [e.what for e in s.exec(select(AuditEvent).where(
            AuditEvent.audit_id == submitted))]
        assert "moderation assessment" in events and "moderation overall" in events


def test_the_auditor_s_grades_come_in_key_order_whatever_the_table_returns(engine, submitted):
    """The sections in key order and the overall grade last, on both engines: the demo
    moderates an audit's first three, so a server's table order (an updated row moves to the
    end of its heap) must not decide which."""
    with engine.begin() as conn:  # (as a late correction would: the row is written again)
        conn.exec_driver_sql("UPDATE section_result SET rationale = rationale || '.' "
                             "WHERE section_key = 'assessment'")
    with session_scope(engine) as s:
        if engine.dialect.name == "postgresql":  # (a table read in its own order, as a big
            for scan in ("indexscan", "bitmapscan"):  # table's may be)
                s.connection().exec_driver_sql(f"SET LOCAL enable_{scan} = off")
        grades = moderation.auditor_grades(session=s, audit_id=submitted)
    assert list(grades) == ["assessment", "plo", ""]
    assert grades["assessment"] == ("assessment_quality", 2) and grades[""] == ("", 2)


def test_own_audits_and_drafts_cannot_be_moderated(engine, example_template, submitted):
    with session_scope(engine) as s:
        with pytest.raises(store.StoreError, match="your own"):
            moderation.record(session=s, audit_id=submitted, section_key="", who="ann")
        draft = store.create_audit(session=s, template=example_template, case_reference="CH-D",
                                   audit_date=date(2026, 10, 1), who="Ann", auditor="Ann")
        with pytest.raises(store.StoreError, match="submitted"):
            moderation.record(session=s, audit_id=draft.id, section_key="", who="Mo")
        with pytest.raises(store.NotFound):
            moderation.record(session=s, audit_id=submitted, section_key="nope", who="Mo")


def test_rule_selects_by_grade_and_one_in_n():
    rule = ModerationRule(grades=(4,), one_in=0)
    assert rule.selects("0190-x", 4) and not rule.selects("0190-x", 2)
    every = ModerationRule(grades=(), one_in=1)
    assert every.selects("019a3b2c-0000-7000-8000-000000000000", 1)
    some = ModerationRule(grades=(), one_in=3)
    ids = [f"019a3b2c-0000-7000-8000-{n:012x}" for n in range(30)]
    assert sum(some.selects(i, 2) for i in ids) == 10  # ids ending 0, 3, 6, ... (mod 3 == 0)


def test_queue_lists_by_rule_never_own_and_drops_moderated(engine, example_template):
    with session_scope(engine) as s:
        inadequate = _submitted(s, example_template, "CH-1", "Ann", {}, 4)
        good = _submitted(s, example_template, "CH-2", "Ann", {}, 2)
        mine = _submitted(s, example_template, "CH-3", "Mo", {}, 4)
    rule = ModerationRule(grades=(4,), one_in=0)
    with session_scope(engine) as s:
        assert [a.id for a in moderation.queue(session=s, moderator="Mo", rule=rule)] == \
            [inadequate]
        everything = ModerationRule(grades=(4,), one_in=1)
        ids = [a.id for a in moderation.queue(session=s, moderator="Mo", rule=everything)]
        assert ids == [inadequate, good] and mine not in ids
        moderation.record(session=s, audit_id=inadequate, section_key="", who="Mo")
    with session_scope(engine) as s:
        assert moderation.queue(session=s, moderator="Mo", rule=rule) == []


# -- the screens -------------------------------------------------------------------------------
async def _wait(pilot, condition, tries=300):
    for _ in range(tries):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition never held")


async def test_moderation_screen_agree_and_own_grade(engine, db_target, submitted):
    from textual.widgets import DataTable, Input

    from audit_tui.app import AuditApp
    from audit_tui.screens.moderation import ModerationScreen
    from audit_tui.screens.moderation_queue import ModerationQueueScreen
    from audit_tui.settings import Settings

    app = AuditApp(database=db_target, warm_up=False,
                   settings=Settings(moderate_grades=[2], moderate_one_in=0))
    app.services.user = "Mo"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await _wait(pilot, lambda: isinstance(app.screen, ModerationQueueScreen)
                    and app.screen.rows)
        assert [r[0] for r in app.screen.rows] == [submitted]
        await pilot.press("enter")
        await _wait(pilot, lambda: isinstance(app.screen, ModerationScreen) and app.screen.rows)
        screen = app.screen
        assert [r.key for r in screen.rows][-1] == ""  # the overall grade last
        assert [r.key for r in screen.rows] == ["assessment", "plo", ""]
        detail = str(screen.query_one("#mod-detail").render())
        assert "why assessment" in detail and "Seen at school 04/09" in detail
        await pilot.press("a")  # agree with the first section's grade
        await _wait(pilot, lambda: screen.rows[0].agrees is True)
        screen.query_one(DataTable).move_cursor(row=len(screen.rows) - 1)
        await pilot.press("3")
        await _wait(pilot, lambda: app.screen.query("#reason-input"))
        app.screen.query_one("#reason-input", Input).value = "Drift [b]missed[/b]"
        await pilot.press("enter")
        await _wait(pilot, lambda: screen.rows[-1].agrees is False)
        assert screen.rows[-1].moderator_grade == 3
        await pilot.press("escape")
        await _wait(pilot, lambda: isinstance(app.screen, ModerationQueueScreen)
                    and not app.screen.rows)
        await pilot.press("m")  # the moderated audits: it is there, with both grades
        await _wait(pilot, lambda: app.screen.rows)
        assert [r[0] for r in app.screen.rows] == [submitted]
    app.saver.flush()
    with session_scope(engine) as s:
        rows = moderation.moderation_for(session=s, audit_id=submitted)
        # On a server the name is the login the server says, never the one set here.
        by = "Mo" if db_target.path is not None else str(
            s.connection().exec_driver_sql("SELECT current_user").scalar())
        assert rows[""].comment == "Drift [b]missed[/b]" and rows[""].moderator == by
        assert rows["assessment"].agrees


async def test_own_audit_opens_read_only(engine, db_target, submitted):
    from audit_tui.app import AuditApp
    from audit_tui.screens.moderation import ModerationScreen

    app = AuditApp(database=db_target, warm_up=False)
    app.services.user = "Ann"
    if db_target.path is None:  # on a server the user is the login: the audit is made its own
        with session_scope(engine) as s:
            s.connection().exec_driver_sql("UPDATE audit SET created_by = current_user")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_moderation(submitted)
        await _wait(pilot, lambda: isinstance(app.screen, ModerationScreen) and app.screen.rows)
        await pilot.press("a")
        await pilot.pause()
    app.saver.flush()
    with session_scope(engine) as s:
        assert moderation.moderation_for(session=s, audit_id=submitted) == {}


def test_reports_count_the_moderated_grade(engine, submitted):
    from audit_tui.db.engine import read_only
    from audit_tui.db.facts import expected_counts
    from audit_tui.reports.aggregate import summary

    def overall():
        with read_only(engine).connect() as conn:
            assert summary(conn=conn, today=date(2026, 11, 20)).audits == 1
            kept = {tuple(r[:-1]): r[-1] for r in conn.exec_driver_sql(
                "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}
            assert kept == expected_counts(conn)  # the running counts follow the facts

    with session_scope(engine) as s:
        moderation.record(session=s, audit_id=submitted, section_key="", who="Mo", grade=4,
                          comment="child not seen")
        moderation.record(session=s, audit_id=submitted, section_key="assessment", who="Mo",
                          grade=1, comment="exemplary")
    with session_scope(engine) as s:
        grades = dict(s.connection().exec_driver_sql(
            "SELECT section_key, grade FROM grade_fact WHERE audit_id = ?", (submitted,)).all())
    assert grades[""] == 4 and grades["assessment"] == 1
    overall()
    # Reopened and graded again: the new grade counts until it is moderated again.
    with session_scope(engine) as s:
        store.reopen(session=s, audit_id=submitted, who="Ann", reason="typo")
        store.set_overall(session=s, audit_id=submitted, who="Ann", grade=3)
        store.submit(session=s, audit_id=submitted, who="Ann")
        from audit_tui.db.facts import record_facts

        record_facts(session=s, audit_id=submitted)
    with session_scope(engine) as s:
        grades = dict(s.connection().exec_driver_sql(
            "SELECT section_key, grade FROM grade_fact WHERE audit_id = ?", (submitted,)).all())
    assert grades[""] == 3 and grades["assessment"] == 1
    overall()


def test_moderated_audits_latest_submission_first_reopened_last(engine, example_template):
    """The same order on both engines: a reopened audit (no submission time) comes last."""
    with session_scope(engine) as s:
        ids = [_submitted(s, example_template, f"CH-{n}", "Ann", {}, 2) for n in range(3)]
        for audit_id in ids:
            moderation.record(session=s, audit_id=audit_id, section_key="", who="Mo")
        store.reopen(session=s, audit_id=ids[1], who="Ann", reason="typo")
    with session_scope(engine) as s:
        found = [a.case_reference for a in moderation.moderated_audits(session=s)]
        assert found == ["CH-2", "CH-0", "CH-1"]
        assert moderation.queue(session=s, moderator="Mo", rule=ModerationRule(
            grades=(2,), one_in=0)) == []  # every submitted one has a moderated overall


def test_a_moderation_writes_only_the_counts_it_moves(engine, submitted):
    """Recording an audit's facts again moves the running counts by the difference: a
    moderation that changes the overall grade writes the old grade's counts down and the new
    one's up (one of each per dimension), not every count of the audit taken away and added
    back (issue 17: on a server that was a statement a count, three times over)."""
    from sqlalchemy import event

    from audit_tui.db.facts import expected_counts, record_facts

    with session_scope(engine) as s:
        record_facts(session=s, audit_id=submitted)
    written: list = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        if "fact_count" in statement and not statement.lstrip().startswith("SELECT"):
            written.extend(parameters if executemany else [parameters])

    event.listen(engine, "before_cursor_execute", spy)
    try:
        with session_scope(engine) as s:
            moderation.record(session=s, audit_id=submitted, section_key="", who="Mo",
                              grade=4, comment="child not seen")
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    upserts = [tuple(p) for p in written if len(p) == 8]
    assert len(upserts) == 2 * 5  # 5 dimensions (all, team, ...): the old grade down, new up
    assert sorted((p[5], p[-1]) for p in upserts) == [("ofsted:2", -1)] * 5 + [("ofsted:4", 1)] * 5
    assert len(written) == 2 * 5 + 5  # and the 5 counts that went down, deleted if at 0
    with session_scope(engine) as s:
        conn = s.connection()
        kept = {tuple(r[:-1]): r[-1] for r in conn.exec_driver_sql(
            "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}
        assert kept == expected_counts(conn)
        assert not any(k[2] == "overall" and k[5] == "ofsted:2" for k in kept)
