"""The dashboard screen: figures load in a worker, filters narrow them, charts are drawn, and
any figure drills down to its audits, from which one opens."""

from __future__ import annotations

import pytest
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Select, Static

from audit_tui.app import AuditApp
from audit_tui.screens.dashboard import DashboardScreen
from audit_tui.screens.dashboard_drill import DrillScreen
from audit_tui.widgets.bar_chart import GradeBars
from audit_tui.widgets.trend_chart import TrendChart

from .test_reports_data import TODAY, fill, mini  # noqa: F401


@pytest.fixture
def filled(engine, mini):  # noqa: F811
    return fill(engine, mini)


async def wait_for(pilot, condition, tries=300):
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("condition never held")


async def open_dashboard(app, pilot) -> DashboardScreen:
    screen = DashboardScreen(today=TODAY)
    await app.push_screen(screen)
    await wait_for(pilot, lambda: screen.summary is not None and not screen.loading)
    return screen


def put_cursor(table: DataTable, row_key: str, column_key: str) -> None:
    row = table.get_row_index(row_key)
    column = table.get_column_index(column_key)
    table.cursor_coordinate = Coordinate(row, column)


async def test_dashboard_shows_the_figures_and_charts(db_target, filled):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(130, 45)) as pilot:
        screen = await open_dashboard(app, pilot)
        summary = str(screen.query_one("#dash-summary", Static).render())
        assert "4 submitted audits" in summary and "50% (n=4)" in summary
        bars = str(screen.query_one("#bars", GradeBars).render())
        assert "Overall grade" in bars and "█" in bars and "good+" in bars
        grades = screen.query_one("#grades", DataTable)
        assert grades.row_count == 4  # overall and three criteria
        trend = str(screen.query_one("#trend-chart", TrendChart).render())
        assert "good or better" in trend
        assert screen.query_one("#indicators", DataTable).row_count == 2
        assert screen.query_one("#yesno", DataTable).row_count == 2
        actions = screen.query_one("#actions", DataTable)
        assert actions.get_row("all|All actions")[2].plain == "1"  # one overdue


async def test_filters_narrow_the_figures(db_target, filled):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(130, 45)) as pilot:
        screen = await open_dashboard(app, pilot)
        team = screen.query_one("#filter-team", Select)
        await wait_for(pilot, lambda: len(team._options) > 1)
        team.value = "North"
        await wait_for(pilot, lambda: screen.summary.filters.team == "North"
                       and not screen.loading)
        assert screen.summary.audits == 2
        assert "team North" in str(screen.query_one("#dash-summary", Static).render())
        await pilot.press("c")  # clear the filters
        await wait_for(pilot, lambda: screen.summary.filters.team is None
                       and not screen.loading)
        assert screen.summary.audits == 4


async def test_a_bad_date_is_refused_and_the_figures_stay(db_target, filled):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(130, 45)) as pilot:
        screen = await open_dashboard(app, pilot)
        await pilot.press("f")
        await pilot.press(*"31/02/2024", "enter")
        await pilot.pause()
        assert screen.filters.date_from is None and screen.summary.audits == 4
        screen.query_one("#filter-from").value = "01/02/2024"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.summary.filters.date_from is not None
                       and not screen.loading)
        assert screen.summary.audits == 2


async def test_drill_down_from_a_grade_to_the_audit(db_target, filled):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(130, 45)) as pilot:
        screen = await open_dashboard(app, pilot)
        table = screen.query_one("#grades", DataTable)
        table.focus()
        put_cursor(table, "overall||ofsted", "g:4")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DrillScreen) and app.screen.loaded)
        drill = app.screen
        assert [r.case_reference for r in drill.rows] == ["CH-2"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ReviewScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DrillScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_drill_down_from_a_breakdown_row_and_actions(db_target, filled):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(130, 45)) as pilot:
        screen = await open_dashboard(app, pilot)
        await pilot.press("2")
        by = screen.query_one("#by", DataTable)
        put_cursor(by, "South|ofsted", "audits")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DrillScreen) and app.screen.loaded)
        assert {r.case_reference for r in app.screen.rows} == {"CH-3", "CH-4"}
        await pilot.press("escape")
        await pilot.press("5")
        actions = screen.query_one("#actions", DataTable)
        put_cursor(actions, "all|All actions", "overdue")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DrillScreen) and app.screen.loaded)
        assert [r.case_reference for r in app.screen.rows] == ["CH-1"]


