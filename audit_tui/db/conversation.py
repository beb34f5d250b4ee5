"""The audit as a conversation: the worker's side (their reflection) and the family's feedback.

Like `store.py`, every function takes the session keyword-only, works in that session's
transaction (the caller commits) and writes a history row for every change. Both parts can be
recorded (and feedback corrected or removed) on a draft or a submitted audit: the conversation
with the worker often happens after the audit is finished, and it is an addition to the audit,
not a change of its grades.
"""

from __future__ import annotations

import json
import re
from datetime import date

from sqlmodel import Session, select

from .models import FamilyFeedback, WorkerConversation, utcnow
from .store import NotFound, StoreError, _event, _touch, get_audit

HOW_SPOKEN = {"in_person": "In person", "phone": "Phone", "video": "Video call",
              "email": "Email", "other": "Other"}
AGREES = {"yes": "Agrees with the grades", "partly": "Agrees in part",
          "no": "Does not agree", "": "Not said"}
FEEDBACK_WHO = {"child": "Child", "young_person": "Young person", "parent": "Parent",
                "carer": "Carer", "other": "Other"}
FEEDBACK_HOW = {"call": "Phone call", "visit": "Visit", "survey": "Survey", "other": "Other"}
WORKER_FIELDS = ("spoken_on", "how", "reflection", "agrees", "disagreement", "support")


def worker_conversation(*, session: Session, audit_id: str) -> WorkerConversation | None:
    return session.get(WorkerConversation, audit_id)


def family_feedback(*, session: Session, audit_id: str) -> list[FamilyFeedback]:
    return list(session.exec(select(FamilyFeedback).where(FamilyFeedback.audit_id == audit_id)
                             .order_by(FamilyFeedback.created_at, FamilyFeedback.id)))


def feedback_answers(feedback: FamilyFeedback) -> list[tuple[str, str]]:
    """The answers to the template's feedback questions, as (question, answer) pairs."""
    try:
        pairs = json.loads(feedback.answers or "[]")
    except ValueError:
        return []
    if not isinstance(pairs, list):
        return []
    return [(str(p[0]), str(p[1])) for p in pairs if isinstance(p, list) and len(p) == 2]


def _check_day(value: date | None, what: str) -> None:
    if value is not None and value > date.today():
        raise StoreError(f"The day {what} cannot be in the future.")


def record_worker(*, session: Session, audit_id: str, who: str, spoken_on: date | None,
                  how: str, reflection: str, agrees: str = "", disagreement: str = "",
                  support: str = "") -> WorkerConversation:
    """Record (or correct) the conversation with the worker. The reflection is needed; where
    the worker does not agree with the grades (in part or at all), why."""
    audit = get_audit(session=session, audit_id=audit_id)
    if how not in HOW_SPOKEN:
        raise StoreError("Say how the worker was spoken to: "
                         + ", ".join(HOW_SPOKEN.values()).lower() + ".")
    if agrees not in AGREES:
        raise StoreError("Whether the worker agrees should be yes, partly, no or not said.")
    if not reflection.strip():
        raise StoreError("Write the worker's reflection, in their words.")
    if agrees in ("partly", "no") and not disagreement.strip():
        raise StoreError("The worker does not agree with every grade: say where and why.")
    _check_day(spoken_on, "the worker was spoken to")
    row = session.get(WorkerConversation, audit_id)
    new = {"spoken_on": spoken_on, "how": how, "reflection": reflection.strip(),
           "agrees": agrees, "disagreement": disagreement.strip(), "support": support.strip()}
    if row is None:
        row = WorkerConversation(audit_id=audit_id)
        _event(session, audit, who, "worker conversation recorded", None,
               f"{HOW_SPOKEN[how]}, {spoken_on.isoformat() if spoken_on else 'no date'}")
    changed = False
    for name, value in new.items():
        old = getattr(row, name)
        if old != value:
            if row.recorded_by:  # a correction: the old value is kept in the history
                _event(session, audit, who, f"worker conversation {name}", old, value)
            setattr(row, name, value)
            changed = True
    if changed:
        row.recorded_by, row.updated_at = who, utcnow()
        session.add(row)
        _touch(audit)
        session.add(audit)
    return row


