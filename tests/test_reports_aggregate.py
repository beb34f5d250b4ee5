"""The figures on hand-made audits with known answers: counts, percentages, medians,
indicators, not-applicable handling, filters, and the two ways to each figure agreeing."""

from __future__ import annotations

from datetime import date

import pytest

from audit_tui.db import store
from audit_tui.db.engine import read_only, session_scope
from audit_tui.db.facts import expected_counts
from audit_tui.db.lifecycle import reopen_audit, submit_audit
from audit_tui.reports.aggregate import breakdown, summary
from audit_tui.reports.drill import Pick, audits_behind
from audit_tui.reports.figures import pct_text
from audit_tui.reports.filters import Filters
from audit_tui.templates.calendar import working_days_between

from .test_reports_data import TODAY, fill, mini  # noqa: F401


@pytest.fixture
def ids(engine, mini):  # noqa: F811
    return fill(engine, mini)


def figures(engine, filters=Filters(), **kwargs):
    with read_only(engine).connect() as conn:
        return summary(conn=conn, filters=filters, today=TODAY, **kwargs)


def grades(figure) -> dict:
    return {v: n for v, n in figure.counts.items() if n}


def by_key(items):
    return {item.key: item for item in items}


def test_percentages_show_their_count_below_five():
    assert pct_text(2, 4) == "50% (n=4)"
    assert pct_text(1, 3) == "33% (n=3)"
    assert pct_text(3, 5) == "60%"
    assert pct_text(0, 0) == "–"
    assert pct_text(2, 3) == "67% (n=3)"


def test_unfiltered_figures(engine, ids):
    s = figures(engine)
    assert s.audits == 4  # the draft is not counted
    (overall,) = s.overall
    assert grades(overall) == {1: 1, 2: 1, 3: 1, 4: 1}
    assert overall.labels[3] == "Requires improvement to be good"
    assert (overall.good, overall.inadequate, overall.na) == (2, 1, 0)
    assert overall.good_text() == "50% (n=4)" and overall.inadequate_text() == "25% (n=4)"
    criteria = by_key(s.criteria)
    assert grades(criteria["childs_voice"]) == {1: 1, 2: 1, 3: 1, 4: 1}
    plan = criteria["plan_timeliness"]
    assert plan.scale == "rag" and plan.labels == {1: "Green", 2: "Amber", 3: "Red"}
    assert grades(plan) == {1: 1, 2: 1, 3: 1}
    assert plan.na == 1 and plan.graded == 3  # not applicable is never a grade
    assert (plan.good, plan.inadequate) == (1, 1)
    assert plan.good_text() == "33% (n=3)"
    plo = criteria["plo_drift"]  # only shown for the two PLO cases
    assert grades(plo) == {2: 1, 4: 1} and plo.na == 0


def test_indicators_median_and_worst(engine, ids):
    s = figures(engine)
    ind = by_key(s.indicators)
    timely = ind["assessment_timely"]
    late = working_days_between(date(2023, 10, 2), date(2024, 2, 5))
    assert (timely.met, timely.missed, timely.no_data, timely.still_open) == (1, 1, 2, 1)
    assert timely.median == (4 + late) / 2 and timely.worst == late
    plo = ind["plo_16_weeks"]
    assert (plo.met, plo.missed, plo.no_data, plo.still_open) == (1, 1, 0, 1)
    assert plo.worst == 22.43 and plo.median == pytest.approx((4.43 + 22.43) / 2)
    assert [f.key for f in s.plo] == ["plo_16_weeks"]
    assert plo.unit == "weeks" and plo.limit == 16


def test_yes_no_shares_count_not_applicable_apart(engine, ids):
    s = figures(engine)
    yn = by_key(s.yes_no)
    assert (yn["seen_alone"].yes, yn["seen_alone"].no, yn["seen_alone"].na) == (1, 1, 1)
    # CH-2's plan does not apply, so its answer to a question in that section is not counted
    assert (yn["plan_smart"].yes, yn["plan_smart"].no, yn["plan_smart"].na) == (1, 1, 0)
    assert yn["seen_alone"].prompt == "Was the child seen alone?"


