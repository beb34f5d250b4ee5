"""Progress of the programme: each allocation's state (read from its audit, never trusted from
elsewhere), who is late, and the counts by auditor and team."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import sqlalchemy as sa

from ..db.models import Audit
from ..db.programme_models import ProgrammeAllocation

ALLOCATIONS = ProgrammeAllocation.__table__
AUDITS = Audit.__table__
STATES = ("unallocated", "allocated", "started", "submitted")


@dataclass(frozen=True)
class Progress:
    id: str
    month: str
    case_reference: str
    team: str
    template_key: str
    auditor: str
    due: date  # the due date, or the extension
    extended: bool
    extension_reason: str
    state: str  # unallocated | allocated | started | submitted
    audit_id: str
    overdue: bool

    def as_dict(self) -> dict:
        row = asdict(self)
        row["due"] = self.due.isoformat()
        return row


def progress(conn, *, today: date, month: str | None = None,
             auditor: str | None = None) -> list[Progress]:
    q = (sa.select(ALLOCATIONS, AUDITS.c.status.label("audit_status"))
         .select_from(ALLOCATIONS.outerjoin(AUDITS, AUDITS.c.id == ALLOCATIONS.c.audit_id))
         .where(ALLOCATIONS.c.status != "withdrawn")
         .order_by(ALLOCATIONS.c.month.desc(), ALLOCATIONS.c.position, ALLOCATIONS.c.id))
    if month:
        q = q.where(ALLOCATIONS.c.month == month)
    if auditor:
        q = q.where(ALLOCATIONS.c.auditor == auditor)
    found = []
    for row in conn.execute(q):
        if row.audit_status is not None:
            state = "started" if row.audit_status == "draft" else "submitted"
        else:
            state = "allocated" if row.status == "allocated" else "unallocated"
        due = row.extended_until or row.due_date
        found.append(Progress(
            id=row.id, month=row.month, case_reference=row.case_reference, team=row.team,
            template_key=row.template_key, auditor=row.auditor, due=due,
            extended=row.extended_until is not None, extension_reason=row.extension_reason,
            state=state, audit_id=row.audit_id if row.audit_status is not None else "",
            overdue=state != "submitted" and due < today))
    return found


def counts_by(rows: list[Progress], what: str) -> dict[str, dict[str, int]]:
    """auditor or team -> {allocated, started, submitted, overdue, unallocated}: every
    allocation counts in 'allocated' (unallocated ones only under the team)."""
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        name = getattr(row, what) or "(nobody yet)"
        line = table.setdefault(name, {"allocated": 0, "started": 0, "submitted": 0,
                                       "overdue": 0, "unallocated": 0})
        if row.state == "unallocated":
            line["unallocated"] += 1
        else:
            line["allocated"] += 1
        if row.state in ("started", "submitted"):
            line["started"] += 1
        line["submitted"] += row.state == "submitted"
        line["overdue"] += row.overdue
    return dict(sorted(table.items()))


def completion_line(rows: list[Progress]) -> str:
    """'48 of 52 allocated audits done; 4 overdue' ('' when nothing is allocated)."""
    allocated = [r for r in rows if r.state != "unallocated"]
    if not allocated:
        return ""
    done = sum(r.state == "submitted" for r in allocated)
    overdue = sum(r.overdue for r in allocated)
    return f"{done} of {len(allocated)} allocated audits done; {overdue} overdue"


def programme_line(conn, *, today: date, date_from: date | None = None,
                   date_to: date | None = None) -> str:
    """For reports: the completion line of the allocations of the months from `date_from` to
    `date_to` (every month when not given), with the sample's coverage of the open cases;
    '' when nothing is allocated."""
    low = f"{date_from:%Y-%m}" if date_from else "0000-00"
    high = f"{date_to:%Y-%m}" if date_to else "9999-99"
    from ..db.programme_models import ProgrammeCase

    cases = ProgrammeCase.__table__
    try:
        with conn.begin_nested():  # a server login not granted the programme's tables
            rows = [r for r in progress(conn, today=today) if low <= r.month <= high]
            open_cases = conn.execute(
                sa.select(sa.func.count(sa.distinct(cases.c.case_reference)))
                .where(cases.c.status == "open")).scalar() or 0
    except sa.exc.DBAPIError:
        return ""  # reports without the line; the rest of the report is theirs
    line = completion_line(rows)
    if not line:
        return ""
    sampled = len({r.case_reference for r in rows})
    return f"{line}; {sampled} of {open_cases} open cases on the case lists sampled"
