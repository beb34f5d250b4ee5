"""Figures broken down by one dimension (team, service area, template, auditor, month): the
overall grade and each criterion's grades for every value, from the running counts where they
answer and from the facts of the filtered audits otherwise."""

from __future__ import annotations

from collections import defaultdict

from .count_reads import CountReads
from .figures import Breakdown, BreakdownRow
from .filters import (
    DIMENSIONS,
    GRADE_KINDS,
    GROUPS,
    Filters,
    group_value,
    template_version,
    where,
)
from .grade_counts import GradeCounts, month_label, split_figures
from .labels import Labels, labels_for


def connection_of(conn_or_session):
    """A SQLAlchemy Connection, from a Connection or a Session."""
    if hasattr(conn_or_session, "exec_driver_sql"):
        return conn_or_session
    return conn_or_session.connection()


def filtered_audits(filters: Filters) -> tuple[str, str, dict]:
    """(FROM clause with the audits as `f`, WHERE clause, parameters) for `filters`."""
    joins, clause, params = where(filters)
    return f"FROM fact_audit f{joins}", clause, params


def breakdown(*, conn, filters: Filters = Filters(), by: str,
              labels: Labels | None = None) -> Breakdown:
    """The overall grade and each criterion's grades for every value of one dimension."""
    return breakdowns(conn=conn, filters=filters, by=(by,), labels=labels)[by]


def breakdown_counts(filters: Filters, by: tuple[str, ...],
                      versions: dict[str, int] | None) -> dict[str, tuple | None]:
    """What each breakdown of `by` reads of the running counts (as `CountReads.rows` takes
    it), or None where the facts answer it."""
    counted = filters.counted_dim()
    out: dict[str, tuple | None] = {}
    for name in by:
        if counted is None or (name == "template" and versions is None) or not (
                counted[0] == "" or name in ("month", counted[0])):
            out[name] = None
        elif name == "month":
            out[name] = (*counted, filters.month_range(), GRADE_KINDS, False)
        else:
            out[name] = (name, counted[1] or None, filters.month_range(), GRADE_KINDS, True)
    return out


def breakdowns(*, conn, filters: Filters = Filters(), by: tuple[str, ...],
               labels: Labels | None = None,
               reads: CountReads | None = None) -> dict[str, Breakdown]:
    """`breakdown` for several dimensions: those the running counts cannot answer are added
    up together, in one pass over the facts of the filtered audits."""
    for name in by:
        if name not in DIMENSIONS:
            raise ValueError(f"cannot break figures down by {name!r}")
    conn = connection_of(conn)
    labels = labels or labels_for(conn)
    reads = reads or CountReads(conn)
    per_value: dict[str, dict[str, GradeCounts]] = {name: defaultdict(GradeCounts) for name in by}
    audits: dict[str, dict[str, int]] = {name: defaultdict(int) for name in by}
    counted = filters.counted_dim()
    # The running counts do not tell template versions apart: by template they answer only
    # while the database holds one version of each template (then a template's count is its
    # version's; `one_version_each` is None otherwise, and the facts are read).
    versions = (one_version_each(conn, labels) if counted is not None and "template" in by
                else None)
    wanted = breakdown_counts(filters, by, versions)
    reads.fetch([w for w in wanted.values() if w])
    from_facts = []
    for name in by:
        if wanted[name] is None:
            from_facts.append(name)
            continue
        if name == "month":
            rows = [(month, kind, key, val, band, n) for _, kind, month, key, val, band, n
                    in reads.rows(*wanted[name])]
        else:
            rows = [(v, kind, key, val, band, n) for v, kind, _, key, val, band, n
                    in reads.rows(*wanted[name])]
        for group, kind, key, val, band, n in rows:
            if name == "template":  # as GROUPS names it: key@version
                group = f"{group}@{versions.get(group, 0)}"
            if kind == "audit":
                audits[name][group] += n
            else:
                per_value[name][group].add_value(key, val, band, n)
    if from_facts:
        base, clause, params = filtered_audits(filters)
        spans, columns = [], []
        for name in from_facts:
            spans.append((name, len(columns), len(columns) + len(GROUPS[name])))
            columns.extend(GROUPS[name])
        columns = ", ".join(columns)
        width = spans[-1][2]
        for row in conn.exec_driver_sql(
                f"SELECT {columns}, count(*) {base} WHERE {clause} GROUP BY {columns}", params).all():
            for name, start, end in spans:
                audits[name][group_value(name, row[start:end])] += row[-1]
        for row in conn.exec_driver_sql(
                f"SELECT {columns}, g.section_key = '', g.criterion, g.scale, g.grade, g.band, "
                f"count(*) {base} JOIN grade_fact g ON g.audit_id = f.audit_id WHERE {clause} "
                f"GROUP BY {columns}, g.section_key = '', g.criterion, g.scale, g.grade, g.band",
                params).all():
            overall, criterion, scale, grade, band, n = row[width:]
            for name, start, end in spans:
                per_value[name][group_value(name, row[start:end])].add(
                    "" if overall else criterion, scale, grade, band, n)
    result = {}
    for name in by:
        result[name] = Breakdown(name)
        for group in sorted(audits[name]):
            overall, criteria = split_figures(per_value[name][group].figures(labels))
            result[name].rows.append(BreakdownRow(group, _label(name, group, labels),
                                                  audits[name][group], overall, criteria))
    return result


def one_version_each(conn, labels: Labels) -> dict[str, int] | None:
    """{template key: its version} when the database holds one version of each template
    (template_version: every version an audit here was taken on), else None."""
    stored = labels.stored
    if stored is None:
        stored = conn.exec_driver_sql("SELECT key, version FROM template_version").all()
    found: dict[str, int] = {}
    for key, version in stored:
        if found.setdefault(key, version) != version:
            return None
    return found


def _label(by: str, value: str, labels: Labels) -> str:
    if by == "month":
        return month_label(value)
    if by == "template":
        key, version = template_version(value)
        return labels.template(key, version)
    return value or "(none)"
