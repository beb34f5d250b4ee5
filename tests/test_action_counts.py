"""The running counts of actions (migration step 7): an action changed on a submitted audit
finds its counts by their key, not by reading every count, and the counts stay what the facts
say. SQLite and, with AUDIT_TUI_TEST_PG_URL, PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import date

from audit_tui.db.engine import read_only, session_scope
from audit_tui.db.facts import expected_counts
from audit_tui.reports.demo_cli import fill

TODAY = date(2025, 3, 14)


def kept_counts(conn) -> dict:
    return {tuple(r[:-1]): r[-1] for r in conn.exec_driver_sql(
        "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}


def an_action(engine) -> tuple[str, str]:
    with read_only(engine).connect() as conn:
        return tuple(conn.exec_driver_sql(
            "SELECT a.id, a.owner FROM action a JOIN fact_audit f ON f.audit_id = a.audit_id "
            "WHERE a.status = 'open' ORDER BY a.id LIMIT 1").first())


def pad(engine, start: int, count: int) -> None:
    """Counts of other teams and months, as a large database has."""
    rows = [("team", f"Team {i}", "action", f"20{10 + i % 10}-0{1 + i % 9}", f"Owner {i}",
             "open", "", 1) for i in range(start, start + count)]
    with session_scope(engine) as session:
        session.connection().exec_driver_sql(
            "INSERT INTO fact_count (dim, dim_value, kind, month, key, value, band, n) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def change(engine, action_id: str, status: str, owner: str) -> int:
    """Change an action; return the SQLite virtual machine steps it took (0 elsewhere)."""
    steps = [0]
    with session_scope(engine) as session:
        conn = session.connection()
        raw = conn.connection.dbapi_connection
        sqlite = isinstance(raw, sqlite3.Connection)
        if sqlite:
            raw.set_progress_handler(lambda: steps.__setitem__(0, steps[0] + 1) or 0, 100)
        conn.exec_driver_sql("UPDATE action SET status = ?, owner = ? WHERE id = ?",
                             (status, owner, action_id))
        if sqlite:
            raw.set_progress_handler(None, 0)
    return steps[0] * 100


def test_action_changes_keep_the_counts_and_read_only_their_own(engine):
    fill(engine, audits=30, seed=3, months=2, today=TODAY, parallel=False)
    action_id, owner = an_action(engine)
    pad(engine, 0, 20_000)
    small = change(engine, action_id, "done", owner)
    change(engine, action_id, "open", owner)
    pad(engine, 20_000, 40_000)
    large = change(engine, action_id, "done", "Someone Else")
    with read_only(engine).connect() as conn:
        kept = kept_counts(conn)
        facts = expected_counts(conn)
    padding = {k: n for k, n in kept.items() if k[1].startswith("Team ") and
               k[4].startswith("Owner ")}
    assert len(padding) == 60_000
    assert {k: n for k, n in kept.items() if k not in padding} == facts
    if engine.dialect.name == "sqlite":  # three times the counts, about the same work
        assert 0 < large < small * 1.5, (small, large)


def seq_scans(engine) -> int:
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        return conn.exec_driver_sql(
            "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'fact_count' "
            "AND schemaname = current_schema()").scalar()


def test_on_postgresql_an_action_change_reads_no_whole_table(engine):
    if engine.dialect.name != "postgresql":
        return
    fill(engine, audits=10, seed=3, months=1, today=TODAY, parallel=False)
    pad(engine, 0, 20_000)
    action_id, owner = an_action(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE fact_count")
    before = seq_scans(engine)
    for status in ("done", "open", "done"):
        change(engine, action_id, status, owner)
    with engine.begin() as conn:  # the statistics of this backend's work, sent now
        conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
    change(engine, action_id, "open", owner)
    assert seq_scans(engine) == before
    with read_only(engine).connect() as conn:
        assert {k: n for k, n in kept_counts(conn).items() if not k[1].startswith("Team ")} \
            == expected_counts(conn)


def test_many_counts_up_and_down_leave_only_what_is_left(engine):
    """apply_counts with more rows than go one by one (COPY and one upsert on a server): counts
    taken down to nothing are deleted, counts still above it stay, on both engines alike."""
    from audit_tui.db.facts import COPY_COUNTS_FROM, apply_counts

    many = COPY_COUNTS_FROM + 200
    rows = [("team", f"T{i}", "audit", "2025-01", "", "", "", 2) for i in range(many)]
    with session_scope(engine) as s:
        apply_counts(s.connection(), rows)
    down = [(*r[:-1], -2 if i % 2 else -1) for i, r in enumerate(rows)]
    with session_scope(engine) as s:
        apply_counts(s.connection(), down)
    with read_only(engine).connect() as conn:
        kept = kept_counts(conn)
    assert kept == {r[:-1]: 1 for i, r in enumerate(rows) if i % 2 == 0}
