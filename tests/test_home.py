"""The home screen: the audit list, filtering, opening, deleting drafts, the keys dialog."""

from __future__ import annotations

import time
from datetime import date, datetime

import pytest
from textual.widgets import DataTable, Input, Static

from audit_tui.app import AuditApp
from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.models import Audit

from .test_reports_data import mini  # noqa: F401  (a fixture)


def add_audits(engine, template, specs):
    """specs: (case_reference, auditor, status, updated 'YYYY-MM-DD HH:MM')"""
    ids = []
    with session_scope(engine) as s:
        for case, auditor, status, updated in specs:
            audit = store.create_audit(session=s, template=template, case_reference=case,
                                       audit_date=date(2026, 11, 2), who="t", auditor=auditor,
                                       team="North")
            audit.status = status
            audit.updated_at = datetime.fromisoformat(updated + ":00+00:00")
            audit.answered_count, audit.required_count = 3, 12
            s.add(audit)
            ids.append(audit.id)
    return ids


async def wait_for(pilot, condition, tries=200):
    for _ in range(tries):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition never held")


def table_rows(app) -> list[dict[str, str]]:
    """Each row as {column key: text}."""
    table = app.screen.query_one("#audits", DataTable)
    keys = [column.key.value for column in table.ordered_columns]
    return [dict(zip(keys, (str(cell) for cell in table.get_row_at(i))))
            for i in range(table.row_count)]


@pytest.fixture(autouse=True)
def utc_clock(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


async def test_an_empty_database_greets_the_user(db_target):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        welcome = app.screen.query_one("#welcome", Static)
        await wait_for(pilot, lambda: welcome.display)
        assert "Press  n  to start a new audit" in str(welcome.render())
        assert not app.screen.query_one("#audits", DataTable).display


async def test_drafts_come_first_then_submitted_latest_first(db_target, engine, example_template):
    add_audits(engine, example_template, [
        ("CH-1", "Ann", "submitted", "2026-11-20 09:00"),
        ("CH-2", "Bob", "draft", "2026-11-01 09:00"),
        ("CH-3", "Cat", "draft", "2026-11-21 09:00"),
    ])
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 3)
        rows = table_rows(app)
        assert [r["case"] for r in rows] == ["CH-3", "CH-2", "CH-1"]
        assert rows[0]["status"] == "Draft" and rows[2]["status"] == "Submitted"
        assert rows[0]["progress"] == "3/12"
        # At 100 columns the team stays and the time of the last change goes (the list is in
        # that order); on a wide terminal both show.
        assert rows[0]["team"] == "North" and "updated" not in rows[0]
    async with AuditApp(database=db_target, warm_up=False).run_test(size=(140, 30)) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 3)
        assert table_rows(app)[0]["updated"] == "21/11/2026 09:00"
        assert table_rows(app)[0]["team"] == "North"


async def test_team_column_shows_at_80_columns(db_target, engine, example_template):
    add_audits(engine, example_template, [("CH-1", "Ann", "draft", "2026-11-20 09:00")])
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 1)
        assert table_rows(app)[0]["team"] == "North"


async def test_first_run_keys_work_after_the_keys_dialog(db_target):
    """On the welcome screen, ? then escape, then n starts a new audit (the hidden filter box
    never takes the key)."""
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#welcome", Static).display)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "KeysDialog")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NewAuditScreen")


async def test_filter_with_one_match_opens_it_on_enter(db_target, engine, example_template,
                                                       monkeypatch):
    ids = add_audits(engine, example_template, [
        ("CH-100", "Ann", "draft", "2026-11-20 09:00"),
        ("CH-200", "Bob", "draft", "2026-11-21 09:00"),
    ])
    app = AuditApp(database=db_target, warm_up=False)
    opened = []
    monkeypatch.setattr(app, "open_audit", lambda audit_id, at=None: opened.append(audit_id))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 2)
        await pilot.press("C", "H", "-", "1")
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: opened == [ids[0]])


