"""Store functions: every change to an audit goes through here.

Each function takes the session keyword-only, does its work in that session's transaction
(the caller commits, usually through `engine.session_scope`), and returns plain models. Every
change writes a history row (`audit_event`) with who, when, the old and the new value, in the
same transaction, so the history can never disagree with the data.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Iterable

from sqlalchemy import delete, func
from sqlmodel import Session, select

from ..input_rules import line_problem
from ..templates.model import Template
from . import quick_sql
from .models import (
    Action,
    Answer,
    Audit,
    AuditEvent,
    RepeatRow,
    SectionResult,
    TemplateVersion,
    new_id,
    utcnow,
)

ANSWER_FIELDS = ("grade", "choice", "choices", "text", "date_value", "number_value",
                 "not_applicable", "evidence")
CASE_FIELDS = ("case_reference", "team", "service_area", "social_worker", "auditor",
               "audit_date")
SECTION_FIELDS = ("grade", "rationale", "not_applicable", "na_reason")
ACTION_FIELDS = ("description", "owner", "due_date", "status", "completed_date", "note")


class StoreError(Exception):
    """A change the store refuses; the message is for the user."""


class AuditLocked(StoreError):
    pass


class NotFound(StoreError):
    pass


class ChangedElsewhere(StoreError):
    """A save would overwrite a newer value written by another copy of the tool."""

    def __init__(self, when) -> None:
        at = _local_time(when)
        super().__init__(f"This answer was changed in another window{at}; reload the audit "
                         "(escape, then open it again) to see it. Your value is kept on screen "
                         "and was not saved.")
        self.when = when


_NOT_CHECKED = object()
LOCKED = ("This audit has been submitted, so it is read-only. Reopen it with a reason to change "
          "it.")


def _utc_naive(value):
    """A stored time as naive UTC (SQLite gives naive times back, Python writes aware ones)."""
    from datetime import UTC

    if value is not None and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _local_time(when) -> str:
    from datetime import UTC

    if when is None:
        return ""
    return " at " + _utc_naive(when).replace(tzinfo=UTC).astimezone().strftime("%H:%M")


def _show(value: Any) -> str | None:
    """How a value is written into the history."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), ensure_ascii=False)
    return str(value)


def _event(session: Session, audit: Audit, who: str, what: str, old: Any, new: Any) -> None:
    session.add(AuditEvent(audit_id=audit.id, who=who, what=what, old_value=_show(old),
                           new_value=_show(new)))


def _touch(audit: Audit) -> None:
    audit.updated_at = utcnow()
    audit.revision += 1


def _editable(session: Session, audit_id: str) -> Audit:
    audit = get_audit(session=session, audit_id=audit_id)
    if audit.status != "draft":
        raise AuditLocked(LOCKED)
    return audit


# -- templates ---------------------------------------------------------------------------------
def ensure_template_version(*, session: Session, template: Template) -> TemplateVersion:
    """Store the exact text of a template version (once), so audits always render as taken.
    Idempotent when two programs store the same version at once (the demo and a bundle import
    on a fresh database): the row is inserted with ON CONFLICT DO NOTHING on both engines (on
    PostgreSQL the second insert waits for the first transaction, then does nothing)."""
    found = session.get(TemplateVersion, template.text_hash)
    if found is not None:
        return found
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(TemplateVersion)
        .values(hash=template.text_hash, key=template.key, version=template.version,
                title=template.title, text=template.text, stored_at=utcnow())
        .on_conflict_do_nothing(index_elements=["hash"]))
    return session.get(TemplateVersion, template.text_hash, populate_existing=True)


def template_text(*, session: Session, template_hash: str) -> str:
    row = session.get(TemplateVersion, template_hash)
    if row is None:
        raise NotFound(f"The template version {template_hash[:12]} is not in this database.")
    return row.text


# -- audits ------------------------------------------------------------------------------------
def create_audit(*, session: Session, template: Template, case_reference: str, audit_date: date,
                 who: str, team: str = "", service_area: str = "", social_worker: str = "",
                 auditor: str = "") -> Audit:
    case_reference = case_reference.strip()
    if not case_reference:
        raise StoreError("A case reference is needed to start an audit.")
    for name, value in (("case_reference", case_reference), ("team", team),
                        ("service_area", service_area), ("social_worker", social_worker),
                        ("auditor", auditor)):
        _check_line(name, value.strip())
    ensure_template_version(session=session, template=template)
    audit = Audit(template_key=template.key, template_version=template.version,
                  template_hash=template.text_hash, case_reference=case_reference,
                  team=team.strip(), service_area=service_area.strip(),
                  social_worker=social_worker.strip(), auditor=auditor.strip(),
                  audit_date=audit_date, created_by=who.strip()[:200])
    session.add(audit)
    session.flush()
    _event(session, audit, who, "audit created", None,
           f"{template.key} v{template.version}")
    return audit


