"""`audit-tui export`: every submitted audit the filters keep, with everything in it.

The audits, their section grades, answers, actions and indicator results are read as five
streams in audit order (each from an index, none sorted in memory) and merged audit by audit,
so memory stays flat whatever the number of audits. The writers (writers_export.py) lay the
records out as CSV files, one XLSX workbook or one JSON document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

from .filters import Filters, where
from .pseudonym import Pseudonymiser, load_key

AUDIT_COLUMNS = ["audit_id", "case_reference", "template", "template_version", "team",
                 "service_area", "social_worker", "auditor", "audit_date", "status",
                 "submitted_at", "overall_grade", "overall_rationale"]
ANSWER_COLUMNS = ["audit_id", "case_reference", "question_key", "row", "row_id", "value",
                  "not_applicable", "evidence"]
ACTION_COLUMNS = ["audit_id", "case_reference", "description", "owner", "due_date", "status",
                  "completed_date", "overdue", "note"]
INDICATOR_COLUMNS = ["audit_id", "case_reference", "indicator_key", "row_id", "label", "unit",
                     "limit", "amount", "met", "still_open"]
NA = "n/a"


@dataclass
class Record:
    """One audit and everything in it, ready to write (names already pseudonymised)."""

    audit: list
    sections: dict[str, object] = field(default_factory=dict)  # section key -> grade or n/a
    answers: list[list] = field(default_factory=list)  # rows of ANSWER_COLUMNS
    actions: list[list] = field(default_factory=list)
    indicators: list[list] = field(default_factory=list)

    @property
    def audit_id(self) -> str:
        return self.audit[0]


@dataclass
class Written:
    files: list[Path]
    audits: int = 0
    answers: int = 0


@dataclass
class Layout:
    """The wide form's columns: graded sections, then questions, over the exported templates."""

    sections: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    prompts: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # key -> tmpl, prompt, type

    def columns(self) -> list[str]:
        return [*AUDIT_COLUMNS, *[f"grade:{k}" for k in self.sections], *self.questions]


class Selection:
    """The SQL for the audits `filters` keep, as `f` (fact_audit) joined to `a` (audit)."""

    def __init__(self, filters: Filters) -> None:
        _, clause, params = where(replace(filters, status=None))
        self.status = ""
        if filters.status:
            self.status = " AND a.status = :status"
            params["status"] = filters.status
        self.clause, self.params = clause, params

    def select(self, columns: str, join: str = "", order: str = "", group: str = "") -> str:
        audit_join = f" JOIN audit a ON a.id = f.audit_id{self.status}"
        group_by = f" GROUP BY {group}" if group else ""
        return (f"SELECT {columns} FROM fact_audit f{audit_join} {join} WHERE {self.clause}"
                f"{group_by} ORDER BY f.audit_id{order}")


def layout_for(raw, selection: Selection) -> Layout:
    from ..db.state import TemplateTextBroken, template_from_text

    sql = selection.select("DISTINCT a.template_hash").replace(" ORDER BY f.audit_id", "")
    hashes = [r[0] for r in raw.execute(sql, selection.params)]
    templates = []
    for h in hashes:
        row = raw.execute("SELECT key, version, text FROM template_version WHERE hash = ?",
                          (h,)).fetchone()
        try:
            templates.append(template_from_text(row[2], f"{row[0]} v{row[1]} (stored)"))
        except TemplateTextBroken:
            continue
    layout = Layout()
    standard = set(AUDIT_COLUMNS) | {"case_reference", "team", "service_area",
                                     "social_worker", "auditor", "audit_date"}
    for t in sorted(templates, key=lambda t: (t.key, -t.version)):
        for s in t.all_sections():
            if s.graded and s.key not in layout.sections:
                layout.sections.append(s.key)
        for q in t.questions():
            if q.key not in layout.prompts and q.key not in standard:
                layout.questions.append(q.key)
                layout.prompts[q.key] = (t.key, q.prompt, q.type)
    return layout


class _Feed:
    """Rows of one stream, grouped by audit id (column 0), taken in audit order."""

    def __init__(self, rows) -> None:
        self.rows = iter(rows)
        self.head = next(self.rows, None)

    def take(self, audit_id: str) -> list:
        out = []
        while self.head is not None and self.head[0] < audit_id:
            self.head = next(self.rows, None)  # an audit the main stream skipped
        while self.head is not None and self.head[0] == audit_id:
            out.append(self.head)
            self.head = next(self.rows, None)
        return out


VALUE_SQL = ("CASE WHEN n.grade IS NOT NULL THEN 'g' WHEN n.number_value IS NOT NULL THEN 'n' "
             "WHEN n.date_value IS NOT NULL THEN 'd' WHEN n.choice IS NOT NULL THEN 'c' "
             "WHEN n.choices IS NOT NULL THEN 'm' WHEN n.text IS NOT NULL THEN 't' ELSE '' END, "
             "coalesce(n.grade, n.number_value, n.date_value, n.choice, n.choices, n.text)")


