"""The figures, as plain data: what the aggregation returns and every writer and screen reads.

Grades are counted, never averaged. Not applicable is kept beside the grades and never counted
as one. A percentage of fewer than 5 audits carries its count: "40% (n=3)".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .filters import Filters

SMALL = 5  # a percentage of fewer audits than this shows its count


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def pct_text(part: int, whole: int) -> str:
    """'40%', '40% (n=3)' below SMALL, '–' when there is nothing to divide by."""
    if whole == 0:
        return "–"
    text = f"{int(100.0 * part / whole + 0.5)}%"
    return text + (f" (n={whole})" if whole < SMALL else "")


def amount_text(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


@dataclass
class GradeFigure:
    """The grades given for one criterion (or overall) on one scale."""

    key: str  # criterion key; '' for the overall grade
    title: str
    scale: str
    labels: dict[int, str]  # every value of the scale, in order, with its label
    counts: dict[int, int] = field(default_factory=dict)
    na: int = 0
    good: int = 0
    inadequate: int = 0
    # grade -> how many of its count are a moderator's grade that replaced the auditor's
    changed: dict[int, int] = field(default_factory=dict)

    @property
    def graded(self) -> int:
        return sum(self.counts.values())

    @property
    def pct_good(self) -> float | None:
        return percent(self.good, self.graded)

    @property
    def pct_inadequate(self) -> float | None:
        return percent(self.inadequate, self.graded)

    def good_text(self) -> str:
        return pct_text(self.good, self.graded)

    def count_text(self, value: int) -> str:
        """The count of a grade, marked '*' when it holds grades a moderator changed."""
        return f"{self.counts.get(value, 0)}{'*' if self.changed.get(value) else ''}"

    def inadequate_text(self) -> str:
        return pct_text(self.inadequate, self.graded)

    def to_dict(self) -> dict:
        return {"key": self.key or "overall", "title": self.title, "scale": self.scale,
                "graded": self.graded, "not_applicable": self.na,
                "counts": [{"value": v, "label": label, "count": self.counts.get(v, 0),
                            "moderator_changed": self.changed.get(v, 0)}
                           for v, label in self.labels.items()],
                "good_or_better": self.good, "inadequate": self.inadequate,
                "pct_good_or_better": _round(self.pct_good),
                "pct_inadequate": _round(self.pct_inadequate)}


@dataclass
class ModerationChange:
    """Grades a moderator changed, counted with the moderator's grade: how many, for one
    criterion ('' overall) on one scale, from one auditor's grade to one moderator's."""

    key: str
    title: str
    scale: str
    auditor_grade: int
    auditor_label: str
    moderator_grade: int
    moderator_label: str
    count: int

    def to_dict(self) -> dict:
        return {"key": self.key or "overall", "title": self.title, "scale": self.scale,
                "auditor_grade": self.auditor_grade, "moderator_grade": self.moderator_grade,
                "count": self.count}


@dataclass
class BreakdownRow:
    value: str  # the team, month ('YYYY-MM'), template key, auditor or service area
    label: str
    audits: int
    overall: list[GradeFigure] = field(default_factory=list)  # one per overall scale used
    criteria: dict[str, list[GradeFigure]] = field(default_factory=dict)


@dataclass
class Breakdown:
    by: str
    rows: list[BreakdownRow] = field(default_factory=list)

    def criteria(self) -> list[str]:
        seen: dict[str, None] = {}
        for row in self.rows:
            seen.update(dict.fromkeys(row.criteria))
        return list(seen)

    def to_dict(self) -> dict:
        return {"by": self.by, "rows": [
            {"value": r.value, "label": r.label, "audits": r.audits,
             "overall": [f.to_dict() for f in r.overall],
             "criteria": [f.to_dict() for group in r.criteria.values() for f in group]}
            for r in self.rows]}


@dataclass
class IndicatorFigure:
    key: str
    label: str
    criterion: str
    unit: str
    limit: float
    met: int = 0
    missed: int = 0
    no_data: int = 0
    still_open: int = 0  # measured to the audit date: not done yet when audited
    never: int = 0  # the end was answered "never happened" (a part of met or missed)
    median: float | None = None
    worst: float | None = None

    @property
    def measured(self) -> int:
        return self.met + self.missed

    def met_text(self) -> str:
        return pct_text(self.met, self.measured)

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "criterion": self.criterion,
                "unit": self.unit, "limit": self.limit, "met": self.met,
                "missed": self.missed, "no_data": self.no_data, "still_open": self.still_open,
                "never_happened": self.never,
                "pct_met": _round(percent(self.met, self.measured)), "median": self.median,
                "worst": self.worst}


@dataclass
class YesNoFigure:
    key: str
    prompt: str
    yes: int = 0
    no: int = 0
    na: int = 0
    partly: int = 0  # questions with `partly = true`

    @property
    def answered(self) -> int:
        return self.yes + self.partly + self.no + self.na

    def to_dict(self) -> dict:
        out = {"key": self.key, "prompt": self.prompt, "yes": self.yes, "no": self.no,
               "not_applicable": self.na, "answered": self.answered,
               "pct_yes": _round(percent(self.yes, self.answered)),
               "pct_no": _round(percent(self.no, self.answered)),
               "pct_not_applicable": _round(percent(self.na, self.answered))}
        if self.partly:
            out.update(partly=self.partly, pct_partly=_round(percent(self.partly,
                                                                     self.answered)))
        return out


@dataclass
class ActionRow:
    name: str
    open: int = 0
    overdue: int = 0  # open and past the due date (a part of `open`)
    done: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return self.open + self.done + self.other

    def to_dict(self) -> dict:
        return {"name": self.name, "open": self.open, "overdue": self.overdue,
                "done": self.done, "other": self.other, "total": self.total}


@dataclass
class ActionFigures:
    total: ActionRow = field(default_factory=lambda: ActionRow("All actions"))
    by_owner: list[ActionRow] = field(default_factory=list)
    by_team: list[ActionRow] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"total": self.total.to_dict(),
                "by_owner": [r.to_dict() for r in self.by_owner],
                "by_team": [r.to_dict() for r in self.by_team]}


@dataclass
class Summary:
    filters: Filters
    today: date
    audits: int = 0
    overall: list[GradeFigure] = field(default_factory=list)
    criteria: list[GradeFigure] = field(default_factory=list)
    indicators: list[IndicatorFigure] = field(default_factory=list)
    yes_no: list[YesNoFigure] = field(default_factory=list)
    actions: ActionFigures = field(default_factory=ActionFigures)
    breakdowns: dict[str, Breakdown] = field(default_factory=dict)
    # Issue 7: grades counted as the moderator gave them (the auditor's differed), grades
    # moderated, and safeguarding concerns raised from the audits (and not yet acknowledged).
    moderated: int = 0
    moderated_differ: int = 0
    escalations: int = 0
    escalations_open: int = 0
    moderation_changes: list[ModerationChange] = field(default_factory=list)
    # Issue 17: on a shared server the grades count every audit (report-level figures any
    # role reads) but the moderations and concerns only those the login may read; for an
    # auditor reading their team's audits that is fewer, and the lines say so ('' otherwise).
    moderation_scope: str = ""
    # Issue 15: the audit programme's completion line and sample coverage ('' without one).
    programme: str = ""

    def to_dict(self) -> dict:
        f = self.filters
        return {
            "filters": {"from": f.date_from.isoformat() if f.date_from else None,
                        "to": f.date_to.isoformat() if f.date_to else None,
                        "team": f.team, "service_area": f.service_area,
                        "template": f.template, "auditor": f.auditor, "status": f.status,
                        "described": f.describe()},
            "today": self.today.isoformat(),
            "audits": self.audits,
            "overall": [g.to_dict() for g in self.overall],
            "criteria": [g.to_dict() for g in self.criteria],
            "indicators": [i.to_dict() for i in self.indicators],
            "plo_drift": [i.to_dict() for i in self.plo],
            "yes_no": [y.to_dict() for y in self.yes_no],
            "actions": self.actions.to_dict(),
            "breakdowns": {name: b.to_dict() for name, b in self.breakdowns.items()},
            "moderation": {"grades_moderated": self.moderated,
                           "moderator_grade_used": self.moderated_differ,
                           "changes": [c.to_dict() for c in self.moderation_changes]},
            "safeguarding_concerns": {"raised": self.escalations,
                                      "unacknowledged": self.escalations_open},
            "moderation_and_concerns_counted_in": self.moderation_scope or "every audit",
            "programme": self.programme,
        }

    @property
    def plo(self) -> list[IndicatorFigure]:
        """Pre-proceedings drift: the indicators of sections under the plo_drift criterion."""
        return [f for f in self.indicators if f.criterion == "plo_drift"]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
