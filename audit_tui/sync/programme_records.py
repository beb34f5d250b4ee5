"""Allocations in bundles (issue 15): the member `programme.jsonl`, one line an allocation with
the case it is of, so an auditor's laptop receives its month's cases (what pre-fill needs) and
the QA database learns which audits were started from them.

Kept apart from the audit records: a bundle without the member (an older one) imports as
before. Merging an allocation: the side changed last wins (`updated_at`), except that the audit
started from it is never forgotten: a side that knows it keeps it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Iterator

import sqlalchemy as sa

from ..db.programme_models import ProgrammeAllocation, ProgrammeCase
from . import records

MEMBER = "programme.jsonl"
ALLOCATIONS = ProgrammeAllocation.__table__
CASES = ProgrammeCase.__table__
ALLOCATION_FIELDS = ("id", "sample_id", "case_id", "month", "position", "case_reference",
                     "team", "template_key", "auditor", "due_date", "extended_until",
                     "extension_reason", "audit_id", "status", "updated_at")
CASE_FIELDS = ("id", "case_reference", "list_name", "team", "worker", "status", "details")
MERGED = ("auditor", "due_date", "extended_until", "extension_reason", "status", "updated_at")


def _plain(value):
    if isinstance(value, datetime):
        return records.when(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def any_allocations(conn) -> bool:
    return conn.execute(sa.select(ALLOCATIONS.c.id).where(
        ALLOCATIONS.c.status != "withdrawn").limit(1)).first() is not None


def allocation_lines(conn) -> Iterator[bytes]:
    """Every allocation not withdrawn, with its case, in id order (the same bytes each time)."""
    query = (sa.select(ALLOCATIONS, *[CASES.c[f].label(f"c__{f}") for f in CASE_FIELDS])
             .select_from(ALLOCATIONS.outerjoin(CASES, CASES.c.id == ALLOCATIONS.c.case_id))
             .where(ALLOCATIONS.c.status != "withdrawn").order_by(ALLOCATIONS.c.id))
    for row in conn.execute(query).mappings():
        record = {"allocation": {f: _plain(row[f]) for f in ALLOCATION_FIELDS},
                  "case": None if row["case_id"] is None or row["c__case_reference"] is None
                  else {f: row[f"c__{f}"] for f in CASE_FIELDS}}
        yield json.dumps(record, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _checked(row: dict, table) -> None:
    """ValueError (the bundle is refused) for a value that does not fit its column."""
    for name, value in row.items():
        column = table.c[name]
        length = getattr(column.type, "length", None)
        if isinstance(value, str) and length is not None and len(value) > length:
            raise ValueError(f"{table.name}.{name} is too long")
        if value is None and not column.nullable:
            raise ValueError(f"{table.name}.{name} is missing")
        if value is not None and not isinstance(value, (str, int, date)) or isinstance(
                value, bool):
            raise ValueError(f"{table.name}.{name} is not a value")


def _values(allocation: dict) -> dict:
    if not isinstance(allocation, dict):
        raise ValueError("an allocation that is not a record")
    values = {f: allocation.get(f) for f in ALLOCATION_FIELDS}
    for name in ("due_date", "extended_until"):
        if values[name] is not None:
            values[name] = date.fromisoformat(values[name])
    values["updated_at"] = datetime.fromisoformat(values["updated_at"]).replace(tzinfo=UTC)
    if values["status"] not in ("unallocated", "allocated", "withdrawn"):
        raise ValueError("an allocation with an unknown status")
    _checked({k: v for k, v in values.items() if k != "updated_at"}, ALLOCATIONS)
    return values


def _case_id(conn, case: dict | None, fallback: str) -> str:
    """The local case an allocation is of: the one with its reference and list, or the
    bundle's case added."""
    if case is None:
        return fallback
    if not isinstance(case, dict):
        raise ValueError("a case that is not a record")
    case = {f: case.get(f) for f in CASE_FIELDS}
    _checked(case, CASES)
    if not isinstance(case["details"], str) or not isinstance(json.loads(case["details"]), dict):
        raise ValueError("a case whose details are not a record")
    found = conn.execute(sa.select(CASES.c.id).where(
        CASES.c.case_reference == case["case_reference"],
        CASES.c.list_name == case["list_name"])).scalar()
    if found is not None:
        return found
    conn.execute(CASES.insert().values(**{f: case[f] for f in CASE_FIELDS},
                                       first_import="", last_import="",
                                       updated_at=datetime.now(UTC)))
    return case["id"]


def import_allocations(conn, lines: Iterator[bytes]) -> int:
    """Merge the bundle's allocations in the caller's transaction; how many changed here."""
    changed = 0
    for line in lines:
        record = json.loads(line)
        theirs = _values(record["allocation"])
        mine = conn.execute(sa.select(ALLOCATIONS).where(
            ALLOCATIONS.c.id == theirs["id"])).first()
        if mine is None:
            theirs["case_id"] = _case_id(conn, record.get("case"), theirs["case_id"])
            conn.execute(ALLOCATIONS.insert().values(**theirs))
            changed += 1
            continue
        update = {}
        if records.when(theirs["updated_at"]) > records.when(mine.updated_at):
            update = {f: theirs[f] for f in MERGED if theirs[f] != getattr(mine, f)}
        if theirs["audit_id"] and not mine.audit_id:
            update["audit_id"] = theirs["audit_id"]
        if update:
            conn.execute(ALLOCATIONS.update().where(ALLOCATIONS.c.id == mine.id).values(**update))
            changed += 1
    return changed
