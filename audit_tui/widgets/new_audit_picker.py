"""Step 1 of a new audit: the usable templates, with the highlighted one's description below.

Posts `TemplatePicker.Chosen` when the user selects one (enter or click).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..templates.model import Template
from ..literal import literal_text


def template_option(template: Template, older: bool = False) -> Text:
    """Title, then service and size on a dim second line (Text: template text is never markup);
    an older installed version says so."""
    text = Text(template.title, style="bold")
    if older:
        text.append(f"  (older version {template.version})")
    count = template.question_count()
    text.append(f"\n{template.service} · {count} question{'s' if count != 1 else ''}",
                style="dim")
    return literal_text(text)


class TemplatePicker(Vertical):
    DEFAULT_CSS = """
    TemplatePicker { height: 1fr; }
    TemplatePicker #pick-title { text-style: bold; padding: 0 1; }
    TemplatePicker #pick-list { height: auto; max-height: 1fr; margin: 0 1; }
    TemplatePicker #pick-about-box { height: auto; max-height: 8; margin: 0 1; padding: 0 1; }
    TemplatePicker #pick-about { color: $text; }
    TemplatePicker #pick-unusable { color: $text-muted; padding: 0 1; height: auto; }
    """

    class Chosen(Message):
        def __init__(self, template: Template) -> None:
            super().__init__()
            self.template = template

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.templates: list[Template] = []

    def compose(self) -> ComposeResult:
        yield Static("Step 1 of 2: choose the template for this audit (arrows, then enter)",
                     id="pick-title")
        yield OptionList(Option(Text("Loading the templates...", style="dim"), disabled=True),
                         id="pick-list")
        with VerticalScroll(id="pick-about-box", can_focus=False):
            yield Static("", id="pick-about")
        yield Static("", id="pick-unusable", markup=False)

    def show(self, templates: list[Template], unusable: int) -> None:
        self.templates = list(templates)
        options = self.query_one("#pick-list", OptionList)
        options.clear_options()
        if templates:
            seen: set[str] = set()
            for i, t in enumerate(self.templates):  # newest first: a later one is older
                options.add_option(Option(template_option(t, t.key in seen), id=str(i)))
                seen.add(t.key)
            options.highlighted = 0
        else:
            options.add_option(Option(Text("No usable templates were found."), disabled=True))
        note = ""
        if unusable:
            note = (f"{unusable} template{' could' if unusable == 1 else 's could'} not be "
                    "loaded: see  audit-tui templates list")
        self.query_one("#pick-unusable", Static).update(note)
        self.describe(self.highlighted())

    def highlighted(self) -> Template | None:
        index = self.query_one("#pick-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.templates):
            return None
        return self.templates[index]

    def describe(self, template: Template | None) -> None:
        about = Text()
        if template is not None:
            about.append(template.description or "No description.")
            sections = len(template.all_sections())
            about.append(f"\n{sections} section{'s' if sections != 1 else ''}, "
                         f"{template.question_count()} questions; version {template.version}.",
                         style="dim")
        self.query_one("#pick-about", Static).update(literal_text(about))

    def focus_list(self) -> None:
        self.query_one("#pick-list", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#pick-list")
    def highlighted_changed(self) -> None:
        self.describe(self.highlighted())

    @on(OptionList.OptionSelected, "#pick-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose()

    def choose(self) -> None:
        template = self.highlighted()
        if template is not None:
            self.post_message(self.Chosen(template))
