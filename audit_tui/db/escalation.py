"""Safeguarding escalation: a concern raised from an audit, stored at once, listed until
acknowledged. Same conventions as `store.py` (session keyword-only, history rows in the same
transaction, plain models returned)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from .models import Audit, Escalation, utcnow
from .store import NotFound, StoreError, _event, get_audit

# How urgent a concern is, most urgent first: (key, label).
URGENCIES = (("immediate", "Immediate: a child may be at risk now"),
             ("today", "Today"),
             ("week", "Within a week"))
URGENCY_KEYS = tuple(k for k, _ in URGENCIES)


def raise_concern(*, session: Session, audit_id: str, who: str, what: str, urgency: str,
                  to_whom: str, question_key: str = "") -> Escalation:
    what, to_whom = what.strip(), to_whom.strip()
    if not what:
        raise StoreError("Say what the concern is.")
    if not to_whom:
        raise StoreError("Say to whom the concern is raised (a manager, the MASH, the duty "
                         "team).")
    if urgency not in URGENCY_KEYS:
        raise StoreError(f"Urgency must be one of: {', '.join(URGENCY_KEYS)}.")
    audit = get_audit(session=session, audit_id=audit_id)  # also on a submitted audit
    row = Escalation(audit_id=audit_id, question_key=question_key, what=what, urgency=urgency,
                     to_whom=to_whom, raised_by=who)
    session.add(row)
    _event(session, audit, who, "safeguarding concern raised", None,
           f"{urgency} to {to_whom}" + (f" ({question_key})" if question_key else ""))
    return row


def acknowledge(*, session: Session, escalation_id: str, who: str) -> Escalation:
    row = session.get(Escalation, escalation_id)
    if row is None:
        raise NotFound("That concern is no longer in the database.")
    if row.acknowledged_at is not None:
        return row
    audit = get_audit(session=session, audit_id=row.audit_id)
    row.acknowledged_by, row.acknowledged_at = who, utcnow()
    session.add(row)
    _event(session, audit, who, "safeguarding concern acknowledged", None, row.id[:8])
    return row


def for_audit(*, session: Session, audit_id: str) -> list[Escalation]:
    return list(session.exec(select(Escalation).where(Escalation.audit_id == audit_id)
                             .order_by(Escalation.raised_at)))


def unacknowledged(*, session: Session) -> list[tuple[Escalation, Audit]]:
    rows = session.exec(select(Escalation, Audit).join(Audit, Audit.id == Escalation.audit_id)
                        .where(Escalation.acknowledged_at.is_(None))
                        .order_by(Escalation.raised_at))
    return [(e, a) for e, a in rows]


def counts(*, session: Session, audit_ids=None) -> dict[str, int]:
    """How many concerns were raised and how many are still unacknowledged (for reports)."""
    statement = select(func.count(), func.count(Escalation.acknowledged_at))
    if audit_ids is not None:
        statement = statement.where(Escalation.audit_id.in_(list(audit_ids)))
    total, acked = session.exec(statement).one()
    return {"raised": total, "unacknowledged": total - acked}
