"""A short list of answers to pick from, each with its own key that picks it at once.

The base of the grade, yes/no and choice answers. Up/down move the highlight, enter or space
pick the highlighted answer, an answer's key picks it directly, delete clears the answer. The
picked answer is marked with a filled circle; labels are plain text, never markup.

A pick is reported with a `Picked` message, or, when `on_pick` is given, by calling it at once:
the walk uses that so an answer is queued for saving within the key press, without waiting for
the message to bubble up through the panel's containers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList


@dataclass(frozen=True)
class PickerOption:
    keys: tuple[str, ...]  # the keys that pick it ("1"; "0", "n"); may be empty
    value: Any
    label: str


class OptionPicker(OptionList):
    DEFAULT_CSS = """
    OptionPicker {
        height: auto; max-height: 14; width: 1fr; border: none; padding: 0;
        background: $surface;
    }
    OptionPicker:focus { border: none; background-tint: $foreground 4%; }
    """
    BINDINGS = [
        Binding("space", "select", "Pick", show=False, id="picker.pick"),
        Binding("delete,backspace", "clear", "Clear the answer", show=False,
                id="picker.clear"),
    ]

    class Picked(Message):
        """The auditor picked an answer (value None: cleared)."""

        def __init__(self, picker: "OptionPicker", value: Any) -> None:
            super().__init__()
            self.picker, self.value = picker, value

        @property
        def control(self) -> "OptionPicker":
            return self.picker

    def __init__(self, options: list[PickerOption], selected: Any = None, *,
                 target: tuple = (), on_pick: Callable[["OptionPicker", Any], None] | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        self.choices = list(options)
        self.selected = selected
        self.target = target
        self.on_pick = on_pick
        super().__init__(*[self._prompt(o) for o in self.choices], id=id, classes=classes,
                         markup=False)
        for index, option in enumerate(self.choices):
            for key in option.keys:
                self._bindings.key_to_bindings.setdefault(key, []).append(Binding(
                    key, f"pick({index})", f"Answer: {option.label}", show=False,
                    id=f"picker.{key}"))
        self._pick_keys = {key: index for index, option in enumerate(self.choices)
                           for key in option.keys}
        index = self.index_of(selected)
        if index is not None:
            self.highlighted = index

    def on_key(self, event: events.Key) -> None:
        # An answer's key picks it here, where the key arrives first, rather than after the
        # key has gone up through every container and back to the app's binding lookup
        # (about a millisecond and a half of the time from the key to the saved answer). The
        # bindings above stay, for the keys dialog and the command palette.
        index = self._pick_keys.get(event.key)
        if index is not None and not self.disabled:
            event.stop()
            event.prevent_default()
            self.action_pick(index)

    def _prompt(self, option: PickerOption) -> Text:
        chosen = option.value == self.selected and self.selected is not None
        keys = "/".join(option.keys)
        return Text.assemble(("● " if chosen else "○ "),
                             (f"{keys:<3} " if keys else "", "bold"),
                             (option.label, "bold" if chosen else ""))

    def index_of(self, value: Any) -> int | None:
        if value is None:
            return None
        return next((i for i, o in enumerate(self.choices) if o.value == value), None)

    def show_selected(self, value: Any) -> None:
        """Mark `value` as the picked answer (without posting a message)."""
        old = self.index_of(self.selected)
        self.selected = value
        for index in {old, self.index_of(value)} - {None}:
            self.replace_option_prompt_at_index(index, self._prompt(self.choices[index]))

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self.choices):
            self.highlighted = index
            self._pick(self.choices[index].value)

    def action_select(self) -> None:
        if self.highlighted is not None:
            self._pick(self.choices[self.highlighted].value)

    def action_clear(self) -> None:
        if self.selected is not None:
            self._pick(None)

    def _pick(self, value: Any) -> None:
        changed = value != self.selected
        if self.on_pick is not None:
            self.on_pick(self, value)  # first: the answer is queued for saving at once
        else:
            self.post_message(self.Picked(self, value))
        if changed:
            self.show_selected(value)
