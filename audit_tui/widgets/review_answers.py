"""The review's read-through: the case details, then every section with its answers in words,
its indicators' verdicts, and its grade and rationale (or why it does not apply).

Everything is built as rich `Text`, so what users typed ("[bold]", escape sequences) is shown
as it is and never read as markup.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..dates import format_date
from ..templates.logic import AuditState
from ..templates.model import Question, Section
from ..templates.words import answer_words
from ..literal import literal_text
from .review_moderation import moderation_text

CASE_DETAILS = (("case_reference", "Case reference"), ("team", "Team"),
                ("service_area", "Service area"), ("social_worker", "Social worker"),
                ("auditor", "Auditor"), ("audit_date", "Audit date"))


def _plain(value) -> str:
    return format_date(value) if isinstance(value, date) else str(value or "")


def details_text(state: AuditState) -> Text:
    text = Text("Case details", style="bold")
    shown = [(key, state.template.detail_rule(key).label) for key, _ in CASE_DETAILS
             if not state.template.detail_rule(key).hidden]
    width = max(len(label) for _, label in shown)
    for key, label in shown:
        text.append(f"\n  {label.ljust(width)}  ", style="dim")
        text.append(_plain(state.details.get(key)) or "-")
    for question in state.template.details:
        if not state.all_hold(question.show_if):
            continue
        _append_answer(text, state, question, "", blocking=False)
    return literal_text(text)


def _append_answer(text: Text, state: AuditState, question: Question, row: str,
                   blocking: bool = True) -> None:
    """The prompt and the answer; an unanswered required one is red when it stops the audit
    being submitted (template case details do not)."""
    slot = state.slot(question.key, row)
    text.append(f"\n  {question.prompt}")
    words = answer_words(state.template, question, slot)
    if words is None:
        required = question.required and blocking
        text.append(f"\n    {'not answered' if question.required else 'not answered (optional)'}",
                    style="bold red" if required else "dim")
    else:
        text.append("\n    ")
        text.append(words, style="bold")
    if slot.evidence.strip():
        text.append("\n    Evidence: ", style="dim")
        text.append(slot.evidence)


def section_text(state: AuditState, section: Section, moderated: dict | None = None) -> Text:
    """The section as read: `moderated` (section key -> Moderation) adds the moderator's
    grade under the auditor's."""
    indent = "  " * section.depth
    text = Text(indent + section.title, style="bold underline" if not section.depth else "bold")
    done, total = state.section_progress(section)
    if state.section_applies(section):
        text.append(f"   {done} of {total} done", style="dim")
    mark = state.mark(section.key)
    if not state.section_applies(section):
        text.append("\n  Does not apply: ", style="italic")
        text.append(mark.na_reason or "(no reason given yet)",
                    style="" if mark.na_reason else "bold red")
        return literal_text(text)
    last_row = ""
    for question, row in state.items(section):
        if row and row != last_row:
            text.append(f"\n  {state.row_label(question.group, row)}", style="bold")
        last_row = row
        _append_answer(text, state, question, row)
    for group in section.groups:
        if state.group_visible(group) and not state.rows.get(group.key):
            text.append(f"\n  {group.title}: none recorded", style="dim")
    indicators = list(section.indicators) + [i for g in section.groups for i in g.indicators]
    for indicator in indicators:
        text.append(f"\n  {indicator.label}: ", style="dim")
        text.append(state.indicator_summary(indicator))
    if section.graded:
        scale = state.template.scale_for(section.scale)
        label = scale.label(mark.grade)
        text.append("\n  Section grade: ", style="dim")
        text.append(label or "not given yet", style="bold" if label else "bold red")
        moderation = (moderated or {}).get(section.key)
        if moderation is not None:
            text.append("  (the auditor's)", style="dim")
        text.append("\n  Rationale: ", style="dim")
        if mark.rationale.strip():
            text.append(mark.rationale)
        else:
            text.append("not written yet", style="bold red")
        text.append_text(moderation_text(moderation, scale, mark.grade))
    return literal_text(text)


class ReviewAnswers(VerticalScroll):
    """A scrolling read-through of the audit; focus it to scroll with the keys."""

    DEFAULT_CSS = """
    ReviewAnswers { height: 1fr; padding: 0 1; }
    ReviewAnswers > Static { margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Loading...", id="answers-loading")

    def show(self, state: AuditState, moderated: dict | None = None) -> None:
        blocks = [details_text(state)]
        blocks += [section_text(state, s, moderated) for s in state.template.all_sections()
                   if state.section_visible(s)]
        self.remove_children()
        self.mount_all(Static(block) for block in blocks)
