"""Building a template's questions, their conditions, groups of repeating rows and timescale
indicators from their tables (validate.Builder's part below the section)."""

from __future__ import annotations

import difflib
import re
from collections import Counter

from .model import (
    INDICATOR_UNITS,
    NEVER_RESULTS,
    QUESTION_TYPES,
    WINDOW_RULES,
    YES_NO_LABELS,
    Choice,
    Condition,
    Group,
    Indicator,
    Question,
)
from .validate_tables import (
    CONDITION_KEYS,
    CONDITION_TESTS,
    EVIDENCE_RULES,
    GROUP_KEYS,
    INDICATOR_KEYS,
    MAX_CHOICES,
    MAX_LISTED,
    QUESTION_KEYS,
    TableReader,
)


class QuestionTables(TableReader):
    """The question-level tables; validate.Builder provides the scales, descriptors and
    `optional` these use."""

    def conditions(self, table: dict, path: tuple, what: str) -> tuple[Condition, ...]:
        raw = table.get("show_if")
        if raw is None:
            return ()
        items = [raw] if isinstance(raw, dict) else raw
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            self.problem(path + ("show_if",), f"show_if in {what} should be a table such as "
                         "{ question = \"legal_status\", equals = \"Pre-proceedings\" }.")
            return ()
        out = []
        for i, item in enumerate(items):
            cpath = path + ("show_if",) if isinstance(raw, dict) else path + ("show_if", i)
            self.check_keys(item, CONDITION_KEYS, cpath, "show_if")
            question = self.get(item, "question", str, cpath, "show_if", required=True)
            tests = [t for t in CONDITION_TESTS if t in item]
            if len(tests) != 1:
                self.problem(cpath, "show_if needs exactly one test: "
                             + ", ".join(CONDITION_TESTS) + f" (found {len(tests)}).")
                continue
            test = tests[0]
            value = item[test]
            if test in ("in", "not_in") and not isinstance(value, list):
                self.problem(cpath + (test,), f"'{test}' in show_if should be a list, e.g. "
                             f"{test} = [\"a\", \"b\"].")
                continue
            if test == "answered" and not isinstance(value, bool):
                self.problem(cpath + (test,), "'answered' in show_if should be true or false.")
                continue
            if test in ("at_least", "at_most") and (
                    isinstance(value, bool) or not isinstance(value, (int, float))):
                self.problem(cpath + (test,), f"'{test}' in show_if should be a number.")
                continue
            if question is None:
                continue
            kwargs = {"in": "among", "not_in": "not_among"}.get(test, test)
            if test in ("in", "not_in"):
                value = tuple(value)
            out.append(Condition(question=question, **{kwargs: value}))
        return tuple(out)

    # -- questions -------------------------------------------------------------------------
    def question(self, table: dict, path: tuple, section: str, group: str) -> Question | None:
        what = "a question"
        self.check_keys(table, QUESTION_KEYS, path, what)
        key = self.key_of(table, path, what)
        what = f"question '{key}'" if key else what
        prompt = self.get(table, "prompt", str, path, what, required=True, default="")
        qtype = self.get(table, "type", str, path, what, required=True, default="")
        if qtype and qtype not in QUESTION_TYPES:
            close = difflib.get_close_matches(qtype, list(QUESTION_TYPES), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            self.problem(path + ("type",), f"unknown type '{qtype}' in {what}: {hint}use one of "
                         + ", ".join(QUESTION_TYPES) + ".")
            qtype = ""
        tags = self.get(table, "tags", list, path, what, default=[])
        if not all(isinstance(t, str) for t in tags):
            self.problem(path + ("tags",), f"tags in {what} should be a list of words.")
            tags = []
        if section and not ({"compliance", "quality"} & set(tags)):
            self.problem(path + ("tags",), f"{what} needs a tag saying whether it is about "
                         "compliance or quality: tags = [\"compliance\"] or tags = [\"quality\"].")
        choices: list[Choice] = []
        raw_choices = table.get("choices")
        if qtype in ("choice", "multi_choice"):
            if not isinstance(raw_choices, list) or not raw_choices:
                self.problem(path + ("choices",), f"{what} is a {qtype} question and needs "
                             "choices = [\"...\", \"...\"].")
            elif len(raw_choices) > MAX_CHOICES:
                self.problem(path + ("choices",), f"{what} has {len(raw_choices):,} choices; a "
                             f"question may have at most {MAX_CHOICES:,}. Split the list, or "
                             "make it a text question.")
            else:
                bad = 0
                for i, c in enumerate(raw_choices):
                    if isinstance(c, str) and c.strip():
                        choices.append(Choice(c, c))
                    elif isinstance(c, dict) and isinstance(c.get("value"), str):
                        choices.append(Choice(c["value"], str(c.get("label", c["value"]))))
                    elif (bad := bad + 1) <= MAX_LISTED:  # (the first few are enough)
                        self.problem(path + ("choices",), f"choice {i + 1} in {what} should be "
                                     "text, or a table { value = \"...\", label = \"...\" }.")
                counted = Counter(c.value for c in choices)  # (linear: 1 million choices ok)
                for dup in sorted(v for v, n in counted.items() if n > 1)[:MAX_LISTED]:
                    self.problem(path + ("choices",), f"choice '{dup}' appears twice in {what}.")
        elif raw_choices is not None:
            self.problem(path + ("choices",), f"{what} has choices but its type is '{qtype}': "
                         "choices belong to choice and multi_choice questions.")
        for name, types in (("scale", {"grade"}), ("descriptors", {"grade"}),
                            ("allow_future", {"date"}), ("min", {"number"}),
                            ("max", {"number"}), ("integer", {"number"}),
                            ("partly", {"yes_no"}), ("labels", {"yes_no"}),
                            ("allow_never", {"date"}), ("never_label", {"date"})):
            if name in table and qtype and qtype not in types:
                self.problem(path + (name,), f"'{name}' does not apply to a {qtype} question "
                             f"({what}); remove it.")
        scale = self.scale_key(table, path, what, self.default_scale) if qtype == "grade" else ""
        number = (int, float)
        minimum = self.get(table, "min", number, path, what)
        maximum = self.get(table, "max", number, path, what)
        if minimum is not None and maximum is not None and minimum > maximum:
            self.problem(path + ("min",), f"min is larger than max in {what}.")
        return Question(
            key=key, prompt=prompt, type=qtype,
            guidance=self.get(table, "guidance", str, path, what, default=""),
            source=self.get(table, "source", str, path, what, default=""),
            required=self.get(table, "required", bool, path, what, default=True),
            tags=tuple(tags), choices=tuple(choices), scale=scale,
            descriptors=self.descriptors(table, path, what, scale) if qtype == "grade" else {},
            allow_na=self.get(table, "allow_na", bool, path, what,
                              default=qtype in ("grade", "yes_no")),
            allow_future=self.get(table, "allow_future", bool, path, what, default=False),
            minimum=minimum, maximum=maximum,
            integer=self.get(table, "integer", bool, path, what, default=True),
            show_if=self.conditions(table, path, what), group=group, section=section,
            **self.question_extras(table, path, what),
        )

    def question_extras(self, table: dict, path: tuple, what: str) -> dict:
        """The format-2 keys of a question: parts, partly, labels, evidence, allow_never."""
        parts = self.get(table, "parts", list, path, what, default=[])
        if not all(isinstance(p, str) and p.strip() for p in parts):
            self.problem(path + ("parts",), f"parts in {what} should be a list of sub-prompts "
                         "written as text.")
            parts = []
        labels = self.get(table, "labels", dict, path, what, default={})
        for name, text in list(labels.items()):
            if name not in YES_NO_LABELS or not isinstance(text, str) or not text.strip():
                self.problem(path + ("labels", name), f"labels in {what} should be written "
                             "{ yes = \"...\", partly = \"...\", no = \"...\", na = \"...\" }.")
                labels.pop(name)
        evidence = self.get(table, "evidence", str, path, what, default="optional")
        if evidence not in EVIDENCE_RULES:
            self.problem(path + ("evidence",), f"evidence in {what} should be \"optional\" or "
                         "\"required\".")
        return dict(
            parts=tuple(parts),
            partly=self.get(table, "partly", bool, path, what, default=False),
            labels=labels, evidence_required=evidence == "required",
            evidence_prompt=self.get(table, "evidence_prompt", str, path, what, default=""),
            allow_never=self.get(table, "allow_never", bool, path, what, default=False),
            never_label=self.get(table, "never_label", str, path, what,
                                 default="Never happened") or "Never happened",
            prefill=self.prefill(table, path, what),
        )

    def prefill(self, table: dict, path: tuple, what: str) -> str:
        """The case-list column a case detail is pre-filled from (the programme's
        allocations); a detail only."""
        key = self.get(table, "prefill", str, path, what, default="")
        if key and path[:1] != ("details",):
            self.problem(path + ("prefill",), f"'prefill' belongs to a case detail "
                         f"([[details]]), not {what}.")
            return ""
        if key and not re.fullmatch(r"[a-z0-9_]+", key):
            self.problem(path + ("prefill",), f"prefill in {what} should be a case-list column "
                         "key such as \"looked_after_start\".")
            return ""
        return key

    def questions(self, parent: dict, path: tuple, what: str, section: str,
                  group: str) -> tuple[Question, ...]:
        out = []
        for i, table in enumerate(self.table_list(parent, "questions", path, what)):
            q = self.question(table, path + ("questions", i), section, group)
            if q is not None:
                out.append(q)
        return tuple(out)

    def indicators(self, parent: dict, path: tuple, what: str, section: str,
                   group: str) -> tuple[Indicator, ...]:
        out = []
        for i, table in enumerate(self.table_list(parent, "indicators", path, what)):
            ipath = path + ("indicators", i)
            self.check_keys(table, INDICATOR_KEYS, ipath, "an indicator")
            key = self.key_of(table, ipath, "an indicator")
            iwhat = f"indicator '{key}'"
            unit = self.get(table, "unit", str, ipath, iwhat, required=True, default="")
            if unit and unit not in INDICATOR_UNITS:
                self.problem(ipath + ("unit",), f"unknown unit '{unit}' in {iwhat}: use one of "
                             + ", ".join(INDICATOR_UNITS) + ".")
            limit = self.get(table, "limit", (int, float), ipath, iwhat, required=True)
            window = self.get(table, "window", str, ipath, iwhat, default="none")
            if window not in WINDOW_RULES:
                self.problem(ipath + ("window",), f"window in {iwhat} should be "
                             + " or ".join(f'"{w}"' for w in WINDOW_RULES) + ".")
                window = "none"
            never = self.get(table, "never", str, ipath, iwhat, default="not_met")
            if never not in NEVER_RESULTS:
                self.problem(ipath + ("never",), f"never in {iwhat} should be "
                             + " or ".join(f'"{w}"' for w in NEVER_RESULTS) + ".")
                never = "not_met"
            out.append(Indicator(
                key=key, label=self.get(table, "label", str, ipath, iwhat, required=True,
                                        default=""),
                start=self.get(table, "from", str, ipath, iwhat, required=True, default=""),
                end=self.get(table, "to", str, ipath, iwhat, required=True, default=""),
                otherwise_to=self.get(table, "otherwise_to", str, ipath, iwhat, default=""),
                unit=unit, limit=limit if limit is not None else 0,
                source=self.get(table, "source", str, ipath, iwhat, default=""),
                group=group, section=section, window=window, never=never,
            ))
        return tuple(out)

    # -- sections and groups ---------------------------------------------------------------
    def group(self, table: dict, path: tuple, section: str) -> Group:
        self.check_keys(table, GROUP_KEYS, path, "a repeating group")
        key = self.key_of(table, path, "a repeating group")
        what = f"repeating group '{key}'"
        questions = self.questions(table, path, what, section, key)
        if not questions:
            self.problem(path, f"{what} has no questions: add [[...groups.questions]] tables.")
        min_rows = self.get(table, "min_rows", int, path, what, default=0)
        max_rows = self.get(table, "max_rows", int, path, what)
        if max_rows is not None and max_rows < max(min_rows, 1):
            self.problem(path + ("max_rows",), f"max_rows in {what} must be at least 1 and "
                         "at least min_rows.")
        return Group(
            key=key, title=self.get(table, "title", str, path, what, required=True, default=""),
            row_label=self.get(table, "row_label", str, path, what, default="Row"),
            guidance=self.get(table, "guidance", str, path, what, default=""),
            min_rows=min_rows, max_rows=max_rows, questions=questions,
            indicators=self.indicators(table, path, what, section, key),
            show_if=self.conditions(table, path, what), section=section,
        )
