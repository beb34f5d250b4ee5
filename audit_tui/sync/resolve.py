"""Conflicts from bundles: list them in words, and resolve them field by field.

Keeping mine leaves the audit as it is; keeping theirs writes the bundle's value. Either way
the choice goes into the audit's history, the conflict is cleared, and the other side's value
becomes what the two agree on, so the same bundle imported again changes nothing. The report
facts and progress figures follow the audit's new content.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from ..templates.model import Template
from . import apply, records

KEEP = ("mine", "theirs")
YES_NO = {"yes": "Yes", "no": "No", "na": "Not applicable"}
ROW_KINDS = records.ROW_KINDS
CASE_LABELS = {"case_reference": "Case reference", "team": "Team",
               "service_area": "Service area", "social_worker": "Social worker",
               "auditor": "Auditor", "audit_date": "Audit date"}


@dataclass
class FieldConflict:
    field: str
    label: str
    mine: str  # this database's value, now
    theirs: str  # the bundle's value


@dataclass
class AuditConflicts:
    audit_id: str
    case_reference: str
    template: str
    status: str
    team: str
    fields: list[FieldConflict] = field(default_factory=list)


def _template(session: Session, template_hash: str, name: str) -> Template | None:
    from ..db.state import TemplateTextBroken, template_from_text

    row = session.connection().exec_driver_sql(
        "SELECT text FROM template_version WHERE hash = ?", (template_hash,)).first()
    if row is None:
        return None
    try:
        return template_from_text(row[0], name)
    except TemplateTextBroken:
        return None


def _section_title(template, key: str) -> str:
    """A section's title from the template, else its key."""
    if template is not None:
        try:
            return template.section(key).title
        except KeyError:
            pass
    return key


def field_label(template: Template | None, field: str, rows: list[Any]) -> str:
    """What the QA user reads for a field: the question's prompt, the section's title..."""
    kind, _, rest = field.partition(":")
    if kind == "case":
        return CASE_LABELS.get(rest, rest)
    if kind == "overall":
        return "Overall grade" if rest == "grade" else "Overall rationale"
    if kind == "status":
        return "Status"
    if kind == "answer":
        question, _, row_id = rest.partition(":")
        prompt = question
        if template is not None:
            try:
                prompt = template.question(question).prompt
            except KeyError:
                pass
        return prompt + (f" (row {row_id[:8]})" if row_id else "")
    if kind == "section":
        return f"Section: {_section_title(template, rest)}"
    if kind == "action":
        described = next((r[1] for r in rows if r), "")
        return f"Action: {described}" if described else "Action"
    if kind == "row":
        group = next((r[1] for r in rows if r), "")
        return f"Row of {group}" if group else "Repeat row"
    if kind == "moderation":
        return f"Moderation: {_section_title(template, rest) if rest else 'overall grade'}"
    return field


def value_text(template: Template | None, field: str, value: Any) -> str:
    """A field's value in words; '(none)' for an absent answer, action or row."""
    kind, _, rest = field.partition(":")
    if value is None and kind in ROW_KINDS:
        return "(none)"
    if kind == "answer" and template is not None:
        try:
            question = template.question(rest.partition(":")[0])
        except KeyError:
            question = None
        grade, choice, choices, text, date_value, number, na, evidence = value
        if na:
            shown = "Not applicable"
        elif question is not None and question.type == "grade" and grade is not None:
            shown = f"{grade} {template.scale_for(question.scale).label(grade)}".strip()
        elif question is not None and question.type == "yes_no" and choice is not None:
            shown = YES_NO.get(choice, choice)
        elif question is not None and choice is not None:
            shown = question.choice_label(choice)
        elif choices:
            shown = ", ".join(question.choice_label(c) if question else c
                              for c in json.loads(choices))
        else:
            shown = next((str(v) for v in (grade, choice, date_value, number, text)
                          if v is not None), "(no answer)")
        return shown + (f" — evidence: {evidence}" if evidence else "")
    if kind == "section" and template is not None:
        _, grade, rationale, na, reason = value
        if na:
            return f"Does not apply: {reason}"
        try:
            scale = template.scale_for(template.section(rest).scale)
            label = scale.label(grade) if grade is not None else ""
        except KeyError:
            label = ""
        return f"{grade if grade is not None else '-'} {label}".strip() + \
            (f" — {rationale}" if rationale else "")
    if kind == "moderation":
        _, auditor_grade, grade, agrees, comment, moderator = value
        shown = f"agrees with {auditor_grade}" if agrees else f"{grade} (auditor {auditor_grade})"
        return shown + (f" — {comment}" if comment else "") + (f", by {moderator}"
                                                             if moderator else "")
    if kind == "overall" and rest == "grade" and template is not None and value is not None:
        return f"{value} {template.scale_for(template.overall.scale).label(value)}".strip()
    if kind == "status":
        return value[0] + (f" ({value[1][:16]})" if value[1] else "")
    shown = apply.show(field, value)
    return "(empty)" if shown in (None, "") else shown


