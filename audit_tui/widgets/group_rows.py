"""The rows of a repeating group (each assessment, each missing episode), with each row's
answers in brief and its indicators' verdicts. a adds a row, enter walks a row's questions,
d or delete removes one (after a confirmation)."""

from __future__ import annotations

from rich.text import Text

from ..literal import literal
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..dates import format_date
from ..templates.logic import AuditState
from ..templates.model import Group
from .indicator_view import verdict_line


def brief(state: AuditState, group: Group, row: str, limit: int = 3) -> str:
    """A row's first few answers, to tell rows apart."""
    parts = []
    for q in group.questions:
        slot = state.slot(q.key, row)
        if not slot.answered or q.type in ("long_text",):
            continue
        value = slot.value
        if slot.na:
            shown = "n/a"
        elif q.type == "date":
            shown = format_date(value)
        elif q.type in ("choice", "yes_no"):
            shown = q.choice_label(value) if q.type == "choice" else str(value)
        elif isinstance(value, list):
            shown = ", ".join(q.choice_label(v) for v in value)
        else:
            shown = str(value)
        parts.append(shown)
        if len(parts) == limit:
            break
    return " · ".join(parts) if parts else "no answers yet"


class GroupRows(OptionList):
    DEFAULT_CSS = """
    GroupRows { height: auto; max-height: 16; border: none; padding: 0; background: $surface; }
    GroupRows:focus { border: none; background-tint: $foreground 4%; }
    """
    BINDINGS = [
        Binding("a,insert", "add", "Add row", show=False, id="rows.add"),
        Binding("enter", "edit", "Answer this row", show=False, id="rows.edit"),
        Binding("d,delete", "remove", "Remove row", show=False, id="rows.remove"),
    ]

    class Add(Message):
        def __init__(self, group: Group) -> None:
            super().__init__()
            self.group = group

    class Edit(Message):
        def __init__(self, group: Group, row: str) -> None:
            super().__init__()
            self.group, self.row = group, row

    class Remove(Message):
        def __init__(self, group: Group, row: str) -> None:
            super().__init__()
            self.group, self.row = group, row

    def __init__(self, group: Group, state: AuditState, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.group = group
        self.show_rows(state)

    def show_rows(self, state: AuditState) -> None:
        keep = self.highlighted
        self.clear_options()
        for number, row in enumerate(state.rows.get(self.group.key, []), start=1):
            prompt = Text.assemble((f"{self.group.row_label} {number}", "bold"), ": ",
                                   literal(brief(state, self.group, row)))
            for ind in self.group.indicators:
                prompt.append("\n  ")
                prompt.append_text(verdict_line(state.indicator(ind, row)))
            self.add_option(Option(prompt, id=row))
        if self.option_count:
            self.highlighted = min(keep or 0, self.option_count - 1)

    def highlighted_row(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a click on a row: walk it
        self.post_message(self.Edit(self.group, event.option.id))

    def action_add(self) -> None:
        self.post_message(self.Add(self.group))

    def action_edit(self) -> None:
        row = self.highlighted_row()
        if row is not None:
            self.post_message(self.Edit(self.group, row))

    def action_remove(self) -> None:
        row = self.highlighted_row()
        if row is not None:
            self.post_message(self.Remove(self.group, row))
