"""The programme screen: by auditor and team, every allocation, the chase list; start an
allocated audit pre-filled, reassign, extend; reached by f9 and from the new-audit screen's
"My allocations"; how it looks at 80x24 and 100x30. Synthetic data only (SQLite)."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import DataTable

from audit_tui.app import AuditApp
from audit_tui.programme.synthetic import write_annex_a
from tests.programme_helpers import rows, run, write_settings
from tests.test_home import wait_for
from tests.test_review_snapshots import steady
from tests.test_programme_progress import allocated  # noqa: F401  (a fixture)

TODAY = date(2025, 2, 10)
RULES = """
[programme.teams]
"*" = 1
[programme.templates]
"*" = "children_in_care"
[programme.auditors]
"Ann Auditor" = "Team A"
"Bob Auditor" = "Team B"
"""


@pytest.fixture
def programme(db_target, engine, tmp_path, private_home, capsys):
    write_settings(private_home, RULES)
    book = write_annex_a(tmp_path / "annex.xlsx", rows_per_list=8, lists=("8",),
                         teams=("Team A", "Team B", "Team C"), messy=False)
    run(db_target, "import", str(book), capsys=capsys)
    run(db_target, "sample", "--month", "2025-01", "--seed", "2", capsys=capsys)
    run(db_target, "allocate", "--month", "2025-01", capsys=capsys)
    return engine


def table_rows(screen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_programme(app, pilot):
    from audit_tui.screens.home import HomeScreen
    from audit_tui.screens.programme import ProgrammeScreen

    await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.loaded)
    app.push_screen(ProgrammeScreen(today=TODAY))
    await wait_for(pilot, lambda: isinstance(app.screen, ProgrammeScreen) and app.screen.loaded)
    screen = app.screen
    await pilot.press("p")  # January 2025
    await wait_for(pilot, lambda: screen.month == "2025-01" and screen.rows)
    return screen


async def test_the_programme_screen_shows_and_changes_allocations(db_target, programme):
    from audit_tui.dialogs.reason import ReasonDialog
    from audit_tui.screens.walk import WalkScreen

    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_programme(app, pilot)
        summary = str(screen.query_one("#programme-summary").render())
        assert "2025-01 · By auditor · 0 of 3 allocated audits done; 3 overdue" in summary
        assert [r[0] for r in table_rows(screen)] == ["Ann Auditor", "Bob Auditor"]
        await pilot.press("v")
        assert [r[0] for r in table_rows(screen)] == ["Team A", "Team B", "Team C"]
        await pilot.press("v")  # every allocation
        listed = table_rows(screen)
        assert len(listed) == 3 and all(r[5] == "overdue" for r in listed)
        # reassigning to the case's own team is refused, in words
        first = screen.shown[0]
        own = "Ann Auditor" if first.team == "Team A" else "Bob Auditor"
        other = "Bob Auditor" if own == "Ann Auditor" else "Ann Auditor"
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReasonDialog))
        app.screen.query_one("Input").value = own
        await pilot.press("enter")
        await wait_for(pilot, lambda: "own team" in str(
            screen.query_one("#programme-status").render()))
        if first.team != "Team C":
            assert rows(programme, "SELECT auditor FROM programme_allocation WHERE id = :i",
                        i=first.id)[0][0] == first.auditor
        # extend: a date, then a reason
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ReasonDialog))
        app.screen.query_one("Input").value = "28/02/2025"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReasonDialog)
                       and "Why does" in str(app.screen.query_one("#reason-prompt").render()))
        app.screen.query_one("Input").value = "worker on leave"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Now due on 28/02/2025" in str(
            screen.query_one("#programme-status").render()))
        assert rows(programme, "SELECT extension_reason FROM programme_allocation WHERE id = :i",
                    i=first.id)[0][0] == "worker on leave"
        await wait_for(pilot, lambda: table_rows(screen)[0][5] == "")  # no longer overdue
        # enter starts the audit, pre-filled, and opens it
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WalkScreen))
        audit = rows(programme, "SELECT a.case_reference, a.auditor, a.team FROM audit a JOIN "
                                "programme_allocation p ON p.audit_id = a.id")
        assert audit == [(first.case_reference, first.auditor, first.team)]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen
                       and table_rows(screen)[0][4] == "started")


async def test_my_allocations_from_the_new_audit_screen(db_target, programme):
    from audit_tui.screens.new_audit import NewAuditScreen
    from audit_tui.screens.programme import ProgrammeScreen

    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "loaded", False))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewAuditScreen))
        app.screen.auditor = "Ann Auditor"
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ProgrammeScreen)
                       and app.screen.loaded)
        screen = app.screen
        assert screen.view == "allocations"
        await pilot.press("a")  # every month
        await wait_for(pilot, lambda: screen.month is None and screen.rows)
        assert {r[2] for r in table_rows(screen)} == {"Ann Auditor"}


async def test_f9_opens_it_and_every_key_is_in_the_palette(db_target, programme):
    from audit_tui.screens.programme import ProgrammeScreen

    assert all(b.id and b.description for b in ProgrammeScreen.BINDINGS)
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "loaded", False))
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ProgrammeScreen))
        from audit_tui.commands import ScreenActions

        titles = {t for t, _, _ in ScreenActions(app.screen)._commands()}
        assert {"View", "Previous month", "Next month", "All months", "Auditor",
                "Back"} <= titles


async def test_the_walk_marks_a_pre_filled_answer(db_target, allocated):  # noqa: F811
    from textual.widgets import Static

    from audit_tui.screens.programme import ProgrammeScreen
    from audit_tui.screens.walk import WalkScreen

    app = AuditApp(database=db_target, template_dirs=[allocated], warm_up=False)

    def marked() -> bool:
        return any("Pre-filled from the case list" in str(w.render())
                   for w in app.screen.query(Static))

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "loaded", False))
        app.push_screen(ProgrammeScreen(today=TODAY, view="allocations"))
        await wait_for(pilot, lambda: isinstance(app.screen, ProgrammeScreen)
                       and app.screen.loaded)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.screen.month == "2025-01" and app.screen.rows)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WalkScreen)
                       and app.screen.query("QuestionPanel"))
        seen = []
        for _ in range(4):
            await pilot.pause()
            seen.append(marked())
            await pilot.press("pagedown")
        assert seen.count(True) == 1  # the referral date only; the legal status is not


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
@pytest.mark.parametrize("view", ["auditor", "allocations"])
def test_programme_screen_looks(snap_compare, db_target, programme, size, view):
    from audit_tui.screens.programme import ProgrammeScreen

    app = AuditApp(database=db_target, warm_up=False)

    async def loaded(pilot):
        await wait_for(pilot, lambda: getattr(app.screen, "loaded", False))
        app.push_screen(ProgrammeScreen(today=TODAY, view=view))
        await wait_for(pilot, lambda: isinstance(app.screen, ProgrammeScreen)
                       and app.screen.loaded)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.screen.month == "2025-01" and app.screen.rows)
        await pilot.pause()
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=loaded)
