"""What must still be done before the audit can be submitted, one line each.

Selecting one (enter or click) posts `MissingList.GoTo` with the item; the screen decides where
that leads (the walk, or the overall grade on the review itself).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..templates.logic import Missing
from ..literal import literal_text


class MissingList(Vertical):
    DEFAULT_CSS = """
    MissingList { height: 1fr; padding: 0 1; }
    MissingList #missing-help { color: $text-muted; height: auto; }
    MissingList #missing-list { height: auto; max-height: 1fr; }
    """

    class GoTo(Message):
        def __init__(self, item: Missing) -> None:
            super().__init__()
            self.item = item

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.items: list[Missing] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="missing-help")
        yield OptionList(id="missing-list")

    def show(self, items: list[Missing], editable: bool, refused: bool) -> None:
        options = self.query_one("#missing-list", OptionList)
        keep = options.highlighted
        self.items = list(items)
        options.clear_options()
        options.add_options(Option(literal_text(Text(m.text)), id=str(i))
                            for i, m in enumerate(self.items))
        options.display = bool(self.items)
        if self.items:
            options.highlighted = min(keep or 0, len(self.items) - 1)
            first = ("The audit was not submitted: all of this must be done first."
                     if refused else "All of this must be done before the audit can be "
                                     "submitted.")
            help_text = f"{first} Press enter (or g) on one to go to it."
        elif editable:
            help_text = "Nothing required is missing: press ctrl+s to submit the audit."
        else:
            help_text = "The audit is submitted: nothing is missing."
        self.query_one("#missing-help", Static).update(help_text)

    def highlighted(self) -> Missing | None:
        index = self.query_one("#missing-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.items):
            return None
        return self.items[index]

    def focus_list(self) -> None:
        self.query_one("#missing-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#missing-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        item = self.highlighted()
        if item is not None:
            self.post_message(self.GoTo(item))
