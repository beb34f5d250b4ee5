"""The CSV export from rows, where the database is a server: the same four files, byte for
byte, as export_csv's SQL writes for the same data (that path needs SQLite's own functions).
Each value is made in Python as the SQL makes it there (`number_text` as `number()`,
`_neutral` as `neutral()`), and csv.writer quotes as `cell()` does."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from . import export_texts
from .export_layout import (ACTION_COLUMNS, ANSWER_COLUMNS, BOM, INDICATOR_COLUMNS, NA,
                            UNMODERATED, Layout, Written, audit_columns, csv_paths, moderate,
                            open_csv, placed, value_of)
from .safe import FORMULA_STARTS


def number_text(value) -> object:
    """A REAL as `number()` writes it in SQL: a whole number as an integer, others as the
    shorter of '%.15g' and '%.17g' that reads back exactly; None stays None."""
    if value is None:
        return None
    value = float(value)
    if abs(value) < 2 ** 63 and value.is_integer():
        return int(value)
    short = "%.15g" % value
    return short if float(short) == value else "%.17g" % value


def _neutral(value):
    """`neutral()` in Python: a text with a leading =, +, -, @, tab or CR neutralised."""
    if value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


def answer_value(grade, number, day, choice, choices, text, na: bool, hide: bool):
    """`value_sql(hide, neutral)` in Python (csv.writer does the quoting)."""
    if na:
        return None
    kind, value = value_of(grade, number, day, choice, choices, text)
    if kind == "g":
        return value
    if kind == "n":
        return number_text(value)
    if kind == "d" or (kind == "c" and value in ("yes", "no")):
        return value
    if kind == "c":
        return _neutral(value)
    if kind == "m":
        items = json.loads(value)
        return _neutral("; ".join(v if isinstance(v, str) else json.dumps(v) for v in items)) \
            if items else None
    if kind == "t":
        return None if hide else _neutral(value)
    return None


def write_csv_rows(parts, layout: Layout, out: Path, *, reader, selection, today: str,
                   pseudonymise=None, progress=None, moderated: dict | None = None,
                   second=None) -> Written:
    """The four CSV files from `parts` (export.audit_parts: one audit at a time, in audit id
    order), byte for byte what write_csv_fast's SQL writes for the same data: used where the
    database is a server. Everything goes through csv.writer, which quotes as `cell()` does.
    `moderated`: export_layout.moderated_by_audit (none moderated when None). `reader` (the
    export's Reader) and `selection` read the section texts and conversations afterwards
    (export_texts.write_csv). `second` (export_csv_split.SecondHalf, started): a helper
    writing the audits after `parts` into files of its own, and the texts; its rows are
    appended here, after these."""
    paths = csv_paths(out)
    written = Written(list(paths.values()))
    handles = {}
    try:
        for key in ROW_FILES:
            handles[key] = open_csv(paths[key])
            handles[key].write(BOM)
        writers = {k: csv.writer(handles[k], lineterminator="\r\n") for k in ROW_FILES}
        writers["audits"].writerow(audit_columns(layout, True))
        writers["answers"].writerow(ANSWER_COLUMNS)
        writers["actions"].writerow(ACTION_COLUMNS)
        writers["indicators"].writerow(INDICATOR_COLUMNS)
        count, answers = write_rows(parts, layout, writers, today=today,
                                    pseudonymise=pseudonymise, progress=progress,
                                    moderated=moderated or {})
        if second is not None:
            theirs = second.finish(handles, progress)
            count, answers = count + theirs[0], answers + theirs[1]
        written.audits, written.answers = count, answers
    finally:
        if second is not None:
            second.close()
        for h in handles.values():
            h.close()
    if second is None:
        write_texts(reader, selection, paths, layout, pseudonymise, moderated or {})
    return written


ROW_FILES = ("audits", "answers", "actions", "indicators")


def write_texts(reader, selection, paths: dict, layout: Layout, pseudonymise,
                moderated: dict) -> None:
    """The section texts, conversations and feedback files (export_texts)."""
    export_texts.write_csv(reader.stream, selection, paths,
                           export_texts.TextRows(layout, pseudonymise, moderated))


def write_rows(parts, layout: Layout, writers: dict, *, today: str, pseudonymise=None,
               progress=None, moderated: dict) -> tuple[int, int]:
    """The rows of `parts` in the four files' csv.writers (ROW_FILES); returns how many
    audits and answers."""
    hide = pseudonymise
    wide, long, acts, inds = (writers[k] for k in ROW_FILES)
    empty_sections = dict.fromkeys(layout.sections, "")
    empty_questions = dict.fromkeys(layout.questions, "")
    count = answers = 0
    for part in parts:
        a = part.audit
        audit_id = a[0]  # (the real one: for the moderation)
        if hide:
            case = hide(a[1], "C")
            people = [_neutral(hide(a[6])), _neutral(hide(a[7]))]
        else:
            case = a[1]
            people = [_neutral(a[6]), _neutral(a[7])]
        case_cell = _neutral(case)
        ident = hide(audit_id, "A") if hide else audit_id
        grades = empty_sections.copy()
        for _, key, grade, na in part.sections:
            if key in grades:
                grades[key] = NA if na else ("" if grade is None else grade)
        keys, found = [], []
        for (_, key, row_id, *values, na, evidence, position) in part.answers:
            value = answer_value(*values, na, hide is not None)
            keys.append(key)
            found.append(NA if na else ("" if value is None else value))
            long.writerow([ident, case_cell, key, position,
                           hide(row_id, "R") if hide else row_id, value,
                           "yes" if na else "", None if hide else _neutral(evidence)])
        answers += len(keys)
        audit = [ident, case_cell, a[2], a[3], _neutral(a[4]), _neutral(a[5]),
                 *people, a[8], a[9], a[10], a[11], "" if hide else _neutral(a[12])]
        cells = UNMODERATED
        if (m := moderated.get(audit_id)) is not None:
            audit, grades, cells = moderate(audit, grades, m)
        wide.writerow([*audit, *grades.values(), *cells,
                       *placed(empty_questions, keys, found).values()])
        for _, desc, owner, due, status, done, note in part.actions:
            acts.writerow([ident, case_cell, "" if hide else _neutral(desc),
                           _neutral(hide(owner) if hide else owner), due, status, done,
                           "yes" if status == "open" and due is not None and due < today
                           else "", "" if hide else _neutral(note)])
        for _, key, row_id, label, unit, limit, amount, met, open_ended in part.indicators:
            inds.writerow([ident, case_cell, key, hide(row_id, "R") if hide else row_id,
                           _neutral(label),
                           _neutral(unit), number_text(limit), number_text(amount),
                           {1: "yes", 0: "no"}.get(None if met is None else int(met), ""),
                           "yes" if open_ended else ""])
        count += 1
        if progress is not None and count % 256 == 0:
            progress.advance(256)
    if progress is not None:
        progress.advance(count % 256)
    return count, answers
