"""Every grade of a scale with its descriptor: what that grade looks like in practice."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class DescriptorsDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    DescriptorsDialog { align: center middle; }
    DescriptorsDialog > Vertical {
        width: 76; max-width: 95%; height: auto; max-height: 90%; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    DescriptorsDialog #descriptors-title { text-style: bold; padding: 1 0 0 0; }
    DescriptorsDialog VerticalScroll { height: auto; max-height: 20; }
    DescriptorsDialog .descriptor { margin: 1 0 0 0; }
    DescriptorsDialog #descriptors-foot { color: $text-muted; padding: 1 0; }
    """
    BINDINGS = [Binding("escape,d,q", "close", "Close", id="descriptors.close")]

    def __init__(self, title: str, rows: list[tuple[int, str, str]]) -> None:
        super().__init__()
        self.title_text, self.rows = title, rows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Grades: {self.title_text}"), id="descriptors-title")
            with VerticalScroll():
                for value, label, descriptor in self.rows:
                    yield Static(Text.assemble((f"{value}  {label}", "bold"), "\n",
                                               descriptor or "(no descriptor)"),
                                 classes="descriptor")
            yield Static("Esc closes this.", id="descriptors-foot")

    def action_close(self) -> None:
        self.dismiss(None)
