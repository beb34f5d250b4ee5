"""The review's conversation keys: record the worker's reflection (c), add feedback from the
child or family (f), correct (e) or remove (x) the feedback highlighted in the Conversation
tab, and write the audit as a document (p). A mixin of ReviewScreen, kept
apart so the review stays readable.

Saves go through `app.save` (key CONVERSATION_SAVE_KEY, after which the review reloads); the
document is written by a worker thread (the UI never waits on the disk) into the documents
folder, readable by the user alone, and the path is shown.
"""

from __future__ import annotations

from textual import work

from ..widgets.review_conversation import ReviewConversation

CONVERSATION_SAVE_KEY = "review.conversation"


def labels() -> dict[str, str]:
    from ..db.conversation import AGREES, FEEDBACK_HOW, FEEDBACK_WHO, HOW_SPOKEN

    return {**HOW_SPOKEN, **FEEDBACK_WHO, **FEEDBACK_HOW,
            **{f"agrees:{k}": v for k, v in AGREES.items()}}


class ConversationKeys:
    """Actions for ReviewScreen (which has `audit_id`, `audit`, `state`, `talk`, `feedback`,
    `today`)."""

    def show_conversation(self, talk, feedback: list) -> None:
        needs = self.state.template.conversation
        self.feedback = {row.id: (row, answers) for row, answers in feedback}
        view = self.query_one(ReviewConversation)
        view.show(talk, feedback, labels(), (needs.required, needs.feedback_required))
        if self.tab == "conversation" and self.focused is view:
            view.focus_view()  # the first feedback just added: the list takes the keys
        tabs = self.query_one("#review-tabs")
        recorded = (talk is not None) + len(feedback)  # parts recorded, as "4 Actions (2)"
        tabs.get_tab("conversation").label = "5 Conversation" + (f" ({recorded})" if recorded
                                                                 else "")

    def action_record_conversation(self) -> None:
        if self.audit is None:
            return
        from ..dialogs.conversation import WorkerConversationDialog, WorkerTalk

        talk = self.talk
        current = None if talk is None else WorkerTalk(
            talk.spoken_on, talk.how, talk.reflection, talk.agrees, talk.disagreement,
            talk.support)

        def done(result: WorkerTalk | None) -> None:
            if result is None:
                return
            from ..db.conversation import record_worker

            audit_id, who = self.audit_id, self.app.services.user
            self.app.save("worker conversation", lambda session: record_worker(
                session=session, audit_id=audit_id, who=who, spoken_on=result.spoken_on,
                how=result.how, reflection=result.reflection, agrees=result.agrees,
                disagreement=result.disagreement, support=result.support),
                key=CONVERSATION_SAVE_KEY)

        self.app.push_screen(WorkerConversationDialog(
            current, today=self.today, guidance=self.state.template.conversation.guidance), done)

    def action_add_feedback(self) -> None:
        if self.audit is not None:
            self.feedback_dialog("")

    def highlighted_feedback(self) -> str | None:
        """The id of the feedback highlighted in the Conversation tab (shown), if any."""
        if self.audit is None or self.tab != "conversation":
            return None
        return self.query_one(ReviewConversation).highlighted()

    def action_edit_feedback(self) -> None:
        feedback_id = self.highlighted_feedback()
        if feedback_id in self.feedback:
            self.feedback_dialog(feedback_id)

    def feedback_dialog(self, feedback_id: str) -> None:
        """Add feedback (no id) or correct the feedback `feedback_id`."""
        from ..dialogs.feedback import FamilyWords, FeedbackDialog

        current = None
        if feedback_id:
            row, answers = self.feedback[feedback_id]
            current = FamilyWords(row.who, row.how, row.gathered_on, row.said, tuple(answers))

        def done(result: FamilyWords | None) -> None:
            if result is None:
                return
            from ..db.conversation import record_feedback

            audit_id, who = self.audit_id, self.app.services.user
            self.app.save("family feedback", lambda session: record_feedback(
                session=session, audit_id=audit_id, who=who, from_whom=result.from_whom,
                how=result.how, gathered_on=result.gathered_on, said=result.said,
                answers=list(result.answers), feedback_id=feedback_id),
                key=CONVERSATION_SAVE_KEY)

        self.app.push_screen(FeedbackDialog(self.state.template.conversation.feedback_questions,
                                            today=self.today, current=current), done)

    def action_remove_feedback(self) -> None:
        feedback_id = self.highlighted_feedback()
        if feedback_id not in self.feedback:
            return
        from ..dialogs.confirm import ConfirmDialog

        row, _ = self.feedback[feedback_id]
        who = labels().get(row.who, row.who).lower()

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            from ..db.conversation import remove_feedback

            audit_id, user = self.audit_id, self.app.services.user
            self.app.save("removing family feedback", lambda session: remove_feedback(
                session=session, audit_id=audit_id, who=user, feedback_id=feedback_id),
                key=CONVERSATION_SAVE_KEY)

        self.app.push_screen(ConfirmDialog(
            f"Remove this feedback from the {who}? What it said stays in the audit's history."),
            answered)

    def action_write_document(self) -> None:
        if self.audit is not None:
            self.leave()  # a rationale typed a moment ago is in the document
            self.notify("Writing the document...", timeout=3)
            self.write_document()

    @work(thread=True, exclusive=True, group="review-document")
    def write_document(self) -> None:
        import re

        from ..locations import document_dir, ensure_private_dir
        from ..reports.document import build_document
        from ..reports.document_render import write_document

        app = self.app
        app.saver.flush()  # every autosave is in the document
        try:
            with app.services.session() as session:
                doc = build_document(session=session, audit_id=self.audit_id)
                audit = self.audit
                name = re.sub(r"[^A-Za-z0-9_.-]+", "_", audit.case_reference).strip("._")
                path = document_dir() / f"{name or 'audit'}-{audit.audit_date.isoformat()}-" \
                                        f"{audit.id[-8:]}.docx"
            ensure_private_dir(path.parent)
            write_document(doc, "docx", path)
        except Exception as exc:  # a full disk, a locked file: say so, keep the screen usable
            from ..reports.safe import NotPlaced

            said = (str(exc) if isinstance(exc, NotPlaced) else "The document could not be "
                    f"written ({getattr(exc, 'strerror', None) or type(exc).__name__}).")
            app.call_from_thread(self.notify, said, severity="error", markup=False, timeout=8)
            return
        app.call_from_thread(self.notify, f"Written{' (marked DRAFT)' if doc.draft else ''}: "
                                          f"{path}", markup=False, timeout=12)
