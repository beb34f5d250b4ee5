"""The CSV export, written straight from SQL, audit by audit, on both cores.

Files: FILE (one row per audit, a column per graded section and per question), FILE-answers
(one row per answer), FILE-actions, FILE-indicators; UTF-8 with a byte-order mark, CRLF. All
four stay: the wide file is what a spreadsheet user filters, the long ones are what another
tool joins (a repeating group's rows, evidence notes and row numbers only fit there).

Millions of answers never pass one by one through Python. One ordered pass over the answers
(the audits in id order, then each audit's answers from the index that starts with the audit
id: nothing is sorted, nothing is held but one audit) hands Python one row per audit with
- its audit columns and section grades;
- its answers' keys and values, which a second thread places in the audit's wide row with
  dict operations (csv.writer quotes the cells);
- its block of lines for the answers file, laid out as CSV text by SQLite (group_concat),
  which is written in one call. The indicators file is made the same way.
SQLite neutralises every text cell that could start a formula (a leading apostrophe before
=, +, -, @, tab or CR) and quotes what csv.writer would quote (a comma, a double quote, CR or
LF inside: in double quotes, inner quotes doubled), so the files are what csv.writer would
have written. A case reference is made into its cell once an audit, not once an answer.
The wide file carries the grades the reports count: where a moderator changed a grade, the
moderator's, with the auditor's in the moderation columns (writers_export.MODERATION_COLUMNS);
the moderations are few, read once, and an audit costs one dict look-up.

When the database is a file, a helper on the same snapshot (see SharedSnapshot) reads the
second half of the audits (into private temporary files, appended afterwards) while this
process reads the first, and then whichever is free takes the indicators and the actions.
The helper is a process where the system has a forkserver (processes.py: never a plain
fork, which can deadlock in a process with threads): SQLite takes one global lock for every
memory allocation, so two threads building millions of strings mostly wait on each other,
while two processes run side by side. Elsewhere it is a thread.

Where the database is a server, export_csv_rows writes the same files from rows.
"""

from __future__ import annotations

import csv
import os
import queue
import sqlite3
import threading
from pathlib import Path

from . import export_texts
from .export_layout import (
    ACTION_COLUMNS,
    ANSWER_COLUMNS,
    BOM,
    INDICATOR_COLUMNS,
    UNMODERATED,
    append_file,
    Layout,
    Selection,
    Written,
    audit_columns,
    csv_paths,
    moderate,
    moderated_by_audit,
    open_csv,
    placed,
)

SEP = "\x1e"  # between the keys and between the values of one audit's answers
SEP_PAIR = "\x1f"  # between a section's key and its grade
# =, +, -, @, tab, CR as code points: unicode() is cheaper than substr() in the inner loop
FORMULA_CODES = "(61, 43, 45, 64, 9, 13)"
CRLF = "'\r\n'"  # (a literal: no function call a line)


def neutral(expr: str) -> str:
    """SQL for the text `expr` with a leading =, +, -, @, tab or CR neutralised."""
    return (f"CASE WHEN unicode({expr}) IN {FORMULA_CODES} THEN '''' || {expr} "
            f"ELSE {expr} END")


def safe(expr: str) -> str:
    """SQL for `expr` neutralised when it is a text (numbers are left as they are)."""
    return (f"CASE WHEN typeof({expr}) = 'text' AND unicode({expr}) IN {FORMULA_CODES} "
            f"THEN '''' || {expr} ELSE {expr} END")


def cell(expr: str) -> str:
    """SQL for a text as one CSV cell, as csv.writer (QUOTE_MINIMAL) writes it: neutralised,
    and in double quotes (inner ones doubled) when it holds a comma, a double quote, CR or
    LF (a leading apostrophe never decides that, so the test looks at the text itself)."""
    return (f"CASE WHEN {expr} GLOB '*[\",\r\n]*' THEN "
            f"'\"' || replace({neutral(expr)}, '\"', '\"\"') || '\"' ELSE {neutral(expr)} END")


