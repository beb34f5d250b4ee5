"""Safeguarding concerns waiting to be acknowledged, oldest first; `a` acknowledges one."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ..messages import Saved
from ..literal import literal

URGENCY_STYLE = {"immediate": "bold red", "today": "bold yellow", "week": ""}


class ConcernsScreen(Screen):
    TITLE = "audit-tui"
    SUB_TITLE = "Safeguarding concerns"
    DEFAULT_CSS = """
    ConcernsScreen #concerns { height: 1fr; }
    ConcernsScreen #concern-detail { height: auto; max-height: 6; padding: 0 1;
        background: $panel; }
    """
    BINDINGS = [
        Binding("a", "acknowledge", "Acknowledge", tooltip="Record that the selected concern "
                "has been received and acted on", id="concerns.acknowledge"),
        Binding("enter", "open_audit", "Open audit", id="concerns.open"),
        Binding("escape", "back", "Back", id="concerns.back"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list, error: str = "") -> None:
            super().__init__()
            self.rows, self.error = rows, error

    def __init__(self) -> None:
        super().__init__()
        self.rows: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="concerns", cursor_type="row", zebra_stripes=True)
        yield Static("", id="concern-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title, width in (("raised", "Raised", 10), ("case", "Case ref", 11),
                                  ("urgency", "Urgency", 9), ("to", "To", 14),
                                  ("what", "Concern", 24)):
            table.add_column(title, key=key, width=width)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="concerns-load")
    def load(self) -> None:
        try:
            from ..db.escalation import unacknowledged

            with self.app.services.session() as session:
                rows = [(e.id, e.audit_id, a.case_reference, e.raised_at, e.urgency, e.to_whom,
                         e.what, e.raised_by) for e, a in unacknowledged(session=session)]
        except Exception as exc:
            self.post_message(self.Loaded([], f"Could not read the concerns: {exc}"))
            return
        self.post_message(self.Loaded(rows))

    def on_concerns_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.query_one(DataTable)
        table.clear()
        for cid, _audit, ref, raised, urgency, to_whom, what, _who in self.rows:
            table.add_row(raised.astimezone().strftime("%d/%m/%Y"), Text(literal(ref)),
                          Text(urgency, style=URGENCY_STYLE.get(urgency, "")),
                          Text(literal(to_whom)), Text(literal(what)), key=cid)
        if message.error:
            self.notify(message.error, severity="error")
        self.show_detail()

    def selected(self):
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return self.rows[table.cursor_row] if table.cursor_row < len(self.rows) else None

    def show_detail(self) -> None:
        row = self.selected()
        detail = self.query_one("#concern-detail", Static)
        if row is None:
            detail.update("No safeguarding concerns are waiting to be acknowledged.")
            return
        detail.update(Text(literal(f"{row[6]}\nRaised by {row[7] or 'unknown'} to {row[5]}, "
                                   f"urgency {row[4]}.")))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_audit()

    def action_open_audit(self) -> None:
        row = self.selected()
        if row is not None:
            self.app.open_audit(row[1])

    def action_acknowledge(self) -> None:
        row = self.selected()
        if row is None:
            return
        concern_id, who = row[0], self.app.services.user

        def work(session):
            from ..db.escalation import acknowledge

            acknowledge(session=session, escalation_id=concern_id, who=who)

        self.app.save("Acknowledge concern", work, key="acknowledge")

    def on_saved(self, message: Saved) -> None:
        message.stop()
        if message.result.ok and message.result.key == "acknowledge":
            self.notify("Acknowledged; the acknowledgement is in the audit's history.")
            self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
