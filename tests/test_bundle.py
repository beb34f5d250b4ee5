"""Bundles: export, import into another database, the figures the same on both sides; the same
bundle twice changes nothing; damaged, altered or newer bundles are refused and change nothing;
an audit on a template the importing database lacks still renders and adds up.

Runs on SQLite and, with AUDIT_TUI_TEST_PG_URL set, on PostgreSQL (tests/conftest.py)."""

from __future__ import annotations

import json
import stat
import zipfile
from datetime import date

import pytest

from audit_tui import __version__
from audit_tui.db import store
from audit_tui.db.engine import read_only, session_scope
from audit_tui.db.facts import expected_counts
from audit_tui.db.migrations_meta import LATEST
from audit_tui.db.opening import open_engine
from audit_tui.db.state import load_state
from audit_tui.reports.aggregate import summary
from audit_tui.reports.filters import Filters
from audit_tui.sync import records
from audit_tui.sync.bundle_file import BundleRefused
from audit_tui.sync.export import export_bundle
from audit_tui.sync.importer import import_bundle
from audit_tui.templates.loader import parse_template_text

from .test_reports_data import MINI, TODAY, fill, mini  # noqa: F401

TABLES = ("template_version", "audit", "answer", "repeat_row", "section_result", "action",
          "audit_event", "fact_audit", "grade_fact", "indicator_result", "yes_no_fact",
          "fact_count", "sync_audit", "sync_conflict", "sync_bundle")


@pytest.fixture
def other(db_factory):
    """A second database: the QA team's, say."""
    eng = open_engine(db_factory())
    yield eng
    eng.dispose()


def snapshot(engine) -> dict:
    """Every row of every table, as text: to tell that nothing changed."""
    out = {}
    with read_only(engine).connect() as conn:
        for table in TABLES:
            rows = conn.exec_driver_sql(f"SELECT * FROM {table}").all()
            out[table] = sorted(repr(tuple(bytes(v) if isinstance(v, memoryview) else v
                                           for v in row)) for row in rows)
    return out


def all_records(engine, *, imported=False) -> dict:
    """Every audit's record; `imported`: without the history row an import adds to a new
    audit (who signed the bundle, who imported it)."""
    with read_only(engine).connect() as conn:
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM audit")]
        found = list(records.read_records(conn, ids))
    if imported:
        for r in found:
            r["events"] = [e for e in r["events"] if e[4] != "from a bundle: audit added"]
    return {r["id"]: records.encode(r) for r in found}


def figures(engine, filters=Filters()) -> dict:
    with read_only(engine).connect() as conn:
        return summary(conn=conn, filters=filters, today=TODAY,
                       by=("team", "month", "template", "auditor")).to_dict()


def counts_consistent(engine) -> bool:
    with read_only(engine).connect() as conn:
        actual = {tuple(r[:-1]): r[-1] for r in conn.exec_driver_sql(
            "SELECT dim, dim_value, kind, month, key, value, band, n FROM fact_count")}
        return actual == expected_counts(conn)


def export(engine, tmp_path, name="b.bundle", **kwargs):
    path = tmp_path / name
    export_bundle(engine, path, **kwargs)
    return path


# -- export and import ---------------------------------------------------------------------------
def test_round_trip_gives_the_same_audits_and_the_same_figures(engine, other, mini, tmp_path):
    fill(engine, mini)
    path = export(engine, tmp_path, status="all")
    result = import_bundle(other, path, who="qa")
    assert (result.audits, result.new, result.updated, result.unchanged, result.conflicting) \
        == (5, 5, 0, 0, 0)
    assert result.templates_added == 1
    assert all_records(other, imported=True) == all_records(engine)
    assert figures(other) == figures(engine)
    assert counts_consistent(other)
    for filters in (Filters(team="North"), Filters(date_from=date(2024, 1, 15))):
        assert figures(other, filters) == figures(engine, filters)