def _check_line(name: str, value: str) -> None:
    """A one-line detail as input_rules takes it (the same rule a bundle's records meet)."""
    wrong = line_problem(value)
    if wrong:
        raise StoreError(f"The {name.replace('_', ' ')} {wrong}.")


def _check_action(fields: dict) -> None:
    """An action's owner is a one-line detail (its description and note are kept exactly)."""
    if isinstance(fields.get("owner"), str):
        _check_line("owner", fields["owner"].strip())


def get_audit(*, session: Session, audit_id: str) -> Audit:
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise NotFound("That audit is no longer in the database.")
    return audit


def list_audits(*, session: Session) -> list[Audit]:
    statement = select(Audit).order_by(Audit.status, Audit.updated_at.desc())
    return list(session.exec(statement))


def update_case_details(*, session: Session, audit_id: str, who: str, **fields: Any) -> Audit:
    audit = _editable(session, audit_id)
    for name, value in fields.items():
        if name not in CASE_FIELDS:
            raise ValueError(f"not a case detail: {name}")
        if isinstance(value, str):
            value = value.strip()
        if name == "case_reference" and not value:
            raise StoreError("The case reference cannot be empty.")
        if isinstance(value, str):
            _check_line(name, value)
        old = getattr(audit, name)
        if old != value:
            setattr(audit, name, value)
            _event(session, audit, who, name, old, value)
            _touch(audit)
    session.add(audit)
    return audit


def set_progress(*, session: Session, audit_id: str, answered: int, required: int,
                 resume_at: str | None = None) -> None:
    """Keep the home screen's progress figures and the resume point (no history: derived)."""
    session.flush()  # changes made through the ORM in this session go first (and are kept)
    if quick_sql.set_progress(session.connection(), audit_id, answered, required,
                              resume_at) == 0:
        raise NotFound("That audit is no longer in the database.")
    _expire(session, Audit, audit_id)


def delete_draft(*, session: Session, audit_id: str) -> None:
    audit = get_audit(session=session, audit_id=audit_id)
    if audit.status != "draft":
        raise AuditLocked("Only a draft can be deleted; this audit has been submitted.")
    session.delete(audit)


# -- answers -----------------------------------------------------------------------------------
def answers_for(*, session: Session, audit_id: str) -> list[Answer]:
    return list(session.exec(select(Answer).where(Answer.audit_id == audit_id)))


def _expire(session: Session, model, key: str) -> None:
    """Forget `model` `key` in the session's identity map, if loaded: it was changed with
    SQL of its own (quick_sql: the walk's saves, which must be quick), so it is read again
    when used."""
    loaded = session.identity_map.get(session.identity_key(model, key))
    if loaded is not None:
        session.expire(loaded)