def test_actions_open_done_overdue_by_owner_and_team(engine, ids):
    a = figures(engine).actions
    assert (a.total.open, a.total.overdue, a.total.done) == (2, 1, 1)
    owners = {r.name: (r.open, r.overdue, r.done) for r in a.by_owner}
    assert owners == {"Ann": (1, 1, 1), "Cat": (1, 0, 0)}
    teams = {r.name: (r.open, r.overdue, r.done) for r in a.by_team}
    assert teams == {"North": (2, 1, 0), "South": (0, 0, 1)}


def test_breakdowns_by_team_month_template_auditor(engine, ids):
    s = figures(engine)
    team = {r.value: (r.audits, grades(r.overall[0])) for r in s.breakdowns["team"].rows}
    assert team == {"North": (2, {2: 1, 4: 1}), "South": (2, {1: 1, 3: 1})}
    month = s.breakdowns["month"].rows
    assert [(r.value, r.label, r.audits) for r in month] == [("2024-01", "Jan 2024", 2),
                                                              ("2024-02", "Feb 2024", 2)]
    assert [r.label for r in s.breakdowns["template"].rows] == ["Mini audit v1"]
    auditors = {r.value: r.overall[0].good for r in s.breakdowns["auditor"].rows}
    assert auditors == {"Ann": 1, "Bob": 1}
    north = s.breakdowns["team"].rows[0]
    assert grades(north.criteria["plan_timeliness"][0]) == {1: 1}
    assert north.criteria["plan_timeliness"][0].na == 1


@pytest.mark.parametrize("filters, cases", [
    (Filters(team="North"), {"CH-1", "CH-2"}),
    (Filters(date_from=date(2024, 2, 1), date_to=date(2024, 2, 29)), {"CH-3", "CH-4"}),
    (Filters(date_from=date(2024, 1, 15), date_to=date(2024, 2, 10)), {"CH-2", "CH-3"}),
    (Filters(auditor="Bob", date_from=date(2024, 2, 1)), {"CH-3", "CH-4"}),
    (Filters(template="mini", team="South", date_to=date(2024, 2, 10)), {"CH-3"}),
    (Filters(service_area="Children's services"), {"CH-1", "CH-2", "CH-3", "CH-4"}),
    (Filters(status="submitted", team="North"), {"CH-1", "CH-2"}),
    (Filters(status="moderated"), set()),
    (Filters(team="Nobody"), set()),
])
def test_filters_keep_the_right_audits(engine, ids, filters, cases):
    s = figures(engine, filters)
    assert s.audits == len(cases)
    assert sum(f.graded for f in s.overall) == len(cases)
    with read_only(engine).connect() as conn:
        rows = audits_behind(conn=conn, filters=filters, pick=Pick("audits"), today=TODAY)
    assert {r.case_reference for r in rows} == cases


def test_one_team_figures(engine, ids):
    s = figures(engine, Filters(team="North"))
    assert grades(s.overall[0]) == {2: 1, 4: 1}
    yn = by_key(s.yes_no)["seen_alone"]
    assert (yn.yes, yn.no, yn.na) == (1, 1, 0)
    assert (s.actions.total.open, s.actions.total.overdue) == (2, 1)
    assert by_key(s.indicators)["assessment_timely"].median == 4


FILTERS = [Filters(), Filters(team="North"), Filters(team="South"),
           Filters(date_from=date(2024, 1, 1), date_to=date(2024, 1, 31)),
           Filters(template="mini", date_from=date(2024, 2, 1)), Filters(auditor="Bob"),
           Filters(service_area="Children's services", date_to=date(2024, 1, 31))]


@pytest.mark.parametrize("today", [TODAY, date(2024, 2, 15), date(2024, 3, 1)])
@pytest.mark.parametrize("filters", FILTERS)
def test_running_counts_and_facts_give_the_same_figures(engine, ids, filters, today,
                                                        monkeypatch):
    with read_only(engine).connect() as conn:
        fast = summary(conn=conn, filters=filters, today=today).to_dict()
        monkeypatch.setattr(Filters, "counted_dim", lambda self: None)
        slow = summary(conn=conn, filters=filters, today=today).to_dict()
    assert fast == slow


