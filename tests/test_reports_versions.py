"""Issue 13: older template versions in the reports (each audit named with its own version's
titles, `--by template` split by version) and "never happened" as an indicator result of its
own. On SQLite and, with AUDIT_TUI_TEST_PG_URL set, PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from audit_tui.db import store
from audit_tui.db.engine import make_engine, read_only, session_scope
from audit_tui.db.facts import expected_counts
from audit_tui.db.lifecycle import reopen_audit, submit_audit
from audit_tui.db.migrations import LATEST, migrate
from audit_tui.db.state import value_fields
from audit_tui.reports.aggregate import breakdown, summary
from audit_tui.reports.drill import Pick, audits_behind
from audit_tui.reports.filters import Filters
from audit_tui.reports.tables import indicator_table
from audit_tui.templates.loader import parse_template_text

TEXT = '''
key = "cic"
version = {version}
title = "{title}"
service = "Children in care"

[[sections]]
key = "review"
title = "Reviews"
criterion = "plan_timeliness"
graded = true

  [[sections.questions]]
  key = "came_into_care"
  prompt = "Date the child came into care"
  type = "date"
  tags = ["compliance"]
  required = false

  [[sections.questions]]
  key = "first_review"
  prompt = "Date of the first review"
  type = "date"
  tags = ["compliance"]
  required = false
  allow_never = true

  [[sections.indicators]]
  key = "first_review_timely"
  label = "{label}"
  from = "came_into_care"
  to = "first_review"
  otherwise_to = "audit_date"
  unit = "calendar_days"
  limit = 20
'''

TODAY = date(2025, 6, 1)


def template(version: int, title: str, label: str):
    result = parse_template_text(TEXT.format(version=version, title=title, label=label),
                                 f"cic-v{version}.toml")
    assert result.problems == []
    return result.template


V1 = ("Children in care", "First review within 20 days")
V2 = ("Children in care (2025)", "First review within 20 days of coming into care")


def add(engine, tpl, case: str, when: date, answers: dict, grade: int = 2) -> str:
    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=tpl, case_reference=case,
                                   audit_date=when, who="t", team="North", auditor="Ann")
        for key, value in answers.items():
            store.save_answer(session=s, audit_id=audit.id, question_key=key, who="t",
                              **value_fields(tpl.question(key), value))
        store.save_section(session=s, audit_id=audit.id, section_key="review",
                           criterion="plan_timeliness", who="t", grade=grade, rationale="R")
        store.set_overall(session=s, audit_id=audit.id, who="t", grade=grade, rationale="O")
        audit_id = audit.id
    with session_scope(engine) as s:
        submit_audit(session=s, audit_id=audit_id, who="t")
    return audit_id


@pytest.fixture
def ids(engine):
    v1, v2 = template(1, *V1), template(2, *V2)
    return {
        "CH-1": add(engine, v1, "CH-1", date(2025, 1, 10),
                    {"came_into_care": date(2025, 1, 1), "first_review": date(2025, 1, 8)}, 2),
        "CH-2": add(engine, v1, "CH-2", date(2025, 1, 20),
                    {"came_into_care": date(2024, 12, 1), "first_review": "never"}, 4),
        "CH-3": add(engine, v2, "CH-3", date(2025, 2, 5),
                    {"came_into_care": date(2025, 1, 1), "first_review": "never"}, 3),
    }


def figures(engine, filters=Filters(), **kw):
    with read_only(engine).connect() as conn:
        return summary(conn=conn, filters=filters, today=TODAY, **kw)


def test_by_template_splits_versions_and_names_each_with_its_own_title(engine, ids):
    with read_only(engine).connect() as conn:
        rows = breakdown(conn=conn, by="template").rows
    assert [(r.value, r.label, r.audits) for r in rows] == [
        ("cic@1", "Children in care v1", 2), ("cic@2", "Children in care (2025) v2", 1)]
    assert {r.value: sorted(g for g, n in r.overall[0].counts.items() if n)
            for r in rows} == {"cic@1": [2, 4], "cic@2": [3]}


def test_a_version_filter_keeps_that_version_only(engine, ids):
    s = figures(engine, Filters(template="cic@1"))
    assert s.audits == 2
    assert "template cic version 1" in s.filters.describe()
    assert figures(engine, Filters(template="cic")).audits == 3  # every version
    with read_only(engine).connect() as conn:
        rows = audits_behind(conn=conn, filters=Filters(template="cic@2"), pick=Pick("audits"),
                             today=TODAY)
    assert [r.case_reference for r in rows] == ["CH-3"]


def test_the_audits_behind_a_figure_carry_their_own_version_s_title(engine, ids):
    with read_only(engine).connect() as conn:
        rows = audits_behind(conn=conn, filters=Filters(), pick=Pick("audits"), today=TODAY)
    assert {r.case_reference: r.template_title for r in rows} == {
        "CH-1": "Children in care v1", "CH-2": "Children in care v1",
        "CH-3": "Children in care (2025) v2"}


def test_never_happened_is_a_result_of_its_own(engine, ids):
    s = figures(engine)
    (ind,) = s.indicators
    assert (ind.met, ind.missed, ind.never, ind.no_data) == (1, 2, 2, 0)
    assert ind.to_dict()["never_happened"] == 2
    table = indicator_table(s)
    assert table.rows[0][table.columns.index("Never happened")] == "2"
    with read_only(engine).connect() as conn:
        behind = audits_behind(conn=conn, filters=Filters(), today=TODAY,
                               pick=Pick("indicator", "first_review_timely", "never"))
        assert sorted(r.case_reference for r in behind) == ["CH-2", "CH-3"]
        kept = {tuple(r[:-1]): r[-1] for r in conn.exec_driver_sql(
            "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}
        assert kept == expected_counts(conn)
    # the running counts and the facts agree (one team: counts; two filters: facts)
    fast = figures(engine, Filters(team="North")).indicators[0]
    slow = figures(engine, Filters(team="North", auditor="Ann")).indicators[0]
    assert (fast.met, fast.missed, fast.never) == (slow.met, slow.missed, slow.never)


def test_reopening_takes_never_out_of_the_counts(engine, ids):
    with session_scope(engine) as s:
        reopen_audit(session=s, audit_id=ids["CH-3"], who="t", reason="Check the review")
    (ind,) = figures(engine, Filters(team="North")).indicators
    assert (ind.missed, ind.never) == (1, 1)
    with read_only(engine).connect() as conn:
        kept = {tuple(r[:-1]): r[-1] for r in conn.exec_driver_sql(
            "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}
        assert kept == expected_counts(conn)


def test_step_8_fills_the_version_of_audits_submitted_before_it(tmp_path):
    path = tmp_path / "seven.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine, target=7)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO template_version VALUES ('h1', 'cic', 3, 'CiC', 'key = \"cic\"', "
            "'2025-01-01 00:00:00')")
        conn.exec_driver_sql(
            "INSERT INTO audit (id, template_key, template_version, template_hash, "
            "case_reference, audit_date, status, created_at, updated_at) VALUES ('a1', 'cic', "
            "3, 'h1', 'CH-1', '2025-01-02', 'submitted', '2025-01-02 10:00:00', "
            "'2025-01-02 10:00:00')")
        conn.exec_driver_sql(
            "INSERT INTO fact_audit (audit_id, template_key, audit_date, month, recorded_at) "
            "VALUES ('a1', 'cic', '2025-01-02', '2025-01', '2025-01-02 10:00:00')")
    assert migrate(engine) == (7, LATEST)
    engine.dispose()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT template_version FROM fact_audit").fetchall() == [(3,)]
    conn.close()


def test_by_template_from_the_running_counts_is_what_the_facts_say(engine, monkeypatch):
    """One version of each template: `breakdowns` by template reads the running counts (the
    dashboard's unfiltered refresh stays quick); the same figures as reading the facts."""
    from datetime import date as day

    from audit_tui.reports import aggregate, breakdowns
    from audit_tui.reports.demo_cli import fill
    from audit_tui.reports.labels import labels_for
    from audit_tui.reports.filters import Filters

    fill(engine, audits=60, seed=5, months=2, today=day(2025, 3, 14), parallel=False)
    with engine.connect() as conn:
        assert breakdowns.one_version_each(conn, labels_for(conn))  # the demo: one of each
        quick = aggregate.breakdowns(conn=conn, filters=Filters(), by=("template", "team"))
        monkeypatch.setattr(breakdowns, "one_version_each", lambda conn, labels: None)
        slow = aggregate.breakdowns(conn=conn, filters=Filters(), by=("template", "team"))
    assert quick["template"].rows and all("@" in r.value for r in quick["template"].rows)
    assert quick == slow
