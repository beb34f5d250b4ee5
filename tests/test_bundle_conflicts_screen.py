"""The conflicts screen: conflicting audits, mine and theirs field by field, `m` / `t` (and `M`
/ `T` for a whole audit) resolve through the writer, with history rows. Both engines."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.widgets import DataTable, Static

from audit_tui.app import AuditApp
from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.opening import open_engine
from audit_tui.screens.conflicts import ConflictsScreen
from audit_tui.sync.export import export_bundle
from audit_tui.sync.importer import import_bundle

from .test_home import wait_for
from .test_reports_data import mini  # noqa: F401


def rows(screen, table_id: str) -> list[list[str]]:
    table = screen.query_one(f"#{table_id}", DataTable)
    return [[cell.plain if isinstance(cell, Text) else str(cell)
             for cell in table.get_row_at(i)] for i in range(table.row_count)]


def make_conflicts(engine, other_engine, mini, tmp_path):  # noqa: F811
    """Two audits sent to the QA database, then changed on both sides."""
    ids = []
    with session_scope(engine) as s:
        for case in ("CH-1", "CH-2"):
            audit = store.create_audit(session=s, template=mini, case_reference=case,
                                       audit_date=date(2024, 4, 2), who="lead", team="North")
            store.save_answer(session=s, audit_id=audit.id, question_key="seen_alone",
                              who="lead", choice="yes")
            ids.append(audit.id)
    export_bundle(engine, tmp_path / "one.bundle", status="all")
    import_bundle(other_engine, tmp_path / "one.bundle", who="qa")
    for eng, team, seen in ((engine, "Laptop team", "no"), (other_engine, "QA team", "na")):
        with session_scope(eng) as s:
            for audit_id in ids:
                store.update_case_details(session=s, audit_id=audit_id, who="x", team=team)
                store.save_answer(session=s, audit_id=audit_id, question_key="seen_alone",
                                  who="x", choice=seen)
    export_bundle(engine, tmp_path / "two.bundle", status="all")
    assert import_bundle(other_engine, tmp_path / "two.bundle", who="qa").conflicting == 2
    return ids


async def test_keep_mine_and_keep_theirs_field_by_field(engine, db_factory, mini,  # noqa: F811
                                                        tmp_path):
    qa = db_factory()
    qa_engine = open_engine(qa)
    try:
        ids = make_conflicts(engine, qa_engine, mini, tmp_path)
        from audit_tui.db.fastread import conflict_count

        assert conflict_count(qa) == 2
        app = AuditApp(database=qa, warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app.push_screen(ConflictsScreen())
            await wait_for(pilot, lambda: isinstance(app.screen, ConflictsScreen)
                           and app.screen.query("#conflict-audits")
                           and app.screen.query_one("#conflict-audits", DataTable).row_count)
            screen = app.screen
            assert [r[0] for r in rows(screen, "conflict-audits")] == ["CH-1", "CH-2"]
            fields = rows(screen, "conflict-fields")
            assert fields == [["Team", "QA team", "Laptop team"],
                              ["Was the child seen alone?", "Not applicable", "No"]]
            detail = str(screen.query_one("#conflict-detail", Static).render())
            assert "Mine (this database): QA team" in detail
            await pilot.press("t")  # the team: the laptop's
            await wait_for(pilot, lambda: len(rows(screen, "conflict-fields")) == 1)
            await pilot.press("m")  # seen alone: this database's
            await wait_for(pilot, lambda: [r[0] for r in rows(screen, "conflict-audits")]
                           == ["CH-2"])
            await pilot.press("T")  # every field of CH-2: the laptop's
            await wait_for(pilot, lambda: not rows(screen, "conflict-audits"))
            assert "No conflicts" in str(screen.query_one("#conflict-title", Static).render())
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, ConflictsScreen))
        assert conflict_count(qa) == 0
        with session_scope(qa_engine) as s:
            first = store.get_audit(session=s, audit_id=ids[0])
            second = store.get_audit(session=s, audit_id=ids[1])
            assert (first.team, second.team) == ("Laptop team", "Laptop team")
            answers = {a.audit_id: a.choice for a in store.answers_for(session=s,
                                                                       audit_id=ids[0])}
            answers.update({a.audit_id: a.choice for a in store.answers_for(
                session=s, audit_id=ids[1])})
            assert answers == {ids[0]: "na", ids[1]: "no"}
            what = [e.what for e in store.history(session=s, audit_id=ids[0])]
            assert "conflict resolved, bundle's value kept: team" in what
            assert "conflict resolved, this value kept: answer seen_alone" in what
    finally:
        qa_engine.dispose()
