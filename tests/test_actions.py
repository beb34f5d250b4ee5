"""Actions across every audit: states, filters, marking done, the `actions` command and the
actions screen."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.reports.actions_cli import list_actions, mark_done, overdue_count, state_of

TODAY = date(2026, 11, 20)


@pytest.fixture
def actions(engine, example_template):
    with session_scope(engine) as s:
        north = store.create_audit(session=s, template=example_template, case_reference="CH-1",
                                   audit_date=date(2026, 10, 1), who="Ann", team="North")
        south = store.create_audit(session=s, template=example_template, case_reference="CH-2",
                                   audit_date=date(2026, 10, 1), who="Ann", team="South")
        ids = {}
        for audit, name, owner, due in (
                (north, "late", "Sam", date(2026, 11, 19)),
                (north, "soon", "Sam", date(2026, 11, 27)),
                (south, "later", "Kim", date(2026, 11, 28)),
                (south, "undated", "Kim", None),
                (south, "=cmd|' /C calc'!A0", "Sam", date(2026, 1, 1))):
            ids[name] = store.add_action(session=s, audit_id=audit.id, who="Ann",
                                         description=name, owner=owner, due_date=due).id
        return ids


def test_state_of():
    assert state_of("done", date(2020, 1, 1), TODAY) == "done"
    assert state_of("open", date(2026, 11, 19), TODAY) == "overdue"
    assert state_of("open", TODAY, TODAY) == "due"
    assert state_of("open", date(2026, 11, 27), TODAY) == "due"
    assert state_of("open", date(2026, 11, 28), TODAY) == "open"
    assert state_of("open", None, TODAY) == "open"


def test_list_filters_and_mark_done(engine, actions):
    with session_scope(engine) as s:
        items = list_actions(session=s, today=TODAY)
        assert [i.description for i in items] == ["=cmd|' /C calc'!A0", "late", "soon", "later",
                                                  "undated"]
        assert [i.state for i in items] == ["overdue", "overdue", "due", "open", "open"]
        assert [i.description for i in list_actions(session=s, today=TODAY, owner="sam",
                                                    team="north")] == ["late", "soon"]
        assert overdue_count(session=s, today=TODAY) == 2
        mark_done(session=s, action_id=actions["late"], who="Sam", note="Plan updated",
                  on=date(2026, 11, 18))
    with session_scope(engine) as s:
        done = [i for i in list_actions(session=s, today=TODAY) if i.state == "done"]
        assert [(d.description, d.completed_date, d.note) for d in done] == [
            ("late", date(2026, 11, 18), "Plan updated")]
        assert overdue_count(session=s, today=TODAY) == 1
        assert "action status" in [e.what for e in store.history(
            session=s, audit_id=done[0].audit_id)]


def test_actions_command(engine, db_target, actions, capsys):
    from audit_tui.cli import main

    db = str(db_target.path or db_target.url)
    assert main(["--db", db, "actions", "--overdue", "--as-of", "20/11/2026"]) == 0
    out = capsys.readouterr().out
    assert "late" in out and "soon" not in out and "Overdue" in out
    assert main(["--db", db, "actions", "--owner", "Kim", "--format", "json",
                 "--as-of", "20/11/2026"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["description"] for d in doc] == ["later", "undated"]
    assert main(["--db", db, "actions", "--format", "csv", "--as-of", "20/11/2026"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][0] == "case_reference" and rows[1][2].startswith("'=")


async def _wait(pilot, condition, tries=300):
    for _ in range(tries):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition never held")


async def test_actions_screen_filters_and_marks_done(engine, db_target, actions):
    from textual.widgets import Input

    from audit_tui.app import AuditApp
    from audit_tui.dialogs.action_done import ActionDoneDialog
    from audit_tui.screens.actions import ActionsScreen
    from audit_tui.screens.home import HomeScreen

    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _wait(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.loaded)
        app.push_screen(ActionsScreen(today=TODAY))
        await _wait(pilot, lambda: isinstance(app.screen, ActionsScreen) and app.screen.items)
        screen = app.screen
        assert len(screen.shown) == 5
        await pilot.press("v")  # overdue only
        assert [i.description for i in screen.shown] == ["=cmd|' /C calc'!A0", "late"]
        await pilot.press("t")
        await pilot.press(*"north", "enter")
        assert [i.description for i in screen.shown] == ["late"]
        await pilot.press("m")
        await _wait(pilot, lambda: isinstance(app.screen, ActionDoneDialog))
        await pilot.press("ctrl+s")  # no note: refused
        assert "Please write a note" in str(app.screen.query_one("#done-error").render())
        app.screen.query_one("#done-note", Input).value = "Chronology written"
        app.screen.query_one("#done-date", Input).value = "18/11/2026"
        await pilot.press("ctrl+s")
        await _wait(pilot, lambda: app.screen is screen and not screen.shown)
    app.saver.flush()
    with session_scope(engine) as s:
        [done] = [i for i in list_actions(session=s, today=TODAY) if i.state == "done"]
        assert (done.description, done.completed_date, done.note) == (
            "late", date(2026, 11, 18), "Chronology written")


def test_owner_and_team_match_ignoring_the_case_of_any_letter(engine, example_template):
    """The same actions on both engines (SQLite's lower() knows only ASCII letters)."""
    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=example_template, case_reference="CH-5",
                                   audit_date=date(2026, 10, 1), who="Ann", team="Équipe Nord")
        for name, owner in (("one", "Élodie"), ("two", "élodie"), ("three", "Elodie")):
            store.add_action(session=s, audit_id=audit.id, who="Ann", description=name,
                             owner=owner, due_date=date(2026, 12, 1))
    with session_scope(engine) as s:
        found = list_actions(session=s, today=TODAY, owner=" ÉLODIE ")
        assert sorted(i.description for i in found) == ["one", "two"]
        found = list_actions(session=s, today=TODAY, owner="elodie", team="équipe nord")
        assert [i.description for i in found] == ["three"]
        assert len(list_actions(session=s, today=TODAY, team="ÉQUIPE NORD")) == 3
