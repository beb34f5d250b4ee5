"""The audit programme: a month's allocations by auditor and by team (allocated, started,
submitted, overdue), each allocation, and the chase list; start an allocated audit (pre-filled
from the case list), give an allocation to another auditor or more time.

Everything is read and written in workers; the screen only shows what they post back."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from ..literal import literal

VIEWS = (("auditor", "By auditor"), ("team", "By team"), ("allocations", "Allocations"),
         ("overdue", "Overdue: to chase"))
ROW_VIEWS = ("allocations", "overdue")


def shift_month(month: str, by: int) -> str:
    year, number = (int(p) for p in month.split("-"))
    total = year * 12 + number - 1 + by
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


MONTH_KEYS = Binding.Group("Month")  # "p n Month" in the footer: room for esc Back at 80


class ProgrammeScreen(Screen):
    TITLE = "audit-tui"
    SUB_TITLE = "Audit programme"
    AUTO_FOCUS = "#programme-table"
    DEFAULT_CSS = """
    ProgrammeScreen #programme-summary { height: auto; padding: 0 1; text-style: bold; }
    ProgrammeScreen #programme-auditor { height: 1; }
    ProgrammeScreen #programme-table { height: 1fr; }
    ProgrammeScreen #programme-status { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("v", "next_view", "View", tooltip="By auditor, by team, every allocation, or "
                "the overdue ones to chase", id="programme.view"),
        Binding("p", "previous_month", "Previous month", id="programme.previous",
                group=MONTH_KEYS),
        Binding("n", "next_month", "Next month", id="programme.next", group=MONTH_KEYS),
        Binding("a", "all_months", "All months", tooltip="Every month, or back to this one",
                id="programme.all_months"),
        Binding("enter", "start", "Start or open", tooltip="Start the selected allocation's "
                "audit, pre-filled from the case list (or open it)", id="programme.start"),
        Binding("r", "reassign", "Reassign", tooltip="Give the selected allocation to another "
                "auditor", id="programme.reassign"),
        Binding("e", "extend", "Extend", tooltip="Give the selected allocation more time, with "
                "a reason", id="programme.extend"),
        Binding("o", "focus_auditor", "Auditor", tooltip="Show one auditor's allocations (my "
                "allocations)", id="programme.auditor"),
        Binding("escape", "back", "Back", id="programme.back"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list, error: str = "") -> None:
            super().__init__()
            self.rows, self.error = rows, error

    class Done(Message):
        def __init__(self, text: str, audit_id: str | None = None) -> None:
            super().__init__()
            self.text, self.audit_id = text, audit_id

    def __init__(self, *, auditor: str = "", view: str = "auditor",
                 today: date | None = None) -> None:
        super().__init__()
        self.today = today or date.today()
        self.month: str | None = f"{self.today:%Y-%m}"
        self.view = "allocations" if auditor else view
        self.auditor = auditor
        self.rows: list = []
        self.shown: list = []
        self.busy = False
        self.message = ""  # what the last change did, shown once the list is read again
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="programme-summary", markup=False)
        yield Input(value=self.auditor, placeholder="auditor (o): one auditor's allocations",
                    id="programme-auditor", compact=True)
        yield DataTable(id="programme-table", cursor_type="row", zebra_stripes=True)
        yield Static("Loading...", id="programme-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("start", "reassign", "extend"):
            return self.view in ROW_VIEWS
        return True

    # -- loading -------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="programme-load")
    def load(self) -> None:
        from ..programme.status import progress

        try:
            with self.app.services.session() as session:
                rows = progress(session.connection(), today=self.today, month=self.month)
        except Exception as exc:  # a busy or damaged file: said, nothing lost
            self.post_message(self.Loaded([], f"The programme could not be read "
                                              f"({type(exc).__name__})."))
            return
        self.post_message(self.Loaded(rows))

    def on_programme_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        self.loaded = True
        self.fill()
        self.say(message.error or self.message or self.hint())
        self.message = ""

    def hint(self) -> str:
        if not self.rows:
            return ("Nothing is allocated in this month. Import the case lists, draw a sample "
                    "and allocate it: audit-tui programme import | sample | allocate.")
        return "v: view  p/n: month  a: all months  o: auditor  ctrl+p: every command"

    def say(self, text: str) -> None:
        self.query_one("#programme-status", Static).update(text)

    # -- showing -------------------------------------------------------------------------------
    def fill(self) -> None:
        from ..programme.status import completion_line, counts_by

        who = self.query_one("#programme-auditor", Input).value.strip().casefold()
        rows = [r for r in self.rows if not who or who in r.auditor.casefold()]
        scope = self.month or "All months"
        title = dict(VIEWS)[self.view]
        line = completion_line(rows) or "nothing allocated"
        self.query_one("#programme-summary", Static).update(f"{scope} · {title} · {line}")
        table = self.query_one(DataTable)
        cursor = table.cursor_row or 0
        table.clear(columns=True)
        self.call_after_refresh(table.move_cursor, row=cursor)
        if self.view in ROW_VIEWS:
            self.shown = [r for r in rows if self.view == "allocations" or r.overdue]
            for key, title, width in (("case", "Case ref", 10), ("team", "Team", 13),
                                      ("auditor", "Auditor", 12), ("due", "Due", 11),
                                      ("state", "State", 11), ("late", "Late", 7)):
                table.add_column(title, key=key, width=width)
            for r in self.shown:
                table.add_row(Text(literal(r.case_reference)), Text(literal(r.team)),
                              Text(literal(r.auditor or "-")),
                              f"{r.due:%d/%m/%Y}" + ("*" if r.extended else ""), r.state,
                              Text("overdue" if r.overdue else "",
                                   style="bold red" if r.overdue else ""), key=r.id)
            return
        self.shown = []
        for key, title, width in (("name", self.view.title(), 24), ("allocated", "Allocated", 9),
                                  ("started", "Started", 7), ("submitted", "Submitted", 9),
                                  ("overdue", "Overdue", 7), ("waiting", "Waiting", 7)):
            table.add_column(title, key=key, width=width)
        for name, c in counts_by(rows, self.view).items():
            table.add_row(Text(literal(name)), str(c["allocated"]), str(c["started"]),
                          str(c["submitted"]),
                          Text(str(c["overdue"]), style="bold red" if c["overdue"] else ""),
                          str(c["unallocated"]), key=name)

    def selected(self):
        table = self.query_one(DataTable)
        if self.view not in ROW_VIEWS or not self.shown or table.cursor_row is None:
            return None
        return self.shown[min(table.cursor_row, len(self.shown) - 1)]

    # -- actions -------------------------------------------------------------------------------
    def action_next_view(self) -> None:
        names = [v for v, _ in VIEWS]
        self.view = names[(names.index(self.view) + 1) % len(names)]
        self.fill()
        self.refresh_bindings()

    def _month(self, month: str | None) -> None:
        self.month = month
        self.say("Loading...")
        self.load()

    def action_previous_month(self) -> None:
        self._month(shift_month(self.month or f"{self.today:%Y-%m}", -1))

    def action_next_month(self) -> None:
        self._month(shift_month(self.month or f"{self.today:%Y-%m}", 1))

    def action_all_months(self) -> None:
        self._month(None if self.month else f"{self.today:%Y-%m}")

    def action_focus_auditor(self) -> None:
        self.query_one("#programme-auditor", Input).focus()

    @on(Input.Changed, "#programme-auditor")
    def auditor_changed(self) -> None:
        self.fill()

    @on(Input.Submitted, "#programme-auditor")
    def auditor_submitted(self) -> None:
        self.query_one(DataTable).focus()

    def action_back(self) -> None:
        if self.query_one("#programme-auditor", Input).has_focus:
            self.query_one(DataTable).focus()
            return
        self.dismiss()

    @on(DataTable.RowSelected)
    def row_chosen(self) -> None:
        self.action_start()

    def action_start(self) -> None:
        row = self.selected()
        if row is None or self.busy:
            return
        self.busy = True
        self.say(f"Starting the audit of {row.case_reference}...")
        self.change("start", row.id)

    def action_reassign(self) -> None:
        from ..dialogs.reason import ReasonDialog

        row = self.selected()
        if row is None:
            return
        self.app.push_screen(
            ReasonDialog(f"Give {row.case_reference} ({row.team}) to which auditor?",
                         value=row.auditor, ok_label="Reassign"),
            lambda name: name and self.change("reassign", row.id, name))

    def action_extend(self) -> None:
        from ..dialogs.reason import ReasonDialog

        row = self.selected()
        if row is None:
            return

        def got_date(text: str | None) -> None:
            if text:
                self.app.push_screen(
                    ReasonDialog(f"Why does {row.case_reference} need until {text}?",
                                 ok_label="Extend"),
                    lambda reason: reason and self.change("extend", row.id, text, reason))

        self.app.push_screen(ReasonDialog(
            f"{row.case_reference} is due on {row.due:%d/%m/%Y}. New due date (DD/MM/YYYY):",
            ok_label="Next"), got_date)

    @work(thread=True, group="programme-change")
    def change(self, what: str, allocation: str, *values: str) -> None:
        from ..dates import DateInputError
        from ..programme import allocate as allocation_rules
        from ..programme.rules import RuleError

        services = self.app.services
        try:
            with services.session() as session:
                conn = session.connection()
                if what == "start":
                    from ..programme.prefill import start_allocated

                    audit, new = start_allocated(session=session, allocation=allocation,
                                                 catalog=services.catalog(), who=services.user,
                                                 today=self.today)
                    self.post_message(self.Done("", audit.id))
                    return
                if what == "reassign":
                    from ..programme.rules import load_rules

                    allocation_rules.reassign(conn, allocation, to=values[0],
                                              rules=load_rules(services.settings),
                                              who=services.user)
                    text = f"Now allocated to {values[0]}."
                else:
                    from ..dates import parse_date

                    until = parse_date(values[0])
                    allocation_rules.extend(conn, allocation, until=until, reason=values[1],
                                            who=services.user)
                    text = f"Now due on {until:%d/%m/%Y}."
        except (allocation_rules.AllocationError, DateInputError, RuleError) as exc:
            self.post_message(self.Done(f"Not changed: {exc}"))
            return
        except Exception as exc:  # the database (busy, read-only): said, nothing lost
            self.post_message(self.Done(f"Not changed: the database could not be written "
                                        f"({type(exc).__name__})."))
            return
        self.post_message(self.Done(text))

    def on_programme_screen_done(self, message: Done) -> None:
        self.busy = False
        if message.audit_id:
            self.app.open_audit(message.audit_id)
            self.load()
            return
        self.message = message.text
        self.say(message.text)
        self.load()
