"""Reading a template's TOML tables: the checks of a table's shape (known keys, a key's type,
required keys, key names) that every part of the template shares, each problem collected with
its place, and the limits that keep checking an absurd file quick."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any


# Limits that keep checking an absurd file quick, each refused with a sentence: choices in one
# question, and how many of one kind of problem in a list are named (the rest are counted).
MAX_CHOICES = 1_000_000
MAX_LISTED = 10
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
CONDITION_TESTS = ("equals", "not_equals", "in", "not_in", "answered", "at_least", "at_most")

TOP_KEYS = {"key", "version", "title", "description", "service", "scale", "scales", "criteria",
            "details", "sections", "overall", "guidance", "lookback_months",
            "judgement_months", "case_details", "judgements", "conversation"}
SCALE_KEYS = {"title", "values", "good_or_better", "inadequate"}
SCALE_VALUE_KEYS = {"value", "label", "descriptor"}
SECTION_KEYS = {"key", "title", "criterion", "guidance", "graded", "scale", "descriptors",
                "always_applies", "optional", "show_if", "questions", "groups", "indicators",
                "subsections"}
QUESTION_KEYS = {"key", "prompt", "type", "guidance", "source", "required", "tags", "choices",
                 "scale", "descriptors", "allow_na", "allow_future", "min", "max", "integer",
                 "show_if", "parts", "partly", "labels", "evidence", "evidence_prompt",
                 "allow_never", "never_label", "prefill"}
GROUP_KEYS = {"key", "title", "row_label", "guidance", "min_rows", "max_rows", "questions",
              "indicators", "show_if"}
INDICATOR_KEYS = {"key", "label", "from", "to", "otherwise_to", "unit", "limit", "source",
                  "window", "never"}
OVERALL_KEYS = {"guidance", "scale", "descriptors", "required", "graded"}
JUDGEMENT_KEYS = {"key", "title", "guidance", "scale", "descriptors", "required"}
DETAIL_RULE_KEYS = {"label", "hidden", "required"}
EVIDENCE_RULES = ("optional", "required")
CONVERSATION_KEYS = {"required", "feedback_required", "feedback_questions", "guidance"}
CONDITION_KEYS = {"question", *CONDITION_TESTS}


@dataclass(frozen=True)
class Problem:
    path: tuple
    message: str


def describe(value: Any) -> str:
    names = {str: "text", bool: "true or false", int: "a whole number", float: "a number",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


class TableReader:
    """Reads tables, collecting `problems` (a Problem each) instead of stopping at the first."""

    problems: list[Problem]

    # -- small helpers -------------------------------------------------------------------
    def problem(self, path: tuple, message: str) -> None:
        self.problems.append(Problem(tuple(path), message))

    def check_keys(self, table: dict, allowed: set[str], path: tuple, what: str) -> None:
        for name in table:
            if name not in allowed:
                close = difflib.get_close_matches(name, sorted(allowed), n=1)
                hint = f" Did you mean '{close[0]}'?" if close else (
                    f" Allowed keys here: {', '.join(sorted(allowed))}.")
                self.problem(path + (name,), f"unknown key '{name}' in {what}.{hint}")

    def get(self, table: dict, name: str, kind: type | tuple, path: tuple, what: str, *,
            required: bool = False, default: Any = None) -> Any:
        if name not in table:
            if required:
                self.problem(path, f"{what} is missing '{name}': add `{name} = ...`.")
            return default
        value = table[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            ok = False
        else:
            ok = isinstance(value, kinds)
        if not ok:
            wanted = " or ".join(describe(k()) if k is not float else "a number" for k in kinds)
            self.problem(path + (name,), f"'{name}' in {what} should be {wanted}, "
                         f"not {describe(value)}.")
            return default
        if isinstance(value, str) and required and not value.strip():
            self.problem(path + (name,), f"'{name}' in {what} is empty: write it out.")
            return default
        return value

    def key_of(self, table: dict, path: tuple, what: str) -> str:
        key = self.get(table, "key", str, path, what, required=True, default="")
        if key and not KEY_PATTERN.match(key):
            self.problem(path + ("key",), f"key '{key}' in {what} should be lower-case letters, "
                         "digits and underscores, starting with a letter (e.g. 'child_seen_alone').")
        return key

    def table_list(self, parent: dict, name: str, path: tuple, what: str) -> list[dict]:
        value = parent.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(path + (name,), f"'{name}' in {what} should be written as "
                         f"[[...{name}]] tables.")
            return []
        return value
