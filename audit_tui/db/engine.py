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

PostgreSQL (a shared server, `postgresql+psycopg://user:password@host/db`): no PRAGMAs; every
connection works in UTC (`timezone=UTC`), so the naive UTC times the tables keep read back as
they were written, as in SQLite, and compiles no query (`jit=off`: see make_engine); a short connect timeout, so an unreachable server is reported
within seconds. The hand-written SQL of the tool (facts, reports, bundles) is written once, in
SQLite's parameter styles (`?` and `:name`); on PostgreSQL `to_pyformat` rewrites such
statements into psycopg's (`%s`, `%(name)s`) just before they are sent. Statements SQLAlchemy
compiles itself are left alone.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

BUSY_TIMEOUT_MS = 5000
CONNECT_TIMEOUT_S = 10


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path)}"


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql", "postgres:"))


def server_url(url: str) -> str:
    """A PostgreSQL URL with the psycopg 3 driver named (`postgresql://` alone would make
    SQLAlchemy look for psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """An engine for `url` (a SQLAlchemy URL), with our connection settings."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    if is_postgresql(url):
        from sqlalchemy.engine import make_url

        parsed = make_url(server_url(url))
        # After any options the URL gives (search_path, say). No JIT compiling: the tool's
        # queries are short, and row-level security's policies made the planner's estimates
        # for an auditor's read of the answers large enough to compile one for 0.4 s of a
        # 0.55 s count (20,000 audits; 0.15 s without). Measured at 100,000 audits as owner:
        # the CSV export, the HTML report and the dashboard take as long without it.
        options = "-c timezone=UTC -c jit=off"
        if parsed.query.get("options"):
            options = f"{parsed.query['options']} {options}"
            parsed = parsed.difference_update_query(["options"])
        engine = create_engine(
            parsed, pool_pre_ping=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "audit-tui",
                          "options": options})
        _configure_postgresql(engine)
        return engine
    return create_engine(url)


def make_read_only_engine(path: Path) -> Engine:
    """An engine that only reads the SQLite file at `path` (a read-only file, or a folder or
    file system that cannot be written): nothing is written or created beside it. With no
    -wal file the main file holds everything and is opened as immutable; with one, read-only
    (SQLite then reads what the -wal holds too, where it can)."""
    from sqlalchemy.engine import URL

    path = Path(path).resolve()
    query = {"mode": "ro", "uri": "true"}
    if not Path(f"{path}-wal").exists():
        query["immutable"] = "1"
    url = URL.create("sqlite", database=path.as_uri(), query=query)
    engine = create_engine(url, connect_args={"check_same_thread": False})
    _configure_sqlite(engine, read_only=True)
    return engine


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - exercised by all
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:  # (both would write to the file)
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if read_only:
            mode = "DEFERRED"  # no write lock to take; a write fails with 'readonly'
        if mode != "IMMEDIATE" or LOCK_WAIT.seconds <= 0:
            conn.exec_driver_sql(f"BEGIN {mode}")
            return
        _begin_waiting(conn)


class _LockWait:
    """How long a writer waits for another program's write lock beyond busy_timeout, and
    whom it tells while it waits. The app keeps 0 (its saves are retried by the saver); the
    command line sets minutes (`wait_for_locks`), so a demo or an import started while another
    command writes waits for it instead of failing."""

    seconds: float = 0.0
    notify = None  # notify(waited_seconds) is called before each further try


LOCK_WAIT = _LockWait()


