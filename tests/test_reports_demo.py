"""`audit-tui demo`: synthetic audits whose facts are exactly what submitting them would record,
and no writing into the user's own database without asking."""

from __future__ import annotations

import io
from datetime import date

import pytest

from audit_tui.cli import main
from audit_tui.db.engine import read_only, session_scope
from audit_tui.db.facts import expected_counts, record_facts
from audit_tui.reports.demo_cli import fill
from audit_tui.templates.loader import default_catalog

TODAY = date(2025, 3, 14)


class FakeStdin(io.StringIO):
    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def facts_of(conn, audit_id: str) -> dict:
    out = {}
    for table in ("fact_audit", "grade_fact", "indicator_result", "yes_no_fact"):
        rows = conn.exec_driver_sql(f"SELECT * FROM {table} WHERE audit_id = ?", (audit_id,))
        out[table] = sorted(tuple(r[:-1]) if table == "fact_audit" else tuple(r) for r in rows)
    return out


@pytest.fixture
def filled(engine):
    fill(engine, audits=240, seed=7, months=4, today=TODAY, parallel=False)
    return engine


def test_demo_fills_every_template_with_drafts_and_overdue_actions(filled):
    with read_only(filled).connect() as conn:
        templates = {r[0] for r in conn.exec_driver_sql("SELECT DISTINCT template_key FROM audit")}
        assert templates == {t.key for t in default_catalog(None).templates()}
        status = dict(conn.exec_driver_sql("SELECT status, count(*) FROM audit GROUP BY 1").all())
        assert status["submitted"] > 200 and status.get("draft", 0) >= 1
        assert conn.exec_driver_sql("SELECT count(*) FROM audit WHERE case_reference NOT LIKE "
                                    "'DEMO-%'").scalar() == 0
        overdue = conn.exec_driver_sql("SELECT count(*) FROM action WHERE status = 'open' AND "
                                       "due_date < ?", (TODAY.isoformat(),)).scalar()
        assert overdue > 0
        grades = dict(conn.exec_driver_sql("SELECT overall_grade, count(*) FROM audit WHERE "
                                           "status = 'submitted' GROUP BY 1").all())
        assert set(grades) == {1, 2, 3, 4} and grades[2] > grades[4]
        assert conn.exec_driver_sql("SELECT count(*) FROM fact_audit").scalar() == \
            status["submitted"]


def test_demo_facts_are_what_submitting_would_record(filled):
    with read_only(filled).connect() as conn:
        ids = [r[0] for r in conn.exec_driver_sql(
            "SELECT audit_id FROM fact_audit ORDER BY audit_id LIMIT 60")]
        before = {i: facts_of(conn, i) for i in ids}
    with session_scope(filled) as session:
        for audit_id in ids:
            record_facts(session=session, audit_id=audit_id)
    with read_only(filled).connect() as conn:
        for audit_id in ids:
            assert facts_of(conn, audit_id) == before[audit_id], audit_id
        kept = {tuple(r[:-1]): r[-1] for r in conn.exec_driver_sql(
            "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}
        assert kept == expected_counts(conn)


def test_demo_is_repeatable_with_a_seed(engine, tmp_path):
    from audit_tui.db.opening import open_engine, prepare
    from audit_tui.locations import parse_database

    other = parse_database(str(tmp_path / "other.db"), "--db")
    prepare(other)
    second = open_engine(other)
    for e in (engine, second):
        fill(e, audits=30, seed=3, months=3, today=TODAY, parallel=False)
    query = ("SELECT case_reference, template_key, team, auditor, audit_date, overall_grade "
             "FROM audit ORDER BY case_reference")
    with engine.connect() as a, second.connect() as b:
        assert a.exec_driver_sql(query).all() == b.exec_driver_sql(query).all()
    second.dispose()


def test_demo_refuses_the_default_database_without_a_terminal(capsys, monkeypatch,
                                                               private_home):
    monkeypatch.setattr("sys.stdin", FakeStdin("", tty=False))
    assert main(["demo", "--audits", "5"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert not (private_home / "data" / "audits.db").exists()


def test_demo_asks_before_writing_into_the_default_database(capsys, monkeypatch, private_home):
    monkeypatch.setattr("sys.stdin", FakeStdin("no\n", tty=True))
    assert main(["demo", "--audits", "5"]) == 2
    assert "Nothing was written" in capsys.readouterr().err
    assert not (private_home / "data" / "audits.db").exists()
    monkeypatch.setattr("sys.stdin", FakeStdin("yes\n", tty=True))
    assert main(["demo", "--audits", "5"]) == 0
    assert (private_home / "data" / "audits.db").exists()


def test_demo_into_a_named_database_needs_no_question(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("sys.stdin", FakeStdin("", tty=False))
    db = tmp_path / "demo.db"
    assert main(["--db", str(db), "demo", "--audits", "12", "--seed", "2"]) == 0
    assert "Added 12 synthetic audits" in capsys.readouterr().err
    assert main(["--db", str(db), "report", "--format", "json"]) == 0
    assert '"audits":' in capsys.readouterr().out
