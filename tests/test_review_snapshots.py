"""How the new-audit and review screens look, at 100x30 and 80x24 (fixed dates and names)."""

from __future__ import annotations

import sqlite3
import time
from datetime import date

import pytest

from audit_tui.db import store
from audit_tui.screens.new_audit import NewAuditScreen
from audit_tui.screens.review import ReviewScreen

from .test_new_audit import make_app, target, template_dir, wait_for
from .test_review import complete_sections, in_store, new_audit

__all__ = ["target", "template_dir"]  # fixtures used here

SIZES = pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def utc_clock(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


async def steady(pilot) -> None:
    """Stop the cursors blinking, so a slow machine takes the same picture as a fast one."""
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


def picker_ready(app):
    from textual.widgets import OptionList

    return app.screen.query("#pick-list") and \
        app.screen.query_one("#pick-list", OptionList).highlighted == 0


@SIZES
def test_template_picker(snap_compare, target, template_dir, size):
    app = make_app(target, template_dir)

    async def run(pilot):
        app.push_screen(NewAuditScreen(today=TODAY))
        await wait_for(pilot, lambda: picker_ready(app))

    assert snap_compare(app, terminal_size=size, run_before=run)


@SIZES
def test_case_details_form_with_problems(snap_compare, target, template_dir, size):
    app = make_app(target, template_dir)

    async def run(pilot):
        app.push_screen(NewAuditScreen(today=TODAY))
        await wait_for(pilot, lambda: picker_ready(app))
        await pilot.press("enter", *"CH 12 [bold]", "enter", *"North", "enter", "enter",
                          *"Sam Jones", "enter", "enter", "home", "ctrl+k", *"30/02/2026",
                          "ctrl+s")
        await wait_for(pilot, lambda: app.screen.query_one("#case_reference").has_focus)
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)


def sample_audit(target, template_dir, *, complete=False) -> str:
    audit_id = new_audit(target, template_dir, team="North [team]", service_area="Children "
                         "in care", social_worker="Sam Jones", auditor="Priya Shah")

    def work(s):
        store.save_answer(session=s, audit_id=audit_id, question_key="assessment_done",
                          who="t", date_value=date(2026, 2, 10))
        store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                          who="t", grade=3, evidence="The analysis lists risks but does not "
                          "weigh them against the family's strengths.")
        store.save_section(session=s, audit_id=audit_id, section_key="missing",
                           criterion="exploitation_missing", who="t", not_applicable=True,
                           na_reason="No missing episodes in the last 12 months.")
        store.add_action(session=s, audit_id=audit_id, who="t",
                         description="Update the chronology with the three police "
                                     "notifications from January and share it with the IRO.",
                         owner="Sam Jones", due_date=date(2026, 3, 31))
        store.add_action(session=s, audit_id=audit_id, who="t",
                         description="Record the child's wishes from the school visit.",
                         owner="", due_date=date(2026, 2, 20))
    in_store(target, work)
    if complete:
        complete_sections(target, audit_id)
        in_store(target, lambda s: store.set_overall(
            session=s, audit_id=audit_id, who="t", grade=2,
            rationale="Timely work; the plan is clear [and] measurable."))
    return audit_id


async def open_review(app, pilot, audit_id, tab: str = ""):
    app.push_screen(ReviewScreen(audit_id, today=TODAY))
    await wait_for(pilot, lambda: getattr(app.screen, "state", None) is not None)
    if tab:
        await pilot.press(tab)
    await steady(pilot)


@pytest.mark.parametrize("tab", ["1", "2", "3", "4"],
                         ids=["answers", "missing", "overall", "actions"])
@SIZES
def test_review_tabs(snap_compare, target, template_dir, size, tab):
    audit_id = sample_audit(target, template_dir)
    app = make_app(target, template_dir)

    async def run(pilot):
        await open_review(app, pilot, audit_id, tab)

    assert snap_compare(app, terminal_size=size, run_before=run)


@SIZES
def test_action_dialog(snap_compare, target, template_dir, size):
    audit_id = sample_audit(target, template_dir)
    app = make_app(target, template_dir)

    async def run(pilot):
        await open_review(app, pilot, audit_id, "4")
        await pilot.press("e", "tab", "tab", "home", "ctrl+k", *"31/04/2026", "enter")
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)


@SIZES
def test_submitted_review_is_read_only(snap_compare, target, template_dir, size):
    audit_id = sample_audit(target, template_dir, complete=True)
    in_store(target, lambda s: store.submit(session=s, audit_id=audit_id, who="t"))
    conn = sqlite3.connect(target.path)
    with conn:
        conn.execute("UPDATE audit SET submitted_at = '2026-03-02 14:05:00.000000+00:00'")
    conn.close()
    app = make_app(target, template_dir)

    async def run(pilot):
        await open_review(app, pilot, audit_id, "3")

    assert snap_compare(app, terminal_size=size, run_before=run)


def moderated_audit(target, template_dir) -> str:
    """A submitted audit whose section grade a moderator agreed with and whose overall grade
    they changed, with a comment holding markup; fixed times."""
    from audit_tui.db import moderation

    audit_id = sample_audit(target, template_dir, complete=True)
    in_store(target, lambda s: store.submit(session=s, audit_id=audit_id, who="t"))

    def moderate(s):
        moderation.record(session=s, audit_id=audit_id, section_key="assessment",
                          who="Mo Khan")
        moderation.record(session=s, audit_id=audit_id, section_key="", who="Mo Khan",
                          grade=3, comment="The plan has no timescales [and] no "
                          "contingency: not yet good.")
    in_store(target, moderate)
    conn = sqlite3.connect(target.path)
    with conn:
        conn.execute("UPDATE audit SET submitted_at = '2026-03-02 14:05:00.000000+00:00'")
        conn.execute("UPDATE moderation SET at = '2026-03-05 09:30:00.000000+00:00'")
    conn.close()
    return audit_id


@pytest.mark.parametrize("tab", ["1", "3"], ids=["answers", "overall"])
@SIZES
def test_moderated_review_shows_both_grades(snap_compare, target, template_dir, size, tab):
    audit_id = moderated_audit(target, template_dir)
    app = make_app(target, template_dir)

    async def run(pilot):
        await open_review(app, pilot, audit_id, tab)
        if tab == "1":
            await pilot.press("end")  # the section, with its moderation, at the bottom
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)
