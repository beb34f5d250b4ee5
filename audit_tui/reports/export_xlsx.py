"""The export as an analyst's workbook: the sheets and their columns (what each holds, how it
is typed, the header people read), written by workbook.py.

Sheets: Audits (one row per audit: the audit, its section grades, moderation, a column per
question), Answers, Actions, Indicators, Sections (every section's and sub-section's title,
grade, rationale and "does not apply" reason), Conversation, Feedback, Questions (every
question of every exported template version) and Columns (every column of every sheet: its
header, its key, its type, what it holds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .export_layout import (
    ACTION_COLUMNS,
    ANSWER_COLUMNS,
    AUDIT_COLUMNS,
    INDICATOR_COLUMNS,
    MODERATION_COLUMNS,
    NA,
    Layout,
    Record,
    Written,
    audit_row,
)
from .export_texts import CONVERSATION_COLUMNS, FEEDBACK_COLUMNS, SECTION_COLUMNS
from .safe import open_private
from .workbook import Column, Workbook, short

QUESTION_COLUMNS = ["template", "template_version", "question_key", "section", "prompt", "type"]
KINDS = {  # the columns that are not text
    "template_version": "number", "audit_date": "date", "submitted_at": "time",
    "overall_grade": "number", "auditor_overall_grade": "number", "row": "number",
    "value": "auto", "due_date": "date", "completed_date": "date", "limit": "number",
    "amount": "number", "grade": "number", "auditor_grade": "number", "spoken_on": "date",
    "gathered_on": "date",
}
QUESTION_KINDS = {"grade": "number", "number": "number", "date": "date", "age": "auto"}


def columns(keys: list[str]) -> list[Column]:
    return [Column(k, KINDS.get(k, "text")) for k in keys]


def audit_sheet_columns(layout: Layout, moderated: bool) -> list[Column]:
    """The Audits sheet: the audit's columns, a grade column per graded section (headed by
    its title), the moderation columns, the sections that did not apply, then a column per
    question (headed by its prompt, typed by its type)."""
    from .tables import unique_labels

    titles: dict[str, str] = {}
    for (_, _, key), title in layout.titles.items():
        titles.setdefault(key, title)
    prompts: dict[str, tuple[str, str]] = {}
    templates: dict[str, list[str]] = {}
    for q in layout.questions_list:
        prompts.setdefault(q.key, (q.prompt, q.type))
        if prompts[q.key][1] != q.type:
            prompts[q.key] = (q.prompt, "text")  # (two templates type it differently)
        templates.setdefault(q.key, []).append(f"{q.template} v{q.version}")
    grade_heads = unique_labels([(k, "Grade: " + short(titles.get(k, k), 32))
                                 for k in layout.sections])
    question_heads = unique_labels([(k, short(prompts.get(k, (k, ""))[0]))
                                    for k in layout.questions])
    out = columns(AUDIT_COLUMNS)
    out += [Column(f"grade:{k}", "number", h, f"The counted grade of the section "
                   f"\"{titles.get(k, k)}\" ({k}).") for k, h in zip(layout.sections,
                                                             grade_heads)]
    if moderated:
        out += columns(MODERATION_COLUMNS)
    out.append(Column("sections_not_applicable"))
    for k, h in zip(layout.questions, question_heads):
        prompt, qtype = prompts.get(k, (k, "text"))
        out.append(Column(k, QUESTION_KINDS.get(qtype, "text"), h,
                          f"{prompt} ({qtype}; in {', '.join(templates.get(k, []))})"))
    return out


def write_xlsx(stream: Iterable[Record], layout: Layout, out: Path, *, progress,
               filters) -> Written:
    written = Written([out])
    out = Path(out)
    with open_private(out, binary=True) as handle:
        book = Workbook(handle, out.parent)
        sheets = {}
        audits = None
        for name, keys in (("Answers", ANSWER_COLUMNS), ("Actions", ACTION_COLUMNS),
                           ("Indicators", INDICATOR_COLUMNS), ("Sections", SECTION_COLUMNS),
                           ("Conversation", CONVERSATION_COLUMNS),
                           ("Feedback", FEEDBACK_COLUMNS)):
            sheets[name] = None, keys
        at = len(AUDIT_COLUMNS) + len(layout.sections)
        for rec in stream:
            if audits is None:  # (the first record says whether moderation columns come)
                moderated = hasattr(rec, "moderation")
                audits = book.sheet("Audits", audit_sheet_columns(layout, moderated))
                sheets = {name: book.sheet(name, columns(keys))
                          for name, (_, keys) in sheets.items()}
                if moderated:
                    at += len(MODERATION_COLUMNS)
            row = audit_row(rec, layout)
            na = "; ".join(k for k, v in rec.sections.items() if v == NA)
            audits.add([*row[:at], na, *row[at:]])
            add = sheets["Answers"].add
            for r in rec.answers:
                add(r)
            for name, rows in (("Actions", rec.actions), ("Indicators", rec.indicators),
                               ("Sections", rec.texts), ("Conversation", rec.conversation),
                               ("Feedback", rec.feedback)):
                add = sheets[name].add
                for r in rows:
                    add(r)
            written.audits += 1
            written.answers += len(rec.answers)
            progress.advance()
        if audits is None:
            audits = book.sheet("Audits", audit_sheet_columns(layout, False))
            for name, (_, keys) in sheets.items():
                book.sheet(name, columns(keys))
        questions = book.sheet("Questions", [Column(k, KINDS.get(k, "text"))
                                             for k in QUESTION_COLUMNS])
        for q in layout.questions_list:
            questions.add([q.template, q.version, q.key, q.section, q.prompt, q.type])
        book.close()
    return written
