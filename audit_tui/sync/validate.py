"""What arrives in a bundle is checked as typed input is: the case reference against the
settings' pattern (Settings.case_reference_ok, as the new-audit form), text lengths (the form's
200 characters) and no control characters, real dates, grades on the template version's scale,
and question and section keys that exist in that version. One problem refuses the bundle whole;
the sentence names the audit by its position in the bundle and the start of its id (never the
text it holds) and the field."""

from __future__ import annotations

from datetime import date

from . import records

LINE_MAX = 200  # a one-line field, as the new-audit form's inputs take it
_LINE_OK = {"\t"}
_TEXT_OK = {"\n", "\t", "\r"}


def _control(text: str, allowed: set[str]) -> bool:
    return any(not ch.isprintable() and ch not in allowed and ch != " " for ch in text)


class RecordChecker:
    """Checks records against their template versions (hash -> Template) and the settings."""

    def __init__(self, templates: dict, settings) -> None:
        self.templates = templates
        self.settings = settings
        self._keys: dict[str, tuple[dict, dict]] = {}

    def _template_keys(self, template_hash: str):
        found = self._keys.get(template_hash)
        if found is None:
            template = self.templates[template_hash]
            questions = {q.key: q for q in template.questions()}
            sections = {s.key: s for s in template.all_sections()}
            found = self._keys[template_hash] = (questions, sections)
        return found

    def problem(self, record: dict) -> str | None:
        """The first problem of a record, as 'field: what is wrong', or None."""
        audit = record["audit"]
        at = dict(zip(records.AUDIT, audit))
        template = self.templates[at["template_hash"]]
        ref = at["case_reference"]
        if not isinstance(ref, str) or not self.settings.case_reference_ok(ref):
            return "case reference: not a case reference this copy accepts"
        for name in ("team", "service_area", "social_worker", "auditor"):
            value = at[name]
            if not isinstance(value, str) or len(value) > LINE_MAX or _control(value, _LINE_OK):
                return (f"{name.replace('_', ' ')}: longer than {LINE_MAX} characters or "
                        "holds control characters")
        if _bad_date(at["audit_date"], required=True):
            return "audit date: not a real date"
        if at["status"] not in ("draft", "submitted"):
            return "status: neither draft nor submitted"
        overall = template.scale_for(template.overall.scale or template.scale)
        if at["overall_grade"] is not None and at["overall_grade"] not in overall.value_keys():
            return "overall grade: not on the template's scale"
        if _bad_text(at["overall_rationale"]):
            return "overall rationale: holds control characters"
        questions, sections = self._template_keys(at["template_hash"])
        for row in records.rows_of(record, "answers"):
            a = dict(zip(records.ANSWER, row))
            question = questions.get(a["question_key"])
            if question is None:
                return "answer: a question that is not in the template version"
            if a["grade"] is not None and a["grade"] not in template.scale_for(
                    question.scale or template.scale).value_keys():
                return f"answer {a['question_key']}: a grade not on the template's scale"
            if _bad_text(a["text"]) or _bad_text(a["evidence"]) or _bad_text(a["choice"]):
                return f"answer {a['question_key']}: holds control characters"
            if _bad_date(a["date_value"]):
                return f"answer {a['question_key']}: not a real date"
        for row in records.rows_of(record, "sections"):
            r = dict(zip(records.SECTION, row))
            section = sections.get(r["section_key"])
            if section is None:
                return "section result: a section that is not in the template version"
            if r["grade"] is not None and r["grade"] not in template.scale_for(
                    section.scale or template.scale).value_keys():
                return f"section {r['section_key']}: a grade not on the template's scale"
            if _bad_text(r["rationale"]) or _bad_text(r["na_reason"]):
                return f"section {r['section_key']}: holds control characters"
        for row in records.rows_of(record, "actions"):
            a = dict(zip(records.ACTION, row))
            if any(not isinstance(a[k], str) or len(a[k]) > LINE_MAX or _control(a[k], _LINE_OK)
                   for k in ("owner",)) or _bad_text(a["description"]) or _bad_text(a["note"]):
                return "action: too long or holds control characters"
            if _bad_date(a["due_date"]) or _bad_date(a["completed_date"]):
                return "action: not a real date"
        return None


def _bad_text(value) -> bool:
    return value is not None and (not isinstance(value, str) or _control(value, _TEXT_OK))


def _bad_date(value, *, required: bool = False) -> bool:
    if value is None:
        return required
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return True
    return False
