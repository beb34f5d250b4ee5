"""Quick reads with the standard library's sqlite3, for the first screen.

Importing SQLAlchemy and SQLModel costs about half a second, so the home screen's list is read
here instead, and the ORM is loaded in the background while the user looks at it. A database
on a server (a DatabaseTarget without a path) has no such shortcut: it is read through
SQLAlchemy, with one engine per server kept for the life of the process.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HOME_LIMIT = 5000

_HOME_QUERY = """
SELECT a.id, a.case_reference, coalesce(t.title, a.template_key), a.auditor, a.team,
       a.updated_at, a.answered_count, a.required_count, a.status, a.audit_date
FROM audit AS a LEFT JOIN template_version AS t ON t.hash = a.template_hash
ORDER BY a.status = 'draft' DESC, a.updated_at DESC
LIMIT ?
"""


@dataclass(frozen=True)
class AuditSummary:
    id: str
    case_reference: str
    template_title: str
    auditor: str
    team: str
    updated_at: datetime | None
    answered: int
    total: int
    status: str
    audit_date: date | None

    @property
    def progress(self) -> str:
        return f"{self.answered}/{self.total}" if self.total else "-"


def _utc(value: str | datetime | None) -> datetime | None:
    if not value:
        return None
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _date(value: str | date | None) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


_LAST_AUDITOR = ("SELECT auditor FROM audit WHERE auditor != '' "
                 "ORDER BY created_at DESC LIMIT 1")
_engines: dict[str, Any] = {}
_engines_lock = threading.Lock()


def _source(source) -> tuple[Path | None, Any]:
    """(the SQLite file, or None and the server's engine) for a path, a DatabaseTarget or an
    engine."""
    if isinstance(source, (str, Path)):
        return Path(source), None
    if getattr(source, "dialect", None) is not None:  # an Engine
        return None, source
    if source.path is not None:
        return Path(source.path), None
    with _engines_lock:
        engine = _engines.get(source.url)
        if engine is None:
            from .engine import make_engine

            engine = _engines[source.url] = make_engine(source.url)
    return None, engine


def _server_rows(engine, *queries: tuple[str, tuple]) -> list[list]:
    from .engine import read_only

    with read_only(engine).connect() as conn:
        return [conn.exec_driver_sql(sql, params).all() for sql, params in queries]


def list_audits(source, limit: int = HOME_LIMIT) -> tuple[list[AuditSummary], int]:
    """The audits for the home screen (drafts first, latest change first), and how many
    there are in all. `source`: the SQLite file, or the DatabaseTarget (file or server)."""
    path, engine = _source(source)
    if path is None:
        rows, count = _server_rows(engine, (_HOME_QUERY, (limit,)),
                                   ("SELECT count(*) FROM audit", ()))
        total = count[0][0]
    else:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            rows = conn.execute(_HOME_QUERY, (limit,)).fetchall()
            total = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        finally:
            conn.close()
    return [AuditSummary(r[0], r[1], r[2], r[3] or "", r[4] or "", _utc(r[5]), r[6] or 0,
                         r[7] or 0, r[8], _date(r[9])) for r in rows], total


def last_auditor(source) -> str:
    path, engine = _source(source)
    if path is None:
        rows = _server_rows(engine, (_LAST_AUDITOR, ()))[0]
        return rows[0][0] if rows else ""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute(_LAST_AUDITOR).fetchone()
    finally:
        conn.close()
    return row[0] if row else ""


_ALERTS = (("SELECT count(*) FROM escalation WHERE acknowledged_at IS NULL", ()),
           ("SELECT count(*) FROM action WHERE status != 'done' AND due_date < ?", None))
_CONFLICTING = "SELECT DISTINCT audit_id FROM sync_conflict"


@dataclass(frozen=True)
class HomeAlerts:
    concerns: int = 0  # safeguarding concerns not acknowledged yet
    overdue: int = 0  # actions past their due date
    conflicting: frozenset[str] = frozenset()  # audits with bundle conflicts to resolve


def home_alerts(source, today: date) -> HomeAlerts:
    """What the home screen flags, read in one go; a part a database older than its table
    (escalation, sync_conflict) lacks counts as none."""
    queries = [(sql, params if params is not None else (today.isoformat(),))
               for sql, params in _ALERTS]
    path, engine = _source(source)
    if path is None:
        def run(sql, params):  # `?` as for sqlite3: the engine rewrites it for psycopg
            return _server_rows(engine, (sql, params))[0]
        return _alerts(run, queries)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        return _alerts(lambda sql, params: conn.execute(sql, params).fetchall(), queries)
    finally:
        conn.close()


def _alerts(run, queries) -> HomeAlerts:
    try:
        concerns, overdue = (run(sql, params)[0][0] for sql, params in queries)
    except Exception as exc:  # no escalation table yet (an older file): nothing to show
        if "escalation" not in str(exc):
            raise
        concerns = overdue = 0
    return HomeAlerts(concerns, overdue, frozenset(_conflicting(run)))


def _conflicting(run) -> set[str]:
    try:
        return {row[0] for row in run(_CONFLICTING, ())}
    except Exception as exc:  # no sync_conflict table yet (an older file): nothing to show
        if "sync_conflict" in str(exc):
            return set()
        raise


def conflicting_audits(source) -> set[str]:
    """The audits with fields changed both here and in an imported bundle, still to be
    resolved (none on a database older than the bundle tables)."""
    path, engine = _source(source)
    if path is None:
        return _conflicting(lambda sql, params: _server_rows(engine, (sql, params))[0])
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        return _conflicting(lambda sql, params: conn.execute(sql, params).fetchall())
    finally:
        conn.close()


def conflict_count(source) -> int:
    """How many audits have conflicting changes still to be resolved."""
    return len(conflicting_audits(source))
