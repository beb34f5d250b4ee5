"""The dashboard's filter bar: audit dates from and to (DD/MM/YYYY), team, service area,
template and auditor. It posts `FilterBar.Changed` with the new filters; a date it cannot read
is reported and the old filters stay."""

from __future__ import annotations

from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Select

from ..dates import DateInputError, format_date, parse_date
from ..reports.filters import Filters

CHOICES = (("team", "Team"), ("service_area", "Service"),
           ("template", "Template"), ("auditor", "Auditor"))


class FilterBar(Horizontal):
    DEFAULT_CSS = """
    FilterBar { height: 1; padding: 0 1; }
    FilterBar Input { width: 13; margin-right: 1; }
    FilterBar Select { width: 1fr; margin-right: 1; }
    """

    class Changed(Message):
        def __init__(self, filters: Filters) -> None:
            super().__init__()
            self.filters = filters

    class Refused(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, filters: Filters | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.filters = filters or Filters()

    def compose(self) -> ComposeResult:
        # Compact (one row, no border): the figures keep the screen at 80x24.
        yield Input(format_date(self.filters.date_from), placeholder="From date",
                    id="filter-from", tooltip="Audits dated on or after this day (DD/MM/YYYY)",
                    compact=True)
        yield Input(format_date(self.filters.date_to), placeholder="To date",
                    id="filter-to", tooltip="Audits dated on or before this day (DD/MM/YYYY)",
                    compact=True)
        for name, prompt in CHOICES:
            yield Select([], prompt=prompt, id=f"filter-{name}", type_to_search=True,
                         compact=True)

    def set_choices(self, choices: dict[str, list[tuple[str, str]]]) -> None:
        """The values each select offers, as (label, value); keeps what is selected."""
        with self.prevent(Select.Changed):
            for name, _ in CHOICES:
                select = self.query_one(f"#filter-{name}", Select)
                current = getattr(self.filters, name)
                options = list(choices.get(name, []))
                if current and current not in [v for _, v in options]:
                    options.append((current, current))
                select.set_options(options)
                if current:
                    select.value = current

    def clear(self) -> None:
        with self.prevent(Select.Changed, Input.Changed):
            self.query_one("#filter-from", Input).value = ""
            self.query_one("#filter-to", Input).value = ""
            for name, _ in CHOICES:
                self.query_one(f"#filter-{name}", Select).clear()
        self._change(Filters())

    @on(Input.Submitted)
    def _dates(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            date_from = parse_date(self.query_one("#filter-from", Input).value)
            date_to = parse_date(self.query_one("#filter-to", Input).value)
        except DateInputError as exc:
            self.post_message(self.Refused(str(exc)))
            return
        if date_from and date_to and date_from > date_to:
            self.post_message(self.Refused("The 'from' date is after the 'to' date."))
            return
        self._change(replace(self.filters, date_from=date_from, date_to=date_to))

    @on(Select.Changed)
    def _choice(self, event: Select.Changed) -> None:
        event.stop()
        name = (event.select.id or "").removeprefix("filter-")
        value = None if event.value in (Select.NULL, Select.BLANK) else event.value
        self._change(replace(self.filters, **{name: value or None}))

    def _change(self, filters: Filters) -> None:
        if filters != self.filters:
            self.filters = filters
            self.post_message(self.Changed(filters))
