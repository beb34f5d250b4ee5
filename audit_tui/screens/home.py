"""The home screen: the audits in the database, drafts first, with a filter."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from ..db.fastread import HOME_LIMIT, AuditSummary, HomeAlerts, home_alerts, list_audits
from ..literal import literal

WELCOME = (
    "Welcome to audit-tui.\n\n"
    "There are no audits in this database yet.\n\n"
    "Press  n  to start a new audit: pick a template, type the case details, and the tool walks "
    "you through its questions. Every answer is saved as you go.\n\n"
    "Press  ?  for every key,  ctrl+p  for the command palette,  ctrl+q  to quit."
)
UNREAD = "{error}\n\nPress  ?  for every key,  ctrl+p  for the command palette,  ctrl+q  to quit."


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone().strftime("%d/%m/%Y %H:%M")


def _fit(text: str, width: int) -> Text:
    """User text, shown literally, cut to `width` with an ellipsis."""
    text = literal(text)  # control characters (ESC) shown, never sent to the terminal
    if len(text) > width:
        text = text[: max(width - 1, 1)] + "…"
    return Text(text)


FIRST_ROWS = 60

# (key, title, width); a width of 0 takes what is left. Changed shows only on wide terminals.
COLUMNS = [("status", "Status", 9), ("case", "Case ref", 12), ("template", "Template", 0),
           ("auditor", "Auditor", 14), ("team", "Team", 14), ("updated", "Changed", 16),
           ("progress", "Progress", 8)]


PRELOAD_AFTER = 0.1  # seconds after the list is filled: its first paint goes first


class HomeScreen(Screen):
    TITLE = "audit-tui"
    SUB_TITLE = "Audits"
    BINDINGS = [
        Binding("n", "new_audit", "New audit", id="home.new"),
        Binding("enter", "open_audit", "Open", id="home.open"),
        Binding("d,delete", "delete_draft", "Delete draft", tooltip="Asks first",
                id="home.delete"),
        Binding("slash", "focus_filter", "Filter", show=False,
                tooltip="Or just type on the list", id="home.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="home.clear_filter"),
        Binding("r", "refresh", "Refresh", show=False, id="home.refresh"),
        Binding("s", "concerns", "Concerns", show=False,
                tooltip="Safeguarding concerns waiting to be acknowledged", id="home.concerns"),
    ]

    class Loaded(Message):
        def __init__(self, audits: list[AuditSummary], total: int, error: str = "",
                     alerts: HomeAlerts = HomeAlerts()) -> None:
            super().__init__()
            self.audits, self.total, self.error = audits, total, error
            self.alerts = alerts

    def __init__(self) -> None:
        super().__init__()
        self.audits: list[AuditSummary] = []
        self.total = 0
        self.loaded = False
        self.load_error = ""  # why the audits could not be read, if they could not
        self.concerns = 0
        self.conflicting: frozenset[str] = frozenset()
        self._fill_serial = 0

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return self.app.services.may(action)  # on a shared server, only the role's actions

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Type to filter by case reference, template, auditor, team...",
                    id="filter", select_on_focus=False)
        yield Static("", id="home-alerts", markup=False)
        yield DataTable(id="audits", cursor_type="row", zebra_stripes=True)
        yield Static(WELCOME, id="welcome", markup=False)
        yield Static("", id="home-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#audits", DataTable)
        self.query_one("#welcome").display = False
        self.query_one("#home-alerts").display = False
        table.focus()
        self.load()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.load()

    # -- data ---------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="home-load")
    def load(self) -> None:
        target = self.app.services.database
        try:
            audits, total = list_audits(target, HOME_LIMIT)  # a file or a server
        except Exception as exc:  # a locked or damaged file: say so, keep the screen usable
            self.post_message(self.Loaded([], 0, self.app.services.explain(
                exc, "Could not read the audits")))
            return
        try:
            from datetime import date

            alerts = home_alerts(target, date.today())  # a file or a server
        except Exception:  # the list matters more than the alerts
            alerts = HomeAlerts()
        self.post_message(self.Loaded(audits, total, alerts=alerts))

    def on_home_screen_loaded(self, message: Loaded) -> None:
        self.audits, self.total, self.loaded = message.audits, message.total, True
        self.load_error = message.error
        self.conflicting = message.alerts.conflicting
        self.show_alerts(message.alerts.concerns, message.alerts.overdue)
        self.fill()
        # the ORM and templates load in the background once the list is on screen
        self.set_timer(PRELOAD_AFTER, self.app.start_preload)
        if message.error:
            self.notify(message.error, severity="error", timeout=10)

    def show_alerts(self, concerns: int, overdue: int) -> None:
        self.concerns = concerns
        parts = []
        if concerns:
            parts.append(f"⚠ {concerns} safeguarding concern{'s' if concerns != 1 else ''} "
                         "to acknowledge (press s)")
        if overdue:
            parts.append(f"{overdue} overdue action{'s' if overdue != 1 else ''} (f8)")
        if self.conflicting:
            count = len(self.conflicting)
            parts.append(f"{count} audit{'s' if count != 1 else ''} with conflicting changes "
                         "from a bundle to resolve (f7)")
        alerts = self.query_one("#home-alerts", Static)
        alerts.update(Text("  ·  ".join(parts), style="bold red" if concerns else "bold"))
        alerts.display = bool(parts)

    def action_concerns(self) -> None:
        self.app.action_concerns()

    def matches(self, audit: AuditSummary, words: list[str]) -> bool:
        haystack = " ".join((audit.case_reference, audit.template_title, audit.auditor,
                             audit.team, audit.status,
                             "conflict" if audit.id in self.conflicting else "")).lower()
        return all(word in haystack for word in words)

    def fill(self) -> None:
        table = self.query_one("#audits", DataTable)
        words = self.query_one("#filter", Input).value.lower().split()
        selected = self.selected_id()
        widths = self.column_widths()
        table.clear(columns=True)
        for key, title, _ in COLUMNS:
            if key in widths:
                table.add_column(title, key=key, width=widths[key])
        shown = [a for a in self.audits if self.matches(a, words)]
        self._fill_serial += 1
        # The first screenful now, the rest just after the first paint: adding a row to a
        # DataTable costs about 0.1 ms, so 5,000 rows would hold up the first screen.
        self.add_rows(shown[:FIRST_ROWS], widths)
        if len(shown) > FIRST_ROWS:
            serial = self._fill_serial
            self.call_after_refresh(lambda: self.add_rest(shown[FIRST_ROWS:], widths, serial))
        empty = not self.audits
        welcome = self.query_one("#welcome", Static)
        welcome.display = empty
        if empty:  # (never "no audits yet" where the audits could not be read)
            welcome.update(UNREAD.format(error=self.load_error) if self.load_error
                           else WELCOME)
        # Hidden and unfocusable while empty: a first key never lands in an unseen box.
        for widget in (table, self.query_one("#filter", Input)):
            widget.display = not empty
            widget.disabled = empty
        if empty and self.focused is not None:
            self.set_focus(None)
        drafts = sum(1 for a in self.audits if a.status == "draft")
        note = f"{len(shown)} shown" if words else ""
        more = (f"; the latest {len(self.audits)} of {self.total} are listed"
                if self.total > len(self.audits) else "")
        status = f"{self.total} audit(s), {drafts} draft(s){more}" + (f"; {note}" if note else "")
        self.query_one("#home-status", Static).update("" if empty else status)
        if selected is not None and selected in {a.id for a in shown}:
            table.move_cursor(row=table.get_row_index(selected))

    def add_rows(self, audits: list[AuditSummary], widths: dict[str, int]) -> None:
        table = self.query_one("#audits", DataTable)
        keys = [k for k, _, _ in COLUMNS if k in widths]
        for audit in audits:
            status = Text("Draft", style="bold yellow") if audit.status == "draft" else Text(
                audit.status.capitalize(), style="green")
            if audit.id in self.conflicting:
                status = Text.assemble(status, (" ⚠", "bold red"))  # a bundle conflict (f7)
            # Text() keeps what users typed literal: "[bold]" in a name is not markup.
            cells = {"case": audit.case_reference, "template": audit.template_title,
                     "auditor": audit.auditor, "team": audit.team,
                     "updated": _when(audit.updated_at),
                     "progress": audit.progress}
            table.add_row(*[status if k == "status" else _fit(cells[k], widths[k])
                            for k in keys], key=audit.id)

    def add_rest(self, audits: list[AuditSummary], widths: dict[str, int], serial: int) -> None:
        if serial == self._fill_serial:  # not if the list was refilled meanwhile
            self.add_rows(audits, widths)

    def column_widths(self) -> dict[str, int]:
        """Column widths that fit the terminal: nothing is cut off at 80 columns."""
        available = max(self.size.width, 80) - 4  # margins and the scroll bar
        wide = available >= 106
        # Narrow: the team stays (QA filters by it); the time of the last change goes, as
        # the list is in that order anyway.
        columns = [c for c in COLUMNS if c[0] != "updated" or wide]
        widths = {key: width for key, _, width in columns}
        if self.conflicting:
            widths["status"] += 2  # room for the conflict mark: "Submitted ⚠"
        if not wide:
            widths.update(case=11, auditor=11, team=11)
        fixed = sum(widths.values()) + 2 * len(columns)  # each cell has padding 1 + 1
        widths["template"] = max(available - fixed, 8)
        return widths

    def on_resize(self) -> None:
        if self.loaded:
            self.fill()

    def selected_id(self) -> str | None:
        table = self.query_one("#audits", DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:
            return None

    def selected(self) -> AuditSummary | None:
        audit_id = self.selected_id()
        return next((a for a in self.audits if a.id == audit_id), None)

    # -- filter -------------------------------------------------------------------------------
    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        self.fill()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        table = self.query_one("#audits", DataTable)
        table.focus()
        if table.row_count == 1:  # one match: enter opens it
            self.action_open_audit()

    def on_key(self, event) -> None:
        table = self.query_one("#audits", DataTable)
        if self.focused is table and event.is_printable and event.character and (
                event.character not in "nd/?rs" or self.query_one("#filter", Input).value):
            # Typing on the list filters it.
            filter_input = self.query_one("#filter", Input)
            filter_input.focus()
            filter_input.insert_text_at_cursor(event.character)
            event.stop()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.query_one("#audits", DataTable).focus()

    # -- actions ------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.load()

    def action_new_audit(self) -> None:
        self.app.action_new_audit()

    def action_open_audit(self) -> None:
        audit = self.selected()
        if audit is not None:
            self.app.open_audit(audit.id)

    @on(DataTable.RowSelected, "#audits")
    def row_chosen(self) -> None:
        self.action_open_audit()

    def action_delete_draft(self) -> None:
        audit = self.selected()
        if audit is None:
            return
        if audit.status != "draft":
            self.notify("Only drafts can be deleted. A submitted audit stays on record.",
                        severity="warning")
            return
        from ..dialogs.confirm import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self.delete(audit.id)

        self.app.push_screen(ConfirmDialog(
            f"Delete the draft audit of {audit.case_reference} ({audit.template_title})?\n"
            "Its answers and history go with it. This cannot be undone.", yes="Delete"),
            answered)

    @work(thread=True, exclusive=True, group="home-delete")
    def delete(self, audit_id: str) -> None:
        from ..db import store

        try:
            with self.app.services.session() as session:
                store.delete_draft(session=session, audit_id=audit_id)
        except store.StoreError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.notify, "Draft deleted.")
        self.load()