async def test_break_down_by_cycles_through_the_dimensions(db_target, filled):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(130, 45)) as pilot:
        screen = await open_dashboard(app, pilot)
        await pilot.press("b")
        await wait_for(pilot, lambda: "month" in screen.summary.breakdowns
                       and screen.by == "month" and not screen.loading)
        by = screen.query_one("#by", DataTable)
        assert by.row_count == 2 and "by month" in str(
            screen.query_one("#by-title", Static).render())


async def test_every_dashboard_key_has_an_id_and_a_description():
    for screen in (DashboardScreen, DrillScreen):
        for binding in screen.BINDINGS:
            assert binding.id and binding.description, binding


async def test_an_empty_database_shows_an_empty_dashboard(db_target):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(130, 45)) as pilot:
        screen = await open_dashboard(app, pilot)
        assert screen.summary.audits == 0
        assert "No grades" in str(screen.query_one("#bars", GradeBars).render())


async def test_a_grade_a_moderator_changed_is_marked_in_the_grades_and_the_drill_down(
        db_target, engine, filled):
    from audit_tui.db import moderation
    from audit_tui.db.engine import session_scope

    with session_scope(engine) as s:  # CH-1: overall 2 Good -> 3, voice 2 -> 4
        moderation.record(session=s, audit_id=filled["CH-1"], section_key="", who="Mo",
                          grade=3, comment="Plan not SMART")
        moderation.record(session=s, audit_id=filled["CH-1"], section_key="voice", who="Mo",
                          grade=4, comment="Not seen alone")
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(130, 45)) as pilot:
        screen = await open_dashboard(app, pilot)
        summary = str(screen.query_one("#dash-summary", Static).render())
        assert "2 grade(s) changed by moderation: the moderator's counted, marked *" in summary
        grades = screen.query_one("#grades", DataTable)
        assert grades.get_cell("overall||ofsted", "g:3").plain == "2*"  # CH-1 and CH-3
        assert grades.get_cell("overall||ofsted", "g:2").plain == "0"
        assert grades.get_cell("grade|childs_voice|ofsted", "g:4").plain == "2*"
        grades.focus()
        put_cursor(grades, "overall||ofsted", "g:3")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DrillScreen) and app.screen.loaded)
        drill = app.screen
        table = drill.query_one("#drill", DataTable)
        assert {r.case_reference for r in drill.rows} == {"CH-1", "CH-3"}
        assert table.get_cell(filled["CH-1"], "overall").plain == "3* (auditor: 2)"
        assert table.get_cell(filled["CH-3"], "overall").plain == "3"
        title = str(drill.query_one("#drill-title", Static).render())
        assert "* a moderator's grade, counted in place of the auditor's" in title
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        put_cursor(grades, "grade|childs_voice|ofsted", "g:4")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DrillScreen) and app.screen.loaded)
        table = app.screen.query_one("#drill", DataTable)
        assert table.get_cell(filled["CH-1"], "detail").plain.endswith("(* auditor: 2)")
        assert "auditor" not in table.get_cell(filled["CH-2"], "detail").plain


async def test_at_80x24_enter_drills_at_once_and_every_tab_fits(db_target, filled):
    """No Tabs needed: the grades table has visible focus once the figures are in; the filters
    take one row; the bars and the yes/no counts fit in 80 columns."""
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(app, pilot)
        await pilot.pause()
        assert screen.focused is screen.query_one("#grades", DataTable)
        from audit_tui.widgets.dashboard_filters import FilterBar

        assert screen.query_one(FilterBar).region.height == 1
        bars = str(screen.query_one("#bars", GradeBars).render()).splitlines()
        assert all(len(line) <= 78 for line in bars[:-2]) and "good+" in bars[0]
        await pilot.press("4")  # the yes/no tab
        yesno = screen.query_one("#yesno", DataTable)
        assert screen.focused is yesno
        first_counts = yesno.ordered_columns[2]
        assert first_counts.get_render_width(yesno) + yesno.ordered_columns[0].get_render_width(
            yesno) < 78
        await pilot.press("1", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DrillScreen))
