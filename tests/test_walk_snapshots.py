"""How the walk looks, at 100x30 and 80x24: a grade question, a date with its indicator, a
group's rows, a section marked as not applying, a section grade, a submitted audit, the keys."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from audit_tui.app import AuditApp
from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.templates.loader import load_template

from .test_home import wait_for
from .test_walk import settled
from .test_review_snapshots import steady

SIZES = [(100, 30), (80, 24)]

TEMPLATE = '''
key = "snapshot_walk"
version = 1
title = "Help and protection (snapshot)"
service = "Help and protection"

[[details]]
key = "referral_date"
prompt = "Date of the referral that opened this episode of help"
type = "date"

[[sections]]
key = "voice"
title = "The child's voice and lived experience"
criterion = "childs_voice"
graded = true
guidance = "Read the visit records, direct work and the latest assessment."

  [sections.descriptors]
  "2" = "The child is seen, and seen alone where appropriate; their wishes and feelings shape the plan."

  [[sections.questions]]
  key = "wishes"
  prompt = "How well do the child's wishes and feelings shape the assessment and the plan?"
  type = "grade"
  tags = ["quality"]
  guidance = "Good: you can trace something the child said to a decision or action in the plan, and the child has been told what happened as a result."
  source = "Ofsted ILACS Slough 2019: the wishes and feelings of many children 'influence their own assessments and plans'."

  [[sections.questions]]
  key = "seen_alone"
  prompt = "Has the child been seen alone, where their age and understanding allow?"
  type = "yes_no"
  tags = ["compliance"]
  guidance = "Good: the record says when and where the child was seen alone and what they said."
  source = "Ofsted ILACS Slough 2019: children are 'regularly seen and seen alone by their social workers'."

  [[sections.questions]]
  key = "assessment_done"
  prompt = "Date the child and family assessment was completed"
  type = "date"
  tags = ["compliance"]
  source = "Statutory timescale: child and family assessment within 45 working days of referral."

  [[sections.indicators]]
  key = "assessment_timely"
  label = "Assessment completed within 45 working days of the referral"
  from = "referral_date"
  to = "assessment_done"
  otherwise_to = "audit_date"
  unit = "working_days"
  limit = 45
  source = "Working Together: 45 working days."

[[sections]]
key = "missing"
title = "Missing episodes and exploitation"
criterion = "exploitation_missing"
always_applies = false
guidance = "Only for children who have gone missing in the look-back period."

  [[sections.groups]]
  key = "episodes"
  title = "Missing episodes in the last 6 months"
  row_label = "Episode"
  guidance = "Add a row for each episode."

    [[sections.groups.questions]]
    key = "returned_on"
    prompt = "Date the child returned"
    type = "date"
    tags = ["compliance"]

    [[sections.groups.questions]]
    key = "rhi_date"
    prompt = "Date of the return home interview"
    type = "date"
    required = false
    tags = ["compliance"]

    [[sections.groups.indicators]]
    key = "rhi_timely"
    label = "Return home interview within 72 hours"
    from = "returned_on"
    to = "rhi_date"
    unit = "calendar_days"
    limit = 3

[[sections]]
key = "exploitation"
title = "Exploitation screening"
criterion = "exploitation_missing"
always_applies = false

  [[sections.questions]]
  key = "screening_done"
  prompt = "Was an exploitation screening tool completed?"
  type = "yes_no"
  tags = ["compliance"]
'''


@pytest.fixture(autouse=True)
def utc_clock(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def snapshot_audit(tmp_path, engine):
    """An audit with fixed answers: the same picture on every run."""
    path = tmp_path / "snapshot_walk.toml"
    path.write_text(TEMPLATE, encoding="utf-8")
    template = load_template(path).template
    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=template, case_reference="CH-004512",
                                   audit_date=date(2026, 11, 2), who="t")
        aid = audit.id

        def save(key, row="", **fields):
            store.save_answer(session=s, audit_id=aid, question_key=key, who="t", row_id=row,
                              **fields)

        save("referral_date", date_value=date(2026, 8, 3))
        save("wishes", grade=2, evidence="Visit 14/09: [bold]said[/bold] she wants to stay")
        save("seen_alone", choice="yes")
        save("assessment_done", date_value=date(2026, 10, 15))
        for returned, interview in ((date(2026, 9, 1), date(2026, 9, 2)),
                                    (date(2026, 10, 1), date(2026, 10, 8))):
            row = store.add_row(session=s, audit_id=aid, group_key="episodes", who="t")
            s.flush()
            save("returned_on", row.id, date_value=returned)
            save("rhi_date", row.id, date_value=interview)
        store.save_section(session=s, audit_id=aid, section_key="exploitation",
                           criterion="exploitation_missing", who="t", not_applicable=True,
                           na_reason="No concerns of exploitation [none]")
        store.save_section(session=s, audit_id=aid, section_key="voice",
                           criterion="childs_voice", who="t", grade=2,
                           rationale="Her views are recorded and shaped the plan.")
    return aid


def submit(engine, audit_id):
    with session_scope(engine) as s:
        audit = store.submit(session=s, audit_id=audit_id, who="t")
        audit.submitted_at = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


def opened_at(app, audit_id, at, press=()):
    async def run_before(pilot):
        from audit_tui.screens.walk import WalkScreen

        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        app.open_audit(audit_id, at=at)
        await wait_for(pilot, lambda: isinstance(app.screen, WalkScreen) and app.screen.stops)
        await settled(app, pilot)
        if press:
            await pilot.press(*press)
            await pilot.pause()
        await settled(app, pilot)
        await steady(pilot)  # (a cursor's blink is a clock: a busy machine caught it off)

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("at", ["wishes", "assessment_done", "g:episodes", "grade:voice",
                                "section:exploitation"])
def test_walk(snap_compare, db_target, snapshot_audit, at, size):
    app = AuditApp(database=db_target, warm_up=False)
    assert snap_compare(app, terminal_size=size, run_before=opened_at(app, snapshot_audit, at))


@pytest.mark.parametrize("size", SIZES)
def test_walk_submitted(snap_compare, db_target, engine, snapshot_audit, size):
    submit(engine, snapshot_audit)
    app = AuditApp(database=db_target, warm_up=False)
    assert snap_compare(app, terminal_size=size,
                        run_before=opened_at(app, snapshot_audit, "wishes"))


@pytest.mark.parametrize("size", SIZES)
def test_walk_keys(snap_compare, db_target, snapshot_audit, size):
    app = AuditApp(database=db_target, warm_up=False)
    assert snap_compare(app, terminal_size=size,
                        run_before=opened_at(app, snapshot_audit, "wishes", press=("f1",)))


@pytest.mark.parametrize("size", SIZES)
def test_walk_reopen_reason_dialog(snap_compare, db_target, engine, snapshot_audit, size):
    """ctrl+o on a submitted audit asks for the reason that goes into its history."""
    submit(engine, snapshot_audit)
    app = AuditApp(database=db_target, warm_up=False)
    assert snap_compare(app, terminal_size=size,
                        run_before=opened_at(app, snapshot_audit, "wishes", press=("ctrl+o",)))


@pytest.mark.parametrize("size", SIZES)
def test_walk_descriptors_dialog(snap_compare, db_target, snapshot_audit, size):
    """d on a grade question shows every grade's descriptor."""
    app = AuditApp(database=db_target, warm_up=False)
    assert snap_compare(app, terminal_size=size,
                        run_before=opened_at(app, snapshot_audit, "wishes", press=("d",)))
