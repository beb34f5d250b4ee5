"""From a figure to the audits behind it: the list a QA lead opens one audit from.

The SQL runs on SQLite and PostgreSQL alike: the details are put together as text the same
way on both (a whole number without ".0"), joined by `group_concat` on SQLite and `string_agg`
on PostgreSQL, and booleans are tested as booleans.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from .aggregate import connection_of
from .filters import Filters, where


@dataclass(frozen=True)
class Pick:
    """One cell of a figure.

    kind 'audits': every audit the filters keep; 'overall' / 'grade' (key = criterion): value
    is a grade ('2'), a band ('good', 'inadequate') or 'na'; 'indicator' (key = indicator):
    'met', 'missed', 'nodata', 'open' or 'never'; 'yes_no' (key = question): 'yes', 'no', 'na';
    'action' (key = owner, or '' for any): 'open', 'overdue', 'done' or '' for any.
    """

    kind: str
    key: str = ""
    value: str = ""


@dataclass(frozen=True)
class AuditRow:
    audit_id: str
    case_reference: str
    template_key: str
    team: str
    auditor: str
    audit_date: date
    status: str
    overall_grade: int | None
    detail: str = ""
    template_title: str = ""  # the title of the audit's own template version, with its number


def _fact_join(pick: Pick, params: dict) -> tuple[str, str, str]:
    """(join, condition, detail column) for one kind of pick."""
    params["key"], params["value"] = pick.key, pick.value
    if pick.kind in ("overall", "grade"):
        cond = "g.section_key = ''" if pick.kind == "overall" else "g.criterion = :key"
        if pick.value in ("good", "inadequate", "neither", "na"):
            cond += " AND g.band = :value"
        elif pick.value:
            cond += " AND g.grade = :value"
            params["value"] = int(pick.value)
        return ("JOIN grade_fact g ON g.audit_id = f.audit_id", cond,
                "coalesce(g.scale || ':' || CAST(g.grade AS TEXT), 'n/a')")
    if pick.kind == "indicator":
        cond = "i.indicator_key = :key"
        cond += {"met": " AND i.met = 1", "missed": " AND i.met = 0",
                 "nodata": " AND i.met IS NULL", "open": " AND i.open_ended",
                 "never": " AND i.never"}.get(
            pick.value, "")
        return ("JOIN indicator_result i ON i.audit_id = f.audit_id", cond,
                f"coalesce({number_text('i.amount')} || ' ' || replace(i.unit, '_', ' '), "
                "'no data')")
    if pick.kind == "yes_no":
        cond = "y.question_key = :key" + (" AND y.choice = :value" if pick.value else "")
        return "JOIN yes_no_fact y ON y.audit_id = f.audit_id", cond, "y.choice"
    if pick.kind == "action":
        cond = "x.owner = :key" if pick.key else "1 = 1"
        if pick.value == "overdue":
            cond += " AND x.status = 'open' AND x.due_date < :today"
        elif pick.value:
            cond += " AND x.status = :value"
        return ("JOIN action x ON x.audit_id = f.audit_id", cond,
                "x.owner || ': ' || x.status || "
                "coalesce(' due ' || CAST(x.due_date AS TEXT), '')")
    if pick.kind == "audits":
        return "", "1 = 1", "''"
    raise ValueError(f"unknown kind of figure: {pick.kind}")


def number_text(expr: str) -> str:
    """SQL for a REAL as text, the same on both engines: a whole number without '.0'
    (SQLite would write 4.0, PostgreSQL 4), others as each engine's shortest exact text."""
    return (f"CASE WHEN {expr} = CAST({expr} AS INTEGER) THEN CAST(CAST({expr} AS INTEGER) "
            f"AS TEXT) ELSE CAST({expr} AS TEXT) END")


def byte_order(conn) -> str:
    """The collation that sorts texts as SQLite does (by code point), on PostgreSQL."""
    return ' COLLATE "C"' if conn.dialect.name == "postgresql" else ""


def joined(conn, expr: str) -> str:
    """SQL aggregating the texts `expr` of a group with '; ' between them."""
    if conn.dialect.name == "postgresql":
        return f"string_agg({expr}, '; ')"
    return f"group_concat({expr}, '; ')"


def audits_behind(*, conn, filters: Filters, pick: Pick, today: date | None = None,
                  limit: int = 2000) -> list[AuditRow]:
    """The audits counted in one figure, latest audit date first (at most `limit`)."""
    conn = connection_of(conn)
    joins, clause, params = where(replace(filters, status=None))
    params["today"] = (today or date.today()).isoformat()
    params["limit"] = limit
    join, cond, detail = _fact_join(pick, params)
    status = ""
    if filters.status:
        status = " AND a.status = :status"
        params["status"] = filters.status
    sql = (f"SELECT a.id, a.case_reference, a.template_key, a.team, a.auditor, a.audit_date, "
           f"a.status, a.overall_grade, {joined(conn, detail)}, a.template_version "
           "FROM fact_audit f "
           f"JOIN audit a ON a.id = f.audit_id{status} {join} WHERE {clause} AND {cond} "
           f"GROUP BY a.id ORDER BY a.audit_date DESC, a.case_reference{byte_order(conn)}, a.id "
           "LIMIT :limit")
    from .labels import labels_for

    labels = labels_for(conn)
    out = []
    for row in conn.exec_driver_sql(sql, params):
        audit_date = row[5] if isinstance(row[5], date) else date.fromisoformat(row[5])
        out.append(AuditRow(row[0], row[1], row[2], row[3], row[4], audit_date, row[6], row[7],
                            row[8] or "", labels.template(row[2], row[9])))
    return out
