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
The cells' SQL is in export_csv_sql.py; writing one reader's rows, in export_csv_write.py.
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
    BOM,
    INDICATOR_COLUMNS,
    append_file,
    Layout,
    Selection,
    Written,
    csv_paths,
    moderated_by_audit,
    open_csv,
)
from .export_csv_sql import ExportSql
from .export_csv_write import SharedProgress, write_audits, write_blocks


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
    sql = ExportSql(selection, hide)
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

    def __init__(self, sql: ExportSql, params: dict, layout: Layout, paths: dict, temps: dict,
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
                return write_audits(
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
                write_blocks(conn.execute(sql.indicator_blocks(), params), handle,
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
    bar = None if progress is None else SharedProgress(progress, lock)
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