def test_the_bundle_file_is_private_and_has_a_manifest(engine, mini, tmp_path):
    fill(engine, mini)
    path = export(engine, tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with zipfile.ZipFile(path) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert set(z.namelist()) == {"manifest.json", "audits.jsonl", "facts.jsonl",
                                     "templates.jsonl"}
    assert manifest["tool_version"] == __version__
    assert manifest["schema_version"] == LATEST
    assert manifest["counts"]["audits"] == 4  # submitted only, by default
    assert manifest["counts"]["templates"] == 1
    assert len(manifest["checksum"]) == 64
    assert not list(tmp_path.glob(".*partial"))


def test_status_and_since_choose_the_audits(engine, mini, tmp_path):
    ids = fill(engine, mini)
    with zipfile.ZipFile(export(engine, tmp_path, "all.bundle", status="all")) as z:
        assert z.read("audits.jsonl").count(b"\n") == 5
    with zipfile.ZipFile(export(engine, tmp_path, "future.bundle",
                                since=date(2999, 1, 1))) as z:
        assert z.read("audits.jsonl") == b""
    with zipfile.ZipFile(export(engine, tmp_path, "today.bundle", since=date.today())) as z:
        found = {json.loads(line)["id"] for line in z.read("audits.jsonl").splitlines()}
    assert found == {ids[c] for c in ("CH-1", "CH-2", "CH-3", "CH-4")}


def test_importing_the_same_bundle_again_changes_nothing(engine, other, mini, tmp_path):
    fill(engine, mini)
    path = export(engine, tmp_path, status="all")
    import_bundle(other, path, who="qa")
    before = snapshot(other)
    again = import_bundle(other, path, who="qa")
    assert (again.new, again.updated, again.unchanged, again.conflicting) == (0, 0, 5, 0)
    assert not again.changed_anything and again.imported_before
    assert snapshot(other) == before
    # A bundle the QA database makes of what it imported changes nothing on the laptop
    # either, but for the QA database's history row of the import (who signed, who imported).
    back = export(other, tmp_path, "back.bundle", status="all")
    before = snapshot(engine)
    result = import_bundle(engine, back, who="lead")
    assert (result.new, result.conflicting, result.events_added) == (0, 0, 5)
    assert all_records(engine) == all_records(other)
    skip = ("sync_audit", "sync_bundle", "audit_event")
    assert {k: v for k, v in snapshot(engine).items() if k not in skip} \
        == {k: v for k, v in before.items() if k not in skip}


def test_a_template_the_importing_database_lacks_comes_with_the_bundle(engine, other, tmp_path):
    text = MINI.replace('key = "mini"', 'key = "local_only"').replace(
        'title = "Mini audit"', 'title = "Only on this laptop"')
    template = parse_template_text(text, "local_only.toml").template
    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=template, case_reference="CH-77",
                                   audit_date=date(2024, 3, 4), who="lead", team="East")
        audit_id = audit.id
        store.save_section(session=s, audit_id=audit_id, section_key="voice",
                           criterion="childs_voice", who="lead", grade=2, rationale="Clear")
        store.save_section(session=s, audit_id=audit_id, section_key="plan",
                           criterion="plan_timeliness", who="lead", not_applicable=True,
                           na_reason="No plan yet")
        store.set_overall(session=s, audit_id=audit_id, who="lead", grade=2, rationale="Good")
        store.save_answer(session=s, audit_id=audit_id, question_key="seen_alone",
                          who="lead", choice="yes")
    with session_scope(engine) as s:
        from audit_tui.db.lifecycle import submit_audit

        submit_audit(session=s, audit_id=audit_id, who="lead")
    with read_only(other).connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM template_version").scalar() == 0
    import_bundle(other, export(engine, tmp_path), who="qa")
    with session_scope(other) as s:
        audit, state = load_state(session=s, audit_id=audit_id)
        assert state.template.title == "Only on this laptop"
        assert state.slot("seen_alone").value == "yes"
    got = figures(other)
    assert got["audits"] == 1
    assert [t["label"] for t in got["breakdowns"]["template"]["rows"]] == [
        "Only on this laptop v1"]
    assert got == figures(engine)


def test_forged_report_facts_are_never_trusted(engine, other, mini, tmp_path):
    """Only the facts member edited (every audit Inadequate in an invented team) and the
    checksums made good: the figures are worked out from the audits' own answers and grades."""
    fill(engine, mini)
    path = export(engine, tmp_path)

    def lie(members):
        lines = []
        for line in members["facts.jsonl"].splitlines():
            facts = json.loads(line)
            facts["fact_audit"][2] = "Invented team"
            facts["grades"] = [[*g[:4], 4, "inadequate"] for g in facts["grades"]]
            lines.append(records.encode(facts))
        members["facts.jsonl"] = b"\n".join(lines) + b"\n"
    forged = forge(path, tmp_path / "facts.bundle", lie)
    import_bundle(other, forged, who="qa")
    assert figures(other) == figures(engine)
    assert "Invented team" not in json.dumps(figures(other))
    assert counts_consistent(other)


