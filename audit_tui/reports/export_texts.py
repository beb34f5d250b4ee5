"""What the auditor wrote beyond the answers: every section's and sub-section's grade with
its title, criterion, rationale and "does not apply" reason, the conversation with the worker
(when and how they were spoken to, their reflection, whether they agree with the grades and
why not, the support they asked for) and the family's feedback (who, how, what they said).

Read as three streams in audit order (like export.py's) and laid out the same way for every
format: three more CSV files (FILE-sections, FILE-conversation, FILE-feedback, written by
`write_csv` from rows on both engines, so the SQLite file's export and the server's are the
same bytes), three more sheets, three more keys of each audit in the JSON. A pseudonymised
export keeps the grades, titles, dates and kinds and leaves every free text out.
"""

from __future__ import annotations

import csv
import json
from typing import Callable, Iterable

from .export_layout import BOM, NA, Layout, Selection, as_text, open_csv
from .safe import neutralise

SECTION_COLUMNS = ["audit_id", "case_reference", "section_key", "section_title", "criterion",
                   "grade", "auditor_grade", "not_applicable", "not_applicable_reason",
                   "rationale"]
CONVERSATION_COLUMNS = ["audit_id", "case_reference", "spoken_on", "how", "reflection",
                        "agrees", "disagreement", "support"]
FEEDBACK_COLUMNS = ["audit_id", "case_reference", "who", "how", "gathered_on", "said",
                    "answers"]
FILES = {"sections": SECTION_COLUMNS, "conversation": CONVERSATION_COLUMNS,
         "feedback": FEEDBACK_COLUMNS}


def streams(rows: Callable, sel: Selection) -> dict[str, Iterable]:
    """The three streams (name -> rows, column 0 the audit id, in audit id order) of the
    audits `sel` keeps; `rows(sql, params)` runs a query (export.Reader.rows)."""
    p = sel.params
    return {
        "sections": rows(sel.select(
            "s.audit_id, a.case_reference, a.template_key, a.template_version, s.section_key, "
            "s.criterion, s.grade, s.not_applicable, s.na_reason, s.rationale",
            "JOIN section_result s ON s.audit_id = f.audit_id", sel.by("s.section_key")), p),
        "conversation": rows(sel.select(
            "w.audit_id, a.case_reference, w.spoken_on, w.how, w.reflection, w.agrees, "
            "w.disagreement, w.support",
            "JOIN worker_conversation w ON w.audit_id = f.audit_id"), p),
        "feedback": rows(sel.select(
            "b.audit_id, a.case_reference, b.who, b.how, b.gathered_on, b.said, b.answers",
            "JOIN family_feedback b ON b.audit_id = f.audit_id",
            ", b.created_at" + sel.by("b.id")), p),
    }


def _pairs(text: str | None) -> str:
    """The feedback's answers to the template's questions, as 'question: answer; ...'."""
    try:
        pairs = json.loads(text or "[]")
    except ValueError:
        return ""
    if not isinstance(pairs, list):
        return ""
    return "; ".join(f"{p[0]}: {p[1]}" for p in pairs if isinstance(p, list) and len(p) == 2)


class TextRows:
    """Makes the streams' rows into the files' rows: pseudonyms for the audit id and case
    reference and no free text when `hide` (a Pseudonymiser) is given, the counted grade (a
    moderator's where one changed it, `moderated`: export_layout.moderated_by_audit) with
    the auditor's beside it, the section's title from the template (`layout`)."""

    def __init__(self, layout: Layout, hide=None, moderated: dict | None = None) -> None:
        self.layout, self.hide, self.moderated = layout, hide, moderated or {}

    def _lead(self, audit_id: str, case: str) -> list:
        if self.hide:
            return [self.hide(audit_id, "A"), self.hide(case, "C")]
        return [audit_id, case]

    def _text(self, value) -> str:
        return "" if self.hide or value is None else value

    def section(self, row) -> list:
        audit_id, case, template, version, key, criterion, grade, na, reason, rationale = row
        auditor = None
        m = self.moderated.get(audit_id)
        if m is not None and key in m.sections:
            grade, auditor = m.sections[key], grade
        return [*self._lead(audit_id, case), key, self.layout.title(template, version, key),
                criterion, NA if na else grade, auditor, "yes" if na else "",
                self._text(reason), self._text(rationale)]

    def conversation(self, row) -> list:
        audit_id, case, spoken_on, how, reflection, agrees, disagreement, support = row
        return [*self._lead(audit_id, case), as_text(spoken_on), how, self._text(reflection),
                agrees, self._text(disagreement), self._text(support)]

    def feedback(self, row) -> list:
        audit_id, case, who, how, gathered_on, said, answers = row
        return [*self._lead(audit_id, case), who, how, as_text(gathered_on), self._text(said),
                "" if self.hide else _pairs(answers)]

    def make(self, name: str, row) -> list:
        """The row of FILES[name] for a row of the stream `name`."""
        return self.maker(name)(row)

    def maker(self, name: str) -> Callable:
        return {"sections": self.section, "conversation": self.conversation,
                "feedback": self.feedback}[name]


def write_csv(rows: Callable, sel: Selection, paths: dict, maker: TextRows) -> None:
    """The three files beside the export's others (paths: export_layout.csv_paths), written
    as csv.writer writes the rest: a byte-order mark, CRLF, texts neutralised."""
    for name, stream in streams(rows, sel).items():
        make = maker.maker(name)

        def cells(row, make=make) -> list:
            return [neutralise(v) if isinstance(v, str) else v for v in make(row)]

        with open_csv(paths[name]) as handle:
            handle.write(BOM)
            w = csv.writer(handle, lineterminator="\r\n")
            w.writerow(FILES[name])
            w.writerows(map(cells, stream))
