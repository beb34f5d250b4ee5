"""`audit-tui demo`: synthetic audits whose facts are exactly what submitting them would record,
and no writing into the user's own database without asking. The database tests run on SQLite
and, with AUDIT_TUI_TEST_PG_URL, on a PostgreSQL server."""

from __future__ import annotations

import io
import time
import uuid
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
        keep = [i for i, name in enumerate(rows.keys()) if name != "recorded_at"]
        out[table] = sorted(tuple(r[i] for i in keep) for r in rows)
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


def test_demo_is_repeatable_with_a_seed(engine, db_factory):
    from audit_tui.db.opening import open_engine

    second = open_engine(db_factory())
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


def test_demo_command_fills_the_database_it_is_given(capsys, monkeypatch, db_target):
    """`audit-tui --db FILE-OR-URL demo`, then the figures and the export read it back."""
    import json

    monkeypatch.setattr("sys.stdin", FakeStdin("", tty=False))
    db = str(db_target.path or db_target.url)
    assert main(["--db", db, "demo", "--audits", "40", "--seed", "2", "--months", "3"]) == 0
    assert "Added 40 synthetic audits" in capsys.readouterr().err
    assert main(["--db", db, "report", "--format", "json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert 30 <= figures["audits"] < 40  # (a few are drafts)
    assert main(["--db", db, "demo", "--audits", "5", "--seed", "3"]) == 0  # adds to them
    capsys.readouterr()
    assert main(["--db", db, "report", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["audits"] > figures["audits"]


def test_the_demo_fills_every_report(capsys, monkeypatch, db_target, engine):
    """Moderations (with kappa figures), safeguarding concerns, reopened audits, actions done
    late and conversations: a trial shows every report filled."""
    import json

    monkeypatch.setattr("sys.stdin", FakeStdin("", tty=False))
    db = str(db_target.path or db_target.url)
    assert main(["--db", db, "demo", "--audits", "300", "--seed", "4", "--months", "6"]) == 0
    err = capsys.readouterr().err
    assert "audits moderated" in err and "safeguarding concerns" in err
    assert main(["--db", db, "report", "--by", "moderation", "--format", "json"]) == 0
    agreement = json.loads(capsys.readouterr().out)
    assert any(r["kappa"] is not None and r["pairs"] >= 5 for r in agreement["criterion"])
    assert main(["--db", db, "report", "--format", "json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["safeguarding_concerns"]["raised"] >= 1
    assert figures["moderation"]["moderator_grade_used"] >= 1
    with engine.connect() as conn:
        def one(sql):
            return conn.exec_driver_sql(sql).scalar()

        assert one("SELECT count(*) FROM audit_event WHERE what LIKE 'status (reopened%'") >= 1
        assert one("SELECT sum(done_late) FROM v_action") >= 1
        assert one("SELECT count(*) FROM worker_conversation") >= 1
        assert one("SELECT count(*) FROM moderation WHERE moderator_grade <> auditor_grade") >= 1
        # the moderated audits' facts are recorded again once, together: the counts follow
        kept = {tuple(r[:-1]): r[-1] for r in conn.exec_driver_sql(
            "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}
        assert kept == expected_counts(conn)
        assert one("SELECT count(*) FROM grade_fact g JOIN moderation m ON m.audit_id = "
                   "g.audit_id AND m.section_key = g.section_key WHERE m.moderator_grade <> "
                   "m.auditor_grade AND g.grade = m.moderator_grade") >= 1


def extras_of(engine) -> dict[str, list]:
    """What the demo's extras made, by case reference (ids differ from run to run)."""
    queries = {
        "moderations": "SELECT a.case_reference, m.section_key, m.auditor_grade, "
                       "m.moderator_grade FROM moderation m JOIN audit a ON a.id = m.audit_id",
        "concerns": "SELECT a.case_reference, e.urgency, e.acknowledged_at IS NULL FROM "
                    "escalation e JOIN audit a ON a.id = e.audit_id",
        "conversations": "SELECT a.case_reference, w.how FROM worker_conversation w JOIN "
                         "audit a ON a.id = w.audit_id",
        "statuses": "SELECT case_reference, status FROM audit"}
    with read_only(engine).connect() as conn:
        return {name: sorted(tuple(r) for r in conn.exec_driver_sql(sql))
                for name, sql in queries.items()}


def test_the_demo_s_moderations_and_concerns_follow_the_seed(db_factory, monkeypatch):
    """The same seed moderates, raises concerns on and reopens the same audits, whether the
    demo's audits were made by one process or shared with a helper (whose ids count from a
    random start of their own): the sample is drawn in case-reference order, not id order."""
    from audit_tui.db.opening import open_engine
    from audit_tui.reports import demo_cli
    from audit_tui.reports.demo_extras import add_extras

    monkeypatch.setattr(demo_cli, "PART", 60)
    found = {}
    for parallel in (False, True):
        target = db_factory()
        engine = open_engine(target)
        fill(engine, audits=400, seed=9, months=2, today=TODAY, parallel=parallel,
             url=target.url)
        add_extras(engine, seed=9)
        found[parallel] = extras_of(engine)
        engine.dispose()
    assert found[False]["moderations"] and found[False]["concerns"]
    assert found[True] == found[False]


# -- identifiers ------------------------------------------------------------------------------
def is_uuid7(value: str) -> bool:
    found = uuid.UUID(value)
    return str(found) == value and found.version == 7 and found.variant == uuid.RFC_4122


def test_new_ids_are_version_7_uuids_led_by_the_time_and_increasing():
    from audit_tui.db.models import new_id

    ids = [new_id() for _ in range(20000)]  # many in one millisecond: still increasing
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(is_uuid7(i) for i in ids[::97])
    made_at = int(ids[0].replace("-", "")[:12], 16) / 1000  # Unix time in ms, first 48 bits
    assert abs(made_at - time.time()) < 60


def test_demo_ids_are_like_new_ids_and_two_makers_never_meet():
    from audit_tui.reports.demo import IdMaker

    first, second = IdMaker(), IdMaker()
    a = [first() for _ in range(5000)]
    b = [second() for _ in range(5000)]
    assert a == sorted(a) and b == sorted(b) and not set(a) & set(b)
    assert all(is_uuid7(i) for i in [*a[::50], *b[::50]])
    first.tail |= 0xFFFFFFFFFFFF - 2  # the low 48 bits about to roll over: still in order
    first._lead()
    c = [first() for _ in range(6)]
    assert c == sorted(c) and all(is_uuid7(i) for i in c)


# -- what the synthetic audits hold ---------------------------------------------------------
def test_demo_audits_answer_about_as_much_as_real_ones():
    from collections import Counter

    from audit_tui.reports.demo import Batch, DemoMaker

    maker = DemoMaker(default_catalog(None).templates(), seed=5, months=12, today=TODAY)
    maker.use_stream("test", 0)
    batch = Batch()
    for day in maker.dates(3000):
        maker.audit(day, batch)
    per_audit = len(batch.answers) / len(batch.audit)
    # the version 2 bundled templates (issue 13) ask a case profile of about 8 details and
    # more questions than version 1 (26-32 answers an audit then)
    assert 38 <= per_audit <= 46
    keys = Counter(row[2] for row in batch.answers)
    audits = Counter(row[1] for row in batch.audit)
    # a condition hides the theme of a regular audit: most audits are regular
    assert 0.05 * len(batch.audit) < keys["audit_theme"] < 0.3 * len(batch.audit)
    # sections that may not apply are often marked so; applicable ones get answers
    marked = Counter(row[1] for row in batch.sections if row[5])
    assert marked["hp_neglect"] > 0.3 * audits["help_and_protection"]
    # an optional question is often left blank, and often answered
    assert 0.25 * audits["help_and_protection"] < keys["hp_assessment_completed"] < \
        0.75 * audits["help_and_protection"]


def test_a_new_file_is_filled_the_quick_way_and_left_as_the_tool_expects(tmp_path):
    import sqlite3

    from audit_tui.db.opening import open_engine, prepare
    from audit_tui.locations import parse_database

    target = parse_database(str(tmp_path / "new.db"), "--db")
    prepare(target)
    engine = open_engine(target)
    fill(engine, audits=300, seed=4, months=3, today=TODAY, parallel=False, fresh=True)
    engine.dispose()
    conn = sqlite3.connect(tmp_path / "new.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == 300
    conn.close()
    with read_only(open_engine(target)).connect() as c:
        kept = {tuple(r[:-1]): r[-1] for r in c.exec_driver_sql(
            "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}
        assert kept == expected_counts(c)


@pytest.mark.parametrize("fresh", [False, True])
def test_two_workers_make_the_audits_one_would(db_kind, db_factory, monkeypatch, fresh):
    """The helper process takes some of the parts: the same seed still gives the same
    audits, each part with its facts and counts (on a server too: the helper connects with
    the URL given, search_path and all)."""
    from audit_tui.db.opening import open_engine
    from audit_tui.reports import demo_cli

    if fresh and db_kind != "sqlite":
        pytest.skip("the quick way is for a new SQLite file")
    monkeypatch.setattr(demo_cli, "PART", 60)  # several parts a month, for both workers
    found = {}
    for parallel in (False, True):
        target = db_factory()
        engine = open_engine(target)
        fill(engine, audits=400, seed=9, months=2, today=TODAY, parallel=parallel,
             fresh=fresh and target.path is not None, url=target.url)
        with read_only(engine).connect() as conn:
            found[parallel] = sorted(conn.exec_driver_sql(
                "SELECT a.case_reference, a.template_key, a.team, a.auditor, a.audit_date, "
                "a.status, a.overall_grade, count(n.id), count(DISTINCT n.id) FROM audit a "
                "LEFT JOIN answer n ON n.audit_id = a.id GROUP BY a.id").all())
            kept = {tuple(r[:-1]): r[-1] for r in conn.exec_driver_sql(
                "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}
            assert kept == expected_counts(conn)
        engine.dispose()
    assert len(found[True]) == 400 and found[True] == found[False]