def note_cell(expr: str) -> str:
    """`cell` for a text that is mostly empty (evidence notes)."""
    return f"CASE WHEN {expr} = '' THEN '' ELSE {cell(expr)} END"


def number(expr: str) -> str:
    """A REAL for a cell: whole numbers as integers, others as the shorter of '%.15g' and
    '%.17g' that reads back exactly; NULL stays NULL. (SQLite's printf gives at most 16
    significant digits unless asked with '!': '%.17g' alone would write 0.1 + 0.2 as 0.3.)"""
    return (f"CASE WHEN {expr} IS NULL THEN NULL "
            f"WHEN {expr} = CAST({expr} AS INTEGER) THEN CAST({expr} AS INTEGER) "
            f"WHEN CAST(printf('%.15g', {expr}) AS REAL) = {expr} THEN printf('%.15g', {expr}) "
            f"ELSE printf('%!.17g', {expr}) END")


def value_sql(hide: bool, text_cell) -> str:
    """An answer's value (NULL when not applicable): grades and whole numbers as integers,
    several choices joined with '; ', free text left out when pseudonymising. `text_cell`
    makes a text expression into what the caller needs (neutralised, perhaps quoted)."""
    text = "NULL" if hide else text_cell("n.text")
    return ("CASE WHEN n.not_applicable THEN NULL "
            "WHEN n.grade IS NOT NULL THEN n.grade "
            f"WHEN n.number_value IS NOT NULL THEN {number('n.number_value')} "
            "WHEN n.date_value IS NOT NULL THEN n.date_value "
            "WHEN n.choice = 'yes' OR n.choice = 'no' THEN n.choice "  # (most: nothing to do)
            f"WHEN n.choice IS NOT NULL THEN {text_cell('n.choice')} "
            f"WHEN n.choices IS NOT NULL THEN (SELECT {text_cell('j')} FROM "
            "(SELECT group_concat(value, '; ') AS j FROM json_each(n.choices))) "
            f"ELSE {text} END")


