"""Ask for a line of text, such as the reason for reopening an audit.

Dismisses with the text (stripped), or None if the user cancels. An empty answer is refused
when `required` is set, with a message under the field.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class ReasonDialog(ModalScreen[str | None]):
    DEFAULT_CSS = """
    ReasonDialog { align: center middle; }
    ReasonDialog > Vertical {
        width: 70; max-width: 95%; height: auto; border: thick $accent; background: $surface;
        padding: 1 2;
    }
    ReasonDialog #reason-prompt { margin-bottom: 1; }
    ReasonDialog #reason-error { color: $error; height: auto; }
    ReasonDialog Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ReasonDialog Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reason.cancel")]

    def __init__(self, prompt: str, *, value: str = "", required: bool = True,
                 ok_label: str = "OK") -> None:
        super().__init__()
        self.prompt, self.value, self.required, self.ok_label = prompt, value, required, ok_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.prompt, id="reason-prompt", markup=False)
            yield Input(value=self.value, id="reason-input")
            yield Static("", id="reason-error", markup=False)
            with Horizontal():
                yield Button("Cancel (esc)", id="cancel")
                yield Button(f"{self.ok_label} (enter)", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#reason-input", Input).focus()

    def _finish(self) -> None:
        text = self.query_one("#reason-input", Input).value.strip()
        if self.required and not text:
            self.query_one("#reason-error", Static).update("Please write a reason: it is kept "
                                                           "in the audit's history.")
            return
        self.dismiss(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._finish()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
