"""Review an audit before submitting it: the answers in words, what is still missing (each a
key press from the question), the overall grade with its rationale, and the actions.

Reads happen in workers that post `Loaded` back; autosaves (grade, rationale, actions) go
through `app.save`; submitting and reopening are workers that flush the autosaves first. A
submitted audit is shown read-only until it is reopened with a reason.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static, TabbedContent, TabPane

from ..messages import Saved
from .review_conversation import CONVERSATION_SAVE_KEY, ConversationKeys
from ..templates.logic import AuditState, Missing
from ..widgets.review_actions import SAVE_KEY as ACTIONS_SAVE_KEY
from ..widgets.review_actions import ActionsPanel
from ..widgets.review_answers import ReviewAnswers
from ..widgets.review_conversation import ReviewConversation
from ..literal import literal_text
from ..widgets.review_missing import MissingList
from ..widgets.review_overall import OverallPanel


# Pairs of keys shown together in the footer ("e x Edit, remove"; the tab shown says of what),
# to fit 80 columns; the command palette names each key on its own ("Edit feedback").
ACTION_KEYS = Binding.Group("Edit, remove")
FEEDBACK_KEYS = Binding.Group("Edit, remove")


class ReviewScreen(ConversationKeys, Screen):
    TITLE = "audit-tui"
    SUB_TITLE = "Review"
    DEFAULT_CSS = """
    ReviewScreen #review-status { height: auto; padding: 0 1; background: $boost; }
    ReviewScreen TabbedContent { height: 1fr; }
    ReviewScreen TabPane { padding: 0; height: 1fr; }
    """
    # The footer shows the first keys that fit: submit (or reopen) and the document come first,
    # so both stay on screen at 80 columns; then the keys of the tab shown, then the rest. The
    # conversation keys (c, f) are named on the Conversation tab itself, in the palette and in
    # the keys dialog, not in the footer (at 80 columns it would cut the document key off).
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", id="review.submit"),
        Binding("ctrl+o", "reopen", "Reopen", id="review.reopen",
                tooltip="Reopen this submitted audit as a draft, with a reason"),
        Binding("p", "write_document", "Document", id="review.document",
                tooltip="Write the audit as a Word document for the worker and the child's "
                        "file (a draft is marked DRAFT)"),
        Binding("g", "go_to_missing", "Go to it", id="review.go_to",
                tooltip="Go to the highlighted missing item, in the walk or here"),
        Binding("e,enter", "edit_action", "Edit action", id="review.edit_action",
                group=ACTION_KEYS),
        Binding("x,delete", "remove_action", "Remove action", id="review.remove_action",
                group=ACTION_KEYS),
        Binding("e", "edit_feedback", "Edit feedback", id="review.edit_feedback",
                tooltip="Correct the family feedback highlighted in the Conversation tab",
                group=FEEDBACK_KEYS),
        Binding("x,delete", "remove_feedback", "Remove feedback", id="review.remove_feedback",
                tooltip="Remove the family feedback highlighted in the Conversation tab (it "
                        "stays in the audit's history)", group=FEEDBACK_KEYS),
        Binding("c", "record_conversation", "Reflection", id="review.conversation", show=False,
                tooltip="The worker's reflection: when and how they were spoken to, their "
                        "words, whether they agree with the grades, the support they asked "
                        "for"),
        Binding("f", "add_feedback", "Feedback", id="review.feedback", show=False,
                tooltip="Family feedback: what the child, young person, parent or carer "
                        "said"),
        Binding("a", "add_action", "Add action", id="review.add_action"),
        Binding("escape", "back", "Back", id="review.back"),
        Binding("f2", "history", "History", id="review.history", show=False,
                tooltip="Every change to this audit: when, who, the old and the new value"),
        Binding("1", "show_tab('answers')", "Show the answers", show=False,
                id="review.tab_answers"),
        Binding("2", "show_tab('missing')", "Show what is missing", show=False,
                id="review.tab_missing"),
        Binding("3", "show_tab('overall')", "Show the overall grade", show=False,
                id="review.tab_overall"),
        Binding("4", "show_tab('actions')", "Show the actions", show=False,
                id="review.tab_actions"),
        Binding("5", "show_tab('conversation')", "Show the conversation", show=False,
                id="review.tab_conversation"),
    ]

    class Loaded(Message):
        def __init__(self, audit=None, state: AuditState | None = None, actions=None,
                     error: str = "", moderated: dict | None = None, talk=None,
                     feedback: list | None = None) -> None:
            super().__init__()
            self.audit, self.state, self.actions, self.error = audit, state, actions, error
            self.talk, self.feedback = talk, feedback or []  # the conversation
            self.moderated = moderated or {}  # section key ('' overall) -> Moderation

    class Finished(Message):
        """A submit or reopen finished: `refused` lists why a submit was refused."""

        def __init__(self, what: str, ok: bool, refused: list[str] | None = None,
                     error: str = "") -> None:
            super().__init__()
            self.what, self.ok, self.refused, self.error = what, ok, refused or [], error

    def __init__(self, audit_id: str, today: date | None = None) -> None:
        super().__init__()
        self.audit_id = audit_id
        self.today = today
        self.audit = None
        self.state: AuditState | None = None
        self.moderated: dict = {}  # section key ('' overall) -> Moderation
        self.talk = None  # the conversation with the worker, if recorded
        self.feedback: dict = {}  # feedback id -> (FamilyFeedback, its answers)
        self.missing: list[Missing] = []
        self.refused = False  # the last submit was refused
        self.busy = False
        self.overall = OverallPanel(id="overall-panel")  # kept: read again while unmounting

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the audit...", id="review-status")
        with TabbedContent(id="review-tabs"):
            with TabPane("1 Answers", id="answers"):
                yield ReviewAnswers(id="answers-view")
            with TabPane("2 Missing", id="missing"):
                yield MissingList(id="missing-panel")
            with TabPane("3 Overall grade", id="overall"):
                yield self.overall
            with TabPane("4 Actions", id="actions"):
                yield ActionsPanel(self.audit_id, self.today, id="actions-panel")
            with TabPane("5 Conversation", id="conversation"):
                yield ReviewConversation(id="conversation-view")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ReviewAnswers).focus()
        self.load()

    @property
    def editable(self) -> bool:
        return self.audit is not None and self.app.services.may_change(self.audit.created_by,
                                                                       self.audit.status)

    @property
    def tab(self) -> str:
        return self.query_one("#review-tabs", TabbedContent).active

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if not self.app.services.may(action):  # a shared server's role lacks it
            return False
        if action in ("record_conversation", "add_feedback", "write_document"):
            return self.audit is not None
        if action == "show_tab" and parameters == ("overall",):
            return self.state is None or self.state.template.overall.graded
        if action == "submit":
            return self.editable
        if action == "reopen":
            return self.audit is not None and self.audit.status != "draft"
        if action == "add_action":
            return self.editable
        if action in ("edit_action", "remove_action"):
            return (self.editable and self.tab == "actions"
                    and self.query_one(ActionsPanel).highlighted() is not None)
        if action in ("edit_feedback", "remove_feedback"):
            return self.highlighted_feedback() is not None
        if action == "go_to_missing":
            return self.tab == "missing" and bool(self.missing)
        return True

    # -- loading ------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="review-load")
    def load(self) -> None:
        from ..db import store
        from ..db.conversation import family_feedback, feedback_answers, worker_conversation
        from ..db.moderation import moderation_for
        from ..db.state import load_state

        app = self.app
        app.saver.flush()  # what the walk just saved is part of the review
        try:
            with app.services.session() as session:
                audit, state = load_state(session=session, audit_id=self.audit_id)
                actions = store.actions_for(session=session, audit_id=self.audit_id)
                moderated = moderation_for(session=session, audit_id=self.audit_id)
                talk = worker_conversation(session=session, audit_id=self.audit_id)
                feedback = [(f, feedback_answers(f)) for f in
                            family_feedback(session=session, audit_id=self.audit_id)]
        except store.StoreError as exc:
            self.post_message(self.Loaded(error=str(exc)))
            return
        except Exception as exc:  # a locked or damaged file: say so, keep the screen usable
            self.post_message(self.Loaded(error=f"The audit could not be read "
                                                f"({type(exc).__name__})."))
            return
        self.post_message(self.Loaded(audit, state, actions, moderated=moderated, talk=talk,
                                      feedback=feedback))

    def on_review_screen_loaded(self, message: Loaded) -> None:
        if message.error:
            self.query_one("#review-status", Static).update(Text(message.error, style="red"))
            return
        self.audit, self.state, self.moderated = message.audit, message.state, message.moderated
        if not self.state.template.overall.graded:  # the template has no overall judgement
            self.query_one("#review-tabs", TabbedContent).hide_tab("overall")
        self.query_one(ReviewAnswers).show(self.state, self.moderated)
        self.overall.show(self.state.template, self.state.overall_grade,
                          self.state.overall_rationale, not self.editable,
                          self.moderated.get(""), self.audit.auditor)
        self.query_one(ActionsPanel).show(message.actions, not self.editable)
        self.talk = message.talk
        self.show_conversation(message.talk, message.feedback)
        self.show_progress()

    def show_progress(self) -> None:
        """The status line, the missing list and the tab labels, from the state in memory."""
        state, audit = self.state, self.audit
        self.missing = state.missing() if self.editable else []
        done, total = state.requirement_progress()
        status = Text()
        status.append(audit.case_reference, style="bold")
        status.append(f"  {state.template.title} (v{audit.template_version})  ")
        if self.editable:
            status.append("Draft", style="bold yellow")
            status.append(f"  {done} of {total} required items done; ")
            status.append(f"{len(self.missing)} missing" if self.missing else "ready to submit",
                          style="bold red" if self.missing else "bold green")
        else:
            when = ""
            if audit.submitted_at is not None:
                when = audit.submitted_at.astimezone().strftime("%d/%m/%Y %H:%M")
            status.append(audit.status.capitalize(), style="bold green")
            status.append(f" {when}: read-only; ctrl+o reopens it")
            if self.moderated:
                names = ", ".join(dict.fromkeys(m.moderator for m in self.moderated.values()))
                status.append(f"  Moderated by {names}", style="bold")
        self.query_one("#review-status", Static).update(literal_text(status))
        self.query_one(MissingList).show(self.missing, self.editable, self.refused)
        tabs = self.query_one("#review-tabs", TabbedContent)
        tabs.get_tab("missing").label = f"2 Missing ({len(self.missing)})"
        self.refresh_bindings()

    # -- tabs and moving around ---------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        self.query_one("#review-tabs", TabbedContent).active = tab
        self.focus_tab(tab)

    def focus_tab(self, tab: str) -> None:
        if tab == "answers":
            self.query_one(ReviewAnswers).focus()
        elif tab == "missing":
            self.query_one(MissingList).focus_list()
        elif tab == "overall":
            self.overall.focus_grades()
        elif tab == "conversation":
            self.query_one(ReviewConversation).focus_view()
        else:
            self.query_one(ActionsPanel).focus_list()

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.refresh_bindings()

    @on(OptionList.OptionHighlighted)
    def highlight_moved(self) -> None:
        self.refresh_bindings()

    @on(OptionList.OptionSelected, "#feedback-list")
    def feedback_chosen(self) -> None:
        self.action_edit_feedback()  # enter on a piece of feedback corrects it

    def action_go_to_missing(self) -> None:
        item = self.query_one(MissingList).highlighted()
        if item is not None:
            self.go_to(item)

    @on(MissingList.GoTo)
    def missing_chosen(self, message: MissingList.GoTo) -> None:
        self.go_to(message.item)

    def go_to(self, item: Missing) -> None:
        """Take the user to a missing item: the overall grade here, anything else in the walk
        (this review closes, and so does the walk it came from, if any)."""
        if item.key in ("conversation", "feedback"):
            self.action_show_tab("conversation")
            (self.action_record_conversation if item.key == "conversation"
             else self.action_add_feedback)()
            return
        if item.key == "overall":
            self.action_show_tab("overall")
            if "rationale" in item.text:
                self.overall.focus_rationale()
            return
        at = self.walk_key(item)
        app = self.app
        below = app.screen_stack[-2] if len(app.screen_stack) > 1 else None
        self.dismiss()
        if below is not None and getattr(below, "audit_id", None) == self.audit_id:
            app.pop_screen()  # the walk this review came from: a fresh one opens at the item
        app.open_audit(self.audit_id, at=at)

    def walk_key(self, item: Missing) -> str | None:
        """Where the walk should open for a missing item (the walk's stop keys)."""
        if item.key == "case_reference" or not (item.key or item.section):
            return None
        if item.key:
            question = self.state.question(item.key)
            return f"q:{item.key}:{item.row_id}" if question else f"g:{item.key}"
        marked_na = self.state.mark(item.section).na
        return f"{'section' if marked_na else 'grade'}:{item.section}"

    def action_back(self) -> None:
        self.dismiss()

    def action_history(self) -> None:
        from .history import HistoryScreen

        self.leave()  # a rationale typed a moment ago is part of the history
        self.app.push_screen(HistoryScreen(self.audit_id))

    def leave(self) -> None:
        """Queue a rationale typed in the last moments, so nothing typed is lost."""
        text = self.overall.unsaved()
        if text is not None and self.editable:
            self.queue_overall(rationale=text)

    def on_unmount(self) -> None:
        self.leave()  # closed, or the app quits: the writer saves this before it stops

    # -- overall grade and rationale ----------------------------------------------------------
    @on(OverallPanel.GradeChosen)
    def grade_chosen(self, message: OverallPanel.GradeChosen) -> None:
        self.save_overall(grade=message.grade)

    @on(OverallPanel.RationaleEdited)
    def rationale_edited(self, message: OverallPanel.RationaleEdited) -> None:
        self.save_overall(rationale=message.text)

    def queue_overall(self, **change) -> None:
        from ..db import store

        audit_id, who = self.audit_id, self.app.services.user
        what = "grade" if "grade" in change else "rationale"
        self.app.save(f"overall {what}", lambda session: store.set_overall(
            session=session, audit_id=audit_id, who=who, **change), key=f"review.{what}")
        if what == "rationale":
            self.overall.saving(change["rationale"])

    def save_overall(self, **change) -> None:
        if not self.editable:
            return
        self.queue_overall(**change)
        if "grade" in change:
            self.state.overall_grade = change["grade"]
        else:
            self.state.overall_rationale = change["rationale"]
        self.show_progress()

    def on_saved(self, message: Saved) -> None:
        message.stop()  # handled here: it must not bubble back up to the app
        result = message.result
        if result.key == "review.rationale":
            self.overall.set_state("saved") if result.ok else self.overall.not_saved()
        elif result.key == ACTIONS_SAVE_KEY:
            self.query_one(ActionsPanel).reload()
        elif result.key == "review.grade" and not result.ok:
            self.load()
        elif result.key == CONVERSATION_SAVE_KEY:
            self.load()

    # -- actions ------------------------------------------------------------------------------
    @on(ActionsPanel.Shown)
    def actions_shown(self, message: ActionsPanel.Shown) -> None:
        tabs = self.query_one("#review-tabs", TabbedContent)
        tabs.get_tab("actions").label = f"4 Actions ({message.count})"
        self.refresh_bindings()

    def on_screen_resume(self) -> None:
        if self.audit is not None:
            self.query_one(ActionsPanel).reload()  # a save may have landed under a dialog

    def action_add_action(self) -> None:
        if self.editable:
            self.action_show_tab("actions")
            self.query_one(ActionsPanel).add()

    def action_edit_action(self) -> None:
        self.query_one(ActionsPanel).edit()

    def action_remove_action(self) -> None:
        self.query_one(ActionsPanel).remove()

    # -- submit and reopen --------------------------------------------------------------------
    def action_submit(self) -> None:
        if not self.editable or self.busy:
            return
        self.leave()
        self.busy = True
        self.query_one("#review-status", Static).update("Submitting...")
        self.change_status("submit")

    def action_reopen(self) -> None:
        if self.audit is None or self.editable or self.busy:
            return
        from ..dialogs.reason import ReasonDialog

        def answered(reason: str | None) -> None:
            if reason:
                self.busy = True
                self.change_status("reopen", reason)

        self.app.push_screen(ReasonDialog("Why is this audit being reopened? The reason is kept "
                                          "in its history.", ok_label="Reopen"), answered)

    @work(thread=True, exclusive=True, group="review-status")
    def change_status(self, what: str, reason: str = "") -> None:
        from ..db import store
        from ..db.lifecycle import SubmitRefused, reopen_audit, submit_audit

        app, who = self.app, self.app.services.user
        app.saver.flush()  # every autosave lands before the audit is checked
        try:
            with app.services.session() as session:
                if what == "submit":
                    submit_audit(session=session, audit_id=self.audit_id, who=who)
                else:
                    reopen_audit(session=session, audit_id=self.audit_id, who=who,
                                 reason=reason)
        except SubmitRefused as exc:
            self.post_message(self.Finished(what, False, refused=exc.reasons))
        except store.StoreError as exc:
            self.post_message(self.Finished(what, False, error=str(exc)))
        except Exception as exc:  # a locked or read-only file
            self.post_message(self.Finished(what, False, error=f"The audit could not be "
                                            f"changed ({type(exc).__name__}); try again."))
        else:
            self.post_message(self.Finished(what, True))

    def on_review_screen_finished(self, message: Finished) -> None:
        self.busy = False
        self.refused = bool(message.refused)
        self.load()
        if message.ok:
            self.notify("The audit is submitted." if message.what == "submit"
                        else "The audit is reopened as a draft.")
        elif message.refused:
            count = len(message.refused)
            self.notify(f"Not submitted: {count} thing{'s are' if count != 1 else ' is'} still "
                        "missing (listed under Missing).", severity="warning", timeout=8)
            self.action_show_tab("missing")
        else:
            self.notify(message.error, severity="error", markup=False, timeout=8)
