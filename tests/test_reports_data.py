"""Hand-made audits with known figures, shared by the reports' tests (no tests of its own
beyond checking the data is what the others assume)."""

from __future__ import annotations

from datetime import date

import pytest

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.lifecycle import submit_audit
from audit_tui.templates.loader import parse_template_text

MINI = '''
key = "mini"
version = 1
title = "Mini audit"
service = "Testing"
scale = "ofsted"

[scales.rag]
title = "Red, amber, green"
good_or_better = [1]
inadequate = [3]
values = [
  { value = 1, label = "Green" },
  { value = 2, label = "Amber" },
  { value = 3, label = "Red" },
]

[[details]]
key = "referral_date"
prompt = "Referral date"
type = "date"
required = false

[[details]]
key = "legal_status"
prompt = "Legal status"
type = "choice"
choices = ["CIN", "PLO"]
required = false

[[sections]]
key = "voice"
title = "Voice"
criterion = "childs_voice"
graded = true

  [[sections.questions]]
  key = "seen_alone"
  prompt = "Was the child seen alone?"
  type = "yes_no"
  tags = ["compliance"]
  required = false

  [[sections.questions]]
  key = "assessed_on"
  prompt = "Assessment completed"
  type = "date"
  tags = ["compliance"]
  required = false

  [[sections.questions]]
  key = "note"
  prompt = "A note"
  type = "text"
  tags = ["quality"]
  required = false

  [[sections.indicators]]
  key = "assessment_timely"
  label = "Assessment within 45 working days"
  from = "referral_date"
  to = "assessed_on"
  otherwise_to = "audit_date"
  unit = "working_days"
  limit = 45

[[sections]]
key = "plan"
title = "Plan"
criterion = "plan_timeliness"
graded = true
scale = "rag"
always_applies = false

  [[sections.questions]]
  key = "plan_smart"
  prompt = "Is the plan SMART?"
  type = "yes_no"
  tags = ["quality"]
  required = false

[[sections]]
key = "plo"
title = "Pre-proceedings"
criterion = "plo_drift"
graded = true
show_if = { question = "legal_status", equals = "PLO" }

  [[sections.questions]]
  key = "lbp_date"
  prompt = "Letter before proceedings"
  type = "date"
  tags = ["compliance"]
  required = false

  [[sections.questions]]
  key = "plo_decision"
  prompt = "Decision to issue or step down"
  type = "date"
  tags = ["compliance"]
  required = false

  [[sections.indicators]]
  key = "plo_16_weeks"
  label = "Pre-proceedings decided within 16 weeks"
  from = "lbp_date"
  to = "plo_decision"
  otherwise_to = "audit_date"
  unit = "weeks"
  limit = 16
'''

TODAY = date(2024, 6, 1)

# case, team, auditor, date, overall, voice, plan (None: N/A), answers, plo grade, actions
AUDITS = [
    ("CH-1", "North", "Ann", date(2024, 1, 10), 2, 2, 1,
     {"seen_alone": "yes", "plan_smart": "yes", "referral_date": date(2024, 1, 1),
      "assessed_on": date(2024, 1, 5), "note": "=SUM(A1:A2) café"}, None,
     [("Update the plan", "Ann", date(2024, 2, 1), "open")]),
    ("CH-2", "North", "Ann", date(2024, 1, 20), 4, 4, None,
     {"seen_alone": "no", "plan_smart": "no"}, None,
     [("See the child alone", "Cat", date(2024, 12, 1), "open")]),
    ("CH-3", "South", "Bob", date(2024, 2, 5), 3, 3, 3,
     {"seen_alone": "na", "plan_smart": "no", "legal_status": "PLO",
      "referral_date": date(2023, 10, 2), "lbp_date": date(2023, 9, 1)}, 4,
     [("Chronology", "Ann", date(2024, 3, 1), "done")]),
    ("CH-4", "South", "Bob", date(2024, 2, 15), 1, 1, 2,
     {"legal_status": "PLO", "lbp_date": date(2024, 1, 1), "plo_decision": date(2024, 2, 1)},
     2, []),
]


@pytest.fixture
def mini():
    result = parse_template_text(MINI, "mini.toml")
    assert result.problems == []
    return result.template


def add_audit(engine, template, case, team, auditor, when, overall, voice, plan, answers,
              plo, actions, submit=True, service_area="Children's services") -> str:
    from audit_tui.db.state import value_fields

    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=template, case_reference=case,
                                   audit_date=when, who="t", team=team, auditor=auditor,
                                   service_area=service_area, social_worker="Sam Worker")
        for key, value in answers.items():
            if value == "na":
                store.save_answer(session=s, audit_id=audit.id, question_key=key, who="t",
                                  not_applicable=True, evidence="Baby")
            else:
                store.save_answer(session=s, audit_id=audit.id, question_key=key, who="t",
                                  **value_fields(template.question(key), value))
        store.save_section(session=s, audit_id=audit.id, section_key="voice",
                           criterion="childs_voice", who="t", grade=voice, rationale="Because")
        if plan is None:
            store.save_section(session=s, audit_id=audit.id, section_key="plan",
                               criterion="plan_timeliness", who="t", not_applicable=True,
                               na_reason="No plan yet")
        else:
            store.save_section(session=s, audit_id=audit.id, section_key="plan",
                               criterion="plan_timeliness", who="t", grade=plan, rationale="Ok")
        if plo is not None:
            store.save_section(session=s, audit_id=audit.id, section_key="plo",
                               criterion="plo_drift", who="t", grade=plo, rationale="Drift")
        store.set_overall(session=s, audit_id=audit.id, who="t", grade=overall,
                          rationale="Overall")
        action_ids = []
        for description, owner, due, status in actions:
            action = store.add_action(session=s, audit_id=audit.id, who="t",
                                      description=description, owner=owner, due_date=due)
            action_ids.append((action.id, status))
        audit_id = audit.id
    if submit:
        with session_scope(engine) as s:
            submit_audit(session=s, audit_id=audit_id, who="t")
    with session_scope(engine) as s:
        for action_id, status in action_ids:
            if status != "open":
                store.update_action(session=s, action_id=action_id, who="t", status=status,
                                    completed_date=when)
    return audit_id


def fill(engine, template) -> dict[str, str]:
    """The four submitted audits of AUDITS and a draft; returns case reference -> id."""
    ids = {row[0]: add_audit(engine, template, *row) for row in AUDITS}
    ids["DRAFT"] = add_audit(engine, template, "CH-9", "North", "Ann", date(2024, 1, 12), 4, 4,
                             3, {"seen_alone": "no"}, None,
                             [("Draft action", "Ann", date(2024, 1, 1), "open")], submit=False)
    return ids


def test_the_data_submits(engine, mini):
    ids = fill(engine, mini)
    with session_scope(engine) as s:
        assert store.get_audit(session=s, audit_id=ids["CH-1"]).status == "submitted"
        assert store.get_audit(session=s, audit_id=ids["DRAFT"]).status == "draft"
