"""Add or edit an action: what must happen, who owns it, and by when.

Dismisses with an `ActionDraft`, or None if the user cancels. The description is required;
the due date is typed DD/MM/YYYY (ISO accepted, future dates of course allowed), and an
impossible date is refused with a message while the field keeps its last good value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from ..widgets.new_audit_date_input import DateInput
from ..input_rules import LINE_MAX
from ..literal import literal


@dataclass(frozen=True)
class ActionDraft:
    description: str
    owner: str = ""
    due_date: date | None = None


class ActionEditDialog(ModalScreen[ActionDraft | None]):
    DEFAULT_CSS = """
    ActionEditDialog { align: center middle; }
    ActionEditDialog > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    ActionEditDialog #action-title { text-style: bold; margin-bottom: 1; }
    ActionEditDialog .field { height: 1; margin-bottom: 1; }
    ActionEditDialog .field Label { width: 13; }
    ActionEditDialog .field Input, ActionEditDialog .field TextArea {
        width: 1fr; background: $panel;
    }
    ActionEditDialog .field Input:focus, ActionEditDialog .field TextArea:focus {
        background: $primary 30%;
    }
    ActionEditDialog .field.-tall { height: 3; }
    ActionEditDialog .field TextArea { padding: 0; }
    ActionEditDialog #action-error { color: $error; height: auto; }
    ActionEditDialog Horizontal#action-buttons { height: auto; align-horizontal: right; }
    ActionEditDialog Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save action", id="action_edit.save"),
        Binding("escape", "cancel", "Cancel", id="action_edit.cancel"),
    ]

    def __init__(self, action: ActionDraft | None = None, *, today: date | None = None) -> None:
        super().__init__()
        self.action = action or ActionDraft("")
        self.adding = action is None
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Add an action" if self.adding else "Edit the action",
                         id="action-title")
            with Horizontal(classes="field -tall"):
                yield Label("What to do")
                yield TextArea(literal(self.action.description), id="action-description",
                               compact=True, soft_wrap=True, tab_behavior="focus",
                               placeholder="required: what must happen, for the child")
            with Horizontal(classes="field"):
                yield Label("Owner")
                yield Input(literal(self.action.owner), id="action-owner", compact=True,
                            max_length=LINE_MAX, placeholder="who will do it")
            with Horizontal(classes="field"):
                yield Label("Due date")
                yield DateInput(self.action.due_date, id="action-due", compact=True,
                                allow_future=True, today=self.today,
                                placeholder="DD/MM/YYYY (may be left empty)")
            yield Static("", id="action-error", markup=False)
            with Horizontal(id="action-buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        description = self.query_one("#action-description", TextArea)
        description.focus()
        description.move_cursor(description.document.end)

    def say(self, message: str) -> None:
        self.query_one("#action-error", Static).update(message)

    @on(DateInput.Checked, "#action-due")
    def due_checked(self, event: DateInput.Checked) -> None:
        self.say(event.error)

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "action-due":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        description = self.query_one("#action-description", TextArea).text.strip()
        due = self.query_one("#action-due", DateInput)
        error = due.check()
        if not description:
            self.say("Describe the action: what must happen, and for whom.")
            self.query_one("#action-description", TextArea).focus()
            return
        if error:
            self.say(error)
            due.focus()
            return
        owner = self.query_one("#action-owner", Input).value.strip()
        self.dismiss(ActionDraft(description, owner, due.date))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)
