"""A yes/no question: y yes, n no, a not applicable (when the question allows it)."""

from __future__ import annotations

from .option_picker import OptionPicker, PickerOption

NA = "na"


class YesNoInput(OptionPicker):
    def __init__(self, value: str | None, *, allow_na: bool = True, target: tuple = (),
                 on_pick=None, id: str | None = None) -> None:
        options = [PickerOption(("y",), "yes", "Yes"), PickerOption(("n",), "no", "No")]
        if allow_na:
            options.append(PickerOption(("a",), NA, "Not applicable"))
        super().__init__(options, value, target=target, on_pick=on_pick, id=id)
