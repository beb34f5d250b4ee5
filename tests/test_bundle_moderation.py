"""Bundles carry moderated grades, safeguarding concerns and the "done" fields of actions:
exported and imported, the same bundle twice changes nothing, older bundles without them still
import, and they merge: a moderated grade by the usual three-way rule (one side changed: it
wins; both changed it: a conflict for the QA user, resolved field by field) and never removed by
a merge; a concern raised on either side is kept, and an acknowledgement once made stays.

Runs on SQLite and, with AUDIT_TUI_TEST_PG_URL set, on PostgreSQL (tests/conftest.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from audit_tui.db import escalation, moderation, store
from audit_tui.db.engine import read_only, session_scope
from audit_tui.sync import records
from audit_tui.sync.export import export_bundle
from audit_tui.sync.importer import import_bundle
from audit_tui.sync.resolve import list_conflicts, resolve

from .test_bundle import (  # noqa: F401 (fixtures)
    all_records, counts_consistent, export, figures, forge, other, snapshot)
from .test_reports_data import fill, mini  # noqa: F401


def rows(engine, table: str, audit_id: str) -> list[tuple]:
    """The rows of `table` for one audit, in canonical form, without the times they were made
    (so that two databases can be compared)."""
    name = {"moderation": "moderation", "escalation": "escalations"}[table]
    with read_only(engine).connect() as conn:
        [record] = records.read_records(conn, [audit_id])
    return [tuple(r) for r in record.get(name, [])]


def moderate(engine, audit_id, section_key, who="Mo", grade=None, comment=""):
    with session_scope(engine) as s:
        moderation.record(session=s, audit_id=audit_id, section_key=section_key, who=who,
                          grade=grade, comment=comment)


def raise_concern(engine, audit_id, what="Sibling not seen", who="lead") -> str:
    with session_scope(engine) as s:
        return escalation.raise_concern(session=s, audit_id=audit_id, who=who, what=what,
                                        urgency="today", to_whom="Duty team").id


def acknowledge(engine, escalation_id, who):
    with session_scope(engine) as s:
        escalation.acknowledge(session=s, escalation_id=escalation_id, who=who)


def concerns(engine, audit_id) -> dict[str, tuple]:
    """id -> (what, acknowledged by, acknowledged at) for the audit's concerns."""
    with session_scope(engine) as s:
        return {e.id: (e.what, e.acknowledged_by, e.acknowledged_at)
                for e in escalation.for_audit(session=s, audit_id=audit_id)}


def graded(engine, audit_id) -> dict[str, tuple]:
    with session_scope(engine) as s:
        return {k: (m.moderator_grade, m.agrees, m.comment, m.moderator)
                for k, m in moderation.moderation_for(session=s, audit_id=audit_id).items()}


def history(engine, audit_id) -> list[str]:
    with session_scope(engine) as s:
        return [e.what for e in store.history(session=s, audit_id=audit_id)]


# -- export and import ---------------------------------------------------------------------------
def test_moderation_concerns_and_done_actions_travel_and_count_the_same(
        engine, other, mini, tmp_path):
    ids = fill(engine, mini)
    audit_id = ids["CH-1"]
    moderate(engine, audit_id, "voice", grade=3, comment="Voice thin in the plan")
    moderate(engine, audit_id, "")  # agrees with the overall grade
    first = raise_concern(engine, audit_id)
    second = raise_concern(engine, ids["CH-2"], what="No visit for 8 weeks")
    acknowledge(engine, second, "Duty manager")
    with session_scope(engine) as s:
        [action] = store.actions_for(session=s, audit_id=audit_id)
        store.update_action(session=s, action_id=action.id, who="lead", status="done",
                            completed_date=date(2024, 2, 3), note="Plan rewritten with the family")
    path = export(engine, tmp_path, status="all")
    result = import_bundle(other, path, who="qa")
    assert (result.new, result.conflicting) == (5, 0)
    assert all_records(other, imported=True) == all_records(engine)
    assert graded(other, audit_id) == {"voice": (3, False, "Voice thin in the plan", "Mo"),
                                       "": (2, True, "", "Mo")}
    assert concerns(other, audit_id)[first][:2] == ("Sibling not seen", None)
    assert concerns(other, ids["CH-2"])[second][1] == "Duty manager"
    assert concerns(other, ids["CH-2"]) == concerns(engine, ids["CH-2"])
    with session_scope(other) as s:
        [action] = store.actions_for(session=s, audit_id=audit_id)
        assert (action.status, action.completed_date, action.note) == (
            "done", date(2024, 2, 3), "Plan rewritten with the family")
        assert [e.id for e, _ in escalation.unacknowledged(session=s)] == [first]
    # The moderated grade is what the figures count, on both sides.
    assert figures(other) == figures(engine)
    assert counts_consistent(other)
    # The same bundle again changes nothing.
    before = snapshot(other)
    again = import_bundle(other, path, who="qa")
    assert (again.new, again.updated, again.unchanged, again.conflicting) == (0, 0, 5, 0)
    assert snapshot(other) == before


