"""Add the submitted audits up: the QA team's figures, from the facts kept at submission.

Two ways to each figure, chosen per call, giving the same numbers (a test holds them to it):
- the running counts (`fact_count`), by month and one dimension, when the filters cover whole
  months and at most one of team, service area, template or auditor: a few thousand rows even
  with 100,000 audits;
- the facts of the audits the filters keep (`fact_audit` joined to `grade_fact`,
  `indicator_result`, `yes_no_fact`, `action`) otherwise.
Medians and worst values come from the index on indicator amounts when nothing is filtered.

Functions take the connection (or a session) keyword-only and return plain dataclasses.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date

from .figures import (
    ActionFigures,
    ActionRow,
    Breakdown,
    BreakdownRow,
    GradeFigure,
    IndicatorFigure,
    Summary,
    YesNoFigure,
)
from .filters import DIMENSIONS, GROUPS, Filters, template_version, where
from .labels import Labels, labels_for

BY_DEFAULT = ("team", "month", "template", "auditor")
GRADE_KINDS = ("audit", "overall", "grade")


def connection_of(conn_or_session):
    """A SQLAlchemy Connection, from a Connection or a Session."""
    if hasattr(conn_or_session, "exec_driver_sql"):
        return conn_or_session
    return conn_or_session.connection()


def month_label(month: str) -> str:
    try:
        return date(int(month[:4]), int(month[5:7]), 1).strftime("%b %Y")
    except ValueError:
        return month


# -- grades -------------------------------------------------------------------------------------
class _Grades:
    """Counts of grades by (criterion, scale); '' is the overall grade."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], dict] = {}

    def add(self, key: str, scale: str, grade: int | None, band: str, n: int) -> None:
        slot = self.counts.setdefault((key, scale), {"grades": defaultdict(int), "na": 0,
                                                     "good": 0, "inadequate": 0})
        if grade is None or band == "na":
            slot["na"] += n
            return
        slot["grades"][grade] += n
        if band in ("good", "inadequate"):
            slot[band] += n

    def add_value(self, key: str, value: str, band: str, n: int) -> None:
        scale, _, grade = value.rpartition(":")
        self.add(key, scale, None if grade == "na" else int(grade), band, n)

    def figures(self, labels: Labels, only: str | None = None) -> list[GradeFigure]:
        out = []
        for (key, scale), slot in self.counts.items():
            if only is not None and key != only:
                continue
            names = labels.scale_labels(scale, set(slot["grades"]))
            out.append(GradeFigure(key, labels.criterion(key), scale, names,
                                   {v: slot["grades"].get(v, 0) for v in names}, slot["na"],
                                   slot["good"], slot["inadequate"]))
        order = list(labels.criteria)
        return sorted(out, key=lambda f: (order.index(f.key) if f.key in order else len(order),
                                          f.key, f.scale))


def _split(figures: list[GradeFigure]) -> tuple[list[GradeFigure], dict[str, list]]:
    overall = [f for f in figures if f.key == ""]
    criteria: dict[str, list[GradeFigure]] = {}
    for f in figures:
        if f.key:
            criteria.setdefault(f.key, []).append(f)
    return overall, criteria


# -- reading the running counts ------------------------------------------------------------------
def _counted(conn, dim: str, value: str | None, months, kinds: tuple[str, ...],
             group_by_value: bool = False):
    """Rows of fact_count: (dim_value, kind, month, key, value, band, n)."""
    months = months or (None, None)
    clauses = ["dim = :dim", f"kind IN ({', '.join(repr(k) for k in kinds)})"]
    params: dict = {"dim": dim}
    if value is not None:
        clauses.append("dim_value = :value")
        params["value"] = value
    if months[0]:
        clauses.append("month >= :m0")
        params["m0"] = months[0]
    if months[1]:
        clauses.append("month <= :m1")
        params["m1"] = months[1]
    if group_by_value:
        return conn.exec_driver_sql(
            "SELECT dim_value, kind, '', key, value, band, sum(n) FROM fact_count WHERE "
            + " AND ".join(clauses) + " GROUP BY dim_value, kind, key, value, band",
            params).all()
    return conn.exec_driver_sql(
        "SELECT dim_value, kind, month, key, value, band, n FROM fact_count WHERE "
        + " AND ".join(clauses), params).all()


def _base(filters: Filters) -> tuple[str, dict]:
    joins, clause, params = where(filters)
    return f"FROM fact_audit f{joins}", clause, params


