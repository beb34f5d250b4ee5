"""What every export writer shares: the columns, one audit's record, the wide form's layout,
the selection's SQL and the moderated grades. It sits below the writers (export.py on top;
export_csv.py, export_csv_rows.py and writers_export.py under it; this module under them all),
so no writer imports another's module to learn a column.

Moderation: the grade the reports count (a moderator's, where one still applies) goes in the
overall and section grade cells; records carrying a `moderation` get three more columns after
the section grades (MODERATION_COLUMNS): moderated (yes when a moderator agreed or changed any
grade that still stands), auditor_overall_grade (the auditor's grade where a moderator changed
it, the '*' of the other reports) and auditor_section_grades ("plan: 3; voice: 2", the same
for sections). No names or comments: an export stays as private as its pseudonymising allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from .filters import Filters, where
from .safe import open_private

AUDIT_COLUMNS = ["audit_id", "case_reference", "template", "template_version", "team",
                 "service_area", "social_worker", "auditor", "audit_date", "status",
                 "submitted_at", "overall_grade", "overall_rationale"]
ANSWER_COLUMNS = ["audit_id", "case_reference", "question_key", "row", "row_id", "value",
                  "not_applicable", "evidence"]
ACTION_COLUMNS = ["audit_id", "case_reference", "description", "owner", "due_date", "status",
                  "completed_date", "overdue", "note"]
INDICATOR_COLUMNS = ["audit_id", "case_reference", "indicator_key", "row_id", "label", "unit",
                     "limit", "amount", "met", "still_open"]
MODERATION_COLUMNS = ["moderated", "auditor_overall_grade", "auditor_section_grades"]
OVERALL_GRADE = AUDIT_COLUMNS.index("overall_grade")
NA = "n/a"
BOM = "\ufeff"  # written first in every CSV file: Excel then reads it as UTF-8


@dataclass
class Record:
    """One audit and everything in it, ready to write (names already pseudonymised; `key` is
    the audit's real id, for finding its moderation, even where audit[0] is a pseudonym)."""

    audit: list
    sections: dict[str, object] = field(default_factory=dict)  # section key -> grade or n/a
    answers: list[list] = field(default_factory=list)  # rows of ANSWER_COLUMNS
    actions: list[list] = field(default_factory=list)
    indicators: list[list] = field(default_factory=list)
    key: str = ""
    texts: list[list] = field(default_factory=list)  # rows of export_texts.SECTION_COLUMNS
    conversation: list[list] = field(default_factory=list)  # of CONVERSATION_COLUMNS
    feedback: list[list] = field(default_factory=list)  # of FEEDBACK_COLUMNS

    @property
    def audit_id(self) -> str:
        return self.key or self.audit[0]


@dataclass
class Written:
    files: list[Path]
    audits: int = 0
    answers: int = 0


@dataclass
class Question:
    """One question of one template version, as the export's question list shows it."""

    template: str
    version: int
    key: str
    section: str  # the title of the (sub-)section it sits in ('' for the case details)
    prompt: str
    type: str


@dataclass
class Layout:
    """The wide form's columns: graded sections, then questions, over the exported templates;
    `questions_list` every question of every exported template version (keyed by template,
    version and question), `titles` (template, version, section key) -> the section's title."""

    sections: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    questions_list: list[Question] = field(default_factory=list)
    titles: dict[tuple[str, int, str], str] = field(default_factory=dict)

    def columns(self) -> list[str]:
        return [*AUDIT_COLUMNS, *[f"grade:{k}" for k in self.sections], *self.questions]

    def title(self, template: str, version, section: str) -> str:
        return self.titles.get((template, int(version), section), "")


class Selection:
    """The SQL for the audits `filters` keep, as `f` (fact_audit) joined to `a` (audit).
    `postgres`: texts are ordered by code point there too (COLLATE "C")."""

    def __init__(self, filters: Filters, *, postgres: bool = False) -> None:
        _, clause, params = where(replace(filters, status=None))
        self.status = ""
        if filters.status:
            self.status = " AND a.status = :status"
            params["status"] = filters.status
        self.clause, self.params = clause, params
        self.collate = ' COLLATE "C"' if postgres else ""

    def by(self, *texts: str) -> str:
        """An ORDER BY continuation (", x, y") for text columns, in code point order."""
        return "".join(f", {t}{self.collate}" for t in texts)

    def select(self, columns: str, join: str = "", order: str = "", group: str = "") -> str:
        """`columns` of the audits kept (`f`, `a`) and their rows in `join`, in audit id order
        and then `order`.

        On PostgreSQL the audits are first put in order on their own, in a subquery, and
        their rows joined to them one audit at a time (an index lookup each), so that each
        audit's few rows are sorted apart (an incremental sort) and the rows stream from the
        first audit on. Written as one join, the server hashed the whole table (4 million
        answers at 100,000 audits) and sorted it all before it sent the first row: 4 s of a
        25 s export that the export spent waiting (issue 17)."""
        group_by = f" GROUP BY {group}" if group else ""
        if self.collate:
            return (f"SELECT {columns} FROM (SELECT f.* FROM fact_audit f JOIN audit a ON "
                    f"a.id = f.audit_id{self.status} WHERE {self.clause} ORDER BY "
                    f"f.audit_id{self.collate}) f JOIN audit a ON a.id = f.audit_id {join}"
                    f"{group_by} ORDER BY f.audit_id{self.collate}{order}")
        return (f"SELECT {columns} FROM fact_audit f{self._audits()} {join} WHERE "
                f"{self.clause}{group_by} ORDER BY f.audit_id{order}")

    def unordered(self, columns: str) -> str:
        return f"SELECT {columns} FROM fact_audit f{self._audits()} WHERE {self.clause}"

    def _audits(self) -> str:
        return f" JOIN audit a ON a.id = f.audit_id{self.status}"


def as_text(value):
    """A date or time as SQLite keeps it ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS.ffffff');
    anything else as it is."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def value_of(grade, number, day, choice, choices, text) -> tuple[str, object]:
    """(kind, value) of an answer: the first of its value columns that is set, in this order
    ('g' grade, 'n' number, 'd' date as 'YYYY-MM-DD', 'c' choice, 'm' choices as JSON,
    't' text; '' and None when none is)."""
    if grade is not None:
        return "g", grade
    if number is not None:
        return "n", number
    if day is not None:
        return "d", as_text(day)
    if choice is not None:
        return "c", choice
    if choices is not None:
        return "m", choices
    if text is not None:
        return "t", text
    return "", None


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


# -- moderation ---------------------------------------------------------------------------
def moderations(reader) -> dict[str, dict[str, tuple[int, int]]]:
    """audit id -> section key ('' the overall grade) -> (the auditor's grade, the
    moderator's), for every moderation that still applies (reports/moderated.py). `reader`
    is the export's Reader (or a DB-API connection); the moderations are few, so they are
    read at once, with SQL both engines run."""
    from .moderated import _moderations

    sql = ("SELECT m.audit_id, m.section_key, m.auditor_grade, m.moderator_grade "
           + _moderations(False))
    rows = reader.rows(sql) if hasattr(reader, "rows") else reader.execute(sql)
    found: dict[str, dict[str, tuple[int, int]]] = {}
    for audit_id, key, auditor, moderator in rows:
        found.setdefault(audit_id, {})[key] = (int(auditor), int(moderator))
    return found


class Moderated:
    """One audit's moderation as the export shows it: the moderator's grades that replace
    the auditor's (`overall`, None when kept; `sections`, key -> grade) and `moderation`,
    the record's (see writers_export.with_moderation)."""

    __slots__ = ("overall", "sections", "moderation")

    def __init__(self, grades: dict[str, tuple[int, int]]) -> None:
        self.overall, self.sections = None, {}
        auditor_overall, auditor_sections = None, {}
        for key, (auditor, moderator) in sorted(grades.items()):
            if auditor == moderator:
                continue
            if key == "":
                self.overall, auditor_overall = moderator, auditor
            else:
                self.sections[key], auditor_sections[key] = moderator, auditor
        self.moderation = {"moderated": bool(grades), "auditor_overall_grade": auditor_overall,
                           "auditor_section_grades": auditor_sections}

    def cells(self) -> list:
        """The MODERATION_COLUMNS' cells."""
        return moderation_cells(self.moderation)


def moderated_by_audit(reader) -> dict[str, Moderated]:
    """audit id -> Moderated, for the audits with a moderation that still applies."""
    return {audit_id: Moderated(grades) for audit_id, grades in moderations(reader).items()}


UNMODERATED = ["", None, ""]  # the MODERATION_COLUMNS' cells of an audit never moderated


def moderation_cells(m: dict) -> list:
    return ["yes" if m["moderated"] else "", m["auditor_overall_grade"],
            "; ".join(f"{k}: {g}" for k, g in m["auditor_section_grades"].items())]


def audit_columns(layout: Layout, moderated: bool) -> list[str]:
    """The wide form's columns: the moderation columns after the section grades."""
    columns = layout.columns()
    if not moderated:
        return columns
    at = len(AUDIT_COLUMNS) + len(layout.sections)
    return columns[:at] + MODERATION_COLUMNS + columns[at:]


def audit_row(rec: Record, layout: Layout) -> list:
    row = wide_row(rec, layout)
    if not hasattr(rec, "moderation"):
        return row
    at = len(AUDIT_COLUMNS) + len(layout.sections)
    return row[:at] + moderation_cells(rec.moderation) + row[at:]


def moderate(audit, grades: dict, m: Moderated) -> tuple[list, dict, list]:
    """An audit's columns, section grades and moderation cells with the moderator's grades
    (`m`) in place of the auditor's."""
    audit = list(audit)
    if m.overall is not None:
        audit[OVERALL_GRADE] = m.overall
    if m.sections:
        grades = grades.copy()
        for key, grade in m.sections.items():
            if key in grades:
                grades[key] = grade
    return audit, grades, m.cells()


# -- the CSV files ------------------------------------------------------------------------
def csv_paths(out: Path) -> dict[str, Path]:
    """The CSV export's files: FILE, then FILE-answers, -actions, -indicators, -sections,
    -conversation and -feedback beside it."""
    suffix = out.suffix or ".csv"
    return {"audits": out if out.suffix else out.with_suffix(".csv"),
            **{name: out.with_name(f"{out.stem}-{name}{suffix}")
               for name in ("answers", "actions", "indicators", "sections", "conversation",
                            "feedback")}}


def append_file(handle, path) -> None:
    """Add the bytes of the file at `path` (a part another reader wrote) to the end of the
    text file `handle` (open_csv): as bytes, never decoded and encoded again."""
    import shutil

    handle.flush()
    with open(path, "rb") as part:
        shutil.copyfileobj(part, handle.buffer, 1 << 20)


def open_csv(path: Path):
    """A private UTF-8 file for CSV text, handing the system a megabyte at a time (not 8 KB:
    the answers file alone is hundreds of megabytes)."""
    handle = open_private(path, encoding="utf-8", newline="")
    try:
        handle._CHUNK_SIZE = 1 << 20  # (CPython's text files; harmless where it is not)
    except AttributeError:  # pragma: no cover
        pass
    return handle


def placed(empty: dict, keys: list, found: list) -> dict:
    """The question columns for answers whose keys repeat (a repeating group's rows, joined
    with '; ' in row order) or are not columns of the layout (left out)."""
    values = empty.copy()
    seen = set()
    for key, value in zip(keys, found):
        if key not in values:
            continue
        if key in seen:
            values[key] = f"{values[key]}; {value}"
        else:
            seen.add(key)
            values[key] = value
    return values
