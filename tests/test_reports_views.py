"""The analysts' SQL views (db/analyst_views.py, docs/analysts.md) on both engines: the counted
grades agree with the reports once audits are moderated, grade labels and criterion titles
are there for a GROUP BY, and the views are made again whenever they are missing or old."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from audit_tui.cli import main
from audit_tui.db import analyst_views, moderation
from audit_tui.db.engine import session_scope

from .test_reports_data import fill, mini  # noqa: F401


@pytest.fixture
def ids(engine, mini):  # noqa: F811
    ids = fill(engine, mini)
    with session_scope(engine) as s:
        moderation.record(session=s, audit_id=ids["CH-1"], section_key="", who="Mo", grade=4,
                          comment="Worse than graded")
        moderation.record(session=s, audit_id=ids["CH-3"], section_key="plan", who="Mo",
                          grade=1, comment="Better")
        moderation.record(session=s, audit_id=ids["CH-2"], section_key="voice", who="Mo")
    return ids


def query(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def test_v_audit_counts_the_grades_the_report_counts(capsys, engine, db_target, ids):
    rows = dict(query(engine, "SELECT case_reference, overall_grade FROM v_audit"))
    assert rows == {"CH-1": 4, "CH-2": 4, "CH-3": 3, "CH-4": 1}  # the draft is not there
    code = main(["--db", str(db_target.path or db_target.url), "report", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    counts = {c["value"]: c["count"] for c in report["overall"][0]["counts"] if c["count"]}
    assert counts == {g: list(rows.values()).count(g) for g in set(rows.values())}
    [one] = query(engine, "SELECT overall_grade, overall_grade_label, auditor_overall_grade, "
                          "overall_moderated, moderated, template_title FROM v_audit "
                          "WHERE case_reference = 'CH-1'")
    assert one == (4, "Inadequate", 2, 1, 1, "Mini audit")


def test_group_by_team_and_grade_label_needs_no_code(engine, ids):
    rows = sorted(query(engine, "SELECT team, grade_label, count(*) FROM v_section_grade "
                                "WHERE criterion = 'plan_timeliness' "
                                "GROUP BY team, grade_label"), key=lambda r: (r[0], r[1] or ""))
    # CH-1 Green, CH-2 not applicable, CH-3 moderated from Red to Green, CH-4 Amber
    assert rows == [("North", None, 1), ("North", "Green", 1), ("South", "Amber", 1),
                    ("South", "Green", 1)]
    [plan] = query(engine, "SELECT section_title, criterion_title, grade, auditor_grade, "
                           "moderated, rationale FROM v_section_grade "
                           "WHERE case_reference = 'CH-3' AND section_key = 'plan'")
    assert plan == ("Plan", "Plans: quality and timeliness", 1, 3, 1, "Ok")
    [na] = query(engine, "SELECT not_applicable, not_applicable_reason FROM v_section_grade "
                         "WHERE audit_id = :i AND section_key = 'plan'", i=ids["CH-2"])
    assert na == (1, "No plan yet")
    agreed = query(engine, "SELECT grade, moderated FROM v_section_grade "
                           "WHERE audit_id = :i AND section_key = 'voice'", i=ids["CH-2"])
    assert agreed == [(4, 1)]  # a moderator agreed: moderated, the grade kept


def test_answers_actions_and_indicators_read_with_their_names(engine, ids):
    rows = query(engine, "SELECT section_title, question_prompt, value, not_applicable, "
                         "evidence FROM v_answer WHERE audit_id = :i AND question_key = "
                         "'seen_alone'", i=ids["CH-3"])
    assert rows == [("Voice", "Was the child seen alone?", None, 1, "Baby")]
    dates = query(engine, "SELECT value FROM v_answer WHERE audit_id = :i AND "
                          "question_key = 'referral_date'", i=ids["CH-1"])
    assert dates == [("2024-01-01",)]
    actions = query(engine, "SELECT case_reference, owner, overdue, done_late FROM v_action "
                            "ORDER BY case_reference")
    # (today is after both open actions' due dates; CH-3's was done before its own)
    assert actions == [("CH-1", "Ann", 1, 0), ("CH-2", "Cat", 1, 0), ("CH-3", "Ann", 0, 0)]
    plo = query(engine, "SELECT team, label, unit, met, criterion_title FROM v_indicator "
                        "WHERE indicator_key = 'plo_16_weeks' ORDER BY audit_id")
    assert {r[3] for r in plo} == {0, 1} and plo[0][4] == "Pre-proceedings (PLO) and drift"


def test_the_views_are_made_again_when_missing_or_old(engine, ids):
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP VIEW v_meta")
        conn.exec_driver_sql("DROP VIEW v_audit")
        conn.exec_driver_sql("DELETE FROM label_grade")
        conn.exec_driver_sql("DELETE FROM label_template")
    analyst_views.ensure(engine)
    assert query(engine, "SELECT views_version FROM v_meta") == [(analyst_views.VIEWS_VERSION,)]
    assert query(engine, "SELECT overall_grade_label FROM v_audit WHERE case_reference = "
                         "'CH-4'") == [("Outstanding",)]
    with engine.begin() as conn:  # twice over: nothing to do, nothing broken
        analyst_views.refresh(conn)
        analyst_views.refresh(conn)
    assert len(query(engine, "SELECT * FROM v_audit")) == 4