# -- the summary ---------------------------------------------------------------------------------
def summary(*, conn, filters: Filters = Filters(), today: date | None = None,
            labels: Labels | None = None, by: tuple[str, ...] = BY_DEFAULT) -> Summary:
    """Every figure for the audits `filters` keep, with a breakdown for each of `by`."""
    conn = connection_of(conn)
    labels = labels or labels_for(conn)
    today = today or date.today()
    result = Summary(filters, today)
    grades = _Grades()
    ind_counts: dict[str, IndicatorFigure] = {}
    yes_no: dict[str, YesNoFigure] = {}
    counted = filters.counted_dim()

    def indicator(key: str) -> IndicatorFigure:
        if key not in ind_counts:
            info = labels.indicators.get(key)
            ind_counts[key] = IndicatorFigure(
                key, info.label if info else key, info.criterion if info else "",
                info.unit if info else "", info.limit if info else 0.0)
        return ind_counts[key]

    def yes_no_of(key: str) -> YesNoFigure:
        if key not in yes_no:
            yes_no[key] = YesNoFigure(key, labels.yes_no.get(key, key))
        return yes_no[key]

    owners: dict[str, ActionRow] = {}
    if counted is not None:
        dim, value = counted
        rows = _counted(conn, dim, value, filters.month_range(),
                        ("audit", "overall", "grade", "indicator", "yes_no", "action"),
                        group_by_value=True)  # summed over the months by SQLite
        for _, kind, _, key, val, band, n in rows:
            if kind == "audit":
                result.audits += n
            elif kind in ("overall", "grade"):
                grades.add_value(key, val, band, n)
            elif kind == "indicator":
                fig = indicator(key)
                if val == "nodata":
                    fig.no_data += n
                else:
                    setattr(fig, val, getattr(fig, val) + n)
                    fig.still_open += n if band == "open" else 0
                    fig.never += n if band == "never" else 0
            elif kind == "yes_no":
                fig = yes_no_of(key)
                setattr(fig, val, getattr(fig, val) + n)
            elif kind == "action":
                _count_action(owners.setdefault(key, ActionRow(key)), val, n)
    else:
        base, clause, params = _base(filters)
        result.audits = conn.exec_driver_sql(f"SELECT count(*) {base} WHERE {clause}",
                                             params).scalar()
        for section_key, criterion, scale, grade, band, n in conn.exec_driver_sql(
                f"SELECT g.section_key, g.criterion, g.scale, g.grade, g.band, count(*) {base} "
                f"JOIN grade_fact g ON g.audit_id = f.audit_id WHERE {clause} "
                "GROUP BY 1, 2, 3, 4, 5", params):
            grades.add("" if section_key == "" else criterion, scale, grade, band, n)
        for key, met, open_ended, never, n in conn.exec_driver_sql(
                f"SELECT i.indicator_key, i.met, i.open_ended, i.never, count(*) {base} "
                f"JOIN indicator_result i ON i.audit_id = f.audit_id WHERE {clause} "
                "GROUP BY 1, 2, 3, 4", params):
            fig = indicator(key)
            if met is None:
                fig.no_data += n
            else:
                fig.met += n if met else 0
                fig.missed += 0 if met else n
                fig.still_open += n if open_ended else 0
                fig.never += n if never else 0
        for key, choice, n in conn.exec_driver_sql(
                f"SELECT y.question_key, y.choice, count(*) {base} "
                f"JOIN yes_no_fact y ON y.audit_id = f.audit_id WHERE {clause} GROUP BY 1, 2",
                params):
            fig = yes_no_of(key)
            setattr(fig, choice, getattr(fig, choice) + n)

    figures = grades.figures(labels)
    result.overall, criteria = _split(figures)
    result.criteria = [f for group in criteria.values() for f in group]
    _amounts(conn, filters, ind_counts)
    order = list(labels.indicators)
    result.indicators = sorted(ind_counts.values(), key=lambda f: (
        order.index(f.key) if f.key in order else len(order), f.key))
    order = list(labels.yes_no)
    result.yes_no = sorted(yes_no.values(), key=lambda f: (
        order.index(f.key) if f.key in order else len(order), f.key))
    result.actions = _actions(conn, filters, owners, today)
    result.breakdowns = breakdowns(conn=conn, filters=filters, by=by, labels=labels)
    _moderation_and_concerns(conn, filters, result, labels)
    from ..programme.status import programme_line

    result.programme = programme_line(conn, today=today, date_from=filters.date_from,
                                      date_to=filters.date_to)
    return result


