"""Content checks over every bundled template (issue 13): what a QA manager reads must be
traceable to the real instrument, describe every grade, and get the law right.

tests/test_bundled_templates.py checks the shape (sources present, tags, guidance); this file
checks what the content says and what it makes the figures say.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from audit_tui.templates.loader import load_template
from audit_tui.templates.logic import AuditState, Slot
from audit_tui.templates.model import Template

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "audit_templates"
TEMPLATE_FILES = sorted(TEMPLATE_DIR.glob("*.toml"))


def _load(path: Path) -> Template:
    result = load_template(path)
    assert result.problems == [], "\n".join(result.problems)
    assert result.template is not None
    return result.template


@pytest.fixture(scope="module", params=TEMPLATE_FILES, ids=lambda p: p.name)
def template(request) -> Template:
    return _load(request.param)


def bundled(key: str) -> Template:
    return _load(TEMPLATE_DIR / f"{key}.toml")


def state(template: Template, **answers) -> AuditState:
    """An audit of `template` with these answers (case details and questions alike)."""
    details = {k: answers.pop(k) for k in ("audit_date", "case_reference") if k in answers}
    slots = {(k, ""): Slot(v) for k, v in answers.items()}
    return AuditState(template, details=details, slots=slots)


# -- every grade described ------------------------------------------------------------------

def test_every_graded_section_describes_all_four_grades(template):
    short = []
    for section in template.all_sections():
        if not section.graded:
            continue
        values = template.scale_for(section.scale).value_keys()
        missing = [v for v in values if not section.descriptors.get(v, "").strip()]
        if missing:
            short.append(f"{section.key}: no descriptor for {missing}")
    assert short == []


def test_the_overall_judgement_describes_all_four_grades(template):
    values = template.scale_for(template.overall.scale).value_keys()
    missing = [v for v in values if not template.overall.descriptors.get(v, "").strip()]
    assert missing == [], f"[overall] has no descriptor for {missing}"


# -- traceability ---------------------------------------------------------------------------

def test_no_source_cites_the_primer(template):
    """A QA manager cannot look up "(domain.md)": sources name the real instrument."""
    cites = [q.key for q in template.questions() if "domain.md" in q.source]
    cites += [i.key for i in template.indicators() if "domain.md" in i.source]
    assert cites == []
    assert "domain.md" not in template.text


def test_timescale_sources_name_the_instrument(template):
    """Every indicator's source names the statute, regulation, guidance or PLWG, not only a
    finding."""
    instruments = ("Working Together", "Regulations 2010", "Regulations 2005",
                   "statutory guidance", "Public Law Working Group", "Children Act 1989")
    vague = [i.key for i in template.indicators()
             if not any(word in i.source for word in instruments)]
    assert vague == []


# -- the law right --------------------------------------------------------------------------

def test_plo_16_weeks_is_best_practice_not_statute():
    pp = bundled("pre_proceedings")
    ind = next(i for i in pp.indicators() if i.key == "pp_plo_within_16_weeks")
    assert "Public Law Working Group" in ind.source and "not statute" in ind.source
    proceedings = next(i for i in pp.indicators() if i.key == "pp_proceedings_26_weeks")
    assert "s32(1)(a)" in proceedings.source


def test_front_door_decision_cites_working_together():
    fd = bundled("front_door")
    ind = next(i for i in fd.indicators() if i.key == "fd_decision_timely")
    assert ind.limit == 1 and "Working Together to Safeguard Children 2023" in ind.source


def test_every_care_leaver_owed_one_must_have_a_personal_adviser():
    cl = bundled("care_leavers")
    pa = cl.question("cl_pa_allocated")
    assert not pa.allow_na, "no 'not yet due': every eligible young person has a PA"
    assert "not yet due" not in pa.guidance.replace("there is no 'not yet due'", "")


def test_a_qualifying_care_leaver_is_not_failed_for_having_no_pathway_plan():
    cl = bundled("care_leavers")
    qualifying = state(cl, leaving_care_status="Qualifying")
    assert not qualifying.section_applies(cl.section("cl_pathway_plan"))
    assert not qualifying.section_applies(cl.section("cl_needs_assessment"))
    assert qualifying.section_applies(cl.section("cl_advice_assistance"))
    missing = {m.key for m in qualifying.missing()}
    assert not missing & {"cl_latest_review_date", "cl_pathway_plan_in_place"}
    eligible = state(cl, leaving_care_status="Eligible (16 or 17, in care)")
    assert eligible.section_applies(cl.section("cl_pathway_plan"))
    assert not eligible.section_applies(cl.section("cl_advice_assistance"))


def test_needs_assessment_clock_is_the_16th_birthday_or_eligibility_never_coming_into_care():
    cl = bundled("care_leavers")
    start = cl.question("cl_eligibility_date")
    assert "16th birthday" in start.prompt and "eligible" in start.prompt
    assert "came into care" not in start.prompt
    ind = next(i for i in cl.indicators() if i.key == "cl_needs_assessment_timely")
    assert (ind.start, ind.unit, ind.limit) == ("cl_eligibility_date", "months", 3)
    assert "reg 42" in ind.source


WORKER_CHANGES = [("help_and_protection", "hp_worker_changes_12_months", "hp_handover"),
                  ("children_in_care", "cic_worker_changes_12_months",
                   "cic_plan_survived_change"),
                  ("care_leavers", "cl_worker_changes_12_months", "cl_handover")]


@pytest.mark.parametrize("key, count, handover", WORKER_CHANGES)
def test_worker_changes_are_counted_one_way_and_one_change_asks_about_handover(
        key, count, handover):
    t = bundled(key)
    assert "changed" in t.question(count).prompt
    (condition,) = t.question(handover).show_if
    assert (condition.question, condition.at_least) == (count, 1)
    status = {"leaving_care_status": "Former relevant (18 to 25)"} if key == "care_leavers" else {}
    assert not state(t, **status, **{count: 0}).question_visible(t.question(handover))
    assert state(t, **status, **{count: 1}).question_visible(t.question(handover))


@pytest.mark.parametrize("key, prefix", [("help_and_protection", "hp"),
                                         ("children_in_care", "cic")])
def test_a_return_interview_offered_in_time_and_declined_is_not_late(key, prefix):
    t = bundled(key)
    ind = next(i for i in t.indicators() if i.key == f"{prefix}_rhi_timely")
    assert (ind.unit, ind.limit) == ("calendar_days", 3)
    group = ind.group
    audit = AuditState(t, details={"audit_date": date(2026, 6, 30)})
    rows = {"declined": ("Offered and declined", date(2026, 6, 3)),
            "late": ("Offered and accepted", date(2026, 6, 9)),
            "never": ("Not offered", None)}
    audit.rows[group] = list(rows)
    for row, (response, offered) in rows.items():
        audit.slots[(f"{prefix}_missing_returned", row)] = Slot(date(2026, 6, 1))
        audit.slots[(f"{prefix}_rhi_response", row)] = Slot(response)
        audit.slots[(f"{prefix}_rhi_offered_date", row)] = Slot(offered)
    met = {r.row_id: r.met for r in audit.indicator_results(ind)}
    assert met == {"declined": True, "late": False, "never": False}


def test_children_in_care_visits_after_a_year_in_a_long_term_home_are_3_monthly():
    t = bundled("children_in_care")
    audit = state(t, audit_date=date(2026, 6, 30), cic_visit_interval="three_monthly",
                  cic_last_visit_date_long_term=date(2026, 4, 15))
    long_term = next(i for i in t.indicators() if i.key == "cic_visit_in_date_long_term")
    six_weekly = next(i for i in t.indicators() if i.key == "cic_visit_in_date")
    assert [r.met for r in audit.indicator_results(long_term)] == [True]
    assert audit.indicator_results(six_weekly) == []


def test_children_in_care_review_timescales_are_all_checked():
    t = bundled("children_in_care")
    keys = {i.key: (i.start, i.end, i.unit, i.limit) for i in t.indicators()}
    assert keys["cic_first_review_timely"][2:] == ("working_days", 20)
    assert keys["cic_second_review_timely"] == ("cic_first_review_date",
                                                "cic_second_review_date", "months", 3)
    assert keys["cic_review_interval"][2:] == ("months", 6)
    assert keys["cic_next_review_set"][1] == "cic_next_review_due", \
        "the next review date is collected, so it is used"


def test_review_conferences_after_the_first_are_6_monthly():
    t = bundled("help_and_protection")
    keys = {i.key: (i.unit, i.limit) for i in t.indicators()}
    assert keys["hp_rcpc_timely"] == ("months", 3)
    assert keys["hp_rcpc_interval"] == ("months", 6)


# -- an audit a practice lead can finish in 1-2 hours ---------------------------------------

def four_point_judgements(template: Template) -> int:
    """Section grades, grade questions and the overall grade, with every section shown."""
    sections = sum(1 for s in template.all_sections() if s.graded)
    questions = sum(1 for q in template.questions() if q.type == "grade")
    return sections + questions + 1


def test_an_audit_asks_for_at_most_about_12_four_point_judgements(template):
    assert four_point_judgements(template) <= 12, four_point_judgements(template)


# -- the look-back window: a timescale that started before the period is not missed --------

# Indicators that start from a date which is always inside the period by the way the question
# is asked (the latest review or visit, an episode or assessment row added for the period, the
# contact being audited), or where an old start is itself the finding (drift in pre-proceedings
# or proceedings still running past their limit): window "none", said explicitly.
INSIDE_BY_DESIGN = {
    "cic_review_interval", "cic_next_review_set", "cic_review_in_date", "cic_visit_in_date",
    "cic_visit_in_date_long_term", "cic_rhi_timely", "hp_rhi_timely", "hp_row_timely",
    "hp_rcpc_interval", "hp_rcpc_in_date", "cl_reviews_interval", "cl_review_in_date",
    "cl_next_review_set", "pp_plo_within_16_weeks", "pp_proceedings_26_weeks",
    "fd_decision_timely", "fd_assessment_timely",
}


def test_every_template_has_a_look_back_period_and_guidance(template):
    assert (template.lookback_months, template.judgement_months) == (12, 6)
    assert "12 months" in template.guidance and "outside the period" in template.guidance


def test_every_indicator_from_a_historic_start_has_a_window_rule(template):
    rules = {i.key: i.window for i in template.indicators()}
    missing = [k for k, rule in rules.items() if k not in INSIDE_BY_DESIGN and rule != "start"]
    assert missing == []
    assert all(rule == "none" for k, rule in rules.items() if k in INSIDE_BY_DESIGN)
    # the rule is written in the file, not left to the default
    assert template.text.count("window = ") == len(rules)


HISTORIC = ["cic_first_review_timely", "cic_iha_timely", "cic_pep_timely",
            "cic_first_visit_timely"]


def _cic_audit(came_into_care: date) -> AuditState:
    """A child in care since `came_into_care`, audited with the start-of-care dates blank."""
    t = bundled("children_in_care")
    return state(t, audit_date=date(2026, 6, 30), date_came_into_care=came_into_care,
                 placement_start_date=came_into_care, legal_status="Care order")


def _reported(audit: AuditState) -> dict[str, str]:
    """What the reports count for each historic indicator, from the submitted facts."""
    from audit_tui.db.facts import facts_for_state

    facts = facts_for_state(audit_id="a1", template=audit.template, state=audit, team="T",
                            service_area="S", auditor="A", audit_date=date(2026, 6, 30))
    return {key: value for (kind, key, value, _), n in facts.counts.items()
            if kind == "indicator" and key in HISTORIC and n}


def test_a_child_in_care_for_5_years_is_outside_the_period_not_missed():
    audit = _cic_audit(date(2021, 6, 1))
    t = audit.template
    for key in HISTORIC:
        ind = next(i for i in t.indicators() if i.key == key)
        (result,) = audit.indicator_results(ind)
        assert result.met is None and result.verdict.startswith("outside the period"), key
    assert _reported(audit) == {}
    # the same blank dates for a child who came into care 3 months ago are late
    recent = _cic_audit(date(2026, 3, 2))
    assert _reported(recent)["cic_iha_timely"] == "missed"
    assert _reported(recent)["cic_first_review_timely"] == "missed"


def test_historic_child_protection_and_needs_assessment_starts_are_outside_the_period():
    hp = bundled("help_and_protection")
    audit = state(hp, audit_date=date(2026, 6, 30), legal_status="Child protection",
                  referral_date=date(2022, 1, 10), hp_cp_strategy_date=date(2022, 2, 1))
    for key in ("hp_assessment_timely", "hp_icpc_timely"):
        ind = next(i for i in hp.indicators() if i.key == key)
        assert [r.verdict.startswith("outside") for r in audit.indicator_results(ind)] == [True]
    cl = bundled("care_leavers")
    leaver = state(cl, audit_date=date(2026, 6, 30),
                   leaving_care_status="Relevant (16 or 17, left care)",
                   cl_eligibility_date=date(2024, 9, 1))
    ind = next(i for i in cl.indicators() if i.key == "cl_needs_assessment_timely")
    assert [r.verdict.startswith("outside") for r in leaver.indicator_results(ind)] == [True]


def test_no_strategy_discussion_is_an_answer_and_does_not_block_the_audit():
    from audit_tui.templates.logic import NEVER

    hp = bundled("help_and_protection")
    q = hp.question("hp_cp_strategy_date")
    assert q.required and q.allow_never
    audit = state(hp, audit_date=date(2026, 6, 30), legal_status="Child protection",
                  hp_cp_strategy_date=NEVER)
    assert "hp_cp_strategy_date" not in {m.key for m in audit.missing()}


# -- "never happened" is an answer, not a blocked submission --------------------------------

@pytest.mark.parametrize("key, gate, date_key, extra", [
    ("care_leavers", "cl_plan_reviewed", "cl_latest_review_date",
     {"leaving_care_status": "Former relevant (18 to 25)"}),
    ("pre_proceedings", "pp_lbp_sent", "pp_lbp_date", {}),
    ("pre_proceedings", "pp_lpm_held", "pp_lpm_date", {}),
])
def test_a_date_that_never_happened_does_not_block_the_audit(key, gate, date_key, extra):
    t = bundled(key)
    never = state(t, **extra, **{gate: "no"})
    assert date_key not in {m.key for m in never.missing()}
    happened = state(t, **extra, **{gate: "yes"})
    assert date_key in {m.key for m in happened.missing()}


def test_no_letter_before_proceedings_means_no_letter_to_grade():
    pp = bundled("pre_proceedings")
    assert not state(pp, pp_lbp_sent="no").section_applies(pp.section("pp_letter"))


def test_every_audit_judges_the_impact_on_the_child(template):
    """A second overall judgement beside the overall grade: what difference the work made,
    required, with all four grades described, reported under its own criterion."""
    (impact,) = template.judgements()
    assert impact.title.startswith("Impact and outcomes for the")
    assert not impact.optional
    assert set(impact.descriptors) == {1, 2, 3, 4}
    assert template.criterion_title(impact.criterion) == impact.title


def test_exploitation_and_life_story_are_graded():
    cic = bundled("children_in_care")
    assert cic.section("cic_life_story").graded and cic.section("cic_missing").graded
    assert bundled("help_and_protection").section("hp_exploitation").graded


def test_quality_questions_answer_yes_partly_or_no(template):
    """The questions that used to carry a second grade are yes / partly / no, and no question
    is graded on the four-point scale besides the sections and the overall judgements."""
    assert [q.key for q in template.questions() if q.type == "grade"] == []
    partly = [q for q in template.questions() if q.partly]
    assert len(partly) >= 4 and all(q.type == "yes_no" for q in partly)


def test_no_strategy_discussion_gives_the_conference_timescale_a_never_happened_result():
    """The start of hp_icpc_timely answered "never happened" is a verdict of its own (not met,
    as the template says), not "no data yet"."""
    from audit_tui.templates.logic import NEVER

    hp = bundled("help_and_protection")
    audit = state(hp, audit_date=date(2026, 6, 30), legal_status="Child protection",
                  hp_cp_strategy_date=NEVER)
    ind = next(i for i in hp.indicators() if i.key == "hp_icpc_timely")
    (result,) = audit.indicator_results(ind)
    assert result.never and result.met is False
    assert result.verdict == "never happened: not met"


# Every bundled timescale against ../shared/domain.md's table: (unit, limit, the instrument its
# source must name). The private fostering visit is not in the table (its regulations are
# named by the template itself).
WT = "Working Together to Safeguard Children 2023"
CPPCR = "Care Planning, Placement and Case Review (England) Regulations 2010"
MISSING = "Children who run away or go missing from home or care (statutory guidance, 2014)"
TIMESCALES = {
    "fd_decision_timely": ("working_days", 1, WT),
    "fd_assessment_timely": ("working_days", 45, WT),
    "hp_row_timely": ("working_days", 45, WT),
    "hp_assessment_timely": ("working_days", 45, WT),
    "hp_icpc_timely": ("working_days", 15, WT),
    "hp_core_group_timely": ("working_days", 10, WT),
    "hp_rcpc_timely": ("months", 3, WT),
    "hp_rcpc_interval": ("months", 6, WT),
    "hp_rcpc_in_date": ("months", 6, WT),
    "hp_rhi_timely": ("calendar_days", 3, MISSING),
    "cic_rhi_timely": ("calendar_days", 3, MISSING),
    "cic_first_review_timely": ("working_days", 20, CPPCR + ", reg 33"),
    "cic_second_review_timely": ("months", 3, CPPCR + ", reg 33"),
    "cic_review_interval": ("months", 6, CPPCR + ", reg 33"),
    "cic_next_review_set": ("months", 6, CPPCR + ", reg 33"),
    "cic_review_in_date": ("months", 6, CPPCR + ", reg 33"),
    "cic_first_visit_timely": ("calendar_days", 7, CPPCR + ", reg 28"),
    "cic_visit_in_date": ("weeks", 6, CPPCR + ", reg 28"),
    "cic_visit_in_date_long_term": ("months", 3, CPPCR + ", reg 28"),
    "cic_iha_timely": ("working_days", 20, "Promoting the health and wellbeing of looked-after "
                                           "children (statutory guidance, 2015)"),
    "cic_pep_timely": ("working_days", 10, "Promoting the education of looked-after and "
                                           "previously looked-after children (statutory "
                                           "guidance, 2018)"),
    "cl_needs_assessment_timely": ("months", 3, CPPCR + ", reg 42"),
    "cl_next_review_set": ("months", 6, "Care Leavers (England) Regulations 2010"),
    "cl_reviews_interval": ("months", 6, "Care Leavers (England) Regulations 2010"),
    "cl_review_in_date": ("months", 6, "Care Leavers (England) Regulations 2010"),
    "pp_plo_within_16_weeks": ("weeks", 16, "Public Law Working Group recommendations"),
    "pp_proceedings_26_weeks": ("weeks", 26, "Children Act 1989 s32(1)(a)"),
}


def test_every_timescale_has_the_limit_and_instrument_of_the_domain_table():
    seen = set()
    for key in ("front_door", "help_and_protection", "children_in_care", "care_leavers",
                "pre_proceedings"):
        for ind in bundled(key).indicators():
            seen.add(ind.key)
            assert ind.source, ind.key
            if ind.key == "hp_pf_first_visit_timely":
                assert "Private Arrangements for Fostering" in ind.source
                continue
            unit, limit, instrument = TIMESCALES[ind.key]
            assert (ind.unit, ind.limit) == (unit, limit), ind.key
            assert instrument in ind.source, ind.key
    assert set(TIMESCALES) <= seen


def test_regulations_are_named_in_full_and_plo_is_not_called_statute():
    import re

    for path in sorted(TEMPLATE_DIR.glob("*.toml")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip().startswith("source ="):
                continue
            # "reg N" only after the instrument's full title (no bare "Regulations 2010")
            for match in re.finditer(r"Regulations 20\d\d, reg", line):
                before = line[:match.start()]
                assert before.endswith(("Case Review (England) ", "Leavers (England) ")), \
                    f"{path.name}:{n}"
            if "16 weeks" in line and "pre-proceedings" in line.lower():
                assert "Public Law Working Group" in line and "not statute" in line, \
                    f"{path.name}:{n}"
