"""Format 2 (issue 13): every new template key, checked by the validator and by the logic the
walk, review and reports share. The fixture tests/templates/lancashire_tier2_cla.toml uses all
of them."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from audit_tui.db.facts import facts_for_state
from audit_tui.templates.loader import load_template
from audit_tui.templates.model import DetailRule
from audit_tui.templates.logic import NEVER, AuditState, SectionMark, Slot, age_in_years, age_value

FIXTURE = Path(__file__).parent / "templates" / "lancashire_tier2_cla.toml"
AUDIT_DATE = date(2025, 6, 30)


@pytest.fixture(scope="module")
def lancs():
    result = load_template(FIXTURE)
    assert result.problems == []
    return result.template


def blank_state(t, **details) -> AuditState:
    base = {"case_reference": "C1", "team": "North", "audit_date": AUDIT_DATE}
    return AuditState(template=t, details=base | details)


def texts(state: AuditState) -> list[str]:
    return [m.text for m in state.missing()]


def check(tmp_path, text: str) -> list[str]:
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    return [p.split(":", 1)[1] for p in load_template(path).problems]


# -- the model carries every key ---------------------------------------------------------------
def test_fixture_carries_every_new_key(lancs):
    assert lancs.guidance.startswith("Read the last 12 months")
    assert (lancs.lookback_months, lancs.judgement_months) == (12, 6)
    assert lancs.detail_rule("social_worker").label == "Case holder"
    assert lancs.detail_rule("service_area").hidden
    assert lancs.detail_rule("team").required  # required by default
    assert lancs.question("child_age").type == "age"
    q = lancs.question("plan_current")
    assert q.parts == ("Is the care plan up to date?",
                       "Does it say what happens if the plan does not work?")
    assert q.yes_no_values() == ("yes", "partly", "no", "na")
    assert q.evidence_required and q.evidence_prompt
    assert lancs.question("life_story_work").yes_no_label("yes") == "Met"
    assert lancs.question("first_review").allow_never
    assert lancs.question("first_review").never_label == "No review has taken place"
    ind = lancs.indicators()[0]
    assert (ind.window, ind.never) == ("start", "not_met")
    assert lancs.section("life_story").optional
    assert lancs.overall.graded and lancs.overall.required
    [impact] = lancs.judgements()
    assert (impact.key, impact.title, impact.graded) == (
        "@impact", "Impact and outcomes for the child", True)
    assert len(impact.descriptors) == 4 and impact.scale == "ofsted"
    assert lancs.criterion_title(impact.criterion) == "Impact and outcomes for the child"


def test_old_template_keeps_old_defaults(example_template):
    t = example_template
    assert t.guidance == "" and t.lookback_months is None and t.judgements() == []
    assert t.detail_rule("social_worker").label == "Social worker"
    assert t.overall.graded and t.overall.required
    assert all(i.window == "none" for i in t.indicators())
    assert not any(s.optional for s in t.all_sections())


# -- the validator -----------------------------------------------------------------------------
BAD = FIXTURE.read_text(encoding="utf-8")


@pytest.mark.parametrize("old,new,expected", [
    ('lookback_months = 12', 'lookback_months = 0', "lookback_months should be a whole number"),
    ('judgement_months = 6', 'judgement_months = 18', "judgement_months is longer than"),
    ('  window = "start"', '  window = "end"', 'window in indicator'),
    ('  never = "not_met"', '  never = "maybe"', 'never in indicator'),
    ('  evidence = "required"', '  evidence = "always"', 'evidence in question'),
    ('  partly = true\n', '  partly = "yes"\n', "'partly' in question 'plan_current' should be"),
    ('[case_details.service_area]', '[case_details.area]', "'area' is not a standard case detail"),
    ('optional = true', 'optional = true\nalways_applies = false', "both optional and"),
    ('  allow_never = true', '  allow_never = true\n  partly = true',
     "'partly' does not apply to a date question"),
    ('labels = { yes = "Met", no = "Not met" }', 'labels = { yes = "Met", maybe = "?" }',
     "labels in question"),
])
def test_each_bad_value_is_reported_at_its_line(tmp_path, old, new, expected):
    assert old in BAD
    text = BAD.replace(old, new, 1)
    problems = check(tmp_path, text)
    assert any(expected in p for p in problems), problems
    line = [p for p in problems if expected in p][0].split(":")[0]
    wanted = next(i for i, l in enumerate(text.splitlines(), 1) if new.splitlines()[-1] in l)
    # reported on the line of the bad key, or of the table it sits in
    assert 1 <= int(line) <= wanted


def test_all_errors_at_once(tmp_path):
    text = (BAD.replace('  window = "start"', '  window = "end"')
            .replace('  evidence = "required"', '  evidence = "always"')
            .replace('[case_details.service_area]', '[case_details.area]'))
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    problems = load_template(path).problems
    assert len(problems) == 3
    assert all(p.startswith(f"{path}:") for p in problems)


def test_window_needs_a_lookback(tmp_path):
    problems = check(tmp_path, BAD.replace("lookback_months = 12\n", "")
                     .replace("judgement_months = 6\n", ""))
    assert any("has no lookback_months" in p for p in problems)


def test_case_reference_cannot_be_hidden(tmp_path):
    problems = check(tmp_path, BAD.replace("[case_details.service_area]",
                                           "[case_details.case_reference]"))
    assert any("'case_reference' cannot be hidden" in p for p in problems)


# -- optional sections, evidence, judgements, details -----------------------------------------
def test_optional_section_left_blank_asks_nothing(lancs):
    state = blank_state(lancs)
    assert not any(t.startswith("Life story") for t in texts(state))
    # the "does not apply" section still wants its answer or a reason; the mandatory one stays
    assert "Keeping in touch (care leavers): Is the authority in touch with the young person?" \
        in texts(state)
    assert any(t.startswith("Outcomes for the child:") for t in texts(state))


def test_optional_section_once_started_is_answered_in_full(lancs):
    state = blank_state(lancs)
    state.slots[("life_story_work", "")] = Slot("yes")
    assert "Life story and early experience: the section grade." in texts(state)


def test_does_not_apply_still_needs_a_reason(lancs):
    state = blank_state(lancs)
    state.sections["leaving_care"] = SectionMark(na=True)
    assert ("Keeping in touch (care leavers): say why the section does not apply."
            in texts(state))


def test_required_evidence(lancs):
    state = blank_state(lancs)
    state.slots[("plan_current", "")] = Slot("partly")
    assert ("Care planning and reviews: the evidence note for Is the care plan current and "
            "clear?") in texts(state)
    state.slots[("plan_current", "")] = Slot("partly", evidence="Plan of 3 May:\nno contingency")
    assert not any("evidence note" in t for t in texts(state))


def test_second_judgement_is_required(lancs):
    state = blank_state(lancs)
    missing = texts(state)
    assert "The overall grade." in missing
    assert "Impact and outcomes for the child: the section grade." in missing
    state.sections["@impact"] = SectionMark(2, "Settled at school.")
    assert not any(t.startswith("Impact") for t in texts(state))
    facts = facts_for_state(audit_id="a1", template=lancs, state=state, team="North",
                            service_area="", auditor="A", audit_date=AUDIT_DATE)
    assert ("a1", "@impact", "judgement_impact", "ofsted", 2, "good") in facts.grades


def test_overall_optional_or_absent(tmp_path):
    text = BAD.replace('[overall]\n', '[overall]\nrequired = false\n')
    t = load_template(_write(tmp_path, text)).template
    assert not any(t2.startswith("The overall grade") for t2 in texts(blank_state(t)))
    text = BAD.replace('[overall]\nguidance = "The overall grade of the case file, on Ofsted\'s '
                       'key judgements."', '[overall]\ngraded = false')
    t = load_template(_write(tmp_path, text)).template
    assert not t.overall.graded and not t.overall.required
    assert not any("overall grade" in m for m in texts(blank_state(t)))


def _write(tmp_path, text):
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relabelled_required_detail(tmp_path):
    text = BAD.replace('[case_details.social_worker]\nlabel = "Case holder"',
                       '[case_details.social_worker]\nlabel = "Case holder"\nrequired = true')
    t = load_template(_write(tmp_path, text)).template
    assert t.detail_rule("social_worker") == DetailRule("Case holder", False, True)
    assert t.detail_rule("auditor") == DetailRule("Auditor", False, False)


def test_age_answers():
    assert age_value("14") == 14
    assert age_value("2010-05-14") == date(2010, 5, 14)
    assert age_value("") is None and age_value("soon") is None
    assert age_in_years(date(2010, 5, 14), date(2025, 5, 13)) == 14
    assert age_in_years(date(2010, 5, 14), date(2025, 5, 14)) == 15
    assert age_in_years(16, None) == 16


# -- never happened and the look-back window ---------------------------------------------------
def test_never_happened_satisfies_a_required_date_and_gives_a_verdict(lancs):
    state = blank_state(lancs)
    state.slots[("became_looked_after", "")] = Slot(date(2025, 3, 3))
    assert "Care planning and reviews: Date of the first child in care review" in texts(state)
    state.slots[("first_review", "")] = Slot(NEVER)
    assert not any("first child in care review" in t for t in texts(state))
    result = state.indicator_results(lancs.indicators()[0])[0]
    assert (result.met, result.never) == (False, True)
    assert result.verdict == "never happened: not met"


def test_never_met_when_the_template_says(tmp_path):
    t = load_template(_write(tmp_path, BAD.replace('never = "not_met"', 'never = "met"'))).template
    state = blank_state(t)
    state.slots[("became_looked_after", "")] = Slot(date(2025, 3, 3))
    state.slots[("first_review", "")] = Slot(NEVER)
    assert state.indicator_results(t.indicators()[0])[0].met is True


def test_child_in_care_five_years_is_outside_the_period_not_missed(lancs):
    """A child in care for 5 years with a blank first-review date: not 'years late'."""
    state = blank_state(lancs)
    state.slots[("became_looked_after", "")] = Slot(date(2020, 6, 1))
    result = state.indicator_results(lancs.indicators()[0])[0]
    assert result.outside and result.met is None
    assert result.verdict.startswith("outside the period")
    assert state.indicator_summary(lancs.indicators()[0]).startswith("outside the period")
    facts = facts_for_state(audit_id="a1", template=lancs, state=state, team="North",
                            service_area="", auditor="A", audit_date=AUDIT_DATE)
    assert facts.indicators == []  # reports do not count it
    assert not any(k[0] == "indicator" for k in facts.counts)
    # the same historic start with a (long ago) filled date is outside too, not a breach
    state.slots[("first_review", "")] = Slot(date(2020, 9, 1))
    assert state.indicator_results(lancs.indicators()[0])[0].outside


def test_start_inside_the_period_is_judged(lancs):
    state = blank_state(lancs)
    state.slots[("became_looked_after", "")] = Slot(date(2025, 1, 6))
    result = state.indicator_results(lancs.indicators()[0])[0]
    assert not result.outside and result.met is False and result.open_ended


def test_blank_start_is_never_counted_to_the_audit_date(lancs):
    state = blank_state(lancs)
    result = state.indicator_results(lancs.indicators()[0])[0]
    assert result.met is None and result.amount is None


# -- partly in the facts -----------------------------------------------------------------------
def test_partly_is_counted_like_yes_and_no(lancs):
    state = blank_state(lancs)
    state.slots[("plan_current", "")] = Slot("partly", evidence="x")
    state.sections["care_planning"] = SectionMark(3, "Plan lacks contingency.")
    facts = facts_for_state(audit_id="a1", template=lancs, state=state, team="North",
                            service_area="", auditor="A", audit_date=AUDIT_DATE)
    assert ("a1", "plan_current", "", "partly") in facts.yes_no
    assert facts.counts[("yes_no", "plan_current", "partly", "")] == 1


# -- older versions still in use ---------------------------------------------------------------
def test_older_installed_versions_can_be_chosen_newest_first(tmp_path):
    from audit_tui.templates.loader import TemplateCatalog
    from audit_tui.widgets.new_audit_picker import template_option

    folder = tmp_path / "mine"
    folder.mkdir()
    for version in (5, 7, 6):
        (folder / f"v{version}.toml").write_text(BAD.replace("version = 5", f"version = {version}"),
                                                 encoding="utf-8")
    catalog = TemplateCatalog([("user", folder)])
    assert catalog.get("lancashire_tier2_cla").version == 7  # the default
    assert [t.version for t in catalog.with_older_versions()] == [7, 6, 5]
    assert [t.version for t in catalog.templates()] == [7]
    assert "(older version 5)" in template_option(catalog.older["lancashire_tier2_cla"][1],
                                                  older=True).plain
    assert "older" not in template_option(catalog.get("lancashire_tier2_cla")).plain


def test_review_says_answers_in_the_templates_words(lancs):
    from audit_tui.templates.words import answer_words
    from audit_tui.widgets.review_answers import details_text

    state = blank_state(lancs, social_worker="Sam")
    assert answer_words(lancs, lancs.question("plan_current"), Slot("partly")) == "Partly"
    assert answer_words(lancs, lancs.question("life_story_work"), Slot("no")) == "Not met"
    assert answer_words(lancs, lancs.question("first_review"), Slot(NEVER)) == (
        "No review has taken place")
    assert answer_words(lancs, lancs.question("child_age"), Slot(14)) == "14"
    text = details_text(state).plain
    assert "Case holder" in text and "Sam" in text
    assert "Service area" not in text and "Social worker" not in text
