"""How the home screen looks, at 100x30 and 80x24."""

from __future__ import annotations

import time

import pytest
from textual.widgets import DataTable

from audit_tui.app import AuditApp

from .test_home import add_audits, wait_for
from .test_review_snapshots import steady

SIZES = [(100, 30), (80, 24)]


@pytest.fixture(autouse=True)
def utc_clock(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.mark.parametrize("size", SIZES)
def test_home_empty(snap_compare, db_target, size):
    app = AuditApp(database=db_target, warm_up=False)

    async def loaded(pilot):
        await wait_for(pilot, lambda: app.screen.query_one("#welcome").display)
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES)
def test_home_with_audits(snap_compare, db_target, engine, example_template, size):
    add_audits(engine, example_template, [
        ("CH-004512", "Priya Shah", "draft", "2026-11-21 16:05"),
        ("CH-001877", "Tom Reid", "draft", "2026-11-19 10:30"),
        ("CH-003310", "Priya Shah", "submitted", "2026-11-12 09:00"),
    ])
    app = AuditApp(database=db_target, warm_up=False)

    async def loaded(pilot):
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 3)
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES)
def test_keys_dialog(snap_compare, db_target, size):
    app = AuditApp(database=db_target, warm_up=False)

    async def keys(pilot):
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=keys)


@pytest.mark.parametrize("size", SIZES)
def test_delete_draft_confirmation(snap_compare, db_target, engine, example_template, size):
    """d on a draft asks before deleting it, naming the case."""
    add_audits(engine, example_template, [("CH-004512", "Priya Shah", "draft",
                                           "2026-11-21 16:05")])
    app = AuditApp(database=db_target, warm_up=False)

    async def asked(pilot):
        await wait_for(pilot, lambda: app.screen.query_one("#audits", DataTable).row_count == 1)
        await pilot.press("d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog")
        await pilot.pause()
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=asked)
