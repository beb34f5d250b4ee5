"""The CSV export, written straight from SQL, audit by audit, on both cores.

Files: FILE (one row per audit, a column per graded section and per question), FILE-answers
(one row per answer), FILE-actions, FILE-indicators; UTF-8 with a byte-order mark, CRLF.

Millions of answers never pass one by one through Python. Each query reads the exported
audits in audit order (the answer and indicator keys start with the audit id, so their rows
come in that order from the index, never sorted in memory) and hands Python one row per
audit:
- for the wide file, the audit's columns, its section grades and its answers' keys and
  values, which Python places in the audit's row (csv.writer quotes them);
- for the answers and indicators files, the audit's block of lines, laid out as CSV text by
  SQLite (group_concat of printf): Python writes each block in one call.
SQLite neutralises every text cell that could start a formula (a leading apostrophe before
=, +, -, @, tab or CR) and quotes what the csv module would quote (a comma, a double quote,
CR or LF inside: wrapped in double quotes, inner quotes doubled), so the files are exactly
what csv.writer would have written. A case reference is made into its cell once per audit
(a materialised CTE), not once per answer.

The four files are independent tasks. When the database is a file, a second read-only
connection opens on the same snapshot (both read transactions start while a momentary write
lock keeps any writer from committing in between) and a second thread takes the answers file
while this one writes the wide file, then each takes whatever is left. SQLite releases
Python's lock while it works, so the two share both cores and the files still agree with each
other exactly as if one connection had written them. If that lock cannot be had at once (a
writer is busy, the file is read-only) or the database is in memory, one thread does it all.
"""

from __future__ import annotations

import csv
import queue
import shutil
import sqlite3
import threading
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

SEP = "\x1e"  # between the keys and between the values of one audit's answers
SEP_PAIR = "\x1f"  # between a section's key and its grade
BOM = "\ufeff"  # written first: Excel then reads the files as UTF-8
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


def quoted(expr: str) -> str:
    """SQL for a text as one CSV cell: in double quotes (inner ones doubled) when it holds a
    comma, a double quote, CR or LF, as csv.QUOTE_MINIMAL does."""
    return (f"CASE WHEN {expr} GLOB '*[\",\r\n]*' THEN '\"' || replace({expr}, '\"', '\"\"') "
            f"|| '\"' ELSE {expr} END")


def cell(expr: str) -> str:
    """A text as a neutralised, quoted CSV cell (a leading apostrophe never decides whether
    the cell needs quotes, so the test looks at the text itself)."""
    return (f"CASE WHEN {expr} GLOB '*[\",\r\n]*' THEN "
            f"'\"' || replace({neutral(expr)}, '\"', '\"\"') || '\"' ELSE {neutral(expr)} END")


def note_cell(expr: str) -> str:
    """`cell` for a text that is mostly empty (evidence notes)."""
    return f"CASE WHEN {expr} = '' THEN '' ELSE {cell(expr)} END"


def number(expr: str) -> str:
    """A REAL for a cell: whole numbers as integers, others as the shorter of '%.15g' and
    '%.17g' that reads back exactly; NULL stays NULL."""
    return (f"CASE WHEN {expr} IS NULL THEN NULL "
            f"WHEN {expr} = CAST({expr} AS INTEGER) THEN CAST({expr} AS INTEGER) "
            f"WHEN CAST(printf('%.15g', {expr}) AS REAL) = {expr} THEN printf('%.15g', {expr}) "
            f"ELSE printf('%.17g', {expr}) END")