def wait_for_locks(seconds: float, notify=None) -> None:
    """Writers made from now on wait up to `seconds` for the write lock (SQLite)."""
    LOCK_WAIT.seconds, LOCK_WAIT.notify = seconds, notify


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's 'database is locked' / 'busy' (after the busy timeout)."""
    import sqlite3

    orig = getattr(exc, "orig", None) or exc
    text = str(orig).lower()
    return isinstance(orig, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def is_read_only_error(exc: BaseException) -> bool:
    """True for SQLite's 'attempt to write a readonly database'."""
    import sqlite3

    orig = getattr(exc, "orig", None) or exc
    return isinstance(orig, sqlite3.OperationalError) and "readonly" in str(orig).lower()


def is_refused(exc: BaseException) -> bool:
    """True for PostgreSQL's refusal of a login's rights: a missing privilege, or a row-level
    security policy the new row breaks (SQLSTATE 42501, insufficient_privilege)."""
    orig = getattr(exc, "orig", None) or exc
    return getattr(orig, "sqlstate", None) == "42501"


def _begin_waiting(conn) -> None:
    import time

    from sqlalchemy.exc import OperationalError

    start = time.monotonic()
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # each try waits busy_timeout itself
            return
        except OperationalError as exc:
            waited = time.monotonic() - start
            if not is_busy(exc) or waited >= LOCK_WAIT.seconds:
                raise
            if LOCK_WAIT.notify is not None:
                LOCK_WAIT.notify(waited)


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _driver_sql(conn, cursor, statement, parameters, context, executemany):
        if context is not None and getattr(context, "compiled", None) is None:
            statement = to_pyformat(statement)
        return statement, parameters


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# SQLite's `a CROSS JOIN b ON ...` is an inner join that keeps the tables in the order written
# (a hint to its planner); PostgreSQL allows no ON after CROSS JOIN and plans joins itself.
_CROSS_JOIN_ON = re.compile(r"\bCROSS\s+JOIN(\s+\w+(?:\s+(?:AS\s+)?(?!ON\b)\w+)?\s+ON\b)", re.I)


@lru_cache(maxsize=1024)
def to_pyformat(sql: str) -> str:
    """SQL written for SQLite with `?` or `:name` parameters, for psycopg: `%s` and
    `%(name)s`, every literal `%` doubled, and `CROSS JOIN t x ON` made a plain `JOIN`.
    Nothing inside quotes, dollar quotes or comments is taken for a parameter (`::` casts are
    left alone)."""
    if "CROSS" in sql.upper():
        sql = _CROSS_JOIN_ON.sub(r"JOIN\1", sql)
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = i + 1
            while True:
                end = sql.find(ch, end)
                if end == -1 or end + 1 >= n or sql[end + 1] != ch:
                    break
                end += 2  # a doubled quote inside the string
            end = n if end == -1 else end + 1
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "$" and (tag := re.match(r"\$[A-Za-z_]*\$", sql[i:])):
            close = sql.find(tag.group(0), i + len(tag.group(0)))
            end = n if close == -1 else close + len(tag.group(0))
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "%":
            out.append("%%")
            i += 1
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == ":" and sql.startswith("::", i):
            out.append("::")
            i += 2
        elif ch == ":" and (name := _NAME.match(sql, i + 1)) and (i == 0 or sql[i - 1] != ":"):
            out.append(f"%({name.group(0)})s")
            i = name.end()
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def read_only(engine: Engine) -> Engine:
    """The same engine, for work that only reads (no write lock is taken)."""
    return engine.execution_options(sqlite_begin="DEFERRED")


AFTER_COMMIT = "after_commit"  # session.info key: callables run once the transaction commits


def _after_commit(session: Session) -> None:
    for done in session.info.get(AFTER_COMMIT, ()):
        done()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error. Callables listed in
    `session.info[AFTER_COMMIT]` run after the commit."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException as exc:
            session.rollback()
            _raise_refusal(exc, engine)
            raise
        _after_commit(session)


def _raise_refusal(exc: BaseException, engine: Engine) -> None:
    """On a shared server, a refusal of the login's role becomes refusals.Refused (a
    StoreError with one sentence) instead of the database's error."""
    if isinstance(exc, Exception) and engine.dialect.name == "postgresql":
        from .refusals import refusal

        refused = refusal(exc, engine)
        if refused is not None:
            raise refused from None


class WriterConnection:
    """One connection kept open for the app's writer thread (saver.py), so a save does not
    check a connection out of the pool and back each time: at every key press that is a good
    part of the time a save takes. Used by one thread only. After a failed save the connection
    is closed, and the next save opens a new one (the database may have been replaced or
    damaged meanwhile)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """As `session_scope`: commits on success, rolls back on any error. Callables listed
        in `session.info[AFTER_COMMIT]` run after the commit."""
        if self._conn is None:
            self._conn = self.engine.connect()
        conn = self._conn
        try:
            with conn.begin(), Session(bind=conn, expire_on_commit=False,
                                       join_transaction_mode="rollback_only") as session:
                yield session
                session.flush()
        except BaseException as exc:
            self.close()
            _raise_refusal(exc, self.engine)
            raise
        _after_commit(session)

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.close()
            except Exception:  # already unusable: nothing to give back
                pass


def make_private_file(path: Path) -> None:
    """Create `path` readable by its owner only (0600), if it does not exist yet."""
    path = Path(path)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
