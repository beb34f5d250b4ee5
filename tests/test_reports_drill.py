"""The drill-down from a figure to its audits: the same audits, order and detail texts on
SQLite and PostgreSQL (booleans tested as booleans, details joined by each engine's own
aggregate, whole numbers written without '.0')."""

from __future__ import annotations

from datetime import date

import pytest

from audit_tui.db.engine import read_only
from audit_tui.reports.drill import Pick, audits_behind
from audit_tui.reports.filters import Filters

from .test_reports_data import TODAY, fill, mini  # noqa: F401


@pytest.fixture
def ids(engine, mini):  # noqa: F811
    return fill(engine, mini)


def behind(engine, pick: Pick, filters: Filters = Filters(), **kwargs):
    with read_only(engine).connect() as conn:
        return audits_behind(conn=conn, filters=filters, pick=pick, today=TODAY, **kwargs)


@pytest.mark.parametrize("pick, expected", [
    (Pick("overall", "", "inadequate"), [("CH-2", "ofsted:4")]),
    (Pick("overall", "", "2"), [("CH-1", "ofsted:2")]),
    (Pick("grade", "plan_timeliness", "na"), [("CH-2", "n/a")]),
    (Pick("grade", "plan_timeliness", ""), [("CH-4", "rag:2"), ("CH-3", "rag:3"),
                                            ("CH-2", "n/a"), ("CH-1", "rag:1")]),
    (Pick("indicator", "plo_16_weeks", ""), [("CH-4", "4.43 weeks"), ("CH-3", "22.43 weeks")]),
    (Pick("indicator", "plo_16_weeks", "met"), [("CH-4", "4.43 weeks")]),
    (Pick("indicator", "assessment_timely", "met"), [("CH-1", "4 working days")]),
    (Pick("indicator", "assessment_timely", "open"), [("CH-3", "87 working days")]),
    (Pick("indicator", "assessment_timely", "nodata"), [("CH-4", "no data"),
                                                        ("CH-2", "no data")]),
    (Pick("yes_no", "seen_alone", ""), [("CH-3", "na"), ("CH-2", "no"), ("CH-1", "yes")]),
    (Pick("action", "", "overdue"), [("CH-1", "Ann: open due 2024-02-01")]),
    (Pick("action", "Ann", "done"), [("CH-3", "Ann: done due 2024-03-01")]),
    (Pick("audits"), [("CH-4", ""), ("CH-3", ""), ("CH-2", ""), ("CH-1", "")]),
])
def test_the_audits_behind_a_figure_with_their_details(engine, ids, pick, expected):
    rows = behind(engine, pick)
    assert [(r.case_reference, r.detail) for r in rows] == expected
    assert all(r.status == "submitted" and isinstance(r.audit_date, date) for r in rows)


def test_several_details_of_one_audit_are_joined(engine, ids):
    (row,) = behind(engine, Pick("grade", "childs_voice", ""), Filters(team="North",
                                                                        auditor="Ann"),
                    limit=1)
    assert row.case_reference == "CH-2" and row.detail == "ofsted:4"
    rows = behind(engine, Pick("action", "", ""))
    assert [(r.case_reference, r.detail) for r in rows] == [
        ("CH-3", "Ann: done due 2024-03-01"), ("CH-2", "Cat: open due 2024-12-01"),
        ("CH-1", "Ann: open due 2024-02-01")]


def test_the_limit_and_the_status_filter(engine, ids):
    assert [r.case_reference for r in behind(engine, Pick("audits"), limit=2)] == ["CH-4",
                                                                                 "CH-3"]
    assert behind(engine, Pick("audits"), Filters(status="moderated")) == []
    rows = behind(engine, Pick("audits"), Filters(status="submitted", team="South"))
    assert [r.case_reference for r in rows] == ["CH-4", "CH-3"]
