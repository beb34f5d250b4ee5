"""Mark an action done: a note and the day it was done (today by default).

Dismisses with (note, date), or None if the user cancels. The note is required.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..literal import literal


class ActionDoneDialog(ModalScreen[tuple[str, date] | None]):
    DEFAULT_CSS = """
    ActionDoneDialog { align: center middle; }
    ActionDoneDialog > Vertical {
        width: 70; max-width: 100%; height: auto; border: thick $accent; background: $surface;
        padding: 0 1;
    }
    ActionDoneDialog #done-action { text-style: bold; margin-bottom: 1; }
    ActionDoneDialog #done-error { color: $error; height: auto; }
    ActionDoneDialog Horizontal { height: auto; align-horizontal: right; }
    ActionDoneDialog Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="action_done.cancel"),
        Binding("ctrl+s", "finish", "Mark done", id="action_done.finish"),
    ]

    def __init__(self, description: str, today: date | None = None) -> None:
        super().__init__()
        self.description = description
        self.today = today or date.today()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.description), id="done-action", markup=False)
            yield Label("What was done (a note)")
            yield Input(id="done-note")
            yield Label("Done on (DD/MM/YYYY)")
            yield Input(value=self.today.strftime("%d/%m/%Y"), id="done-date")
            yield Static("", id="done-error", markup=False)
            with Horizontal():
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Mark done (ctrl+s)", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#done-note", Input).focus()

    def action_finish(self) -> None:
        from ..dates import DateInputError, parse_date

        note = self.query_one("#done-note", Input).value.strip()
        error = self.query_one("#done-error", Static)
        if not note:
            error.update("Please write a note: what was done.")
            return
        try:
            day = parse_date(self.query_one("#done-date", Input).value)
        except DateInputError as exc:
            error.update(str(exc))
            return
        if day > self.today:
            error.update("The day it was done cannot be after today.")
            return
        self.dismiss((note, day))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "done-note":
            self.query_one("#done-date", Input).focus()
        else:
            self.action_finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.action_finish()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
