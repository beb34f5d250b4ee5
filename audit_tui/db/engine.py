"""Build the database engine and sessions. Nothing here runs at import.

SQLite settings, set on every connection by one listener:
- foreign_keys=ON: answers, actions and history cannot outlive their audit.
- journal_mode=WAL: a report can read while the auditor's answers are being written, and a
  crash never leaves a half-written page in the main file.
- busy_timeout=5000: a second copy of the tool waits up to 5 s for a lock instead of failing.
- synchronous=FULL: every committed answer is on disk before the commit returns, so an answer
  survives a flat battery or a power cut, not just a crashed program. NORMAL would lose the
  last commits on power loss; FULL costs about 0.2 ms a commit here, far below the time
  between two answers.

Transactions: Python's sqlite3 module does not wrap DDL in transactions by default, so we turn
its own handling off and issue BEGIN ourselves. Writes use BEGIN IMMEDIATE, taking the write
lock up front, so two copies never deadlock half-way through a read-then-write; read-only work
(reports, lists) asks for `read_only()` and uses a plain deferred BEGIN that never blocks a
writer in WAL mode.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

BUSY_TIMEOUT_MS = 5000


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path)}"


def make_engine(url: str) -> Engine:
    """An engine for `url` (a SQLAlchemy URL), with our connection settings."""
    is_sqlite = url.startswith("sqlite")
    kwargs = {"connect_args": {"check_same_thread": False}} if is_sqlite else {}
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - exercised by all
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def read_only(engine: Engine) -> Engine:
    """The same engine, for work that only reads (no write lock is taken)."""
    return engine.execution_options(sqlite_begin="DEFERRED")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def make_private_file(path: Path) -> None:
    """Create `path` readable by its owner only (0600), if it does not exist yet."""
    path = Path(path)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
