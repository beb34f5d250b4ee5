"""What arrives in a bundle is checked as typed input is: the case reference against the
settings' pattern (Settings.case_reference_ok, as the new-audit form), and the rules of
input_rules.py that the store applies to typed text (lengths, control characters, real dates), grades on the template version's scale,
and question and section keys that exist in that version. One problem refuses the bundle whole;
the sentence names the audit by its position in the bundle and the start of its id (never the
text it holds) and the field."""

from __future__ import annotations

from ..input_rules import date_problem, line_problem, text_problem
from . import records

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
            wrong = line_problem(at[name])
            if wrong:
                return f"{name.replace('_', ' ')}: {wrong}"
        wrong = date_problem(at["audit_date"], required=True)
        if wrong:
            return f"audit date: {wrong}"
        if at["status"] not in ("draft", "submitted"):
            return "status: neither draft nor submitted"
        overall = template.scale_for(template.overall.scale or template.scale)
        if at["overall_grade"] is not None and at["overall_grade"] not in overall.value_keys():
            return "overall grade: not on the template's scale"
        if text_problem(at["overall_rationale"]):
            return f"overall rationale: {text_problem(at['overall_rationale'])}"
        questions, sections = self._template_keys(at["template_hash"])
        for row in records.rows_of(record, "answers"):
            a = dict(zip(records.ANSWER, row))
            question = questions.get(a["question_key"])
            if question is None:
                return "answer: a question that is not in the template version"
            if a["grade"] is not None and a["grade"] not in template.scale_for(
                    question.scale or template.scale).value_keys():
                return f"answer {a['question_key']}: a grade not on the template's scale"
            wrong = (text_problem(a["text"]) or text_problem(a["evidence"])
                     or text_problem(a["choice"]) or date_problem(a["date_value"]))
            if wrong:
                return f"answer {a['question_key']}: {wrong}"
        for row in records.rows_of(record, "sections"):
            r = dict(zip(records.SECTION, row))
            section = sections.get(r["section_key"])
            if section is None:
                return "section result: a section that is not in the template version"
            if r["grade"] is not None and r["grade"] not in template.scale_for(
                    section.scale or template.scale).value_keys():
                return f"section {r['section_key']}: a grade not on the template's scale"
            wrong = text_problem(r["rationale"]) or text_problem(r["na_reason"])
            if wrong:
                return f"section {r['section_key']}: {wrong}"
        for row in records.rows_of(record, "actions"):
            a = dict(zip(records.ACTION, row))
            checks = (("owner", line_problem(a["owner"])),
                      ("description", text_problem(a["description"])),
                      ("note", text_problem(a["note"])),
                      ("due date", date_problem(a["due_date"])),
                      ("completion date", date_problem(a["completed_date"])))
            wrong = next((f"{name} {what}" for name, what in checks if what), None)
            if wrong:
                return f"action: {wrong}"
        return None
