"""The history of one audit: every change, with when, who, what, the old and the new value.

Read on a worker thread through a read-only session. Every value is drawn literally (rich Text,
control characters made visible) and shortened in the table; the full old and new values of
the highlighted change are shown below it (up to a limit: a pasted megabyte is not drawn).
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ..literal import literal
from ..templates.event_words import event_words

CELL = 40  # characters of a value shown in the table
DETAIL = 4000  # characters of a value shown below the table


def when_text(at: datetime | None) -> str:
    """A stored (UTC) time in the local time zone, as dd/mm/yyyy hh:mm:ss."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone().strftime("%d/%m/%Y %H:%M:%S")


def short(value: str | None, limit: int = CELL) -> str:
    if value is None:
        return "—"
    text = literal(value).replace("\n", "⏎")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def full(value: str | None) -> str:
    if value is None:
        return "(none)"
    if len(value) <= DETAIL:
        return literal(value)
    return literal(value[:DETAIL]) + f"… ({len(value) - DETAIL:,} more characters)"


class HistoryScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="history.back"),
    ]
    DEFAULT_CSS = """
    HistoryScreen #history-table { height: 1fr; }
    HistoryScreen #history-detail { height: auto; max-height: 12; border-top: solid $primary; }
    """

    class Loaded(Message):
        def __init__(self, events: list, error: str = "") -> None:
            super().__init__()
            self.events, self.error = events, error

    def __init__(self, audit_id: str) -> None:
        super().__init__()
        self.audit_id = audit_id
        self.events: list = []

    def compose(self) -> ComposeResult:
        yield Static("History of this audit (newest first)", id="history-title", markup=False)
        table = DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="history-detail", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "History"
        table = self.query_one(DataTable)
        table.add_columns("When", "Who", "What", "Old value", "New value")
        self.load()

    @work(thread=True, exclusive=True, group="history-load")
    def load(self) -> None:
        from sqlmodel import Session

        from ..db import store
        from ..db.engine import read_only

        try:
            self.app.saver.flush(timeout=5.0)  # what was just typed is part of the history
            with Session(read_only(self.app.services.engine())) as session:
                events = store.history(session=session, audit_id=self.audit_id)
                template = self._template(session)
                rows = [(e.at, e.who, event_words(template, e.what), e.old_value, e.new_value)
                        for e in events]
        except Exception as exc:  # a locked or damaged file: said in words
            self.post_message(self.Loaded([], f"The history could not be read "
                                              f"({type(exc).__name__})."))
            return
        rows.sort(key=lambda r: r[0] or datetime.min, reverse=True)
        self.post_message(self.Loaded(rows))

    def _template(self, session):
        """The audit's own template version, to name what changed (None: shown as stored)."""
        from ..db.state import load_state

        try:
            return load_state(session=session, audit_id=self.audit_id)[1].template
        except Exception:  # a template that no longer reads: the stored words will do
            return None

    def on_history_screen_loaded(self, message: Loaded) -> None:
        detail = self.query_one("#history-detail", Static)
        if message.error:
            detail.update(Text(message.error))
            return
        self.events = message.events
        table = self.query_one(DataTable)
        table.clear()
        for at, who, what, old, new in self.events:
            table.add_row(Text(when_text(at)), Text(short(who, 20)), Text(short(what)),
                          Text(short(old)), Text(short(new)))
        if not self.events:
            detail.update(Text("No changes are recorded for this audit."))
        else:
            self.show_detail(0)
        table.focus()

    def show_detail(self, index: int) -> None:
        if not 0 <= index < len(self.events):
            return
        at, who, what, old, new = self.events[index]
        self.query_one("#history-detail", Static).update(Text.assemble(
            (f"{when_text(at)}  {literal(who)}  {literal(what)}\n", "bold"),
            "Old: ", full(old), "\nNew: ", full(new)))

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        self.show_detail(message.cursor_row)

    def action_back(self) -> None:
        self.app.pop_screen()
