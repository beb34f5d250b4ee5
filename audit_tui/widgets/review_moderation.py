"""The moderator's grade beside the auditor's, on the review of a moderated audit.

`moderation_text` gives the lines the answers tab adds under a section grade, and
`ModerationNote` shows the same for the overall grade (hidden when it was not moderated).
Both take the `Moderation` row read with the audit (in the review's worker) and build rich
`Text`, so a comment typed as "[b]x[/b]" or holding an escape character is shown as it is.

A moderation counts while the auditor's grade is still the one that was moderated (as in the
reports, db/facts.py): an audit reopened and graded again shows the earlier moderation as such.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..literal import literal_text
from ..templates.model import Scale


def grade_label(scale: Scale | None, value: int | None) -> str:
    if value is None:
        return "no grade"
    label = scale.label(value) if scale is not None else ""
    return label or str(value)


def counts(moderation, auditor_grade: int | None) -> bool:
    """True while the moderation is about the grade the auditor gives now."""
    return moderation is not None and moderation.auditor_grade == auditor_grade


def moderation_text(moderation, scale: Scale | None, auditor_grade: int | None,
                    indent: str = "  ") -> Text:
    """The moderator's grade, whether they agree, who and when, and their comment; empty
    when `moderation` is None. Starts with a newline (it follows the auditor's lines)."""
    text = Text()
    if moderation is None:
        return text
    moderator_grade = grade_label(scale, moderation.moderator_grade)
    text.append(f"\n{indent}Moderator's grade: ", style="dim")
    text.append(moderator_grade, style="bold")
    if not counts(moderation, auditor_grade):
        text.append("  earlier moderation", style="bold yellow")
        text.append(f"\n{indent}  (of the auditor's earlier grade, "
                    f"{grade_label(scale, moderation.auditor_grade)}; graded again since, so "
                    "the auditor's grade is the one counted in reports)", style="italic")
    elif moderation.agrees:
        text.append("  agrees with the auditor", style="bold green")
    else:
        text.append("  differs", style="bold yellow")
        text.append(": the reports count this grade", style="italic")
    text.append(f"\n{indent}Moderated by: ", style="dim")
    text.append(moderation.moderator or "(no name)")
    if moderation.at is not None:
        text.append(f" on {_local(moderation.at):%d/%m/%Y}")
    if moderation.comment.strip():
        text.append(f"\n{indent}Moderator's comment: ", style="dim")
        text.append(moderation.comment)
    return literal_text(text)


def _local(when):
    from datetime import timezone

    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone()


class ModerationNote(Static):
    """The overall grade's moderation: the auditor's grade and the moderator's, both named."""

    DEFAULT_CSS = """
    ModerationNote { height: auto; margin-top: 1; padding: 0 1; background: $boost; }
    ModerationNote.-none { display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", classes="-none", **kwargs)

    def show(self, moderation, scale: Scale | None, auditor_grade: int | None,
             auditor: str) -> None:
        if moderation is None:
            self.update("")
            self.add_class("-none")
            return
        text = Text("Auditor's grade: ", style="dim")
        text.append(grade_label(scale, auditor_grade), style="bold")
        if auditor.strip():
            text.append(f"  ({auditor})")
        text.append_text(moderation_text(moderation, scale, auditor_grade, indent=""))
        self.update(literal_text(text))
        self.remove_class("-none")
