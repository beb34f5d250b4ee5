"""Turn a parsed TOML document into a Template, collecting every problem on the way.

The checks here are about the shape of each table (known keys, required keys, value types).
References between parts of the template (conditions and indicators naming questions) are
checked afterwards in `references.py`, once every question is known. The shared table checks
and their limits are in validate_tables.py; questions, conditions, groups and indicators in
validate_questions.py.
"""


from __future__ import annotations

import difflib

from .model import (
    BUILTIN_CRITERIA,
    BUILTIN_SCALES,
    HIDEABLE_DETAILS,
    REQUIRED_DETAILS,
    STANDARD_DETAIL_KEYS,
    STANDARD_DETAILS,
    Conversation,
    JUDGEMENT_PREFIX,
    DetailRule,
    Overall,
    Scale,
    ScaleValue,
    Section,
    Template,
)
from .validate_questions import QuestionTables
from .validate_tables import (
    CONVERSATION_KEYS,
    DETAIL_RULE_KEYS,
    JUDGEMENT_KEYS,
    KEY_PATTERN,
    OVERALL_KEYS,
    SCALE_KEYS,
    SCALE_VALUE_KEYS,
    SECTION_KEYS,
    TOP_KEYS,
    Problem,
)


class Builder(QuestionTables):
    """Builds the model from the raw document; `problems` holds what was wrong."""

    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.scales: dict[str, Scale] = dict(BUILTIN_SCALES)
        self.criteria: dict[str, str] = dict(BUILTIN_CRITERIA)
        self.default_scale = "ofsted"

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