def records(raw, filters: Filters, *, today: str,
            pseudonymise: Pseudonymiser | None = None) -> Iterator[Record]:
    """Every exported audit, in audit id order."""
    sel = Selection(filters)
    p = sel.params
    audits = raw.execute(sel.select(
        "a.id, a.case_reference, a.template_key, a.template_version, a.team, a.service_area, "
        "a.social_worker, a.auditor, a.audit_date, a.status, a.submitted_at, a.overall_grade, "
        "a.overall_rationale"), p)
    sections = _Feed(raw.execute(sel.select(
        "s.audit_id, s.section_key, s.grade, s.not_applicable",
        "JOIN section_result s ON s.audit_id = f.audit_id", ", s.section_key"), p))
    answers = _Feed(raw.execute(sel.select(
        f"n.audit_id, n.question_key, n.row_id, {VALUE_SQL}, n.not_applicable, n.evidence, "
        "CASE WHEN n.row_id = '' THEN NULL ELSE "
        "(SELECT r.position FROM repeat_row r WHERE r.id = n.row_id) END",
        "JOIN answer n ON n.audit_id = f.audit_id", ", n.question_key, n.row_id"), p))
    actions = _Feed(raw.execute(sel.select(
        "x.audit_id, x.description, x.owner, x.due_date, x.status, x.completed_date, x.note",
        "JOIN action x ON x.audit_id = f.audit_id", ", x.created_at"), p))
    indicators = _Feed(raw.execute(sel.select(
        "i.audit_id, i.indicator_key, i.row_id, i.label, i.unit, i.limit_value, i.amount, "
        "i.met, i.open_ended", "JOIN indicator_result i ON i.audit_id = f.audit_id",
        ", i.indicator_key, i.row_id"), p))
    hide = pseudonymise
    for a in audits:
        audit = list(a)
        audit_id = audit[0]
        if hide:
            audit[1] = hide(audit[1], "C")
            audit[6], audit[7] = hide(audit[6]), hide(audit[7])
            audit[12] = ""
        case = audit[1]
        rec = Record(audit)
        for _, key, grade, na in sections.take(audit_id):
            rec.sections[key] = NA if na else grade
        for _, key, row_id, kind, value, na, evidence, position in answers.take(audit_id):
            if kind == "n" and float(value).is_integer():
                value = int(value)
            elif kind == "m":
                value = "; ".join(json.loads(value))
            elif kind == "t" and hide:
                value = ""
            rec.answers.append([audit_id, case, key, position, row_id,
                                "" if value is None else value, "yes" if na else "",
                                "" if hide else evidence])
        for _, desc, owner, due, status, done, note in actions.take(audit_id):
            overdue = "yes" if status == "open" and due is not None and due < today else ""
            rec.actions.append([audit_id, case, "" if hide else desc,
                                hide(owner) if hide else owner, due, status, done, overdue,
                                "" if hide else note])
        for _, key, row_id, label, unit, limit, amount, met, open_ended in \
                indicators.take(audit_id):
            rec.indicators.append([audit_id, case, key, row_id, label, unit, _num(limit),
                                   _num(amount),
                                   "" if met is None else ("yes" if met else "no"),
                                   "yes" if open_ended else ""])
        yield rec


def _num(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def wide_row(rec: Record, layout: Layout) -> list:
    """One row per audit: the audit, its section grades, then a column per question (a
    repeating group's answers joined with '; ')."""
    values: dict[str, object] = {}
    for row in rec.answers:
        key, value = row[2], (NA if row[6] else row[5])
        if key in values and row[4]:
            values[key] = f"{values[key]}; {value}"
        else:
            values[key] = value
    return [*rec.audit, *[rec.sections.get(k, "") for k in layout.sections],
            *[values.get(k, "") for k in layout.questions]]


def export(*, conn, filters: Filters, fmt: str, out: Path, pseudonymise: bool = False,
           today: str | None = None) -> Written:
    """Write the export; returns the files written and how many audits and answers."""
    from datetime import date

    from . import writers_export
    from .aggregate import connection_of
    from .progress import Progress

    conn = connection_of(conn)
    raw = conn.connection.driver_connection
    snapshot = None
    if fmt == "csv" and conn.dialect.name == "sqlite":  # before `raw` reads anything
        from .export_csv import SharedSnapshot

        snapshot = SharedSnapshot.take(raw, conn.engine.url.database)
    try:
        sel = Selection(filters)
        total = raw.execute(sel.select("count(*)").replace(" ORDER BY f.audit_id", ""),
                            sel.params).fetchone()[0]
        layout = layout_for(raw, sel)
        hide = Pseudonymiser(load_key()) if pseudonymise else None
        today = today or date.today().isoformat()
        with Progress(f"Exporting {total} audits", total) as progress:
            if fmt == "csv":
                from .export_csv import write_csv_fast

                return write_csv_fast(raw, sel, layout, Path(out), today=today,
                                      pseudonymise=hide, progress=progress,
                                      snapshot=snapshot, total=total)
            stream = records(raw, filters, today=today, pseudonymise=hide)
            writer = {"xlsx": writers_export.write_xlsx, "json": writers_export.write_json}[fmt]
            return writer(stream, layout, Path(out), progress=progress, filters=filters)
    finally:
        if snapshot is not None:
            snapshot.release()  # (releasing twice does no harm)
