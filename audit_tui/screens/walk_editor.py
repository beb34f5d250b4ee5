"""Every change the walk makes to an audit: applied to the in-memory AuditState at once (so
conditions, progress and indicators follow immediately), then queued on the app's one ordered
writer. Each queued change also stores the progress figures and the resume point in the same
transaction, so the home screen and the next opening always agree with the answers.

Nothing here touches widgets; the screen calls these methods from the UI thread.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

from ..dates import DateInputError, format_date, parse_date, parse_number
from ..db import lifecycle, store
from ..db.engine import AFTER_COMMIT
from ..db.state import value_fields
from ..templates.logic import NEVER, AuditState, SectionMark, Slot
from ..templates.model import Group, Question, Section

NA = "na"  # what a picker gives for "not applicable"


def show_number(value: float | int) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:f}".rstrip("0").rstrip(".")
    return str(int(value))


def answer_text(question: Question, slot: Slot) -> str:
    """How a date, number or text answer is shown in its field."""
    if slot.na or slot.value is None:
        return ""
    if question.type == "date":
        return "never" if slot.value == NEVER else format_date(slot.value)
    if question.type == "age":
        return str(slot.value) if isinstance(slot.value, int) else format_date(slot.value)
    if question.type == "number":
        return show_number(slot.value)
    return str(slot.value)


def typed_age(text: str) -> date | int | None:
    """What was typed into an `age` answer: a whole number of years (0-25) or a date of
    birth; raises DateInputError with a sentence for the user."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        if int(text) > 25:
            raise DateInputError(f"{text} is not a child's age: type an age from 0 to 25, or a "
                                 "date of birth as DD/MM/YYYY.", text)
        return int(text)
    return parse_date(text, today=date.today(), allow_future=False)


def answer_times(session, audit_id: str) -> dict[tuple[str, str], Any]:
    """When each answer of the audit was last written, by (question key, row): what the walk
    saw when it loaded, so a save can tell that another copy has changed the answer since."""
    from sqlmodel import select

    from ..db.models import Answer

    rows = session.exec(select(Answer.question_key, Answer.row_id, Answer.updated_at).where(
        Answer.audit_id == audit_id))
    return {(key, row): when for key, row, when in rows}


