"""The review's conversation keys: record the worker's reflection (c), add feedback from the
child or family (f), and write the audit as a document (p). A mixin of ReviewScreen, kept
apart so the review stays readable.

Saves go through `app.save` (key CONVERSATION_SAVE_KEY, after which the review reloads); the
document is written by a worker thread (the UI never waits on the disk) into the documents
folder, readable by the user alone, and the path is shown.
"""

from __future__ import annotations

from textual import work

from ..widgets.review_conversation import ReviewConversation, conversation_text

CONVERSATION_SAVE_KEY = "review.conversation"


def labels() -> dict[str, str]:
    from ..db.conversation import AGREES, FEEDBACK_HOW, FEEDBACK_WHO, HOW_SPOKEN

    return {**HOW_SPOKEN, **FEEDBACK_WHO, **FEEDBACK_HOW,
            **{f"agrees:{k}": v for k, v in AGREES.items()}}


class ConversationKeys:
    """Actions for ReviewScreen (which has `audit_id`, `audit`, `state`, `talk`, `today`)."""

    def show_conversation(self, talk, feedback: list) -> None:
        needs = self.state.template.conversation
        self.query_one(ReviewConversation).show(conversation_text(
            talk, feedback, labels(), (needs.required, needs.feedback_required)))
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
        if self.audit is None:
            return
        from ..dialogs.feedback import FamilyWords, FeedbackDialog

        def done(result: FamilyWords | None) -> None:
            if result is None:
                return
            from ..db.conversation import record_feedback

            audit_id, who = self.audit_id, self.app.services.user
            self.app.save("family feedback", lambda session: record_feedback(
                session=session, audit_id=audit_id, who=who, from_whom=result.from_whom,
                how=result.how, gathered_on=result.gathered_on, said=result.said,
                answers=list(result.answers)), key=CONVERSATION_SAVE_KEY)

        self.app.push_screen(FeedbackDialog(self.state.template.conversation.feedback_questions,
                                            today=self.today), done)

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
            app.call_from_thread(self.notify, f"The document could not be written "
                                              f"({type(exc).__name__}).", severity="error",
                                 timeout=8)
            return
        app.call_from_thread(self.notify, f"Written{' (marked DRAFT)' if doc.draft else ''}: "
                                          f"{path}", markup=False, timeout=12)
