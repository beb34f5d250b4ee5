"""Export records with their moderation, and laid out as one JSON document.

CSV is written by export_csv.py (from SQL) or export_csv_rows.py, XLSX by export_xlsx.py.

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
from datetime import date, datetime
from pathlib import Path
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
    audit_columns,  # noqa: F401 (the export's names, for its tests)
    audit_row,  # noqa: F401
    moderated_by_audit,
)
from .export_texts import CONVERSATION_COLUMNS, FEEDBACK_COLUMNS, SECTION_COLUMNS
from .safe import open_private

OVERALL_GRADE = AUDIT_COLUMNS.index("overall_grade")
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