def save_answer(*, session: Session, audit_id: str, question_key: str, who: str,
                row_id: str = "", expected_updated_at: Any = _NOT_CHECKED,
                progress: tuple[int, int, str | None] | None = None, **fields: Any) -> Answer:
    """Set some fields of one answer (the others keep their value); one row per slot.

    `expected_updated_at`: the `updated_at` of the answer as the caller last saw it (None: it
    saw no answer). If the stored answer is different, another copy of the tool changed it
    since, and ChangedElsewhere is raised rather than silently overwriting that change.

    `progress`: (answered, required, resume point or None) to store with the audit's change
    (as `set_progress` would), in the same statement.

    The walk saves an answer at every key press, so this is written with SQL of its own
    (quick_sql; no ORM unit of work): one read of the audit's status and the answer, then
    the writes of the answer, its history rows and the audit (one statement on a server)."""
    unknown = set(fields) - set(ANSWER_FIELDS)
    if unknown:
        raise ValueError(f"not answer fields: {sorted(unknown)}")
    if "choices" in fields and isinstance(fields["choices"], (list, tuple)):
        fields["choices"] = json.dumps(list(fields["choices"]), ensure_ascii=False)
    session.flush()  # changes made through the ORM in this session go first (and are kept)
    conn = session.connection()
    status, row = quick_sql.read_slot(conn, audit_id, question_key, row_id)
    if status is None:
        raise NotFound("That audit is no longer in the database.")
    if status != "draft":
        raise AuditLocked(LOCKED)
    if expected_updated_at is not _NOT_CHECKED:
        stored = None if row is None else _utc_naive(row["updated_at"])
        if stored != _utc_naive(expected_updated_at):
            raise ChangedElsewhere(stored)
    current = row if row is not None else {
        **dict.fromkeys(quick_sql.ANSWER_COLUMNS), "id": new_id(), "audit_id": audit_id,
        "question_key": question_key, "row_id": row_id, "not_applicable": False,
        "evidence": "", "updated_by": ""}
    where = question_key + (f" [{row_id[:8]}]" if row_id else "")
    now = utcnow()
    events = []
    for name, value in fields.items():
        old = current[name]
        if old != value:
            current[name] = value
            label = where if name not in ("evidence", "not_applicable") else f"{where} {name}"
            events.append({"id": new_id(), "audit_id": audit_id, "at": now, "who": who,
                           "what": f"answer {label}", "old_value": _show(old),
                           "new_value": _show(value)})
    if not events:
        if progress is not None:
            set_progress(session=session, audit_id=audit_id, answered=progress[0],
                         required=progress[1], resume_at=progress[2])
        return Answer(**{k: v for k, v in current.items() if v is not None})
    current["updated_at"], current["updated_by"] = now, who
    changed = None if row is None else (*fields, "updated_at", "updated_by")
    if quick_sql.write_answer(conn, answer=current, changed=changed, events=events,
                              audit_id=audit_id, now=now, progress=progress) == 0:
        raise NotFound("That audit is no longer in the database.")
    if row is not None:
        _expire(session, Answer, current["id"])
    _expire(session, Audit, audit_id)
    return Answer(**current)


def clear_answer(*, session: Session, audit_id: str, question_key: str, who: str,
                 row_id: str = "") -> None:
    """Remove the value of an answer (its evidence note stays)."""
    save_answer(session=session, audit_id=audit_id, question_key=question_key, who=who,
                row_id=row_id, grade=None, choice=None, choices=None, text=None,
                date_value=None, number_value=None, not_applicable=False)


# -- repeating rows ----------------------------------------------------------------------------
def rows_for(*, session: Session, audit_id: str) -> list[RepeatRow]:
    statement = select(RepeatRow).where(RepeatRow.audit_id == audit_id).order_by(
        RepeatRow.group_key, RepeatRow.position, RepeatRow.created_at)
    return list(session.exec(statement))


def add_row(*, session: Session, audit_id: str, group_key: str, who: str) -> RepeatRow:
    audit = _editable(session, audit_id)
    last = session.exec(select(func.max(RepeatRow.position)).where(
        RepeatRow.audit_id == audit_id, RepeatRow.group_key == group_key)).one()
    row = RepeatRow(audit_id=audit_id, group_key=group_key, position=(last or 0) + 1)
    session.add(row)
    _event(session, audit, who, f"row added to {group_key}", None, row.id[:8])
    _touch(audit)
    session.add(audit)
    return row


def remove_row(*, session: Session, audit_id: str, row_id: str, who: str) -> None:
    audit = _editable(session, audit_id)
    row = session.get(RepeatRow, row_id)
    if row is None or row.audit_id != audit_id:
        raise NotFound("That row is no longer in the audit.")
    answers = session.exec(select(Answer).where(Answer.audit_id == audit_id,
                                                Answer.row_id == row_id)).all()
    summary = {a.question_key: _show(a.date_value or a.choice or a.text or a.grade
                                     or a.number_value) for a in answers}
    session.exec(delete(Answer).where(Answer.audit_id == audit_id, Answer.row_id == row_id))
    session.delete(row)
    _event(session, audit, who, f"row removed from {row.group_key}",
           json.dumps(summary, ensure_ascii=False), None)
    _touch(audit)
    session.add(audit)


# -- sections and the overall grade ------------------------------------------------------------
def section_results(*, session: Session, audit_id: str) -> list[SectionResult]:
    return list(session.exec(select(SectionResult).where(SectionResult.audit_id == audit_id)))


