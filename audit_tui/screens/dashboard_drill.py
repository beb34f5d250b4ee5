"""The audits behind one figure of the dashboard, latest first; Enter opens one."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ..literal import literal
from ..reports.drill import AuditRow, Pick
from ..reports.filters import Filters
from ..reports.moderated import MARK

LEGEND = f"{MARK} a moderator's grade, counted in place of the auditor's (in brackets)."

LIMIT = 2000
KINDS = {"audits": "every audit", "overall": "overall grade", "grade": "grade for",
         "indicator": "indicator", "yes_no": "answer to", "action": "actions"}


def describe(pick: Pick, filters: Filters) -> str:
    what = KINDS.get(pick.kind, pick.kind)
    parts = [what]
    if pick.key:
        parts.append(pick.key.replace("_", " "))
    if pick.value:
        parts.append(f"= {pick.value}")
    return " ".join(parts) + f" ({filters.describe()})"


def overall_cell(row: AuditRow, changed) -> Text:
    """The overall grade the figures count: a moderator's that replaced the auditor's is
    marked, with the auditor's beside it ('3* (auditor: 2)')."""
    if changed is not None:
        return Text(f"{changed.moderator_grade}{MARK} (auditor: {changed.auditor_grade})",
                    style="bold")
    return Text("" if row.overall_grade is None else str(row.overall_grade))


class DrillScreen(Screen):
    TITLE = "audit-tui"
    SUB_TITLE = "Audits behind a figure"
    DEFAULT_CSS = """
    DrillScreen #drill-title { height: auto; padding: 0 1; background: $boost; }
    DrillScreen DataTable { height: 1fr; margin: 0 1; }
    """
    BINDINGS = [
        Binding("enter", "open_audit", "Open", id="drill.open"),
        Binding("escape", "back", "Back", id="drill.back"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[AuditRow], error: str = "",
                     changed: dict | None = None) -> None:
            super().__init__()
            self.rows, self.error = rows, error
            self.changed = changed or {}  # audit id -> section key -> moderated.Changed

    def __init__(self, filters: Filters, pick: Pick, today: date | None = None) -> None:
        super().__init__()
        self.filters, self.pick, self.today = filters, pick, today
        self.rows: list[AuditRow] = []
        self.changed: dict = {}
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Finding the audits: {describe(self.pick, self.filters)}…",
                     id="drill-title", markup=False)
        yield DataTable(id="drill", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#drill", DataTable)
        for key, title in (("case", "Case ref"), ("date", "Audit date"), ("overall", "Overall"),
                           ("team", "Team"), ("auditor", "Auditor"), ("template", "Template"),
                           ("status", "Status"), ("detail", "Detail")):
            table.add_column(title, key=key)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="dashboard-drill")
    def load(self) -> None:
        try:
            from ..db.engine import read_only
            from ..reports.drill import audits_behind
            from ..reports.moderated import changed_for

            engine = self.app.services.engine()
            with read_only(engine).connect() as conn:
                with conn.begin():
                    rows = audits_behind(conn=conn, filters=self.filters, pick=self.pick,
                                         today=self.today, limit=LIMIT)
                    changed = changed_for(conn, [r.audit_id for r in rows])
        except Exception as exc:
            self.post_message(self.Loaded([], f"Could not find the audits: {exc}"))
            return
        self.post_message(self.Loaded(rows, changed=changed))

    def on_drill_screen_loaded(self, message: Loaded) -> None:
        self.rows, self.changed, self.loaded = message.rows, message.changed, True
        title = self.query_one("#drill-title", Static)
        if message.error:
            title.update(message.error)
            return
        more = f" (the latest {LIMIT} are listed)" if len(self.rows) >= LIMIT else ""
        legend = f" {LEGEND}" if self.changed else ""
        title.update(f"{len(self.rows)} audit(s){more}: {describe(self.pick, self.filters)}. "
                     f"Enter opens one.{legend}")
        table = self.query_one("#drill", DataTable)
        table.clear()
        for row in self.rows:
            changed = self.changed.get(row.audit_id, {})
            table.add_row(Text(row.case_reference), row.audit_date.strftime("%d/%m/%Y"),
                          overall_cell(row, changed.get("")), Text(row.team), Text(row.auditor),
                          Text(row.template_title or row.template_key), row.status,
                          Text(literal(row.detail + self.changed_detail(changed))),
                          key=row.audit_id)

    def changed_detail(self, changed: dict) -> str:
        """For a grade's figure: the auditor's grades of the sections under that criterion
        a moderator changed (the detail shows the moderator's, as counted)."""
        if self.pick.kind != "grade":
            return ""
        return "".join(f" ({MARK} auditor: {c.auditor_grade})" for c in changed.values()
                       if c.section_key and c.criterion == self.pick.key)

    def selected(self) -> AuditRow | None:
        table = self.query_one("#drill", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.rows if r.audit_id == key), None)

    def action_open_audit(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.status == "draft":
            self.app.open_audit(row.audit_id)
        else:
            self.app.open_review(row.audit_id)  # a submitted audit opens read-only

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_audit()

    def action_back(self) -> None:
        self.app.pop_screen()
