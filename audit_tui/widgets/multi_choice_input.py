"""Any number of a list of choices: space or enter ticks and unticks the highlighted one."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection

from ..templates.model import Choice


class MultiChoiceInput(SelectionList):
    DEFAULT_CSS = """
    MultiChoiceInput { height: auto; max-height: 14; border: none; padding: 0; }
    MultiChoiceInput:focus { border: none; }
    """

    def __init__(self, choices: tuple[Choice, ...], values: list[str] | None, *,
                 target: tuple = (), id: str | None = None) -> None:
        chosen = set(values or [])
        self.target = target
        self.order = [c.value for c in choices]
        super().__init__(*[Selection(Text(c.label), c.value, c.value in chosen)
                           for c in choices], id=id)

    def values(self) -> list[str]:
        """The ticked choices, in the template's order."""
        ticked = set(self.selected)
        return [v for v in self.order if v in ticked]
