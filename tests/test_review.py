"""The review screen: the overall grade and rationale, actions, submitting, reopening, and
going to what is missing. Each step is checked in the database."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from textual.screen import Screen
from textual.widgets import OptionList, Static, TabbedContent, TextArea

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.templates.loader import load_template
from audit_tui.widgets import review_overall

from .test_new_audit import make_app, record_open_audit, target, template_dir, wait_for

__all__ = ["target", "template_dir"]  # fixtures used here


def in_store(target, work):
    from audit_tui.db.opening import open_engine

    engine = open_engine(target)
    try:
        with session_scope(engine) as session:
            return work(session)
    finally:
        engine.dispose()


def new_audit(target, template_dir, case_reference="CH-004512", **details) -> str:
    template = load_template(template_dir / "small.toml").template
    return in_store(target, lambda s: store.create_audit(
        session=s, template=template, case_reference=case_reference,
        audit_date=date(2026, 3, 2), who="t", **details).id)


def complete_sections(target, audit_id) -> None:
    """What the walk would save: every required answer and the section grade."""
    def work(s):
        store.save_answer(session=s, audit_id=audit_id, question_key="seen_alone", who="t",
                          choice="yes")
        store.save_section(session=s, audit_id=audit_id, section_key="assessment",
                           criterion="assessment_quality", who="t", grade=2,
                           rationale="Timely and thorough.")
    in_store(target, work)


def row(target, table: str, audit_id: str) -> list[dict]:
    conn = sqlite3.connect(target.path)
    conn.row_factory = sqlite3.Row
    column = "id" if table == "audit" else "audit_id"
    try:
        return [dict(r) for r in conn.execute(f"SELECT * FROM {table} WHERE {column} = ?",
                                              (audit_id,))]
    finally:
        conn.close()


def audit_row(app, target, audit_id) -> dict:
    app.saver.flush()
    return row(target, "audit", audit_id)[0]


def actions(app, target, audit_id) -> list[tuple]:
    app.saver.flush()
    return [(a["description"], a["owner"], a["due_date"])
            for a in row(target, "action", audit_id)]


def missing_texts(app) -> list[str]:
    return [m.text for m in app.screen.missing]


async def open_review(app, pilot, audit_id):
    app.open_review(audit_id)
    await wait_for(pilot, lambda: getattr(app.screen, "state", None) is not None)


async def test_overall_grade_rationale_and_actions_are_saved(target, template_dir, monkeypatch):
    audit_id = new_audit(target, template_dir)
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot, audit_id)
        assert "The overall grade." in missing_texts(app)
        await pilot.press("3")
        grades = app.screen.query_one("#overall-grades", OptionList)
        assert grades.has_focus
        await pilot.press("down", "enter")  # Good
        assert audit_row(app, target, audit_id)["overall_grade"] == 2
        assert "The overall grade." not in missing_texts(app)

        await pilot.press("tab")
        assert app.screen.query_one("#overall-rationale", TextArea).has_focus
        await pilot.press(*"Plan [bold] is clear")
        await pilot.press("shift+tab")  # leaving the rationale saves it at once
        assert audit_row(app, target, audit_id)["overall_rationale"] == "Plan [bold] is clear"

        monkeypatch.setattr(review_overall, "DEBOUNCE", 0.05)
        await pilot.press("tab", "end", *".")  # and a pause in typing saves it too
        await wait_for(pilot, lambda: audit_row(app, target, audit_id)["overall_rationale"]
                       == "Plan [bold] is clear.")
        assert "The rationale for the overall grade." not in missing_texts(app)

        await pilot.press("shift+tab", "a")  # add an action (from outside the rationale)
        await pilot.press(*"Update the chronology", "tab", *"Sam Jones", "enter",
                          *"31/02/2026", "enter")
        error = app.screen.query_one("#action-error", Static)
        assert "February 2026 has 28 days" in str(error.render())
        assert actions(app, target, audit_id) == []
        await pilot.press("home", "ctrl+k", *"30/04/2026", "enter")
        await wait_for(pilot, lambda: actions(app, target, audit_id) == [
            ("Update the chronology", "Sam Jones", "2026-04-30")])
        await wait_for(pilot, lambda: app.screen.query_one("#actions-list").option_count == 1)

        await pilot.press("e")  # edit it
        await pilot.press("tab", "home", "ctrl+k", *"Alex Brown", "ctrl+s")
        await wait_for(pilot, lambda: actions(app, target, audit_id) == [
            ("Update the chronology", "Alex Brown", "2026-04-30")])
        await wait_for(pilot, lambda: "Alex Brown" in str(
            app.screen.query_one("#actions-list", OptionList).get_option_at_index(0).prompt))

        await pilot.press("x")  # remove it, after a question
        await pilot.press("n")
        assert len(actions(app, target, audit_id)) == 1
        await pilot.press("x", "y")
        await wait_for(pilot, lambda: actions(app, target, audit_id) == [])
    events = [e["what"] for e in row(target, "audit_event", audit_id)]
    assert {"overall grade", "overall rationale", "action added", "action owner",
            "action removed"} <= set(events)


async def test_submit_is_refused_while_missing_then_accepted_then_reopened(target,
                                                                         template_dir):
    audit_id = new_audit(target, template_dir)
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot, audit_id)
        await pilot.press("ctrl+s")
        tabs = app.screen.query_one("#review-tabs", TabbedContent)
        await wait_for(pilot, lambda: tabs.active == "missing" and not app.screen.busy)
        assert audit_row(app, target, audit_id)["status"] == "draft"
        assert audit_row(app, target, audit_id)["submitted_at"] is None
        assert missing_texts(app) == [
            "Assessment: Was the child seen alone?", "Assessment: the section grade.",
            "Assessment: the rationale for the section grade.", "The overall grade.",
            "The rationale for the overall grade."]
        help_text = str(app.screen.query_one("#missing-help", Static).render())
        assert "was not submitted" in help_text

        complete_sections(target, audit_id)
        await pilot.press("3", "enter")  # Outstanding
        await pilot.press("tab", *"Strong practice throughout.")
        await pilot.press("ctrl+s")  # the rationale just typed is saved before submitting
        await wait_for(pilot, lambda: audit_row(app, target, audit_id)["status"] == "submitted")
        submitted = audit_row(app, target, audit_id)
        assert submitted["submitted_at"] is not None
        assert submitted["overall_rationale"] == "Strong practice throughout."
        await wait_for(pilot, lambda: not app.screen.editable and not app.screen.busy)
        assert app.screen.query_one("#overall-rationale", TextArea).read_only
        assert app.screen.query_one("#overall-grades", OptionList).disabled
        await pilot.press("a")  # read-only: no action can be added
        assert type(app.screen).__name__ == "ReviewScreen"
        assert app.screen.check_action("submit", ()) is False

        await pilot.press("ctrl+o")
        await pilot.press("enter")  # a reason is required
        assert type(app.screen).__name__ == "ReasonDialog"
        await pilot.press(*"Moderator asked for [more] evidence", "enter")
        await wait_for(pilot, lambda: audit_row(app, target, audit_id)["status"] == "draft")
        await wait_for(pilot, lambda: app.screen.editable and not app.screen.busy)
        assert not app.screen.query_one("#overall-rationale", TextArea).read_only
    reopened = audit_row(app, target, audit_id)
    assert reopened["submitted_at"] is None
    history = in_store(target, lambda s: [e.what for e in store.history(session=s,
                                                                          audit_id=audit_id)])
    assert "status (reopened: Moderator asked for [more] evidence)" in history


class FakeWalk(Screen):
    """Stands for the walk the review was opened from."""

    def __init__(self, audit_id: str) -> None:
        super().__init__()
        self.audit_id = audit_id


async def test_a_missing_item_leads_to_it(target, template_dir):
    audit_id = new_audit(target, template_dir)
    app = make_app(target, template_dir)
    calls = record_open_audit(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot, audit_id)
        await pilot.press("2", "enter")
        await wait_for(pilot, lambda: calls)
        assert calls == [(audit_id, "q:seen_alone:")]
        assert type(app.screen).__name__ == "HomeScreen"

        app.push_screen(FakeWalk(audit_id))
        await open_review(app, pilot, audit_id)
        await pilot.press("2", "down", "g")  # the section grade: the walk opens at it
        await wait_for(pilot, lambda: len(calls) == 2)
        assert calls[1] == (audit_id, "grade:assessment")
        assert type(app.screen).__name__ == "HomeScreen"  # the old walk went too

        await open_review(app, pilot, audit_id)
        await pilot.press("2", "end", "enter")  # the overall rationale is on the review itself
        assert app.screen.query_one("#review-tabs", TabbedContent).active == "overall"
        assert app.screen.query_one("#overall-rationale", TextArea).has_focus
        assert len(calls) == 2


@pytest.mark.parametrize("key", ["escape", "ctrl+q"])
async def test_leaving_straight_after_typing_keeps_the_rationale(target, template_dir, key):
    audit_id = new_audit(target, template_dir)
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot, audit_id)
        await pilot.press("3", "tab", *"Typed then left", key)
    assert audit_row(app, target, audit_id)["overall_rationale"] == "Typed then left"


async def test_user_text_is_shown_literally(target, template_dir):
    audit_id = new_audit(target, template_dir, case_reference="[bold]CH-1",
                         team="[red]North", social_worker="Sam")

    def answers(s):
        # a name holding ESC, as a database from before input_rules may hold one (the store
        # refuses it now)
        s.connection().exec_driver_sql("UPDATE audit SET social_worker = ? WHERE id = ?",
                                       ("Sam \x1b[2J Jones", audit_id))
        store.save_answer(session=s, audit_id=audit_id, question_key="seen_alone", who="t",
                          choice="yes", evidence="Seen [i]alone[/i] at school")
        store.set_overall(session=s, audit_id=audit_id, who="t", rationale="[b]why\x1b[31m")
        store.add_action(session=s, audit_id=audit_id, who="t", description="[link]Do it")
    in_store(target, answers)
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot, audit_id)
        await pilot.pause()
        status = str(app.screen.query_one("#review-status", Static).render())
        assert status.startswith("[bold]CH-1")
        shown = "\n".join(str(s.render()) for s in app.screen.query("#answers-view Static"))
        assert "[red]North" in shown and "Sam ␛[2J Jones" in shown
        assert "Seen [i]alone[/i] at school" in shown
        assert "\x1b" not in shown
        rationale = app.screen.query_one("#overall-rationale", TextArea)
        assert rationale.text == "[b]why␛[31m"
        option = app.screen.query_one("#actions-list", OptionList).get_option_at_index(0)
        assert str(option.prompt).startswith("[link]Do it")


async def test_every_key_has_a_description_for_help_and_the_palette(target, template_dir):
    from audit_tui.dialogs.keys import describe_keys

    audit_id = new_audit(target, template_dir)
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot, audit_id)
        await pilot.press("4")
        described = {d for _, d in describe_keys(app, app.screen)}
        assert {"Submit", "Add action", "Back", "Show the answers", "Show the overall grade",
                "Keys"} <= described
        for binding in app.screen.BINDINGS:
            assert binding.id and binding.description
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "KeysDialog"


def submitted_audit(target, template_dir, **details) -> str:
    audit_id = new_audit(target, template_dir, auditor="Priya Shah", **details)
    complete_sections(target, audit_id)  # assessment graded 2 Good
    in_store(target, lambda s: store.set_overall(session=s, audit_id=audit_id, who="t", grade=2,
                                                 rationale="Clear plan."))
    in_store(target, lambda s: store.submit(session=s, audit_id=audit_id, who="t"))
    return audit_id


def moderate(target, audit_id, section_key, grade=None, comment="", who="Mo Khan"):
    from audit_tui.db import moderation

    in_store(target, lambda s: moderation.record(session=s, audit_id=audit_id,
                                                 section_key=section_key, who=who,
                                                 grade=grade, comment=comment))


def answers_shown(app) -> str:
    return "\n".join(str(s.render()) for s in app.screen.query("#answers-view Static"))


async def test_a_moderated_audit_shows_both_grades(target, template_dir):
    audit_id = submitted_audit(target, template_dir)
    moderate(target, audit_id, "assessment", grade=3,
             comment="[b]No[/b] risk weighing \x1b[31m at all")
    moderate(target, audit_id, "")  # agrees with the overall grade
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot, audit_id)
        await pilot.pause()
        status = str(app.screen.query_one("#review-status", Static).render())
        assert "Moderated by Mo Khan" in status
        shown = answers_shown(app)
        assert "Section grade: Good  (the auditor's)" in shown
        assert ("Moderator's grade: Requires improvement to be good  differs: the reports "
                "count this grade") in shown
        assert "Moderated by: Mo Khan on " in shown
        assert "Moderator's comment: [b]No[/b] risk weighing ␛[31m at all" in shown
        assert "\x1b" not in shown
        await pilot.press("3")
        note = app.screen.query_one("#overall-moderation", Static)
        assert note.display
        text = str(note.render())
        assert "Auditor's grade: Good  (Priya Shah)" in text
        assert "Moderator's grade: Good  agrees with the auditor" in text
        assert "Moderated by: Mo Khan" in text and "comment" not in text


async def test_an_audit_graded_again_shows_the_earlier_moderation_as_such(target,
                                                                         template_dir):
    audit_id = submitted_audit(target, template_dir)
    moderate(target, audit_id, "", grade=4, comment="Child not seen")

    def regrade(s):
        store.reopen(session=s, audit_id=audit_id, who="t", reason="moderated")
        store.set_overall(session=s, audit_id=audit_id, who="t", grade=3)
    in_store(target, regrade)
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot, audit_id)
        await pilot.press("3")
        text = str(app.screen.query_one("#overall-moderation", Static).render())
        assert "Auditor's grade: Requires improvement to be good" in text
        assert "Moderator's grade: Inadequate  earlier moderation" in text
        assert "of the auditor's earlier grade, Good" in text
        assert "Moderator's comment: Child not seen" in text


async def test_an_audit_not_moderated_shows_no_moderation(target, template_dir):
    audit_id = submitted_audit(target, template_dir)
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot, audit_id)
        await pilot.press("3")
        assert not app.screen.query_one("#overall-moderation", Static).display
        assert "Moderat" not in answers_shown(app)
        status = str(app.screen.query_one("#review-status", Static).render())
        assert "Moderated" not in status


async def test_overall_grade_is_picked_by_its_number_as_in_the_walk(target, template_dir):
    """On the overall-grade tab, 1-4 pick the grade (they switch tabs elsewhere)."""
    audit_id = new_audit(target, template_dir)
    app = make_app(target, template_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot, audit_id)
        await pilot.press("3")  # to the overall-grade tab
        assert app.screen.query_one("#overall-grades", OptionList).has_focus
        await pilot.press("4")
        await wait_for(pilot, lambda: audit_row(app, target, audit_id)["overall_grade"] == 4)
        assert app.screen.query_one("#review-tabs", TabbedContent).active == "overall"
        await pilot.press("1")
        await wait_for(pilot, lambda: audit_row(app, target, audit_id)["overall_grade"] == 1)
        assert "● 1" in str(app.screen.query_one("#overall-grades", OptionList)
                            .get_option_at_index(0).prompt)
        await pilot.press("tab", "2")  # in the rationale, a digit is text
        assert app.screen.query_one("#overall-rationale", TextArea).text == "2"
        await pilot.press("shift+tab")
        await pilot.press("escape")


async def test_the_status_line_counts_add_up(target, template_dir):
    """"N of M required items done; K missing": M - N is K, whatever is answered."""
    import re

    audit_id = new_audit(target, template_dir)
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot, audit_id)
        for step in range(2):
            status = str(app.screen.query_one("#review-status", Static).render())
            done, total, missing = map(int, re.search(
                r"(\d+) of (\d+) required items done; (\d+) missing", status).groups())
            assert total - done == missing == len(app.screen.missing)
            if step == 0:
                await pilot.press("3", "2")  # the overall grade: one fewer missing
                await wait_for(pilot, lambda: audit_row(app, target, audit_id)
                               ["overall_grade"] == 2)
                await pilot.pause()


async def test_a_template_with_no_overall_judgement_has_no_overall_tab(target, template_dir):
    """`[overall] graded = false`: the review shows no overall tab (3 does nothing, the
    palette does not offer it) and the audit is submitted with no overall grade."""
    from audit_tui.commands import ScreenActions
    from audit_tui.templates.loader import load_template

    from .test_new_audit import SMALL_TEMPLATE

    path = template_dir / "small.toml"
    path.write_text(SMALL_TEMPLATE.replace(
        '[overall]\nguidance = "Weigh the section grades; the overall grade is not an '
        'average."', '[overall]\ngraded = false'), encoding="utf-8")
    assert not load_template(path).template.overall.graded
    audit_id = new_audit(target, template_dir)
    complete_sections(target, audit_id)
    app = make_app(target, template_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot, audit_id)
        review = app.screen
        tabs = review.query_one("#review-tabs", TabbedContent)
        await wait_for(pilot, lambda: not tabs.get_tab("overall").display)
        assert review.missing == []
        assert "Show the overall grade" not in [t for t, _, _ in ScreenActions(review)._commands()]
        await pilot.press("3")
        assert tabs.active == "answers"
        await pilot.press("4")
        assert tabs.active == "actions"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: row(target, "audit", audit_id)[0]["status"] == "submitted")
        assert row(target, "audit", audit_id)[0]["overall_grade"] is None
        assert not tabs.get_tab("overall").display