def test_records_without_moderation_or_concerns_are_as_they_were(engine, mini, tmp_path):
    """An audit with neither has no such members in its record (the same bytes as before they
    travelled); one with them has them, after the history."""
    ids = fill(engine, mini)
    moderate(engine, ids["CH-1"], "voice")
    raise_concern(engine, ids["CH-1"])
    with read_only(engine).connect() as conn:
        lines = {audit_id: line for audit_id, _, _, line in
                 records.record_lines(conn, list(ids.values()))}
        read = {r["id"]: r for r in records.read_records(conn, list(ids.values()))}
    plain = json.loads(lines[ids["CH-2"]])
    assert list(plain) == ["id", "audit", "answers", "rows", "sections", "actions", "events"]
    full = json.loads(lines[ids["CH-1"]])
    assert list(full)[-2:] == ["moderation", "escalations"]
    assert full["moderation"][0][:6] == [ids["CH-1"], "voice", "childs_voice", 2, 2, 1]
    # The fast path on SQLite and the general one give the same bytes.
    assert lines == {k: records.encode(v) for k, v in read.items()}


def test_an_older_bundle_without_them_still_imports_and_removes_nothing(
        engine, other, mini, tmp_path):
    ids = fill(engine, mini)
    moderate(engine, ids["CH-1"], "voice", grade=3, comment="Thin")
    concern = raise_concern(engine, ids["CH-1"])
    path = export(engine, tmp_path)

    def strip(members):  # what a bundle from before they travelled holds
        lines = []
        for line in members["audits.jsonl"].splitlines():
            record = json.loads(line)
            record.pop("moderation", None)
            record.pop("escalations", None)
            lines.append(records.encode(record))
        members["audits.jsonl"] = b"\n".join(lines) + b"\n"
    old = forge(path, tmp_path / "old.bundle", strip)
    result = import_bundle(other, old, who="qa")
    assert (result.new, result.conflicting) == (4, 0)
    assert graded(other, ids["CH-1"]) == {} and concerns(other, ids["CH-1"]) == {}
    # The new bundle brings them; the older one again takes nothing away.
    result = import_bundle(other, path, who="qa")
    assert (result.updated, result.conflicting) == (1, 0)
    assert graded(other, ids["CH-1"])["voice"] == (3, False, "Thin", "Mo")
    assert list(concerns(other, ids["CH-1"])) == [concern]
    assert figures(other) == figures(engine) and counts_consistent(other)
    result = import_bundle(other, old, who="qa")
    assert (result.new, result.conflicting) == (0, 0)
    assert graded(other, ids["CH-1"])["voice"] == (3, False, "Thin", "Mo")
    assert list(concerns(other, ids["CH-1"])) == [concern]
    assert figures(other) == figures(engine)


