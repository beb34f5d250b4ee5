"""What the dialogs that record part of the conversation share (the worker's conversation and
the family's feedback): a line for what is wrong, a date checked as it is typed, and enter in a
one-line field moving on to the next field."""

from __future__ import annotations

from textual import on
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..widgets.new_audit_date_input import DateInput


class RecordDialog(ModalScreen):
    ERROR_ID = ""  # the Static that says what is wrong

    def say(self, message: str) -> None:
        self.query_one(f"#{self.ERROR_ID}", Static).update(message)

    @on(DateInput.Checked)
    def day_checked(self, event: DateInput.Checked) -> None:
        self.say(event.error)

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()
