"""The overall grade (a list of the overall scale's values, the highlighted one's descriptor
beside it) and its rationale.

The panel does not save: it posts `GradeChosen` when a grade is selected and `RationaleEdited`
when typing pauses for `DEBOUNCE` seconds or the rationale loses focus. `unsaved()` gives text
typed since the last save (before a submit, or when leaving the screen); the owner calls
`saving(text)` once it has queued a save.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option

from ..templates.model import Scale, Template
from ..literal import literal, literal_text
from .review_moderation import ModerationNote

DEBOUNCE = 0.8


class OverallPanel(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    OverallPanel { height: 1fr; padding: 0 1; }
    OverallPanel #overall-guidance { color: $text-muted; height: auto; }
    OverallPanel #overall-row { height: auto; }
    OverallPanel #overall-grades { width: 42; max-height: 8; }
    OverallPanel #overall-descriptor { width: 1fr; height: auto; padding: 0 1; }
    OverallPanel #rationale-row { height: 1; margin-top: 1; }
    OverallPanel #rationale-label { width: 1fr; }
    OverallPanel #rationale-state { width: auto; color: $text-muted; }
    OverallPanel #overall-rationale { height: 1fr; min-height: 4; }
    """

    class GradeChosen(Message):
        def __init__(self, grade: int) -> None:
            super().__init__()
            self.grade = grade

    class RationaleEdited(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scale: Scale | None = None
        self.descriptors: dict[int, str] = {}
        self.grade: int | None = None
        self.saved_text: str | None = ""  # None: the last save failed
        self.timer: Timer | None = None
        self.state_line = Static("", id="rationale-state")  # both kept: used while unmounting
        self.rationale = TextArea(id="overall-rationale", soft_wrap=True,
                                  show_line_numbers=False, tab_behavior="focus")

    def compose(self) -> ComposeResult:
        yield Static("", id="overall-guidance")
        with Horizontal(id="overall-row"):
            yield OptionList(id="overall-grades")
            yield Static("", id="overall-descriptor")
        yield ModerationNote(id="overall-moderation")
        with Horizontal(id="rationale-row"):
            yield Static("Why this grade (required):", id="rationale-label")
            yield self.state_line
        yield self.rationale

    # -- showing ------------------------------------------------------------------------------
    def show(self, template: Template, grade: int | None, rationale: str,
             read_only: bool, moderation=None, auditor: str = "") -> None:
        """`moderation`: the overall grade's Moderation row, if it was moderated."""
        overall = template.overall
        self.scale = template.scale_for(overall.scale)
        self.descriptors = {v.value: overall.descriptors.get(v.value) or v.descriptor
                            for v in self.scale.values}
        self.query_one("#overall-guidance", Static).update(literal_text(Text(overall.guidance)))
        self.grade = grade
        self.fill_grades()
        self.query_one(ModerationNote).show(moderation, self.scale, grade, auditor)
        rationale = literal(rationale)  # what is shown is what counts as saved
        if self.rationale.text != rationale:
            self.rationale.load_text(rationale)
        self.saved_text = rationale
        self.set_read_only(read_only)

    def fill_grades(self) -> None:
        grades = self.query_one("#overall-grades", OptionList)
        keep = grades.highlighted
        grades.clear_options()
        for item in self.scale.values:
            mark = "●" if item.value == self.grade else "○"  # as in the walk
            grades.add_option(Option(literal_text(Text(f"{mark} {item.value:<3} {item.label}")),
                                     id=str(item.value)))
        values = self.scale.value_keys()
        if keep is None and self.grade in values:
            keep = values.index(self.grade)
        grades.highlighted = keep if keep is not None else 0
        self.describe()

    def describe(self) -> None:
        grades = self.query_one("#overall-grades", OptionList)
        text = Text()
        if self.scale is not None and grades.highlighted is not None:
            item = self.scale.values[grades.highlighted]
            text.append(item.label, style="bold")
            text.append("\n" + self.descriptors.get(item.value, ""))
        self.query_one("#overall-descriptor", Static).update(literal_text(text))

    def set_read_only(self, read_only: bool) -> None:
        self.query_one("#overall-grades", OptionList).disabled = read_only
        self.rationale.read_only = read_only

    def set_state(self, words: str) -> None:
        self.state_line.update(words)

    def focus_grades(self) -> None:
        self.query_one("#overall-grades", OptionList).focus()

    def focus_rationale(self) -> None:
        self.rationale.focus()

    # -- the grade ----------------------------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#overall-grades")
    def grade_highlighted(self) -> None:
        self.describe()

    def on_key(self, event: events.Key) -> None:
        """A grade's number picks it, as in the walk (here, not the screen's tab keys)."""
        grades = self.query_one("#overall-grades", OptionList)
        if self.scale is None or grades.disabled or self.screen.focused is not grades:
            return
        values = self.scale.value_keys()
        if event.character and event.character.isdigit() and int(event.character) in values:
            event.stop()
            event.prevent_default()
            grades.highlighted = values.index(int(event.character))
            self.choose(int(event.character))

    @on(OptionList.OptionSelected, "#overall-grades")
    def grade_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose(int(event.option.id))

    def choose(self, grade: int) -> None:
        if grade != self.grade:
            self.grade = grade
            self.fill_grades()
            self.post_message(self.GradeChosen(grade))

    # -- the rationale ------------------------------------------------------------------------
    @on(TextArea.Changed, "#overall-rationale")
    def rationale_changed(self) -> None:
        if self.timer is not None:
            self.timer.stop()
        if self.rationale.text != self.saved_text:
            self.set_state("typing...")
            self.timer = self.set_timer(DEBOUNCE, self.pause_reached)

    def pause_reached(self) -> None:
        text = self.unsaved()
        if text is not None:
            self.post_message(self.RationaleEdited(text))

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if event.widget is self.rationale:
            self.pause_reached()

    def unsaved(self) -> str | None:
        """The rationale if it changed since it was last saved, else None."""
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        text = self.rationale.text
        return None if text == self.saved_text else text

    def saving(self, text: str) -> None:
        """The owner has queued `text` for saving."""
        self.saved_text = text
        self.set_state("saving...")

    def not_saved(self) -> None:
        """The last save failed: the text on screen will be handed over again."""
        self.saved_text = None
        self.set_state("not saved")