class AuditEditor:
    def __init__(self, save: Callable[..., None], audit_id: str, who: str,
                 state: AuditState, seen: dict | None = None) -> None:
        self._save = save
        self.audit_id, self.who, self.state = audit_id, who, state
        # (question key, row) -> updated_at of the answer as this copy last saw or wrote it;
        # None when not known (then saves are not checked for changes made elsewhere)
        self.seen = seen
        self.resume_at = ""
        self._saved_resume = None

    # -- queueing ---------------------------------------------------------------------------
    def _queue(self, label: str, change: Callable[..., Any], key: str = "", *,
               with_progress: bool = False) -> None:
        """Queue `change(session)` and the audit's progress after it; `with_progress`: the
        change stores the progress itself (`change(session, progress)`, an answer's save:
        in the same statement as the audit's time, one round trip fewer on a server)."""
        done, total = self.state.progress()
        audit_id, resume = self.audit_id, self.resume_at
        self._saved_resume = resume

        def work(session):
            if with_progress:
                return change(session, (done, total, resume))
            value = change(session)
            store.set_progress(session=session, audit_id=audit_id, answered=done,
                               required=total, resume_at=resume)
            return value

        self._save(label, work, key)

    def save_position(self) -> None:
        """Store the resume point (and progress) when the auditor moves, if it changed."""
        if self.resume_at != self._saved_resume:
            self._queue("position", lambda session: None, "position")

    # -- answers ----------------------------------------------------------------------------
    def set_answer(self, question: Question, row: str, value: Any) -> bool:
        """Set a question's value: None clears it, NA marks it not applicable. False if
        nothing changed (nothing is queued then)."""
        na = value == NA
        if na:
            value = NA if question.type == "yes_no" else None
        slot_key = (question.key, row)
        old = self.state.slots.get(slot_key) or Slot()
        if (old.value, old.na) == (value, na) or (
                not na and value in (None, "", []) and not old.answered):
            return False
        self.state.slots[slot_key] = Slot(value, na, old.evidence)
        fields = value_fields(question, value) | {"not_applicable": na}
        self._queue(f"answer {question.key}",
                    self._answer_change(question.key, row, fields), f"q:{question.key}:{row}",
                    with_progress=True)
        return True

    def set_evidence(self, question: Question, row: str, text: str) -> bool:
        slot_key = (question.key, row)
        old = self.state.slots.get(slot_key) or Slot()
        if old.evidence == text:
            return False
        self.state.slots[slot_key] = Slot(old.value, old.na, text)
        self._queue(f"evidence {question.key}",
                    self._answer_change(question.key, row, {"evidence": text}),
                    f"e:{question.key}:{row}", with_progress=True)
        return True

    def _answer_change(self, key: str, row: str, fields: dict) -> Callable[..., None]:
        audit_id, who, seen = self.audit_id, self.who, self.seen

        def change(session, progress) -> None:
            # runs on the writer thread, in order, so `seen` always holds this copy's last
            # committed write of the slot when the next save of it is checked
            if seen is None:
                store.save_answer(session=session, audit_id=audit_id, question_key=key,
                                  who=who, row_id=row, progress=progress, **fields)
                return
            answer = store.save_answer(session=session, audit_id=audit_id, question_key=key,
                                       who=who, row_id=row, progress=progress,
                                       expected_updated_at=seen.get((key, row)), **fields)
            written = answer.updated_at
            session.info.setdefault(AFTER_COMMIT, []).append(
                lambda: seen.__setitem__((key, row), written))

        return change

    def typed_value(self, question: Question, text: str) -> Any:
        """The value of what was typed into a date, number or text answer; raises
        ValueError (DateInputError, NumberInputError) with a sentence for the user."""
        if question.type == "date" and question.allow_never and text.strip().lower() in (
                "never", question.never_label.lower()):
            return NEVER
        if question.type == "age":
            return typed_age(text)
        if question.type == "date":
            value = parse_date(text, today=date.today(), allow_future=True)
            audit_date = self.state.details.get("audit_date")
            if (value is not None and not question.allow_future and audit_date is not None
                    and value > audit_date):
                raise DateInputError(f"{text.strip()} is after the audit date "
                                     f"({format_date(audit_date)}): this date cannot be in the "
                                     "future.", text)
            return value
        if question.type == "number":
            # a whole number is a count unless the template allows less than 0 (min = -5)
            minimum = question.minimum
            if minimum is None and question.integer:
                minimum = 0
            return parse_number(text, integer=question.integer, minimum=minimum,
                                maximum=question.maximum)
        return text if text.strip() else None

    def stored_text(self, target: tuple) -> str:
        """What a text field bound to `target` shows for the answer as it stands."""
        if target[0] == "rationale":
            return self.state.mark(target[1]).rationale
        slot = self.state.slot(target[1], target[2])
        if target[0] == "evidence":
            return slot.evidence
        return answer_text(self.state.question(target[1]), slot)

    def commit_text(self, target: tuple, text: str) -> bool:
        """Save what was typed into the field bound to `target`; False if nothing changed.
        Raises ValueError with a sentence for the user when a date or number is refused."""
        if target[0] == "rationale":
            return self.set_rationale(self.state.template.section(target[1]), text)
        question, row = self.state.question(target[1]), target[2]
        if target[0] == "evidence":
            return self.set_evidence(question, row, text)
        return self.set_answer(question, row, self.typed_value(question, text))

    # -- sections ---------------------------------------------------------------------------
    def _mark(self, section: Section) -> SectionMark:
        mark = self.state.sections.get(section.key)
        if mark is None:
            mark = self.state.sections[section.key] = SectionMark()
        return mark

    def _queue_section(self, section: Section, **fields: Any) -> None:
        audit_id, who = self.audit_id, self.who

        def change(session) -> None:
            store.save_section(session=session, audit_id=audit_id, section_key=section.key,
                               criterion=section.criterion, who=who, **fields)

        self._queue(f"section {section.key}", change, f"s:{section.key}")

    def set_section_grade(self, section: Section, grade: int | None) -> bool:
        mark = self._mark(section)
        if mark.grade == grade:
            return False
        mark.grade = grade
        self._queue_section(section, grade=grade)
        return True

    def set_rationale(self, section: Section, text: str) -> bool:
        mark = self._mark(section)
        if mark.rationale == text:
            return False
        mark.rationale = text
        self._queue_section(section, rationale=text)
        return True

    def set_not_applicable(self, section: Section, na: bool, reason: str = "") -> bool:
        mark = self._mark(section)
        if mark.na == na and mark.na_reason == reason:
            return False
        mark.na, mark.na_reason = na, reason
        self._queue_section(section, not_applicable=na, na_reason=reason)
        return True

    # -- repeating rows ---------------------------------------------------------------------
    def add_row(self, group: Group) -> None:
        """Queue a new row; the screen gets its id in the Saved message (key "row:<group>")
        and calls `row_added`."""
        audit_id, who = self.audit_id, self.who
        self._save(f"add {group.row_label.lower()}", lambda session: store.add_row(
            session=session, audit_id=audit_id, group_key=group.key, who=who).id,
            f"row:{group.key}")

    def row_added(self, group_key: str, row_id: str) -> None:
        rows = self.state.rows.setdefault(group_key, [])
        if row_id not in rows:
            rows.append(row_id)
        self._saved_resume = None
        self.save_position()

    def remove_row(self, group: Group, row_id: str) -> None:
        rows = self.state.rows.get(group.key, [])
        if row_id in rows:
            rows.remove(row_id)
        for slot_key in [k for k in self.state.slots if k[1] == row_id]:
            del self.state.slots[slot_key]
        audit_id, who = self.audit_id, self.who
        self._queue(f"remove {group.row_label.lower()}", lambda session: store.remove_row(
            session=session, audit_id=audit_id, row_id=row_id, who=who), f"unrow:{group.key}")

    # -- status -----------------------------------------------------------------------------
    def reopen(self, reason: str) -> None:
        audit_id, who = self.audit_id, self.who

        def change(session) -> None:
            lifecycle.reopen_audit(session=session, audit_id=audit_id, who=who, reason=reason)

        self._save("reopen", change, "reopen")
