"""The moderation queue: submitted audits awaiting moderation by the rule in the settings
(every audit with an overall grade in `moderate_grades`, plus one in `moderate_one_in` of the
others), never the moderator's own; enter opens one in moderation mode."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ..literal import literal


class ModerationQueueScreen(Screen):
    TITLE = "audit-tui"
    SUB_TITLE = "Moderation queue"
    DEFAULT_CSS = """
    ModerationQueueScreen #queue { height: 1fr; }
    ModerationQueueScreen #queue-status { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("enter", "moderate", "Moderate", id="moderation_queue.open"),
        Binding("m", "toggle_done", "Moderated", tooltip="Switch between the audits awaiting "
                "moderation and those already moderated (both grades shown)",
                id="moderation_queue.toggle_done"),
        Binding("r", "refresh", "Refresh", show=False, id="moderation_queue.refresh"),
        Binding("escape", "back", "Back", id="moderation_queue.back"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list, error: str = "") -> None:
            super().__init__()
            self.rows, self.error = rows, error

    def __init__(self) -> None:
        super().__init__()
        self.rows: list = []
        self.done = False  # False: awaiting moderation; True: already moderated

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return self.app.services.may(action)  # on a shared server, only the role's actions

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield Static("", id="queue-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title, width in (("date", "Audited", 10), ("case", "Case ref", 11),
                                  ("auditor", "Auditor", 14), ("team", "Team", 12),
                                  ("grade", "Overall", 8)):
            table.add_column(title, key=key, width=width)
        table.focus()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="queue-load")
    def load(self) -> None:
        from ..db.moderation import moderated_audits, queue

        services = self.app.services
        self.app.saver.flush(timeout=5.0)
        try:
            with services.session() as session:
                audits = (moderated_audits(session=session) if self.done else queue(
                    session=session, moderator=services.user,
                    rule=services.settings.moderation_rule()))
                rows = [(a.id, a.audit_date, a.case_reference, a.auditor, a.team,
                         a.overall_grade) for a in audits]
        except Exception as exc:
            self.post_message(self.Loaded([], f"Could not read the queue: {exc}"))
            return
        self.post_message(self.Loaded(rows))

    def on_moderation_queue_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.query_one(DataTable)
        table.clear()
        for audit_id, day, ref, auditor, team, grade in self.rows:
            table.add_row(day.strftime("%d/%m/%Y"), Text(literal(ref)), Text(literal(auditor)),
                          Text(literal(team)),
                          Text(str(grade or "-"), style="bold red" if grade == 4 else ""),
                          key=audit_id)
        rule = self.app.services.settings.moderation_rule()
        grades = ", ".join(str(g) for g in rule.grades) or "none"
        sample = f"1 in {rule.one_in} of the others" if rule.one_in else "no sample"
        self.sub_title = "Moderated audits" if self.done else "Moderation queue"
        self.query_one("#queue-status", Static).update(
            message.error or (f"{len(self.rows)} moderated (m: back to the queue)" if self.done
                              else f"{len(self.rows)} awaiting moderation (overall grades "
                              f"{grades}; {sample}; never your own; m: moderated ones)."))

    def action_moderate(self) -> None:
        table = self.query_one(DataTable)
        if self.rows and table.cursor_row < len(self.rows):
            self.app.open_moderation(self.rows[table.cursor_row][0])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_moderate()

    def action_toggle_done(self) -> None:
        self.done = not self.done
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
