"""An audit read once all its answers are in: a template whose lists are made once, and an
AuditState that remembers what shows.

Working out the facts and the progress of thousands of audits (the demo, a bundle's import)
asks each audit the same questions many times: which sections apply, which groups and questions
show, what each section holds. A `FrozenState`, once `frozen` is set, answers each of them once
and remembers; its answers, its rows and its "does not apply" marks must not change after that
(grades may: nothing it remembers depends on them). On a `KeptTemplate` its look-up tables are
the template's, made once, not once an audit. tests/test_state_batch.py checks that it gives
what a plain AuditState gives.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .logic import AuditState
from .model import Template


@dataclass(frozen=True, eq=False)
class KeptTemplate(Template):
    """The same template, whose lists of sections, questions, groups and indicators (and the
    look-ups by key an AuditState uses) are made once, not at every call."""

    @classmethod
    def of(cls, template: Template) -> "KeptTemplate":
        if isinstance(template, KeptTemplate):
            return template
        kept = cls(**{f.name: getattr(template, f.name) for f in fields(Template)})
        for name in ("all_sections", "questions", "groups", "indicators"):
            object.__setattr__(kept, f"_{name}", getattr(Template, name)(kept))
        object.__setattr__(kept, "lookups", (
            {q.key: q for q in kept._questions}, {s.key: s for s in kept._all_sections},
            {g.key: g for g in kept._groups}))
        return kept

    def all_sections(self) -> list:
        return self._all_sections

    def questions(self) -> list:
        return self._questions

    def groups(self) -> list:
        return self._groups

    def indicators(self) -> list:
        return self._indicators


@dataclass(eq=False)
class FrozenState(AuditState):
    """An AuditState that, once `frozen`, remembers which sections apply, which groups and
    questions show, and each section's items."""

    frozen = False  # (not a field)

    def __post_init__(self) -> None:
        if isinstance(self.template, KeptTemplate):
            self._questions, self._sections, self._groups = self.template.lookups
        else:
            AuditState.__post_init__(self)
        self._memo: dict = {}

    # Each look-up below is written out (not through a shared helper taking a function): they
    # are called hundreds of times an audit, and the demo makes 100,000 audits.
    def section_visible(self, section) -> bool:
        if not self.frozen:
            return AuditState.section_visible(self, section)
        key = ("v", section.key)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = AuditState.section_visible(self, section)
        return found

    def section_applies(self, section) -> bool:
        if not self.frozen:
            return AuditState.section_applies(self, section)
        key = ("a", section.key)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = AuditState.section_applies(self, section)
        return found

    def group_visible(self, group) -> bool:
        if not self.frozen:
            return AuditState.group_visible(self, group)
        key = ("g", group.key)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = AuditState.group_visible(self, group)
        return found

    def question_visible(self, q, row_id: str = "") -> bool:
        if not self.frozen:
            return AuditState.question_visible(self, q, row_id)
        key = ("q", q.key, row_id)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = AuditState.question_visible(self, q, row_id)
        return found

    def all_hold(self, conditions, row_id: str = "") -> bool:
        return not conditions or AuditState.all_hold(self, conditions, row_id)

    def items(self, section):
        if not self.frozen:
            return AuditState.items(self, section)
        key = ("i", section.key)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = AuditState.items(self, section)
        return found
