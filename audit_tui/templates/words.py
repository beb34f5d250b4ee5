"""An answer as a person would say it: shared by the review and the audit document."""

from __future__ import annotations

from datetime import date

from ..dates import format_date
from .logic import NEVER, Slot
from .model import Question, Template

def answer_words(template: Template, question: Question, slot: Slot) -> str | None:
    """The answer as a person would say it, or None when there is none."""
    if slot.na:
        return "Not applicable"
    if not slot.answered:
        return None
    value = slot.value
    kind = question.type
    if kind == "grade":
        return template.scale_for(question.scale).label(value) or str(value)
    if kind == "yes_no":
        return question.yes_no_label(value)
    if kind == "choice":
        return question.choice_label(value)
    if kind == "multi_choice":
        return ", ".join(question.choice_label(v) for v in value)
    if kind == "date" and value == NEVER:
        return question.never_label
    if isinstance(value, date):  # a date, or an age given as a date of birth
        return format_date(value)
    return str(value)
