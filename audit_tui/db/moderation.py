"""Moderation: a second manager agrees with each grade of a submitted audit or records their own.

Like `store.py`, every function takes the session keyword-only, works in that session's
transaction (the caller commits), returns plain models and writes a history row for every change.
The overall grade is moderated under section_key '' (as in grade_fact).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists
from sqlmodel import Session, select

from .models import Audit, AuditEvent, Moderation, SectionResult, utcnow
from .store import NotFound, StoreError, _event, get_audit

OVERALL = ""


@dataclass(frozen=True)
class ModerationRule:
    """Which submitted audits are put in the moderation queue: every audit whose overall grade
    is in `grades`, and one in `one_in` of the others (0: none), chosen by the audit's id so
    the choice is the same on every laptop and every day."""

    grades: tuple[int, ...] = (4,)
    one_in: int = 5

    def selects(self, audit_id: str, overall_grade: int | None) -> bool:
        if overall_grade is not None and overall_grade in self.grades:
            return True
        if self.one_in <= 0:
            return False
        return int(audit_id.replace("-", "")[-12:], 16) % self.one_in == 0


def _created_by(session: Session, audit_id: str) -> str:
    row = session.exec(select(AuditEvent.who).where(
        AuditEvent.audit_id == audit_id, AuditEvent.what == "audit created")).first()
    return row or ""


def is_own_audit(*, session: Session, audit: Audit, moderator: str) -> bool:
    """An audit the moderator wrote (by the auditor's name, or the user who created it)."""
    me = moderator.strip().casefold()
    return bool(me) and me in (audit.auditor.strip().casefold(),
                               audit.created_by.strip().casefold(),
                               _created_by(session, audit.id).strip().casefold())


def auditor_grades(*, session: Session, audit_id: str) -> dict[str, tuple[str, int | None]]:
    """section_key -> (criterion, the auditor's grade) for every graded section, in the order
    of their keys on every engine, and the overall grade ('') last."""
    audit = get_audit(session=session, audit_id=audit_id)
    grades = {r.section_key: (r.criterion, r.grade) for r in session.exec(
        select(SectionResult).where(SectionResult.audit_id == audit_id)
        .order_by(SectionResult.section_key)) if not r.not_applicable}
    grades[OVERALL] = ("", audit.overall_grade)
    return grades


def moderation_for(*, session: Session, audit_id: str) -> dict[str, Moderation]:
    rows = session.exec(select(Moderation).where(Moderation.audit_id == audit_id))
    return {r.section_key: r for r in rows}


def record(*, session: Session, audit_id: str, section_key: str, who: str,
           grade: int | None = None, comment: str = "", facts: bool = True) -> Moderation:
    """The moderator's view of one grade: `grade` None agrees with the auditor; a grade of
    their own (the same as the auditor's also counts as agreeing) needs a comment when it
    differs. A moderator cannot moderate their own audit, and only a submitted audit.
    `facts` false: the caller records the audit's facts again itself once it has recorded
    several moderations (facts.record_facts_many), in the same transaction."""
    audit = get_audit(session=session, audit_id=audit_id)
    if audit.status != "submitted":
        raise StoreError("Only a submitted audit can be moderated.")
    if not who.strip():
        raise StoreError("The moderator's name is needed.")
    if is_own_audit(session=session, audit=audit, moderator=who):
        raise StoreError("You cannot moderate your own audit: ask another manager.")
    grades = auditor_grades(session=session, audit_id=audit_id)
    if section_key not in grades:
        raise NotFound(f"The audit has no grade for section {section_key!r}.")
    criterion, auditor_grade = grades[section_key]
    comment = comment.strip()
    moderator_grade = auditor_grade if grade is None else grade
    agrees = moderator_grade == auditor_grade
    if not agrees and not comment:
        raise StoreError("Say why your grade differs: the comment is kept with the audit.")
    row = session.get(Moderation, (audit_id, section_key))
    old = None if row is None else (row.moderator_grade, row.comment)
    if row is None:
        row = Moderation(audit_id=audit_id, section_key=section_key)
    row.criterion, row.auditor_grade, row.moderator_grade = criterion, auditor_grade, \
        moderator_grade
    row.agrees, row.comment, row.moderator, row.at = agrees, comment, who.strip(), utcnow()
    session.add(row)
    session.flush()  # before its history row: a server refuses a role on the moderation itself
    where = section_key or "overall"
    new = f"{'agrees' if agrees else 'grade'} {moderator_grade}" + (f": {comment}" if comment
                                                                   else "")
    _event(session, audit, who, f"moderation {where}",
           None if old is None else f"grade {old[0]}" + (f": {old[1]}" if old[1] else ""), new)
    # The reports count the moderated grade where there is one: record the facts again.
    session.flush()
    if facts:
        from .facts import record_facts

        record_facts(session=session, audit_id=audit_id)
    return row


def queue(*, session: Session, moderator: str, rule: ModerationRule) -> list[Audit]:
    """Submitted audits awaiting moderation by the rule (no moderated overall grade yet),
    never the moderator's own; oldest submission first."""
    moderated = exists().where(Moderation.audit_id == Audit.id,
                               Moderation.section_key == OVERALL)
    rows = session.exec(select(Audit).where(Audit.status == "submitted", ~moderated)
                        .order_by(Audit.submitted_at, Audit.id))
    return [a for a in rows if rule.selects(a.id, a.overall_grade)
            and not is_own_audit(session=session, audit=a, moderator=moderator)]


def moderated_audits(*, session: Session) -> list[Audit]:
    """Audits with any moderated grade (those without a moderated overall grade are still in
    the queue too), latest submission first; reopened ones (no submission time) last, on
    every engine (PostgreSQL would put NULLs first when descending, SQLite last)."""
    any_row = exists().where(Moderation.audit_id == Audit.id)
    return list(session.exec(select(Audit).where(any_row)
                             .order_by(Audit.submitted_at.desc().nulls_last(), Audit.id)))


def moderated_grades(*, session: Session) -> list[Moderation]:
    """Every moderated grade (for the reports and the agreement figures)."""
    return list(session.exec(select(Moderation)))
