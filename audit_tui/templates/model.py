"""The audit template, as the rest of the tool sees it once a TOML file has been validated.

Everything here is plain, immutable data: the loader builds it, the walk, the reports and the
store read it. Nothing here touches the disk or the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

# The question types a template may use, with the words a QA lead writes in `type = "..."`.
QUESTION_TYPES: dict[str, str] = {
    "grade": "a grade on the section's scale",
    "yes_no": "yes, no or not applicable",
    "choice": "one of a list of choices",
    "multi_choice": "any number of a list of choices",
    "date": "a date",
    "number": "a number",
    "text": "a short line of text",
    "long_text": "a longer piece of text",
    "age": "a date of birth or an age in whole years",
}

# What "never happened" on an indicator's end date means (`never = "..."`).
NEVER_RESULTS = ("not_met", "met")
# Indicator window rules (`window = "..."`).
WINDOW_RULES = ("none", "start")
# The words a yes_no answer shows unless the template relabels them (`labels = {...}`).
YES_NO_LABELS: dict[str, str] = {"yes": "Yes", "partly": "Partly", "no": "No",
                                 "na": "Not applicable"}

# Units an indicator can count in.
INDICATOR_UNITS: dict[str, str] = {
    "working_days": "working days",
    "calendar_days": "days",
    "weeks": "weeks",
    "months": "months",
}

# The criteria every template may use without declaring them; a template adds its own under
# [criteria]. Reports add sections up across templates by these keys.
BUILTIN_CRITERIA: dict[str, str] = {
    "assessment_quality": "Assessment quality",
    "plan_timeliness": "Plans: quality and timeliness",
    "plo_drift": "Pre-proceedings (PLO) and drift",
    "management_oversight": "Management oversight and supervision",
    "childs_voice": "The child's voice and lived experience",
    "multi_agency": "Multi-agency working and strategy discussions",
    "workforce_stability": "Workforce stability",
    "exploitation_missing": "Exploitation and missing episodes",
    "health": "Health",
    "education": "Education",
    "placement_stability": "Placement stability and permanence",
    "care_leavers": "Leaving care and pathway planning",
    "front_door": "Contacts, referrals and thresholds",
    "identity_life_story": "Identity and life-story work",
    "case_recording": "Case recording and chronology",
    "overall": "Overall",
}

# Case details every audit has. A template adds its own under [[details]].
STANDARD_DETAILS: tuple[tuple[str, str, str], ...] = (
    ("case_reference", "Case reference", "text"),
    ("team", "Team", "text"),
    ("service_area", "Service area", "text"),
    ("social_worker", "Social worker", "text"),
    ("auditor", "Auditor", "text"),
    ("audit_date", "Audit date", "date"),
)
STANDARD_DETAIL_KEYS = frozenset(key for key, _, _ in STANDARD_DETAILS)
# A further overall judgement is kept as a graded section whose key is this prefix + its key.
JUDGEMENT_PREFIX = "@"
# Standard details a template may hide (`[case_details.NAME] hidden = true`).
HIDEABLE_DETAILS = frozenset({"team", "service_area", "social_worker", "auditor"})
# Standard details required unless a template says otherwise.
REQUIRED_DETAILS = frozenset({"case_reference", "team", "audit_date"})


@dataclass(frozen=True)
class DetailRule:
    """How one template shows a standard case detail."""

    label: str
    hidden: bool = False
    required: bool = False


@dataclass(frozen=True)
class ScaleValue:
    value: int
    label: str
    descriptor: str = ""


@dataclass(frozen=True)
class Scale:
    key: str
    title: str
    values: tuple[ScaleValue, ...]
    good_or_better: frozenset[int]
    inadequate: frozenset[int]

    def label(self, value: int | None) -> str:
        for item in self.values:
            if item.value == value:
                return item.label
        return ""

    def value_keys(self) -> list[int]:
        return [item.value for item in self.values]


OFSTED_SCALE = Scale(
    key="ofsted",
    title="Ofsted four-point scale",
    values=(
        ScaleValue(1, "Outstanding", "Practice is consistently strong and makes a real, measurable "
                   "difference to the child; it could be shared as an example for others."),
        ScaleValue(2, "Good", "Practice is timely and purposeful; the child's needs and risks are "
                   "understood and their circumstances are improving."),
        ScaleValue(3, "Requires improvement to be good", "No widespread or serious failure leaves "
                   "the child at risk, but practice is not yet good: gaps, delay or drift."),
        ScaleValue(4, "Inadequate", "Serious or widespread failures leave the child harmed or at "
                   "risk of harm, or their welfare is not safeguarded."),
    ),
    good_or_better=frozenset({1, 2}),
    inadequate=frozenset({4}),
)
BUILTIN_SCALES: dict[str, Scale] = {"ofsted": OFSTED_SCALE}


@dataclass(frozen=True)
class Condition:
    """Show something only when an earlier answer fits. Exactly one test is set."""

    question: str
    equals: object = None
    not_equals: object = None
    among: tuple = ()  # written `in = [...]` in TOML
    not_among: tuple = ()  # written `not_in = [...]`
    answered: bool | None = None
    at_least: float | None = None
    at_most: float | None = None


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    type: str
    guidance: str = ""
    source: str = ""
    required: bool = True
    tags: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    scale: str = ""  # grade questions: the scale key (resolved to the template's default)
    descriptors: dict[int, str] = field(default_factory=dict)
    allow_na: bool = False
    allow_future: bool = False
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = True
    show_if: tuple[Condition, ...] = ()
    group: str = ""  # the repeating group it belongs to, if any
    section: str = ""  # the key of the (sub-)section it sits in; "" for case details
    parts: tuple[str, ...] = ()  # sub-prompts sharing this question's one answer
    partly: bool = False  # yes_no: "partly" is an answer too
    labels: dict[str, str] = field(default_factory=dict)  # yes_no: words for yes/partly/no/na
    evidence_required: bool = False
    evidence_prompt: str = ""
    allow_never: bool = False  # date: "never happened" is an answer (stored as "never")
    never_label: str = "Never happened"
    prefill: str = ""  # a case detail: the case-list column it is pre-filled from

    def yes_no_values(self) -> tuple[str, ...]:
        """The yes_no values this question offers, in order (not applicable last)."""
        values = ("yes", "partly", "no") if self.partly else ("yes", "no")
        return values + (("na",) if self.allow_na else ())

    def yes_no_label(self, value: str) -> str:
        return self.labels.get(value) or YES_NO_LABELS.get(value, value)

    def choice_label(self, value: str) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return value


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    start: str  # written `from`
    end: str  # written `to`; a date question or "audit_date"
    unit: str
    limit: float
    otherwise_to: str = ""  # when `to` is unanswered, count to this instead (often "audit_date")
    source: str = ""
    group: str = ""
    section: str = ""
    window: str = "none"  # "start": a start before the look-back period is outside the period
    never: str = "not_met"  # what "never happened" on `to` means


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    row_label: str
    guidance: str = ""
    min_rows: int = 0
    max_rows: int | None = None
    questions: tuple[Question, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    show_if: tuple[Condition, ...] = ()
    section: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    criterion: str
    guidance: str = ""
    graded: bool = False
    scale: str = ""
    descriptors: dict[int, str] = field(default_factory=dict)
    always_applies: bool = True
    optional: bool = False  # may be left blank with no dialog; nothing in it is required
    judgement: bool = False  # a further overall judgement ([[judgements]]): a grade only
    show_if: tuple[Condition, ...] = ()
    questions: tuple[Question, ...] = ()
    groups: tuple[Group, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    subsections: tuple["Section", ...] = ()
    parent: str = ""
    depth: int = 0

    def walk(self) -> Iterator["Section"]:
        """This section, then its sub-sections, depth first, in document order."""
        yield self
        for sub in self.subsections:
            yield from sub.walk()


@dataclass(frozen=True)
class Overall:
    """The overall judgement, `[overall]`."""

    guidance: str = ""
    scale: str = ""
    descriptors: dict[int, str] = field(default_factory=dict)
    required: bool = True
    graded: bool = True  # false: the template has no overall judgement


@dataclass(frozen=True)
class Conversation:
    """What a template asks of the conversation around an audit (`[conversation]`):
    `required` - the worker's reflection before the audit is submitted (a collaborative
    audit); `feedback_required` - feedback from the child or family; `feedback_questions` -
    the template's own questions for that feedback."""

    required: bool = False
    feedback_required: bool = False
    feedback_questions: tuple[str, ...] = ()
    guidance: str = ""


