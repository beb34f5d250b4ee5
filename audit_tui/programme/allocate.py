"""Allocating a month's sampled cases to auditors, and the manual changes: extend, reassign.

The rules (programme/rules.py): never an auditor of the case's own team unless
allow_own_team; an even share (the auditor with the fewest allocations that month first, then
by name); at most cap_per_auditor each. Every change is kept in programme_history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from ..db.models import new_id
from ..db.programme_models import ProgrammeAllocation, ProgrammeHistory
from .importer import now
from .rules import Rules

ALLOCATIONS = ProgrammeAllocation.__table__
HISTORY = ProgrammeHistory.__table__


class AllocationError(Exception):
    """The change cannot be made (one sentence)."""


@dataclass
class AllocateResult:
    allocated: dict[str, int] = field(default_factory=dict)  # auditor -> how many now
    left: list[tuple[str, str]] = field(default_factory=list)  # (case reference, why)


def record(conn, allocation_id: str, field_name: str, old, new, who: str,
           reason: str = "") -> None:
    conn.execute(HISTORY.insert().values(
        id=new_id(), allocation_id=allocation_id, field=field_name,
        old=None if old is None else str(old), new=None if new is None else str(new),
        reason=reason, who=who, at=now()))


def _loads(conn, month: str) -> dict[str, int]:
    return {auditor: n for auditor, n in conn.execute(
        sa.select(ALLOCATIONS.c.auditor, sa.func.count()).where(
            ALLOCATIONS.c.month == month, ALLOCATIONS.c.status == "allocated")
        .group_by(ALLOCATIONS.c.auditor))}


def own_team_refusal(rules: Rules, auditor: str, team: str) -> str:
    if not rules.allow_own_team and team and rules.auditors.get(auditor) == team:
        return (f"{auditor} is in {team}, the case's own team (allow_own_team is false in the "
                "settings).")
    return ""


def allocate(conn, month: str, rules: Rules, *, who: str) -> AllocateResult:
    """Allocate the month's unallocated cases, in the sample's order."""
    if not rules.auditors:
        raise AllocationError("No auditors are named under [programme.auditors] in the "
                              "settings, so nothing can be allocated.")
    loads = _loads(conn, month)
    result = AllocateResult()
    waiting = conn.execute(sa.select(ALLOCATIONS.c.id, ALLOCATIONS.c.case_reference,
                                     ALLOCATIONS.c.team)
                           .where(ALLOCATIONS.c.month == month,
                                  ALLOCATIONS.c.status == "unallocated")
                           .order_by(ALLOCATIONS.c.position, ALLOCATIONS.c.id)).all()
    for row in waiting:
        free = [a for a in sorted(rules.auditors) if not own_team_refusal(rules, a, row.team)]
        if not free:
            result.left.append((row.case_reference, "every auditor is in its own team"))
            continue
        free = [a for a in free if not rules.cap_per_auditor
                or loads.get(a, 0) < rules.cap_per_auditor]
        if not free:
            result.left.append((row.case_reference, "every auditor who may take it has "
                                f"{rules.cap_per_auditor} (cap_per_auditor)"))
            continue
        auditor = min(free, key=lambda a: (loads.get(a, 0), a))
        loads[auditor] = loads.get(auditor, 0) + 1
        conn.execute(ALLOCATIONS.update().where(ALLOCATIONS.c.id == row.id).values(
            auditor=auditor, status="allocated", updated_at=now()))
        record(conn, row.id, "auditor", None, auditor, who)
        result.allocated[auditor] = result.allocated.get(auditor, 0) + 1
    return result


def handle(allocation_id: str) -> str:
    """What people type for an allocation: the last 8 characters of its id (the random part;
    ids made in the same millisecond share their beginning)."""
    return allocation_id[-8:]


def find(conn, reference: str):
    """The allocation whose id is `reference` or ends with it (8 characters or more)."""
    text = "".join(ch for ch in reference.strip().lower() if ch in "0123456789abcdef-")
    if len(text) < 8:
        raise AllocationError(f"'{reference}' is not an allocation: give the 8 characters "
                              "'programme status' shows for it.")
    found = conn.execute(sa.select(ALLOCATIONS).where(
        ALLOCATIONS.c.id.like("%" + text)).limit(2)).all()
    if not found:
        raise AllocationError(f"There is no allocation {reference}.")
    if len(found) > 1:
        raise AllocationError(f"More than one allocation ends with {reference}; give more "
                              "of its id.")
    return found[0]


def extend(conn, reference: str, *, until: date, reason: str, who: str):
    row = find(conn, reference)
    if not reason.strip():
        raise AllocationError("An extension needs a reason (--reason).")
    if until <= row.due_date:
        raise AllocationError(f"{until:%d/%m/%Y} is not after the due date "
                              f"({row.due_date:%d/%m/%Y}).")
    conn.execute(ALLOCATIONS.update().where(ALLOCATIONS.c.id == row.id).values(
        extended_until=until, extension_reason=reason.strip(), updated_at=now()))
    old = row.extended_until.isoformat() if row.extended_until else None
    record(conn, row.id, "extended_until", old, until.isoformat(), who, reason.strip())
    return row


def reassign(conn, reference: str, *, to: str, rules: Rules, who: str, reason: str = ""):
    row = find(conn, reference)
    to = to.strip()
    if not to:
        raise AllocationError("Say who the case goes to (--to).")
    if row.audit_id:
        raise AllocationError(f"{row.auditor or 'Someone'} has started this audit already, so "
                              "it cannot be given to someone else.")
    refusal = own_team_refusal(rules, to, row.team)
    if refusal:
        raise AllocationError(refusal)
    conn.execute(ALLOCATIONS.update().where(ALLOCATIONS.c.id == row.id).values(
        auditor=to, status="allocated", updated_at=now()))
    record(conn, row.id, "auditor", row.auditor or None, to, who, reason.strip())
    return row
