"""Step 2 of a new audit: the case details, checked as they are typed in.

Each field is checked when it loses focus and all of them again by `collect()`: the case
reference is required, trimmed, and must match the settings' pattern; the audit date is a real
date, not in the future (an impossible one is refused and the field keeps its last good date).
Enter moves to the next field; on the last one it posts `CaseDetailsForm.Submit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Static

from ..input_rules import LINE_MAX
from ..settings import Settings
from ..templates.model import Template
from .new_audit_date_input import DateInput
from ..literal import literal

TEXT_FIELDS = (
    ("case_reference", "Case reference"),
    ("team", "Team"),
    ("service_area", "Service area"),
    ("social_worker", "Social worker"),
    ("auditor", "Auditor"),
)


@dataclass(frozen=True)
class CaseDetails:
    case_reference: str
    team: str
    service_area: str
    social_worker: str
    auditor: str
    audit_date: date


class CaseDetailsForm(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    CaseDetailsForm { height: 1fr; padding: 0 1; }
    CaseDetailsForm .field { height: 1; margin-top: 1; }
    CaseDetailsForm .field Label { width: 16; }
    CaseDetailsForm .field Input { width: 1fr; background: $panel; }
    CaseDetailsForm .field Input:focus { background: $primary 30%; }
    CaseDetailsForm .help { color: $text-muted; padding-left: 16; height: auto; }
    CaseDetailsForm .error { color: $error; padding-left: 16; height: auto; }
    CaseDetailsForm .error.-empty { display: none; }
    """

    class Submit(Message):
        """Enter was pressed on the last field."""

    def __init__(self, settings: Settings, today: date, **kwargs) -> None:
        super().__init__(**kwargs)
        self.settings, self.today = settings, today
        self.template: Template | None = None

    def apply_template(self, template: Template) -> None:
        """Show the standard details as the chosen template names them: relabelled, hidden
        (and emptied) or required."""
        self.template = template
        for key, _ in TEXT_FIELDS:
            rule = template.detail_rule(key)
            field = self.query_one(f"#{key}", Input)
            row = field.parent
            row.display = not rule.hidden
            if rule.hidden:
                field.value = ""
            row.query_one(Label).update(rule.label)
            field.placeholder = "required" if rule.required else ""

    def compose(self) -> ComposeResult:
        for key, label in TEXT_FIELDS:
            with Horizontal(classes="field"):
                yield Label(label)
                yield Input(id=key, compact=True, max_length=LINE_MAX,
                            placeholder="required" if key == "case_reference" else "")
            if key == "case_reference":
                yield Static(literal(self.settings.case_reference_hint), id="case_reference-help",
                             classes="help", markup=False)
            yield Static("", id=f"{key}-error", classes="error -empty", markup=False)
        with Horizontal(classes="field"):
            yield Label("Audit date")
            yield DateInput(self.today, id="audit_date", compact=True, required=True,
                            allow_future=False, today=self.today,
                            missing_message="The audit date is needed, as DD/MM/YYYY.")
        yield Static("", id="audit_date-error", classes="error -empty", markup=False)

    # -- defaults -----------------------------------------------------------------------------
    def suggest_auditor(self, name: str) -> None:
        """Fill in the auditor unless the user has typed one already."""
        field = self.query_one("#auditor", Input)
        if not field.value:
            field.value = name

    # -- checks -------------------------------------------------------------------------------
    def show_error(self, key: str, message: str) -> None:
        error = self.query_one(f"#{key}-error", Static)
        error.update(message)
        error.set_class(not message, "-empty")
        if key == "case_reference":  # the message repeats the hint: show it once
            self.query_one("#case_reference-help").display = not message

    def case_reference_problem(self) -> str:
        field = self.query_one("#case_reference", Input)
        value = field.value.strip()
        if field.value != value:
            field.value = value
        if not value:
            return "A case reference is needed to start an audit."
        if not self.settings.case_reference_ok(value):
            return (f"'{literal(value)}' does not look like a case reference: "
                    f"{self.settings.case_reference_hint}.")
        return ""

    def required_problems(self) -> dict[str, str]:
        """A sentence for each detail the template requires that is blank (the team unless
        the template says otherwise)."""
        out = {}
        for key, _ in TEXT_FIELDS[1:]:
            rule = (self.template.detail_rule(key) if self.template is not None else None)
            if rule is None or not rule.required:
                continue
            if not self.query_one(f"#{key}", Input).value.strip():
                out[key] = f"The {rule.label.lower()} is needed: this template requires it."
            else:
                out[key] = ""
        return out

    @on(Input.Blurred, "#case_reference")
    def case_reference_left(self) -> None:
        self.show_error("case_reference", self.case_reference_problem())

    @on(DateInput.Checked, "#audit_date")
    def audit_date_checked(self, event: DateInput.Checked) -> None:
        self.show_error("audit_date", event.error)

    def collect(self) -> CaseDetails | None:
        """The details, or None (with every problem shown, the first bad field focused)."""
        problems = {"case_reference": self.case_reference_problem(),
                    **self.required_problems(),
                    "audit_date": self.query_one("#audit_date", DateInput).check()}
        for key, message in problems.items():
            self.show_error(key, message)
        bad = [key for key, message in problems.items() if message]
        if bad:
            self.query_one(f"#{bad[0]}", Input).focus()
            return None
        values = {key: self.query_one(f"#{key}", Input).value.strip() for key, _ in TEXT_FIELDS}
        return CaseDetails(audit_date=self.query_one("#audit_date", DateInput).date, **values)

    # -- moving between fields ----------------------------------------------------------------
    def focus_first(self) -> None:
        self.query_one("#case_reference", Input).focus()

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "audit_date":
            self.post_message(self.Submit())
        else:
            self.screen.focus_next()
