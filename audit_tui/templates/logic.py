"""What a template means for one audit's answers: which questions show, what is missing,
how far along the audit is, and what the indicators say.

Pure functions over plain values: no database, no UI. The walk, the review screen and the
reports all use this one module, so they never disagree.

Values by question type: grade -> int; yes_no -> "yes" | "no" | "na"; choice -> str;
multi_choice -> list[str]; date -> datetime.date; number -> int | float; text -> str.
"Not applicable" on other types is kept as the `na` flag of the slot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .calendar import add_months, calendar_days_between, months_between, weeks_between, working_days_between
from .model import (
    INDICATOR_UNITS,
    STANDARD_DETAIL_KEYS,
    Condition,
    Group,
    Indicator,
    Question,
    Section,
    Template,
)


# The stored value of a date answered "never happened" (`allow_never = true`).
NEVER = "never"


def age_value(text: str | None) -> date | int | None:
    """An `age` answer as stored ("2010-05-14" or "14"): a date of birth or whole years."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def age_in_years(value: date | int | None, on: date | None) -> int | None:
    """The age an `age` answer gives on a day (a date of birth needs the day)."""
    if isinstance(value, int) or value is None:
        return value
    if on is None:
        return None
    return on.year - value.year - ((on.month, on.day) < (value.month, value.day))


@dataclass
class Slot:
    """One answer: its value, whether it was marked not applicable, and the evidence note."""

    value: Any = None
    na: bool = False
    evidence: str = ""
    prefilled: bool = False  # filled in from the case list (the audit programme), not changed

    @property
    def answered(self) -> bool:
        if self.na:
            return True
        if self.value is None:
            return False
        if isinstance(self.value, (str, list)):
            return bool(self.value)
        return True


@dataclass
class SectionMark:
    grade: int | None = None
    rationale: str = ""
    na: bool = False
    na_reason: str = ""


