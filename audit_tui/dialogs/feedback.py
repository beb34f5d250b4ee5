"""Record feedback from the child, young person, parent or carer: who, how it was gathered
(call, visit, survey), when, what they said, and the answers to the template's own feedback
questions.

Dismisses with a `FamilyWords`, or None if the user cancels. What they said (or an answer to
one of the questions) is needed. Given a `FamilyWords`, the dialog corrects it: its fields
start filled in (and its own questions, as recorded, are kept beside the template's).
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
from .conversation import DIALOG_CSS, long_field

WHO = (("Child", "child"), ("Young person", "young_person"), ("Parent", "parent"),
       ("Carer", "carer"), ("Other", "other"))
HOW = (("Phone call", "call"), ("Visit", "visit"), ("Survey", "survey"), ("Other", "other"))


@dataclass(frozen=True)
class FamilyWords:
    from_whom: str = "parent"
    how: str = "call"
    gathered_on: date | None = None
    said: str = ""
    answers: tuple[tuple[str, str], ...] = ()


class FeedbackDialog(RecordDialog):
    ERROR_ID = "feedback-error"
    DEFAULT_CSS = DIALOG_CSS.format(name="FeedbackDialog")
    BINDINGS = [
        Binding("ctrl+s", "save", "Save the feedback", id="feedback.save"),
        Binding("escape", "cancel", "Cancel", id="feedback.cancel"),
    ]

    def __init__(self, questions: tuple[str, ...] = (), *, today: date | None = None,
                 current: FamilyWords | None = None) -> None:
        super().__init__()
        self.current = current or FamilyWords(gathered_on=today or date.today())
        recorded = dict(self.current.answers)
        self.questions = tuple(dict.fromkeys((*questions, *recorded)))
        self.answered = recorded
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical():
            words = self.current
            yield Static("Feedback from the child or family", classes="title")
            with VerticalScroll():
                with Horizontal(classes="field"):
                    yield Label("From")
                    yield Select(WHO, value=words.from_whom, allow_blank=False, compact=True,
                                 id="feedback-who")
                with Horizontal(classes="field"):
                    yield Label("How")
                    yield Select(HOW, value=words.how, allow_blank=False, compact=True,
                                 id="feedback-how")
                with Horizontal(classes="field"):
                    yield Label("When")
                    yield DateInput(words.gathered_on, id="feedback-on", compact=True,
                                    allow_future=False, today=self.today,
                                    placeholder="DD/MM/YYYY")
                yield long_field("What they said", words.said, "feedback-said",
                                 "their words: what worked, what did not")
                for n, question in enumerate(self.questions):
                    yield Static(literal(question), classes="hint", markup=False)
                    yield long_field("Answer", self.answered.get(question, ""),
                                     f"feedback-q{n}", "their answer", tall=False)
            yield Static("", classes="error", id="feedback-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel (esc)", id="cancel", compact=True)
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)

    def on_mount(self) -> None:
        said = self.query_one("#feedback-said", TextArea)
        said.move_cursor(said.document.end)  # correcting: go on from what is there
        said.focus()

    def action_save(self) -> None:
        said = self.query_one("#feedback-said", TextArea).text.strip()
        answers = tuple((q, self.query_one(f"#feedback-q{n}", TextArea).text.strip())
                        for n, q in enumerate(self.questions))
        day = self.query_one("#feedback-on", DateInput)
        error = day.check()
        if error:
            self.say(error)
            day.focus()
        elif not said and not any(a for _, a in answers):
            self.say("Write what they said.")
            self.query_one("#feedback-said", TextArea).focus()
        else:
            self.dismiss(FamilyWords(str(self.query_one("#feedback-who", Select).value),
                                     str(self.query_one("#feedback-how", Select).value),
                                     day.date, said, answers))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)
