"""Raise a safeguarding concern from an audit: what, how urgent, to whom.

Dismisses with an `EscalationRequest` (stripped text), or None if the user cancels. Every field
is required; the dialog says which is missing under the fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioSet, Static

from ..literal import literal
from ..widgets.urgency_button import UrgencyButton


@dataclass(frozen=True)
class EscalationRequest:
    what: str
    urgency: str
    to_whom: str


class EscalationDialog(ModalScreen[EscalationRequest | None]):
    DEFAULT_CSS = """
    EscalationDialog { align: center middle; }
    EscalationDialog > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $error;
        background: $surface; padding: 0 1;
    }
    EscalationDialog #esc-title { text-style: bold; }
    EscalationDialog RadioSet { width: 100%; height: auto; }
    EscalationDialog #esc-error { color: $error; height: auto; }
    EscalationDialog Horizontal { height: auto; align-horizontal: right; }
    EscalationDialog Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="escalation.cancel"),
        Binding("ctrl+s", "raise_concern", "Raise concern", id="escalation.raise"),
    ]

    def __init__(self, where: str = "") -> None:
        super().__init__()
        self.where = where

    def compose(self) -> ComposeResult:
        from ..db.escalation import URGENCIES

        with Vertical():
            yield Static("Raise a safeguarding concern", id="esc-title", markup=False)
            if self.where:
                yield Static(literal(f"From: {self.where}"), markup=False)
            yield Label("What is the concern?")
            yield Input(id="esc-what", placeholder="What you saw in the record, and why it "
                        "worries you")
            yield Label("How urgent?")
            with RadioSet(id="esc-urgency"):
                for n, (key, label) in enumerate(URGENCIES):
                    yield UrgencyButton(label, name=key, value=n == 0)
            yield Label("Raised to whom?")
            yield Input(id="esc-to", placeholder="e.g. team manager, MASH duty manager")
            yield Static("", id="esc-error", markup=False)
            with Horizontal():
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Raise (ctrl+s)", id="ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#esc-what", Input).focus()

    def _urgency(self) -> str:
        pressed = self.query_one(RadioSet).pressed_button
        return pressed.name if pressed is not None else ""

    def action_raise_concern(self) -> None:
        what = self.query_one("#esc-what", Input).value.strip()
        to_whom = self.query_one("#esc-to", Input).value.strip()
        missing = [name for name, value in (("what the concern is", what),
                                            ("how urgent it is", self._urgency()),
                                            ("to whom it is raised", to_whom)) if not value]
        if missing:
            self.query_one("#esc-error", Static).update("Please say " + " and ".join(missing)
                                                        + ".")
            return
        self.dismiss(EscalationRequest(what, self._urgency(), to_whom))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "esc-what":
            self.query_one(RadioSet).focus()
        else:
            self.action_raise_concern()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.action_raise_concern()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
