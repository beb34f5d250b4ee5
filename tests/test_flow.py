"""The whole job, as a practice lead does it, in one run of the app: start an audit, answer it,
mark a section as not applying, review it, submit it, reopen it with a reason. The database is
read after each step."""

from __future__ import annotations

from textual.widgets import TabbedContent

from .test_new_audit import audits, make_app, open_form, target, template_dir, wait_for  # noqa: F401
from .test_review import audit_row


def answers(target) -> dict[str, tuple]:
    import sqlite3

    conn = sqlite3.connect(target.path)
    try:
        return {k: (g, c, d) for k, g, c, d in conn.execute(
            "SELECT question_key, grade, choice, date_value FROM answer")}
    finally:
        conn.close()


def section(target, key: str) -> tuple:
    import sqlite3

    conn = sqlite3.connect(target.path)
    try:
        return conn.execute("SELECT grade, rationale, not_applicable, na_reason FROM "
                            "section_result WHERE section_key = ?", (key,)).fetchone()
    finally:
        conn.close()


def screen_name(app) -> str:
    return type(app.screen).__name__


async def test_new_audit_walk_review_submit_reopen(target, template_dir):
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        # 1. A new audit: the walk opens on it.
        await open_form(app, pilot)
        await pilot.press(*"CH-777001", "ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "WalkScreen")
        [audit] = audits(target)
        assert audit["case_reference"] == "CH-777001" and audit["status"] == "draft"
        audit_id = audit["id"]
        walk = app.screen
        await wait_for(pilot, lambda: getattr(walk, "state", None) is not None)

        # 2. Answer: yes/no, a date, a grade; each is in the database as it changes.
        await pilot.press("y")
        await wait_for(pilot, lambda: app.saver.flush()
                       and answers(target).get("seen_alone", (0, 0, 0))[1] == "yes")
        await pilot.press("pagedown", *"01/03/2026", "pagedown")
        await wait_for(pilot, lambda: app.saver.flush()
                       and answers(target).get("assessment_done", (0, 0, 0))[2] == "2026-03-01")
        await pilot.press("2")
        await wait_for(pilot, lambda: app.saver.flush()
                       and answers(target).get("risk_analysis", (0, 0, 0))[0] == 2)

        # 3. The section grade and its rationale.
        await pilot.press("pagedown", "2", "tab", *"Timely and analytical", "tab")
        await wait_for(pilot, lambda: app.saver.flush()
                       and section(target, "assessment")[:2] == (2, "Timely and analytical"))

        # 4. The optional section does not apply to this case, with a reason.
        await pilot.press("ctrl+pagedown", "ctrl+t")
        await wait_for(pilot, lambda: screen_name(app) == "ReasonDialog")
        await pilot.press(*"No missing episodes", "enter")
        await wait_for(pilot, lambda: app.saver.flush() and (section(target, "missing") or
                                                              (0, 0, 0, 0))[2:] ==
                       (1, "No missing episodes"))

        # 5. Review: submit is refused without the overall grade, then accepted.
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen"
                       and getattr(app.screen, "state", None) is not None)
        await pilot.press("ctrl+s")
        tabs = app.screen.query_one(TabbedContent)
        await wait_for(pilot, lambda: tabs.active == "missing" and not app.screen.busy)
        assert audit_row(app, target, audit_id)["status"] == "draft"
        await pilot.press("3", "down", "enter")  # the overall grade: Good
        await pilot.press("tab", *"Good work with clear risk analysis.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: audit_row(app, target, audit_id)["status"] == "submitted")
        row = audit_row(app, target, audit_id)
        assert row["overall_grade"] == 2
        assert row["overall_rationale"] == "Good work with clear risk analysis."
        assert row["submitted_at"]

        # 6. Reopen with a reason: back to draft, the reason in the history.
        await wait_for(pilot, lambda: not app.screen.editable and not app.screen.busy)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: screen_name(app) == "ReasonDialog")
        await pilot.press(*"Moderator asked for more evidence", "enter")
        await wait_for(pilot, lambda: audit_row(app, target, audit_id)["status"] == "draft")

    import sqlite3

    conn = sqlite3.connect(target.path)
    whats = [w for (w,) in conn.execute("SELECT what FROM audit_event WHERE audit_id = ?",
                                        (audit_id,))]
    conn.close()
    assert "status (reopened: Moderator asked for more evidence)" in whats
    assert "answer seen_alone" in whats and "section assessment grade" in whats
