"""Record the conversation with the worker: when and how they were spoken to, their
reflection in their words, whether they agree with the grades (where not, why) and what
support they asked for.

Dismisses with a `WorkerTalk`, or None if the user cancels. The reflection is needed, and the
why where the worker does not agree; a day in the future or an impossible date is refused with
a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Select, Static, TextArea

from ..literal import literal
from ..widgets.new_audit_date_input import DateInput
from .record_dialog import RecordDialog

HOW = (("In person", "in_person"), ("Phone", "phone"), ("Video call", "video"),
       ("Email", "email"), ("Other", "other"))
AGREES = (("Agrees with the grades", "yes"), ("Agrees in part", "partly"),
          ("Does not agree", "no"), ("Not said", ""))


@dataclass(frozen=True)
class WorkerTalk:
    spoken_on: date | None = None
    how: str = "in_person"
    reflection: str = ""
    agrees: str = ""
    disagreement: str = ""
    support: str = ""


DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 78; max-width: 100%; height: auto; max-height: 100%; border: thick $accent;
    background: $surface; padding: 0 1;
}}
{name} VerticalScroll {{ height: auto; max-height: 1fr; }}
{name} .title {{ text-style: bold; }}
{name} .hint {{ color: $text-muted; }}
{name} .field {{ height: 1; margin-top: 1; }}
{name} .field Label {{ width: 16; }}
{name} .field Input, {name} .field TextArea, {name} .field Select {{ width: 1fr; }}
{name} .field Input, {name} .field TextArea {{ background: $panel; }}
{name} .field Input:focus, {name} .field TextArea:focus {{ background: $primary 30%; }}
{name} .field.-tall {{ height: 3; }}
{name} .field TextArea {{ padding: 0; }}
{name} .error {{ color: $error; height: auto; }}
{name} Horizontal.buttons {{ height: 1; align-horizontal: right; margin-top: 1; }}
{name} Button {{ margin-left: 2; }}
"""


def long_field(label: str, text: str, widget_id: str, placeholder: str, tall: bool = True):
    """A labelled multi-line text field (a context manager's worth of widgets)."""
    row = Horizontal(classes="field -tall" if tall else "field")
    row.compose_add_child(Label(label))
    row.compose_add_child(TextArea(literal(text), id=widget_id, compact=True, soft_wrap=True,
                                   tab_behavior="focus", placeholder=placeholder))
    return row


class WorkerConversationDialog(RecordDialog):
    ERROR_ID = "talk-error"
    DEFAULT_CSS = DIALOG_CSS.format(name="WorkerConversationDialog")
    BINDINGS = [
        Binding("ctrl+s", "save", "Save the conversation", id="conversation.save"),
        Binding("escape", "cancel", "Cancel", id="conversation.cancel"),
    ]

    def __init__(self, talk: WorkerTalk | None = None, *, today: date | None = None,
                 guidance: str = "") -> None:
        super().__init__()
        self.talk = talk or WorkerTalk(spoken_on=today or date.today())
        self.today = today
        self.guidance = guidance

    def compose(self) -> ComposeResult:
        talk = self.talk
        with Vertical():
            yield Static("The conversation with the worker", classes="title")
            if self.guidance:
                yield Static(literal(self.guidance), classes="hint", markup=False)
            with VerticalScroll():
                with Horizontal(classes="field"):
                    yield Label("Spoken to on")
                    yield DateInput(talk.spoken_on, id="talk-on", compact=True, allow_future=False,
                                    today=self.today, placeholder="DD/MM/YYYY")
                with Horizontal(classes="field"):
                    yield Label("How")
                    yield Select(HOW, value=talk.how, allow_blank=False, compact=True,
                                 id="talk-how")
                yield long_field("Reflection", talk.reflection, "talk-reflection",
                                 "required: the worker's reflection, in their words")
                with Horizontal(classes="field"):
                    yield Label("The grades")
                    yield Select(AGREES, value=talk.agrees, allow_blank=False, compact=True,
                                 id="talk-agrees")
                yield long_field("Where not, why", talk.disagreement, "talk-disagreement",
                                 "where the worker does not agree with a grade, and why")
                yield long_field("Support asked", talk.support, "talk-support",
                                 "what support the worker asked for")
            yield Static("", classes="error", id="talk-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel (esc)", id="cancel", compact=True)
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#talk-reflection", TextArea).focus()

    def action_save(self) -> None:
        text = {name: self.query_one(f"#talk-{name}", TextArea).text.strip()
                for name in ("reflection", "disagreement", "support")}
        agrees = self.query_one("#talk-agrees", Select).value
        day = self.query_one("#talk-on", DateInput)
        error = day.check()
        if error:
            self.say(error)
            day.focus()
        elif not text["reflection"]:
            self.say("Write the worker's reflection, in their words.")
            self.query_one("#talk-reflection", TextArea).focus()
        elif agrees in ("partly", "no") and not text["disagreement"]:
            self.say("The worker does not agree with every grade: say where and why.")
            self.query_one("#talk-disagreement", TextArea).focus()
        else:
            self.dismiss(WorkerTalk(day.date, str(self.query_one("#talk-how", Select).value),
                                    text["reflection"], str(agrees), text["disagreement"],
                                    text["support"]))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)