def value_sql(hide: bool, text_cell) -> str:
    """An answer's value (NULL when not applicable): grades and whole numbers as integers,
    several choices joined with '; ', free text left out when pseudonymising. `text_cell`
    makes a text expression into what the caller needs (neutralised, perhaps quoted)."""
    text = "NULL" if hide else text_cell("n.text")
    return ("CASE WHEN n.not_applicable THEN NULL "
            "WHEN n.grade IS NOT NULL THEN n.grade "
            f"WHEN n.number_value IS NOT NULL THEN {number('n.number_value')} "
            "WHEN n.date_value IS NOT NULL THEN n.date_value "
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
        return (f"WITH p AS MATERIALIZED (SELECT f.audit_id AS id, f.audit_id || ',' || {case} "
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
                "(SELECT r.position FROM repeat_row r WHERE r.id = n.row_id) END, n.row_id, "
                f"{value}, CASE WHEN n.not_applicable THEN 'yes' ELSE '' END, {evidence}) END")

    def indicator_blocks(self) -> str:
        line = (f"printf('%s%s,%s,%s,%s,%s,%s,%s,%s' || {CRLF}, p.lead, i.indicator_key, "
                f"i.row_id, {note_cell('i.label')}, {note_cell('i.unit')}, "
                f"{number('i.limit_value')}, "
                f"{number('i.amount')}, CASE i.met WHEN 1 THEN 'yes' WHEN 0 THEN 'no' "
                "ELSE '' END, CASE WHEN i.open_ended THEN 'yes' ELSE '' END)")
        return self.blocks(line, "indicator_result", "i")

    def actions(self) -> str:
        sel = self.sel
        return (f"SELECT x.audit_id, {self.case}, {safe(self.text('x.description'))}, "
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


SPLIT_FROM = 2000  # with two connections, more audits than this are read in two halves


def write_csv_fast(raw, selection: Selection, layout: Layout, out: Path, *, today: str,
                   pseudonymise=None, progress=None, twin=None, total: int = 0) -> Written:
    """Write the four files from `raw` (in a read transaction) for the `total` audits the
    selection keeps; `twin`, if given, is a second connection on the same snapshot (see
    `twin_connection`) for a second thread."""
    import tempfile

    from .writers_export import csv_paths

    hide = pseudonymise is not None
    connections = [raw] if twin is None else [raw, twin]
    if hide:
        for c in connections:
            c.create_function("pseudo", 2, lambda v, k: pseudonymise(v, k), deterministic=True)
    sql = _Sql(selection, hide)
    params = {**selection.params, "today": today}
    paths = csv_paths(out)
    written = Written(list(paths.values()))
    handles = {key: open_private(path, encoding="utf-8", newline="")
               for key, path in paths.items()}
    lock = threading.Lock()
    bar = None if progress is None else _Shared(progress, lock)
    seconds: dict = {}  # the second half's wide and answers rows, until the first is written

    def audits(part: str, wide, answers) -> object:
        def task(conn) -> None:
            counts = _write_audits(conn.execute(sql.audits(part), params), layout, wide,
                                   answers, bar, lambda audit_id: conn.execute(
                                       sql.answers_of(), (audit_id,)).fetchall(),
                                   headers=part != "second")
            with lock:
                written.audits += counts[0]
                written.answers += counts[1]
        return task

    def indicators(conn) -> None:
        _write_blocks(conn.execute(sql.indicator_blocks(), params), handles["indicators"],
                      INDICATOR_COLUMNS)

    def actions(conn) -> None:
        w = csv.writer(handles["actions"], lineterminator="\r\n")
        w.writerow(ACTION_COLUMNS)
        w.writerows(conn.execute(sql.actions(), params))

    try:
        for h in handles.values():
            h.write(BOM)
        middle = None
        if twin is not None and total > SPLIT_FROM:
            middle = raw.execute(selection.select("f.audit_id") + " LIMIT 1 OFFSET :half",
                                 {**selection.params, "half": total // 2}).fetchone()
        if middle is None:  # the wide and answers files here, the others in a second thread
            _run([audits("", handles["audits"], handles["answers"]), indicators, actions],
                 connections)
        else:  # each thread half of the audits (the bulk), then whichever is free the rest
            params["middle"] = middle[0]
            for key in ("audits", "answers"):  # (private, and gone when closed)
                seconds[key] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="",
                                                      dir=out.parent)
            _run([audits("first", handles["audits"], handles["answers"]),
                  audits("second", seconds["audits"], seconds["answers"]),
                  indicators, actions], connections)
            for key, part in seconds.items():
                part.seek(0)
                shutil.copyfileobj(part, handles[key], 1 << 20)
    finally:
        for h in [*handles.values(), *seconds.values()]:
            h.close()
        if twin is not None:
            twin.close()
    return written


class _Shared:
    """A progress bar that several threads advance."""

    def __init__(self, progress, lock: threading.Lock) -> None:
        self.progress, self.lock = progress, lock

    def advance(self, n: int = 1) -> None:
        with self.lock:
            self.progress.advance(n)


def _run(tasks: list, connections: list) -> None:
    """Run `tasks` (each called with a connection): with two connections, the second thread
    starts with tasks[1] and this one with tasks[0]; then each takes the next one left."""
    if len(connections) == 1:
        for task in tasks:
            task(connections[0])
        return
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for task in tasks[2:]:
        todo.put(task)
    failed: list[BaseException] = []

    def work(conn, first) -> None:
        try:
            task = first
            while task is not None and not failed:
                task(conn)
                try:
                    task = todo.get_nowait()
                except queue.Empty:
                    task = None
        except BaseException as exc:  # reported by the main thread
            failed.append(exc)
            for c in connections:
                if c is not conn:
                    c.interrupt()  # stop the other thread's query: the export has failed

    second = threading.Thread(target=work, args=(connections[1], tasks[1]), daemon=True,
                              name="csv-export")
    second.start()
    work(connections[0], tasks[0])
    second.join()
    if failed:
        raise failed[0]


def _write_blocks(rows, handle, columns: list[str]) -> None:
    handle.write(",".join(columns) + "\r\n")
    write = handle.write
    for _, block in rows:
        if block:
            write(block)


def _write_audits(rows, layout: Layout, handle, answers_file, progress, answers_of, *,
                  headers: bool = True) -> tuple[int, int]:
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
                            args=(todo, layout, handle, counts, progress, failed, headers))
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
                failed: list, headers: bool) -> None:
    """The wide file, from batches of rows (until None). An audit's answers are put in
    their columns by dict operations (C speed), not one by one: a fresh copy of the row's
    empty question columns is updated with the audit's keys and values; an audit whose keys
    repeat (a repeating group's rows) or are no longer in the layout takes the slow path."""
    try:
        wide = csv.writer(handle, lineterminator="\r\n")
        if headers:
            wide.writerow(layout.columns())
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
                        values = _placed(empty_questions, keys, found)
                wide.writerow([*row[:13], *grades.values(), *values.values()])
            count += len(batch)
            if progress is not None:
                progress.advance(len(batch))
        counts[:] = count, answers
    except BaseException as exc:  # reported by the thread that reads the rows
        failed.append(exc)
        while todo.get() is not None:  # let that thread finish putting
            pass


def _placed(empty: dict, keys: list, found: list) -> dict:
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


def twin_connection(raw, path: str | None):
    """A second, read-only connection to the database file `path` whose read transaction sees
    exactly what `raw`'s will: call before `raw` has read anything in its (deferred)
    transaction. None when that cannot be had at once; `raw` then works alone."""
    if not path or path == ":memory:" or not raw.in_transaction:
        return None
    uri = Path(path).resolve().as_uri()
    lock = twin = None
    try:
        # While this connection holds the write lock nobody can commit, so two read
        # transactions started now see the same snapshot. Held for a moment; never waits.
        lock = sqlite3.connect(uri + "?mode=rw", uri=True, timeout=0, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        raw.execute("SELECT 1 FROM fact_audit LIMIT 1").fetchall()
        twin = sqlite3.connect(uri + "?mode=ro", uri=True, timeout=5,
                               isolation_level=None, check_same_thread=False)
        twin.execute("BEGIN")
        twin.execute("SELECT 1 FROM fact_audit LIMIT 1").fetchall()
        return twin
    except sqlite3.Error:
        if twin is not None:
            twin.close()
        return None
    finally:
        if lock is not None:
            if lock.in_transaction:
                lock.execute("ROLLBACK")
            lock.close()
