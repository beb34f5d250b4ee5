"""A date field typed the UK way (DD/MM/YYYY; ISO accepted) that never holds a bad date.

When the field loses focus (or `check()` is called) the text is read with `dates.parse_date`:
a good date is rewritten as DD/MM/YYYY; an impossible one is refused with the parser's sentence
and the field goes back to the last good date. The owner shows the sentence: the widget posts
`DateInput.Checked` with it ("" when the date is fine).
"""

from __future__ import annotations

from datetime import date

from textual.message import Message
from textual.widgets import Input

from ..dates import DateInputError, format_date, parse_date


class DateInput(Input):
    class Checked(Message):
        def __init__(self, date_input: "DateInput", error: str) -> None:
            super().__init__()
            self.date_input, self.error = date_input, error

        @property
        def control(self) -> "DateInput":
            return self.date_input

    def __init__(self, value: date | None = None, *, required: bool = False,
                 allow_future: bool = True, today: date | None = None,
                 missing_message: str = "Type a date as DD/MM/YYYY.", **kwargs) -> None:
        kwargs.setdefault("placeholder", "DD/MM/YYYY")
        super().__init__(format_date(value), **kwargs)
        self.date = value  # the last good date
        self.required, self.allow_future = required, allow_future
        self.today, self.missing_message = today, missing_message

    def check(self) -> str:
        """Read the text; keep it if it is a good date, else restore the last good one.
        Returns the reason for refusing it, or ""."""
        error = ""
        try:
            parsed = parse_date(self.value, today=self.today or date.today(),
                                allow_future=self.allow_future)
            if parsed is None and self.required:
                error = self.missing_message
            else:
                self.date = parsed
        except DateInputError as exc:
            error = str(exc)
        shown = format_date(self.date)
        if self.value != shown:
            self.value = shown
        return error

    def on_blur(self) -> None:
        if self.value == format_date(self.date):
            return  # nothing new typed: any message on show still stands
        self.post_message(self.Checked(self, self.check()))
