"""The walk: answering every type, repeating rows, sections that do not apply, conditions,
grades with rationale, resuming, read-only submitted audits. Each step checks the database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session
from textual import events

from audit_tui.app import AuditApp
from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.state import load_state
from audit_tui.templates.loader import load_template

from .test_home import wait_for

AUDIT_DATE = date(2026, 11, 2)

WALK_TEMPLATE = '''
key = "walk_test"
version = 1
title = "Walk test template"
service = "Testing"

[[details]]
key = "legal_status"
prompt = "Legal status"
type = "choice"
choices = ["Child in need", "Child protection"]

[[details]]
key = "referral_date"
prompt = "Date of the referral"
type = "date"

[[sections]]
key = "basics"
title = "Basics"
criterion = "assessment_quality"
graded = true
guidance = "Read the assessment."

  [sections.descriptors]
  "2" = "Section-level good descriptor."

  [[sections.questions]]
  key = "risk"
  prompt = "How well is risk analysed?"
  type = "grade"
  tags = ["quality"]
  guidance = "Good: history is used."
  source = "Ofsted 2019."

  [[sections.questions]]
  key = "seen_alone"
  prompt = "Was the child seen alone?"
  type = "yes_no"
  tags = ["compliance"]

  [[sections.questions]]
  key = "why_not_alone"
  prompt = "Why was the child not seen alone?"
  type = "text"
  tags = ["quality"]
  show_if = { question = "seen_alone", equals = "no" }

  [[sections.questions]]
  key = "plan_type"
  prompt = "Type of plan"
  type = "choice"
  choices = ["None", "CIN plan", "CP plan"]
  tags = ["compliance"]

  [[sections.questions]]
  key = "agencies"
  prompt = "Agencies involved"
  type = "multi_choice"
  choices = ["School", "Health", "Police"]
  tags = ["compliance"]

  [[sections.questions]]
  key = "assessment_done"
  prompt = "Date the assessment was completed"
  type = "date"
  tags = ["compliance"]

  [[sections.questions]]
  key = "workers"
  prompt = "Social workers in the last 12 months"
  type = "number"
  min = 0
  max = 30
  allow_na = true
  tags = ["compliance"]

  [[sections.questions]]
  key = "summary"
  prompt = "Summary of the child's experience"
  type = "long_text"
  required = false
  tags = ["quality"]

  [[sections.indicators]]
  key = "assessment_timely"
  label = "Assessment within 45 working days"
  from = "referral_date"
  to = "assessment_done"
  otherwise_to = "audit_date"
  unit = "working_days"
  limit = 45

  [[sections.subsections]]
  key = "oversight"
  title = "Oversight"
  graded = true

    [[sections.subsections.questions]]
    key = "supervision"
    prompt = "Is supervision regular?"
    type = "yes_no"
    tags = ["compliance"]

[[sections]]
key = "missing"
title = "Missing episodes"
criterion = "exploitation_missing"
always_applies = false

  [[sections.questions]]
  key = "missing_known"
  prompt = "Are missing episodes recorded?"
  type = "yes_no"
  tags = ["compliance"]

  [[sections.groups]]
  key = "episodes"
  title = "Missing episodes"
  row_label = "Episode"

    [[sections.groups.questions]]
    key = "returned_on"
    prompt = "Date the child returned"
    type = "date"
    tags = ["compliance"]

    [[sections.groups.questions]]
    key = "rhi_date"
    prompt = "Date of the return home interview"
    type = "date"
    required = false
    tags = ["compliance"]

    [[sections.groups.indicators]]
    key = "rhi_timely"
    label = "Return home interview within 72 hours"
    from = "returned_on"
    to = "rhi_date"
    unit = "calendar_days"
    limit = 3
'''


@pytest.fixture
def walk_template(tmp_path):
    path = tmp_path / "walk_test.toml"
    path.write_text(WALK_TEMPLATE, encoding="utf-8")
    result = load_template(path)
    assert result.problems == []
    return result.template


@pytest.fixture
def audit_id(engine, walk_template):
    with session_scope(engine) as s:
        return store.create_audit(session=s, template=walk_template, case_reference="CH-1",
                                  audit_date=AUDIT_DATE, who="t").id


# -- helpers -------------------------------------------------------------------------------------
def walk(app):
    from audit_tui.screens.walk import WalkScreen

    screen = app.screen
    assert isinstance(screen, WalkScreen), screen
    return screen


def here(app) -> str:
    return walk(app).stop.key


async def open_walk(app, pilot, audit_id, at=None):
    from audit_tui.screens.walk import WalkScreen

    app.open_audit(audit_id, at=at)
    await wait_for(pilot, lambda: isinstance(app.screen, WalkScreen) and app.screen.stops)
    await settled(app, pilot)


async def settled(app, pilot):
    """Every queued save written and reported to the screen."""
    await pilot.pause()
    app.saver.flush()
    await wait_for(pilot, lambda: not getattr(app.screen, "_outstanding", 0)
                   and not app.saver.pending)


async def go_to(app, pilot, key: str):
    """Walk with pagedown (or pageup) until the stop `key` is shown."""
    screen = walk(app)
    target = next(i for i, s in enumerate(screen.stops) if s.key == key)
    while here(app) != key:
        await pilot.press("pagedown" if screen.index < target else "pageup")
        await pilot.pause()
    await settled(app, pilot)


async def after_a_pause(pilot, condition):
    """Wait (up to 5 s) for something saved once typing has paused (the walk waits 0.8 s)."""
    for _ in range(100):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("not saved after a pause in typing")


async def type_text(pilot, text: str):
    await pilot.press(*["space" if c == " " else c for c in text])


def stored(engine, audit_id):
    with Session(engine) as session:
        return load_state(session=session, audit_id=audit_id)


def answer(engine, audit_id, key, row=""):
    with Session(engine) as session:
        for a in store.answers_for(session=session, audit_id=audit_id):
            if a.question_key == key and a.row_id == row:
                return a
    return None


def history(engine, audit_id):
    with Session(engine) as session:
        return store.history(session=session, audit_id=audit_id)


def panel_text(app) -> str:
    from textual.widgets import Static

    return "\n".join(str(w.render()) for w in walk(app).panel.query(Static) if w.display)


# -- answering every type ------------------------------------------------------------------------
async def test_every_type_of_answer_is_saved_as_it_changes(db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id)
        assert here(app) == "q:legal_status:"

        await pilot.press("2")  # a choice among the case details
        await settled(app, pilot)
        assert answer(engine, audit_id, "legal_status").choice == "Child protection"

        await go_to(app, pilot, "q:referral_date:")
        await type_text(pilot, "1/9/2026")
        await pilot.press("enter")
        await settled(app, pilot)
        assert answer(engine, audit_id, "referral_date").date_value == date(2026, 9, 1)
        assert walk(app).panel.field(("answer", "referral_date", "")).value == "01/09/2026"

        await go_to(app, pilot, "q:risk:")
        await pilot.press("2")
        await settled(app, pilot)
        assert answer(engine, audit_id, "risk").grade == 2
        assert "Good" in panel_text(app) and "Practice is timely" in panel_text(app)
        await pilot.press("n")  # not applicable
        await settled(app, pilot)
        saved = answer(engine, audit_id, "risk")
        assert (saved.grade, saved.not_applicable) == (None, True)
        await pilot.press("3")
        await settled(app, pilot)
        saved = answer(engine, audit_id, "risk")
        assert (saved.grade, saved.not_applicable) == (3, False)

        await go_to(app, pilot, "q:seen_alone:")
        await pilot.press("y")
        await settled(app, pilot)
        assert answer(engine, audit_id, "seen_alone").choice == "yes"
        await pilot.press("a")
        await settled(app, pilot)
        saved = answer(engine, audit_id, "seen_alone")
        assert (saved.choice, saved.not_applicable) == ("na", True)

        await go_to(app, pilot, "q:plan_type:")
        await pilot.press("3")
        await settled(app, pilot)
        assert answer(engine, audit_id, "plan_type").choice == "CP plan"
        await pilot.press("up", "enter")  # the highlighted choice
        await settled(app, pilot)
        assert answer(engine, audit_id, "plan_type").choice == "CIN plan"

        await go_to(app, pilot, "q:agencies:")
        await pilot.press("space", "down", "down", "space")
        await settled(app, pilot)
        assert stored(engine, audit_id)[1].slot("agencies").value == ["School", "Police"]

        await go_to(app, pilot, "q:workers:")
        await type_text(pilot, "3")
        await pilot.press("enter")
        await settled(app, pilot)
        assert answer(engine, audit_id, "workers").number_value == 3
        field = walk(app).panel.field(("answer", "workers", ""))
        field.value = ""
        await type_text(pilot, "31")
        await pilot.press("enter")
        await settled(app, pilot)
        assert answer(engine, audit_id, "workers").number_value == 3  # refused: above 30
        assert field.value == "31"  # left as typed, to be corrected
        assert "above the largest allowed value, 30" in panel_text(app)
        await pilot.press("tab", "space")  # the "not applicable" tick
        await settled(app, pilot)
        saved = answer(engine, audit_id, "workers")
        assert (saved.number_value, saved.not_applicable) == (None, True)
        assert field.disabled and field.value == ""
        await pilot.press("space")
        await settled(app, pilot)
        assert not answer(engine, audit_id, "workers").not_applicable and not field.disabled

        await go_to(app, pilot, "q:summary:")
        await type_text(pilot, "Lives with [bold]gran")
        await pilot.press("tab")  # leaving the field saves it
        await settled(app, pilot)
        assert answer(engine, audit_id, "summary").text == "Lives with [bold]gran"


async def test_dates_are_checked_and_a_refused_date_keeps_the_previous_one(db_target, engine,
                                                                          audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="referral_date")
        await type_text(pilot, "03/09/2026")
        await pilot.press("enter")
        await go_to(app, pilot, "q:assessment_done:")
        await type_text(pilot, "01/10/2026")
        await pilot.press("enter")
        await settled(app, pilot)
        assert answer(engine, audit_id, "assessment_done").date_value == date(2026, 10, 1)
        assert "Assessment within 45 working days: 20 working days: within the 45-working-day" \
               " limit" in panel_text(app)

        field = walk(app).panel.field(("answer", "assessment_done", ""))
        field.value = ""
        await type_text(pilot, "31/02/2026")
        await pilot.press("enter")
        await settled(app, pilot)
        assert answer(engine, audit_id, "assessment_done").date_value == date(2026, 10, 1)
        assert field.value == "31/02/2026"  # kept on screen, as typed, to be corrected
        assert "31/02/2026 is not a real date: February 2026 has 28 days." in panel_text(app)
        await pilot.press(*["backspace"] * 10)
        await type_text(pilot, "2/10/2026")  # corrected: the sentence goes
        await pilot.press("enter")
        await settled(app, pilot)
        assert answer(engine, audit_id, "assessment_done").date_value == date(2026, 10, 2)
        assert "not a real date" not in panel_text(app)

        field.value = ""
        await type_text(pilot, "01/12/2026")  # after the audit date
        await pilot.press("pagedown")  # moving on tries to save it, and refuses
        await settled(app, pilot)
        assert answer(engine, audit_id, "assessment_done").date_value == date(2026, 10, 2)
        assert here(app) == "q:workers:"

        await pilot.press("pageup")
        await pilot.pause()
        field = walk(app).panel.field(("answer", "assessment_done", ""))
        field.value = ""
        await type_text(pilot, "03/09/2026")
        await settled(app, pilot)  # no enter, no leaving: saved after a pause in typing
        await after_a_pause(pilot, lambda: answer(engine, audit_id, "assessment_done")
                            .date_value == date(2026, 9, 3))
        assert "0 working days: within" in panel_text(app)


async def test_text_is_saved_after_a_pause_once_and_literally(db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="risk")
        await pilot.press("tab")  # to the evidence note
        await type_text(pilot, "Case note [bold]14/09[/bold] ")
        app.post_message(events.Paste("\x1b[31mred\x07"))  # pasted, as a terminal sends it
        await after_a_pause(pilot, lambda: answer(engine, audit_id, "risk") is not None)
        await settled(app, pilot)
        note = "Case note [bold]14/09[/bold] [31mred"  # no ESC or BEL: input_rules.pasted
        assert answer(engine, audit_id, "risk").evidence == note
        await pilot.press("pagedown")  # nothing new to save
        await settled(app, pilot)
        changes = [e for e in history(engine, audit_id) if "evidence" in e.what]
        assert len(changes) == 1


# -- conditions ----------------------------------------------------------------------------------
async def test_conditions_show_and_hide_questions_and_hidden_answers_are_not_counted(
        db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="seen_alone")
        keys = lambda: [s.key for s in walk(app).stops]  # noqa: E731
        assert "q:why_not_alone:" not in keys()
        total_before = walk(app).state.progress()[1]

        await pilot.press("n")
        await settled(app, pilot)
        assert "q:why_not_alone:" in keys()
        assert walk(app).state.progress()[1] == total_before + 1
        await pilot.press("pagedown")
        await pilot.pause()
        assert here(app) == "q:why_not_alone:"
        await type_text(pilot, "Asleep")
        await pilot.press("pageup")
        await settled(app, pilot)
        assert answer(engine, audit_id, "why_not_alone").text == "Asleep"
        audit, state = stored(engine, audit_id)
        assert audit.answered_count == 2 and audit.required_count == total_before + 1

        await pilot.press("y")
        await settled(app, pilot)
        assert "q:why_not_alone:" not in keys()
        audit, state = stored(engine, audit_id)
        assert answer(engine, audit_id, "why_not_alone").text == "Asleep"  # kept, not counted
        assert state.progress() == (1, total_before)
        assert (audit.answered_count, audit.required_count) == (1, total_before)


async def test_a_picked_answer_applies_before_the_next_key_even_before_it_is_saved(
        db_target, engine, audit_id):
    """The screen follows a picked answer once its save is committed (so the save does not
    wait for a redraw), but never later than the next key, nor than FOLLOW_UP_WAIT when the
    save is slow: the condition it opens is there for a key pressed at once, and the screen
    is drawn again even if the save never reports."""
    from audit_tui.screens.walk import FOLLOW_UP_WAIT

    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="seen_alone")
        await pilot.press("n", "pagedown")  # no pause between: as a quick auditor types
        await pilot.pause()
        assert here(app) == "q:why_not_alone:"
        await settled(app, pilot)
        assert answer(engine, audit_id, "seen_alone").choice == "no"
        assert app._batch_count == 0  # drawing again

        await pilot.press("pageup")
        await settled(app, pilot)
        held, holds = [], []
        app.save = lambda label, work, key="": held.append(label)  # a save that never lands
        batch_update = app.batch_update
        app.batch_update = lambda: holds.append(1) or batch_update()
        await pilot.press("y")
        await pilot.pause(FOLLOW_UP_WAIT * 2)
        await wait_for(pilot, lambda: app._batch_count == 0)
        assert holds == [1]  # the redraw waited for the save, which never came
        assert "q:why_not_alone:" not in [s.key for s in walk(app).stops]
        assert held == ["answer seen_alone"]


# -- repeating groups ----------------------------------------------------------------------------
async def test_rows_are_added_answered_and_removed_with_their_indicators(db_target, engine,
                                                                        audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="g:episodes")
        assert here(app) == "g:episodes"
        await pilot.press("a")
        await settled(app, pilot)
        with Session(engine) as session:
            rows = store.rows_for(session=session, audit_id=audit_id)
        assert len(rows) == 1
        first = rows[0].id
        assert here(app) == f"q:returned_on:{first}"
        assert "Episode 1" in panel_text(app)

        await type_text(pilot, "01/10/2026")
        await pilot.press("enter", "pagedown")
        await pilot.pause()
        await type_text(pilot, "05/10/2026")
        await pilot.press("enter")
        await settled(app, pilot)
        assert answer(engine, audit_id, "rhi_date", first).date_value == date(2026, 10, 5)
        assert "Return home interview within 72 hours: 4 days: over the 3-day limit" \
            in panel_text(app)

        await go_to(app, pilot, "g:episodes")
        await pilot.press("a")
        await settled(app, pilot)
        await go_to(app, pilot, "g:episodes")
        text = panel_text(app)
        assert "0 of 1 episode: return home interview within 72 hours (1 without the dates yet)" \
            in text
        rows_widget = walk(app).panel.query_one("#rows")
        assert rows_widget.option_count == 2
        assert "4 days: over the 3-day limit" in str(rows_widget.get_option_at_index(0).prompt)

        rows_widget.highlighted = 0
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settled(app, pilot)
        with Session(engine) as session:
            rows = store.rows_for(session=session, audit_id=audit_id)
        assert len(rows) == 1 and rows[0].id != first
        assert answer(engine, audit_id, "rhi_date", first) is None
        assert walk(app).panel.query_one("#rows").option_count == 1


# -- sections ------------------------------------------------------------------------------------
async def test_a_section_can_be_marked_as_not_applying_with_a_reason(db_target, engine,
                                                                    audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="missing_known")
        total = walk(app).state.progress()[1]
        await pilot.press("ctrl+t")
        await pilot.pause()
        await type_text(pilot, "No [red]episodes[/red]")
        await pilot.press("enter")
        await settled(app, pilot)
        with Session(engine) as session:
            marks = {r.section_key: r for r in store.section_results(session=session,
                                                                      audit_id=audit_id)}
        assert marks["missing"].not_applicable
        assert marks["missing"].na_reason == "No [red]episodes[/red]"
        audit, state = stored(engine, audit_id)
        assert audit.required_count == total - 1 == state.progress()[1]
        assert here(app) == "section:missing"
        assert "Reason: No [red]episodes[/red]" in panel_text(app)

        await pilot.press("ctrl+t")  # it applies after all
        await settled(app, pilot)
        audit, state = stored(engine, audit_id)
        assert not state.mark("missing").na and audit.required_count == total
        assert here(app) == "q:missing_known:"


async def test_sections_that_always_apply_cannot_be_marked(db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="risk")
        assert walk(app).check_action("toggle_not_applicable", ()) is False
        await pilot.press("ctrl+t")
        await settled(app, pilot)
        assert not stored(engine, audit_id)[1].sections


async def test_graded_sections_ask_for_a_grade_and_a_rationale(db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="grade:basics")
        assert here(app) == "grade:basics"
        await pilot.press("down")  # the highlight shows the section's own descriptor
        await pilot.pause()
        assert "Section-level good descriptor." in panel_text(app)
        await pilot.press("2", "tab")
        await type_text(pilot, "Timely and [i]thorough")
        await pilot.press("tab")
        await settled(app, pilot)
        mark = stored(engine, audit_id)[1].mark("basics")
        assert (mark.grade, mark.rationale) == (2, "Timely and [i]thorough")

        await pilot.press("pagedown", "pagedown")  # the sub-section's question, then its grade
        await pilot.pause()
        assert here(app) == "grade:oversight"
        await pilot.press("4")
        await settled(app, pilot)
        assert stored(engine, audit_id)[1].mark("oversight").grade == 4


async def test_keys_move_between_questions_and_sections(db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id)
        await pilot.press("right_square_bracket")  # from a picker: ] is the next section
        await pilot.pause()
        assert here(app) == "q:risk:"
        await pilot.press("ctrl+pagedown")
        await pilot.pause()
        assert here(app) == "q:supervision:"
        await pilot.press("ctrl+pageup")
        await pilot.pause()
        assert here(app) == "q:risk:"
        await pilot.press("ctrl+down", "ctrl+down")
        await pilot.pause()
        assert here(app) == "q:plan_type:"
        await pilot.press("ctrl+up")
        await pilot.pause()
        assert here(app) == "q:seen_alone:"

        await pilot.press("ctrl+g")  # the first unanswered required question
        await pilot.pause()
        assert here(app) == "q:legal_status:"
        await pilot.press("1", "pagedown")
        await type_text(pilot, "01/09/2026")
        await pilot.press("ctrl+g")  # saves the date on the way
        await pilot.pause()
        assert here(app) == "q:risk:"
        await settled(app, pilot)
        assert answer(engine, audit_id, "referral_date").date_value == date(2026, 9, 1)


async def test_the_section_list_shows_progress_and_jumps(db_target, engine, audit_id):
    from audit_tui.widgets.section_list import SectionList

    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="risk")
        await pilot.press("2")
        await settled(app, pilot)
        sections = walk(app).query_one(SectionList)
        prompts = [str(sections.get_option_at_index(i).prompt)
                   for i in range(sections.option_count)]
        assert prompts[1] == "Basics\n  1/10"
        assert prompts[2] == "  Oversight\n    0/2"
        sections.focus()
        sections.highlighted = 3
        await pilot.press("enter")
        await pilot.pause()
        assert here(app) == "q:missing_known:"


# -- resuming, quitting ---------------------------------------------------------------------------
async def test_leaving_and_reopening_resumes_where_the_auditor_was(db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="plan_type")
        await pilot.press("2", "pagedown")
        await settled(app, pilot)
        assert stored(engine, audit_id)[0].resume_at == "q:agencies:"
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        await open_walk(app, pilot, audit_id)
        assert here(app) == "q:agencies:"

    app = AuditApp(database=db_target, warm_up=False)  # a new sitting
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id)
        assert here(app) == "q:agencies:"
        await pilot.press("tab")
        await type_text(pilot, "typed just before quitting")
        await pilot.press("ctrl+q")
    assert answer(engine, audit_id, "agencies").evidence == "typed just before quitting"


# -- submitted audits ----------------------------------------------------------------------------
async def test_a_submitted_audit_is_read_only_until_reopened_with_a_reason(db_target, engine,
                                                                         audit_id):
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="risk", who="t", grade=2)
        audit = store.submit(session=s, audit_id=audit_id, who="t")
        audit.submitted_at = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="risk")
        banner = walk(app).query_one("#walk-banner")
        assert banner.display and "read-only; press ctrl+o" in str(banner.render())
        assert walk(app).panel.answer_widget.picker.disabled
        await pilot.press("3")
        await settled(app, pilot)
        assert answer(engine, audit_id, "risk").grade == 2

        await pilot.press("ctrl+o")
        await pilot.pause()
        await type_text(pilot, "Grade [b]challenged")
        await pilot.press("enter")
        await settled(app, pilot)
        await wait_for(pilot, lambda: not walk(app).read_only)
        assert stored(engine, audit_id)[0].status == "draft"
        assert any(e.what == "status (reopened: Grade [b]challenged)"
                   for e in history(engine, audit_id))
        assert not banner.display
        await pilot.press("3")
        await settled(app, pilot)
        assert answer(engine, audit_id, "risk").grade == 3


# -- help and palette ----------------------------------------------------------------------------
async def test_the_descriptors_dialog_lists_every_grade(db_target, audit_id):
    from audit_tui.dialogs.descriptors import DescriptorsDialog

    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="grade:basics")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DescriptorsDialog))
        assert [row[:2] for row in app.screen.rows] == [
            (1, "Outstanding"), (2, "Good"), (3, "Requires improvement to be good"),
            (4, "Inadequate")]
        assert app.screen.rows[1][2] == "Section-level good descriptor."
        await pilot.press("escape")
        await wait_for(pilot, lambda: here(app) == "grade:basics")


async def test_coming_back_from_the_review_reads_the_audit_again(db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="risk")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ReviewScreen")
        with session_scope(engine) as s:  # as if submitted there
            store.submit(session=s, audit_id=audit_id, who="t")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WalkScreen"
                       and walk(app).read_only)
        assert here(app) == "q:risk:"
        assert walk(app).query_one("#walk-banner").display


def test_every_walk_action_has_a_binding_with_an_id_and_a_description():
    from audit_tui.screens.walk import WalkScreen
    from audit_tui.widgets.grade_input import GradeInput
    from audit_tui.widgets.group_rows import GroupRows
    from audit_tui.widgets.option_picker import OptionPicker

    for cls in (WalkScreen, GroupRows, OptionPicker, GradeInput):
        for binding in cls.BINDINGS:
            assert binding.id and binding.description, binding
            assert hasattr(cls, f"action_{binding.action.split('(')[0]}"), binding


async def test_the_keys_dialog_lists_the_walk_keys(db_target, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_walk(app, pilot, audit_id, at="risk")
        await pilot.press("f1")
        await pilot.pause()
        from audit_tui.dialogs.keys import KeysDialog

        assert isinstance(app.screen, KeysDialog)
        described = {text for _, text in app.screen.rows}
        assert {"Next", "Previous question", "Next section", "Previous section",
                "Unanswered", "Review", "Home",
                "Answer: Good", "Every grade's descriptor"} <= described


def test_stops_follow_the_template_order(walk_template):
    from audit_tui.screens.walk_stops import build_stops
    from audit_tui.templates.logic import AuditState

    state = AuditState(template=walk_template, details={"audit_date": AUDIT_DATE})
    keys = [s.key for s in build_stops(state)]
    assert keys == [
        "q:legal_status:", "q:referral_date:", "q:risk:", "q:seen_alone:", "q:plan_type:",
        "q:agencies:", "q:assessment_done:", "q:workers:", "q:summary:", "i:basics",
        "grade:basics", "q:supervision:", "grade:oversight", "q:missing_known:", "g:episodes"]
    state.rows["episodes"] = ["r1"]
    assert [s.key for s in build_stops(state)][-3:] == ["g:episodes", "q:returned_on:r1",
                                                        "q:rhi_date:r1"]


def test_the_test_template_covers_every_question_type(walk_template):
    from audit_tui.templates.model import QUESTION_TYPES

    # the age type is walked by tests/test_template_walk.py on the Lancashire fixture
    lancs = load_template(Path(__file__).parent / "templates" / "lancashire_tier2_cla.toml")
    assert "age" in {q.type for q in lancs.template.questions()}
    assert {q.type for q in walk_template.questions()} | {"age"} == set(QUESTION_TYPES)
