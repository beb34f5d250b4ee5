"""Read one audit from the database into the template logic's AuditState, and back.

Templates are rebuilt from the text stored with the audit (cached by hash), so an audit always
renders and adds up exactly as it was taken, whatever the template files say today.
"""

from __future__ import annotations

import json
from functools import lru_cache

from sqlmodel import Session

from ..templates.frozen import FrozenState, KeptTemplate
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


# Who saved an answer the audit programme filled in from the case list (programme/prefill.py);
# the walk marks such an answer until someone changes it.
PREFILLED = "pre-filled from the case list"


def details_of(audit: Audit) -> dict:
    return {"case_reference": audit.case_reference, "team": audit.team,
            "service_area": audit.service_area, "social_worker": audit.social_worker,
            "auditor": audit.auditor, "audit_date": audit.audit_date}


def build_state(*, template: Template, audit, answers, rows, results,
                presence: tuple[bool, bool], frozen: bool = False) -> AuditState:
    """The AuditState of one audit from its stored rows (ORM objects or Core rows: anything
    with the columns as attributes; repeat rows in their order). `frozen`: a FrozenState,
    read-only (its answers and marks never change), that remembers what shows."""
    state = (FrozenState if frozen else AuditState)(template=template, details=details_of(audit),
                       overall_grade=audit.overall_grade,
                       overall_rationale=audit.overall_rationale)
    for answer in answers:
        q = state.question(answer.question_key)
        state.slots[(answer.question_key, answer.row_id)] = Slot(
            answer_value(q, answer), answer.not_applicable, answer.evidence,
            answer.updated_by == PREFILLED)
    for row in rows:
        state.rows.setdefault(row.group_key, []).append(row.id)
    for result in results:
        state.sections[result.section_key] = SectionMark(
            result.grade, result.rationale, result.not_applicable, result.na_reason)
    state.conversation, state.feedback = presence
    state.frozen = frozen
    return state


def load_state(*, session: Session, audit_id: str) -> tuple[Audit, AuditState]:
    from .conversation import presence

    audit = store.get_audit(session=session, audit_id=audit_id)
    state = build_state(
        template=template_for(session=session, audit=audit), audit=audit,
        answers=store.answers_for(session=session, audit_id=audit_id),
        rows=store.rows_for(session=session, audit_id=audit_id),
        results=store.section_results(session=session, audit_id=audit_id),
        presence=presence(session=session, audit_id=audit_id))
    return audit, state


BATCH = 500  # audits a query reads at a time in load_states


def load_states(*, session: Session, audit_ids: list[str]):
    """(audit row, AuditState) for many audits, BATCH at a time with one query a table (for
    work over thousands of audits: a bundle's import). Yields in `audit_ids` order and skips
    ids not in the database. `build_state` makes each state, as `load_state` does for one,
    but frozen (templates/frozen.py): the states are for reading, never for changing."""
    import sqlalchemy as sa

    from .models import FamilyFeedback, RepeatRow, SectionResult, WorkerConversation

    conn = session.connection()
    templates: dict[str, Template] = {}

    def grouped(table, ids, *order):
        out: dict[str, list] = {}
        for row in conn.execute(sa.select(table).where(table.c.audit_id.in_(ids))
                                .order_by(*order)):
            out.setdefault(row.audit_id, []).append(row)
        return out

    session.flush()
    for start in range(0, len(audit_ids), BATCH):
        ids = audit_ids[start:start + BATCH]
        audit_t = Audit.__table__
        audits = {row.id: row for row in conn.execute(
            sa.select(audit_t).where(audit_t.c.id.in_(ids)))}
        answers = grouped(Answer.__table__, ids)
        repeat_t = RepeatRow.__table__
        rows = grouped(repeat_t, ids, repeat_t.c.audit_id, repeat_t.c.group_key,
                       repeat_t.c.position, repeat_t.c.created_at)
        results = grouped(SectionResult.__table__, ids)
        conversation_t = WorkerConversation.__table__
        reflected = {r.audit_id for r in conn.execute(
            sa.select(conversation_t.c.audit_id, conversation_t.c.reflection)
            .where(conversation_t.c.audit_id.in_(ids))) if (r.reflection or "").strip()}
        feedback_t = FamilyFeedback.__table__
        with_feedback = {r[0] for r in conn.execute(
            sa.select(feedback_t.c.audit_id).where(feedback_t.c.audit_id.in_(ids)).distinct())}
        for audit_id in ids:
            audit = audits.get(audit_id)
            if audit is None:
                continue
            template = templates.get(audit.template_hash)
            if template is None:
                template = templates[audit.template_hash] = KeptTemplate.of(
                    template_for(session=session, audit=audit))
            yield audit, build_state(
                template=template, audit=audit, answers=answers.get(audit_id, ()),
                rows=rows.get(audit_id, ()), results=results.get(audit_id, ()),
                presence=(audit_id in reflected, audit_id in with_feedback), frozen=True)


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
