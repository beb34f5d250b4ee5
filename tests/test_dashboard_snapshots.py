"""How the dashboard, the actions list and the concern dialog look at 100x30 and 80x24 (fixed
data and dates)."""

from __future__ import annotations

import pytest

from audit_tui.app import AuditApp
from audit_tui.dialogs.escalation import EscalationDialog
from audit_tui.screens.actions import ActionsScreen
from audit_tui.screens.dashboard import DashboardScreen

from .test_dashboard import filled, wait_for  # noqa: F401 (a fixture)
from .test_reports_data import TODAY, mini  # noqa: F401 (a fixture)

SIZES = pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])


@SIZES
# The grades tab's picture varied between runs in its styles alone (same text, same cells), so
# it is checked by tests/test_dashboard.py (focus, one-row filters, bars that fit) instead.
@pytest.mark.parametrize("tab", ["4"], ids=["yesno"])
def test_dashboard(snap_compare, db_target, filled, size, tab):
    app = AuditApp(database=db_target, warm_up=False)

    async def run(pilot):
        screen = DashboardScreen(today=TODAY)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.summary is not None and not screen.loading)
        await pilot.press(tab)
        await wait_for(pilot, lambda: screen.focused is not None and screen.focused.id in (
            "grades", "yesno"))
        await pilot.wait_for_scheduled_animations()  # the tab's underline comes to rest
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run)


@SIZES
def test_actions_list(snap_compare, db_target, filled, size):
    app = AuditApp(database=db_target, warm_up=False)

    async def run(pilot):
        screen = ActionsScreen(today=TODAY)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.items)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run)


@SIZES
def test_concern_dialog_marks_the_chosen_urgency(snap_compare, db_target, size):
    app = AuditApp(database=db_target, warm_up=False)

    async def run(pilot):
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        await app.push_screen(EscalationDialog("CH-1, Assessment: section grade"))
        await pilot.pause()
        for widget in app.screen.query("Input"):
            widget.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run)
