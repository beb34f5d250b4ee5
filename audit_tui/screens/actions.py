"""Actions across every audit: open, due within 7 days, overdue, done; filtered by state, owner
and team; `m` marks the selected one done with a note and a date."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from ..messages import Saved
from ..literal import literal

VIEWS = (("all", "All"), ("overdue", "Overdue"), ("due", "Due within 7 days"),
         ("open", "Open"), ("done", "Done"))
STATE_STYLE = {"overdue": "bold red", "due": "yellow", "open": "", "done": "green"}


class ActionsScreen(Screen):
    TITLE = "audit-tui"
    SUB_TITLE = "Actions"
    DEFAULT_CSS = """
    ActionsScreen #actions-filters { height: 1; }
    ActionsScreen #actions-filters Input { width: 1fr; }
    ActionsScreen #actions-view { width: auto; padding: 0 1; text-style: bold; }
    ActionsScreen #actions { height: 1fr; }
    ActionsScreen #actions-status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("v", "next_view", "View", tooltip="Show all, overdue, due within 7 days, "
                "open or done actions", id="actions.view"),
        Binding("m", "mark_done", "Mark done", tooltip="Mark the selected action done, with a "
                "note and the day", id="actions.done"),
        Binding("enter", "open_audit", "Open audit", id="actions.open"),
        Binding("o", "focus_owner", "Owner", tooltip="Filter by owner", id="actions.owner"),
        Binding("t", "focus_team", "Team", tooltip="Filter by team", id="actions.team"),
        Binding("escape", "back", "Back", id="actions.back"),
    ]

    class Loaded(Message):
        def __init__(self, items: list, error: str = "") -> None:
            super().__init__()
            self.items, self.error = items, error

    def __init__(self, view: str = "all", today: date | None = None) -> None:
        super().__init__()
        self.view = view
        self.today = today or date.today()
        self.items: list = []
        self.shown: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="actions-filters"):
            yield Static("", id="actions-view", markup=False)
            yield Input(placeholder="owner (o)", id="owner", compact=True)
            yield Input(placeholder="team (t)", id="team", compact=True)
        yield DataTable(id="actions", cursor_type="row", zebra_stripes=True)
        yield Static("", id="actions-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.add_columns()
        self.query_one(DataTable).focus()
        self.load()

    def add_columns(self) -> None:
        """The action's words take what the other columns leave of the width."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        fixed = (("due", "Due", 10), ("state", "State", 8), ("case", "Case ref", 11),
                 ("owner", "Owner", 12))
        used = sum(width for *_, width in fixed) + 2 * (len(fixed) + 1) + 2  # padding, bar
        for key, title, width in (*fixed, ("action", "Action",
                                           max(26, max(self.size.width, 80) - used))):
            table.add_column(title, key=key, width=width)

    def on_resize(self) -> None:
        self.add_columns()
        if self.items:
            self.fill()

    @work(thread=True, exclusive=True, group="actions-load")
    def load(self) -> None:
        from ..reports.actions_cli import list_actions

        try:
            with self.app.services.session() as session:
                items = list_actions(session=session, today=self.today)
        except Exception as exc:
            self.post_message(self.Loaded([], f"Could not read the actions: {exc}"))
            return
        self.post_message(self.Loaded(items))

    def on_actions_screen_loaded(self, message: Loaded) -> None:
        self.items = message.items
        if message.error:
            self.notify(message.error, severity="error")
        self.fill()

    def fill(self) -> None:
        owner = self.query_one("#owner", Input).value.strip().lower()
        team = self.query_one("#team", Input).value.strip().lower()
        self.shown = [i for i in self.items
                      if (self.view == "all" or i.state == self.view)
                      and (not owner or owner in i.owner.lower())
                      and (not team or team in i.team.lower())]
        table = self.query_one(DataTable)
        table.clear()
        for item in self.shown:
            table.add_row(item.due_date.strftime("%d/%m/%Y") if item.due_date else "",
                          Text(item.state, style=STATE_STYLE[item.state]),
                          Text(literal(item.case_reference)), Text(literal(item.owner)),
                          Text(literal(item.description)), key=item.id)
        label = dict(VIEWS)[self.view]
        self.query_one("#actions-view", Static).update(f"{label} (v)")
        overdue = sum(1 for i in self.items if i.state == "overdue")
        self.query_one("#actions-status", Static).update(
            f"{len(self.shown)} shown of {len(self.items)} actions; {overdue} overdue")

    @on(Input.Changed)
    def filter_changed(self) -> None:
        self.fill()

    @on(Input.Submitted)
    def filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_focus_owner(self) -> None:
        self.query_one("#owner", Input).focus()

    def action_focus_team(self) -> None:
        self.query_one("#team", Input).focus()

    def action_next_view(self) -> None:
        keys = [k for k, _ in VIEWS]
        self.view = keys[(keys.index(self.view) + 1) % len(keys)]
        self.fill()

    def selected(self):
        table = self.query_one(DataTable)
        if not table.row_count or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_audit()

    def action_open_audit(self) -> None:
        item = self.selected()
        if item is not None:
            self.app.open_review(item.audit_id)

    def action_mark_done(self) -> None:
        item = self.selected()
        if item is None:
            return
        if item.state == "done":
            self.notify("That action is already done.")
            return
        from ..dialogs.action_done import ActionDoneDialog

        action_id, who = item.id, self.app.services.user

        def given(result) -> None:
            if result is None:
                return
            note, day = result

            def work(session):
                from ..reports.actions_cli import mark_done

                mark_done(session=session, action_id=action_id, who=who, note=note, on=day)

            self.app.save("Action done", work, key="action-done")

        self.app.push_screen(ActionDoneDialog(item.description, self.today), given)

    def on_saved(self, message: Saved) -> None:
        message.stop()
        if message.result.ok and message.result.key == "action-done":
            self.notify("Marked done; the change is in the audit's history.")
            self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
