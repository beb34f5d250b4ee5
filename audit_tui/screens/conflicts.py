"""Conflicts from bundles: the audits whose fields were changed both here and on a laptop, and
for each field this database's value (mine) and the bundle's (theirs). `m` keeps mine and `t`
keeps theirs for the highlighted field, `M` and `T` for every field of the audit. Each choice is
saved through the autosave writer, goes into the audit's history, and clears the conflict."""

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


def _cell(text: str, width: int) -> Text:
    text = " ".join(text.split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return Text(literal(text))


class ConflictsScreen(Screen):
    TITLE = "audit-tui"
    SUB_TITLE = "Conflicts from bundles"
    DEFAULT_CSS = """
    ConflictsScreen #conflict-title { height: auto; padding: 0 1; background: $boost; }
    ConflictsScreen #conflict-audits { height: 1fr; max-height: 10; margin: 0 1; }
    ConflictsScreen #conflict-fields { height: 2fr; margin: 0 1; }
    ConflictsScreen #conflict-detail { height: auto; max-height: 8; padding: 0 1;
        background: $panel; }
    """
    BINDINGS = [
        Binding("m", "keep('mine')", "Keep mine", id="conflicts.mine",
                tooltip="Keep this database's value for the highlighted field"),
        Binding("t", "keep('theirs')", "Keep theirs", id="conflicts.theirs",
                tooltip="Take the bundle's value for the highlighted field"),
        Binding("M", "keep_all('mine')", "All mine", id="conflicts.all_mine",
                tooltip="Keep this database's value for every conflicting field of the audit"),
        Binding("T", "keep_all('theirs')", "All theirs", id="conflicts.all_theirs",
                tooltip="Take the bundle's value for every conflicting field of the audit"),
        Binding("o", "open_audit", "Open audit", id="conflicts.open"),
        Binding("tab", "switch", "Audits/fields", show=False, id="conflicts.switch"),
        Binding("escape", "back", "Back", id="conflicts.back"),
    ]

    class Loaded(Message):
        def __init__(self, audits: list, error: str = "") -> None:
            super().__init__()
            self.audits, self.error = audits, error

    def __init__(self) -> None:
        super().__init__()
        self.audits: list = []  # sync.resolve.AuditConflicts
        self.busy = False

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return self.app.services.may(action)  # on a shared server, only the role's actions

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the conflicts…", id="conflict-title", markup=False)
        yield DataTable(id="conflict-audits", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="conflict-fields", cursor_type="row", zebra_stripes=True)
        yield Static("", id="conflict-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        audits = self.query_one("#conflict-audits", DataTable)
        for key, title, width in (("case", "Case ref", 12), ("template", "Template", 24),
                                  ("team", "Team", 18), ("status", "Status", 9),
                                  ("fields", "Fields", 6)):
            audits.add_column(title, key=key, width=width)
        fields = self.query_one("#conflict-fields", DataTable)
        for key, title, width in (("field", "Field", 26), ("mine", "Mine (here)", 22),
                                  ("theirs", "Theirs (bundle)", 22)):
            fields.add_column(title, key=key, width=width)
        fields.focus()
        self.load()

    # -- data -----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="conflicts-load")
    def load(self) -> None:
        try:
            from ..sync.resolve import list_conflicts

            with self.app.services.session() as session:
                found = list_conflicts(session=session)
        except Exception as exc:  # a locked database or a server gone: say so, keep the screen
            self.post_message(self.Loaded([], f"Could not read the conflicts: {exc}"))
            return
        self.post_message(self.Loaded(found))

    def on_conflicts_screen_loaded(self, message: Loaded) -> None:
        self.busy = False
        current = self.current_audit()
        keep_id = current.audit_id if current is not None else None
        self.audits = message.audits
        table = self.query_one("#conflict-audits", DataTable)
        table.clear()
        for item in self.audits:
            table.add_row(_cell(item.case_reference, 12), _cell(item.template, 24),
                          _cell(item.team, 18), item.status, str(len(item.fields)),
                          key=item.audit_id)
        if keep_id is not None:
            for index, item in enumerate(self.audits):
                if item.audit_id == keep_id:
                    table.move_cursor(row=index)
        n = len(self.audits)
        self.query_one("#conflict-title", Static).update(
            "No conflicts: every imported audit agrees with this database." if not n else
            f"{n} audit{'s' if n != 1 else ''} with fields changed both here and in a bundle. "
            "m keeps mine, t keeps theirs (M, T: every field of the audit).")
        self.show_fields()
        if message.error:
            self.notify(message.error, severity="error", timeout=10)

    def current_audit(self):
        table = self.query_one("#conflict-audits", DataTable)
        if not self.audits or table.cursor_row >= len(self.audits):
            return None
        return self.audits[max(table.cursor_row, 0)]

    def current_field(self):
        item = self.current_audit()
        table = self.query_one("#conflict-fields", DataTable)
        if item is None or not item.fields or table.cursor_row >= len(item.fields):
            return None
        return item.fields[max(table.cursor_row, 0)]

    def show_fields(self) -> None:
        table = self.query_one("#conflict-fields", DataTable)
        row = table.cursor_row
        table.clear()
        item = self.current_audit()
        if item is not None:
            for f in item.fields:
                table.add_row(_cell(f.label, 26), _cell(f.mine, 22), _cell(f.theirs, 22),
                              key=f.field)
            table.move_cursor(row=min(max(row, 0), max(len(item.fields) - 1, 0)))
        self.show_detail()

    def show_detail(self) -> None:
        detail = self.query_one("#conflict-detail", Static)
        f = self.current_field()
        if f is None:
            detail.update("")
            return
        detail.update(Text(literal(f"{f.label}\nMine (this database): {f.mine}\n"
                                   f"Theirs (the bundle):  {f.theirs}")))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "conflict-audits":
            self.show_fields()
        else:
            self.show_detail()

    # -- actions --------------------------------------------------------------------------------
    def action_switch(self) -> None:
        audits = self.query_one("#conflict-audits", DataTable)
        fields = self.query_one("#conflict-fields", DataTable)
        (fields if audits.has_focus else audits).focus()

    def action_keep(self, keep: str) -> None:
        item, f = self.current_audit(), self.current_field()
        if item is None or f is None or self.busy:
            return
        self._save(item.audit_id, [f.field], keep,
                   f"Kept {'this database' if keep == 'mine' else 'the bundle'}'s value: "
                   f"{f.label}")

    def action_keep_all(self, keep: str) -> None:
        item = self.current_audit()
        if item is None or not item.fields or self.busy:
            return
        n = len(item.fields)
        self._save(item.audit_id, [f.field for f in item.fields], keep,
                   f"Kept {'this database' if keep == 'mine' else 'the bundle'}'s value for "
                   f"{n} field{'s' if n != 1 else ''} of {item.case_reference}")

    def _save(self, audit_id: str, fields: list[str], keep: str, done: str) -> None:
        who = self.app.services.user
        self.busy = True
        self.done_message = done

        def work(session):
            from ..sync.resolve import resolve_fields

            resolve_fields(session=session, audit_id=audit_id, fields=fields, keep=keep,
                           who=who)

        self.app.save("Resolve conflict", work, key="conflict")

    def on_saved(self, message: Saved) -> None:
        message.stop()
        if message.result.key != "conflict":
            return
        if message.result.ok:
            self.notify(self.done_message, timeout=4)
        self.load()

    def action_open_audit(self) -> None:
        item = self.current_audit()
        if item is not None:
            self.app.open_review(item.audit_id)

    def on_screen_resume(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
