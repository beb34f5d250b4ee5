"""Submitting and reopening an audit: the steps that involve the template's rules as well as
the store. The UI and the command line call these, never store.submit directly."""

from __future__ import annotations

from sqlmodel import Session

from . import store
from .facts import clear_facts, record_facts
from .models import Audit
from .state import load_state


class SubmitRefused(store.StoreError):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("The audit cannot be submitted yet: " + "; ".join(reasons[:5])
                         + (f" and {len(reasons) - 5} more" if len(reasons) > 5 else "") + ".")
        self.reasons = reasons


def submit_audit(*, session: Session, audit_id: str, who: str) -> Audit:
    """Submit a draft, refusing (with every reason) while anything required is missing."""
    audit, state = load_state(session=session, audit_id=audit_id)
    missing = state.missing()
    if missing:
        raise SubmitRefused([m.text for m in missing])
    done, total = state.progress()
    store.set_progress(session=session, audit_id=audit_id, answered=done, required=total)
    audit = store.submit(session=session, audit_id=audit_id, who=who)
    record_facts(session=session, audit_id=audit_id)  # what the QA team's figures count
    return audit


def reopen_audit(*, session: Session, audit_id: str, who: str, reason: str) -> Audit:
    audit = store.reopen(session=session, audit_id=audit_id, who=who, reason=reason)
    clear_facts(session=session, audit_id=audit_id)  # out of the figures until resubmitted
    return audit
