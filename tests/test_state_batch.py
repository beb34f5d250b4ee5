"""The batch readers (state.load_states, facts.record_facts_many, apply.refresh_derived) give
what the one-audit path gives: the same AuditState, the same facts and the same running counts.
On SQLite and, with AUDIT_TUI_TEST_PG_URL, on a PostgreSQL server."""

from __future__ import annotations

from datetime import date

import pytest

from audit_tui.db import state as state_mod
from audit_tui.db.engine import read_only, session_scope
from audit_tui.db.facts import expected_counts, record_facts, record_facts_many
from audit_tui.reports.demo_cli import fill
from audit_tui.sync import apply

TODAY = date(2025, 3, 14)


def facts_of(conn) -> dict:
    out = {}
    for table in ("grade_fact", "indicator_result", "yes_no_fact"):
        out[table] = sorted(tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table}"))
    rows = conn.exec_driver_sql("SELECT * FROM fact_audit")
    keep = [i for i, name in enumerate(rows.keys()) if name != "recorded_at"]
    out["fact_audit"] = sorted(tuple(r[i] for i in keep) for r in rows)
    out["fact_count"] = sorted(tuple(r) for r in conn.exec_driver_sql(
        "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count"))
    return out


def as_tuple(state) -> tuple:
    return (state.template.key, state.template.version, state.details, state.slots, state.rows,
            state.sections, state.overall_grade, state.overall_rationale, state.conversation,
            state.feedback, state.progress())


@pytest.fixture
def filled(engine, monkeypatch):
    monkeypatch.setattr(state_mod, "BATCH", 7)  # several batches, one of them short
    fill(engine, audits=45, seed=11, months=3, today=TODAY, parallel=False)
    with session_scope(engine) as session:  # a reflection and some feedback on two audits
        ids = [r[0] for r in session.connection().exec_driver_sql(
            "SELECT id FROM audit ORDER BY id LIMIT 2")]
        conn = session.connection()
        conn.exec_driver_sql("INSERT INTO worker_conversation (audit_id, spoken_on, how, "
                             "reflection, agrees, disagreement, support, recorded_by, "
                             "updated_at) VALUES (?, NULL, 'visit', 'I would do it again', "
                             "'yes', '', '', 'sam', '2025-03-01 00:00:00')", (ids[0],))
    return engine


def test_load_states_gives_what_load_state_gives(filled):
    with session_scope(filled) as session:
        ids = [r[0] for r in session.connection().exec_driver_sql(
            "SELECT id FROM audit ORDER BY updated_at")]
        batch = {audit.id: as_tuple(state) for audit, state in
                 state_mod.load_states(session=session, audit_ids=ids + ["no-such-audit"])}
        assert list(batch) == ids  # in the order asked, the unknown id passed over
        for audit_id in ids:
            assert batch[audit_id] == as_tuple(
                state_mod.load_state(session=session, audit_id=audit_id)[1]), audit_id
        assert any(t[8] for t in batch.values())  # the reflection was seen


def test_facts_recorded_in_batches_are_those_recorded_one_by_one(filled):
    with read_only(filled).connect() as conn:
        before = facts_of(conn)
        ids = [r[0] for r in conn.exec_driver_sql(
            "SELECT id FROM audit WHERE status != 'draft' ORDER BY id")]
        assert len(ids) > 30 and before["grade_fact"]
    with session_scope(filled) as session:
        for audit_id in ids:
            record_facts(session=session, audit_id=audit_id)
    with read_only(filled).connect() as conn:
        one_by_one = facts_of(conn)
    assert one_by_one == before
    with session_scope(filled) as session:
        record_facts_many(session=session, audit_ids=ids)
    with read_only(filled).connect() as conn:
        assert facts_of(conn) == before
        assert {r[:-1]: r[-1] for r in before["fact_count"]} == expected_counts(conn)


def test_refresh_derived_recomputes_facts_and_progress_of_submitted_and_drafts(filled):
    with read_only(filled).connect() as conn:
        before = facts_of(conn)
        progress = dict((r[0], (r[1], r[2])) for r in conn.exec_driver_sql(
            "SELECT id, answered_count, required_count FROM audit"))
    with session_scope(filled) as session:  # audits as a bundle's import leaves them: no
        conn = session.connection()  # facts, and progress figures the file claimed
        conn.exec_driver_sql("UPDATE audit SET answered_count = 0, required_count = 999")
        for table in ("grade_fact", "indicator_result", "yes_no_fact", "fact_audit",
                      "fact_count"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    with session_scope(filled) as session:
        apply.refresh_derived(session, list(progress))
    with read_only(filled).connect() as conn:
        assert facts_of(conn) == before
        assert dict((r[0], (r[1], r[2])) for r in conn.exec_driver_sql(
            "SELECT id, answered_count, required_count FROM audit")) == progress
