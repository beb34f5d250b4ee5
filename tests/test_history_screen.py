"""The history screen: every change to an audit, when, who, what, old -> new, drawn literally;
reached with f2 from the walk and from the review."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Static

from audit_tui.app import AuditApp
from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.screens.history import HistoryScreen

from .test_home import wait_for
from .test_walk import audit_id, open_walk, settled, walk_template  # noqa: F401 (fixtures)


def table_text(screen) -> str:
    table = screen.query_one(DataTable)
    lines = []
    for row in range(table.row_count):
        lines.append(" | ".join(str(cell.plain if isinstance(cell, Text) else cell)
                                for cell in table.get_row_at(row)))
    return "\n".join(lines)


async def test_the_history_shows_who_changed_what_from_what_to_what(db_target, engine,
                                                                    audit_id):
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="summary", who="ann",
                          text="first [red]version[/]")
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="summary", who="bob",
                          text="second \x1b[2Jversion")
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_walk(app, pilot, audit_id, at="summary")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen)
                       and app.screen.query_one(DataTable).row_count >= 3)
        text = table_text(app.screen)
        # the question's prompt, not its key
        assert "Summary of the child's experience" in text and "audit created" in text
        assert "answer summary" not in text
        assert "bob" in text and "ann" in text
        # newest first: bob's change, from ann's text to bob's, escape drawn as a picture
        first = text.splitlines()[0]
        assert "bob" in first and "first [red]version[/]" in first
        assert "second ␛[2Jversion" in first and "\x1b" not in text
        detail = app.screen.query_one("#history-detail", Static).render()
        assert "Old: first [red]version[/]" in str(detail)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HistoryScreen))

        app.open_review(audit_id)
        await pilot.pause()
        await settled(app, pilot)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen)
                       and app.screen.query_one(DataTable).row_count >= 3)
        assert "Summary of the child's experience" in table_text(app.screen)


async def test_f2_is_listed_among_the_walks_keys(db_target, audit_id):
    from audit_tui.dialogs.keys import describe_keys

    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_walk(app, pilot, audit_id, at="summary")
        keys = describe_keys(app, app.screen)
        assert any(desc == "History" for _, desc in keys), keys
