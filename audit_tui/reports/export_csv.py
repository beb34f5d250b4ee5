"""The CSV export, written straight from SQL: SQLite formats and neutralises every cell and the
csv module writes the rows as they come, so millions of answers pass through Python's loop
only once, without a Python call per cell.

Files: FILE (one row per audit, a column per graded section and per question), FILE-answers
(one row per answer), FILE-actions, FILE-indicators; UTF-8 with a byte-order mark, CRLF.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .export import (
    ACTION_COLUMNS,
    ANSWER_COLUMNS,
    INDICATOR_COLUMNS,
    Layout,
    Selection,
    Written,
)
from .safe import open_private

SEP_ITEM, SEP_PAIR = "\x1e", "\x1f"  # record and unit separators: never typed into an answer


def safe(expr: str) -> str:
    """SQL for `expr` with a leading =, +, -, @, tab or CR neutralised (texts only)."""
    return (f"CASE WHEN typeof({expr}) = 'text' AND substr({expr}, 1, 1) IN "
            f"('=', '+', '-', '@', char(9), char(13)) THEN '''' || {expr} ELSE {expr} END")


def value_sql(hide: bool) -> str:
    """An answer's value as text or number: grades and whole numbers as integers, several
    choices joined with '; ', free text left out when pseudonymising."""
    text = "''" if hide else "n.text"
    return ("CASE WHEN n.not_applicable THEN NULL "
            "WHEN n.grade IS NOT NULL THEN n.grade "
            "WHEN n.number_value IS NOT NULL THEN CASE WHEN n.number_value = "
            "CAST(n.number_value AS INTEGER) THEN CAST(n.number_value AS INTEGER) "
            "ELSE n.number_value END "
            "WHEN n.date_value IS NOT NULL THEN n.date_value "
            "WHEN n.choice IS NOT NULL THEN n.choice "
            "WHEN n.choices IS NOT NULL THEN (SELECT group_concat(value, '; ') FROM "
            "json_each(n.choices)) "
            f"ELSE {text} END")


def write_csv_fast(raw, selection: Selection, layout: Layout, out: Path, *, today: str,
                   pseudonymise=None, progress=None) -> Written:
    from .writers_export import csv_paths

    hide = pseudonymise is not None
    if hide:
        raw.create_function("pseudo", 2, lambda v, k: pseudonymise(v, k), deterministic=True)

    def name(expr: str, kind: str = "P") -> str:
        return f"pseudo({expr}, '{kind}')" if hide else expr

    params = {**selection.params, "today": today}
    case = safe(name("a.case_reference", "C"))
    paths = csv_paths(out)
    written = Written(list(paths.values()))
    handles = {key: open_private(path, encoding="utf-8-sig", newline="")
               for key, path in paths.items()}
    try:
        writers = {key: csv.writer(h, lineterminator="\r\n") for key, h in handles.items()}
        # one row per audit
        value = safe(value_sql(hide))
        audits = raw.execute(selection.select(
            f"a.id, {case}, a.template_key, a.template_version, {safe('a.team')}, "
            f"{safe('a.service_area')}, {safe(name('a.social_worker'))}, "
            f"{safe(name('a.auditor'))}, a.audit_date, a.status, a.submitted_at, "
            f"a.overall_grade, {safe(chr(39) * 2 if hide else 'a.overall_rationale')}, "
            "(SELECT group_concat(s.section_key || char(31) || CASE WHEN s.not_applicable "
            "THEN 'n/a' ELSE coalesce(s.grade, '') END, char(30)) FROM section_result s "
            "WHERE s.audit_id = f.audit_id), "
            "(SELECT group_concat(n.question_key || char(31) || CASE WHEN n.not_applicable "
            f"THEN 'n/a' ELSE coalesce({value}, '') END, char(30)) FROM answer n "
            "WHERE n.audit_id = f.audit_id)"), params)
        w = writers["audits"]
        w.writerow(layout.columns())
        sections, questions = layout.sections, layout.questions
        for row in audits:
            grades = dict(p.split(SEP_PAIR, 1) for p in row[13].split(SEP_ITEM)) if row[13] \
                else {}
            answers: dict[str, str] = {}
            if row[14]:
                pairs = row[14].split(SEP_ITEM)
                written.answers += len(pairs)
                for pair in pairs:
                    key, _, val = pair.partition(SEP_PAIR)
                    answers[key] = f"{answers[key]}; {val}" if key in answers else val
            w.writerow([*row[:13], *[grades.get(k, "") for k in sections],
                        *[answers.get(k, "") for k in questions]])
            written.audits += 1
            if progress is not None and written.audits % 500 == 0:
                progress.advance(500)
        # one row per answer
        writers["answers"].writerow(ANSWER_COLUMNS)
        answers_cursor = raw.execute(selection.select(
            f"n.audit_id, {case}, n.question_key, CASE WHEN n.row_id = '' THEN NULL ELSE "
            "(SELECT r.position FROM repeat_row r WHERE r.id = n.row_id) END, n.row_id, "
            f"{value}, CASE WHEN n.not_applicable THEN 'yes' ELSE '' END, "
            f"{safe(chr(39) * 2 if hide else 'n.evidence')}",
            "JOIN answer n ON n.audit_id = f.audit_id", ", n.question_key, n.row_id"), params)
        writers["answers"].writerows(answers_cursor)
        # actions and indicator results
        writers["actions"].writerow(ACTION_COLUMNS)
        writers["actions"].writerows(raw.execute(selection.select(
            f"x.audit_id, {case}, {safe(chr(39) * 2 if hide else 'x.description')}, "
            f"{safe(name('x.owner'))}, x.due_date, x.status, x.completed_date, "
            "CASE WHEN x.status = 'open' AND x.due_date < :today THEN 'yes' ELSE '' END, "
            f"{safe(chr(39) * 2 if hide else 'x.note')}",
            "JOIN action x ON x.audit_id = f.audit_id", ", x.created_at"), params))
        writers["indicators"].writerow(INDICATOR_COLUMNS)
        number = ("CASE WHEN {0} = CAST({0} AS INTEGER) THEN CAST({0} AS INTEGER) "
                  "ELSE {0} END")
        writers["indicators"].writerows(raw.execute(selection.select(
            f"i.audit_id, {case}, i.indicator_key, i.row_id, {safe('i.label')}, i.unit, "
            f"{number.format('i.limit_value')}, {number.format('i.amount')}, "
            "CASE i.met WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE '' END, "
            "CASE WHEN i.open_ended THEN 'yes' ELSE '' END",
            "JOIN indicator_result i ON i.audit_id = f.audit_id",
            ", i.indicator_key, i.row_id"), params))
    finally:
        for h in handles.values():
            h.close()
    return written
