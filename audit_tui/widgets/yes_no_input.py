"""A yes/no question: y yes, p partly (when the template asks it), n no, a not applicable
(when the question allows it). A template may relabel the answers (e.g. Met / Not met)."""

from __future__ import annotations

from ..templates.model import YES_NO_LABELS
from .option_picker import OptionPicker, PickerOption

NA = "na"


class YesNoInput(OptionPicker):
    def __init__(self, value: str | None, *, allow_na: bool = True, target: tuple = (),
                 on_pick=None, id: str | None = None, partly: bool = False,
                 labels: dict[str, str] | None = None) -> None:
        labels = YES_NO_LABELS | (labels or {})
        options = [PickerOption(("y",), "yes", labels["yes"])]
        if partly:
            options.append(PickerOption(("p",), "partly", labels["partly"]))
        options.append(PickerOption(("n",), "no", labels["no"]))
        if allow_na:
            options.append(PickerOption(("a",), NA, labels["na"]))
        super().__init__(options, value, target=target, on_pick=on_pick, id=id)
