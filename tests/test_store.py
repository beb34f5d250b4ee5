"""The store: audits round-trip, one answer per question, every change in the history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.lifecycle import SubmitRefused, reopen_audit, submit_audit
from audit_tui.db.models import Answer, AuditEvent
from audit_tui.db.state import load_state, value_fields


@pytest.fixture
def audit_id(engine, example_template):
    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=example_template, case_reference="  CH-001 ",
                                   audit_date=date(2026, 11, 20), who="lead", team="North",
                                   auditor="A. Auditor")
        return audit.id


def test_audit_with_answers_of_every_type_round_trips(engine, example_template, audit_id):
    t = example_template
    values = {
        "legal_status": "Pre-proceedings",  # choice
        "referral_date": date(2026, 8, 3),  # date
        "child_seen_alone": "yes",  # yes_no
        "risk_analysis": 2,  # grade
    }
    with session_scope(engine) as s:
        for key, value in values.items():
            store.save_answer(session=s, audit_id=audit_id, question_key=key, who="lead",
                              **value_fields(t.question(key), value))
        store.save_answer(session=s, audit_id=audit_id, question_key="child_seen_alone",
                          who="lead", evidence="Seen at school on 04/09 — [bold]not markup[/]")
        # Types the example has no question for: stored through the same columns.
        store.save_answer(session=s, audit_id=audit_id, question_key="extra_multi", who="lead",
                          choices=["Police", "Health"])
        store.save_answer(session=s, audit_id=audit_id, question_key="extra_number", who="lead",
                          number_value=3.0)
        store.save_answer(session=s, audit_id=audit_id, question_key="extra_text", who="lead",
                          text="Line one\nLine two \x1b[31m")
        store.save_answer(session=s, audit_id=audit_id, question_key="extra_na", who="lead",
                          not_applicable=True)
    with session_scope(engine) as s:
        audit, state = load_state(session=s, audit_id=audit_id)
        assert audit.case_reference == "CH-001"
        for key, value in values.items():
            assert state.slot(key).value == value
        assert state.slot("child_seen_alone").evidence == "Seen at school on 04/09 — [bold]not markup[/]"
        rows = {a.question_key: a for a in store.answers_for(session=s, audit_id=audit_id)}
        assert rows["extra_multi"].choices == '["Police", "Health"]'
        assert rows["extra_number"].number_value == 3.0
        assert rows["extra_text"].text == "Line one\nLine two \x1b[31m"
        assert rows["extra_na"].not_applicable is True


def test_one_answer_per_question_and_row(engine, example_template, audit_id):
    with session_scope(engine) as s:
        for grade in (1, 2, 3):
            store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                              who="lead", grade=grade)
    with session_scope(engine) as s:
        answers = s.exec(select(Answer).where(Answer.question_key == "risk_analysis")).all()
        assert [a.grade for a in answers] == [3]
    with pytest.raises(IntegrityError):
        with session_scope(engine) as s:
            s.add(Answer(audit_id=audit_id, question_key="risk_analysis", grade=1))


def test_each_change_writes_a_history_row_with_old_and_new(engine, audit_id):
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                          who="lead", grade=3)
        store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                          who="moderator", grade=2)
        store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                          who="moderator", grade=2)  # unchanged: no event
        store.update_case_details(session=s, audit_id=audit_id, who="lead", team="South")
        store.save_section(session=s, audit_id=audit_id, section_key="assessment",
                           criterion="assessment_quality", who="lead", grade=2,
                           rationale="Timely and analytical.")
        store.set_overall(session=s, audit_id=audit_id, who="lead", grade=2, rationale="Good.")
        action = store.add_action(session=s, audit_id=audit_id, who="lead",
                                  description="Update the chronology", owner="SW",
                                  due_date=date(2026, 12, 1))
        s.flush()
        store.update_action(session=s, action_id=action.id, who="lead", status="done")
    with session_scope(engine) as s:
        events = [(e.who, e.what, e.old_value, e.new_value)
                  for e in store.history(session=s, audit_id=audit_id)]
    assert ("lead", "answer risk_analysis", None, "3") in events
    assert ("moderator", "answer risk_analysis", "3", "2") in events
    assert len([e for e in events if e[1] == "answer risk_analysis"]) == 2
    assert ("lead", "team", "North", "South") in events
    assert ("lead", "section assessment grade", None, "2") in events
    assert ("lead", "overall grade", None, "2") in events
    assert ("lead", "action status", "open", "done") in events


def test_history_is_append_only(engine, audit_id):
    with pytest.raises(Exception, match="append-only"):
        with session_scope(engine) as s:
            event = s.exec(select(AuditEvent)).first()
            event.new_value = "tampered"
            s.add(event)


def test_repeat_rows_keep_their_answers_apart_and_removal_takes_them(engine, audit_id):
    with session_scope(engine) as s:
        first = store.add_row(session=s, audit_id=audit_id, group_key="missing_episodes", who="l")
        second = store.add_row(session=s, audit_id=audit_id, group_key="missing_episodes", who="l")
        s.flush()
        for row, day in ((first, 1), (second, 9)):
            store.save_answer(session=s, audit_id=audit_id, question_key="returned_on",
                              row_id=row.id, who="l", date_value=date(2026, 9, day))
        first_id, second_id = first.id, second.id
    with session_scope(engine) as s:
        _, state = load_state(session=s, audit_id=audit_id)
        assert state.rows["missing_episodes"] == [first_id, second_id]
        assert state.slot("returned_on", second_id).value == date(2026, 9, 9)
        store.remove_row(session=s, audit_id=audit_id, row_id=first_id, who="l")
    with session_scope(engine) as s:
        _, state = load_state(session=s, audit_id=audit_id)
        assert state.rows["missing_episodes"] == [second_id]
        assert ("returned_on", first_id) not in state.slots


def test_submit_is_refused_while_anything_required_is_missing(engine, audit_id):
    with pytest.raises(SubmitRefused) as refused:
        with session_scope(engine) as s:
            submit_audit(session=s, audit_id=audit_id, who="lead")
    assert "The overall grade." in refused.value.reasons
    with session_scope(engine) as s:
        assert store.get_audit(session=s, audit_id=audit_id).status == "draft"


def test_submitted_audit_is_read_only_until_reopened_with_a_reason(engine, example_template,
                                                                   audit_id):
    t = example_template
    answers = {"legal_status": "Child in need", "referral_date": date(2026, 8, 3),
               "assessment_completed": date(2026, 9, 1), "child_seen_alone": "yes",
               "risk_analysis": 2}
    with session_scope(engine) as s:
        for key, value in answers.items():
            store.save_answer(session=s, audit_id=audit_id, question_key=key, who="lead",
                              **value_fields(t.question(key), value))
        store.save_section(session=s, audit_id=audit_id, section_key="assessment",
                           criterion="assessment_quality", who="lead", grade=2, rationale="ok")
        store.save_section(session=s, audit_id=audit_id, section_key="missing",
                           criterion="exploitation_missing", who="lead", not_applicable=True,
                           na_reason="No missing episodes")
        store.set_overall(session=s, audit_id=audit_id, who="lead", grade=2, rationale="Good.")
    with session_scope(engine) as s:
        submit_audit(session=s, audit_id=audit_id, who="lead")
    with pytest.raises(store.AuditLocked):
        with session_scope(engine) as s:
            store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                              who="lead", grade=4)
    with pytest.raises(store.StoreError):
        with session_scope(engine) as s:
            reopen_audit(session=s, audit_id=audit_id, who="lead", reason="  ")
    with session_scope(engine) as s:
        reopen_audit(session=s, audit_id=audit_id, who="lead", reason="Moderator asked")
    with session_scope(engine) as s:
        audit = store.get_audit(session=s, audit_id=audit_id)
        assert audit.status == "draft" and audit.submitted_at is None
        whats = [e.what for e in store.history(session=s, audit_id=audit_id)]
        assert "status (reopened: Moderator asked)" in whats


def test_deleting_a_draft_removes_its_answers(engine, audit_id):
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                          who="lead", grade=1)
    with session_scope(engine) as s:
        store.delete_draft(session=s, audit_id=audit_id)
    with session_scope(engine) as s:
        assert store.counts(session=s) == {"audit": 0, "answer": 0, "action": 0}


def test_template_text_is_kept_once_per_version(engine, example_template):
    with session_scope(engine) as s:
        for n in range(3):
            store.create_audit(session=s, template=example_template, case_reference=f"C{n}",
                               audit_date=date(2026, 1, 5), who="l")
    with session_scope(engine) as s:
        text = store.template_text(session=s, template_hash=example_template.text_hash)
        assert text == example_template.text


def test_an_answer_saved_in_a_session_that_holds_the_audit_keeps_it_current(engine, audit_id):
    """save_answer and set_progress write with Core statements (the walk's saves must be
    quick): an Audit or Answer already loaded in the same session is read again, so a later
    ORM change in that session cannot write back a stale revision or value."""
    with session_scope(engine) as s:
        audit = store.get_audit(session=s, audit_id=audit_id)
        before = audit.revision
        first = store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                                  who="lead", grade=2)
        loaded = s.get(Answer, first.id)
        assert loaded.grade == 2
        store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                          who="lead", grade=3)
        assert loaded.grade == 3
        assert audit.revision == before + 2
        store.set_progress(session=s, audit_id=audit_id, answered=5, required=9,
                           resume_at="risk_analysis")
        assert (audit.answered_count, audit.required_count) == (5, 9)
        store.update_case_details(session=s, audit_id=audit_id, who="lead", team="South")
        # an ORM change not yet flushed is kept when an answer is saved after it
        store.update_case_details(session=s, audit_id=audit_id, who="lead",
                                  social_worker="Sam Lee")
        store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                          who="lead", grade=4)
        store.update_case_details(session=s, audit_id=audit_id, who="lead", service_area="CIN")
        store.set_progress(session=s, audit_id=audit_id, answered=6, required=9)
    with session_scope(engine) as s:
        audit = store.get_audit(session=s, audit_id=audit_id)
        assert audit.revision == before + 6
        assert (audit.team, audit.social_worker, audit.service_area, audit.answered_count,
                audit.resume_at) == ("South", "Sam Lee", "CIN", 6, "risk_analysis")
        history = [e.what for e in s.exec(select(AuditEvent).where(
            AuditEvent.audit_id == audit_id))]
        assert history.count("answer risk_analysis") == 3


def test_saving_an_unchanged_answer_writes_nothing(engine, audit_id):
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                          who="lead", grade=2)
        revision = store.get_audit(session=s, audit_id=audit_id).revision
    with session_scope(engine) as s:
        again = store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                                  who="lead", grade=2)
        assert again.grade == 2
    with session_scope(engine) as s:
        assert store.get_audit(session=s, audit_id=audit_id).revision == revision
        events = s.exec(select(AuditEvent).where(AuditEvent.audit_id == audit_id)).all()
        assert [e.what for e in events].count("answer risk_analysis") == 1


def test_the_walks_quick_sql_writes_what_the_orm_writes(engine, audit_id, db_kind):
    """save_answer writes its own SQL (quick_sql): the stored text of its times, dates and
    booleans is the ORM's, so either reads the other's rows."""
    import re

    from sqlalchemy import text

    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="referral_date",
                          who="lead", date_value=date(2026, 8, 3), not_applicable=False)
        store.save_answer(session=s, audit_id=audit_id, question_key="child_seen_alone",
                          who="lead", not_applicable=True)
        store.update_case_details(session=s, audit_id=audit_id, who="lead", team="East")
    with session_scope(engine) as s:
        conn = s.connection()
        answer = conn.execute(text(
            "SELECT date_value, not_applicable, updated_at FROM answer "
            "WHERE question_key = 'referral_date'")).one()
        na = conn.execute(text("SELECT not_applicable FROM answer "
                               "WHERE question_key = 'child_seen_alone'")).scalar()
        events = conn.execute(text("SELECT what, at FROM audit_event ORDER BY at")).all()
        audit = store.get_audit(session=s, audit_id=audit_id)
        assert audit.updated_at is not None and audit.revision >= 4
    if db_kind == "sqlite":  # text on SQLite: the same forms as SQLAlchemy's own
        stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")
        assert answer[0] == "2026-08-03" and answer[1] == 0 and na == 1
        assert stamp.match(answer[2])
        assert all(stamp.match(at) for _, at in events)
    else:
        assert answer[0] == date(2026, 8, 3) and answer[1] is False and na is True
    whats = [w for w, _ in events]
    assert "answer referral_date" in whats and "answer child_seen_alone not_applicable" in whats
    with session_scope(engine) as s:
        rows = {a.question_key: a for a in store.answers_for(session=s, audit_id=audit_id)}
        assert rows["referral_date"].date_value == date(2026, 8, 3)
        assert rows["child_seen_alone"].not_applicable is True
