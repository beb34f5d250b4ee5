"""The demo into an empty database on a server checks its rows' audit keys in one pass at the
end, not row by row (db/bulk_keys.py, issue 17); the keys are always back afterwards."""

from __future__ import annotations

from datetime import date

import pytest

from audit_tui.cli import main
from audit_tui.db import bulk_keys
from audit_tui.db.engine import make_engine
from audit_tui.db.opening import prepare
from audit_tui.locations import parse_database
from audit_tui.reports import demo_cli


def keys(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.exec_driver_sql(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace AND "
            "conname LIKE '%audit_id_fkey'").all())


def marker(engine):
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT value FROM server_setting WHERE name = ?",
                                    (bulk_keys.SETTING,)).scalar()


@pytest.fixture
def watched_fill(monkeypatch):
    """demo_cli.fill, noting which audit keys the database had while it ran."""
    seen: list[dict] = []
    real = demo_cli.fill

    def fill(engine, **kwargs):
        seen.append(keys(engine))
        return real(engine, **kwargs)

    monkeypatch.setattr(demo_cli, "fill", fill)
    return seen


def test_the_demo_into_an_empty_database_checks_its_keys_at_the_end(pg_schema_url, capsys,
                                                                    watched_fill):
    prepare(parse_database(pg_schema_url, "--db"))
    engine = make_engine(pg_schema_url)
    try:
        before = keys(engine)
        assert main(["--db", pg_schema_url, "demo", "--audits", "40", "--seed", "2"]) == 0
        after = keys(engine)
        with engine.connect() as conn:
            orphans = conn.exec_driver_sql(
                "SELECT count(*) FROM answer n WHERE NOT EXISTS (SELECT 1 FROM audit a "
                "WHERE a.id = n.audit_id)").scalar()
            answers = conn.exec_driver_sql("SELECT count(*) FROM answer").scalar()
        left = marker(engine)
    finally:
        engine.dispose()
    during = watched_fill[0]
    assert all(before[t] == bulk_keys.KEY for t in bulk_keys.TABLES)
    assert not any(t in during for t in bulk_keys.TABLES)  # set aside while it ran
    assert after == before and left is None  # and back, as they were
    assert answers > 0 and orphans == 0
    assert "Added 40 synthetic audits" in capsys.readouterr().err


def test_the_demo_into_a_database_with_audits_checks_every_row(pg_schema_url, watched_fill):
    prepare(parse_database(pg_schema_url, "--db"))
    engine = make_engine(pg_schema_url)
    try:
        demo_cli.fill(engine, audits=5, seed=1, today=date(2025, 3, 14))
        before = keys(engine)
        watched_fill.clear()
        assert main(["--db", pg_schema_url, "demo", "--audits", "10", "--seed", "3"]) == 0
    finally:
        engine.dispose()
    assert watched_fill == [before]  # someone's audits are there: nothing set aside


def test_keys_left_aside_by_a_stopped_demo_are_back_at_the_next_start(pg_schema_url):
    target = parse_database(pg_schema_url, "--db")
    prepare(target)
    engine = make_engine(pg_schema_url)
    try:
        before = keys(engine)
        assert bulk_keys.set_aside(engine) == list(bulk_keys.TABLES)
        demo_cli.fill(engine, audits=8, seed=1, today=date(2025, 3, 14))  # then stopped
        aside, noted = keys(engine), marker(engine)
        prepare(target)  # the next start of audit-tui, by the tables' owner
        assert keys(engine) == before and marker(engine) is None
        assert bulk_keys.restore(engine) is False  # nothing more to do
    finally:
        engine.dispose()
    assert not any(t in aside for t in bulk_keys.TABLES)
    assert noted == ",".join(bulk_keys.TABLES)