def test_since_picks_an_audit_moderated_or_with_a_concern_since(engine, mini, tmp_path):
    ids = fill(engine, mini)
    with engine.begin() as conn:  # every audit last changed long ago
        conn.exec_driver_sql("UPDATE audit SET updated_at = ?", ("2020-01-01 00:00:00.000000",))
        conn.exec_driver_sql("UPDATE action SET updated_at = ?", ("2020-01-01 00:00:00.000000",))
    moderate(engine, ids["CH-1"], "voice")
    raise_concern(engine, ids["CH-3"])
    path = tmp_path / "since.bundle"
    export_bundle(engine, path, since=date.today())
    import zipfile

    with zipfile.ZipFile(path) as z:
        found = {json.loads(line)["id"] for line in z.read("audits.jsonl").splitlines()}
    assert found == {ids["CH-1"], ids["CH-3"]}


# -- merging -------------------------------------------------------------------------------------
@pytest.fixture
def exchanged(engine, other, mini, tmp_path):
    """The four submitted audits, sent from the laptop (engine) to the QA database (other)."""
    ids = fill(engine, mini)
    import_bundle(other, export(engine, tmp_path, "first.bundle"), who="qa")
    return ids


def test_a_moderation_on_one_side_wins_and_the_figures_follow(engine, other, tmp_path,
                                                             exchanged):
    audit_id = exchanged["CH-1"]
    moderate(engine, audit_id, "voice", grade=4, comment="Voice missing")  # the laptop
    moderate(other, audit_id, "", who="Qa", grade=3, comment="Too generous")  # the QA database
    result = import_bundle(other, export(engine, tmp_path, "second.bundle"), who="qa")
    assert (result.updated, result.conflicting) == (1, 0)
    assert graded(other, audit_id) == {"voice": (4, False, "Voice missing", "Mo"),
                                       "": (3, False, "Too generous", "Qa")}
    assert "from a bundle: moderation voice" in history(other, audit_id)
    assert "moderation voice" in history(other, audit_id)  # the laptop's own history came along
    assert counts_consistent(other)
    # Back to the laptop: the QA database's moderation arrives; both now count the same.
    result = import_bundle(engine, export(other, tmp_path, "third.bundle"), who="lead")
    # 1 with the moderation (and its history row); all 4 bring the QA history row of the import
    assert (result.updated, result.conflicting, result.events_added) == (4, 0, 6)
    assert graded(engine, audit_id) == graded(other, audit_id)
    assert figures(engine) == figures(other) and counts_consistent(engine)
    with read_only(other).connect() as conn:
        grades = dict(conn.exec_driver_sql(
            "SELECT section_key, grade FROM grade_fact WHERE audit_id = ?", (audit_id,)).all())
    assert grades[""] == 3 and grades["voice"] == 4  # the moderated grades are counted
    # Nothing more to exchange but the history rows the two imports wrote; then nothing.
    result = import_bundle(other, export(engine, tmp_path, "fourth.bundle"))
    assert (result.new, result.conflicting, result.events_added) == (0, 0, 1)
    assert graded(engine, audit_id) == graded(other, audit_id)
    for target, source, name in ((engine, other, "fifth"), (other, engine, "sixth")):
        before = snapshot(target)
        result = import_bundle(target, export(source, tmp_path, f"{name}.bundle"))
        assert (result.updated, result.conflicting) == (0, 0)
        skip = ("sync_audit", "sync_bundle")  # what the two agreed on, and when
        assert {k: v for k, v in snapshot(target).items() if k not in skip} == \
            {k: v for k, v in before.items() if k not in skip}


def test_two_moderators_grading_one_section_is_a_conflict_resolved_field_by_field(
        engine, other, tmp_path, exchanged):
    audit_id = exchanged["CH-1"]
    moderate(engine, audit_id, "voice", grade=3, comment="Some voice")
    moderate(other, audit_id, "voice", who="Qa", grade=4, comment="No voice")
    bundle = export(engine, tmp_path, "second.bundle")
    result = import_bundle(other, bundle, who="qa")
    assert (result.conflicting, result.still_conflicting) == (1, 1)
    assert graded(other, audit_id)["voice"] == (4, False, "No voice", "Qa")  # mine kept
    with session_scope(other) as s:
        [found] = list_conflicts(session=s)
    [field] = found.fields
    assert field.field == "moderation:voice"
    assert field.label == "Moderation: Voice"
    assert field.mine == "4 (auditor 2) — No voice, by Qa"
    assert field.theirs == "3 (auditor 2) — Some voice, by Mo"
    before = snapshot(other)
    assert import_bundle(other, bundle, who="qa").conflicting == 0  # the same bundle again
    assert snapshot(other) == before
    with session_scope(other) as s:
        resolve(session=s, audit_id=audit_id, field="moderation:voice", keep="theirs", who="qa")
    assert graded(other, audit_id)["voice"] == (3, False, "Some voice", "Mo")
    assert "conflict resolved, bundle's value kept: moderation voice" in history(other, audit_id)
    assert counts_consistent(other)
    with read_only(other).connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT grade FROM grade_fact WHERE audit_id = ? AND section_key = 'voice'",
            (audit_id,)).scalar() == 3
    before = snapshot(other)
    assert import_bundle(other, bundle, who="qa").updated == 0
    assert snapshot(other) == before