def test_reopen_takes_an_audit_out_and_resubmit_puts_it_back(engine, ids):
    with session_scope(engine) as s:
        reopen_audit(session=s, audit_id=ids["CH-4"], who="t", reason="Wrong grade")
    s1 = figures(engine)
    assert s1.audits == 3 and grades(s1.overall[0]) == {2: 1, 3: 1, 4: 1}
    with session_scope(engine) as s:
        store.set_overall(session=s, audit_id=ids["CH-4"], who="t", grade=2)
        submit_audit(session=s, audit_id=ids["CH-4"], who="t")
    s2 = figures(engine)
    assert s2.audits == 4 and grades(s2.overall[0]) == {2: 2, 3: 1, 4: 1}
    with read_only(engine).connect() as conn:
        kept = {tuple(r[:-1]): r[-1] for r in conn.exec_driver_sql(
            "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}
        assert kept == expected_counts(conn)


def test_action_changes_after_submission_keep_the_counts(engine, ids):
    with session_scope(engine) as s:
        (action,) = store.actions_for(session=s, audit_id=ids["CH-2"])
        store.update_action(session=s, action_id=action.id, who="t", status="done",
                            owner="Dee")
    a = figures(engine).actions
    assert (a.total.open, a.total.done) == (1, 2)
    assert {r.name for r in a.by_owner} == {"Ann", "Dee"}
    with read_only(engine).connect() as conn:
        kept = {tuple(r[:-1]): r[-1] for r in conn.exec_driver_sql(
            "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}
        assert kept == expected_counts(conn)


@pytest.mark.parametrize("pick, cases", [
    (Pick("overall", "", "inadequate"), {"CH-2"}),
    (Pick("overall", "", "good"), {"CH-1", "CH-4"}),
    (Pick("grade", "plan_timeliness", "na"), {"CH-2"}),
    (Pick("grade", "plan_timeliness", "3"), {"CH-3"}),
    (Pick("indicator", "plo_16_weeks", "missed"), {"CH-3"}),
    (Pick("indicator", "assessment_timely", "nodata"), {"CH-2", "CH-4"}),
    (Pick("yes_no", "seen_alone", "na"), {"CH-3"}),
    (Pick("action", "", "overdue"), {"CH-1"}),
    (Pick("action", "Ann", ""), {"CH-1", "CH-3"}),
])
def test_drill_down_finds_the_audits_behind_a_figure(engine, ids, pick, cases):
    with read_only(engine).connect() as conn:
        rows = audits_behind(conn=conn, filters=Filters(), pick=pick, today=TODAY)
    assert {r.case_reference for r in rows} == cases


def test_breakdown_of_a_filtered_view(engine, ids):
    with read_only(engine).connect() as conn:
        b = breakdown(conn=conn, filters=Filters(team="South"), by="auditor")
    assert [(r.value, r.audits) for r in b.rows] == [("Bob", 2)]
    with pytest.raises(ValueError):
        with read_only(engine).connect() as conn:
            breakdown(conn=conn, by="colour")


@pytest.mark.parametrize("filters", FILTERS)
def test_running_counts_read_together_are_those_read_one_by_one(engine, ids, filters,
                                                                 monkeypatch):
    """A summary asks for the running counts it needs in one statement (CountReads.fetch: on
    a server each statement is a round trip); the figures are those of reading them one by
    one."""
    from sqlalchemy import event

    from audit_tui.reports.count_reads import CountReads

    seen: list[str] = []
    engine = read_only(engine)
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))
    with engine.connect() as conn:
        together = summary(conn=conn, filters=filters, today=TODAY).to_dict()
        reads = [s for s in seen if "FROM fact_count" in s]
        alone = CountReads.fetch
        monkeypatch.setattr(CountReads, "fetch",
                            lambda self, wanted: [alone(self, [w]) for w in wanted])
        one_by_one = summary(conn=conn, filters=filters, today=TODAY).to_dict()
    assert together == one_by_one
    assert len(reads) == (0 if filters.counted_dim() is None else 1)
