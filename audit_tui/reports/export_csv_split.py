"""The CSV export on a server in two halves, side by side (issue 17).

On a server the files are written from rows in Python (export_csv_rows), and one process
spent as long waiting for the server's sorted streams as writing: at 100,000 audits, 41 s
against 15 s from a SQLite file. Here a helper process takes the last audits, in id order,
and writes their rows into private temporary files, appended to the export's files
afterwards; then it writes the three text files (export_texts) while this process finishes
its share. Both read the same data: this process's transaction exports its snapshot
(`pg_export_snapshot()`) and the helper's transaction starts in it (`SET TRANSACTION
SNAPSHOT`), as `pg_dump --jobs` does, so the two halves are one moment of the database. The
helper connects as the same login, so row-level security gives it the same rows.

The helper is a forkserver process (processes.py); where there is none (Windows) the export
stays in one process. The files are byte for byte those of one process (a test compares).
"""

from __future__ import annotations

import os
import tempfile
from copy import copy
from dataclasses import dataclass
from pathlib import Path

SPLIT_FROM = 2000  # more audits than this are written in two halves
FIRST_SHARE = 0.65  # this process's share of the audits (the helper also writes the texts;
#                    0.6 to 0.7 tried at 100,000 audits: 0.65 the quickest, 20-21 s)


@dataclass
class ServerSnapshot:
    """The export's transaction, as a helper process can join it."""

    url: str  # (with its password, if it has one: it goes to the helper through a pipe)
    snapshot: str
    search_path: str  # (a URL's options, such as a schema to use, are not in the engine's URL)

    @classmethod
    def take(cls, conn, streams) -> "ServerSnapshot | None":
        """For the export's connection `conn` and its server_streams.SideStreams (whose
        snapshot the helper joins too); None where a helper process does not start cheaply."""
        from .processes import has_cheap_helpers

        if not has_cheap_helpers():
            return None
        return cls(conn.engine.url.render_as_string(hide_password=False), streams.snapshot,
                   streams.search_path)


@dataclass
class _Job:
    """What the helper needs (pickled to it)."""

    server: ServerSnapshot
    selection: object  # export_layout.Selection: every exported audit
    middle: str  # the first audit id of the helper's half
    layout: object
    paths: dict  # the export's files (the helper writes the text files)
    temps: dict  # the helper's rows of the four row files
    today: str
    pseudonymise: object
    moderated: dict


def half(selection, op: str, middle: str):
    """`selection` restricted to the audits before (`op` '<') or from (`op` '>=') `middle`,
    in the order the export reads them."""
    part = copy(selection)
    part.clause = f"{selection.clause} AND f.audit_id{selection.collate} {op} :middle"
    part.params = {**selection.params, "middle": middle}
    return part


def split(reader, selection, total: int, server: ServerSnapshot | None, *, layout, out: Path,
          today: str, pseudonymise, moderated: dict):
    """(the selection this process writes, the SecondHalf started or None)."""
    if server is None or total <= SPLIT_FROM:
        return selection, None
    row = reader.one(selection.select("f.audit_id") + " LIMIT 1 OFFSET :cut",
                     {**selection.params, "cut": int(total * FIRST_SHARE)})
    if row is None:
        return selection, None
    middle = row[0]
    from .export_layout import csv_paths
    from .export_csv_rows import ROW_FILES

    temps = {}
    try:
        for key in ROW_FILES:
            fd, temps[key] = tempfile.mkstemp(prefix=".export-", suffix=".part",
                                              dir=out.parent)  # (private: 0600)
            os.close(fd)
        second = SecondHalf(_Job(server, selection, middle, layout, csv_paths(out), temps,
                                 today, pseudonymise, moderated))
    except BaseException:
        _unlink(temps.values())
        raise
    return half(selection, "<", middle), second


class SecondHalf:
    """The helper process and its files."""

    def __init__(self, job: _Job) -> None:
        from .processes import helper_context

        self.temps = job.temps
        context = helper_context()
        self.done = context.Value("q", 0)
        self.ours, theirs = context.Pipe()
        self.process = context.Process(target=_second_half, args=(job, theirs, self.done),
                                       daemon=True, name="audit-tui export")
        self.process.start()
        theirs.close()  # (the helper's end: if it dies, reading ours ends instead of waiting)
        self._expect("ready", 30)

    def _expect(self, what: str, timeout: float | None = None):
        try:
            if timeout is not None and not self.ours.poll(timeout):
                message = ("failed", "the helper did not start")
            else:
                message = self.ours.recv()
        except EOFError:
            message = ("failed", f"the helper stopped (exit code {self.process.exitcode})")
        if message[0] != what:
            raise RuntimeError(f"exporting failed: {message[1]}")
        return message

    def finish(self, handles: dict, progress) -> tuple[int, int]:
        """Wait for the helper; append its rows to `handles` (the four row files). Returns
        its audits and answers."""
        from .export_layout import append_file

        message = self._expect("done")
        self.process.join()
        for key, path in self.temps.items():
            append_file(handles[key], path)
        if progress is not None:
            progress.advance(self.done.value)
        return message[1], message[2]

    def close(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        _unlink(self.temps.values())


def _unlink(paths) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass


def _second_half(job: _Job, theirs, done) -> None:  # pragma: no cover - the helper process
    import csv

    from ..db.engine import make_engine
    from .export import Reader, audit_parts
    from .export_csv_rows import ROW_FILES, write_rows, write_texts
    from .export_layout import open_csv
    from .processes import SharedCount
    from .server_streams import SideStreams

    engine = make_engine(job.server.url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT set_config('search_path', ?, false)",
                                 (job.server.search_path,))
            conn.commit()
            conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                          postgresql_readonly=True)
            with conn.begin():
                conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{job.server.snapshot}'")
                theirs.send(("ready",))
                reader = Reader(conn, SideStreams(engine, job.server.snapshot,
                                                  job.server.search_path))
                try:
                    handles = {key: open_csv(Path(job.temps[key])) for key in ROW_FILES}
                    try:
                        writers = {key: csv.writer(handles[key], lineterminator="\r\n")
                                   for key in ROW_FILES}
                        counts = write_rows(
                            audit_parts(reader, half(job.selection, ">=", job.middle)),
                            job.layout, writers, today=job.today,
                            pseudonymise=job.pseudonymise, progress=SharedCount(done),
                            moderated=job.moderated)
                    finally:
                        for handle in handles.values():
                            handle.close()
                    write_texts(reader, job.selection, job.paths, job.layout,
                                job.pseudonymise, job.moderated)
                finally:
                    reader.close()
        theirs.send(("done", *counts))
    except BaseException as exc:
        theirs.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        engine.dispose()