def _moderation_and_concerns(conn, filters: Filters, result: Summary, labels: Labels) -> None:
    """Issue 7: how many grades were moderated and which were counted with the moderator's
    grade, a different one (marked in the figures); and the safeguarding concerns raised from
    the audits kept."""
    from .moderated import apply_changes

    apply_changes(conn, filters, result, labels)
    base, clause, params = _base(filters)
    row = conn.exec_driver_sql(
        f"SELECT count(*), count(e.acknowledged_at) {base} "
        f"JOIN escalation e ON e.audit_id = f.audit_id WHERE {clause}", params).first()
    result.escalations, result.escalations_open = int(row[0]), int(row[0]) - int(row[1])


def _count_action(row: ActionRow, status: str, n: int) -> None:
    if status == "open":
        row.open += n
    elif status == "done":
        row.done += n
    else:
        row.other += n


def _amounts(conn, filters: Filters, figures: dict[str, IndicatorFigure]) -> None:
    """Median and worst value of each indicator."""
    if filters.is_empty:
        for key, fig in figures.items():
            n = fig.measured
            if not n:
                continue
            values = [r[0] for r in conn.exec_driver_sql(
                "SELECT amount FROM indicator_result WHERE indicator_key = ? AND amount IS NOT "
                "NULL ORDER BY amount LIMIT ? OFFSET ?",
                (key, 2 - n % 2, (n - 1) // 2))]
            fig.median = sum(values) / len(values) if values else None
            fig.worst = conn.exec_driver_sql(
                "SELECT max(amount) FROM indicator_result WHERE indicator_key = ?",
                (key,)).scalar()
        return
    base, clause, params = _base(filters)
    values: dict[str, list[float]] = defaultdict(list)
    for key, amount in conn.exec_driver_sql(
            f"SELECT i.indicator_key, i.amount {base} JOIN indicator_result i "
            f"ON i.audit_id = f.audit_id WHERE {clause} AND i.amount IS NOT NULL", params):
        values[key].append(amount)
    for key, amounts in values.items():
        if key in figures:
            figures[key].median = statistics.median(amounts)
            figures[key].worst = max(amounts)


def _actions(conn, filters: Filters, owners: dict[str, ActionRow], today: date) -> ActionFigures:
    """Open, done and overdue actions, by owner and by team. From the running counts, overdue
    is every open action due in an earlier month, plus those due this month before today."""
    joins, clause, params = where(filters)
    params = {**params, "today": today.isoformat(),
              "month_start": today.replace(day=1).isoformat()}
    this_month = today.strftime("%Y-%m")
    teams: dict[str, ActionRow] = {}

    def team_row(name: str) -> ActionRow:
        return teams.setdefault(name, ActionRow(name))

    counted = filters.counted_dim()
    if counted is None:  # audit by audit (CROSS JOIN: the filtered audits drive the join)
        for team, owner, status, overdue, n in conn.exec_driver_sql(
                f"SELECT f.team, x.owner, x.status, x.status = 'open' AND x.due_date < :today, "
                f"count(*) FROM fact_audit f{joins} CROSS JOIN action x ON x.audit_id = "
                f"f.audit_id WHERE {clause} GROUP BY 1, 2, 3, 4", params):
            for row in (owners.setdefault(owner, ActionRow(owner)), team_row(team)):
                _count_action(row, status, n)
                row.overdue += n if overdue else 0
    else:
        dim, value = counted
        months = filters.month_range()
        for _, _, _, owner, due, _, n in _counted(conn, dim, value, months, ("action_due",)):
            if due and due < this_month:
                owners.setdefault(owner, ActionRow(owner)).overdue += n
        if dim in ("", "team"):
            for team, kind, _, _, val, _, n in _counted(
                    conn, "team", value or None, months, ("action", "action_due"),
                    group_by_value=True):
                if kind == "action":
                    _count_action(team_row(team), val, n)
                elif val and val < this_month:
                    team_row(team).overdue += n
        else:
            for team, status, n in conn.exec_driver_sql(
                    f"SELECT f.team, x.status, count(*) FROM fact_audit f CROSS JOIN action x "
                    f"ON x.audit_id = f.audit_id WHERE {clause} GROUP BY 1, 2", params):
                _count_action(team_row(team), status, n)
            for team, n in conn.exec_driver_sql(
                    f"SELECT f.team, count(*) FROM fact_audit f CROSS JOIN action x ON "
                    f"x.audit_id = f.audit_id WHERE {clause} AND x.status = 'open' AND "
                    "x.due_date < :month_start GROUP BY 1", params):
                team_row(team).overdue += n
        for team, owner, n in conn.exec_driver_sql(
                "SELECT f.team, x.owner, count(*) FROM action x JOIN fact_audit f ON "
                "f.audit_id = x.audit_id WHERE x.status = 'open' AND x.due_date >= :month_start "
                f"AND x.due_date < :today AND {clause} GROUP BY 1, 2", params):
            owners.setdefault(owner, ActionRow(owner)).overdue += n
            team_row(team).overdue += n
    figures = ActionFigures()
    for row in owners.values():
        _add_row(figures.total, row)
    figures.by_owner = sorted(owners.values(), key=lambda r: (-r.overdue, -r.open, r.name))
    figures.by_team = sorted(teams.values(), key=lambda r: r.name)
    return figures


def _add_row(total: ActionRow, row: ActionRow) -> None:
    total.open += row.open
    total.overdue += row.overdue
    total.done += row.done
    total.other += row.other


# -- breakdowns ----------------------------------------------------------------------------------
def breakdown(*, conn, filters: Filters = Filters(), by: str,
              labels: Labels | None = None) -> Breakdown:
    """The overall grade and each criterion's grades for every value of one dimension."""
    return breakdowns(conn=conn, filters=filters, by=(by,), labels=labels)[by]


def breakdowns(*, conn, filters: Filters = Filters(), by: tuple[str, ...],
               labels: Labels | None = None) -> dict[str, Breakdown]:
    """`breakdown` for several dimensions: those the running counts cannot answer are added
    up together, in one pass over the facts of the filtered audits."""
    for name in by:
        if name not in DIMENSIONS:
            raise ValueError(f"cannot break figures down by {name!r}")
    conn = connection_of(conn)
    labels = labels or labels_for(conn)
    per_value: dict[str, dict[str, _Grades]] = {name: defaultdict(_Grades) for name in by}
    audits: dict[str, dict[str, int]] = {name: defaultdict(int) for name in by}
    counted = filters.counted_dim()
    # The running counts do not tell template versions apart: by template they answer only
    # while the database holds one version of each template (then a template's count is its
    # version's; `_one_version_each` is None otherwise, and the facts are read).
    versions = _one_version_each(conn) if counted is not None and "template" in by else None
    from_facts = []
    for name in by:
        if counted is None or (name == "template" and versions is None) or not (
                counted[0] == "" or name in ("month", counted[0])):
            from_facts.append(name)
            continue
        dim, value = counted
        if name == "month":
            rows = [(month, kind, key, val, band, n) for _, kind, month, key, val, band, n
                    in _counted(conn, dim, value, filters.month_range(), GRADE_KINDS)]
        else:
            rows = [(v, kind, key, val, band, n) for v, kind, _, key, val, band, n in _counted(
                conn, name, value or None, filters.month_range(), GRADE_KINDS,
                group_by_value=True)]
        for group, kind, key, val, band, n in rows:
            if name == "template":  # as GROUPS names it: key@version
                group = f"{group}@{versions.get(group, 0)}"
            if kind == "audit":
                audits[name][group] += n
            else:
                per_value[name][group].add_value(key, val, band, n)
    if from_facts:
        base, clause, params = _base(filters)
        columns = ", ".join(GROUPS[name] for name in from_facts)
        width = len(from_facts)
        for row in conn.exec_driver_sql(
                f"SELECT {columns}, count(*) {base} WHERE {clause} GROUP BY {columns}", params):
            for i, name in enumerate(from_facts):
                audits[name][row[i]] += row[-1]
        for row in conn.exec_driver_sql(
                f"SELECT {columns}, g.section_key = '', g.criterion, g.scale, g.grade, g.band, "
                f"count(*) {base} JOIN grade_fact g ON g.audit_id = f.audit_id WHERE {clause} "
                f"GROUP BY {columns}, g.section_key = '', g.criterion, g.scale, g.grade, g.band",
                params):
            overall, criterion, scale, grade, band, n = row[width:]
            for i, name in enumerate(from_facts):
                per_value[name][row[i]].add("" if overall else criterion, scale, grade, band, n)
    result = {}
    for name in by:
        result[name] = Breakdown(name)
        for group in sorted(audits[name]):
            overall, criteria = _split(per_value[name][group].figures(labels))
            result[name].rows.append(BreakdownRow(group, _label(name, group, labels),
                                                  audits[name][group], overall, criteria))
    return result


def _one_version_each(conn) -> dict[str, int] | None:
    """{template key: its version} when the database holds one version of each template
    (template_version: every version an audit here was taken on), else None."""
    found: dict[str, int] = {}
    for key, version, versions in conn.exec_driver_sql(
            "SELECT key, min(version), count(DISTINCT version) FROM template_version "
            "GROUP BY key"):
        if versions != 1:
            return None
        found[key] = version
    return found


def _label(by: str, value: str, labels: Labels) -> str:
    if by == "month":
        return month_label(value)
    if by == "template":
        key, version = template_version(value)
        return labels.template(key, version)
    return value or "(none)"
