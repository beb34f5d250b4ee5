"""`audit-tui export`: every submitted audit the filters keep, with everything in it (the
section texts and conversations too: export_texts.py; the shared columns: export_layout.py).

The audits, their section grades, answers, actions and indicator results are read as five
streams in audit order (each from an index, none sorted in memory) and merged audit by audit,
so memory stays flat whatever the number of audits. The writers (writers_export.py) lay the
records out as CSV files, one XLSX workbook or one JSON document.

Both engines: on a SQLite file the streams are read with the sqlite3 connection itself, and
the CSV files are written by SQL (export_csv.py's fast path). On a PostgreSQL server the
streams are read each on a connection of its own, streamed in chunks as the server finds
them (never the whole result at once), all in the snapshot of one read-only REPEATABLE READ
transaction, so the five streams see the same audits (server_streams.py), ordered by
code point (COLLATE "C", as SQLite and Python compare), and the CSV files are written in Python
(export_csv_rows.write_csv_rows) to the same bytes the SQLite path writes for the same data. Values
are handed on in SQLite's shapes whatever the engine: dates as 'YYYY-MM-DD', times as
'YYYY-MM-DD HH:MM:SS.ffffff', so every format reads the same from both.

Grades are the ones the reports count: where a moderator changed one, the moderator's, with
the auditor's in three columns after the section grades (writers_export.with_moderation for
xlsx and json, the same cells in the CSV audits file); names and comments never go with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

from .export_layout import (  # noqa: F401 (AUDIT_COLUMNS, Layout, Record, ...: the export's names)
    ACTION_COLUMNS,
    ANSWER_COLUMNS,
    AUDIT_COLUMNS,
    INDICATOR_COLUMNS,
    NA,
    Layout,
    Question,
    Record,
    Selection,
    Written,
    as_text,
    moderated_by_audit,
    value_of,
    wide_row,
)
from .filters import Filters
from .pseudonym import Pseudonymiser, load_key

class Reader:
    """Runs the export's SQL (written with SQLite's `?` and `:name`) on either engine:
    `rows()` gives an iterable of rows. On SQLite, the sqlite3 connection under `conn`; on
    PostgreSQL, a server-side cursor per query, fetched BATCH rows at a time."""

    BATCH = 2000

    def __init__(self, conn, streams=None) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.raw = None if self.postgres else conn.connection.driver_connection
        self.streams = streams  # server_streams.SideStreams (a server) or None

    def rows(self, sql: str, params=()):
        if self.raw is not None:
            return self.raw.execute(sql, params)
        return self.conn.execution_options(stream_results=True, yield_per=self.BATCH) \
            .exec_driver_sql(sql, params)

    def stream(self, sql: str, params=()):
        """The rows of one of the export's long ordered streams: on a server with side
        streams, streamed on a connection of its own (server_streams.py), else `rows()`."""
        if self.streams is not None:
            return self.streams.rows(sql, params)
        return self.rows(sql, params)

    def close(self) -> None:
        if self.streams is not None:
            self.streams.close()

    def one(self, sql: str, params=()):
        if self.raw is not None:
            return self.raw.execute(sql, params).fetchone()
        return self.conn.exec_driver_sql(sql, params).fetchone()


def layout_for(reader: Reader, selection: Selection) -> Layout:
    from ..db.state import TemplateTextBroken, template_from_text

    hashes = [r[0] for r in reader.rows(selection.unordered("DISTINCT a.template_hash"),
                                        selection.params)]
    templates = []
    for h in hashes:
        row = reader.one("SELECT key, version, text FROM template_version WHERE hash = ?",
                         (h,))
        try:
            templates.append(template_from_text(row[2], f"{row[0]} v{row[1]} (stored)"))
        except TemplateTextBroken:
            continue
    layout = Layout()
    standard = set(AUDIT_COLUMNS) | {"case_reference", "team", "service_area",
                                     "social_worker", "auditor", "audit_date"}
    seen: set[str] = set()
    for t in sorted(templates, key=lambda t: (t.key, -t.version)):
        for s in t.all_sections():
            layout.titles[(t.key, t.version, s.key)] = s.title
            if s.graded and s.key not in layout.sections:
                layout.sections.append(s.key)
        for q in t.questions():
            if q.key in standard:
                continue
            layout.questions_list.append(Question(
                t.key, t.version, q.key, layout.titles.get((t.key, t.version, q.section), ""),
                q.prompt, q.type))
            if q.key not in seen:
                seen.add(q.key)
                layout.questions.append(q.key)
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


ANSWER_VALUES = "n.grade, n.number_value, n.date_value, n.choice, n.choices, n.text"


@dataclass
class Parts:
    """One exported audit as the database holds it (dates and times as SQLite's texts)."""

    audit: list  # the AUDIT_COLUMNS
    sections: list  # (audit id, section key, grade, not applicable)
    answers: list  # (audit id, question key, row id, grade, number, date, choice, choices,
    #               text, not applicable, evidence, row position or None)
    actions: list  # (audit id, description, owner, due, status, completed, note)
    indicators: list  # (audit id, key, row id, label, unit, limit, amount, met, open ended)


def audit_parts(reader: Reader, sel: Selection) -> Iterator[Parts]:
    """Every exported audit with its rows, in audit id order, from five ordered streams."""
    p = sel.params
    audits = reader.stream(sel.select(
        "a.id, a.case_reference, a.template_key, a.template_version, a.team, a.service_area, "
        "a.social_worker, a.auditor, a.audit_date, a.status, a.submitted_at, a.overall_grade, "
        "a.overall_rationale"), p)
    sections = _Feed(reader.stream(sel.select(
        "s.audit_id, s.section_key, s.grade, s.not_applicable",
        "JOIN section_result s ON s.audit_id = f.audit_id", sel.by("s.section_key")), p))
    answers = _Feed(reader.stream(sel.select(
        f"n.audit_id, n.question_key, n.row_id, {ANSWER_VALUES}, n.not_applicable, "
        "n.evidence, CASE WHEN n.row_id = '' THEN NULL ELSE "
        "(SELECT r.position FROM repeat_row r WHERE r.id = n.row_id) END",
        "JOIN answer n ON n.audit_id = f.audit_id", sel.by("n.question_key", "n.row_id")), p))
    actions = _Feed(reader.stream(sel.select(
        "x.audit_id, x.description, x.owner, x.due_date, x.status, x.completed_date, x.note",
        "JOIN action x ON x.audit_id = f.audit_id",
        ", x.created_at" + (sel.by("x.id") if reader.postgres else "")), p))
    indicators = _Feed(reader.stream(sel.select(
        "i.audit_id, i.indicator_key, i.row_id, i.label, i.unit, i.limit_value, i.amount, "
        "i.met, i.open_ended", "JOIN indicator_result i ON i.audit_id = f.audit_id",
        sel.by("i.indicator_key", "i.row_id")), p))
    for a in audits:
        audit = list(a)
        audit_id = audit[0]
        if reader.postgres:
            audit[8], audit[10] = as_text(audit[8]), as_text(audit[10])
            found = [(x[0], x[1], x[2], as_text(x[3]), x[4], as_text(x[5]), x[6])
                     for x in actions.take(audit_id)]
        else:
            found = actions.take(audit_id)
        yield Parts(audit, sections.take(audit_id), answers.take(audit_id), found,
                    indicators.take(audit_id))


def records(reader: Reader, filters: Filters, *, today: str,
            pseudonymise: Pseudonymiser | None = None,
            layout: Layout | None = None) -> Iterator[Record]:
    """Every exported audit, in audit id order, with its section texts and conversations
    (export_texts; their titles from `layout`). Pseudonymised: the audit's id, its repeating
    groups' row ids, the case reference and names as keyed pseudonyms, no free text."""
    from . import export_texts

    sel = Selection(filters, postgres=reader.postgres)
    hide = pseudonymise
    maker = export_texts.TextRows(layout or layout_for(reader, sel), hide,
                                  moderated_by_audit(reader))
    texts = {name: _Feed(rows)
             for name, rows in export_texts.streams(reader.stream, sel).items()}
    for parts in audit_parts(reader, sel):
        audit = parts.audit
        key = audit[0]
        if hide:
            audit[0] = hide(key, "A")
            audit[1] = hide(audit[1], "C")
            audit[6], audit[7] = hide(audit[6]), hide(audit[7])
            audit[12] = ""
        audit_id, case = audit[0], audit[1]
        rec = Record(audit, key=key)
        for _, section, grade, na in parts.sections:
            rec.sections[section] = NA if na else grade
        for _, question, row_id, *values, na, evidence, position in parts.answers:
            kind, value = value_of(*values)
            if kind == "n" and float(value).is_integer():
                value = int(value)
            elif kind == "m":
                value = "; ".join(json.loads(value))
            elif kind == "t" and hide:
                value = ""
            rec.answers.append([audit_id, case, question, position,
                                hide(row_id, "R") if hide else row_id,
                                "" if value is None else value, "yes" if na else "",
                                "" if hide else evidence])
        for _, desc, owner, due, status, done, note in parts.actions:
            overdue = "yes" if status == "open" and due is not None and due < today else ""
            rec.actions.append([audit_id, case, "" if hide else desc,
                                hide(owner) if hide else owner, due, status, done, overdue,
                                "" if hide else note])
        for _, ind, row_id, label, unit, limit, amount, met, open_ended in parts.indicators:
            rec.indicators.append([audit_id, case, ind, hide(row_id, "R") if hide else row_id,
                                   label, unit, _num(limit), _num(amount),
                                   "" if met is None else ("yes" if met else "no"),
                                   "yes" if open_ended else ""])
        rec.texts = [maker.section(r) for r in texts["sections"].take(key)]
        rec.conversation = [maker.conversation(r) for r in texts["conversation"].take(key)]
        rec.feedback = [maker.feedback(r) for r in texts["feedback"].take(key)]
        yield rec


def _num(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def export(*, conn, filters: Filters, fmt: str, out: Path, pseudonymise: bool = False,
           today: str | None = None) -> Written:
    """Write the export; returns the files written and how many audits and answers. All or
    nothing: the files are written in a private folder beside `out` and put in place once
    every one is complete (safe.Staged)."""
    from .safe import Staged

    with Staged(Path(out)) as staged:
        written = _export_from(conn, filters=filters, fmt=fmt, out=staged.path,
                               pseudonymise=pseudonymise, today=today)
        written.files = staged.place(written.files)
    return written


def _export_from(conn, *, filters: Filters, fmt: str, out: Path, pseudonymise: bool,
                 today: str | None) -> Written:
    from .aggregate import connection_of

    conn = connection_of(conn)
    if conn.dialect.name == "postgresql":
        # A connection of its own, in one snapshot for every stream (see the docstring).
        with conn.engine.connect() as own:
            own = own.execution_options(isolation_level="REPEATABLE READ",
                                        postgresql_readonly=True)
            with own.begin():
                from .server_streams import SideStreams

                # (before anything is read: the snapshot the streams and a helper join)
                reader = Reader(own, SideStreams.exported_by(own))
                server = None
                if fmt == "csv":
                    from .export_csv_split import ServerSnapshot

                    server = ServerSnapshot.take(own, reader.streams)
                try:
                    return _export(reader, server, filters=filters, fmt=fmt, out=out,
                                   pseudonymise=pseudonymise, today=today)
                finally:
                    reader.close()
    raw = conn.connection.driver_connection
    snapshot = None
    if fmt == "csv":  # before `raw` reads anything
        from .export_csv import SharedSnapshot

        snapshot = SharedSnapshot.take(raw, conn.engine.url.database)
    try:
        return _export(Reader(conn), snapshot, filters=filters, fmt=fmt, out=out,
                       pseudonymise=pseudonymise, today=today)
    finally:
        if snapshot is not None:
            snapshot.release()  # (releasing twice does no harm)


def _export(reader: Reader, snapshot, *, filters: Filters, fmt: str, out: Path,
            pseudonymise: bool, today: str | None) -> Written:
    from . import writers_export
    from .progress import Progress

    sel = Selection(filters, postgres=reader.postgres)
    total = reader.one(sel.unordered("count(*)"), sel.params)[0]
    layout = layout_for(reader, sel)
    hide = Pseudonymiser(load_key()) if pseudonymise else None
    today = today or date.today().isoformat()
    with Progress(f"Exporting {total} audits", total) as progress:
        if fmt == "csv":
            # the grades a moderator changed (few: read at once, before the streams)
            moderated = moderated_by_audit(reader)
        if fmt == "csv" and reader.raw is not None:
            from .export_csv import write_csv_fast

            return write_csv_fast(reader.raw, sel, layout, Path(out), today=today,
                                  pseudonymise=hide, progress=progress, snapshot=snapshot,
                                  total=total, moderated=moderated)
        if fmt == "csv":  # a server: from rows, the last audits by a helper (see split)
            from .export_csv_rows import write_csv_rows
            from .export_csv_split import split

            mine, second = split(reader, sel, total, snapshot, layout=layout, out=Path(out),
                                 today=today, pseudonymise=hide, moderated=moderated)
            return write_csv_rows(audit_parts(reader, mine), layout, Path(out), reader=reader,
                                  selection=sel, today=today, pseudonymise=hide,
                                  progress=progress, moderated=moderated, second=second)
        stream = writers_export.with_moderation(
            reader, records(reader, filters, today=today, pseudonymise=hide, layout=layout))
        from .export_xlsx import write_xlsx

        writer = {"xlsx": write_xlsx, "json": writers_export.write_json}[fmt]
        return writer(stream, layout, Path(out), progress=progress, filters=filters)