@dataclass
class AuditState:
    """Everything about one audit that the template's rules look at."""

    template: Template
    details: dict[str, Any] = field(default_factory=dict)  # the standard case details
    slots: dict[tuple[str, str], Slot] = field(default_factory=dict)  # (key, row_id) -> Slot
    rows: dict[str, list[str]] = field(default_factory=dict)  # group key -> row ids in order
    sections: dict[str, SectionMark] = field(default_factory=dict)
    overall_grade: int | None = None
    overall_rationale: str = ""
    conversation: bool = False  # the worker's reflection is recorded
    feedback: bool = False  # some feedback from the child or family is recorded

    def __post_init__(self) -> None:
        self._questions = {q.key: q for q in self.template.questions()}
        self._sections = {s.key: s for s in self.template.all_sections()}
        self._groups = {g.key: g for g in self.template.groups()}

    # -- raw look-ups ----------------------------------------------------------------------
    def question(self, key: str) -> Question | None:
        return self._questions.get(key)

    def slot(self, key: str, row_id: str = "") -> Slot:
        return self.slots.get((key, row_id)) or Slot()

    def mark(self, section_key: str) -> SectionMark:
        return self.sections.get(section_key) or SectionMark()

    def section_started(self, section: Section) -> bool:
        """Whether anything in an optional section (or its sub-sections) has been answered."""
        for s in section.walk():
            mark = self.mark(s.key)
            if mark.grade is not None or mark.rationale.strip():
                return True
            if any(self.slot(q.key, row).answered or self.slot(q.key, row).evidence.strip()
                   for q, row in self.items(s)):
                return True
        return False

    def section_optional_blank(self, section: Section) -> bool:
        """An optional section (or one inside it) the auditor has left blank."""
        while True:
            if section.optional:
                return not self.section_started(section)
            if not section.parent:
                return False
            section = self._sections[section.parent]

    def period_start(self) -> date | None:
        """The first day of the look-back period, or None when the template sets none."""
        audit_date = self.details.get("audit_date")
        months = self.template.lookback_months
        if not months or not isinstance(audit_date, date):
            return None
        return add_months(audit_date, -months)

    def value(self, key: str, row_id: str = "") -> Any:
        """The answer a condition or indicator sees: None when hidden or unanswered."""
        if key in STANDARD_DETAIL_KEYS:
            return self.details.get(key)
        q = self._questions.get(key)
        if q is None:
            return None
        row = row_id if q.group else ""
        if not self.question_visible(q, row):
            return None
        slot = self.slot(key, row)
        if slot.na:
            return "na" if q.type == "yes_no" else None
        return slot.value

    # -- conditions and visibility ---------------------------------------------------------
    def holds(self, condition: Condition, row_id: str = "") -> bool:
        value = self.value(condition.question, row_id)
        q = self._questions.get(condition.question)
        if condition.answered is not None:
            answered = value is not None and value != "" and value != []
            if q is not None and not answered:
                slot = self.slot(condition.question, row_id if q.group else "")
                answered = slot.na and self.question_visible(q, row_id if q.group else "")
            return answered == condition.answered
        if value is None:
            return False
        values = value if isinstance(value, list) else [value]
        if condition.equals is not None:
            return condition.equals in values
        if condition.not_equals is not None:
            return condition.not_equals not in values
        if condition.among:
            return any(v in condition.among for v in values)
        if condition.not_among:
            return not any(v in condition.not_among for v in values)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if condition.at_least is not None:
                return value >= condition.at_least
            if condition.at_most is not None:
                return value <= condition.at_most
        return False

    def all_hold(self, conditions: tuple[Condition, ...], row_id: str = "") -> bool:
        return all(self.holds(c, row_id) for c in conditions)

    def section_visible(self, section: Section) -> bool:
        if section.parent and not self.section_visible(self._sections[section.parent]):
            return False
        return self.all_hold(section.show_if)

    def section_applies(self, section: Section) -> bool:
        """Visible and not marked "does not apply" (nor any parent)."""
        if not self.section_visible(section):
            return False
        if not section.always_applies and self.mark(section.key).na:
            return False
        if section.parent:
            return self.section_applies(self._sections[section.parent])
        return True

    def group_visible(self, group: Group) -> bool:
        return self.section_applies(self._sections[group.section]) and self.all_hold(
            group.show_if)

    def question_visible(self, q: Question, row_id: str = "") -> bool:
        if not q.section:
            return self.all_hold(q.show_if, row_id)  # a template's own case details
        if not self.section_applies(self._sections[q.section]):
            return False
        if q.group and not self.group_visible(self._groups[q.group]):
            return False
        return self.all_hold(q.show_if, row_id)

    # -- what there is to answer -----------------------------------------------------------
    def items(self, section: Section) -> list[tuple[Question, str]]:
        """The visible questions of one section (not its sub-sections), groups row by row."""
        if not self.section_applies(section):
            return []
        out = [(q, "") for q in section.questions if self.question_visible(q)]
        for g in section.groups:
            if not self.group_visible(g):
                continue
            for row in self.rows.get(g.key, []):
                out.extend((q, row) for q in g.questions if self.question_visible(q, row))
        return out

    def section_progress(self, section: Section) -> tuple[int, int]:
        """(answered, total) for a section and its sub-sections; a graded section's grade and
        rationale count as one item."""
        done = total = 0
        for s in section.walk():
            if not self.section_applies(s) or self.section_optional_blank(s):
                continue  # an optional section left blank is not part of the count
            for q, row in self.items(s):
                total += 1
                done += self.slot(q.key, row).answered
            if s.graded:
                total += 1
                mark = self.mark(s.key)
                done += mark.grade is not None and bool(mark.rationale.strip())
        return done, total

    def progress(self) -> tuple[int, int]:
        done = total = 0
        for s in self.template.sections:
            d, t = self.section_progress(s)
            done, total = done + d, total + t
        return done, total

    def missing(self) -> list[Missing]:
        """Everything that must be answered before the audit can be submitted, in order."""
        return [item for item, met in self.requirements() if not met]

    def requirement_progress(self) -> tuple[int, int]:
        """(met, total) of what submitting requires: total - met is len(missing()), so the
        review's "N of M done; K missing" always adds up."""
        met = total = 0
        for _, done in self.requirements():
            met, total = met + done, total + 1
        return met, total

    def requirements(self):
        """Each thing submitting requires, with whether it is met, in order."""
        for key in ("case_reference",):
            yield (Missing("", key, "", "The case reference is missing."),
                   bool(str(self.details.get(key) or "").strip()))
        for q in self.template.details:
            if q.required and self.question_visible(q):
                yield (Missing("", q.key, "", f"Case details: {q.prompt}"),
                       self.slot(q.key).answered)
        for s in self.template.all_sections():
            if not self.section_visible(s):
                continue
            if not s.always_applies and self.mark(s.key).na:
                yield (Missing(s.key, "", "", f"{s.title}: say why the section does not "
                                              "apply."), bool(self.mark(s.key).na_reason.strip()))
                continue
            if not self.section_applies(s) or self.section_optional_blank(s):
                continue
            for q, row in self.items(s):
                slot = self.slot(q.key, row)
                where = f" ({self.row_label(q.group, row)})" if row else ""
                if q.required:
                    yield (Missing(s.key, q.key, row, f"{s.title}: {q.prompt}{where}"),
                           slot.answered)
                if q.evidence_required and slot.answered and not slot.na:
                    yield (Missing(s.key, q.key, row, f"{s.title}: the evidence note for "
                                                      f"{q.prompt}{where}"),
                           bool(slot.evidence.strip()))
            for g in s.groups:
                count = len(self.rows.get(g.key, []))
                if self.group_visible(g) and g.min_rows:
                    yield (Missing(s.key, g.key, "", f"{s.title}: {g.title} needs at least "
                                                     f"{g.min_rows} row(s); it has {count}."),
                           count >= g.min_rows)
            if s.graded:
                mark = self.mark(s.key)
                yield Missing(s.key, "", "", f"{s.title}: the section grade."), (
                    mark.grade is not None)
                yield (Missing(s.key, "", "", f"{s.title}: the rationale for the section "
                                              "grade."), bool(mark.rationale.strip()))
        overall = self.template.overall
        if overall.required:
            yield Missing("", "overall", "", "The overall grade."), self.overall_grade is not None
        if overall.required or self.overall_grade is not None:
            yield (Missing("", "overall", "", "The rationale for the overall grade."),
                   bool(self.overall_rationale.strip()))
        if self.template.conversation.required:
            yield (Missing("", "conversation", "", "The conversation with the worker: their "
                                                   "reflection."), self.conversation)
        if self.template.conversation.feedback_required:
            yield (Missing("", "feedback", "", "Feedback from the child or family."),
                   self.feedback)

    def row_label(self, group_key: str, row_id: str) -> str:
        group = self._groups.get(group_key)
        rows = self.rows.get(group_key, [])
        number = rows.index(row_id) + 1 if row_id in rows else 0
        return f"{group.row_label if group else 'Row'} {number}"

    # -- indicators ------------------------------------------------------------------------
    def indicator(self, ind: Indicator, row_id: str = "") -> IndicatorResult:
        start = self.value(ind.start, row_id)
        end = self.value(ind.end, row_id)
        period = self.period_start() if ind.window == "start" else None
        if period is not None and isinstance(start, date) and start < period:
            return IndicatorResult(ind, row_id, None, None, "outside the period: started "
                                   f"before {period:%d/%m/%Y}", outside=True)
        if NEVER in (start, end):  # the start or the end never happened: a result of its own
            met = ind.never == "met"
            return IndicatorResult(ind, row_id, None, met, "never happened: "
                                   + ("counted as met" if met else "not met"), never=True)
        open_ended = False
        if not isinstance(end, date) and ind.otherwise_to:
            end = self.value(ind.otherwise_to, row_id)
            open_ended = isinstance(end, date)
        if not isinstance(start, date) or not isinstance(end, date):
            missing = ind.start if not isinstance(start, date) else ind.end
            q = self._questions.get(missing)
            name = q.prompt if q else missing.replace("_", " ")
            return IndicatorResult(ind, row_id, None, None, f"no data yet: {name} not answered")
        amount = measure(ind.unit, start, end)
        met = amount <= ind.limit
        unit = INDICATOR_UNITS[ind.unit]
        if amount == 1:
            unit = _SINGULAR[ind.unit].replace("-", " ")
        shown = f"{amount:g}" if ind.unit in ("working_days", "calendar_days") else f"{amount:.1f}"
        limit = f"{ind.limit:g}-{_SINGULAR[ind.unit]}"
        status = "within" if met else "over"
        still = " (still open at the audit date)" if open_ended else ""
        return IndicatorResult(ind, row_id, amount, met,
                               f"{shown} {unit}{still}: {status} the {limit} limit", open_ended)

    def indicator_results(self, ind: Indicator) -> list[IndicatorResult]:
        """One result, or one per row for a group's indicator (hidden parts give none)."""
        section = self._sections[ind.section]
        if not self.section_applies(section):
            return []
        if not ind.group:
            return [self.indicator(ind)]
        group = self._groups[ind.group]
        if not self.group_visible(group):
            return []
        return [self.indicator(ind, row) for row in self.rows.get(ind.group, [])]

    def indicator_summary(self, ind: Indicator) -> str:
        results = self.indicator_results(ind)
        if not ind.group:
            return results[0].verdict if results else "does not apply"
        group = self._groups[ind.group]
        judged = [r for r in results if r.met is not None]
        outside = sum(1 for r in results if r.outside)
        met = sum(1 for r in judged if r.met)
        noun = group.row_label.lower() + ("s" if len(judged) != 1 else "")
        text = f"{met} of {len(judged)} {noun}: {ind.label[0].lower()}{ind.label[1:]}"
        waiting = len(results) - len(judged) - outside
        text += f" ({waiting} without the dates yet)" if waiting else ""
        return text + (f" ({outside} outside the period)" if outside else "")


@dataclass(frozen=True)
class Missing:
    section: str
    key: str
    row_id: str
    text: str


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    row_id: str
    amount: float | None
    met: bool | None
    verdict: str
    open_ended: bool = False
    outside: bool = False  # the start falls before the look-back period: not counted
    never: bool = False  # the end date was answered "never happened"


_SINGULAR = {"working_days": "working-day", "calendar_days": "day", "weeks": "week",
             "months": "month"}


def measure(unit: str, start: date, end: date) -> float:
    if unit == "working_days":
        return working_days_between(start, end)
    if unit == "calendar_days":
        return calendar_days_between(start, end)
    if unit == "weeks":
        return round(weeks_between(start, end), 2)
    return round(months_between(start, end), 2)