def test_progress_is_reported(engine, other, mini, tmp_path):
    fill(engine, mini)

    class Bar:
        total, done = 0, 0

        def advance(self, n: int = 1) -> None:
            self.done += n
    bar = Bar()
    path = tmp_path / "b.bundle"
    export_bundle(engine, path, progress=bar)
    assert (bar.total, bar.done) == (4, 4)
    bar = Bar()
    import_bundle(other, path, progress=bar)
    assert (bar.total, bar.done) == (4, 4)


# -- refusals ------------------------------------------------------------------------------------
def rewrite(path, out, *, change=None, manifest=None):
    """A copy of the bundle with a member's text changed, or the manifest changed."""
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    if change:
        name, old, new = change
        assert old in members[name]
        members[name] = members[name].replace(old, new, 1)
    if manifest:
        data = json.loads(members["manifest.json"])
        manifest(data)
        members["manifest.json"] = json.dumps(data).encode()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out


def refused(engine, path) -> str:
    before = snapshot(engine)
    with pytest.raises(BundleRefused) as info:
        import_bundle(engine, path, who="qa")
    assert snapshot(engine) == before
    assert "Nothing was imported" in str(info.value)
    return str(info.value)


def test_damaged_altered_and_newer_bundles_are_refused_and_change_nothing(
        engine, other, mini, tmp_path):
    fill(engine, mini)
    path = export(engine, tmp_path, status="all")
    import_bundle(other, path)  # something already there, which must stay as it is
    data = path.read_bytes()
    cut = tmp_path / "cut.bundle"
    cut.write_bytes(data[: len(data) // 2])
    assert "damaged or was cut short" in refused(other, cut)
    altered = rewrite(path, tmp_path / "altered.bundle",
                      change=("audits.jsonl", b'"North"', b'"Nowhere"'))
    assert "altered" in refused(other, altered)
    newer = rewrite(path, tmp_path / "newer.bundle",
                    manifest=lambda m: m.update(schema_version=LATEST + 1))
    assert "newer version of audit-tui" in refused(other, newer)
    forged = rewrite(path, tmp_path / "forged.bundle",
                     manifest=lambda m: m.update(tool_version="9.9"))
    assert "altered" in refused(other, forged)
    not_zip = tmp_path / "notes.bundle"
    not_zip.write_text("hello")
    assert "not an audit-tui bundle" in refused(other, not_zip)
    assert "does not exist" in refused(other, tmp_path / "missing.bundle")


def forge(path, out, edit, *, sign=True):
    """A copy of the bundle with its members changed by `edit(members)` and every checksum
    made good again: what a hand-edited or forged bundle would look like."""
    import hashlib

    from audit_tui.sync.bundle_file import MEMBERS, payload_checksum

    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    edit(members)
    manifest = json.loads(members["manifest.json"])
    for name in MEMBERS:
        manifest["members"][name] = {"bytes": len(members[name]),
                                     "sha256": hashlib.sha256(members[name]).hexdigest()}
    manifest["checksum"] = payload_checksum(manifest)
    if sign:  # signed again with this copy's own key (trusted here): the deeper checks
        from audit_tui.sync.signing import sign as sign_manifest

        manifest = sign_manifest(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out


def test_forged_bundles_are_refused_and_change_nothing(engine, other, mini, tmp_path):
    """Checksums made good, but a record under a new id reusing the answer ids of an audit
    already here; or an audit on a template the bundle does not hold."""
    fill(engine, mini)
    path = export(engine, tmp_path)

    def clash(members):
        record = json.loads(members["audits.jsonl"].splitlines()[0])
        record["id"] = record["audit"][0] = "00000000-0000-4000-8000-000000000001"
        for name in records.TABLES:
            for row in record[name]:
                row[0] = record["id"]
        members["audits.jsonl"] = records.encode(record) + b"\n"
        members["facts.jsonl"] = b""
    forged = forge(path, tmp_path / "clash.bundle", clash)
    assert "clash with rows already in this database" in refused(engine, forged)

    def no_template(members):
        members["templates.jsonl"] = b""
    forged = forge(path, tmp_path / "no-template.bundle", no_template)
    assert "template version the bundle does not hold" in refused(other, forged)

    def broken(members):
        lines = members["audits.jsonl"].splitlines()
        record = json.loads(lines[-1])
        del record["answers"]
        members["audits.jsonl"] = b"\n".join([*lines[:-1], records.encode(record)]) + b"\n"
    forged = forge(path, tmp_path / "broken.bundle", broken)
    assert "is not a valid bundle (KeyError: 'answers')" in refused(other, forged)


@pytest.mark.parametrize("base, mine, theirs, conflicts, expected", [
    ({"f": 1}, {"f": 1}, {"f": 1}, {}, ([], [], [], [], {"f": 1})),  # agreed
    ({"f": 1}, {"f": 1}, {"f": 2}, {}, (["f"], [], [], [], {"f": 2})),  # only theirs: taken
    ({"f": 1}, {"f": 3}, {"f": 1}, {}, ([], [], [], [], {"f": 1})),  # only mine: kept
    ({"f": 1}, {"f": 3}, {"f": 3}, {}, ([], [], [], [], {"f": 3})),  # both, the same
    ({"f": 1}, {"f": 3}, {"f": 2}, {}, ([], ["f"], [], [], {"f": 1})),  # both: conflict
    ({}, {}, {"f": 2}, {}, (["f"], [], [], [], {"f": 2})),  # added there
    ({"f": 1}, {"f": 1}, {}, {}, (["f"], [], [], [], {})),  # removed there
    ({"f": 1}, {}, {"f": 1}, {}, ([], [], [], [], {"f": 1})),  # removed here: stays removed
    (None, {"f": 3}, {"f": 2}, {}, ([], ["f"], [], [], {})),  # never agreed: conflict
    (None, {"f": 2}, {"f": 2}, {}, ([], [], [], [], {"f": 2})),
    ({"f": 1}, {"f": 3}, {"f": 2}, {"f": 2}, ([], [], [], [], {"f": 1})),  # still the same
    ({"f": 1}, {"f": 3}, {"f": 4}, {"f": 2}, ([], [], ["f"], [], {"f": 1})),  # theirs moved on
    ({"f": 1}, {"f": 4}, {"f": 4}, {"f": 2}, ([], [], [], ["f"], {"f": 4})),  # now agreed
    ({"f": 1}, {"f": 1}, {"f": 2}, {"f": 2}, ([], [], [], [], {"f": 1})),  # open: never taken
])
def test_the_three_way_merge_field_by_field(base, mine, theirs, conflicts, expected):
    from audit_tui.sync.merge import plan_merge

    plan = plan_merge(base, mine, theirs, conflicts)
    assert (plan.take, plan.new_conflicts, plan.changed_conflicts, plan.dissolved,
            plan.base) == expected


# -- merging changes from two sides --------------------------------------------------------------
@pytest.fixture
def shared(engine, other, mini, tmp_path):
    """One draft audit, sent from the laptop (engine) to the QA database (other)."""
    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=mini, case_reference="CH-50",
                                   audit_date=date(2024, 4, 2), who="lead", team="North",
                                   auditor="Ann")
        audit_id = audit.id
        for key, choice in (("seen_alone", "yes"), ("plan_smart", "no")):
            store.save_answer(session=s, audit_id=audit_id, question_key=key, who="lead",
                              choice=choice)
        store.save_section(session=s, audit_id=audit_id, section_key="voice",
                           criterion="childs_voice", who="lead", grade=3, rationale="Some")
        action = store.add_action(session=s, audit_id=audit_id, who="lead",
                                  description="Chronology", owner="Ann",
                                  due_date=date(2024, 5, 1))
        action_id = action.id
    import_bundle(other, export(engine, tmp_path, "first.bundle", status="all"), who="qa")
    return audit_id, action_id


def answer(engine, audit_id, key):
    with session_scope(engine) as s:
        return {a.question_key: a for a in store.answers_for(session=s, audit_id=audit_id)}.get(
            key)


def test_a_change_on_one_side_wins(engine, other, tmp_path, shared):
    audit_id, action_id = shared
    with session_scope(engine) as s:  # the laptop: one answer, the team, an action removed
        store.save_answer(session=s, audit_id=audit_id, question_key="seen_alone", who="lead",
                          choice="no", evidence="Not seen alone on 02/04")
        store.update_case_details(session=s, audit_id=audit_id, who="lead", team="South")
        store.remove_action(session=s, action_id=action_id, who="lead")
    with session_scope(other) as s:  # the QA database: another answer
        store.save_answer(session=s, audit_id=audit_id, question_key="plan_smart", who="qa",
                          choice="yes")
    result = import_bundle(other, export(engine, tmp_path, "second.bundle", status="all"),
                           who="qa")
    assert (result.updated, result.conflicting) == (1, 0)
    assert answer(other, audit_id, "seen_alone").choice == "no"
    assert answer(other, audit_id, "seen_alone").evidence == "Not seen alone on 02/04"
    assert answer(other, audit_id, "plan_smart").choice == "yes"  # mine kept
    with session_scope(other) as s:
        assert store.get_audit(session=s, audit_id=audit_id).team == "South"
        assert store.actions_for(session=s, audit_id=audit_id) == []
        events = [e.what for e in store.history(session=s, audit_id=audit_id)]
    assert "from a bundle: answer seen_alone" in events
    assert "from a bundle: team" in events
    assert "answer seen_alone" in events  # the laptop's own history came along
    # The other way: the QA database's change reaches the laptop.
    result = import_bundle(engine, export(other, tmp_path, "third.bundle", status="all"))
    assert (result.updated, result.conflicting) == (1, 0)
    assert answer(engine, audit_id, "plan_smart").choice == "yes"
    assert all_records(engine) != {} and counts_consistent(engine)


def test_an_older_bundle_never_undoes_newer_work(engine, other, tmp_path, shared):
    """b1 exported; a grade changed on the laptop; b2 exported and imported; b1 again: it is
    older than what this database holds, and skipped."""
    from audit_tui.sync.commands import describe

    audit_id, _ = shared
    b1 = export(engine, tmp_path, "b1.bundle", status="all")
    with session_scope(engine) as s:
        store.save_section(session=s, audit_id=audit_id, section_key="voice",
                           criterion="childs_voice", who="lead", grade=2, rationale="Better")
    b2 = export(engine, tmp_path, "b2.bundle", status="all")
    assert import_bundle(other, b2, who="qa").updated == 1
    before = snapshot(other)
    result = import_bundle(other, b1, who="qa")
    assert (result.older, result.updated, result.conflicting) == (1, 0, 0)
    assert "1 older than what this database holds: skipped" in describe(result)
    with session_scope(other) as s:
        assert store.section_results(session=s, audit_id=audit_id)[0].grade == 2
    after = snapshot(other)
    after.pop("sync_bundle"), before.pop("sync_bundle")  # the import is logged
    assert after == before
    # A genuine change on both sides is still a conflict, not "older".
    with session_scope(engine) as s:
        store.save_section(session=s, audit_id=audit_id, section_key="voice",
                           criterion="childs_voice", who="lead", grade=1, rationale="Best")
    with session_scope(other) as s:
        store.save_section(session=s, audit_id=audit_id, section_key="voice",
                           criterion="childs_voice", who="qa", grade=4, rationale="Worse")
    result = import_bundle(other, export(engine, tmp_path, "b3.bundle", status="all"))
    assert (result.older, result.conflicting) == (0, 1)


def test_both_sides_changing_one_field_is_a_conflict_resolved_field_by_field(
        engine, other, tmp_path, shared):
    from audit_tui.sync.resolve import list_conflicts, resolve

    audit_id, _ = shared
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="seen_alone", who="lead",
                          choice="no")
        store.save_section(session=s, audit_id=audit_id, section_key="voice",
                           criterion="childs_voice", who="lead", grade=2, rationale="Better")
        store.update_case_details(session=s, audit_id=audit_id, who="lead", team="East")
    with session_scope(other) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="seen_alone", who="qa",
                          not_applicable=True)
        store.save_section(session=s, audit_id=audit_id, section_key="voice",
                           criterion="childs_voice", who="qa", grade=4, rationale="Worse")
    bundle = export(engine, tmp_path, "second.bundle", status="all")
    result = import_bundle(other, bundle, who="qa")
    assert (result.updated, result.conflicting, result.still_conflicting) == (0, 1, 1)
    with session_scope(other) as s:
        assert store.get_audit(session=s, audit_id=audit_id).team == "East"  # one side only
        [found] = list_conflicts(session=s)
    assert found.audit_id == audit_id and found.case_reference == "CH-50"
    by_field = {f.field: f for f in found.fields}
    assert set(by_field) == {"answer:seen_alone:", "section:voice"}
    seen = by_field["answer:seen_alone:"]
    assert seen.label == "Was the child seen alone?"
    assert (seen.mine, seen.theirs) == ("Not applicable", "No")
    assert by_field["section:voice"].mine.startswith("4 Inadequate")
    assert by_field["section:voice"].theirs.startswith("2 Good")
    # Both values are kept: mine in the audit, theirs with the conflict.
    assert answer(other, audit_id, "seen_alone").not_applicable is True
    # The same bundle again: nothing new.
    before = snapshot(other)
    again = import_bundle(other, bundle, who="qa")
    assert (again.conflicting, again.unchanged, again.still_conflicting) == (0, 1, 1)
    assert snapshot(other) == before
    with session_scope(other) as s:
        resolve(session=s, audit_id=audit_id, field="answer:seen_alone:", keep="theirs",
                who="qa")
        resolve(session=s, audit_id=audit_id, field="section:voice", keep="mine", who="qa")
    seen = answer(other, audit_id, "seen_alone")
    assert (seen.choice, seen.not_applicable) == ("no", False)
    with session_scope(other) as s:
        assert list_conflicts(session=s) == []
        mark = store.section_results(session=s, audit_id=audit_id)[0]
        assert (mark.grade, mark.rationale) == (4, "Worse")
        events = [e.what for e in store.history(session=s, audit_id=audit_id)]
    assert "conflict resolved, bundle's value kept: answer seen_alone" in events
    assert "conflict resolved, this value kept: section voice" in events
    # Resolved: the same bundle again changes nothing, and keeping mine sticks.
    before = snapshot(other)
    again = import_bundle(other, bundle, who="qa")
    assert (again.conflicting, again.still_conflicting) == (0, 0)
    assert snapshot(other) == before
    # The laptop changing that section again never overwrites the value the QA user kept:
    # it is a conflict again, for the QA user to decide.
    with session_scope(engine) as s:
        store.save_section(session=s, audit_id=audit_id, section_key="voice",
                           criterion="childs_voice", who="lead", grade=1, rationale="Best")
    later = import_bundle(other, export(engine, tmp_path, "third.bundle", status="all"))
    assert later.conflicting == 1
    with session_scope(other) as s:
        assert store.section_results(session=s, audit_id=audit_id)[0].grade == 4
        assert [f.field for f in list_conflicts(session=s)[0].fields] == ["section:voice"]


