"""The QA team's dashboard: summary grades over the submitted audits, with a filter bar, tables,
bar charts of the grade distribution and a month-by-month trend, and from any figure the
audits behind it.

The figures are added up in a worker (`load`) that posts `Loaded` back; widgets are only
touched on the UI thread, in the message handler.
"""

from __future__ import annotations

from datetime import date

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from ..reports.figures import Summary
from ..reports.filters import DIMENSIONS, Filters
from ..widgets.bar_chart import GradeBars
from ..widgets.dashboard_filters import FilterBar
from ..widgets.trend_chart import TrendChart
from . import dashboard_tables as tables

BY_ORDER = ("team", "month", "template", "auditor", "service_area")
TABS = ("grades", "trend", "timeliness", "yesno", "actions", "moderation")
TABLES = {"grades": "#grades", "trend": "#by", "timeliness": "#indicators",
          "yesno": "#yesno", "actions": "#actions", "moderation": "#agreement"}
CHOICE_SQL = {"team": "team", "service_area": "service_area", "template": "template_key",
              "auditor": "auditor"}


class DashboardScreen(Screen):
    TITLE = "audit-tui"
    SUB_TITLE = "Dashboard"
    DEFAULT_CSS = """
    DashboardScreen #dash-summary { height: auto; padding: 0 1; background: $boost; }
    DashboardScreen TabbedContent { height: 1fr; }
    DashboardScreen TabPane { padding: 0; height: 1fr; }
    DashboardScreen DataTable { height: auto; max-height: 100%; margin: 0 1; }
    DashboardScreen .dash-title { padding: 1 1 0 1; text-style: bold; }
    """
    BINDINGS = [
        Binding("enter", "drill", "Audits behind it", id="dashboard.drill"),
        Binding("b", "next_by", "Break down by…", id="dashboard.by"),
        Binding("f", "focus_filters", "Filters", id="dashboard.filters"),
        Binding("c", "clear_filters", "Clear filters", id="dashboard.clear"),
        Binding("r", "refresh", "Refresh", id="dashboard.refresh"),
        Binding("escape", "back", "Back", id="dashboard.back"),
        *[Binding(str(i + 1), f"show_tab('{tab}')", f"Show {tab}", show=False,
                  id=f"dashboard.tab_{tab}") for i, tab in enumerate(TABS)],
    ]

    class Loaded(Message):
        def __init__(self, serial: int, summary: Summary | None = None,
                     choices: dict | None = None, error: str = "",
                     agreement: dict | None = None) -> None:
            super().__init__()
            self.serial, self.summary, self.choices, self.error = serial, summary, choices, error
            self.agreement = agreement

    def __init__(self, filters: Filters | None = None, today: date | None = None) -> None:
        super().__init__()
        self.filters = filters or Filters()
        self.today = today
        self.by = "team"
        self.summary: Summary | None = None
        self.serial = 0
        self.loading = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield FilterBar(self.filters, id="filter-bar")
        yield Static("Adding up the audits…", id="dash-summary", markup=False)
        with TabbedContent(initial="tab-grades"):
            with TabPane("Grades", id="tab-grades"):
                with VerticalScroll():
                    yield GradeBars(id="bars")
                    yield DataTable(id="grades", cursor_type="cell", zebra_stripes=True)
            with TabPane("Trend and breakdown", id="tab-trend"):
                with VerticalScroll():
                    yield Static("Overall grade, month by month", classes="dash-title")
                    yield TrendChart(id="trend-chart")
                    yield Static("", id="by-title", classes="dash-title", markup=False)
                    yield DataTable(id="by", cursor_type="cell", zebra_stripes=True)
            with TabPane("Timeliness", id="tab-timeliness"):
                yield DataTable(id="indicators", cursor_type="cell", zebra_stripes=True)
            with TabPane("Yes/no", id="tab-yesno"):
                yield DataTable(id="yesno", cursor_type="cell", zebra_stripes=True)
            with TabPane("Actions", id="tab-actions"):
                yield DataTable(id="actions", cursor_type="cell", zebra_stripes=True)
            with TabPane("Moderation", id="tab-moderation"):
                with VerticalScroll():
                    yield Static("Agreement between auditors and moderators (exact share; "
                                 "linearly weighted Cohen's kappa)", classes="dash-title")
                    yield DataTable(id="agreement", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#grades", DataTable).focus()
        self.refresh_figures(choices=True)

    # -- loading -----------------------------------------------------------------------------
    def refresh_figures(self, choices: bool = False) -> None:
        self.serial += 1
        self.loading = True
        self.query_one("#dash-summary", Static).update("Adding up the audits…")
        self.load(self.serial, self.filters, self.by, choices)

    @work(thread=True, exclusive=True, group="dashboard")
    def load(self, serial: int, filters: Filters, by: str, choices: bool) -> None:
        try:
            from ..db.engine import read_only
            from ..reports.aggregate import summary
            from ..reports.commands import ensure_facts

            engine = self.app.services.engine()
            ensure_facts(engine)
            with read_only(engine).connect() as conn:
                with conn.begin():
                    figures = summary(conn=conn, filters=filters, today=self.today,
                                      by=tuple(dict.fromkeys((by, "month"))))
                    options = self._choices(conn) if choices else None
                    from ..reports.agreement import agreement_rows

                    agreement = agreement_rows(conn, filters)
        except Exception as exc:  # a locked or damaged database: say so, keep the screen
            self.post_message(self.Loaded(serial, error=self.app.services.explain(
                exc, "Could not add up the audits")))
            return
        self.post_message(self.Loaded(serial, figures, options, agreement=agreement))

    @staticmethod
    def _choices(conn) -> dict[str, list[tuple[str, str]]]:
        from ..reports.labels import labels_for

        labels = labels_for(conn)
        out = {}
        for name, column in CHOICE_SQL.items():
            values = [r[0] for r in conn.exec_driver_sql(
                f"SELECT {column} FROM fact_audit GROUP BY {column}") if r[0]]
            out[name] = [(labels.template(v) if name == "template" else v, v) for v in values]
        return out

    def on_dashboard_screen_loaded(self, message: Loaded) -> None:
        if message.serial != self.serial:
            return  # an older load, overtaken by a newer filter
        self.loading = False
        if message.error:
            self.query_one("#dash-summary", Static).update(message.error)
            self.notify(message.error, severity="error", timeout=10)
            return
        if message.choices is not None:
            self.query_one(FilterBar).set_choices(message.choices)
        self.summary = s = message.summary
        self.show(s)
        if self.focused is None:
            self.current_table().focus()  # visible focus, enter works at once
        self.show_agreement(message.agreement or {})

    def show_agreement(self, agreement: dict) -> None:
        from rich.text import Text

        from ..literal import literal
        from ..reports.agreement import kappa_text, pct

        table = self.query_one("#agreement", DataTable)
        table.clear(columns=True)
        for key, title in (("by", "By"), ("name", "Criterion / auditor"), ("pairs", "Pairs"),
                           ("exact", "Exact"), ("kappa", "Kappa")):
            table.add_column(title, key=key)
        labels = self.summary and {f.key: f.title for f in self.summary.criteria} or {}
        for by in ("criterion", "auditor"):
            for row in agreement.get(by, []):
                label = labels.get(row.key, row.label) if by == "criterion" else row.label
                table.add_row(by, Text(literal(label)), str(row.pairs), pct(row.exact),
                              kappa_text(row.kappa), key=f"{by}|{row.key}")

    def show(self, s: Summary) -> None:
        overall = s.overall[0] if s.overall else None
        line = f"{s.audits} submitted audit{'s' if s.audits != 1 else ''} ({s.filters.describe()})"
        if overall is not None:
            line += (f" · overall good or better {overall.good_text()} · inadequate "
                     f"{overall.inadequate_text()}")
        line += f" · {s.actions.total.overdue} overdue action(s)"
        if s.moderated_differ:
            line += (f" · {s.moderated_differ} grade(s) changed by moderation: the moderator's "
                     "counted, marked *")
            if s.moderation_scope:
                line += f" (moderations: {s.moderation_scope})"
        self.query_one("#dash-summary", Static).update(line)
        rows = [("Overall grade", f) for f in s.overall[:1]]
        rows += [(f.title, f) for f in s.criteria if overall is None or f.scale == overall.scale]
        self.query_one("#bars", GradeBars).show(rows)
        tables.fill_grades(self.query_one("#grades", DataTable), s)
        months = s.breakdowns.get("month")
        self.query_one("#trend-chart", TrendChart).show(
            [(r.label, r.overall[0]) for r in months.rows if r.overall] if months else [])
        breakdown = s.breakdowns.get(self.by)
        self.query_one("#by-title", Static).update(
            f"Overall grade by {DIMENSIONS[self.by].lower()} (b: break down by another)")
        if breakdown is not None:
            tables.fill_breakdown(self.query_one("#by", DataTable), breakdown)
        tables.fill_indicators(self.query_one("#indicators", DataTable), s)
        tables.fill_yes_no(self.query_one("#yesno", DataTable), s)
        tables.fill_actions(self.query_one("#actions", DataTable), s)

    # -- filters -----------------------------------------------------------------------------
    @on(FilterBar.Changed)
    def _filters_changed(self, event: FilterBar.Changed) -> None:
        self.filters = event.filters
        self.refresh_figures()

    @on(FilterBar.Refused)
    def _filters_refused(self, event: FilterBar.Refused) -> None:
        self.notify(event.reason, title="Filter not changed", severity="warning")

    def action_focus_filters(self) -> None:
        self.query_one("#filter-from").focus()

    def action_clear_filters(self) -> None:
        self.query_one(FilterBar).clear()

    def action_refresh(self) -> None:
        self.refresh_figures(choices=True)

    def action_next_by(self) -> None:
        self.by = BY_ORDER[(BY_ORDER.index(self.by) + 1) % len(BY_ORDER)]
        self.query_one(TabbedContent).active = "tab-trend"
        self.refresh_figures()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{tab}"
        self.query_one(TABLES[tab], DataTable).focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    # -- drill-down --------------------------------------------------------------------------
    def current_table(self) -> DataTable:
        """The focused table, or else the table of the tab on show."""
        if isinstance(self.focused, DataTable):
            return self.focused
        tab = (self.query_one(TabbedContent).active or "tab-grades").removeprefix("tab-")
        return self.query_one(TABLES[tab], DataTable)

    def current_cell(self) -> tuple[str, str, str] | None:
        table = self.current_table()
        if not table.row_count:
            return None
        row_key, column_key = table.coordinate_to_cell_key(table.cursor_coordinate)
        return table.id or "", str(row_key.value), str(column_key.value)

    def action_drill(self) -> None:
        found = self.current_cell()
        if found is None or found[0] == "agreement":
            return
        pick, dimension, value = tables.pick_for(*found, by=self.by)
        if pick is None:
            return
        filters = self.filters.narrowed(dimension, value) if dimension else self.filters
        from .dashboard_drill import DrillScreen

        self.app.push_screen(DrillScreen(filters, pick, today=self.today))

    @on(DataTable.CellSelected)
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_drill()
