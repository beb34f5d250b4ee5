"""Lay export records out as CSV files, an XLSX workbook or a JSON document.

CSV is written by export_csv.py (from SQL). XLSX is written by openpyxl in write-only mode
(constant memory), a sheet holding at most Excel's 1,048,576 rows (the answers go on as
"Answers 2", ...); a text that starts with =, +, -, @, tab or carriage return gets a leading
apostrophe, so no cell is a formula.

Moderation: `with_moderation` puts the grade the reports count (a moderator's, where one
still applies) in the overall and section grade cells, and gives each record its
`moderation`. Records carrying it get three more columns after the section grades
(MODERATION_COLUMNS): moderated (yes when a moderator agreed or changed any grade that still
stands), auditor_overall_grade (the auditor's grade where a moderator changed it, the '*' of
the other reports) and auditor_section_grades ("plan: 3; voice: 2", the same for sections).
No names or comments: the export stays as private as its pseudonymising allows.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from itertools import chain
from typing import Iterable, Iterator

from .export_layout import (
    ACTION_COLUMNS,
    ANSWER_COLUMNS,
    AUDIT_COLUMNS,
    INDICATOR_COLUMNS,
    Layout,
    Moderated,
    Record,
    Written,
    audit_columns,
    audit_row,
    moderated_by_audit,
)
from .export_texts import CONVERSATION_COLUMNS, FEEDBACK_COLUMNS, SECTION_COLUMNS
from .safe import FORMULA_STARTS, open_private

EXCEL_ROWS = 1_048_576
OVERALL_GRADE = AUDIT_COLUMNS.index("overall_grade")
TEXT_SHEETS = (("Sections", SECTION_COLUMNS), ("Conversation", CONVERSATION_COLUMNS),
               ("Feedback", FEEDBACK_COLUMNS))
QUESTION_COLUMNS = ["template", "template_version", "question_key", "section", "prompt", "type"]


def with_moderation(reader, stream: Iterable[Record]) -> Iterator[Record]:
    """The records with the moderated grades the reports count, each with its `moderation`:
    {"moderated": bool, "auditor_overall_grade": int | None, "auditor_section_grades":
    {section key: the auditor's grade}} (only the grades a moderator changed). `reader` is
    the export's Reader (or a DB-API connection), read before the stream starts."""
    found = moderated_by_audit(reader)
    never = Moderated({})
    for rec in stream:
        m = found.get(rec.audit_id, never)
        if m.overall is not None:
            rec.audit[OVERALL_GRADE] = m.overall
        rec.sections.update(m.sections)
        rec.moderation = m.moderation  # read only by the writers
        yield rec


def _peek(stream: Iterable[Record]) -> tuple[Record | None, Iterator[Record]]:
    it = iter(stream)
    first = next(it, None)
    return first, (it if first is None else chain([first], it))


# the characters an XLSX cell cannot hold (XML 1.0 forbids them; openpyxl refuses them)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _visible(match: re.Match) -> str:
    return f"\\x{ord(match.group()):02x}"


def _cell_text(value: str) -> str:
    """A text a cell can hold: control characters written out as \\x1b, and a formula start
    behind an apostrophe."""
    value = _CONTROL.sub(_visible, value)
    return "'" + value if value and value[0] in FORMULA_STARTS else value


def _safe(row: list) -> list:
    return [_cell_text(v) if isinstance(v, str) else ("" if v is None else v) for v in row]


def _typed(row: list, date_columns: tuple[int, ...]) -> list:
    out = _safe(row)
    for i in date_columns:
        value = out[i]
        if isinstance(value, str) and len(value) == 10 and value[4] == "-":
            try:
                out[i] = date.fromisoformat(value)
            except ValueError:
                pass
    return out


def write_xlsx(stream: Iterable[Record], layout: Layout, out: Path, *, progress,
               filters) -> Written:
    try:
        from openpyxl import Workbook
    except ImportError:  # pragma: no cover - openpyxl is a dependency of the package
        raise RuntimeError("The xlsx export needs the openpyxl package: pip install openpyxl, "
                           "or export as csv.") from None

    book = Workbook(write_only=True)
    first, stream = _peek(stream)
    audit_cols = audit_columns(layout, hasattr(first, "moderation"))
    sheets = {}
    for name, columns in (("Audits", audit_cols), ("Answers", ANSWER_COLUMNS),
                          ("Actions", ACTION_COLUMNS), ("Indicators", INDICATOR_COLUMNS),
                          *TEXT_SHEETS):
        sheets[name] = book.create_sheet(name)
        sheets[name].append(columns)
    rows = {name: 1 for name in sheets}
    answer_sheet, answer_part = "Answers", 1
    audit_dates = (audit_cols.index("audit_date"),)
    answer_dates = (ANSWER_COLUMNS.index("value"),)
    action_dates = (ACTION_COLUMNS.index("due_date"), ACTION_COLUMNS.index("completed_date"))
    written = Written([out])
    for rec in stream:
        sheets["Audits"].append(_typed(audit_row(rec, layout), audit_dates))
        for row in rec.answers:
            if rows[answer_sheet] >= EXCEL_ROWS:
                answer_part += 1
                answer_sheet = f"Answers {answer_part}"
                sheets[answer_sheet] = book.create_sheet(answer_sheet)
                sheets[answer_sheet].append(ANSWER_COLUMNS)
                rows[answer_sheet] = 1
            sheets[answer_sheet].append(_typed(row, answer_dates))
            rows[answer_sheet] += 1
        for row in rec.actions:
            sheets["Actions"].append(_typed(row, action_dates))
        for row in rec.indicators:
            sheets["Indicators"].append(_safe(row))
        for row in rec.texts:
            sheets["Sections"].append(_safe(row))
        for row in rec.conversation:
            sheets["Conversation"].append(_typed(row, (2,)))
        for row in rec.feedback:
            sheets["Feedback"].append(_typed(row, (4,)))
        written.audits += 1
        written.answers += len(rec.answers)
        progress.advance()
    questions = book.create_sheet("Questions")
    questions.append(QUESTION_COLUMNS)
    for q in layout.questions_list:
        questions.append(_safe([q.template, q.version, q.key, q.section, q.prompt, q.type]))
    with open_private(out, binary=True) as handle:
        book.save(handle)
    return written


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def write_json(stream: Iterable[Record], layout: Layout, out: Path, *, progress,
               filters) -> Written:
    written = Written([out])
    with open_private(out, encoding="utf-8") as handle:
        head = {"filters": filters.describe(),
                "questions": [dict(zip(QUESTION_COLUMNS, (q.template, q.version, q.key,
                                                          q.section, q.prompt, q.type)))
                              for q in layout.questions_list]}
        handle.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "audits": [\n')
        first = True
        for rec in stream:
            item = dict(zip(AUDIT_COLUMNS, rec.audit))
            item["section_grades"] = rec.sections
            if hasattr(rec, "moderation"):
                item["moderation"] = rec.moderation
            item["answers"] = [dict(zip(ANSWER_COLUMNS[2:], r[2:])) for r in rec.answers]
            item["actions"] = [dict(zip(ACTION_COLUMNS[2:], r[2:])) for r in rec.actions]
            item["indicators"] = [dict(zip(INDICATOR_COLUMNS[2:], r[2:]))
                                  for r in rec.indicators]
            item["sections"] = [dict(zip(SECTION_COLUMNS[2:], r[2:])) for r in rec.texts]
            item["worker_conversation"] = next(
                (dict(zip(CONVERSATION_COLUMNS[2:], r[2:])) for r in rec.conversation), None)
            item["family_feedback"] = [dict(zip(FEEDBACK_COLUMNS[2:], r[2:]))
                                       for r in rec.feedback]
            handle.write(("" if first else ",\n")
                         + json.dumps(item, ensure_ascii=False, default=_json_default))
            first = False
            written.audits += 1
            written.answers += len(rec.answers)
            progress.advance()
        handle.write("\n]}\n")
    return written
