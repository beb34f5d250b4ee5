"""The review's Conversation tab: the worker's side (spoken to, reflection, agreement, support)
and the feedback from the child and family, as rich `Text` (user text shown literally)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..dates import format_date
from ..literal import literal_text


def conversation_text(talk, feedback: list, labels: dict, required: tuple[bool, bool]) -> Text:
    """`talk`: the WorkerConversation or None; `feedback`: FamilyFeedback rows with their
    answers as (row, [(question, answer)]); `labels`: code -> words."""
    text = Text("The conversation with the worker", style="bold underline")
    if talk is None:
        text.append("\n  Not recorded yet: press c to record it."
                    + (" This template needs it before the audit is submitted."
                       if required[0] else ""), style="bold red" if required[0] else "dim")
    else:
        day = format_date(talk.spoken_on) if talk.spoken_on else "date not given"
        for label, value in (
                ("Spoken to", f"{day}, {labels.get(talk.how, talk.how).lower()}"),
                ("Reflection", talk.reflection),
                ("The grades", labels.get(f"agrees:{talk.agrees}", talk.agrees)),
                ("Where not, why", talk.disagreement),
                ("Support asked", talk.support or "none")):
            if value:
                text.append(f"\n  {label}: ", style="dim")
                text.append(value)
    text.append("\n\nFeedback from the child and family", style="bold underline")
    if not feedback:
        text.append("\n  None recorded yet: press f to add some."
                    + (" This template needs some before the audit is submitted."
                       if required[1] else ""), style="bold red" if required[1] else "dim")
    for row, answers in feedback:
        day = f", {format_date(row.gathered_on)}" if row.gathered_on else ""
        text.append(f"\n  {labels.get(row.who, row.who)} ({labels.get(row.how, row.how)}{day})",
                    style="bold")
        if row.said:
            text.append("\n    ")
            text.append(row.said)
        for question, answer in answers:
            text.append(f"\n    {question} ", style="dim")
            text.append(answer or "-")
    return literal_text(text)


class ReviewConversation(VerticalScroll):
    """A scrolling view of the conversation; focus it to scroll with the keys."""

    DEFAULT_CSS = """
    ReviewConversation { height: 1fr; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Loading...", id="conversation-text")

    def show(self, text: Text) -> None:
        self.query_one("#conversation-text", Static).update(text)
