"""How the conversation dialogs look at 80x24 and 100x30 (fixed dates): the worker's side with
a collaborative template's guidance, and the family's feedback with a template question."""

from __future__ import annotations

from datetime import date

import pytest

from audit_tui.dialogs.conversation import WorkerConversationDialog, WorkerTalk
from audit_tui.dialogs.feedback import FeedbackDialog

from .test_new_audit import make_app, target, template_dir, wait_for
from .test_review_snapshots import steady, utc_clock  # noqa: F401 (fixture)

__all__ = ["target", "template_dir"]  # fixtures used here

SIZES = pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
TODAY = date(2026, 3, 2)


@SIZES
def test_worker_conversation_dialog(snap_compare, target, template_dir, size):
    app = make_app(target, template_dir)

    async def run(pilot):
        app.push_screen(WorkerConversationDialog(
            WorkerTalk(date(2026, 3, 1), "phone", "I had not seen the drift", "partly",
                       "The plan grade", "Supervision"),
            today=TODAY, guidance="Talk the grades through with the worker."))
        await wait_for(pilot, lambda: app.screen.query("#talk-reflection"))
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)


@SIZES
def test_feedback_dialog(snap_compare, target, template_dir, size):
    app = make_app(target, template_dir)

    async def run(pilot):
        app.push_screen(FeedbackDialog(("Did the worker listen to you?",), today=TODAY))
        await wait_for(pilot, lambda: app.screen.query("#feedback-said"))
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)