async def test_command_palette_lists_the_apps_actions_first_once_each(db_target, engine,
                                                                      example_template):
    from textual.command import CommandPalette

    from audit_tui.commands import ScreenActions

    add_audits(engine, example_template, [("CH-1", "Ann", "draft", "2026-11-20 09:00")])
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 1)
        provider = ScreenActions(app.screen)
        titles = [title for title, _, _ in provider._commands()]
        assert titles[0] == "New audit"
        assert len({t.lower() for t in titles}) == len(titles)  # no duplicates
        assert not any(t.startswith("Cursor") for t in titles)
        assert "Moderation queue" in titles and "Moderation" not in titles
        assert titles.index("Actions") < titles.index("Theme")  # Textual's own come last
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))


async def test_typing_filters_the_list(db_target, engine, example_template):
    add_audits(engine, example_template, [
        ("CH-100", "Ann", "draft", "2026-11-20 09:00"),
        ("CH-200", "Bob", "draft", "2026-11-21 09:00"),
    ])
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 2)
        await pilot.press("B", "o")
        assert app.screen.query_one("#filter", Input).value == "Bo"
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 1)
        assert table_rows(app)[0]["case"] == "CH-200"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 2)


async def test_enter_opens_the_selected_audit(db_target, engine, example_template, monkeypatch):
    ids = add_audits(engine, example_template, [("CH-1", "Ann", "draft", "2026-11-20 09:00")])
    app = AuditApp(database=db_target, warm_up=False)
    opened = []
    monkeypatch.setattr(app, "open_audit", lambda audit_id, at=None: opened.append(audit_id))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: opened == ids)


async def test_deleting_a_draft_asks_first_and_removes_it(db_target, engine, example_template):
    ids = add_audits(engine, example_template, [
        ("CH-1", "Ann", "submitted", "2026-11-20 09:00"),
        ("CH-2", "Bob", "draft", "2026-11-21 09:00"),
    ])
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 2)
        await pilot.press("d")
        await pilot.press("n")  # "No": nothing happens
        await pilot.pause()
        with session_scope(engine) as s:
            assert s.get(Audit, ids[1]) is not None
        await pilot.press("d")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 1)
        with session_scope(engine) as s:
            assert s.get(Audit, ids[1]) is None
            assert s.get(Audit, ids[0]) is not None
        await pilot.press("d")  # the submitted one: refused, still there
        await pilot.pause()
        with session_scope(engine) as s:
            assert s.get(Audit, ids[0]) is not None


async def test_user_text_is_shown_literally(db_target, engine, example_template):
    add_audits(engine, example_template, [("CH-[b]1", "[b]Ann[/b]", "draft",
                                           "2026-11-20 09:00")])
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 1)
        row = table_rows(app)[0]
        assert row["case"] == "CH-[b]1" and row["auditor"] == "[b]Ann[/b]"


async def test_question_mark_lists_the_screens_keys(db_target):
    from audit_tui.dialogs.keys import KeysDialog

    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysDialog))
        rows = [(k, d) for k, d in app.screen.rows]
        descriptions = [d for _, d in rows]
        for wanted in ("New audit", "Delete draft", "Filter", "Quit", "Keys"):
            assert wanted in descriptions
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, KeysDialog))


async def test_keys_dialog_names_the_keymap_table_and_each_binding_id(db_target):
    from audit_tui.dialogs.keys import KeysDialog

    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysDialog))
        foot = str(app.screen.query_one("#keys-foot", Static).render())
        assert "[keymap] in settings.toml" in foot  # not eaten as markup
        cells = [str(app.screen.query_one(DataTable).get_row_at(i)[1])
                 for i in range(app.screen.query_one(DataTable).row_count)]
        assert "New audit (id home.new)" in cells  # no dangling colon without a tooltip
        assert "Delete draft: Asks first (id home.delete)" in cells


