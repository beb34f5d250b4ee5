"""One of a list of choices: keys 1-9 pick the first nine, 0 "not applicable" if allowed."""

from __future__ import annotations

from ..templates.model import Choice
from .option_picker import OptionPicker, PickerOption

NA = "na"


class ChoiceInput(OptionPicker):
    def __init__(self, choices: tuple[Choice, ...], value: str | None, na: bool = False, *,
                 allow_na: bool = False, target: tuple = (), on_pick=None,
                 id: str | None = None) -> None:
        options = [PickerOption((str(i),) if i <= 9 else (), c.value, c.label)
                   for i, c in enumerate(choices, start=1)]
        if allow_na:
            options.append(PickerOption(("0",), NA, "Not applicable"))
        super().__init__(options, NA if na else value, target=target, on_pick=on_pick, id=id)
