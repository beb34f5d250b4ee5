"""Synthetic audits for `audit-tui demo`: invented children, staff and teams, answers that fit
each bundled template's questions, grades with a realistic spread, drafts and actions.

Nothing here touches the database: `DemoMaker.audit()` returns the rows of one audit (and its
facts, worked out by db.facts exactly as for a real one); demo_cli.py inserts them in bulk.
Every case reference is DEMO-nnnnnn, every name is made up.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..db.facts import AuditFacts, db_datetime, facts_for_state
from ..templates.logic import AuditState, SectionMark, Slot
from ..templates.model import Question, Scale, Template

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


class IdMaker:
    """UUID-shaped ids that increase through a run (so indexes are appended to, not split),
    led by the time the run started, so two runs never clash."""

    def __init__(self, rng: random.Random) -> None:
        stamp = int(time.time() * 1000) & 0xFFFFFFFFFFFF
        self.head = f"{stamp:012x}"
        self.head = f"{self.head[:8]}-{self.head[8:]}-7{rng.getrandbits(12):03x}-"
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        tail = f"{self.count:015x}"
        return f"{self.head}8{tail[:3]}-{tail[3:]}"


@dataclass
class DemoAudit:
    audit: tuple
    answers: list[tuple] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    sections: list[tuple] = field(default_factory=list)
    actions: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    facts: AuditFacts | None = None


class _State(AuditState):
    """An AuditState that, once `frozen` (every answer given), remembers which sections and
    groups show: the facts and the progress then walk the template without re-testing."""

    frozen = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self._memo: dict = {}

    def _remember(self, name: str, key, compute):
        if not self.frozen:
            return compute()
        found = self._memo.get((name, key))
        if found is None:
            found = self._memo[(name, key)] = compute()
        return found

    def section_visible(self, section) -> bool:
        return self._remember("v", section.key, lambda: super(_State, self).section_visible(
            section))

    def section_applies(self, section) -> bool:
        return self._remember("a", section.key, lambda: super(_State, self).section_applies(
            section))

    def group_visible(self, group) -> bool:
        return self._remember("g", group.key, lambda: super(_State, self).group_visible(group))


class _Plan:
    """What the generator needs to know about one template, worked out once."""

    def __init__(self, template: Template, rng: random.Random) -> None:
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


class DemoMaker:
    def __init__(self, templates: list[Template], *, seed: int, months: int,
                 today: date | None = None) -> None:
        self.rng = rng = random.Random(seed)
        self.today = today or date.today()
        self.months = max(1, months)
        self.ids = IdMaker(rng)
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

    # -- one audit ------------------------------------------------------------------------
    def audit(self, audit_date: date, draft: bool = False) -> DemoAudit:
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
        state = _State(template=t, details={
            "case_reference": f"DEMO-{self.number:06d}", "team": team,
            "service_area": plan.service, "social_worker": worker, "auditor": auditor,
            "audit_date": audit_date})
        stamp = db_datetime(datetime.combine(audit_date, datetime.min.time())
                            + timedelta(hours=rng.randint(9, 16), minutes=rng.randint(0, 59)))
        out = DemoAudit(audit=())
        for q in t.details:
            if q.key not in state.details:
                self._answer(state, plan, q, "", level, audit_date, out, audit_id, stamp)
        for section in t.all_sections():
            if not state.section_visible(section):
                continue
            if not section.always_applies and rng.random() < 0.15:
                state.sections[section.key] = SectionMark(None, "", True, "Not relevant to "
                                                          "this child at the time of the audit.")
                out.sections.append((audit_id, section.key, section.criterion, None, "", 1,
                                     "Not relevant to this child at the time of the audit.",
                                     stamp))
                continue
            if not state.section_applies(section):
                continue
            for q in section.questions:
                self._answer(state, plan, q, "", level, audit_date, out, audit_id, stamp)
            for group in section.groups:
                if not state.group_visible(group):
                    continue
                count = max(group.min_rows, rng.choice((0, 1, 1, 2, 3)))
                count = min(count, group.max_rows or count)
                for position in range(1, count + 1):
                    row_id = self.ids()
                    state.rows.setdefault(group.key, []).append(row_id)
                    out.rows.append((row_id, audit_id, group.key, position, stamp))
                    for q in group.questions:
                        self._answer(state, plan, q, row_id, level, audit_date, out, audit_id,
                                     stamp)
            if section.graded:
                grade = self._grade(t.scale_for(section.scale), level + rng.gauss(0, 0.13))
                state.sections[section.key] = SectionMark(grade, "Synthetic rationale.")
                out.sections.append((audit_id, section.key, section.criterion, grade,
                                     "Synthetic rationale: see the evidence notes.", 0, "",
                                     stamp))
        overall = None if draft else self._grade(t.scale_for(t.overall.scale), level)
        state.overall_grade = overall
        state.frozen = True
        done, total = state.progress()
        if draft:
            done = max(0, done - rng.randint(1, max(1, total // 3)))
        status = "draft" if draft else "submitted"
        case = state.details["case_reference"]
        out.audit = (audit_id, t.key, t.version, t.text_hash, case, team, plan.service, worker,
                     auditor, audit_date.isoformat(), status, overall,
                     "" if draft else "Synthetic overall rationale.", done, total, "", 1,
                     stamp, stamp, None if draft else stamp)
        out.events.append((self.ids(), audit_id, stamp, auditor, "audit created", None,
                           f"{t.key} v{t.version} (demo data, {status})"))
        actions = self._actions(audit_id, audit_date, level, team, worker, stamp, out)
        if not draft:
            out.facts = facts_for_state(
                audit_id=audit_id, template=t, state=state, team=team,
                service_area=plan.service, auditor=auditor, audit_date=audit_date,
                actions=actions, recorded_at=datetime.now())
        return out

    def _grade(self, scale: Scale, level: float) -> int:
        values = scale.value_keys()
        index = int(min(max(level, 0.0), 0.999) * len(values))
        return values[index]

    def _answer(self, state: AuditState, plan: _Plan, q: Question, row: str, level: float,
                audit_date: date, out: DemoAudit, audit_id: str, stamp: str) -> None:
        rng = self.rng
        if q.show_if and not state.all_hold(q.show_if, row):
            return  # (its section applies and its group shows: the caller has checked)
        value, na = self._value(state, plan, q, row, level, audit_date)
        if value is None and not na:
            return
        state.slots[(q.key, row)] = Slot(value, na)
        grade = choice = choices = text = when = number = None
        if na:
            pass
        elif q.type == "grade":
            grade = value
        elif q.type in ("yes_no", "choice"):
            choice = value
        elif q.type == "multi_choice":
            choices = '["' + '", "'.join(value) + '"]'
        elif q.type == "date":
            when = value.isoformat()
        elif q.type == "number":
            number = float(value)
        else:
            text = value
        evidence = rng.choice(PHRASES) if rng.random() < 0.15 else ""
        out.answers.append((self.ids(), audit_id, q.key, row, grade, choice, choices, text,
                            when, number, int(na), evidence, stamp, state.details["auditor"]))

    def _value(self, state, plan: _Plan, q: Question, row: str, level: float,
               audit_date: date):
        rng = self.rng
        kind = q.type
        if not q.required and kind != "date" and rng.random() < 0.12:
            return None, False
        if kind == "yes_no":
            if q.allow_na and rng.random() < 0.04:
                return "na", False
            return ("yes" if rng.random() < 0.95 - 0.55 * level else "no"), False
        if kind == "grade":
            if q.allow_na and rng.random() < 0.03:
                return None, True
            return self._grade(state.template.scale_for(q.scale), level + rng.gauss(0, 0.15)), \
                False
        if kind == "choice":
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
        if not q.required and rng.random() < 0.1:
            return None
        return audit_date - timedelta(days=rng.randint(20, 300))

    def _actions(self, audit_id: str, audit_date: date, level: float, team: str, worker: str,
                 stamp: str, out: DemoAudit) -> list[tuple[str, str, str]]:
        rng = self.rng
        made = []
        for _ in range(min(4, int(rng.random() * (1 + 4 * level)))):
            due = audit_date + timedelta(days=rng.randint(14, 75))
            owner = rng.choice([worker, worker, f"Manager, {team}"])
            done = due < self.today and rng.random() < 0.8
            finished = due - timedelta(days=rng.randint(0, 10)) if done else None
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
