"""The conversation parts (the worker's reflection, the family's feedback) through bundles and
the conversation report: exported and imported, the same bundle twice changes nothing, the
later correction wins a merge with the other kept in the history, and the report counts
collaborative audits by team and month.

Runs on SQLite and, with AUDIT_TUI_TEST_PG_URL set, on PostgreSQL (tests/conftest.py)."""

from __future__ import annotations

from datetime import date

from audit_tui.db import conversation, store
from audit_tui.db.engine import read_only, session_scope
from audit_tui.reports.conversation import conversation_rows
from audit_tui.sync import records
from audit_tui.sync.importer import import_bundle

from .test_bundle import all_records, export, other, snapshot  # noqa: F401 (fixtures)
from .test_reports_data import fill, mini  # noqa: F401


def talk(engine, audit_id, reflection="I see the plan drifted", agrees="partly"):
    with session_scope(engine) as s:
        conversation.record_worker(session=s, audit_id=audit_id, who="lead",
                                   spoken_on=date(2024, 3, 1), how="phone",
                                   reflection=reflection, agrees=agrees,
                                   disagreement="Plan grade too low", support="PLO supervision")


def feedback(engine, audit_id, said="She felt heard") -> str:
    with session_scope(engine) as s:
        return conversation.record_feedback(
            session=s, audit_id=audit_id, who="lead", from_whom="parent", how="visit",
            gathered_on=date(2024, 3, 2), said=said,
            answers=[("Did the worker listen?", "Yes")]).id


def parts(engine, audit_id) -> tuple:
    with session_scope(engine) as s:
        row = conversation.worker_conversation(session=s, audit_id=audit_id)
        return ((row.reflection, row.agrees, row.support, row.spoken_on) if row else None,
                sorted((f.id, f.said, f.answers) for f in
                       conversation.family_feedback(session=s, audit_id=audit_id)))


def history(engine, audit_id) -> list[tuple]:
    with session_scope(engine) as s:
        return [(e.what, e.old_value, e.new_value)
                for e in store.history(session=s, audit_id=audit_id)]


def test_the_conversation_travels_and_a_second_import_changes_nothing(engine, other, mini,
                                                                      tmp_path):
    ids = fill(engine, mini)
    talk(engine, ids["CH-1"])
    feedback(engine, ids["CH-1"])
    feedback(engine, ids["CH-3"], said="Nobody rang back")
    with read_only(engine).connect() as conn:
        [record] = records.read_records(conn, [ids["CH-1"]])
        [plain] = records.read_records(conn, [ids["CH-2"]])
    assert list(record["conversation"][0][1:4]) == ["2024-03-01", "phone",
                                                    "I see the plan drifted"]
    assert "conversation" not in plain and "feedback" not in plain  # as before step 5
    path = export(engine, tmp_path, status="all")
    result = import_bundle(other, path, who="qa")
    assert (result.new, result.conflicting) == (5, 0)
    assert all_records(other, imported=True) == all_records(engine)
    for case in ("CH-1", "CH-3"):
        assert parts(other, ids[case]) == parts(engine, ids[case])
    before = snapshot(other)
    again = import_bundle(other, path, who="qa")
    assert (again.new, again.updated, again.conflicting) == (0, 0, 0)
    assert snapshot(other) == before


def test_the_later_correction_wins_and_feedback_from_both_sides_is_kept(engine, other, mini,
                                                                        tmp_path):
    ids = fill(engine, mini)
    audit_id = ids["CH-1"]
    talk(engine, audit_id)
    laptop_feedback = feedback(engine, audit_id)
    import_bundle(other, export(engine, tmp_path, "first.bundle"), who="qa")
    qa_feedback = feedback(other, audit_id, said="Told the QA team by phone")  # QA side
    talk(engine, audit_id, reflection="On reflection the plan drifted for months",
         agrees="yes")  # the laptop corrects the reflection later
    result = import_bundle(other, export(engine, tmp_path, "second.bundle"), who="qa")
    assert result.conflicting == 0
    reflection, rows = parts(other, audit_id)
    assert reflection[:2] == ("On reflection the plan drifted for months", "yes")
    assert {r[0] for r in rows} == {laptop_feedback, qa_feedback}
    changes = [h for h in history(other, audit_id) if h[0] == "from a bundle: worker conversation"]
    assert len(changes) == 1 and "I see the plan drifted" in changes[0][1]
    # And back: the laptop gains the QA side's feedback, keeps its own reflection.
    import_bundle(engine, export(other, tmp_path, "back.bundle"), who="lead")
    assert parts(engine, audit_id) == parts(other, audit_id)


def test_the_report_counts_collaborative_audits_by_team_and_month(engine, mini):
    ids = fill(engine, mini)
    talk(engine, ids["CH-1"])
    feedback(engine, ids["CH-1"])
    feedback(engine, ids["CH-3"])
    talk(engine, ids["DRAFT"])  # a draft is not counted
    with read_only(engine).connect() as conn:
        with conn.begin():
            rows = {(r.team, r.month): (r.audits, r.with_reflection, r.with_feedback)
                    for r in conversation_rows(conn)}
    assert rows == {("North", "2024-01"): (2, 1, 1), ("North", ""): (2, 1, 1),
                    ("South", "2024-02"): (2, 0, 1), ("South", ""): (2, 0, 1),
                    ("", ""): (4, 1, 2)}


def test_removed_feedback_is_removed_on_the_other_side_and_never_comes_back(engine, other,
                                                                             mini, tmp_path):
    ids = fill(engine, mini)
    audit_id = ids["CH-1"]
    kept = feedback(engine, audit_id, said="Kept")
    wrong = feedback(engine, audit_id, said="Recorded on the wrong audit")
    first = export(engine, tmp_path, "first.bundle")
    import_bundle(other, first, who="qa")
    with session_scope(other) as s:  # the QA side removes it
        conversation.remove_feedback(session=s, audit_id=audit_id, who="qa", feedback_id=wrong)
    assert [r[0] for r in parts(other, audit_id)[1]] == [kept]
    import_bundle(other, first, who="qa")  # the older bundle again: it stays removed
    assert [r[0] for r in parts(other, audit_id)[1]] == [kept]
    import_bundle(engine, export(other, tmp_path, "back.bundle"), who="lead")
    assert [r[0] for r in parts(engine, audit_id)[1]] == [kept]  # removed on the laptop too
    removed = [h for h in history(engine, audit_id) if h[0] == "family feedback removed"]
    assert removed == [("family feedback removed", "parent by visit: Recorded on the wrong "
                        "audit", f"(removed: feedback {wrong})")]
    assert parts(engine, audit_id) == parts(other, audit_id)
