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

from .breakdowns import (  # noqa: F401 (breakdown: the reports' one place to find it)
    breakdown,
    breakdown_counts,
    breakdowns,
    connection_of,
    filtered_audits,
    one_version_each,
)
from .figures import ActionFigures, ActionRow, IndicatorFigure, Summary, YesNoFigure
from .filters import Filters, where
from .count_reads import CountReads
from .grade_counts import GradeCounts, split_figures
from .labels import Labels, labels_for

BY_DEFAULT = ("team", "month", "template", "auditor")
SUMMARY_KINDS = ("audit", "overall", "grade", "indicator", "yes_no", "action")


# -- the summary ---------------------------------------------------------------------------------
def summary(*, conn, filters: Filters = Filters(), today: date | None = None,
            labels: Labels | None = None, by: tuple[str, ...] = BY_DEFAULT) -> Summary:
    """Every figure for the audits `filters` keep, with a breakdown for each of `by`."""
    conn = connection_of(conn)
    labels = labels or labels_for(conn)
    today = today or date.today()
    result = Summary(filters, today)
    grades = GradeCounts()
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
    reads = CountReads(conn)
    if counted is not None:
        dim, value = counted
        mine = (dim, value, filters.month_range(), SUMMARY_KINDS, True)
        versions = one_version_each(conn, labels) if "template" in by else None
        reads.fetch([mine, *(w for w in breakdown_counts(filters, by, versions).values() if w),
                     *_action_counts(filters)])
        rows = reads.rows(*mine)
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
        base, clause, params = filtered_audits(filters)
        result.audits = conn.exec_driver_sql(f"SELECT count(*) {base} WHERE {clause}",
                                             params).scalar()
        for section_key, criterion, scale, grade, band, n in conn.exec_driver_sql(
                f"SELECT g.section_key, g.criterion, g.scale, g.grade, g.band, count(*) {base} "
                f"JOIN grade_fact g ON g.audit_id = f.audit_id WHERE {clause} "
                "GROUP BY 1, 2, 3, 4, 5", params).all():
            grades.add("" if section_key == "" else criterion, scale, grade, band, n)
        for key, met, open_ended, never, n in conn.exec_driver_sql(
                f"SELECT i.indicator_key, i.met, i.open_ended, i.never, count(*) {base} "
                f"JOIN indicator_result i ON i.audit_id = f.audit_id WHERE {clause} "
                "GROUP BY 1, 2, 3, 4", params).all():
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
                params).all():
            fig = yes_no_of(key)
            setattr(fig, choice, getattr(fig, choice) + n)

    figures = grades.figures(labels)
    result.overall, criteria = split_figures(figures)
    result.criteria = [f for group in criteria.values() for f in group]
    _amounts(conn, filters, ind_counts)
    order = list(labels.indicators)
    result.indicators = sorted(ind_counts.values(), key=lambda f: (
        order.index(f.key) if f.key in order else len(order), f.key))
    order = list(labels.yes_no)
    result.yes_no = sorted(yes_no.values(), key=lambda f: (
        order.index(f.key) if f.key in order else len(order), f.key))
    result.actions = _actions(conn, filters, owners, today, reads)
    result.breakdowns = breakdowns(conn=conn, filters=filters, by=by, labels=labels,
                                   reads=reads)
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
    base, clause, params = filtered_audits(filters)
    row = conn.exec_driver_sql(
        f"SELECT count(*), count(e.acknowledged_at) {base} "
        f"JOIN escalation e ON e.audit_id = f.audit_id WHERE {clause}", params).first()
    result.escalations, result.escalations_open = int(row[0]), int(row[0]) - int(row[1])
    if result.moderated or result.escalations:
        from ..db.server_roles import part_read_scope

        result.moderation_scope = part_read_scope(conn)


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
                (key, 2 - n % 2, (n - 1) // 2)).all()]
            fig.median = sum(values) / len(values) if values else None
            fig.worst = conn.exec_driver_sql(
                "SELECT max(amount) FROM indicator_result WHERE indicator_key = ?",
                (key,)).scalar()
        return
    base, clause, params = filtered_audits(filters)
    values: dict[str, list[float]] = defaultdict(list)
    for key, amount in conn.exec_driver_sql(
            f"SELECT i.indicator_key, i.amount {base} JOIN indicator_result i "
            f"ON i.audit_id = f.audit_id WHERE {clause} AND i.amount IS NOT NULL", params).all():
        values[key].append(amount)
    for key, amounts in values.items():
        if key in figures:
            figures[key].median = statistics.median(amounts)
            figures[key].worst = max(amounts)


def _action_counts(filters: Filters) -> list[tuple]:
    """What `_actions` reads of the running counts (as `CountReads.rows` takes it)."""
    counted = filters.counted_dim()
    if counted is None:
        return []
    dim, value = counted
    months = filters.month_range()
    wanted = [(dim, value, months, ("action_due",), False)]
    if dim in ("", "team"):
        wanted.append(("team", value or None, months, ("action", "action_due"), True))
    return wanted


def _actions(conn, filters: Filters, owners: dict[str, ActionRow], today: date,
             reads: CountReads) -> ActionFigures:
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
                f"f.audit_id WHERE {clause} GROUP BY 1, 2, 3, 4", params).all():
            for row in (owners.setdefault(owner, ActionRow(owner)), team_row(team)):
                _count_action(row, status, n)
                row.overdue += n if overdue else 0
    else:
        dim, value = counted
        wanted = _action_counts(filters)
        for _, _, _, owner, due, _, n in reads.rows(*wanted[0]):
            if due and due < this_month:
                owners.setdefault(owner, ActionRow(owner)).overdue += n
        if dim in ("", "team"):
            for team, kind, _, _, val, _, n in reads.rows(*wanted[1]):
                if kind == "action":
                    _count_action(team_row(team), val, n)
                elif val and val < this_month:
                    team_row(team).overdue += n
        else:
            for team, status, n in conn.exec_driver_sql(
                    f"SELECT f.team, x.status, count(*) FROM fact_audit f CROSS JOIN action x "
                    f"ON x.audit_id = f.audit_id WHERE {clause} GROUP BY 1, 2", params).all():
                _count_action(team_row(team), status, n)
            for team, n in conn.exec_driver_sql(
                    f"SELECT f.team, count(*) FROM fact_audit f CROSS JOIN action x ON "
                    f"x.audit_id = f.audit_id WHERE {clause} AND x.status = 'open' AND "
                    "x.due_date < :month_start GROUP BY 1", params).all():
                team_row(team).overdue += n
        for team, owner, n in conn.exec_driver_sql(
                "SELECT f.team, x.owner, count(*) FROM action x JOIN fact_audit f ON "
                "f.audit_id = x.audit_id WHERE x.status = 'open' AND x.due_date >= :month_start "
                f"AND x.due_date < :today AND {clause} GROUP BY 1, 2", params).all():
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