def record_feedback(*, session: Session, audit_id: str, who: str, from_whom: str, how: str,
                    gathered_on: date | None, said: str,
                    answers: list[tuple[str, str]] | None = None,
                    feedback_id: str = "") -> FamilyFeedback:
    """Record feedback from the child, young person, parent or carer (or correct one already
    recorded, by `feedback_id`). What they said, or an answer to a feedback question, is
    needed."""
    audit = get_audit(session=session, audit_id=audit_id)
    if from_whom not in FEEDBACK_WHO:
        raise StoreError("Say who gave the feedback: child, young person, parent, carer or "
                         "other.")
    if how not in FEEDBACK_HOW:
        raise StoreError("Say how the feedback was gathered: phone call, visit, survey or "
                         "other.")
    pairs = [(q, a.strip()) for q, a in (answers or [])]
    if not said.strip() and not any(a for _, a in pairs):
        raise StoreError("Write what they said.")
    _check_day(gathered_on, "the feedback was gathered")
    encoded = json.dumps([list(p) for p in pairs], ensure_ascii=False)
    if feedback_id:
        row = session.get(FamilyFeedback, feedback_id)
        if row is None or row.audit_id != audit_id:
            raise NotFound("That feedback is no longer in the database.")
        old = f"{row.who} by {row.how}: {row.said}"
    else:
        row, old = FamilyFeedback(audit_id=audit_id, who=from_whom, how=how), None
    row.who, row.how, row.gathered_on = from_whom, how, gathered_on
    row.said, row.answers, row.recorded_by, row.updated_at = said.strip(), encoded, who, utcnow()
    session.add(row)
    _event(session, audit, who, "family feedback " + ("changed" if old else "recorded"), old,
           f"{from_whom} by {how}: {row.said}")
    _touch(audit)
    session.add(audit)
    return row


def remove_feedback(*, session: Session, audit_id: str, who: str, feedback_id: str) -> None:
    """Remove one piece of feedback (recorded by mistake, or on the wrong audit). What it said
    is kept in the audit's history as the old value."""
    audit = get_audit(session=session, audit_id=audit_id)
    row = session.get(FamilyFeedback, feedback_id)
    if row is None or row.audit_id != audit_id:
        raise NotFound("That feedback is no longer in the database.")
    _event(session, audit, who, FEEDBACK_REMOVED, f"{row.who} by {row.how}: {row.said}",
           removal_note(feedback_id))
    session.delete(row)
    _touch(audit)
    session.add(audit)


FEEDBACK_REMOVED = "family feedback removed"


def removal_note(feedback_id: str) -> str:
    """The new value of a removal's history row: it names the feedback, so that a bundle
    holding the feedback does not bring it back (sync/conversation.py)."""
    return f"(removed: feedback {feedback_id})"


def removed_ids(events) -> set[str]:
    """The ids of the feedback removed, from history rows as (what, new_value) pairs."""
    found = set()
    for what, new_value in events:
        if what == FEEDBACK_REMOVED and new_value:
            match = re.fullmatch(r"\(removed: feedback ([0-9A-Za-z-]+)\)", new_value)
            if match:
                found.add(match.group(1))
    return found


def presence(*, session: Session, audit_id: str) -> tuple[bool, bool]:
    """(the worker's reflection is recorded, some family feedback is recorded)."""
    row = session.get(WorkerConversation, audit_id)
    feedback = session.exec(select(FamilyFeedback.id).where(
        FamilyFeedback.audit_id == audit_id).limit(1)).first()
    return (row is not None and bool(row.reflection.strip()), feedback is not None)
