"""Quick reads with the standard library's sqlite3, for the first screen.

Importing SQLAlchemy and SQLModel costs about half a second, so the home screen's list is read
here instead, and the ORM is loaded in the background while the user looks at it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

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


def _utc(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def list_audits(path: Path, limit: int = HOME_LIMIT) -> tuple[list[AuditSummary], int]:
    """The audits for the home screen (drafts first, latest change first), and how many
    there are in all."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        rows = conn.execute(_HOME_QUERY, (limit,)).fetchall()
        total = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    finally:
        conn.close()
    return [AuditSummary(r[0], r[1], r[2], r[3] or "", r[4] or "", _utc(r[5]), r[6] or 0,
                         r[7] or 0, r[8], _date(r[9])) for r in rows], total


def last_auditor(path: Path) -> str:
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute("SELECT auditor FROM audit WHERE auditor != '' "
                           "ORDER BY created_at DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return row[0] if row else ""