@dataclass(frozen=True)
class Template:
    key: str
    version: int
    title: str
    service: str
    description: str = ""
    scale: str = "ofsted"
    scales: dict[str, Scale] = field(default_factory=dict)
    criteria: dict[str, str] = field(default_factory=dict)
    details: tuple[Question, ...] = ()
    sections: tuple[Section, ...] = ()
    overall: Overall = field(default_factory=Overall)
    conversation: Conversation = field(default_factory=Conversation)
    guidance: str = ""  # how to audit with this tool: shown when the walk starts
    lookback_months: int | None = None
    judgement_months: int | None = None
    case_details: dict[str, DetailRule] = field(default_factory=dict)  # standard detail rules
    source_path: str = ""
    text: str = ""
    text_hash: str = ""

    # -- look-ups ---------------------------------------------------------------------------
    def all_sections(self) -> list[Section]:
        return [s for top in self.sections for s in top.walk()]

    def section(self, key: str) -> Section:
        for s in self.all_sections():
            if s.key == key:
                return s
        raise KeyError(key)

    def questions(self) -> list[Question]:
        """Every question in document order: template details first, then sections (groups'
        questions included)."""
        out = list(self.details)
        for s in self.all_sections():
            out.extend(s.questions)
            for g in s.groups:
                out.extend(g.questions)
        return out

    def question(self, key: str) -> Question:
        for q in self.questions():
            if q.key == key:
                return q
        raise KeyError(key)

    def groups(self) -> list[Group]:
        return [g for s in self.all_sections() for g in s.groups]

    def indicators(self) -> list[Indicator]:
        out: list[Indicator] = []
        for s in self.all_sections():
            out.extend(s.indicators)
            for g in s.groups:
                out.extend(g.indicators)
        return out

    def scale_for(self, key: str = "") -> Scale:
        key = key or self.scale
        return self.scales.get(key) or BUILTIN_SCALES[key]

    def criterion_title(self, key: str) -> str:
        return self.criteria.get(key) or BUILTIN_CRITERIA.get(key) or key.replace("_", " ").capitalize()

    def detail_rule(self, key: str) -> DetailRule:
        """How this template shows a standard case detail (its label, hidden, required)."""
        default = dict((k, label) for k, label, _ in STANDARD_DETAILS).get(key, key)
        return self.case_details.get(key) or DetailRule(default, False, key in REQUIRED_DETAILS)

    def judgements(self) -> list[Section]:
        """Further overall judgements ([[judgements]]): graded sections at the end whose
        keys start with JUDGEMENT_PREFIX."""
        return [s for s in self.sections if s.judgement]

    def question_count(self) -> int:
        return len([q for q in self.questions() if q.section])
