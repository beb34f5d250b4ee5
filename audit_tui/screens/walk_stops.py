"""The stops of the walk: every place the auditor can be, in order, for the answers so far.

A stop is a question (a case detail, a section question, or a question of one row of a
repeating group), a group's list of rows, a section's indicators, a section's grade, or, for a
section marked "does not apply" (or with nothing of its own to answer), the section itself.
The list is rebuilt from the AuditState after every change, so conditions apply at once.

Each stop has a key, stored as the audit's resume point:
"q:<question>:<row id>", "g:<group>", "i:<section>", "grade:<section>", "section:<section>".
"""

from __future__ import annotations

from dataclasses import dataclass

from ..templates.logic import AuditState
from ..templates.model import Group, Question, Section

DETAILS = "_details"  # the pseudo-section holding the template's own case details
DETAILS_TITLE = "Case details"


@dataclass(frozen=True)
class Stop:
    kind: str  # "question" | "group" | "indicators" | "grade" | "section"
    section: str  # the (sub-)section's key, or DETAILS
    question: Question | None = None
    row: str = ""
    group: Group | None = None

    @property
    def key(self) -> str:
        if self.kind == "question":
            return f"q:{self.question.key}:{self.row}"
        if self.kind == "group":
            return f"g:{self.group.key}"
        if self.kind == "indicators":
            return f"i:{self.section}"
        return f"{self.kind}:{self.section}"


def details_visible(state: AuditState) -> list[Question]:
    """The template's case details whose conditions hold."""
    return [q for q in state.template.details if state.all_hold(q.show_if)]


def build_stops(state: AuditState) -> list[Stop]:
    stops = [Stop("question", DETAILS, q) for q in details_visible(state)]
    for top in state.template.sections:
        _add_section(state, top, stops)
    return stops


def _add_section(state: AuditState, section: Section, stops: list[Stop]) -> None:
    if not state.section_visible(section):
        return
    if not section.always_applies and state.mark(section.key).na:
        stops.append(Stop("section", section.key))
        return
    start = len(stops)
    stops.extend(Stop("question", section.key, q) for q in section.questions
                 if state.question_visible(q))
    for group in section.groups:
        if not state.group_visible(group):
            continue
        stops.append(Stop("group", section.key, group=group))
        for row in state.rows.get(group.key, []):
            stops.extend(Stop("question", section.key, q, row) for q in group.questions
                         if state.question_visible(q, row))
    if section.indicators:
        stops.append(Stop("indicators", section.key))
    if section.graded:
        stops.append(Stop("grade", section.key))
    if len(stops) == start:
        stops.append(Stop("section", section.key))
    for sub in section.subsections:
        _add_section(state, sub, stops)


def sidebar_entries(state: AuditState) -> list[tuple[str, int, str, str, str]]:
    """The sections listed on the left (every one whose conditions hold), each as (key, depth,
    title, status, style): "done/total", the grade once given, "n/a" if it does not apply."""
    entries = []
    details = details_visible(state)
    if details:
        done = sum(state.slot(q.key).answered for q in details)
        entries.append((DETAILS, 0, DETAILS_TITLE, f"{done}/{len(details)}",
                        "green" if done == len(details) else "dim"))
    for section in state.template.all_sections():
        if not state.section_visible(section):
            continue
        if not state.section_applies(section):
            entries.append((section.key, section.depth, section.title, "n/a", "dim"))
            continue
        done, total = state.section_progress(section)
        status = f"{'✓ ' if done == total else ''}{done}/{total}"
        label = state.template.scale_for(section.scale).label(state.mark(section.key).grade)
        if section.graded and label:
            status += f" · {label}"
        entries.append((section.key, section.depth, section.title, status,
                        "green" if done == total else "dim"))
    return entries


def _ancestors(state: AuditState, key: str) -> list[str]:
    keys = []
    while key:
        keys.append(key)
        key = state.template.section(key).parent
    return keys


def first_stop_of_section(stops: list[Stop], state: AuditState, section_key: str) -> int | None:
    """The first stop in a section (or its sub-sections); else its nearest parent's."""
    if section_key == DETAILS:
        return next((i for i, s in enumerate(stops) if s.section == DETAILS), None)
    try:
        chain = _ancestors(state, section_key)
    except KeyError:
        return None
    for key in chain:
        for i, stop in enumerate(stops):
            if stop.section != DETAILS and key in _ancestors(state, stop.section):
                return i
    return None


def find_stop(stops: list[Stop], state: AuditState, where: str) -> int | None:
    """The stop for a stored resume key, a review jump ("section:<key>", a question key, a
    group key), or None."""
    if not where:
        return None
    for i, stop in enumerate(stops):
        if stop.key == where:
            return i
    kind, _, rest = where.partition(":")
    if kind == "q":
        key, _, row = rest.partition(":")
        matches = [i for i, s in enumerate(stops) if s.kind == "question" and s.question.key == key]
        if matches:
            return matches[0]
        question = state.question(key)
        section = question.section if question is not None else ""
        return first_stop_of_section(stops, state, section or DETAILS) if question else None
    if kind in ("section", "grade", "i", "g") and rest:
        if kind == "g":
            group = next((g for g in state.template.groups() if g.key == rest), None)
            return first_stop_of_section(stops, state, group.section) if group else None
        return first_stop_of_section(stops, state, rest)
    # A bare key, as the review screen's jump list gives them.
    for i, stop in enumerate(stops):
        if (stop.kind == "question" and stop.question.key == where) or (
                stop.kind == "group" and stop.group.key == where):
            return i
    return first_stop_of_section(stops, state, where) if _is_section(state, where) else None


def _is_section(state: AuditState, key: str) -> bool:
    try:
        state.template.section(key)
    except KeyError:
        return False
    return True


def first_unanswered(stops: list[Stop], state: AuditState) -> int | None:
    """The first stop holding something required and unanswered, in walk order."""
    for i, stop in enumerate(stops):
        if stop.section != DETAILS:
            break
        if stop.question.required and not state.slot(stop.question.key).answered:
            return i
    for missing in state.missing():
        if missing.key in ("", "overall") and not missing.section:
            continue  # the case reference and the overall grade belong to other screens
        if missing.key:
            where = (f"q:{missing.key}:{missing.row_id}" if state.question(missing.key)
                     else f"g:{missing.key}")
        else:
            where = f"grade:{missing.section}"
            if not any(s.key == where for s in stops):
                where = f"section:{missing.section}"
        found = find_stop(stops, state, where)
        if found is not None:
            return found
    return None


def questions_in(stops: list[Stop], stop: Stop) -> list[Stop]:
    """The question stops of the same (sub-)section and row as `stop`, for "n of m"."""
    return [s for s in stops if s.kind == "question" and s.section == stop.section
            and s.row == stop.row]
