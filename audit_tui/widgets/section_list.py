"""The audit's sections on the left: each title with "answered/total", its grade if it is
graded, "n/a" when marked as not applying, and a tick when complete. Enter (or a click) jumps
to the highlighted section; the highlight follows the auditor through the walk."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class SectionList(OptionList):
    DEFAULT_CSS = """
    SectionList {
        width: 27%; min-width: 20; max-width: 32; height: 1fr; border: none;
        border-right: vkey $foreground 20%; padding: 0; background: $surface;
        scrollbar-gutter: stable; scrollbar-size-vertical: 1;
    }
    SectionList:focus { border: none; border-right: vkey $accent; }
    SectionList > .option-list--option { padding: 0 1 0 0; }
    """

    class Chosen(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._keys: list[str] = []
        self._prompts: list[Text] = []

    def show_sections(self, entries: list[tuple[str, int, str, str, str]], current: str) -> None:
        """entries: (key, depth, title, status, style); `current` is the section to highlight.
        Only what changed is redrawn."""
        prompts = [self._prompt(depth, title, status, style)
                   for _, depth, title, status, style in entries]
        keys = [e[0] for e in entries]
        if keys != self._keys:
            self._keys, self._prompts = keys, prompts
            self.set_options([Option(p, id=k) for k, p in zip(keys, prompts)])
        else:
            for index, prompt in enumerate(prompts):
                if prompt != self._prompts[index]:
                    self.replace_option_prompt_at_index(index, prompt)
            self._prompts = prompts
        if current in self._keys and self.highlighted != self._keys.index(current):
            self.highlighted = self._keys.index(current)

    @staticmethod
    def _prompt(depth: int, title: str, status: str, style: str) -> Text:
        indent = "  " * depth
        return Text.assemble((indent + title, "bold" if depth == 0 else ""), "\n",
                             (indent + "  " + status, style))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(event.option.id))
