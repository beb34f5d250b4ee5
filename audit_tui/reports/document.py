"""One audit as a document for the child's file, the worker and their manager.

`build_document` reads the audit into plain parts (headings, label-value fields, tables,
paragraphs); `document_render.py` writes them as text, Markdown, HTML or DOCX. The document
holds the case details, every section with each answer and its evidence, the indicators with
their verdicts, the section grades with rationale and descriptor, the overall judgement,
moderation, the actions, the worker's reflection and the family's feedback, the template and
version, and who audited and submitted it when. A draft is marked DRAFT.

`pseudonymise`: for sharing outside the team. The case reference and every name become keyed
hashes (reports/pseudonym.py) and every piece of free text is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ..dates import format_date
from ..templates.logic import AuditState
from ..templates.model import Question, Section
from ..templates.words import answer_words

LEFT_OUT = "(free text left out)"
FREE_TEXT_TYPES = ("text", "long_text")


@dataclass(frozen=True)
class Part:
    kind: str  # heading | fields | table | para
    text: str = ""
    level: int = 1
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass
class Document:
    title: str
    draft: bool
    parts: list[Part] = field(default_factory=list)

    def heading(self, text: str, level: int = 1) -> None:
        self.parts.append(Part("heading", text, level=level))

    def fields(self, rows: list[tuple[str, str]]) -> None:
        if rows:
            self.parts.append(Part("fields", rows=tuple(rows)))

    def table(self, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        self.parts.append(Part("table", header=header, rows=tuple(rows)))

    def para(self, text: str) -> None:
        self.parts.append(Part("para", text))


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime("%d/%m/%Y %H:%M")


def _day(value: date | None) -> str:
    return format_date(value) if value else ""


class _Privacy:
    """What a value becomes in the document: as it is, or pseudonymised."""

    def __init__(self, pseudonymise: bool) -> None:
        self.on = pseudonymise
        self.hash = None
        if pseudonymise:
            from .pseudonym import Pseudonymiser, load_key

            self.hash = Pseudonymiser(load_key())

    def name(self, value: str) -> str:
        return self.hash(value, "P") if self.on else value

    def case(self, value: str) -> str:
        return self.hash(value, "C") if self.on else value

    def free(self, value: str) -> str:
        return LEFT_OUT if self.on and value.strip() else value


def _answer(state: AuditState, q: Question, row: str, privacy: _Privacy) -> tuple[str, str]:
    slot = state.slot(q.key, row)
    words = answer_words(state.template, q, slot)
    if words is None:
        words = "not answered" + ("" if q.required else " (optional)")
    elif q.type in FREE_TEXT_TYPES and not slot.na:
        words = privacy.free(words)
    return words, privacy.free(slot.evidence)


def _descriptor(state: AuditState, section: Section | None, grade: int | None) -> str:
    if grade is None:
        return ""
    template = state.template
    if section is None:
        own, scale = template.overall.descriptors, template.scale_for(template.overall.scale)
    else:
        own, scale = section.descriptors, template.scale_for(section.scale)
    if grade in own:
        return own[grade]
    return next((v.descriptor for v in scale.values if v.value == grade), "")


def _moderation_rows(moderation, scale, privacy: _Privacy) -> list[tuple[str, str]]:
    if moderation is None:
        return []
    if moderation.agrees:
        verdict = "agrees with the auditor's grade"
    else:
        verdict = f"grades it {scale.label(moderation.moderator_grade)}"
    rows = [("Moderation", f"{privacy.name(moderation.moderator)} {verdict} "
                           f"({_when(moderation.at)})")]
    if moderation.comment.strip():
        rows.append(("Moderator's comment", privacy.free(moderation.comment)))
    return rows


def _section(doc: Document, state: AuditState, section: Section, moderated: dict,
             privacy: _Privacy) -> None:
    doc.heading(section.title, level=2 + min(section.depth, 2))
    mark = state.mark(section.key)
    if not state.section_applies(section):
        doc.fields([("Does not apply", privacy.free(mark.na_reason) or "(no reason given)")])
        return
    rows = []
    for q, row in state.items(section):
        label = q.prompt
        if row:
            label = f"{state.row_label(q.group, row)}: {q.prompt}"
        rows.append((label, *_answer(state, q, row, privacy)))
    if rows:
        doc.table(("Question", "Answer", "Evidence"), rows)
    for group in section.groups:
        if state.group_visible(group) and not state.rows.get(group.key):
            doc.para(f"{group.title}: none recorded.")
    indicators = list(section.indicators) + [i for g in section.groups for i in g.indicators]
    verdicts = []
    for indicator in indicators:
        for result in state.indicator_results(indicator):
            where = f" ({state.row_label(indicator.group, result.row_id)})" if result.row_id else ""
            verdict = ("no data" if result.met is None else "met" if result.met else "not met")
            verdicts.append((indicator.label + where, verdict, result.verdict))
    if verdicts:
        doc.table(("Indicator", "Verdict", "Measured"), verdicts)
    if section.graded:
        scale = state.template.scale_for(section.scale)
        doc.fields([
            ("Section grade", f"{scale.label(mark.grade)} ({mark.grade})"
             if mark.grade is not None else "not given"),
            ("Descriptor", _descriptor(state, section, mark.grade)),
            ("Rationale", privacy.free(mark.rationale) or "not written"),
            *_moderation_rows(moderated.get(section.key), scale, privacy)])


def build_document(*, session, audit_id: str, pseudonymise: bool = False) -> Document:
    """The audit `audit_id` as a document (raises store.NotFound if there is none)."""
    from sqlmodel import select

    from ..db import store
    from ..db.conversation import (
        AGREES,
        FEEDBACK_HOW,
        FEEDBACK_WHO,
        HOW_SPOKEN,
        family_feedback,
        feedback_answers,
        worker_conversation,
    )
    from ..db.models import AuditEvent
    from ..db.moderation import moderation_for
    from ..db.state import load_state

    privacy = _Privacy(pseudonymise)
    audit, state = load_state(session=session, audit_id=audit_id)
    moderated = moderation_for(session=session, audit_id=audit_id)
    events = list(session.exec(select(AuditEvent).where(AuditEvent.audit_id == audit_id)
                               .order_by(AuditEvent.at)))
    template = state.template
    draft = audit.status == "draft"
    doc = Document(title=f"Case file audit: {privacy.case(audit.case_reference)}", draft=draft)
    doc.heading(doc.title, level=1)
    if draft:
        doc.para("DRAFT: this audit has not been submitted; its grades may still change.")
    created = next((e for e in events if e.what == "audit created"), None)
    submitted = next((e for e in reversed(events)
                      if e.what == "status" and e.new_value == "submitted"), None)
    doc.fields([
        ("Template", f"{template.title} ({audit.template_key}, version "
                     f"{audit.template_version})"),
        ("Status", audit.status.capitalize()),
        ("Audited by", privacy.name(audit.auditor)),
        ("Started", _when(audit.created_at) + (f" by {privacy.name(created.who)}"
                                               if created and created.who else "")),
        ("Submitted", (_when(audit.submitted_at) + (f" by {privacy.name(submitted.who)}"
                                                    if submitted and submitted.who else ""))
         if audit.submitted_at else "not submitted"),
    ])
    doc.heading("Case details", level=2)
    details = [("Case reference", privacy.case(audit.case_reference)), ("Team", audit.team),
               ("Service area", audit.service_area),
               ("Social worker", privacy.name(audit.social_worker)),
               ("Auditor", privacy.name(audit.auditor)), ("Audit date", _day(audit.audit_date))]
    for q in template.details:
        if state.all_hold(q.show_if):
            details.append((q.prompt, _answer(state, q, "", privacy)[0]))
    doc.fields(details)
    for section in template.all_sections():
        if state.section_visible(section):
            _section(doc, state, section, moderated, privacy)
    if template.overall.graded:  # `[overall] graded = false`: the tool has none
        _overall(doc, state, audit, moderated, privacy)
    doc.heading("Actions", level=2)
    actions = store.actions_for(session=session, audit_id=audit_id)
    if actions:
        doc.table(("Action", "Owner", "Due", "Status"), [
            (privacy.free(a.description), privacy.name(a.owner), _day(a.due_date),
             a.status + (f" ({_day(a.completed_date)})" if a.completed_date else ""))
            for a in actions])
    else:
        doc.para("No actions.")
    doc.heading("The conversation with the worker", level=2)
    talk = worker_conversation(session=session, audit_id=audit_id)
    if talk is None:
        doc.para("Not recorded" + (" (this template asks for it)."
                                   if template.conversation.required else "."))
    else:
        doc.fields([
            ("Spoken to", f"{_day(talk.spoken_on) or 'date not given'}, "
                          f"{HOW_SPOKEN.get(talk.how, talk.how).lower()}"),
            ("The worker's reflection", privacy.free(talk.reflection)),
            ("The grades", AGREES.get(talk.agrees, talk.agrees)),
            *([("Where not, and why", privacy.free(talk.disagreement))]
              if talk.disagreement.strip() else []),
            ("Support asked for", privacy.free(talk.support) or "none"),
            ("Recorded by", f"{privacy.name(talk.recorded_by)}, {_when(talk.updated_at)}")])
    doc.heading("Feedback from the child and family", level=2)
    feedback = family_feedback(session=session, audit_id=audit_id)
    if not feedback:
        doc.para("None recorded" + (" (this template asks for it)."
                                    if template.conversation.feedback_required else "."))
    for n, item in enumerate(feedback, 1):
        doc.heading(f"Feedback {n}: {FEEDBACK_WHO.get(item.who, item.who)}", level=3)
        doc.fields([
            ("Gathered", f"{FEEDBACK_HOW.get(item.how, item.how)}"
                         + (f", {_day(item.gathered_on)}" if item.gathered_on else "")),
            ("What they said", privacy.free(item.said) or "-"),
            *[(q, privacy.free(a) or "-") for q, a in feedback_answers(item)],
            ("Recorded by", f"{privacy.name(item.recorded_by)}, {_when(item.updated_at)}")])
    return doc


def find_audits(*, session, reference: str) -> list:
    """The audits `reference` names: the one with that id, or every audit of that case
    reference (newest first)."""
    from sqlmodel import select

    from ..db.models import Audit

    found = session.get(Audit, reference.strip())
    if found is not None:
        return [found]
    return list(session.exec(select(Audit).where(Audit.case_reference == reference.strip())
                             .order_by(Audit.audit_date.desc(), Audit.created_at.desc())))


def _overall(doc, state, audit, moderated: dict, privacy) -> None:
    """The overall judgement: grade, descriptor, rationale and its moderation."""
    doc.heading("Overall judgement", level=2)
    overall_scale = state.template.scale_for(state.template.overall.scale)
    doc.fields([
        ("Overall grade", f"{overall_scale.label(audit.overall_grade)} ({audit.overall_grade})"
         if audit.overall_grade is not None else "not given"),
        ("Descriptor", _descriptor(state, None, audit.overall_grade)),
        ("Rationale", privacy.free(audit.overall_rationale) or "not written"),
        *_moderation_rows(moderated.get(""), overall_scale, privacy)])