class _Sql:
    """The export's queries, for one selection, with or without pseudonyms."""

    def __init__(self, selection: Selection, hide: bool) -> None:
        self.sel, self.hide = selection, hide

    def name(self, expr: str, kind: str = "P") -> str:
        return f"pseudo({expr}, '{kind}')" if self.hide else expr

    def text(self, expr: str) -> str:
        return "''" if self.hide else expr

    @property
    def case(self) -> str:
        return safe(self.name("a.case_reference", "C"))

    def lead(self) -> str:
        """The CTE `p`: the exported audits (the filters apply here), each with the start of
        its lines in the long files: its id and its case reference as a cell, made once an
        audit rather than once a line."""
        # a pseudonym (C-1f3a...) needs neither quotes nor neutralising
        case = self.name("a.case_reference", "C") if self.hide else \
            note_cell("a.case_reference")
        sel = self.sel
        return (f"WITH p AS MATERIALIZED (SELECT f.audit_id AS id, "
                f"{self.name('f.audit_id', 'A')} || ',' || {case} "
                f"|| ',' AS lead FROM fact_audit f JOIN audit a ON a.id = f.audit_id"
                f"{sel.status} WHERE {sel.clause}) ")

    def blocks(self, line: str, table: str, alias: str) -> str:
        """One row per exported audit: its id and its lines (`line` for each of its rows in
        `table`). CROSS JOIN keeps the tables in this order: the audits in id order, then
        each one's rows from the index that starts with the audit id, so nothing is
        sorted."""
        return (f"{self.lead()}SELECT f.audit_id, group_concat({line}, '') FROM fact_audit f "
                f"CROSS JOIN p ON p.id = f.audit_id "
                f"CROSS JOIN {table} {alias} ON {alias}.audit_id = f.audit_id "
                "GROUP BY f.audit_id ORDER BY f.audit_id")

    def answer_line(self) -> str:
        """An answer's line in the answers file (CSV text, CRLF at the end)."""
        value = value_sql(self.hide, cell)
        evidence = "NULL" if self.hide else note_cell("n.evidence")
        # most answers are in no repeating group, applicable and without an evidence note:
        # their line is put together without printf
        plain = "n.row_id = '' AND NOT n.not_applicable" + (
            "" if self.hide else " AND n.evidence = ''")
        return (f"CASE WHEN {plain} THEN p.lead || n.question_key || ',,,' || "
                f"ifnull({value}, '') || ',,' || {CRLF} "
                f"ELSE printf('%s%s,%s,%s,%s,%s,%s' || {CRLF}, p.lead, n.question_key, "
                "CASE WHEN n.row_id = '' THEN NULL ELSE "
                "(SELECT r.position FROM repeat_row r WHERE r.id = n.row_id) END, "
                f"{self.name('n.row_id', 'R')}, "
                f"{value}, CASE WHEN n.not_applicable THEN 'yes' ELSE '' END, {evidence}) END")

    def indicator_blocks(self) -> str:
        line = (f"printf('%s%s,%s,%s,%s,%s,%s,%s,%s' || {CRLF}, p.lead, i.indicator_key, "
                f"{self.name('i.row_id', 'R')}, {note_cell('i.label')}, {note_cell('i.unit')}, "
                f"{number('i.limit_value')}, "
                f"{number('i.amount')}, CASE i.met WHEN 1 THEN 'yes' WHEN 0 THEN 'no' "
                "ELSE '' END, CASE WHEN i.open_ended THEN 'yes' ELSE '' END)")
        return self.blocks(line, "indicator_result", "i")

    def actions(self) -> str:
        sel = self.sel
        return (f"SELECT {self.name('x.audit_id', 'A')}, {self.case}, "
                f"{safe(self.text('x.description'))}, "
                f"{safe(self.name('x.owner'))}, x.due_date, x.status, x.completed_date, "
                "CASE WHEN x.status = 'open' AND x.due_date < :today THEN 'yes' ELSE '' END, "
                f"{safe(self.text('x.note'))} FROM fact_audit f "
                f"CROSS JOIN audit a ON a.id = f.audit_id{sel.status} "
                "CROSS JOIN action x ON x.audit_id = f.audit_id "
                f"WHERE {sel.clause} ORDER BY f.audit_id, x.created_at")

    def audits(self, part: str = "") -> str:
        """One row per exported audit, from one pass over its answers: its 13 audit columns,
        its section grades (key SEP_PAIR grade, SEP between), its answers' keys and values
        for the wide file (SEP between) and its block of lines for the answers file.
        `part`: "first" (ids below :middle), "second" (from :middle on) or "" (all)."""
        where = {"": "", "first": "WHERE f.audit_id < :middle ",
                 "second": "WHERE f.audit_id >= :middle "}[part]
        value = f"ifnull({value_sql(self.hide, neutral)}, '')"
        value = f"CASE WHEN n.not_applicable THEN 'n/a' ELSE {value} END"
        has = "FILTER (WHERE n.audit_id IS NOT NULL)"
        return (
            f"{self.lead()}SELECT a.id, {self.case}, a.template_key, a.template_version, "
            f"{safe('a.team')}, {safe('a.service_area')}, "
            f"{safe(self.name('a.social_worker'))}, {safe(self.name('a.auditor'))}, "
            "a.audit_date, a.status, a.submitted_at, a.overall_grade, "
            f"{safe(self.text('a.overall_rationale'))}, "
            "(SELECT group_concat(s.section_key || char(31) || CASE WHEN s.not_applicable "
            "THEN 'n/a' ELSE coalesce(s.grade, '') END, char(30)) FROM section_result s "
            "WHERE s.audit_id = f.audit_id), "
            f"group_concat(n.question_key, char(30)) {has}, "
            f"group_concat({value}, char(30)) {has}, "
            f"group_concat({self.answer_line()}, '') {has} "
            "FROM fact_audit f CROSS JOIN p ON p.id = f.audit_id "
            "CROSS JOIN audit a ON a.id = f.audit_id "
            "LEFT JOIN answer n ON n.audit_id = f.audit_id "
            f"{where}GROUP BY f.audit_id ORDER BY f.audit_id")

    def answers_of(self) -> str:
        """One audit's answer keys and wide values, row by row (the rare slow path)."""
        value = f"ifnull({value_sql(self.hide, neutral)}, '')"
        return (f"SELECT n.question_key, CASE WHEN n.not_applicable THEN 'n/a' ELSE {value} "
                "END FROM answer n WHERE n.audit_id = ? ORDER BY n.question_key, n.row_id")


