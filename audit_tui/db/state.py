"""Read one audit from the database into the template logic's AuditState, and back.

Templates are rebuilt from the text stored with the audit (cached by hash), so an audit always
renders and adds up exactly as it was taken, whatever the template files say today.
"""

from __future__ import annotations

import json
from functools import lru_cache

from sqlmodel import Session

from ..templates.loader import parse_template_text
from ..templates.logic import NEVER, AuditState, SectionMark, Slot, age_value
from ..templates.model import Question, Template
from . import store
from .models import Answer, Audit


class TemplateTextBroken(store.StoreError):
    pass


@lru_cache(maxsize=64)
def template_from_text(text: str, name: str) -> Template:
    result = parse_template_text(text, name)
    if result.template is None:
        raise TemplateTextBroken("The template stored with this audit cannot be read: "
                                 + "; ".join(result.problems[:3]))
    return result.template


def template_for(*, session: Session, audit: Audit) -> Template:
    text = store.template_text(session=session, template_hash=audit.template_hash)
    return template_from_text(text, f"{audit.template_key} v{audit.template_version} (stored)")


def answer_value(question: Question | None, answer: Answer):
    """The logic's value for a stored answer."""
    qtype = question.type if question else ""
    if qtype == "grade":
        return answer.grade
    if qtype == "multi_choice":
        return json.loads(answer.choices) if answer.choices else []
    if qtype == "date":
        if answer.date_value is None and answer.text == NEVER:
            return NEVER  # "never happened" (allow_never)
        return answer.date_value
    if qtype == "age":
        return age_value(answer.text)
    if qtype == "number":
        value = answer.number_value
        if value is not None and question.integer and float(value).is_integer():
            return int(value)
        return value
    if qtype in ("yes_no", "choice"):
        return answer.choice
    return answer.text


def details_of(audit: Audit) -> dict:
    return {"case_reference": audit.case_reference, "team": audit.team,
            "service_area": audit.service_area, "social_worker": audit.social_worker,
            "auditor": audit.auditor, "audit_date": audit.audit_date}


def load_state(*, session: Session, audit_id: str) -> tuple[Audit, AuditState]:
    audit = store.get_audit(session=session, audit_id=audit_id)
    template = template_for(session=session, audit=audit)
    state = AuditState(template=template, details=details_of(audit),
                       overall_grade=audit.overall_grade,
                       overall_rationale=audit.overall_rationale)
    for answer in store.answers_for(session=session, audit_id=audit_id):
        q = state.question(answer.question_key)
        state.slots[(answer.question_key, answer.row_id)] = Slot(
            answer_value(q, answer), answer.not_applicable, answer.evidence)
    for row in store.rows_for(session=session, audit_id=audit_id):
        state.rows.setdefault(row.group_key, []).append(row.id)
    for result in store.section_results(session=session, audit_id=audit_id):
        state.sections[result.section_key] = SectionMark(
            result.grade, result.rationale, result.not_applicable, result.na_reason)
    from .conversation import presence

    state.conversation, state.feedback = presence(session=session, audit_id=audit_id)
    return audit, state


def value_fields(question: Question, value) -> dict:
    """The answer columns to write for a value of this question's type."""
    qtype = question.type
    if qtype == "grade":
        return {"grade": value}
    if qtype == "multi_choice":
        return {"choices": list(value or [])}
    if qtype == "date":
        if value == NEVER:
            return {"date_value": None, "text": NEVER}
        return {"date_value": value, "text": None}
    if qtype == "age":
        return {"text": None if value is None else str(value)}
    if qtype == "number":
        return {"number_value": None if value is None else float(value)}
    if qtype in ("yes_no", "choice"):
        return {"choice": value}
    return {"text": value}
