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


@SIZES
def test_review_conversation_tab(snap_compare, target, template_dir, size):
    """A draft's Conversation tab with the worker's side and two pieces of feedback, the
    second highlighted; the footer keeps p Document (and e x for the feedback) in view."""
    from audit_tui.db.conversation import record_feedback, record_worker

    from .test_review import in_store
    from .test_review_snapshots import open_review, sample_audit

    audit_id = sample_audit(target, template_dir)

    def work(s):
        record_worker(session=s, audit_id=audit_id, who="t", spoken_on=date(2026, 3, 1),
                      how="phone", reflection="I had not seen the drift [in] the plan",
                      agrees="partly", disagreement="The plan grade", support="Supervision")
        record_feedback(session=s, audit_id=audit_id, who="t", from_whom="parent", how="call",
                        gathered_on=date(2026, 2, 27), said="The worker listened to us")
        record_feedback(session=s, audit_id=audit_id, who="t", from_whom="child",
                        how="visit", gathered_on=date(2026, 3, 1), said="Too many workers")
    in_store(target, work)
    app = make_app(target, template_dir)

    async def run(pilot):
        await open_review(app, pilot, audit_id, "5")
        listed = app.screen.query_one("#feedback-list")
        await wait_for(pilot, lambda: listed.has_focus and listed.option_count == 2)
        await pilot.press("down")
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)
