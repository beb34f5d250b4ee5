"""The walk: one audit, one stop at a time.

Left, the sections with their progress and grades; right, the current question (or a group's
rows, a section's timescales, its grade); at the bottom the whole audit's progress and a quiet
"saved" mark. Every change goes into the in-memory AuditState at once (conditions, progress and
indicators follow immediately) and is queued on the app's ordered writer with the resume
point, so quitting anywhere and reopening puts the auditor back where they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Checkbox, Footer, SelectionList, Static, TextArea

from ..messages import Saved
from ..dates import format_date
from ..templates.logic import AuditState
from ..widgets.long_text_field import LongTextField
from ..widgets.not_applicable_box import NotApplicableBox
from ..widgets.option_picker import OptionPicker
from ..widgets.question_panel import QuestionPanel
from ..widgets.section_list import SectionList
from ..widgets.text_field import TextField
from ..widgets.walk_status import WalkStatus
from .walk_autosave import TypedTextAutosave
from .walk_editor import NA, AuditEditor
from .walk_moves import StopMoves
from .walk_rows_and_sections import RowAndSectionActions
from .walk_stops import build_stops, find_stop, sidebar_entries


FOLLOW_UP_WAIT = 0.05  # seconds a picked answer's redraw waits at most for its save


@dataclass(frozen=True)
class AuditInfo:
    case_reference: str
    template_title: str
    audit_date: date
    status: str
    submitted_at: datetime | None
    resume_at: str
    yours: bool = True  # False: on a shared server, a draft the login's role may not change


class WalkScreen(TypedTextAutosave, RowAndSectionActions, StopMoves, Screen):
    DEFAULT_CSS = """
    WalkScreen #walk-title {
        height: 1; background: $panel; color: $text; padding: 0 1; text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    WalkScreen #walk-banner {
        height: auto; background: $warning 25%; color: $text; padding: 0 1; display: none;
    }
    WalkScreen #walk-body { height: 1fr; }
    """
    BINDINGS = [
        Binding("pagedown,ctrl+down,ctrl+n", "next", "Next", priority=True,
                tooltip="The next question", id="walk.next"),
        Binding("pageup,ctrl+up", "previous", "Previous question", priority=True, show=False,
                id="walk.previous"),
        Binding("ctrl+pagedown", "next_section", "Next section", priority=True, show=False,
                key_display="^pgdn", id="walk.next_section"),
        Binding("ctrl+pageup", "previous_section", "Previous section", priority=True,
                show=False, key_display="^pgup", id="walk.previous_section"),
        Binding("right_square_bracket", "next_section", "Next section", show=False,
                tooltip="Outside text fields", id="walk.next_section_bracket"),
        Binding("left_square_bracket", "previous_section", "Previous section", show=False,
                tooltip="Outside text fields", id="walk.previous_section_bracket"),
        Binding("ctrl+g", "first_unanswered", "Unanswered",
                tooltip="Go to the first unanswered required question",
                id="walk.first_unanswered"),
        Binding("ctrl+t", "toggle_not_applicable", "N/A section",
                tooltip="Mark this section as not applying to the case, with a reason (or "
                "undo that)", id="walk.not_applicable"),
        Binding("ctrl+r", "review", "Review", tooltip="Review the audit, grade it overall and "
                "submit it", id="walk.review"),
        Binding("ctrl+o", "reopen", "Reopen", tooltip="Reopen this submitted audit, with a "
                "reason", id="walk.reopen"),
        Binding("ctrl+e", "raise_concern", "Concern", priority=True,
                tooltip="Raise a safeguarding concern from this question: what, how urgent, "
                "to whom (stored at once)", id="walk.raise_concern"),
        Binding("f4", "guidance", "Guidance", tooltip="How to audit with this template, and "
                "its look-back period", show=False, id="walk.guidance"),
        Binding("f2", "history", "History", tooltip="Every change to this audit: when, who, "
                "the old and the new value", show=False, id="walk.history"),
        Binding("escape", "back", "Home", tooltip="Back to the list of audits", show=False,
                id="walk.back"),
    ]

    class Loaded(Message):
        def __init__(self, info: AuditInfo | None, state: AuditState | None,
                     error: str = "") -> None:
            super().__init__()
            self.info, self.state, self.error = info, state, error

    def __init__(self, audit_id: str, at: str | None = None) -> None:
        super().__init__()
        self.audit_id, self.at = audit_id, at
        self.info: AuditInfo | None = None
        self.state: AuditState | None = None
        self.editor: AuditEditor | None = None
        self.stops = []
        self.index = 0
        self.read_only = False
        self._pending: dict[tuple, str] = {}  # text typed and not saved yet, by target
        self._pause: Timer | None = None
        self._outstanding = 0  # saves queued and not reported yet
        self._reload_on_resume = False
        self._follow_up: Timer | None = None  # a picked answer's redraw, waiting for its save
        self._hold = None  # the app's batch_update while it waits

    def compose(self) -> ComposeResult:
        yield Static("Opening the audit…", id="walk-title", markup=False)
        yield Static("", id="walk-banner", markup=False)
        with Horizontal(id="walk-body"):
            yield SectionList(id="sections")
            yield QuestionPanel(on_pick=self.answer_picked, id="panel")
        yield WalkStatus(id="walk-status")
        yield Footer(compact=True)

    @property
    def panel(self) -> QuestionPanel:
        return self.query_one(QuestionPanel)

    @property
    def stop(self):
        return self.stops[self.index] if self.stops else None

    # -- loading ------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="walk-load")
    def load(self) -> None:
        from sqlmodel import Session

        from ..db.engine import read_only
        from ..db.state import load_state
        from ..db.store import StoreError
        from .walk_editor import answer_times

        try:
            self.app.saver.flush(timeout=5.0)  # read after every queued change has landed
            with Session(read_only(self.app.services.engine())) as session:
                audit, state = load_state(session=session, audit_id=self.audit_id)
                seen = answer_times(session, self.audit_id)
                from ..db.escalation import for_audit

                concerns = len(for_audit(session=session, audit_id=self.audit_id))
                info = AuditInfo(audit.case_reference, state.template.title, audit.audit_date,
                                 audit.status, audit.submitted_at, audit.resume_at,
                                 self.app.services.may_change(audit.created_by, "draft"))
        except StoreError as exc:
            self.post_message(self.Loaded(None, None, str(exc)))
            return
        except Exception as exc:  # a damaged or locked file: say so, keep the app usable
            self.post_message(self.Loaded(None, None, f"The audit could not be opened "
                                                      f"({type(exc).__name__}). Press escape."))
            return
        loaded = self.Loaded(info, state)
        loaded.seen = seen
        loaded.concerns = concerns
        self.post_message(loaded)

    async def on_walk_screen_loaded(self, message: Loaded) -> None:
        if message.error:
            self.notify(message.error, severity="error", timeout=10)
            await self.panel.show_message(message.error)
            return
        where = self.stop.key if self.stop is not None else (self.at or message.info.resume_at)
        self.info, self.state = message.info, message.state
        self.editor = AuditEditor(self._save, self.audit_id, self.app.services.user, self.state,
                                  seen=getattr(message, "seen", None))
        self.read_only = self.info.status != "draft" or not self.info.yours
        self.sub_title = f"Audit of {self.info.case_reference}"
        self.concerns = getattr(message, "concerns", 0)
        self.show_title()
        self.show_banner()
        self.stops = build_stops(self.state)
        index = find_stop(self.stops, self.state, where)
        if index is None and self.at:
            index = find_stop(self.stops, self.state, message.info.resume_at)
        await self.go(index or 0, flush=False)

    def show_title(self) -> None:
        concerns = getattr(self, "concerns", 0)
        self.query_one("#walk-title", Static).update(Text.assemble(
            (self.info.case_reference, "bold"), f" · audit date "
            f"{format_date(self.info.audit_date)} · {self.info.template_title}",
            (f" · ⚠ {concerns} safeguarding concern{'s' if concerns != 1 else ''}"
             if concerns else "", "bold red")))

    def show_banner(self) -> None:
        banner = self.query_one("#walk-banner", Static)
        banner.display = self.read_only
        if self.read_only and self.info.status == "draft":
            banner.update("Another auditor's draft — read-only: only its own auditor (or QA) "
                          "changes it.")
        elif self.read_only:
            when = self.info.submitted_at
            day = format_date(when.astimezone().date()) if when else "an earlier date"
            banner.update(f"{self.info.status.capitalize()} on {day} — read-only; "
                          + self.reopen_hint() + ".")

    def reopen_hint(self) -> str:
        """How this audit is reopened: by ctrl+o, or (a shared server's role without it) by
        QA."""
        if self.app.services.may("reopen"):
            return "press ctrl+o to reopen it with a reason"
        return "QA can reopen it with a reason"

    # -- the overview: section list and progress ----------------------------------------------
    def show_overview(self) -> None:
        current = self.stop.section if self.stop is not None else ""
        self.query_one(SectionList).show_sections(sidebar_entries(self.state), current)
        self.query_one(WalkStatus).show_progress(*self.state.progress())

    def after_change(self) -> None:
        """An answer changed: conditions, positions, indicators and progress follow."""
        before = self.stop.key
        self.restop()
        if self.stop is not None and self.stop.key != before:
            self.call_later(self.go, self.index, False)
            return
        self.panel.refresh_live(self.stops)
        self.show_overview()

    # -- answers ------------------------------------------------------------------------------
    def _save(self, label: str, work, key: str = "") -> None:
        self._outstanding += 1  # the mark stays as it is: it changes only if a save fails
        self.app.save(label, work, key)

    def answer_picked(self, picker: OptionPicker, value) -> None:
        """A grade, yes/no or choice was picked: queue it within the key press, then let
        conditions, progress and indicators follow."""
        kind, key, *rest = picker.target
        if self.read_only or self.editor is None:
            return
        if kind == "section_grade":
            grade = None if value in (None, NA) else value
            changed = self.editor.set_section_grade(self.state.template.section(key), grade)
        else:
            changed = self.editor.set_answer(self.state.question(key), rest[0], value)
        if changed:
            self.follow_up_later()

    def follow_up_later(self) -> None:
        """Let the screen follow a picked answer (conditions, indicators, the section list,
        progress, and the picked mark itself) once the writer has committed it (the Saved
        message), or after FOLLOW_UP_WAIT at the latest. Until then the screen is not redrawn:
        a redraw takes longer than the save, and on a busy machine the save would wait for it.
        Anything the auditor does next runs the follow-up first (`follow_up_now`)."""
        if self._follow_up is None:
            self._hold = self.app.batch_update()  # no repaint until follow_up_now
            self._hold.__enter__()
            self._follow_up = self.set_timer(FOLLOW_UP_WAIT, self.follow_up_now)

    def follow_up_now(self) -> None:
        if self._follow_up is None:
            return
        self._follow_up.stop()
        self._follow_up = None
        try:
            self.after_change()
        finally:
            hold, self._hold = self._hold, None
            if hold is not None:
                hold.__exit__(None, None, None)

    def on_selection_list_selected_changed(self, message: SelectionList.SelectedChanged) -> None:
        control = message.selection_list
        if self.read_only or self.editor is None or not getattr(control, "target", None):
            return
        _, key, row = control.target
        if self.editor.set_answer(self.state.question(key), row, control.values()):
            self.after_change()

    def on_checkbox_changed(self, message: Checkbox.Changed) -> None:
        box = message.checkbox
        if not isinstance(box, NotApplicableBox) or self.read_only or self.editor is None:
            return
        _, key, row = box.target
        question = self.state.question(key)
        if self.editor.set_answer(question, row, NA if box.value else None):
            answer = self.panel.answer_widget
            if answer is not None:
                answer.disabled = box.value
                if box.value and isinstance(answer, (TextField, LongTextField)):
                    answer.load_text("") if isinstance(answer, TextArea) else setattr(
                        answer, "value", "")
            self.after_change()

    def on_screen_suspend(self) -> None:
        self.flush_fields(loud=False)
        self._reload_on_resume = not isinstance(self.app.screen, ModalScreen)

    def on_screen_resume(self) -> None:
        if self._outstanding and not self.app.saver.pending:
            # A save was reported while a dialog was in front of this screen (a new row's id
            # among them, perhaps): read the audit again rather than guess.
            self._outstanding = 0
            self._reload_on_resume = True
        if self._reload_on_resume and self.state is not None:
            self._reload_on_resume = False
            self.load()  # the review screen may have changed or submitted the audit

    async def on_saved(self, message: Saved) -> None:
        message.stop()  # it was forwarded here by the app: it must not bubble back to it
        result = message.result
        self._outstanding = max(0, self._outstanding - 1)
        self.follow_up_now()
        status = self.query_one(WalkStatus)
        status.show_saved("failed" if not result.ok else
                          "saving" if self._outstanding else "saved")
        if not result.ok:
            return
        if result.key.startswith("row:"):
            await self.row_added(result.key[4:], result.value)
        elif result.key == "escalation":
            self.concerns = getattr(self, "concerns", 0) + 1
            self.show_title()
            self.notify("The safeguarding concern is stored and listed on the home screen "
                        "until it is acknowledged.", title="Concern raised", timeout=8)
        elif result.key == "reopen":
            self.read_only = False
            self.info = AuditInfo(self.info.case_reference, self.info.template_title,
                                  self.info.audit_date, "draft", None, self.stop.key,
                                  self.info.yours)
            self.show_banner()
            self.notify("The audit is open for changes again; the reason is in its history.")
            await self.go(self.index, flush=False)

    # -- leaving, reviewing, reopening --------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if not self.app.services.may(action):  # a shared server's role lacks it
            return False
        if action == "toggle_not_applicable":
            return self.state is not None and not self.read_only and (
                self.optional_section() is not None)
        if action == "reopen":
            return self.read_only and self.info is not None and self.info.status != "draft"
        if action == "first_unanswered":
            return not self.read_only  # a submitted audit has nothing left to answer
        return True

    def _leave(self) -> None:
        self.flush_fields(loud=False)
        self.app.saver.flush(timeout=1.0)  # the next screen reads what was just saved

    def action_back(self) -> None:
        self._leave()
        self.app.pop_screen()

    def action_history(self) -> None:
        from .history import HistoryScreen

        self.flush_fields(loud=False)  # what was just typed is part of the history
        self.app.push_screen(HistoryScreen(self.audit_id))

    def action_guidance(self) -> None:
        if self.state is not None:
            from ..dialogs.guidance import GuidanceDialog

            self.app.push_screen(GuidanceDialog(self.state.template))

    def action_review(self) -> None:
        self._leave()
        try:
            self.app.open_review(self.audit_id)
        except ImportError:
            self.notify("The review screen is not available in this version.",
                        severity="warning")

    def action_raise_concern(self) -> None:
        if self.info is None:
            return
        from ..dialogs.escalation import EscalationDialog

        from ..templates.event_words import place_words

        stop = self.stop
        question = stop.question if stop is not None else None
        question_key = question.key if question is not None else (stop.key if stop else "")
        where = f"{self.info.case_reference}, " + place_words(
            self.state.template, stop.kind if stop else "", stop.section if stop else "",
            getattr(question, "prompt", ""))
        audit_id, who = self.audit_id, self.app.services.user

        def given(request) -> None:
            if request is None:
                return

            def work(session):
                from ..db.escalation import raise_concern

                raise_concern(session=session, audit_id=audit_id, who=who, what=request.what,
                              urgency=request.urgency, to_whom=request.to_whom,
                              question_key=question_key)

            self._save("Safeguarding concern", work, key="escalation")

        self.app.push_screen(EscalationDialog(where), given)

    def action_reopen(self) -> None:
        if not self.read_only or self.editor is None:
            return
        from ..dialogs.reason import ReasonDialog

        def reason_given(reason: str | None) -> None:
            if reason:
                self.editor.reopen(reason)

        self.app.push_screen(ReasonDialog("Why is this audit being reopened? The reason goes "
                                          "into its history.", ok_label="Reopen"), reason_given)