def list_conflicts(*, session: Session) -> list[AuditConflicts]:
    """Every audit with conflicts, and each conflicting field: this database's value now and
    the bundle's."""
    conn = session.connection()
    found = conn.exec_driver_sql(
        "SELECT c.audit_id, c.field, c.theirs, a.case_reference, a.template_hash, "
        "a.template_key, a.template_version, a.status, a.team FROM sync_conflict c "
        "JOIN audit a ON a.id = c.audit_id ORDER BY a.case_reference, c.audit_id, c.field").all()
    out: dict[str, AuditConflicts] = {}
    mine: dict[str, tuple[dict, dict]] = {}
    ids = list(dict.fromkeys(r[0] for r in found))
    for record in records.read_records(conn, ids):
        mine[record["id"]] = (records.fields_of(record), records.full_rows(record))
    templates: dict[str, Template | None] = {}
    template_of: dict[str, str] = {}
    for audit_id, field_key, theirs_text, case, t_hash, t_key, t_version, status, team in found:
        template_of[audit_id] = t_hash
        if t_hash not in templates:
            templates[t_hash] = _template(session, t_hash, f"{t_key} v{t_version} (stored)")
        template = templates[t_hash]
        item = out.setdefault(audit_id, AuditConflicts(audit_id, case, t_key if template is None
                                                       else template.title, status, team))
        my_fields, my_rows = mine.get(audit_id, ({}, {}))
        theirs_row = None if theirs_text is None else json.loads(theirs_text)
        theirs_value = records.field_value(field_key, theirs_row) \
            if field_key.split(":", 1)[0] in ROW_KINDS else theirs_row
        label = field_label(template, field_key, [my_rows.get(field_key), theirs_row])
        item.fields.append(FieldConflict(
            field_key, label, value_text(template, field_key, my_fields.get(field_key)),
            value_text(template, field_key, theirs_value)))
    for audit_id, item in out.items():
        template = templates[template_of[audit_id]]
        item.fields.sort(key=lambda f: _order(template, f.field))
    return list(out.values())


KIND_ORDER = {"case": 0, "status": 1, "answer": 2, "row": 3, "section": 4, "overall": 5,
              "action": 6, "moderation": 7}


def _order(template: Template | None, field_key: str) -> tuple:
    """Case details first, then the answers in the template's order, sections, the overall
    grade and rationale, then actions."""
    kind, _, rest = field_key.partition(":")
    position = 0
    if template is not None and kind in ("answer", "section"):
        keys = ([q.key for q in template.questions()] if kind == "answer" else
                [s.key for s in template.all_sections()])
        name = rest.partition(":")[0]
        position = keys.index(name) if name in keys else len(keys)
    elif kind == "case":
        position = list(CASE_LABELS).index(rest) if rest in CASE_LABELS else len(CASE_LABELS)
    return KIND_ORDER.get(kind, 9), position, field_key


def conflict_count(*, session: Session) -> int:
    """How many audits have conflicts to resolve."""
    return session.connection().exec_driver_sql(
        "SELECT count(DISTINCT audit_id) FROM sync_conflict").scalar() or 0


def resolve(*, session: Session, audit_id: str, field: str, keep: str, who: str) -> None:
    """Keep this database's value ('mine') or the bundle's ('theirs') for one field."""
    resolve_fields(session=session, audit_id=audit_id, fields=[field], keep=keep, who=who)


def resolve_all(*, session: Session, audit_id: str, keep: str, who: str) -> int:
    """Keep mine, or theirs, for every conflicting field of an audit; returns how many."""
    fields = [r[0] for r in session.connection().exec_driver_sql(
        "SELECT field FROM sync_conflict WHERE audit_id = ? ORDER BY field", (audit_id,))]
    resolve_fields(session=session, audit_id=audit_id, fields=fields, keep=keep, who=who)
    return len(fields)


def resolve_fields(*, session: Session, audit_id: str, fields: list[str], keep: str,
                   who: str) -> None:
    from ..db.store import NotFound

    if keep not in KEEP:
        raise ValueError(f"keep must be one of {KEEP}")
    conn = session.connection()
    now = records.when(datetime.now(UTC))
    base = _base(conn, audit_id)
    mine_record = next(records.read_records(conn, [audit_id]), None)
    if mine_record is None:
        raise NotFound("That audit is no longer in the database.")
    mine = records.fields_of(mine_record)
    changed = False
    for field_key in fields:
        row = conn.exec_driver_sql(
            "SELECT theirs FROM sync_conflict WHERE audit_id = ? AND field = ?",
            (audit_id, field_key)).first()
        if row is None:
            raise NotFound("That conflict has already been resolved.")
        theirs = None if row[0] is None else json.loads(row[0])
        row_kind = field_key.split(":", 1)[0] in ROW_KINDS
        theirs_value = records.field_value(field_key, theirs) if row_kind else theirs
        label = apply.label_of(field_key)
        if keep == "theirs":
            apply.set_field(conn, audit_id, field_key, theirs)
            apply.event(conn, audit_id, who, f"conflict resolved, bundle's value kept: {label}",
                        apply.show(field_key, mine.get(field_key)),
                        apply.show(field_key, theirs_value), now)
            changed = True
        else:
            shown = apply.show(field_key, mine.get(field_key))
            apply.event(conn, audit_id, who, f"conflict resolved, this value kept: {label}",
                        apply.show(field_key, theirs_value), shown, now)
        if row_kind and theirs is None:
            base.pop(field_key, None)
        else:
            base[field_key] = theirs_value
        conn.exec_driver_sql("DELETE FROM sync_conflict WHERE audit_id = ? AND field = ?",
                             (audit_id, field_key))
    conn.exec_driver_sql(
        "UPDATE sync_audit SET base_kind = 'fields', base = ?, agreed_at = ? WHERE audit_id = ?",
        (zlib.compress(records.encode(base), 1), now, audit_id))
    if changed:
        apply.touch(conn, audit_id, now)
        apply.refresh_derived(session, [audit_id])


def _base(conn, audit_id: str) -> dict:
    row = conn.exec_driver_sql("SELECT base_kind, base FROM sync_audit WHERE audit_id = ?",
                               (audit_id,)).first()
    if row is None:
        return {}
    data = json.loads(zlib.decompress(bytes(row[1])))
    return records.fields_of(data) if row[0] == "record" else data
