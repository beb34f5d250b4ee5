"""Synthetic audits for `audit-tui demo`: invented children, staff and teams, answers that fit
each bundled template's questions, grades with a realistic spread, drafts and actions.

Nothing here touches the database: `DemoMaker.audit()` adds the rows of one audit (and of its
facts, worked out by db.facts exactly as for a real one) to a `Batch`; demo_cli.py inserts
them in bulk. Every case reference is DEMO-nnnnnn, every name is made up.

The audits answer what real ones do, not every question: a section that may not apply
(`always_applies = false`) is marked "does not apply" about half the time, questions hidden by
a condition get no answer (most audits are regular ones, so a theme is rarely asked for), an
optional question (`required = false`) is left blank about half the time and a repeating
group has no row as often as not. About 25 answers an audit, as in the figures of issue 4
(2.5 million answers for 100,000 audits).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..db.facts import AuditFacts, db_datetime, facts_for_state
from ..templates.frozen import FrozenState, KeptTemplate
from ..templates.logic import SectionMark, Slot
from ..templates.model import Question, Template

# template key -> (service area, teams); other templates get a team named after their service
SERVICES: dict[str, tuple[str, list[str]]] = {
    "help_and_protection": ("Help and protection", [
        "Assessment Team North", "Assessment Team South", "Child Protection Team 1",
        "Child Protection Team 2", "Child in Need Team"]),
    "pre_proceedings": ("Help and protection", [
        "Child Protection Team 1", "Child Protection Team 2", "Court and PLO Team"]),
    "children_in_care": ("Children in care", [
        "Children in Care East", "Children in Care West", "Permanence Team"]),
    "care_leavers": ("Care leavers", ["Leaving Care Team", "Young People's Team"]),
    "front_door": ("Front door", ["MASH", "Early Help Hub"]),
}
WEIGHTS = {"help_and_protection": 35, "children_in_care": 25, "front_door": 18,
           "pre_proceedings": 10, "care_leavers": 12}
FIRST = ["Alex", "Bea", "Chris", "Dana", "Eli", "Fran", "Gus", "Hana", "Ivo", "Jo", "Kit", "Lou",
         "Mo", "Nia", "Oli", "Pat", "Quin", "Rae", "Sol", "Tam", "Uma", "Vic", "Wyn", "Zed"]
LAST = ["Ashdown", "Brambley", "Cotterell", "Dunmore", "Elstow", "Fenwick", "Garside",
        "Holloway", "Inchley", "Jessop", "Kettering", "Lowther", "Marlow", "Norbury", "Oakes",
        "Pemberton", "Quarrie", "Rudd", "Stainton", "Thorley", "Upton", "Verney", "Whitlock"]
PHRASES = ["Seen in the case notes and the latest visit record.",
           "Discussed with the social worker in the audit conversation.",
           "The chronology is up to date to last month.",
           "Recorded in supervision notes; reasons for decisions are clear.",
           "Partly evident: the plan lists actions without timescales."]
ACTIONS = ["Update the chronology", "Hold a management review of the plan",
           "See the child alone and record their views", "Convene a core group meeting",
           "Complete the outstanding assessment", "Refer for a return home interview",
           "Record the reason for the decision on file", "Arrange the overdue health assessment"]
UNIT_DAYS = {"working_days": 1.4, "calendar_days": 1.0, "weeks": 7.0, "months": 30.44}
NOT_APPLY = 0.6  # a section that may not apply is marked "does not apply"
BLANK = 0.6  # an optional question is left blank
GROUP_ROWS = (0, 0, 0, 1, 1, 2)  # rows of a repeating group (at least its minimum)
# Answers not equally likely, by template and question (weights in the order of the choices;
# any template: ""): what decides which sections and questions show
CHOICE_WEIGHTS = {
    ("", "audit_type"): (85, 10, 5),  # regular, themed, deep dive
    # assessment only, child in need, child protection, child protection and PLO
    ("help_and_protection", "legal_status"): (25, 40, 25, 10),
    # no further action, advice, early help, assessment, strategy discussion
    ("front_door", "fd_outcome"): (30, 25, 20, 17, 8),
    ("pre_proceedings", "pp_plo_outcome"): (50, 30, 20),  # still in PLO, stepped down, issued
}


class IdMaker:
    """Ids as `models.new_id` makes them (version 7 UUIDs: led by the time, then random bits),
    but quicker: the first comes from new_id and each next one is the one before plus one, so
    they increase through a run (indexes are appended to, not split) and never meet another
    run's or another laptop's."""

    def __init__(self) -> None:
        import os

        from ..db.models import new_id

        first = int(new_id().replace("-", ""), 16)
        head = f"{first >> 64:016x}"  # time, version, 12 random bits
        self.head = f"{head[:8]}-{head[8:12]}-{head[12:]}-"
        # the variant and 60 fresh random bits (a forked helper must not count from where
        # its parent counts), the top two of the 62 left clear: room to count up
        self.tail = 2 << 62 | int.from_bytes(os.urandom(8), "big") >> 4
        self._lead()

    def _lead(self) -> None:
        self.lead = f"{self.head}{self.tail >> 48:04x}-"  # changes once in 2**48 ids

    def __call__(self) -> str:
        self.tail = tail = self.tail + 1
        low = tail & 0xFFFFFFFFFFFF
        if not low:
            self._lead()
        return f"{self.lead}{low:012x}"


ANSWER_VALUES = ("grade", "choice", "choices", "text", "date_value", "number_value")


def answer_row(compact: tuple) -> tuple:
    """A Batch's answer as the answer table's 14 columns (id ... updated_by, as INSERTS)."""
    column, value = compact[4], compact[5]
    return (*compact[:4], *[value if c == column else None for c in ANSWER_VALUES],
            *compact[6:])


@dataclass
class Batch:
    """The rows of several audits, table by table, ready for executemany; `cells` holds their
    facts' counts (see db.facts.count_rows)."""

    audit: list[tuple] = field(default_factory=list)
    # (id, audit id, question key, row id, the column the value goes in (ANSWER_VALUES) or ""
    # (not applicable), the value, not applicable, evidence, updated at, updated by)
    answers: list[tuple] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    sections: list[tuple] = field(default_factory=list)
    actions: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    fact_audit: list[tuple] = field(default_factory=list)
    grades: list[tuple] = field(default_factory=list)
    indicators: list[tuple] = field(default_factory=list)
    yes_no: list[tuple] = field(default_factory=list)
    cells: dict = field(default_factory=dict)

    def add_facts(self, facts: AuditFacts) -> None:
        self.fact_audit.append(facts.audit_row)
        self.grades.extend(facts.grades)
        self.indicators.extend(facts.indicators)
        self.yes_no.extend(facts.yes_no)
        found = self.cells.get(facts.cell)
        if found is None:
            self.cells[facts.cell] = Counter(facts.counts)
        else:
            found.update(facts.counts)


