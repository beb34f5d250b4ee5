"""Start an audit: pick a template (step 1), type the case details (step 2), and go to the walk.

The templates and the last auditor's name are read in a worker; the audit is created in a
worker too (after any pending autosave has landed), which posts `Created` back.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Header, Static

from ..templates.model import Template
from ..widgets.new_audit_form import CaseDetails, CaseDetailsForm
from ..widgets.new_audit_picker import TemplatePicker


class NewAuditScreen(Screen):
    TITLE = "audit-tui"
    SUB_TITLE = "New audit"
    DEFAULT_CSS = """
    NewAuditScreen #steps { height: 1fr; }
    NewAuditScreen #details { height: 1fr; }
    NewAuditScreen #details-title { text-style: bold; padding: 0 1; }
    NewAuditScreen #details-template { padding: 0 1; color: $text-muted; }
    NewAuditScreen #new-status { height: auto; padding: 0 1; color: $error; }
    """
    BINDINGS = [
        Binding("enter", "choose", "Choose template", id="new_audit.choose"),
        Binding("ctrl+s", "create", "Create audit", id="new_audit.create"),
        Binding("escape", "back", "Back", id="new_audit.back"),
        Binding("f3", "earlier_audit", "Earlier audit", tooltip="Open the earlier audit of "
                "this case (the re-audit warning)", id="new_audit.earlier"),
        Binding("f5", "my_allocations", "My allocations", tooltip="Start one of the audits "
                "allocated to you, pre-filled from the case list", id="new_audit.allocations"),
    ]

    class Loaded(Message):
        def __init__(self, templates: list[Template], unusable: int, auditor: str,
                     error: str = "") -> None:
            super().__init__()
            self.templates, self.unusable = templates, unusable
            self.auditor, self.error = auditor, error

    class Created(Message):
        def __init__(self, audit_id: str | None, error: str = "",
                     earlier: tuple[str, str] | None = None) -> None:
            super().__init__()
            self.audit_id, self.error = audit_id, error
            self.earlier = earlier  # (case reference warned about, the earlier audit's id)

    def __init__(self, today: date | None = None) -> None:
        super().__init__()
        self.today = today or date.today()
        self.template: Template | None = None
        self.creating = False
        self.warned_for = ""  # the case reference the re-audit warning was shown for
        self.earlier_id: str | None = None
        self.auditor = ""  # who is likely auditing (the last auditor, or the user)

    def compose(self) -> ComposeResult:
        yield Header()
        with ContentSwitcher(initial="pick", id="steps"):
            yield TemplatePicker(id="pick")
            with Vertical(id="details"):
                yield Static("Step 2 of 2: the case details", id="details-title")
                yield Static("", id="details-template")
                yield CaseDetailsForm(self.app.services.settings, self.today, id="form")
        yield Static("", id="new-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TemplatePicker).focus_list()
        self.load()

    @property
    def step(self) -> str:
        return self.query_one("#steps", ContentSwitcher).current or "pick"

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if not self.app.services.may(action):  # a shared server's role lacks it
            return False
        if action == "choose":
            return self.step == "pick"
        if action == "create":
            return self.step == "details"
        if action == "earlier_audit":
            return self.earlier_id is not None and self.step == "details"
        return True

    # -- loading ------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="new-audit-load")
    def load(self) -> None:
        services = self.app.services
        auditor = ""
        try:
            from ..db.fastread import last_auditor

            auditor = last_auditor(services.database)  # a file or a server
        except Exception:  # no audits yet, or the file is busy: the OS user name will do
            auditor = ""
        try:
            catalog = services.catalog()
        except Exception as exc:
            self.post_message(self.Loaded([], 0, auditor or services.user,
                                          f"The templates could not be read ({exc})."))
            return
        self.post_message(self.Loaded(catalog.with_older_versions(), len(catalog.unusable),
                                      auditor or services.user))

    def on_new_audit_screen_loaded(self, message: Loaded) -> None:
        self.query_one(TemplatePicker).show(message.templates, message.unusable)
        self.query_one(CaseDetailsForm).suggest_auditor(message.auditor)
        self.auditor = message.auditor
        self.say(message.error)

    def say(self, text: str) -> None:
        self.query_one("#new-status", Static).update(text)

    # -- step 1 -------------------------------------------------------------------------------
    def action_choose(self) -> None:
        self.query_one(TemplatePicker).choose()

    @on(TemplatePicker.Chosen)
    def template_chosen(self, message: TemplatePicker.Chosen) -> None:
        self.template = message.template
        count = message.template.question_count()
        self.query_one("#details-template", Static).update(
            Text(f"Template: {message.template.title} ({count} questions)"))
        self.query_one("#steps", ContentSwitcher).current = "details"
        self.query_one(CaseDetailsForm).apply_template(message.template)
        self.query_one(CaseDetailsForm).focus_first()
        self.say("")
        self.refresh_bindings()

    def action_back(self) -> None:
        if self.step == "details" and not self.creating:
            self.query_one("#steps", ContentSwitcher).current = "pick"
            self.query_one(TemplatePicker).focus_list()
            self.say("")
            self.refresh_bindings()
        else:
            self.dismiss()

    # -- step 2 -------------------------------------------------------------------------------
    @on(CaseDetailsForm.Submit)
    def form_submitted(self) -> None:
        self.action_create()

    def action_create(self) -> None:
        if self.template is None or self.creating:
            return
        details = self.query_one(CaseDetailsForm).collect()
        if details is None:
            self.say("The audit was not created: put right what is marked above.")
            return
        self.creating = True
        self.say("")
        self.create(self.template, details)

    @work(thread=True, exclusive=True, group="new-audit-create")
    def create(self, template: Template, details: CaseDetails) -> None:
        from ..db import store

        app = self.app
        app.saver.flush()
        try:
            with app.services.session() as session:
                months = app.services.settings.reaudit_months
                ref = details.case_reference.strip()
                if months > 0 and ref.lower() != self.warned_for:
                    from ..db.reaudit import describe, earlier_audits

                    earlier = earlier_audits(session=session, case_reference=ref,
                                             today=self.today, months=months)
                    if earlier:
                        more = (f" (and {len(earlier) - 1} more)" if len(earlier) > 1 else "")
                        self.post_message(self.Created(
                            None, f"⚠ Re-audit: {describe(earlier[0])}{more}, within "
                            f"{months} months. f3 opens it; ctrl+s again starts a new audit "
                            "anyway.", earlier=(ref.lower(), earlier[0].id)))
                        return
                audit = store.create_audit(
                    session=session, template=template, who=app.services.user,
                    case_reference=details.case_reference, audit_date=details.audit_date,
                    team=details.team, service_area=details.service_area,
                    social_worker=details.social_worker, auditor=details.auditor)
                audit_id = audit.id
        except store.StoreError as exc:
            self.post_message(self.Created(None, str(exc)))
            return
        except Exception as exc:  # a locked or read-only file: say so, keep what was typed
            self.post_message(self.Created(None, "The audit could not be written to the "
                                           f"database ({type(exc).__name__}). The details are "
                                           "kept on screen: press ctrl+s to try again."))
            return
        self.post_message(self.Created(audit_id))

    def on_new_audit_screen_created(self, message: Created) -> None:
        self.creating = False
        if message.earlier is not None:
            self.warned_for, self.earlier_id = message.earlier
            self.refresh_bindings()
        if message.audit_id is None:
            self.say(message.error)
            return
        app = self.app
        self.dismiss()
        app.open_audit(message.audit_id)

    def action_my_allocations(self) -> None:
        app, auditor = self.app, self.auditor
        self.dismiss()
        app.action_programme(auditor)

    def action_earlier_audit(self) -> None:
        if self.earlier_id is not None:
            self.app.open_review(self.earlier_id)
