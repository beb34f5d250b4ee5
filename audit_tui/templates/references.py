"""Check what parts of a template say about each other.

Keys are unique across the template. A condition (`show_if`) or an indicator may only name a
question that exists, comes earlier in the audit, and has a type it can use. A question inside
a repeating group can be used only by conditions and indicators of the same group (they are
evaluated per row).
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import STANDARD_DETAILS, Condition, Group, Indicator, Question, Section, Template
from .validate_tables import MAX_LISTED, Problem


@dataclass(frozen=True)
class Known:
    question: Question
    group: str


_STANDARD = {key: Question(key=key, prompt=label, type=qtype) for key, label, qtype in
             STANDARD_DETAILS}


class ReferenceChecker:
    def __init__(self, template: Template) -> None:
        self.template = template
        self.problems: list[Problem] = []
        self.seen_keys: dict[str, tuple] = {}
        self.known: dict[str, Known] = {k: Known(q, "") for k, q in _STANDARD.items()}
        self.later: dict[str, Question] = {q.key: q for q in template.questions()}

    def problem(self, path: tuple, message: str) -> None:
        self.problems.append(Problem(tuple(path), message))

    def claim(self, key: str, path: tuple, what: str) -> None:
        if not key:
            return
        if key in self.seen_keys:
            self.problem(path + ("key",), f"duplicate key '{key}' ({what}): keys must be unique "
                         "in a template; rename one of them.")
        else:
            self.seen_keys[key] = path

    # -- look-ups ---------------------------------------------------------------------------
    def resolve(self, key: str, path: tuple, user: str, group: str) -> Question | None:
        """The question `key` as `user` may see it, or None after reporting why not."""
        found = self.known.get(key)
        if found is None:
            if key in self.later:
                self.problem(path, f"{user} names '{key}', which comes later in the template: "
                             "it can only use questions that come before it.")
            else:
                self.problem(path, f"{user} names '{key}', which is not a question or case "
                             "detail of this template.")
            return None
        if found.group and found.group != group:
            self.problem(path, f"{user} names '{key}', a question inside repeating group "
                         f"'{found.group}': only that group's own questions and indicators "
                         "can use it.")
            return None
        return found.question

    def check_conditions(self, conditions: tuple[Condition, ...], path: tuple, user: str,
                         group: str) -> None:
        for c in conditions:
            q = self.resolve(c.question, path + ("show_if",), user, group)
            if q is None:
                continue
            self.check_condition_value(c, q, path + ("show_if",), user)

    def check_condition_value(self, c: Condition, q: Question, path: tuple, user: str) -> None:
        values: list = []
        if c.equals is not None:
            values = [c.equals]
        elif c.not_equals is not None:
            values = [c.not_equals]
        elif c.among or c.not_among:
            values = list(c.among or c.not_among)
        if c.at_least is not None or c.at_most is not None:
            if q.type not in ("number", "grade"):
                self.problem(path, f"{user}: at_least/at_most need a number or grade question, "
                             f"but '{q.key}' is {q.type}.")
            return
        if not values:
            return
        if q.type == "yes_no":
            allowed = {"yes", "no", "na"}
        elif q.type in ("choice", "multi_choice"):
            allowed = {ch.value for ch in q.choices}
        elif q.type == "grade":
            allowed = set(self.template.scale_for(q.scale).value_keys())
        elif q.type == "number":
            for v in values:
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    self.problem(path, f"{user}: '{q.key}' is a number question, so compare it "
                                 f"with a number, not {v!r}.")
            return
        else:
            self.problem(path, f"{user}: a {q.type} question ('{q.key}') can only be tested with "
                         "answered = true or false.")
            return
        for v in values:
            if v not in allowed:
                shown = sorted(allowed, key=str)
                listed = ", ".join(repr(a) for a in shown[:MAX_LISTED])
                if len(shown) > MAX_LISTED:
                    listed += f" and {len(shown) - MAX_LISTED:,} more"
                self.problem(path, f"{user}: {v!r} is not a possible answer to '{q.key}' "
                             f"(possible: {listed}).")

    def check_indicator(self, ind: Indicator, path: tuple, group: str) -> None:
        user = f"indicator '{ind.key}'"
        for name, key in (("from", ind.start), ("to", ind.end), ("otherwise_to", ind.otherwise_to)):
            if not key:
                continue
            q = self.resolve(key, path + (name,), user, group)
            if q is not None and q.type != "date":
                self.problem(path + (name,), f"{user}: '{name}' must name a date question, but "
                             f"'{key}' is {q.type}.")

    # -- walking the template in document order --------------------------------------------
    def add(self, question: Question, path: tuple, group: str) -> None:
        self.claim(question.key, path, f"question '{question.key}'")
        self.check_conditions(question.show_if, path, f"show_if of question '{question.key}'",
                              group)
        self.known[question.key] = Known(question, group)

    def group(self, g: Group, path: tuple) -> None:
        self.claim(g.key, path, f"repeating group '{g.key}'")
        self.check_conditions(g.show_if, path, f"show_if of group '{g.key}'", "")
        for i, q in enumerate(g.questions):
            self.add(q, path + ("questions", i), g.key)
        for i, ind in enumerate(g.indicators):
            self.claim(ind.key, path + ("indicators", i), f"indicator '{ind.key}'")
            self.check_indicator(ind, path + ("indicators", i), g.key)

    def section(self, s: Section, path: tuple) -> None:
        self.claim(s.key, path, f"section '{s.key}'")
        self.check_conditions(s.show_if, path, f"show_if of section '{s.key}'", "")
        for i, q in enumerate(s.questions):
            self.add(q, path + ("questions", i), "")
        for i, g in enumerate(s.groups):
            self.group(g, path + ("groups", i))
        for i, ind in enumerate(s.indicators):
            self.claim(ind.key, path + ("indicators", i), f"indicator '{ind.key}'")
            self.check_indicator(ind, path + ("indicators", i), "")
        for i, sub in enumerate(s.subsections):
            self.section(sub, path + ("subsections", i))

    def run(self) -> list[Problem]:
        for i, q in enumerate(self.template.details):
            self.add(q, ("details", i), "")
        for i, s in enumerate(self.template.sections):
            self.section(s, ("sections", i))
        return self.problems