def save_section(*, session: Session, audit_id: str, section_key: str, criterion: str, who: str,
                 **fields: Any) -> SectionResult:
    unknown = set(fields) - set(SECTION_FIELDS)
    if unknown:
        raise ValueError(f"not section fields: {sorted(unknown)}")
    audit = _editable(session, audit_id)
    result = session.get(SectionResult, (audit_id, section_key))
    if result is None:
        result = SectionResult(audit_id=audit_id, section_key=section_key, criterion=criterion)
    for name, value in fields.items():
        old = getattr(result, name)
        if old != value:
            setattr(result, name, value)
            _event(session, audit, who, f"section {section_key} {name}", old, value)
            result.updated_at = utcnow()
            _touch(audit)
    session.add(result)
    session.add(audit)
    return result


def set_overall(*, session: Session, audit_id: str, who: str, grade: Any = ...,
                rationale: Any = ...) -> Audit:
    audit = _editable(session, audit_id)
    for name, value in (("overall_grade", grade), ("overall_rationale", rationale)):
        if value is ...:
            continue
        old = getattr(audit, name)
        if old != value:
            setattr(audit, name, value)
            _event(session, audit, who, name.replace("_", " "), old, value)
            _touch(audit)
    session.add(audit)
    return audit


# -- status ------------------------------------------------------------------------------------
def submit(*, session: Session, audit_id: str, who: str) -> Audit:
    audit = _editable(session, audit_id)
    audit.status = "submitted"
    audit.submitted_at = utcnow()
    _event(session, audit, who, "status", "draft", "submitted")
    _touch(audit)
    session.add(audit)
    return audit


def reopen(*, session: Session, audit_id: str, who: str, reason: str) -> Audit:
    reason = reason.strip()
    if not reason:
        raise StoreError("Say why the audit is being reopened: the reason goes into its history.")
    audit = get_audit(session=session, audit_id=audit_id)
    if audit.status == "draft":
        raise StoreError("This audit is already a draft.")
    old = audit.status
    audit.status = "draft"
    audit.submitted_at = None
    _event(session, audit, who, f"status (reopened: {reason})", old, "draft")
    _touch(audit)
    session.add(audit)
    return audit


# -- actions -----------------------------------------------------------------------------------
def actions_for(*, session: Session, audit_id: str) -> list[Action]:
    statement = select(Action).where(Action.audit_id == audit_id).order_by(Action.created_at)
    return list(session.exec(statement))


def add_action(*, session: Session, audit_id: str, who: str, description: str, owner: str = "",
               due_date: date | None = None) -> Action:
    audit = _editable(session, audit_id)
    if not description.strip():
        raise StoreError("An action needs a description.")
    _check_action({"description": description, "owner": owner})
    action = Action(audit_id=audit_id, description=description.strip(), owner=owner.strip(),
                    due_date=due_date)
    session.add(action)
    _event(session, audit, who, "action added", None, action.description)
    _touch(audit)
    session.add(audit)
    return action


def update_action(*, session: Session, action_id: str, who: str, **fields: Any) -> Action:
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise ValueError(f"not action fields: {sorted(unknown)}")
    _check_action(fields)
    action = session.get(Action, action_id)
    if action is None:
        raise NotFound("That action is no longer in the database.")
    # Actions are followed up after the audit is submitted, so a submitted audit's actions
    # can still change (status, completion); the change is in the audit's history.
    audit = get_audit(session=session, audit_id=action.audit_id)
    for name, value in fields.items():
        old = getattr(action, name)
        if old != value:
            setattr(action, name, value)
            _event(session, audit, who, f"action {name}", old, value)
            action.updated_at = utcnow()
            _touch(audit)
    session.add(action)
    session.add(audit)
    return action


def remove_action(*, session: Session, action_id: str, who: str) -> None:
    action = session.get(Action, action_id)
    if action is None:
        raise NotFound("That action is no longer in the database.")
    audit = _editable(session, action.audit_id)
    _event(session, audit, who, "action removed", action.description, None)
    session.delete(action)
    _touch(audit)
    session.add(audit)


# -- history -----------------------------------------------------------------------------------
def history(*, session: Session, audit_id: str) -> list[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.audit_id == audit_id).order_by(
        AuditEvent.at)
    return list(session.exec(statement))


def counts(*, session: Session, tables: Iterable[type] = (Audit, Answer, Action)) -> dict:
    return {t.__tablename__: session.exec(select(func.count()).select_from(t)).one()
            for t in tables}
