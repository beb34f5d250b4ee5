"""Starting an allocated audit: the case details and the template's dates come from the case
list, marked as pre-filled (their answers are saved by PREFILLED, so the audit's history says
where each came from) and editable like any answer.

The standard details are always filled (case reference, team, social worker, auditor); a
template's own case detail is filled when it says `prefill = "<case-list column key>"`."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa

from ..db import store
from ..db.state import PREFILLED, value_fields
from ..db.programme_models import ProgrammeCase
from .allocate import ALLOCATIONS, AllocationError, find, record
from .importer import now

CASES = ProgrammeCase.__table__


def typed_value(question, value: str):
    """A case-list value as the question's value, or None when it does not fit it."""
    if question.type == "date":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    if question.type in ("choice", "yes_no"):
        options = ([(c.value, c.label) for c in question.choices] if question.type == "choice"
                   else [(v, question.yes_no_label(v)) for v in question.yes_no_values()])
        for stored, label in options:
            if value.casefold() in (stored.casefold(), label.casefold()):
                return stored
        return None
    if question.type == "number":
        try:
            return float(value)
        except ValueError:
            return None
    return value if question.type in ("text", "long_text") else None


def start_allocated(*, session, allocation: str, catalog, who: str, today: date):
    """The audit of an allocation: started now (pre-filled) or, when it was started already,
    the one it has. AllocationError when it cannot be."""
    conn = session.connection()
    row = find(conn, allocation)
    if row.audit_id:
        try:
            return store.get_audit(session=session, audit_id=row.audit_id), False
        except store.NotFound:
            pass  # the draft was deleted: start it again
    if row.status != "allocated":
        raise AllocationError(f"{row.case_reference} ({row.month}) is not allocated to anyone "
                              "yet; allocate it first.")
    template = catalog.get(row.template_key)
    if template is None:
        raise AllocationError(f"The template '{row.template_key}' of this allocation is not "
                              "among the usable templates (audit-tui templates list).")
    case = conn.execute(sa.select(CASES).where(CASES.c.id == row.case_id)).first()
    worker = case.worker if case is not None else ""
    details = json.loads(case.details or "{}") if case is not None else {}
    audit = store.create_audit(session=session, template=template,
                               case_reference=row.case_reference, audit_date=today, who=who,
                               team=row.team, social_worker=worker, auditor=row.auditor)
    for question in template.details:
        value = details.get(question.prefill) if question.prefill else None
        typed = typed_value(question, str(value)) if value else None
        if typed is not None:
            store.save_answer(session=session, audit_id=audit.id, question_key=question.key,
                              who=PREFILLED, **value_fields(question, typed))
    conn.execute(ALLOCATIONS.update().where(ALLOCATIONS.c.id == row.id).values(
        audit_id=audit.id, updated_at=now()))
    record(conn, row.id, "audit_id", None, audit.id, who)
    return audit, True
