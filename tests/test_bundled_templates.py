"""Checks on the five audit templates bundled in audit_templates/.

Every bundled question must be traceable to an inspection finding or a statutory timescale,
say whether it is about compliance or quality, and every grade must come with guidance on
what good looks like. Reports add sections up across templates by criterion, so each
template must report under the shared criteria.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from audit_tui.templates.loader import load_template
from audit_tui.templates.model import Template

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "audit_templates"
TEMPLATE_FILES = sorted(TEMPLATE_DIR.glob("*.toml"))
EXPECTED_KEYS = {
    "help_and_protection",
    "children_in_care",
    "care_leavers",
    "pre_proceedings",
    "front_door",
}


def _load(path: Path) -> Template:
    result = load_template(path)
    assert result.problems == [], "\n".join(result.problems)
    assert result.template is not None
    return result.template


@pytest.fixture(scope="module", params=TEMPLATE_FILES, ids=lambda p: p.name)
def template(request) -> Template:
    return _load(request.param)


def _section_questions(template: Template):
    """Questions in sections and groups; case details (no section) are left out."""
    return [q for q in template.questions() if q.section]


def test_template_files_found():
    assert TEMPLATE_FILES, f"no *.toml templates in {TEMPLATE_DIR}"


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_loads_without_problems(path):
    result = load_template(path)
    assert result.problems == []
    assert result.ok


def test_file_name_matches_key(template):
    assert Path(template.source_path).stem == template.key


def test_every_question_has_a_source(template):
    missing = [q.key for q in _section_questions(template) if not q.source.strip()]
    assert missing == [], f"questions without a source: {missing}"


def test_every_indicator_has_a_source(template):
    missing = [i.key for i in template.indicators() if not i.source.strip()]
    assert missing == [], f"indicators without a source: {missing}"


def test_every_question_is_tagged_compliance_or_quality(template):
    untagged = [q.key for q in _section_questions(template)
                if not {"compliance", "quality"} & set(q.tags)]
    assert untagged == [], f"questions without a compliance or quality tag: {untagged}"


def test_graded_sections_have_guidance(template):
    missing = [s.key for s in template.all_sections() if s.graded and not s.guidance.strip()]
    assert missing == [], f"graded sections without guidance: {missing}"


def test_grade_questions_have_guidance(template):
    missing = [q.key for q in template.questions()
               if q.type == "grade" and not q.guidance.strip()]
    assert missing == [], f"grade questions without guidance: {missing}"


def test_covers_the_shared_criteria(template):
    criteria = {s.criterion for s in template.all_sections()}
    assert criteria & {"assessment_quality", "front_door"}, criteria
    assert "management_oversight" in criteria
    assert "childs_voice" in criteria


def test_has_at_least_one_indicator(template):
    assert len(template.indicators()) >= 1


def test_has_overall_guidance(template):
    assert template.overall.guidance.strip()


def test_template_keys_are_unique_across_files():
    keys = [_load(path).key for path in TEMPLATE_FILES]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert duplicates == [], f"template keys used by more than one file: {duplicates}"


def test_the_five_expected_templates_exist():
    keys = {_load(path).key for path in TEMPLATE_FILES}
    assert EXPECTED_KEYS <= keys, f"missing templates: {sorted(EXPECTED_KEYS - keys)}"


@pytest.mark.parametrize("key", ["help_and_protection", "children_in_care"])
def test_repeating_groups_with_indicators(key):
    template = _load(TEMPLATE_DIR / f"{key}.toml")
    groups = template.groups()
    assert groups, f"{key} should have a repeating group"
    assert any(g.indicators for g in groups), f"{key} should have a per-row indicator"
