"""Writing one field of an audit to the database, with its history row: used by the merge (a
change taken from a bundle) and by conflict resolution (the QA user keeps theirs).

Values arrive in the records' canonical form (dates and times as text, booleans as true or
false); statements are plain SQL with `?` parameters, which both engines take as they are.
"""

from __future__ import annotations

import json
from typing import Any

from ..db.models import new_id
from ..db.store import _show
from . import records

A = records.audit_column


def label_of(field: str) -> str:
    """A short, stable name for a field in the history (the screen names it in full)."""
    kind, _, rest = field.partition(":")
    if kind == "case":
        return rest.replace("_", " ")
    if kind == "overall":
        return f"overall {rest}"
    if kind == "answer":
        question, _, row = rest.partition(":")
        return f"answer {question}" + (f" [{row[:8]}]" if row else "")
    if kind in ("section", "action", "row"):
        return f"{kind} {rest[:36]}"
    if kind == "moderation":
        return f"moderation {rest[:36] or 'overall'}"
    return kind


def show(field: str, value) -> str | None:
    """A field's value as the history writes it."""
    if value is None:
        return None
    kind = field.split(":", 1)[0]
    if kind == "answer":
        grade, choice, choices, text, date_value, number, na, evidence = value
        if na:
            shown = "not applicable"
        else:
            shown = next((v for v in (grade, choice, date_value, number, text) if v is not None),
                         None)
            if shown is None and choices:
                shown = ", ".join(json.loads(choices))
        return _show(shown) if not evidence else f"{_show(shown)} (evidence: {evidence})"
    if kind == "section":
        _, grade, rationale, na, reason = value
        return f"not applicable: {reason}" if na else f"{_show(grade)}: {rationale}"
    if kind == "action":
        description, owner, due, status, _, _ = value
        return f"{description} ({owner or 'no owner'}, due {due or '-'}, {status})"
    if kind == "row":
        return f"{value[0]} #{value[1]}"
    if kind == "moderation":
        _, _, grade, agrees, comment, moderator = value
        return f"{'agrees' if agrees else 'grade'} {grade}" + (f": {comment}" if comment else "") \
            + (f" ({moderator})" if moderator else "")
    if kind == "status":
        return value[0]
    return _show(value)


def event(conn, audit_id: str, who: str, what: str, old: str | None, new: str | None,
          at: str) -> None:
    conn.exec_driver_sql(
        "INSERT INTO audit_event (id, audit_id, at, who, what, old_value, new_value) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", (new_id(), audit_id, at, who, what, old, new))


def _row_for(conn, name: str, audit_id: str, row: list) -> list:
    """A whole record row for this audit (its own id first), booleans as the engine takes them."""
    return records.for_engine(conn.dialect.name, name, [[audit_id, *row[1:]]])[0]


def set_field(conn, audit_id: str, field: str, row: Any) -> None:
    """Make `field` of the audit what `row` says: a value for the audit's own fields, the whole
    record row for answers, repeat rows, sections, actions and moderated grades, None for absent."""
    kind, _, rest = field.partition(":")
    run = conn.exec_driver_sql
    if kind == "case":
        if rest not in records.CASE_FIELDS:
            raise ValueError(f"unknown field {field}")
        run(f"UPDATE audit SET {rest} = ? WHERE id = ?", (row, audit_id))
    elif kind == "overall":
        column = {"grade": "overall_grade", "rationale": "overall_rationale"}[rest]
        run(f"UPDATE audit SET {column} = ? WHERE id = ?", (row, audit_id))
    elif kind == "status":
        run("UPDATE audit SET status = ?, submitted_at = ? WHERE id = ?",
            (row[0], row[1], audit_id))
    elif kind == "answer":
        question, _, row_id = rest.partition(":")
        if row is None:
            run("DELETE FROM answer WHERE audit_id = ? AND question_key = ? AND row_id = ?",
                (audit_id, question, row_id))
            return
        row = _row_for(conn, "answers", audit_id, row)
        done = run("UPDATE answer SET grade = ?, choice = ?, choices = ?, text = ?, "
                   "date_value = ?, number_value = ?, not_applicable = ?, evidence = ?, "
                   "updated_at = ?, updated_by = ? WHERE audit_id = ? AND question_key = ? "
                   "AND row_id = ?", (*row[4:14], audit_id, question, row_id))
        if done.rowcount == 0:
            run(_insert("answers"), tuple(row))
    elif kind == "section":
        if row is None:
            run("DELETE FROM section_result WHERE audit_id = ? AND section_key = ?",
                (audit_id, rest))
            return
        row = _row_for(conn, "sections", audit_id, row)
        done = run("UPDATE section_result SET criterion = ?, grade = ?, rationale = ?, "
                   "not_applicable = ?, na_reason = ?, updated_at = ? WHERE audit_id = ? AND "
                   "section_key = ?", (*row[2:8], audit_id, rest))
        if done.rowcount == 0:
            run(_insert("sections"), tuple(row))
    elif kind == "moderation":
        if row is None:  # never from a merge (merge.LASTING); kept for completeness
            run("DELETE FROM moderation WHERE audit_id = ? AND section_key = ?",
                (audit_id, rest))
            return
        row = _row_for(conn, "moderation", audit_id, row)
        done = run("UPDATE moderation SET criterion = ?, auditor_grade = ?, moderator_grade = ?, "
                   "agrees = ?, comment = ?, moderator = ?, at = ? WHERE audit_id = ? AND "
                   "section_key = ?", (*row[2:9], audit_id, rest))
        if done.rowcount == 0:
            run(_insert("moderation"), tuple(row))
    elif kind in ("action", "row"):
        name = "actions" if kind == "action" else "rows"
        table, columns = records.TABLE_OF[name], records.COLUMNS[name]
        if row is None:
            run(f"DELETE FROM {table} WHERE id = ? AND audit_id = ?", (rest, audit_id))
            return
        row = _row_for(conn, name, audit_id, row)
        sets = ", ".join(f"{c} = ?" for c in columns[2:])
        done = run(f"UPDATE {table} SET {sets} WHERE id = ? AND audit_id = ?",
                   (*row[2:], rest, audit_id))
        if done.rowcount == 0:
            run(_insert(name), tuple(row))
    else:
        raise ValueError(f"unknown field {field}")


def _insert(name: str) -> str:
    columns = records.COLUMNS[name]
    return (f"INSERT INTO {records.TABLE_OF[name]} ({', '.join(columns)}) VALUES "
            f"({records.marks(len(columns))})")


def touch(conn, audit_id: str, at: str) -> None:
    conn.exec_driver_sql("UPDATE audit SET revision = revision + 1, updated_at = ? WHERE id = ?",
                         (at, audit_id))


def refresh_derived(session, audit_ids: list[str]) -> None:
    """After fields changed outside the store: the progress figures of these audits, and the
    report facts of each submitted one (recorded again) or draft (removed), worked out from
    the answers and grades in the database, a batch of audits at a time."""
    from ..db.facts import clear_facts_many, record_loaded
    from ..db.state import load_states

    session.expire_all()
    gone = clear_facts_many(session=session, audit_ids=audit_ids, apply=False)
    conn = session.connection()
    progress: list[tuple] = []

    def submitted():
        for audit, state in load_states(session=session, audit_ids=audit_ids):
            done, total = state.progress()
            progress.append((done, total, audit.id))
            if audit.status != "draft":
                yield audit, state

    record_loaded(session, submitted(), gone=gone)
    if progress:
        conn.exec_driver_sql("UPDATE audit SET answered_count = ?, required_count = ? "
                             "WHERE id = ?", progress)
    session.expire_all()