def test_a_resubmitted_audit_replaces_its_figures(engine, other, mini, tmp_path):
    from audit_tui.db.lifecycle import reopen_audit, submit_audit

    ids = fill(engine, mini)
    import_bundle(other, export(engine, tmp_path, "first.bundle"), who="qa")
    with session_scope(engine) as s:
        reopen_audit(session=s, audit_id=ids["CH-2"], who="lead", reason="Moderation")
        store.set_overall(session=s, audit_id=ids["CH-2"], who="lead", grade=2)
    with session_scope(engine) as s:
        submit_audit(session=s, audit_id=ids["CH-2"], who="lead")
    result = import_bundle(other, export(engine, tmp_path, "second.bundle"), who="qa")
    assert (result.updated, result.unchanged, result.conflicting) == (1, 3, 0)
    assert figures(other) == figures(engine)
    assert counts_consistent(other)


def test_a_draft_deleted_here_comes_back_with_the_bundle(engine, other, mini, tmp_path):
    ids = fill(engine, mini)
    path = export(engine, tmp_path, status="all")
    import_bundle(other, path)
    with session_scope(other) as s:
        store.delete_draft(session=s, audit_id=ids["DRAFT"])
    result = import_bundle(other, path)
    assert (result.new, result.unchanged) == (1, 4)
