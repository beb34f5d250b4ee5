"""A grade on a scale: the scale's values with their keys (1-4 on the Ofsted scale), "not
applicable" when allowed (0 or n), and the descriptor of the highlighted grade underneath.
`d` shows every descriptor at once."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static

from ..templates.model import Scale
from .option_picker import OptionPicker, PickerOption

NA = "na"


def descriptors_for(scale: Scale, override: dict[int, str] | None = None) -> dict[int, str]:
    """Each value's descriptor: the section's or question's own, else the scale's."""
    override = override or {}
    return {v.value: override.get(v.value) or v.descriptor for v in scale.values}


class GradeInput(Vertical):
    DEFAULT_CSS = """
    GradeInput { height: auto; }
    GradeInput > .grade-descriptor { color: $text-muted; padding: 0 0 0 2; height: auto; }
    """
    BINDINGS = [Binding("d", "descriptors", "Every grade's descriptor", show=False,
                        id="grade.descriptors")]

    def __init__(self, scale: Scale, grade: int | None, na: bool = False, *,
                 allow_na: bool = False, descriptors: dict[int, str] | None = None,
                 target: tuple = (), title: str = "", on_pick=None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.scale = scale
        self.descriptors = descriptors_for(scale, descriptors)
        self.title = title
        options = [PickerOption((str(v.value),) if 0 <= v.value <= 9 else (), v.value, v.label)
                   for v in scale.values]
        if allow_na:
            options.append(PickerOption(("0", "n"), NA, "Not applicable"))
        self.picker = OptionPicker(options, NA if na else grade, target=target, on_pick=on_pick)
        self._descriptor = ""

    def compose(self) -> ComposeResult:
        yield self.picker
        yield Static("", classes="grade-descriptor", markup=False)

    def on_mount(self) -> None:
        self.show_descriptor(self.picker.highlighted)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_descriptor(event.option_index)

    def show_descriptor(self, index: int | None) -> None:
        text = ""
        if index is not None:
            value = self.picker.choices[index].value
            text = self.descriptors.get(value, "") if value != NA else ""
        shown = self.query_one(".grade-descriptor", Static)
        if text == self._descriptor:
            return
        # The screen's layout is redone only when the descriptor needs another number of
        # lines: a grade key press must stay cheap, so that its save is not kept waiting.
        width = shown.content_region.width
        lines = len(Text(text).wrap(self.app.console, width)) if width and text else 0
        old = len(Text(self._descriptor).wrap(self.app.console, width)) if (
            width and self._descriptor) else 0
        self._descriptor = text
        shown.update(Text(text), layout=lines != old or not width)

    def focus(self, scroll_visible: bool = True):
        self.picker.focus(scroll_visible)
        return self

    def action_descriptors(self) -> None:
        from ..dialogs.descriptors import DescriptorsDialog

        rows = [(v.value, v.label, self.descriptors.get(v.value, "")) for v in self.scale.values]
        self.app.push_screen(DescriptorsDialog(self.title or self.scale.title, rows))
