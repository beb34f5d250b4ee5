"""Storing case lists: new cases added, changed cases updated with their history, the same
file twice refused by its checksum (so it changes nothing)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from ..db.models import new_id
from ..db.programme_models import ProgrammeCase, ProgrammeHistory, ProgrammeImport
from .reader import ParsedList

CASES = ProgrammeCase.__table__
HISTORY = ProgrammeHistory.__table__
IMPORTS = ProgrammeImport.__table__
BATCH = 500


def now() -> datetime:
    return datetime.now(UTC)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class ListCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    already: datetime | None = None  # when this very file was imported before
    import_id: str = ""
    lists: dict[str, ListCounts] = field(default_factory=dict)

    def total(self, what: str) -> int:
        return sum(getattr(c, what) for c in self.lists.values())


def _details(text: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _changes(old: dict, new: dict) -> list[tuple[str, str | None, str | None]]:
    changes = [(name, old[name] or None, new[name] or None)
               for name in ("team", "worker", "status") if old[name] != new[name]]
    before, after = old["details"], new["details"]
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            changes.append((f"details.{key}", before.get(key), after.get(key)))
    return changes


def store_lists(conn, lists: list[ParsedList], *, file_name: str, checksum: str,
                who: str) -> ImportResult:
    """Store parsed lists in one transaction (the caller's `conn`, begun)."""
    earlier = conn.execute(sa.select(IMPORTS.c.imported_at)
                           .where(IMPORTS.c.file_hash == checksum)).scalar()
    if earlier is not None:
        return ImportResult(already=earlier)
    at = now()
    import_id = new_id()
    result = ImportResult(import_id=import_id)
    summary = {}
    for parsed in lists:
        counts = result.lists.setdefault(parsed.list_name, ListCounts())
        _store_one(conn, parsed, import_id, who, at, counts)
        summary[parsed.sheet] = {"list": parsed.list_name, "rows": parsed.rows_read,
                                 "missing": parsed.missing, "problems": len(parsed.problems)}
    conn.execute(IMPORTS.insert().values(
        id=import_id, file_name=file_name[:300], file_hash=checksum, imported_at=at,
        imported_by=who, rows_read=sum(p.rows_read for p in lists),
        summary=json.dumps(summary, sort_keys=True)))
    return result


def _store_one(conn, parsed: ParsedList, import_id: str, who: str, at: datetime,
               counts: ListCounts) -> None:
    existing = {row.case_reference: row for row in conn.execute(
        sa.select(CASES.c.id, CASES.c.case_reference, CASES.c.team, CASES.c.worker,
                  CASES.c.status, CASES.c.details)
        .where(CASES.c.list_name == parsed.list_name))}
    inserts, updates, seen, history = [], [], [], []
    for ref, fields in parsed.rows.items():
        details = json.dumps(fields["details"], sort_keys=True)
        row = existing.get(ref)
        if row is None:
            counts.new += 1
            inserts.append({"id": new_id(), "case_reference": ref,
                            "list_name": parsed.list_name, "team": fields["team"],
                            "worker": fields["worker"], "status": fields["status"],
                            "details": details, "first_import": import_id,
                            "last_import": import_id, "updated_at": at})
            continue
        old = {"team": row.team, "worker": row.worker, "status": row.status,
               "details": _details(row.details)}
        changes = _changes(old, fields)
        if not changes:
            counts.unchanged += 1
            seen.append({"b_id": row.id, "b_import": import_id})
            continue
        counts.updated += 1
        updates.append({"b_id": row.id, "b_team": fields["team"], "b_worker": fields["worker"],
                        "b_status": fields["status"], "b_details": details,
                        "b_import": import_id, "b_at": at})
        history.extend({"id": new_id(), "case_id": row.id, "import_id": import_id,
                        "field": name, "old": old_value, "new": new_value, "who": who,
                        "at": at} for name, old_value, new_value in changes)
    for part in _batches(inserts):
        conn.execute(CASES.insert(), part)
    update = (CASES.update().where(CASES.c.id == sa.bindparam("b_id"))
              .values(team=sa.bindparam("b_team"), worker=sa.bindparam("b_worker"),
                      status=sa.bindparam("b_status"), details=sa.bindparam("b_details"),
                      last_import=sa.bindparam("b_import"), updated_at=sa.bindparam("b_at")))
    for part in _batches(updates):
        conn.execute(update, part)
    mark = (CASES.update().where(CASES.c.id == sa.bindparam("b_id"))
            .values(last_import=sa.bindparam("b_import")))
    for part in _batches(seen):
        conn.execute(mark, part)
    for part in _batches(history):
        conn.execute(HISTORY.insert(), part)


def _batches(rows: list) -> list[list]:
    return [rows[i:i + BATCH] for i in range(0, len(rows), BATCH)]
