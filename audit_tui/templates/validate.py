"""Turn a parsed TOML document into a Template, collecting every problem on the way.

The checks here are about the shape of each table (known keys, required keys, value types).
References between parts of the template (conditions and indicators naming questions) are
checked afterwards in `references.py`, once every question is known.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .model import (
    BUILTIN_CRITERIA,
    BUILTIN_SCALES,
    HIDEABLE_DETAILS,
    INDICATOR_UNITS,
    NEVER_RESULTS,
    QUESTION_TYPES,
    REQUIRED_DETAILS,
    STANDARD_DETAIL_KEYS,
    STANDARD_DETAILS,
    WINDOW_RULES,
    YES_NO_LABELS,
    Choice,
    Condition,
    Conversation,
    JUDGEMENT_PREFIX,
    DetailRule,
    Group,
    Indicator,
    Overall,
    Question,
    Scale,
    ScaleValue,
    Section,
    Template,
)

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


def _describe(value: Any) -> str:
    names = {str: "text", bool: "true or false", int: "a whole number", float: "a number",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


class Builder:
    """Builds the model from the raw document; `problems` holds what was wrong."""

    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.scales: dict[str, Scale] = dict(BUILTIN_SCALES)
        self.criteria: dict[str, str] = dict(BUILTIN_CRITERIA)
        self.default_scale = "ofsted"

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
            wanted = " or ".join(_describe(k()) if k is not float else "a number" for k in kinds)
            self.problem(path + (name,), f"'{name}' in {what} should be {wanted}, "
                         f"not {_describe(value)}.")
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

    # -- scales and descriptors ------------------------------------------------------------
    def build_scales(self) -> None:
        raw = self.doc.get("scales", {})
        if not isinstance(raw, dict):
            self.problem(("scales",), "'scales' should be tables written as [scales.NAME].")
            return
        for key, table in raw.items():
            path = ("scales", key)
            if not isinstance(table, dict):
                self.problem(path, f"scale '{key}' should be a table: [scales.{key}].")
                continue
            if key in BUILTIN_SCALES:
                self.problem(path, f"scale '{key}' is built in: give your scale another name.")
                continue
            if not KEY_PATTERN.match(key):
                self.problem(path, f"scale name '{key}' should be lower-case letters, digits and "
                             "underscores.")
            self.check_keys(table, SCALE_KEYS, path, f"scale '{key}'")
            values: list[ScaleValue] = []
            for i, item in enumerate(self.table_list(table, "values", path, f"scale '{key}'")):
                vpath = path + ("values", i)
                self.check_keys(item, SCALE_VALUE_KEYS, vpath, "a scale value")
                value = self.get(item, "value", int, vpath, "a scale value", required=True)
                label = self.get(item, "label", str, vpath, "a scale value", required=True)
                descriptor = self.get(item, "descriptor", str, vpath, "a scale value", default="")
                if value is None or label is None:
                    continue
                if any(v.value == value for v in values):
                    self.problem(vpath + ("value",), f"value {value} appears twice in scale '{key}'.")
                values.append(ScaleValue(value, label, descriptor))
            if not values:
                self.problem(path, f"scale '{key}' has no values: add [[scales.{key}.values]] "
                             "tables with value and label.")
                continue
            known = {v.value for v in values}
            sets = {}
            for name in ("good_or_better", "inadequate"):
                listed = self.get(table, name, list, path, f"scale '{key}'", default=[])
                for v in listed:
                    if v not in known:
                        self.problem(path + (name,), f"{name} lists {v!r}, which is not a value "
                                     f"of scale '{key}' (values: {sorted(known)}).")
                sets[name] = frozenset(v for v in listed if v in known)
            title = self.get(table, "title", str, path, f"scale '{key}'", default=key)
            self.scales[key] = Scale(key, title, tuple(values), sets["good_or_better"],
                                     sets["inadequate"])

    def scale_key(self, table: dict, path: tuple, what: str, default: str) -> str:
        key = self.get(table, "scale", str, path, what, default=default)
        if key not in self.scales:
            self.problem(path + ("scale",), f"unknown scale '{key}' in {what}: use 'ofsted' or "
                         "define it under [scales." + str(key) + "].")
            return default if default in self.scales else "ofsted"
        return key

    def descriptors(self, table: dict, path: tuple, what: str, scale: str) -> dict[int, str]:
        raw = self.get(table, "descriptors", dict, path, what, default={})
        out: dict[int, str] = {}
        values = set(self.scales[scale].value_keys()) if scale in self.scales else set()
        for name, text in raw.items():
            try:
                value = int(name)
            except ValueError:
                value = None
            if value is None or value not in values:
                self.problem(path + ("descriptors", name), f"descriptor '{name}' in {what} is not "
                             f"a value of scale '{scale}' (values: {sorted(values)}).")
            elif not isinstance(text, str):
                self.problem(path + ("descriptors", name), f"descriptor '{name}' should be text.")
            else:
                out[value] = text
        return out

    # -- conditions ------------------------------------------------------------------------
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

    def section(self, table: dict, path: tuple, parent: Section | None) -> Section:
        self.check_keys(table, SECTION_KEYS, path, "a section")
        key = self.key_of(table, path, "a section")
        what = f"section '{key}'"
        criterion = self.get(table, "criterion", str, path, what, required=parent is None,
                             default=parent.criterion if parent else "")
        if criterion and criterion not in self.criteria:
            close = difflib.get_close_matches(criterion, list(self.criteria), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            self.problem(path + ("criterion",), f"unknown criterion '{criterion}' in {what}: "
                         f"{hint}use a built-in criterion or declare it under [criteria].")
        graded = self.get(table, "graded", bool, path, what, default=False)
        scale = self.scale_key(table, path, what, self.default_scale)
        if not graded and ("scale" in table or "descriptors" in table):
            self.problem(path + ("graded",), f"{what} sets a scale or descriptors but is not "
                         "graded: add graded = true, or remove them.")
        questions = self.questions(table, path, what, key, "")
        groups = tuple(self.group(g, path + ("groups", i), key)
                       for i, g in enumerate(self.table_list(table, "groups", path, what)))
        indicators = self.indicators(table, path, what, key, "")
        depth = parent.depth + 1 if parent else 0
        stub = Section(key=key, title="", criterion=criterion, depth=depth)
        subsections = [self.section(sub, path + ("subsections", i), stub)
                       for i, sub in enumerate(self.table_list(table, "subsections", path, what))]
        if not questions and not groups and not subsections:
            self.problem(path, f"{what} is empty: give it at least one question, repeating group "
                         "or sub-section.")
        return Section(
            key=key, title=self.get(table, "title", str, path, what, required=True, default=""),
            criterion=criterion, guidance=self.get(table, "guidance", str, path, what, default=""),
            graded=graded, scale=scale,
            descriptors=self.descriptors(table, path, what, scale) if graded else {},
            always_applies=self.get(table, "always_applies", bool, path, what, default=True),
            optional=self.optional(table, path, what),
            show_if=self.conditions(table, path, what), questions=questions, groups=groups,
            indicators=indicators, subsections=tuple(subsections), parent=parent.key if parent else "", depth=depth,
        )

    def optional(self, table: dict, path: tuple, what: str) -> bool:
        optional = self.get(table, "optional", bool, path, what, default=False)
        if optional and table.get("always_applies") is False:
            self.problem(path + ("optional",), f"{what} is both optional and always_applies = "
                         "false: choose one (optional: left blank with no dialog; "
                         "always_applies = false: \"does not apply\" with a reason).")
        return optional

    # -- overall judgements, standard details, the look-back period --------------------------
    def overall(self) -> Overall:
        path, what = ("overall",), "[overall]"
        raw = self.get(self.doc, "overall", dict, (), "the template", default={})
        self.check_keys(raw, OVERALL_KEYS, path, what)
        scale = self.scale_key(raw, path, what, self.default_scale)
        graded = self.get(raw, "graded", bool, path, what, default=True)
        return Overall(
            guidance=self.get(raw, "guidance", str, path, what, default=""), scale=scale,
            descriptors=self.descriptors(raw, path, what, scale),
            required=self.get(raw, "required", bool, path, what, default=True) and graded,
            graded=graded)

    def judgements(self) -> list[Section]:
        """[[judgements]] as graded sections holding only a grade (keys prefixed '@'), each
        reported under a criterion of its own."""
        out: list[Section] = []
        for i, raw in enumerate(self.table_list(self.doc, "judgements", (), "the template")):
            path = ("judgements", i)
            self.check_keys(raw, JUDGEMENT_KEYS, path, "[[judgements]]")
            key = self.key_of(raw, path, "[[judgements]]")
            what = f"judgement '{key}'"
            if any(s.key == JUDGEMENT_PREFIX + key for s in out):
                self.problem(path + ("key",), f"{what} appears twice.")
            scale = self.scale_key(raw, path, what, self.default_scale)
            title = self.get(raw, "title", str, path, what, required=True, default="") or key
            criterion = f"judgement_{key}"
            self.criteria[criterion] = title
            out.append(Section(
                key=JUDGEMENT_PREFIX + key, title=title, criterion=criterion,
                guidance=self.get(raw, "guidance", str, path, what, default=""), graded=True,
                scale=scale, descriptors=self.descriptors(raw, path, what, scale),
                optional=not self.get(raw, "required", bool, path, what, default=True),
                judgement=True))
        return out

    def case_details(self) -> dict[str, DetailRule]:
        raw = self.get(self.doc, "case_details", dict, (), "the template", default={})
        labels = {k: label for k, label, _ in STANDARD_DETAILS}
        out: dict[str, DetailRule] = {}
        for name, table in raw.items():
            path = ("case_details", name)
            if name not in labels:
                self.problem(path, f"'{name}' is not a standard case detail: use one of "
                             + ", ".join(labels) + " (add your own under [[details]]).")
                continue
            if not isinstance(table, dict):
                self.problem(path, f"[case_details.{name}] should be a table.")
                continue
            what = f"[case_details.{name}]"
            self.check_keys(table, DETAIL_RULE_KEYS, path, what)
            hidden = self.get(table, "hidden", bool, path, what, default=False)
            required = self.get(table, "required", bool, path, what,
                                default=name in REQUIRED_DETAILS)
            if hidden and name not in HIDEABLE_DETAILS:
                self.problem(path + ("hidden",), f"'{name}' cannot be hidden: every audit needs it.")
                hidden = False
            if hidden and table.get("required") is True:
                self.problem(path + ("required",), f"{what} is hidden and required: choose one.")
            if name in ("case_reference", "audit_date") and table.get("required") is False:
                self.problem(path + ("required",), f"'{name}' is always required.")
                required = True
            label = self.get(table, "label", str, path, what, default=labels[name]) or labels[name]
            out[name] = DetailRule(label, hidden, required and not hidden)
        return out

    def months(self, name: str) -> int | None:
        value = self.get(self.doc, name, int, (), "the template")
        if value is not None and not 1 <= value <= 120:
            self.problem((name,), f"{name} should be a whole number of months from 1 to 120.")
            return None
        return value

    # -- the whole template ----------------------------------------------------------------
    def build(self) -> Template:
        doc = self.doc
        self.check_keys(doc, TOP_KEYS, (), "the template")
        key = self.key_of(doc, (), "the template")
        version = self.get(doc, "version", int, (), "the template", required=True, default=0)
        if isinstance(doc.get("version"), int) and version < 1:
            self.problem(("version",), "version should be a whole number from 1 upwards.")
        criteria = self.get(doc, "criteria", dict, (), "the template", default={})
        for name, title in criteria.items():
            if not KEY_PATTERN.match(name) or not isinstance(title, str):
                self.problem(("criteria", name), f"criterion '{name}' should be written "
                             "my_criterion = \"Its title\" (lower-case key, text title).")
            else:
                self.criteria[name] = title
        self.build_scales()
        self.default_scale = self.scale_key(doc, (), "the template", "ofsted")
        details = []
        for i, table in enumerate(self.table_list(doc, "details", (), "the template")):
            q = self.question(table, ("details", i), "", "")
            if q is not None:
                if q.key in STANDARD_DETAIL_KEYS:
                    self.problem(("details", i, "key"), f"'{q.key}' is a standard case detail "
                                 "that every audit has already; remove it from [[details]].")
                details.append(q)
        sections = [self.section(t, ("sections", i), None)
                    for i, t in enumerate(self.table_list(doc, "sections", (), "the template"))]
        if not sections and isinstance(doc.get("sections", []), list):
            self.problem((), "the template has no sections: add at least one [[sections]].")
        overall = self.overall()
        sections += self.judgements()
        lookback, judged = self.months("lookback_months"), self.months("judgement_months")
        if lookback and judged and judged > lookback:
            self.problem(("judgement_months",), "judgement_months is longer than "
                         "lookback_months: the judgement rests on part of the look-back period.")
        if (any(i.window == "start" for s in sections for x in s.walk()
                for i in x.indicators + tuple(j for g in x.groups for j in g.indicators))
                and lookback is None):
            self.problem((), "an indicator has window = \"start\" but the template has no "
                         "lookback_months: add e.g. lookback_months = 12.")
        conversation = self.conversation()
        custom = {k: v for k, v in self.scales.items() if k not in BUILTIN_SCALES}
        declared = {k: v for k, v in self.criteria.items() if k not in BUILTIN_CRITERIA}
        return Template(
            key=key, version=version or 0,
            title=self.get(doc, "title", str, (), "the template", required=True, default=""),
            service=self.get(doc, "service", str, (), "the template", required=True, default=""),
            description=self.get(doc, "description", str, (), "the template", default=""),
            scale=self.default_scale, scales=custom, criteria=declared, details=tuple(details),
            sections=tuple(sections), overall=overall, conversation=conversation,
            guidance=self.get(doc, "guidance", str, (), "the template", default=""),
            lookback_months=lookback, judgement_months=judged, case_details=self.case_details(),
        )

    def conversation(self) -> Conversation:
        path, what = ("conversation",), "[conversation]"
        raw = self.get(self.doc, "conversation", dict, (), "the template", default={})
        self.check_keys(raw, CONVERSATION_KEYS, path, what)
        questions = self.get(raw, "feedback_questions", list, path, what, default=[])
        if not all(isinstance(q, str) and q.strip() for q in questions):
            self.problem(path + ("feedback_questions",), "feedback_questions in [conversation] "
                         "should be a list of questions, e.g. [\"How well were you listened "
                         "to?\"].")
            questions = []
        return Conversation(
            required=self.get(raw, "required", bool, path, what, default=False),
            feedback_required=self.get(raw, "feedback_required", bool, path, what,
                                       default=False),
            feedback_questions=tuple(q.strip() for q in questions),
            guidance=self.get(raw, "guidance", str, path, what, default=""))
