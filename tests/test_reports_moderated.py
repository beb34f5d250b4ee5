"""Reports mark the grades a moderator changed: the figures count the moderator's grade, '*'
marks it, and the auditor's grade is shown beside it, the same in text, markdown, HTML and
JSON; an audit graded again after moderation counts (and shows) its new grade unmarked."""

from __future__ import annotations

import json

import pytest

from audit_tui.cli import main
from audit_tui.db import moderation, store
from audit_tui.db.engine import read_only, session_scope
from audit_tui.reports.aggregate import summary
from audit_tui.reports.moderated import changed_for

from .test_reports_data import TODAY, fill, mini  # noqa: F401


@pytest.fixture
def moderated(engine, mini, db_target):  # noqa: F811
    """The hand-made audits; CH-1's overall grade changed 2 -> 3, its voice agreed (2), and
    CH-3's plan (rag) changed 3 -> 2 by Mo."""
    ids = fill(engine, mini)
    with session_scope(engine) as s:
        moderation.record(session=s, audit_id=ids["CH-1"], section_key="", who="Mo", grade=3,
                          comment="Plan not [b]SMART[/b]")
        moderation.record(session=s, audit_id=ids["CH-1"], section_key="voice", who="Mo")
        moderation.record(session=s, audit_id=ids["CH-3"], section_key="plan", who="Mo",
                          grade=2, comment="Some progress")
    return ids


def report(capsys, target, *argv) -> str:
    assert main(["--db", str(target.path or target.url), "report", "--as-of", "01/06/2024",
                 *argv]) == 0
    return capsys.readouterr().out


def test_the_figures_count_and_mark_the_moderators_grade(engine, moderated):
    with read_only(engine).connect() as conn:
        s = summary(conn=conn, today=TODAY)
    overall = s.overall[0]
    assert overall.counts == {1: 1, 2: 0, 3: 2, 4: 1}  # CH-1 counted as 3, not 2
    assert overall.changed == {3: 1}
    assert overall.count_text(3) == "2*" and overall.count_text(1) == "1"
    plan = next(f for f in s.criteria if f.key == "plan_timeliness")
    assert plan.changed == {2: 1}
    voice = next(f for f in s.criteria if f.key == "childs_voice")
    assert voice.changed == {}  # agreed: nothing to mark
    assert (s.moderated, s.moderated_differ) == (3, 2)
    assert [(c.title, c.auditor_grade, c.auditor_label, c.moderator_grade, c.count)
            for c in s.moderation_changes] == [
        ("Overall grade", 2, "Good", 3, 1), ("Plans: quality and timeliness", 3, "Red", 2, 1)]


def test_text_and_markdown_mark_the_counts_and_list_the_changes(capsys, db_target, moderated):
    out = report(capsys, db_target)
    assert "3 grade(s) moderated; 2 counted with the moderator's grade" in out
    overall = out.split("Overall grade\n")[1].split("\n\n")[0]
    assert "2*" in overall
    assert "* includes grades a moderator changed" in overall
    changes = out.split("Grades changed by moderation\n")[1].split("\n\n")[0]
    lines = changes.splitlines()
    assert lines[1].split() == ["Criterion", "Auditor's", "grade", "Counted", "(moderator's)",
                                "Grades"]
    assert lines[2].split() == ["Overall", "grade", "2", "Good", "3", "Requires",
                                "improvement", "to", "be", "good*", "1"]
    assert "2 Amber*" in lines[3] and "3 Red" in lines[3]
    assert "* a moderator's grade, counted in place of the auditor's" in changes
    markdown = report(capsys, db_target, "--format", "markdown")
    assert "## Grades changed by moderation" in markdown
    assert "| Overall grade | 2 Good | 3 Requires improvement to be good* | 1 |" in markdown
    assert markdown.startswith("# Case file audits")


def test_html_marks_the_counts_and_lists_the_changes(capsys, db_target, moderated, tmp_path):
    out = tmp_path / "r.html"
    report(capsys, db_target, "--format", "html", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert "<h2>Grades changed by moderation</h2>" in page
    assert "<td>2 Good</td><td>3 Requires improvement to be good*</td>" in page
    assert "<td class=n>2*</td>" in page  # the overall grade's count of 3s
    assert "3 grade(s) moderated; 2 counted with the moderator&#x27;s grade" in page
    assert "* a moderator&#x27;s grade, counted in place of the auditor&#x27;s" in page


def test_json_holds_the_changes(capsys, db_target, moderated):
    data = json.loads(report(capsys, db_target, "--format", "json"))
    assert data["moderation"]["grades_moderated"] == 3
    assert data["moderation"]["changes"][0] == {
        "key": "overall", "title": "Overall grade", "scale": "ofsted", "auditor_grade": 2,
        "moderator_grade": 3, "count": 1}
    threes = next(c for c in data["overall"][0]["counts"] if c["value"] == 3)
    assert threes == {"value": 3, "label": "Requires improvement to be good", "count": 2,
                      "moderator_changed": 1}


def test_without_moderation_nothing_is_marked(capsys, engine, mini, db_target):  # noqa: F811
    fill(engine, mini)
    out = report(capsys, db_target)
    assert "*" not in out and "moderat" not in out.lower()


def test_a_regraded_audit_counts_its_new_grade_unmarked(engine, moderated):
    with session_scope(engine) as s:
        store.reopen(session=s, audit_id=moderated["CH-1"], who="t", reason="moderated")
        store.set_overall(session=s, audit_id=moderated["CH-1"], who="t", grade=3)
        from audit_tui.db.lifecycle import submit_audit

        submit_audit(session=s, audit_id=moderated["CH-1"], who="t")
    with read_only(engine).connect() as conn:
        s = summary(conn=conn, today=TODAY)
        changed = changed_for(conn, [moderated["CH-1"], moderated["CH-3"]])
    assert s.overall[0].changed == {}
    assert [c.key for c in s.moderation_changes] == ["plan_timeliness"]
    assert set(changed) == {moderated["CH-3"]}
    assert changed[moderated["CH-3"]]["plan"].auditor_grade == 3


def test_the_csv_by_criterion_counts_the_grades_a_moderator_changed(capsys, db_target,
                                                                    moderated):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(report(capsys, db_target, "--format", "csv"))))
    changed = {r["criterion"]: r["moderator_changed"] for r in rows}
    assert changed["overall"] == "1" and changed["plan_timeliness"] == "1"
    assert changed["childs_voice"] == "0"  # agreed: the auditor's grade stands
    team = report(capsys, db_target, "--format", "csv", "--by", "team")
    assert "moderator_changed" not in team.splitlines()[0]