class _Plan:
    """What the generator needs to know about one template, worked out once."""

    def __init__(self, template: Template, rng: random.Random) -> None:
        template = KeptTemplate.of(template)
        self.template = template
        service, teams = SERVICES.get(template.key, (template.service,
                                                     [f"{template.service} Team"]))
        self.service, self.teams = service, teams
        self.to_of = {}  # date question -> (from key, unit, limit) when it ends an indicator
        self.from_to_audit = {}  # date question -> (unit, limit) when it runs to the audit date
        for ind in template.indicators():
            if ind.end == "audit_date":
                self.from_to_audit.setdefault(ind.start, (ind.unit, ind.limit))
            else:
                self.to_of.setdefault(ind.end, (ind.start, ind.unit, ind.limit))
        self.groups_of = {s.key: s.groups for s in template.all_sections()}
        self.sections_list = template.all_sections()
        self.questions = {q.key: q for q in template.questions()}
        self.sections = {s.key: s for s in self.sections_list}
        self.groups = {g.key: g for g in template.groups()}
        self.grades = {s.key: template.scale_for(s.scale).value_keys()
                       for s in self.sections_list}  # section -> its scale's grades
        self.grades.update({q.key: template.scale_for(q.scale).value_keys()
                            for q in template.questions() if q.type == "grade"})
        self.overall_grades = template.scale_for(template.overall.scale).value_keys()


