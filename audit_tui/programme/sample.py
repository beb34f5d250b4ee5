"""Drawing a month's sample: per team by the rules, excluding closed cases, cases audited
within `reaudit_months` and cases already sampled; random with a recorded seed, so the same
seed over the same cases draws the same sample."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..db.models import Audit, new_id
from ..db.programme_models import ProgrammeAllocation, ProgrammeCase, ProgrammeSample
from ..db.reaudit import months_before
from .importer import now
from .month import due_date, first_day, last_day
from .rules import Rules

CASES = ProgrammeCase.__table__
SAMPLES = ProgrammeSample.__table__
ALLOCATIONS = ProgrammeAllocation.__table__
AUDITS = Audit.__table__


class SampleError(Exception):
    """The sample cannot be drawn (one sentence)."""


@dataclass
class TeamDraw:
    team: str
    wanted: int
    eligible: int
    drawn: list[str] = field(default_factory=list)  # case references


@dataclass
class SampleResult:
    sample_id: str
    month: str
    seed: int
    teams: list[TeamDraw] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    case_id: str
    reference: str
    list_name: str
    team: str
    details: dict


def _key(reference: str) -> str:
    return reference.strip().casefold()


def _list_rank(list_name: str) -> tuple:
    return (0, int(list_name)) if list_name.isdigit() else (1, list_name)


def existing_sample(conn, month: str):
    return conn.execute(sa.select(SAMPLES).where(SAMPLES.c.month == month)).first()


def _remove(conn, month: str) -> None:
    started = conn.execute(sa.select(sa.func.count()).select_from(ALLOCATIONS).where(
        ALLOCATIONS.c.month == month, ALLOCATIONS.c.audit_id.is_not(None))).scalar()
    if started:
        raise SampleError(f"{started} audit(s) of {month}'s sample have started, so it cannot be "
                          "drawn again.")
    conn.execute(ALLOCATIONS.delete().where(ALLOCATIONS.c.month == month))
    conn.execute(SAMPLES.delete().where(SAMPLES.c.month == month))


def _excluded_references(conn, month: str, months: int) -> tuple[set[str], set[str]]:
    """(audited within `months` before the month ends, sampled in that time)."""
    if months <= 0:
        return set(), set()
    since = months_before(first_day(month), months)
    audited = {_key(r) for (r,) in conn.execute(sa.select(AUDITS.c.case_reference).where(
        AUDITS.c.audit_date >= since, AUDITS.c.audit_date <= last_day(month)))}
    sampled = {_key(r) for (r,) in conn.execute(sa.select(ALLOCATIONS.c.case_reference).where(
        ALLOCATIONS.c.month >= f"{since:%Y-%m}", ALLOCATIONS.c.status != "withdrawn"))}
    return audited, sampled


def candidates(conn, month: str, rules: Rules, excluded: dict[str, int]) -> list[Candidate]:
    """The open cases that may be drawn, one per child (the highest list it is on)."""
    audited, sampled = _excluded_references(conn, month, rules.reaudit_months)
    best: dict[str, Candidate] = {}
    for row in conn.execute(sa.select(CASES.c.id, CASES.c.case_reference, CASES.c.list_name,
                                      CASES.c.team, CASES.c.status, CASES.c.details)):
        key = _key(row.case_reference)
        reason = ("closed" if row.status != "open"
                  else "no template for its list" if not rules.template_for(row.list_name)
                  else "audited within reaudit_months" if key in audited
                  else "already sampled" if key in sampled else "")
        if reason:
            excluded[reason] = excluded.get(reason, 0) + 1
            continue
        found = Candidate(row.id, row.case_reference, row.list_name, row.team,
                          json.loads(row.details or "{}"))
        held = best.get(key)
        if held is None or _list_rank(found.list_name) > _list_rank(held.list_name):
            best[key] = found
    return sorted(best.values(), key=lambda c: (c.team, c.reference, c.list_name))


def draw(conn, month: str, rules: Rules, *, seed: int, who: str, redraw: bool = False,
         theme: str = "") -> SampleResult:
    """Draw and store the month's sample in the caller's transaction; `theme` (a name under
    [programme.themes]) applies to every team instead of its own."""
    if theme and theme not in rules.themes:
        raise SampleError(f"There is no theme '{theme}' under [programme.themes] in the "
                          "settings.")
    earlier = existing_sample(conn, month)
    if earlier is not None and not redraw:
        raise SampleError(f"{month}'s sample was drawn on {earlier.drawn_at:%d/%m/%Y} with seed "
                          f"{earlier.seed}; add --redraw to draw it again.")
    if earlier is not None:
        _remove(conn, month)
    result = SampleResult(sample_id=new_id(), month=month, seed=seed)
    pool = candidates(conn, month, rules, result.excluded)
    by_team: dict[str, list[Candidate]] = {}
    for candidate in pool:
        by_team.setdefault(candidate.team, []).append(candidate)
    open_children: dict[str, int] = {}
    for (team, count) in conn.execute(
            sa.select(CASES.c.team, sa.func.count(sa.distinct(CASES.c.case_reference)))
            .where(CASES.c.status == "open").group_by(CASES.c.team)):
        open_children[team] = count
    at, due = now(), due_date(month, rules.due_day)
    inserts = []
    for team in sorted(set(by_team) | set(open_children)):
        rule = rules.team_rule(team)
        if rule is None:
            continue
        chosen = rules.themes.get(theme or rule.theme)
        eligible = [c for c in by_team.get(team, [])
                    if chosen is None or chosen.admits(c.list_name, c.details)]
        wanted = rule.wanted(open_children.get(team, 0))
        picked = random.Random(f"{seed}/{team}").sample(eligible, min(wanted, len(eligible)))
        result.teams.append(TeamDraw(team, wanted, len(eligible), [c.reference for c in picked]))
        for c in picked:
            inserts.append({"id": new_id(), "sample_id": result.sample_id, "case_id": c.case_id,
                            "month": month, "position": len(inserts),
                            "case_reference": c.reference, "team": c.team,
                            "template_key": rules.template_for(c.list_name), "auditor": "",
                            "due_date": due, "extension_reason": "", "status": "unallocated",
                            "updated_at": at})
    snapshot = json.dumps({**json.loads(rules.snapshot()), "theme": theme}, sort_keys=True)
    conn.execute(SAMPLES.insert().values(id=result.sample_id, month=month, seed=seed,
                                         rules=snapshot, drawn_by=who, drawn_at=at))
    if inserts:
        conn.execute(ALLOCATIONS.insert(), inserts)
    return result
