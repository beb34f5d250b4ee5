"""The review's Conversation tab: the worker's side (spoken to, reflection, agreement, support)
and the feedback from the child and family, as rich `Text` (user text shown literally).

The feedback is a list, one entry a piece of feedback, so that one can be highlighted and
corrected (e) or removed (x); the keys are the review's.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..dates import format_date
from ..literal import literal_text


def worker_text(talk, labels: dict, required: bool) -> Text:
    """`talk`: the WorkerConversation or None; `labels`: code -> words."""
    text = Text("The conversation with the worker", style="bold underline")
    if talk is None:
        text.append("\n  Not recorded yet: press c to record it."
                    + (" This template needs it before the audit is submitted."
                       if required else ""), style="bold red" if required else "dim")
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
        text.append("\n  (c corrects it)", style="dim")
    return literal_text(text)


def feedback_heading(count: int, required: bool) -> Text:
    text = Text("Feedback from the child and family", style="bold underline")
    if not count:
        text.append("\n  None recorded yet: press f to add some."
                    + (" This template needs some before the audit is submitted."
                       if required else ""), style="bold red" if required else "dim")
    else:
        text.append("\n  f adds more; e corrects the highlighted one, x removes it.",
                    style="dim")
    return text


def feedback_entry(row, answers: list, labels: dict) -> Text:
    """One piece of feedback: who, how and when, what they said, the answers."""
    day = f", {format_date(row.gathered_on)}" if row.gathered_on else ""
    text = Text(f"{labels.get(row.who, row.who)} ({labels.get(row.how, row.how)}{day})",
                style="bold")
    if row.said:
        text.append("\n  ")
        text.append(row.said)
    for question, answer in answers:
        text.append(f"\n  {question} ", style="dim")
        text.append(answer or "-")
    return literal_text(text)


class ReviewConversation(VerticalScroll):
    """A scrolling view of the conversation; the feedback list takes the focus when it has
    entries (arrows move between them), else the view does (to scroll with the keys)."""

    DEFAULT_CSS = """
    ReviewConversation { height: 1fr; padding: 0 1; }
    ReviewConversation #feedback-heading { margin-top: 1; }
    ReviewConversation #feedback-list { height: auto; max-height: 1000; border: none;
                                        padding: 0; background: transparent; }
    ReviewConversation #feedback-list.-empty { display: none; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Loading...", id="conversation-text")
        yield Static("", id="feedback-heading")
        yield OptionList(id="feedback-list", classes="-empty")

    def show(self, talk, feedback: list, labels: dict, required: tuple[bool, bool]) -> None:
        """`feedback`: FamilyFeedback rows with their answers, as (row, [(question, answer)])."""
        self.query_one("#conversation-text", Static).update(
            worker_text(talk, labels, required[0]))
        self.query_one("#feedback-heading", Static).update(
            feedback_heading(len(feedback), required[1]))
        listed = self.query_one("#feedback-list", OptionList)
        before = listed.highlighted_option.id if listed.highlighted_option else None
        listed.clear_options()
        listed.add_options([Option(feedback_entry(row, answers, labels), id=row.id)
                            for row, answers in feedback])
        listed.set_class(not feedback, "-empty")
        ids = [row.id for row, _ in feedback]
        if ids:
            listed.highlighted = ids.index(before) if before in ids else 0

    def highlighted(self) -> str | None:
        """The id of the highlighted piece of feedback, if any."""
        listed = self.query_one("#feedback-list", OptionList)
        if listed.has_class("-empty") or listed.highlighted_option is None:
            return None
        return listed.highlighted_option.id

    def focus_view(self) -> None:
        listed = self.query_one("#feedback-list", OptionList)
        (self if listed.has_class("-empty") else listed).focus()
