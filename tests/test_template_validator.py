"""The template checker: one test for each kind of problem, asserting the file and the line."""

from __future__ import annotations

import textwrap

import pytest

from audit_tui.templates.loader import load_template

BASE = textwrap.dedent('''\
    key = "mini"
    version = 1
    title = "Mini"
    service = "Help and protection"

    [[details]]
    key = "legal_status"
    prompt = "Legal status"
    type = "choice"
    choices = ["Child in need", "Child protection"]

    [[sections]]
    key = "assessment"
    title = "Assessment"
    criterion = "assessment_quality"
    graded = true

      [[sections.questions]]
      key = "referral_date"
      prompt = "Referral date"
      type = "date"
      tags = ["compliance"]

      [[sections.questions]]
      key = "completed"
      prompt = "Assessment completed"
      type = "date"
      tags = ["compliance"]

      [[sections.questions]]
      key = "seen_alone"
      prompt = "Seen alone?"
      type = "yes_no"
      tags = ["compliance"]
      show_if = { question = "legal_status", equals = "Child protection" }

      [[sections.indicators]]
      key = "timely"
      label = "Within 45 working days"
      from = "referral_date"
      to = "completed"
      unit = "working_days"
      limit = 45
    ''')


def check(tmp_path, text: str) -> list[str]:
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    return load_template(path).problems


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def assert_one(problems: list[str], tmp_path, line: int, *words: str) -> None:
    assert len(problems) == 1, problems
    prefix = f"{tmp_path / 't.toml'}:{line}: "
    assert problems[0].startswith(prefix), (problems[0], prefix)
    for word in words:
        assert word in problems[0], (word, problems[0])


def test_base_is_clean(tmp_path):
    assert check(tmp_path, BASE) == []


def test_toml_syntax_error_names_the_line(tmp_path):
    text = BASE.replace('title = "Assessment"', 'title = "Assessment')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, 'title = "Assessment'), "not valid TOML")


def test_unknown_key_suggests_the_near_miss(tmp_path):
    text = BASE.replace('  prompt = "Seen alone?"', '  promt = "Seen alone?"')
    problems = check(tmp_path, text)
    assert any(p.startswith(f"{tmp_path / 't.toml'}:{line_of(text, 'promt')}: unknown key 'promt'")
               and "Did you mean 'prompt'" in p for p in problems), problems


def test_missing_key_points_at_the_table(tmp_path):
    text = BASE.replace('title = "Assessment"\n', "")
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, "[[sections]]"), "missing 'title'")


def test_wrong_value_type(tmp_path):
    text = BASE.replace("version = 1", 'version = "one"')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, 2, "'version'", "whole number")


def test_unknown_question_type(tmp_path):
    text = BASE.replace('type = "yes_no"', 'type = "yesno"')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, '"yesno"'), "unknown type 'yesno'", "yes_no")


def test_duplicate_question_keys(tmp_path):
    text = BASE.replace('key = "completed"', 'key = "referral_date"').replace(
        'to = "completed"', 'to = "referral_date"')
    problems = check(tmp_path, text)
    second = [n for n, line in enumerate(text.splitlines(), 1) if 'key = "referral_date"' in line]
    assert_one(problems, tmp_path, second[1], "duplicate key 'referral_date'")


def test_condition_naming_a_question_that_does_not_exist(tmp_path):
    text = BASE.replace('question = "legal_status"', 'question = "legal_stat"')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, "legal_stat\""), "'legal_stat'", "not a question")


def test_condition_naming_a_later_question(tmp_path):
    text = BASE.replace('question = "legal_status", equals = "Child protection"',
                        'question = "seen_alone", equals = "yes"').replace(
        '  key = "completed"', '  key = "completed"\n  show_if = { question = "seen_alone", '
                               'answered = true }')
    problems = check(tmp_path, text)
    assert any(f":{line_of(text, 'answered = true')}: " in p and "comes later" in p
               for p in problems), problems


def test_condition_with_an_impossible_value(tmp_path):
    text = BASE.replace('equals = "Child protection"', 'equals = "Child protect"')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, "Child protect\""), "not a possible answer")


def test_condition_of_the_wrong_type(tmp_path):
    text = BASE.replace('question = "legal_status", equals = "Child protection"',
                        'question = "referral_date", equals = "2024-01-01"')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, "equals = \"2024"), "only be tested with answered")


def test_indicator_naming_a_missing_question(tmp_path):
    text = BASE.replace('to = "completed"', 'to = "complete"')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, 'to = "complete"'), "'complete'")


def test_indicator_naming_a_question_of_the_wrong_type(tmp_path):
    text = BASE.replace('to = "completed"', 'to = "seen_alone"')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, 'to = "seen_alone"'), "must name a date")


def test_unknown_scale(tmp_path):
    text = BASE.replace('service = "Help and protection"',
                        'service = "Help and protection"\nscale = "rag"')
    problems = check(tmp_path, text)
    assert problems and all("unknown scale 'rag'" in p for p in problems)
    assert problems[0].startswith(f"{tmp_path / 't.toml'}:5: ")


def test_empty_section(tmp_path):
    text = BASE + textwrap.dedent('''
        [[sections]]
        key = "oversight"
        title = "Management oversight"
        criterion = "management_oversight"
        ''')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, len(BASE.splitlines()) + 2, "section 'oversight' is empty")


def test_unknown_criterion_is_caught(tmp_path):
    text = BASE.replace('criterion = "assessment_quality"', 'criterion = "asessment_quality"')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, "asessment"), "did you mean 'assessment_quality'")


def test_choice_without_choices(tmp_path):
    text = BASE.replace('choices = ["Child in need", "Child protection"]\n', "").replace(
        '  show_if = { question = "legal_status", equals = "Child protection" }\n', "")
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, "[[details]]"), "needs choices")


def test_question_without_compliance_or_quality_tag(tmp_path):
    text = BASE.replace('  tags = ["compliance"]\n  show_if', '  tags = ["other"]\n  show_if')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, '["other"]'), "compliance or quality")


def test_group_question_used_outside_its_group(tmp_path):
    text = BASE + textwrap.dedent('''
          [[sections.groups]]
          key = "episodes"
          title = "Missing episodes"

            [[sections.groups.questions]]
            key = "returned"
            prompt = "Returned on"
            type = "date"
            tags = ["compliance"]

        [[sections]]
        key = "later"
        title = "Later"
        criterion = "exploitation_missing"
        show_if = { question = "returned", answered = true }

          [[sections.questions]]
          key = "note"
          prompt = "Note"
          type = "text"
          tags = ["quality"]
        ''')
    problems = check(tmp_path, text)
    assert_one(problems, tmp_path, line_of(text, 'question = "returned"'),
               "inside repeating group 'episodes'")


def test_every_problem_is_reported_at_once(tmp_path):
    text = (BASE.replace('type = "yes_no"', 'type = "yesno"')
            .replace("version = 1", "version = 0.5")
            .replace('to = "completed"', 'to = "nowhere"'))
    problems = check(tmp_path, text)
    assert len(problems) == 3, problems
    assert [int(p.split(":")[1]) for p in problems] == sorted(
        int(p.split(":")[1]) for p in problems)


@pytest.mark.parametrize("raw", [b"\xff\xfe not utf8 \xff", b""])
def test_unreadable_or_empty_file_is_a_problem_not_a_crash(tmp_path, raw):
    path = tmp_path / "t.toml"
    path.write_bytes(raw)
    result = load_template(path)
    assert result.template is None and result.problems
    assert result.problems[0].startswith(f"{path}:")
