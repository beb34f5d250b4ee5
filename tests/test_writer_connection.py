"""The writer thread's own connection (db/engine.WriterConnection): each save commits or rolls
back as a whole, after-commit callbacks run only when it committed, and a failed save gives
the connection up so the next one starts afresh."""

from __future__ import annotations

from datetime import date

import pytest

from audit_tui.db import store
from audit_tui.db.engine import AFTER_COMMIT, WriterConnection, session_scope


@pytest.fixture
def audit_id(engine, example_template):
    with session_scope(engine) as s:
        return store.create_audit(session=s, template=example_template, case_reference="CH-1",
                                  audit_date=date(2026, 11, 2), who="t").id


def grade(engine, audit_id):
    with session_scope(engine) as s:
        found = [a.grade for a in store.answers_for(session=s, audit_id=audit_id)
                 if a.question_key == "risk_analysis"]
    return found[0] if found else None


def test_saves_commit_and_run_their_after_commit_callbacks(engine, audit_id):
    writer, done = WriterConnection(engine), []
    with writer.session() as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                          who="t", grade=2)
        s.info.setdefault(AFTER_COMMIT, []).append(lambda: done.append("first"))
        assert done == []  # not before the commit
    assert done == ["first"] and grade(engine, audit_id) == 2
    kept = writer._conn
    with writer.session() as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                          who="t", grade=3)
    assert writer._conn is kept  # the same connection, save after save
    assert grade(engine, audit_id) == 3
    writer.close()


def test_a_failed_save_changes_nothing_and_the_next_starts_afresh(engine, audit_id):
    writer, done = WriterConnection(engine), []
    with pytest.raises(RuntimeError):
        with writer.session() as s:
            store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                              who="t", grade=4)
            s.info.setdefault(AFTER_COMMIT, []).append(lambda: done.append("no"))
            raise RuntimeError("the disk is full")
    assert done == [] and grade(engine, audit_id) is None  # rolled back, not told
    assert writer._conn is None  # given up
    with writer.session() as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                          who="t", grade=1)
    assert grade(engine, audit_id) == 1
    writer.close()