class DemoMaker:
    """Synthetic audits. The people, teams and audit dates come from `seed`; the audits of one
    month from a stream of their own (`use_stream`), so two processes can each make some of
    the months and a run with the same seed still gives the same audits."""

    def __init__(self, templates: list[Template], *, seed: int, months: int,
                 today: date | None = None) -> None:
        self.seed = seed
        self.rng = rng = random.Random(seed)
        self.today = today or date.today()
        self.months = max(1, months)
        self.ids = IdMaker()
        self.plans = [_Plan(t, rng) for t in templates]
        self.weights = [WEIGHTS.get(t.key, 10) for t in templates]
        people = [f"{f} {s}" for f in FIRST for s in LAST]
        rng.shuffle(people)
        self.team_quality: dict[str, float] = {}
        self.workers: dict[str, list[str]] = {}
        self.auditors: dict[str, list[str]] = {}
        for plan in self.plans:
            self.auditors.setdefault(plan.service, [people.pop() for _ in range(5)])
            for team in plan.teams:
                self.team_quality.setdefault(team, rng.uniform(-0.12, 0.12))
                self.workers.setdefault(team, [people.pop() for _ in range(6)])
        self.number = 0

    def use_stream(self, name: str, number: int) -> None:
        """Make the next audits from the random stream `name` (of this seed), numbering their
        case references from `number` + 1."""
        self.rng = random.Random(f"{self.seed}/{name}")
        self.number = number

    # -- one audit ------------------------------------------------------------------------
    def audit(self, audit_date: date, out: Batch, draft: bool = False) -> None:
        """Add one audit's rows (and, unless a draft, its facts) to `out`."""
        rng = self.rng
        plan = rng.choices(self.plans, self.weights)[0]
        t = plan.template
        team = rng.choice(plan.teams)
        age = (self.today - audit_date).days / (30.44 * self.months)  # 0 now .. 1 oldest
        level = min(max(rng.gauss(0.42, 0.2) + self.team_quality[team] + 0.1 * age, 0.0), 0.999)
        self.number += 1
        audit_id = self.ids()
        worker = rng.choice(self.workers[team])
        auditor = rng.choice(self.auditors[plan.service])
        state = FrozenState(template=t, details={
            "case_reference": f"DEMO-{self.number:06d}", "team": team,
            "service_area": plan.service, "social_worker": worker, "auditor": auditor,
            "audit_date": audit_date})
        stamp = db_datetime(datetime.combine(audit_date, datetime.min.time())
                            + timedelta(hours=rng.randint(9, 16), minutes=rng.randint(0, 59)))
        answers = out.answers
        common = (level, audit_date, answers, audit_id, stamp, auditor)
        for q in t.details:
            if q.key not in state.details:
                self._answer(state, plan, q, "", common)
        for section in plan.sections_list:
            if not state.section_visible(section):
                continue
            if not section.always_applies and rng.random() < NOT_APPLY:
                reason = "Not relevant to this child at the time of the audit."
                state.sections[section.key] = SectionMark(None, "", True, reason)
                out.sections.append((audit_id, section.key, section.criterion, None, "", True,
                                     reason, stamp))
                continue
            if not state.section_applies(section):
                continue
            for q in section.questions:
                self._answer(state, plan, q, "", common)
            for group in section.groups:
                if not state.group_visible(group):
                    continue
                count = max(group.min_rows, rng.choice(GROUP_ROWS))
                count = min(count, group.max_rows or count)
                for position in range(1, count + 1):
                    row_id = self.ids()
                    state.rows.setdefault(group.key, []).append(row_id)
                    out.rows.append((row_id, audit_id, group.key, position, stamp))
                    for q in group.questions:
                        self._answer(state, plan, q, row_id, common)
            if section.graded:
                grade = self._grade(plan.grades[section.key], level + rng.gauss(0, 0.13))
                state.sections[section.key] = SectionMark(grade, "Synthetic rationale.")
                out.sections.append((audit_id, section.key, section.criterion, grade,
                                     "Synthetic rationale: see the evidence notes.", False, "",
                                     stamp))
        overall = None if draft else self._grade(plan.overall_grades, level)
        state.overall_grade = overall
        state.frozen = True
        done, total = state.progress()  # what the walk shows (a draft has no overall grade)
        status = "draft" if draft else "submitted"
        case = state.details["case_reference"]
        out.audit.append((audit_id, t.key, t.version, t.text_hash, case, team, plan.service,
                          worker, auditor, audit_date.isoformat(), status, overall,
                          "" if draft else "Synthetic overall rationale.", done, total, "", 1,
                          stamp, stamp, None if draft else stamp))
        out.events.append((self.ids(), audit_id, stamp, auditor, "audit created", None,
                           f"{t.key} v{t.version} (demo data, {status})"))
        actions = self._actions(audit_id, audit_date, level, team, worker, stamp, out)
        if not draft:
            out.add_facts(facts_for_state(
                audit_id=audit_id, template=t, state=state, team=team,
                service_area=plan.service, auditor=auditor, audit_date=audit_date,
                actions=actions, recorded_at=datetime.now()))

    @staticmethod
    def _grade(values: list[int], level: float) -> int:
        """The grade of `values` (best first) that `level` (0 best .. 1 worst) falls on."""
        index = int(min(max(level, 0.0), 0.999) * len(values))
        return values[index]

    def _answer(self, state: _State, plan: _Plan, q: Question, row: str, common) -> None:
        level, audit_date, answers, audit_id, stamp, auditor = common
        rng = self.rng
        if q.show_if and not state.all_hold(q.show_if, row):
            return  # (its section applies and its group shows: the caller has checked)
        if not q.required and rng.random() < BLANK:
            return  # an optional question left blank
        value, na = self._value(state, plan, q, row, level, audit_date)
        if value is None and not na:
            return
        state.slots[(q.key, row)] = Slot(value, na)
        kind = q.type
        if na:
            column, value = "", None
        elif kind == "yes_no" or kind == "choice":
            column = "choice"
        elif kind == "grade":
            column = "grade"
        elif kind == "date":
            column, value = "date_value", value.isoformat()
        elif kind == "multi_choice":
            column, value = "choices", '["' + '", "'.join(value) + '"]'
        elif kind == "number":
            column, value = "number_value", float(value)
        else:
            column = "text"
        evidence = rng.choice(PHRASES) if rng.random() < 0.15 else ""
        answers.append((self.ids(), audit_id, q.key, row, column, value, bool(na), evidence,
                        stamp, auditor))

    def _value(self, state, plan: _Plan, q: Question, row: str, level: float,
               audit_date: date):
        rng = self.rng
        kind = q.type
        if kind == "yes_no":
            if q.allow_na and rng.random() < 0.04:
                return "na", False
            return ("yes" if rng.random() < 0.95 - 0.55 * level else "no"), False
        if kind == "grade":
            if q.allow_na and rng.random() < 0.03:
                return None, True
            return self._grade(plan.grades[q.key], level + rng.gauss(0, 0.15)), False
        if kind == "choice":
            weights = (CHOICE_WEIGHTS.get((plan.template.key, q.key))
                       or CHOICE_WEIGHTS.get(("", q.key)))
            if weights and len(weights) == len(q.choices):
                return rng.choices(q.choices, weights)[0].value, False
            return rng.choice(q.choices).value, False
        if kind == "multi_choice":
            return [c.value for c in rng.sample(q.choices, min(len(q.choices),
                                                               rng.randint(1, 2)))], False
        if kind == "number":
            low = int(q.minimum or 0)
            high = int(min(q.maximum if q.maximum is not None else 10, low + 6))
            return low + int(rng.random() ** (2.5 - 2 * level) * (high - low + 1)), False
        if kind == "date":
            return self._date(state, plan, q, row, level, audit_date), False
        return rng.choice(PHRASES), False

    def _date(self, state, plan: _Plan, q: Question, row: str, level: float,
              audit_date: date) -> date | None:
        rng = self.rng
        if q.allow_future:
            return audit_date + timedelta(days=rng.randint(1, 120))
        if "birth" in q.key:
            years = rng.uniform(16, 22) if plan.template.key == "care_leavers" else \
                rng.uniform(0.2, 17)
            return audit_date - timedelta(days=int(years * 365.25))
        factor = max(0.05, 0.35 + 1.35 * level + rng.gauss(0, 0.3))
        if q.key in plan.to_of:
            start_key, unit, limit = plan.to_of[q.key]
            start = state.value(start_key, row)
            if isinstance(start, date):
                end = start + timedelta(days=int(factor * limit * UNIT_DAYS[unit]))
                if end <= audit_date:
                    return end
                return None if not q.required else audit_date
        if q.key in plan.from_to_audit:
            unit, limit = plan.from_to_audit[q.key]
            return audit_date - timedelta(days=int(factor * limit * UNIT_DAYS[unit]))
        return audit_date - timedelta(days=rng.randint(20, 300))

    def _actions(self, audit_id: str, audit_date: date, level: float, team: str, worker: str,
                 stamp: str, out: Batch) -> list[tuple[str, str, str]]:
        rng = self.rng
        made = []
        for _ in range(min(4, int(rng.random() * (1 + 4 * level)))):
            due = audit_date + timedelta(days=rng.randint(14, 75))
            owner = rng.choice([worker, worker, f"Manager, {team}"])
            done = due < self.today and rng.random() < 0.8
            # (one in five done late: `report` and v_action's done_late show them)
            late = rng.random() < 0.2
            finished = min(self.today, due + timedelta(
                days=rng.randint(1, 30) if late else -rng.randint(0, 10))) if done else None
            status = "done" if done else "open"
            out.actions.append((self.ids(), audit_id, rng.choice(ACTIONS), owner,
                                due.isoformat(), status,
                                finished.isoformat() if finished else None, "", stamp, stamp))
            made.append((owner, status, due.isoformat()))
        return made

    # -- the dates ---------------------------------------------------------------------------
    def dates(self, count: int) -> list[date]:
        """`count` weekdays spread over the last `months` months, oldest first."""
        start = self.today - timedelta(days=int(30.44 * self.months))
        span = (self.today - start).days
        out = []
        for i in range(count):
            day = start + timedelta(days=int(span * (i + self.rng.random()) / count))
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            out.append(min(day, self.today))
        return out