SPLIT_FROM = 2000  # with a second reader, more audits than this are read in two halves
# The first reader's share of the audits: the second, free first, then writes the text files
# (5 s at 100,000 audits), the first the indicators and actions (2 s); each half of the
# audits about 5.7 s. Measured at 100,000 audits: 11.6 s at a half each, 64 % evens them.
FIRST_SHARE = 0.64
PROCESS: bool | None = None  # the helper a process (None: where it starts cheaply)


class SharedSnapshot:
    """Lets a second reader see exactly what `raw` sees. Made before `raw` reads anything in
    its (deferred) read transaction: a momentary write lock, taken on a connection of its
    own, keeps anyone from committing, so every read transaction started until `release()`
    sees the same snapshot. `take()` gives None if the lock cannot be had at once (a writer
    is busy, the file is read-only) or the database is not a file; `raw` then works alone.
    The lock never waits and is held only while the readers start (milliseconds)."""

    def __init__(self, uri: str, lock) -> None:
        self.uri, self.lock = uri, lock

    @classmethod
    def take(cls, raw, path: str | None) -> "SharedSnapshot | None":
        if not path or path == ":memory:" or not raw.in_transaction:
            return None
        uri = Path(path).resolve().as_uri()
        lock = None
        try:
            lock = sqlite3.connect(uri + "?mode=rw", uri=True, timeout=0,
                                   isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")
            raw.execute("SELECT 1 FROM fact_audit LIMIT 1").fetchall()  # raw's snapshot
        except sqlite3.Error:
            if lock is not None:
                lock.close()
            return None
        return cls(uri, lock)

    def reader(self, *, check_same_thread: bool = True):
        """A read-only connection in a read transaction on the snapshot (before release)."""
        conn = sqlite3.connect(self.uri + "?mode=ro", uri=True, timeout=5,
                               isolation_level=None, check_same_thread=check_same_thread)
        conn.execute("BEGIN")
        conn.execute("SELECT 1 FROM fact_audit LIMIT 1").fetchall()
        return conn

    def release(self) -> None:
        if self.lock is not None:
            try:
                if self.lock.in_transaction:
                    self.lock.execute("ROLLBACK")
            finally:
                self.lock.close()
                self.lock = None


def write_csv_fast(raw, selection: Selection, layout: Layout, out: Path, *, today: str,
                   pseudonymise=None, progress=None, snapshot: SharedSnapshot | None = None,
                   total: int = 0, moderated: dict | None = None) -> Written:
    """Write the four files from `raw` (in a read transaction) for the `total` audits the
    selection keeps; with `snapshot` (see SharedSnapshot), a second reader helps: a forked
    process where the system has fork (two processes' SQLite work runs side by side; two
    threads' would mostly wait on SQLite's global memory lock), else a thread. `moderated`:
    export_layout.moderated_by_audit (audit id -> its moderation; read from `raw` when
    None), for the counted grades and the moderation columns of the wide file."""
    import tempfile

    if moderated is None:
        moderated = moderated_by_audit(raw)
    hide = pseudonymise is not None
    sql = _Sql(selection, hide)
    params = {**selection.params, "today": today}
    paths = csv_paths(out)
    written = Written(list(paths.values()))
    temps: dict[str, str] = {}  # the second half's wide and answers rows, then appended
    handles: dict = {}
    try:
        if snapshot is not None and total > SPLIT_FROM:
            middle = raw.execute(selection.select("f.audit_id") + " LIMIT 1 OFFSET :half",
                                 {**selection.params, "half": int(total * FIRST_SHARE)}
                                 ).fetchone()
            if middle is not None:
                params["middle"] = middle[0]
                for key in ("audits", "answers"):
                    fd, temps[key] = tempfile.mkstemp(prefix=".export-", suffix=".part",
                                                      dir=out.parent)  # (private: 0600)
                    os.close(fd)
        for key in ("audits", "answers"):
            handles[key] = open_csv(paths[key])
            handles[key].write(BOM)
        tasks = _Tasks(sql, params, layout, paths, temps, handles, pseudonymise, moderated)
        first, second = ("first", "second") if temps else ("all", "indicators")
        # (the longest first: whichever of the two is free first takes the texts)
        todo = ["texts", "indicators", "actions"] if temps else ["texts", "actions"]
        if snapshot is None:
            counts = tasks.run_all(raw, [first, second, *todo], progress)
        else:
            counts = _with_helper(tasks, raw, snapshot, first, second, todo, progress)
        written.audits, written.answers = counts
        for key, path in temps.items():
            append_file(handles[key], path)
    finally:
        if snapshot is not None:
            snapshot.release()
        for h in handles.values():
            h.close()
        for path in temps.values():
            try:
                os.unlink(path)
            except OSError:
                pass
    return written


class _Tasks:
    """The export's parts, by name, each run with a connection: "all" (the wide and answers
    files), or "first" and "second" (each half of the audits: the second's rows go to
    temporary files), "indicators", "actions" and "texts" (the section texts, conversations
    and feedback: export_texts)."""

    def __init__(self, sql: _Sql, params: dict, layout: Layout, paths: dict, temps: dict,
                 handles: dict, pseudonymise, moderated: dict) -> None:
        self.sql, self.params, self.layout = sql, params, layout
        self.paths, self.temps, self.handles = paths, temps, handles
        self.pseudonymise, self.moderated = pseudonymise, moderated

    def __getstate__(self) -> dict:
        """What a helper process is sent: not the parent's open files (it writes the
        second half, indicators and actions, to files of its own)."""
        return {**self.__dict__, "handles": {}}

    def prepare(self, conn) -> None:
        if self.pseudonymise is not None:
            hide = self.pseudonymise
            conn.create_function("pseudo", 2, lambda v, k: hide(v, k), deterministic=True)

    def run(self, name: str, conn, progress) -> tuple[int, int]:
        """Run one part; returns the audits and answers it wrote."""
        sql, params = self.sql, self.params
        if name in ("all", "first", "second"):
            part = "" if name == "all" else name
            if name == "second":
                files = [open_csv(Path(self.temps[k])) for k in ("audits", "answers")]
            else:
                files = [self.handles["audits"], self.handles["answers"]]
            try:
                return _write_audits(
                    conn.execute(sql.audits(part), params), self.layout, files[0], files[1],
                    progress, lambda audit_id: conn.execute(sql.answers_of(),
                                                            (audit_id,)).fetchall(),
                    self.moderated, headers=name != "second", hide=self.pseudonymise)
            finally:
                if name == "second":
                    for f in files:
                        f.close()
        if name == "texts":
            export_texts.write_csv(lambda q, p: conn.execute(q, p), sql.sel, self.paths,
                                   export_texts.TextRows(self.layout, self.pseudonymise,
                                                         self.moderated))
            return 0, 0
        with open_csv(self.paths[name]) as handle:
            handle.write(BOM)
            if name == "indicators":
                _write_blocks(conn.execute(sql.indicator_blocks(), params), handle,
                              INDICATOR_COLUMNS)
            else:
                w = csv.writer(handle, lineterminator="\r\n")
                w.writerow(ACTION_COLUMNS)
                w.writerows(conn.execute(sql.actions(), params))
        return 0, 0

    def run_all(self, conn, names: list[str], progress) -> tuple[int, int]:
        self.prepare(conn)
        audits = answers = 0
        for name in names:
            a, n = self.run(name, conn, progress)
            audits, answers = audits + a, answers + n
        return audits, answers


def _with_helper(tasks: _Tasks, raw, snapshot: SharedSnapshot, first: str, second: str,
                 todo: list[str], progress) -> tuple[int, int]:
    """`first` here, `second` in a helper on the same snapshot, then each takes the next of
    `todo` when it is free. Returns the audits and answers written."""
    from .processes import has_cheap_helpers

    process = PROCESS
    if process is None:
        process = has_cheap_helpers()
    if process:
        return _with_process(tasks, raw, snapshot, first, second, todo, progress)
    lock = threading.Lock()
    left: queue.SimpleQueue = queue.SimpleQueue()
    for name in todo:
        left.put(name)
    bar = None if progress is None else _Shared(progress, lock)
    twin = snapshot.reader(check_same_thread=False)
    snapshot.release()
    tasks.prepare(raw)
    tasks.prepare(twin)
    totals = [0, 0]
    failed: list[BaseException] = []

    def work(conn, name) -> None:
        try:
            while name is not None and not failed:
                counts = tasks.run(name, conn, bar)
                with lock:
                    totals[0] += counts[0]
                    totals[1] += counts[1]
                try:
                    name = left.get_nowait()
                except queue.Empty:
                    name = None
        except BaseException as exc:  # reported by the main thread
            failed.append(exc)
            for c in (raw, twin):
                if c is not conn:
                    c.interrupt()  # stop the other thread's query: the export has failed

    helper = threading.Thread(target=work, args=(twin, second), daemon=True,
                              name="csv-export")
    try:
        helper.start()
        work(raw, first)
        helper.join()
    finally:
        twin.close()
    if failed:
        raise failed[0]
    return totals[0], totals[1]


def _with_process(tasks: _Tasks, raw, snapshot: SharedSnapshot, first: str, second: str,
                  todo: list[str], progress) -> tuple[int, int]:
    """_with_helper's way with a helper process: it opens its own reader on the snapshot
    (the parent's connections are never used in it) and reports through a pipe."""
    from .processes import helper_context

    context = helper_context()
    left = context.Queue()
    for name in [*todo, None, None]:  # (a None for each of the two)
        left.put(name)
    done = context.Value("q", 0)
    ours, theirs = context.Pipe()
    helper = context.Process(target=_export_helper,
                             args=(tasks, snapshot.uri, second, left, done, theirs),
                             daemon=True, name="audit-tui export")
    helper.start()
    theirs.close()  # (the helper's end: if it dies, reading ours ends instead of waiting)
    try:
        try:
            message = ours.recv() if ours.poll(30) else ("failed", "the helper did not start")
        except EOFError:
            message = ("failed", "the helper stopped")
        snapshot.release()
        if message[0] != "ready":
            raise RuntimeError(f"exporting failed: {message[1]}")
        tasks.prepare(raw)
        audits = answers = 0
        name = first
        while name is not None:
            counts = tasks.run(name, raw, progress)
            audits, answers = audits + counts[0], answers + counts[1]
            name = left.get()
        try:
            message = ours.recv()
        except EOFError:
            message = ("failed", f"the helper stopped (exit code {helper.exitcode})")
        helper.join()
    except BaseException:
        if helper.is_alive():
            helper.terminate()
        helper.join()
        raise
    if message[0] != "done":
        raise RuntimeError(f"exporting failed: {message[1]}")
    if progress is not None:
        progress.advance(done.value)
    return audits + message[1], answers + message[2]


def _export_helper(tasks: "_Tasks", uri: str, second: str, left, done,
                   theirs) -> None:  # pragma: no cover - runs in the helper process
    from .processes import SharedCount

    audits = answers = 0
    try:
        conn = SharedSnapshot(uri, None).reader()
        theirs.send(("ready",))
        tasks.prepare(conn)
        name = second
        while name is not None:
            counts = tasks.run(name, conn, SharedCount(done))
            audits, answers = audits + counts[0], answers + counts[1]
            name = left.get()
        theirs.send(("done", audits, answers))
    except BaseException as exc:
        theirs.send(("failed", f"{type(exc).__name__}: {exc}"))


class _Shared:
    """A progress bar that several threads advance."""

    def __init__(self, progress, lock: threading.Lock) -> None:
        self.progress, self.lock = progress, lock

    def advance(self, n: int = 1) -> None:
        with self.lock:
            self.progress.advance(n)


def _write_blocks(rows, handle, columns: list[str]) -> None:
    handle.write(",".join(columns) + "\r\n")
    write = handle.write
    for _, block in rows:
        if block:
            write(block)


def _write_audits(rows, layout: Layout, handle, answers_file, progress, answers_of,
                  moderated: dict, *, headers: bool = True, hide=None) -> tuple[int, int]:
    """The answers file and the wide file, from one row per audit (see _Sql.audits): this
    thread reads the rows (SQLite does the work, without Python's lock) and writes each
    audit's block of answer lines; another lays out the wide rows meanwhile. Returns how
    many audits and answers."""
    if headers:
        answers_file.write(",".join(ANSWER_COLUMNS) + "\r\n")
    write_answers = answers_file.write
    todo: queue.Queue = queue.Queue(maxsize=64)
    failed: list[BaseException] = []
    counts = [0, 0]
    wide = threading.Thread(target=_write_wide, name="csv-export-wide", daemon=True,
                            args=(todo, layout, handle, counts, progress, failed, headers,
                                  moderated, hide))
    wide.start()
    batch: list = []
    try:
        for row in rows:
            if row[16]:
                write_answers(row[16])
                if row[14].count(SEP) != row[15].count(SEP):  # a separator in an answer
                    pairs = answers_of(row[0])
                    row = (*row[:14], [p[0] for p in pairs], [p[1] for p in pairs])
            batch.append(row[:16])
            if len(batch) == 256:
                if failed:
                    break
                todo.put(batch)
                batch = []
    finally:
        todo.put(batch)
        todo.put(None)
        wide.join()
    if failed:
        raise failed[0]
    return counts[0], counts[1]


def _write_wide(todo: queue.Queue, layout: Layout, handle, counts: list, progress,
                failed: list, headers: bool, moderated: dict, hide) -> None:
    """The wide file, from batches of rows (until None). An audit's answers are put in
    their columns by dict operations (C speed), not one by one: a fresh copy of the row's
    empty question columns is updated with the audit's keys and values; an audit whose keys
    repeat (a repeating group's rows) or are no longer in the layout takes the slow path.
    A moderated audit (one dict look-up an audit in `moderated`) gets the moderator's grades
    and its moderation cells."""
    try:
        wide = csv.writer(handle, lineterminator="\r\n")
        if headers:
            wide.writerow(audit_columns(layout, True))
        empty_sections = dict.fromkeys(layout.sections, "")
        empty_questions = dict.fromkeys(layout.questions, "")
        width = len(empty_questions)
        count = answers = 0
        while (batch := todo.get()) is not None:
            for row in batch:
                grades = empty_sections
                if row[13]:
                    grades = empty_sections.copy()
                    for pair in row[13].split(SEP):
                        key, _, grade = pair.partition(SEP_PAIR)
                        if key in grades:
                            grades[key] = grade
                values = empty_questions
                keys, found = row[14], row[15]
                if keys:
                    if isinstance(keys, str):
                        keys, found = keys.split(SEP), found.split(SEP)
                    answers += len(keys)
                    values = empty_questions.copy()
                    values.update(zip(keys, found))
                    if len(values) != width or len(set(keys)) != len(keys):
                        values = placed(empty_questions, keys, found)
                audit, cells = row[:13], UNMODERATED
                if moderated and (m := moderated.get(row[0])) is not None:
                    audit, grades, cells = moderate(audit, grades, m)
                if hide is not None:  # (the real id: for the moderation, above)
                    audit = [hide(audit[0], "A"), *audit[1:]]
                wide.writerow([*audit, *grades.values(), *cells, *values.values()])
            count += len(batch)
            if progress is not None:
                progress.advance(len(batch))
        counts[:] = count, answers
    except BaseException as exc:  # reported by the thread that reads the rows
        failed.append(exc)
        while todo.get() is not None:  # let that thread finish putting
            pass
