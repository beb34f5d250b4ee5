"""Look at a SQLite file before opening it for real, with the standard library only.

This runs on every start, before SQLAlchemy is imported: it must be quick, and it must never
change the file. It opens the file read-only and tells whether it is new, current, older (to be
migrated), newer than this tool, or not an audit-tui database at all.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .migrations_meta import APPLICATION_ID, LATEST


class DatabaseProblem(Exception):
    """A database that cannot be used; the message says what and what to do."""


@dataclass(frozen=True)
class ProbeResult:
    path: Path
    exists: bool
    version: int

    @property
    def needs_migration(self) -> bool:
        return self.version < LATEST


def open_read_only(path: Path, timeout: float = 5) -> sqlite3.Connection:
    """A read-only connection that leaves nothing beside the file. With no -wal file nobody
    has the database open and the main file holds everything, so it is read as immutable
    (SQLite then makes no -wal or -shm file: a refused file gets no side files); with one,
    a plain read-only open sees what the -wal holds too (unless the folder cannot be written:
    the -shm could not be made, and the file is read as it stands)."""
    uri = path.resolve().as_uri()
    if Path(f"{path}-wal").exists() and os.access(path.parent, os.W_OK):
        return sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout)
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=timeout)


def probe(path: Path) -> ProbeResult:
    path = Path(path)
    if not path.exists():
        return ProbeResult(path, False, 0)
    if path.is_dir():
        raise DatabaseProblem(f"{path} is a folder, not a database file. Name a file with --db.")
    if path.stat().st_size == 0:
        raise DatabaseProblem(
            f"{path} is an empty file, not an audit-tui database. It has not been changed. "
            "Delete it to start a new database under that name, or point --db at another "
            "file.")
    try:
        with open(path, "rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise DatabaseProblem(f"Cannot read the database {path}: {exc.strerror}. Check that "
                              "the file is yours and readable.") from None
    if header != b"SQLite format 3\x00":
        raise DatabaseProblem(
            f"{path} is not a database file (it may be damaged, or another kind of file). "
            "It has not been changed. Restore it from a backup with 'audit-tui restore FILE', "
            "or point --db at another file.")
    try:
        conn = open_read_only(path)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseProblem(
            f"{path} cannot be read as a database ({exc}). It may be damaged or cut short. It "
            "has not been changed. Restore it from a backup with 'audit-tui restore FILE'.") from None
    if tables and app_id != APPLICATION_ID:
        raise DatabaseProblem(
            f"{path} is a database, but not an audit-tui one. It has not been changed. "
            "Point --db at an audit-tui database, or at a new file name to start one.")
    if version > LATEST:
        raise DatabaseProblem(
            f"{path} was made by a newer version of audit-tui (schema {version}; this version "
            f"knows up to {LATEST}). It has not been changed. Install the newer version of "
            "audit-tui to open it.")
    return ProbeResult(path, True, version)
