"""The grades a moderator changed, for the reports that list or count grades.

The reports count the moderator's grade where an audit was moderated (db/facts.py), while the
auditor's grade is still the one that was moderated (an audit reopened and graded again counts
its new grade until it is moderated again). Where the moderator's grade differs from the
auditor's, every report marks it the same way: MARK after the grade, and the auditor's grade
beside it or in a table of the changes, explained by LEGEND.

The SQL is plain (no dialect's functions) and goes through SQLAlchemy's text(), so it reads
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from .filters import Filters, where

MARK = "*"
LEGEND = ("* a moderator's grade, counted in place of the auditor's, which differed "
          "(the auditor's grade is shown beside it).")



def _moderations(changed_only: bool, source: str = "moderation m", grade_fact: bool = False) -> str:
    """FROM ... WHERE for the moderated grades that still apply (the auditor's current grade,
    the audit's overall grade or the section's, is the one the moderator saw); only those
    where the moderator's grade differs when `changed_only`. `source` may put the filtered
    audits (`f`) in front of `moderation m`."""
    fact = (" JOIN grade_fact g ON g.audit_id = m.audit_id AND g.section_key = m.section_key"
            if grade_fact else "")
    return (f"FROM {source} JOIN audit au ON au.id = m.audit_id{fact} "
            "LEFT JOIN section_result s ON s.audit_id = m.audit_id "
            "AND s.section_key = m.section_key "
            "WHERE m.auditor_grade IS NOT NULL AND m.moderator_grade IS NOT NULL "
            + ("AND m.moderator_grade <> m.auditor_grade " if changed_only else "")
            + "AND ((m.section_key = '' AND au.overall_grade = m.auditor_grade) OR "
            "(m.section_key <> '' AND s.grade = m.auditor_grade))")


def _filtered(joins: str) -> str:
    return f"fact_audit f{joins} JOIN moderation m ON m.audit_id = f.audit_id"


@dataclass(frozen=True)
class Changed:
    """One grade of one audit a moderator changed ('' section_key: the overall grade)."""

    audit_id: str
    section_key: str
    criterion: str
    auditor_grade: int
    moderator_grade: int


def mark(grade: int | str | None, changed: Changed | None) -> str:
    """'3*' for a moderator's grade that replaced the auditor's, else the grade as it is."""
    text = "" if grade is None else str(grade)
    return text + MARK if changed is not None else text


def changed_for(conn, audit_ids: list[str]) -> dict[str, dict[str, Changed]]:
    """audit id -> section key -> Changed, for the grades of `audit_ids` a moderator changed."""
    out: dict[str, dict[str, Changed]] = {}
    ids = list(dict.fromkeys(audit_ids))
    query = sa.text("SELECT m.audit_id, m.section_key, m.criterion, m.auditor_grade, "
                    f"m.moderator_grade {_moderations(True)} AND m.audit_id IN :ids").bindparams(
        sa.bindparam("ids", expanding=True))
    for start in range(0, len(ids), 500):
        for row in conn.execute(query, {"ids": ids[start:start + 500]}):
            out.setdefault(row[0], {})[row[1]] = Changed(row[0], row[1], row[2] or "",
                                                         int(row[3]), int(row[4]))
    return out


def changed_counts(conn, filters: Filters) -> list[tuple[str, str, int, int, int]]:
    """(criterion or '' for overall, scale, auditor's grade, moderator's grade, how many) for
    the grades a moderator changed in the audits `filters` keep, as the reports count them."""
    joins, clause, params = where(filters)
    rows = conn.execute(sa.text(
        "SELECT CASE WHEN m.section_key = '' THEN '' ELSE g.criterion END, g.scale, "
        "m.auditor_grade, m.moderator_grade, count(*) "
        f"{_moderations(True, _filtered(joins), grade_fact=True)} AND {clause} "
        "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"), params)
    return [(r[0] or "", r[1] or "", int(r[2]), int(r[3]), int(r[4])) for r in rows]


def moderated_counts(conn, filters: Filters) -> tuple[int, int]:
    """(grades moderated, of which changed) among the audits `filters` keep, counting only
    the moderations that still apply."""
    joins, clause, params = where(filters)
    row = conn.execute(sa.text(
        "SELECT count(*), coalesce(sum(CASE WHEN m.moderator_grade <> m.auditor_grade "
        f"THEN 1 ELSE 0 END), 0) {_moderations(False, _filtered(joins))} AND {clause}"),
        params).first()
    return int(row[0]), int(row[1])


def apply_changes(conn, filters: Filters, result, labels) -> None:
    """Fill a Summary's moderation figures: the grades moderated, those changed (listed, and
    marked on the overall and criterion figures that count them)."""
    from .figures import ModerationChange

    result.moderated, result.moderated_differ = moderated_counts(conn, filters)
    figures = {(f.key, f.scale): f for f in result.overall + result.criteria}
    changes = []
    for key, scale, auditor, moderator, n in changed_counts(conn, filters):
        names = labels.scale_labels(scale, {auditor, moderator})
        changes.append(ModerationChange(key, labels.criterion(key), scale, auditor,
                                        names.get(auditor, str(auditor)), moderator,
                                        names.get(moderator, str(moderator)), n))
        figure = figures.get((key, scale))
        if figure is not None:
            figure.changed[moderator] = figure.changed.get(moderator, 0) + n
    order = list(labels.criteria)
    result.moderation_changes = sorted(changes, key=lambda c: (
        c.key != "", order.index(c.key) if c.key in order else len(order), c.key, c.scale,
        c.auditor_grade, c.moderator_grade))
