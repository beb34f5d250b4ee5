"""Random and mutated template files never crash the loader: it either returns a template or
the validator's own problems, each as FILE:LINE: message."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_tui.templates.loader import bundled_template_dir, parse_template_text

TEXTS = [p.read_text(encoding="utf-8") for p in sorted(bundled_template_dir().glob("*.toml"))]
NAME = "fuzz.toml"
PROBLEM = re.compile(r"^fuzz\.toml:\d+: \S")

VALUES = ['1', '0', '-3', '1.5', '"x"', '""', 'true', '[]', '{}', '[1, "a"]', '["compliance"]',
          '{ question = "zzz", equals = 1 }', '{ question = "legal_status" }', '"grade"',
          '"yes_no"', '"working_days"', '"ofsted"', '2026-01-01', '"\\u0000"', '[[1]]']
HEADERS = ["[[sections]]", "[[sections.questions]]", "[[sections.groups]]",
           "[[sections.groups.questions]]", "[[sections.indicators]]", "[[details]]",
           "[sections.descriptors]", "[scales.x]", "[[scales.x.values]]", "[overall]",
           "[criteria]", "[[sections.subsections]]", "[[sections.subsections.questions]]"]


def assert_clean_outcome(text: str) -> None:
    result = parse_template_text(text, NAME)  # must not raise
    if result.template is None:
        assert result.problems, "a refused template must say why"
        for problem in result.problems:
            assert PROBLEM.match(problem), problem
    else:
        assert result.problems == []
        result.template.questions()  # the model is usable
        result.template.indicators()


@st.composite
def mutated(draw) -> str:
    lines = draw(st.sampled_from(TEXTS)).splitlines()
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "value", "swap", "header", "junk"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "value" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {draw(st.sampled_from(VALUES))}"
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "header":
            lines.insert(i, draw(st.sampled_from(HEADERS)))
        else:
            lines.insert(i, draw(st.text(max_size=40)))
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_bundled_templates(text):
    assert_clean_outcome(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_random_text(text):
    assert_clean_outcome(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(HEADERS + [""]),
                          st.sampled_from(["key", "title", "type", "prompt", "criterion",
                                           "show_if", "from", "to", "unit", "limit", "choices",
                                           "version", "service", "values", "tags", "graded"]),
                          st.sampled_from(VALUES)), max_size=25))
def test_random_structures(parts):
    text = 'key = "k"\nversion = 1\ntitle = "T"\nservice = "S"\n' + "\n".join(
        f"{header}\n{key} = {value}" if header else f"{key} = {value}"
        for header, key, value in parts)
    assert_clean_outcome(text)