async def test_every_home_action_is_in_the_command_palette(db_target):
    from audit_tui.commands import ScreenActions

    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        provider = ScreenActions(app.screen)
        titles = [title for title, _, _ in provider._commands()]
        for wanted in ("New audit", "Delete draft", "Filter", "Quit", "Keys"):
            assert wanted in titles


async def test_audits_with_bundle_conflicts_are_marked_until_resolved(engine, db_factory, mini,
                                                                     tmp_path):
    """An audit changed on a laptop and here is marked on the home screen, with a line that
    says how many and which key resolves them, until every field is resolved."""
    from audit_tui.db.opening import open_engine
    from audit_tui.screens.conflicts import ConflictsScreen

    from .test_bundle_conflicts_screen import make_conflicts

    qa = db_factory()
    qa_engine = open_engine(qa)
    try:
        make_conflicts(engine, qa_engine, mini, tmp_path)
        with session_scope(qa_engine) as s:
            store.create_audit(session=s, template=mini, case_reference="CH-3",
                               audit_date=date(2024, 4, 2), who="qa")
        app = AuditApp(database=qa, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            table = app.screen.query_one("#audits", DataTable)
            await wait_for(pilot, lambda: table.row_count == 3)
            marks = {str(table.get_row_at(i)[1]): table.get_row_at(i)[0].plain
                     for i in range(table.row_count)}
            assert marks == {"CH-1": "Draft ⚠", "CH-2": "Draft ⚠", "CH-3": "Draft"}
            alerts = str(app.screen.query_one("#home-alerts", Static).render())
            assert "2 audits with conflicting changes from a bundle to resolve (f7)" in alerts
            await pilot.press("slash", *"conflict")
            await wait_for(pilot, lambda: table.row_count == 2)
            await pilot.press("escape")

            await pilot.press("f7")
            await wait_for(pilot, lambda: isinstance(app.screen, ConflictsScreen)
                           and app.screen.query("#conflict-audits")
                           and app.screen.query_one("#conflict-audits", DataTable).row_count)
            screen = app.screen
            await pilot.press("T")
            await wait_for(pilot, lambda: screen.query_one("#conflict-audits",
                                                           DataTable).row_count == 1)
            await pilot.press("T")
            await wait_for(pilot, lambda: screen.query_one("#conflict-audits",
                                                           DataTable).row_count == 0)
            await pilot.press("escape")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
            table = app.screen.query_one("#audits", DataTable)
            await wait_for(pilot, lambda: table.row_count == 3 and not any(
                "⚠" in table.get_row_at(i)[0].plain for i in range(table.row_count)))
            assert not app.screen.query_one("#home-alerts", Static).display
    finally:
        qa_engine.dispose()


async def test_a_key_pressed_while_the_data_layer_loads_waits_for_it(db_target, monkeypatch):
    """The ORM is imported by a background thread after the first paint; a key pressed
    before that import is done waits for it instead of importing SQLAlchemy on the UI thread
    at the same moment (two threads importing it at once can crash)."""
    import threading

    from audit_tui import app as app_module

    ready, lock = threading.Event(), threading.Lock()
    monkeypatch.setattr(app_module, "_orm_ready", ready)
    monkeypatch.setattr(app_module, "_orm_lock", lock)
    lock.acquire()  # as if the background thread were importing right now
    released = []

    def import_done():
        released.append(True)
        ready.set()
        lock.release()

    app = AuditApp(database=db_target)  # warm_up: the preload runs, as for a user
    handled = []  # whether the import was done when the key's action ran
    new_audit = app.action_new_audit
    app.action_new_audit = lambda: handled.append(bool(released)) or new_audit()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app._preloading)
        threading.Timer(0.3, import_done).start()
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NewAuditScreen")
        assert handled == [True]  # the key was handled only once the import was done
        await wait_for(pilot, lambda: app.services._engine is not None)  # the preload ran