def test_concerns_are_kept_from_both_sides_and_acknowledgement_stays(engine, other, tmp_path,
                                                                    exchanged):
    audit_id = exchanged["CH-2"]
    on_laptop = raise_concern(engine, audit_id, what="Sibling not seen")
    on_server = raise_concern(other, audit_id, what="Missing chronology", who="qa")
    result = import_bundle(other, export(engine, tmp_path, "second.bundle"), who="qa")
    assert (result.updated, result.conflicting) == (1, 0)
    assert set(concerns(other, audit_id)) == {on_laptop, on_server}
    assert "from a bundle: safeguarding concern raised" in history(other, audit_id)
    # The QA team acknowledges the laptop's concern; the laptop's next bundle, where it is
    # still open, does not undo that.
    acknowledge(other, on_laptop, "Duty manager")
    with session_scope(engine) as s:  # the laptop changes something else meanwhile
        action = store.actions_for(session=s, audit_id=audit_id)[0]
        store.update_action(session=s, action_id=action.id, who="lead", note="Chased")
    result = import_bundle(other, export(engine, tmp_path, "third.bundle"), who="qa")
    assert (result.updated, result.conflicting) == (1, 0)
    assert concerns(other, audit_id)[on_laptop][1] == "Duty manager"
    with session_scope(other) as s:
        assert store.actions_for(session=s, audit_id=audit_id)[0].note == "Chased"
    # Back on the laptop: the server's concern arrives, and the acknowledgement.
    result = import_bundle(engine, export(other, tmp_path, "fourth.bundle"), who="lead")
    assert result.conflicting == 0
    assert concerns(engine, audit_id) == concerns(other, audit_id)
    with session_scope(engine) as s:
        assert escalation.unacknowledged(session=s)[0][0].id == on_server
    # Both sides acknowledge the same concern: no conflict; the first acknowledgement stays.
    acknowledge(engine, on_server, "Lead")
    acknowledge(other, on_server, "Later manager")
    result = import_bundle(other, export(engine, tmp_path, "fifth.bundle"), who="qa")
    assert result.conflicting == 0
    assert concerns(other, audit_id)[on_server][1] == "Lead"
    result = import_bundle(engine, export(other, tmp_path, "sixth.bundle"), who="lead")
    assert result.conflicting == 0
    assert concerns(engine, audit_id) == concerns(other, audit_id)
    with session_scope(other) as s:
        assert escalation.counts(session=s) == {"raised": 2, "unacknowledged": 0}


def test_a_concern_naming_another_audit_is_refused(engine, other, tmp_path, exchanged):
    raise_concern(engine, exchanged["CH-1"])
    path = export(engine, tmp_path, "second.bundle")

    def move(members):
        lines = []
        for line in members["audits.jsonl"].splitlines():
            record = json.loads(line)
            for row in record.get("escalations", []):
                row[0] = exchanged["CH-2"]
            lines.append(records.encode(record))
        members["audits.jsonl"] = b"\n".join(lines) + b"\n"
    forged = forge(path, tmp_path / "forged.bundle", move)
    before = snapshot(other)
    from audit_tui.sync.bundle_file import BundleRefused

    with pytest.raises(BundleRefused, match="Nothing was imported"):
        import_bundle(other, forged, who="qa")
    assert snapshot(other) == before
