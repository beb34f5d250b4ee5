"""Any number of a list of choices: space or enter ticks and unticks the highlighted one."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip
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

    def render_line(self, y: int) -> Strip:
        """Textual's line, with the tick drawn as X or blank: not colour alone."""
        line = super().render_line(y)
        segments = list(line)
        index = self.scroll_offset.y + y
        if len(segments) < 4 or not 0 <= index < self.option_count:
            return line
        ticked = self.get_option_at_index(index).value in self._selected
        inner = segments[1]
        segments[1] = Segment("X" if ticked else " ", inner.style, inner.control)
        return Strip(segments, line.cell_length)

    def values(self) -> list[str]:
        """The ticked choices, in the template's order."""
        ticked = set(self.selected)
        return [v for v in self.order if v in ticked]
