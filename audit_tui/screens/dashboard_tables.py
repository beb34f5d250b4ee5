"""Fill the dashboard's tables from the figures, and tell which figure a cell stands for.

Each table's row keys and column keys say what the cell counts, so that a drill-down knows
the audits behind it: `pick_for(table_id, row_key, column_key)`.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ..reports.drill import Pick
from ..reports.figures import ActionRow, Breakdown, GradeFigure, Summary, amount_text, pct_text
from ..reports.filters import DIMENSIONS
from ..reports.tables import UNITS


def _grade_columns(figures: list[GradeFigure]) -> list[int]:
    values: dict[int, None] = {}
    for f in figures:
        values.update(dict.fromkeys(f.labels))
    return sorted(values)


NAME_WIDTH = 28  # the first column (a criterion, question, team...): cut with "…" beyond


def _name(text: str) -> Text:
    return Text(text, no_wrap=True, overflow="ellipsis")


def _reset(table: DataTable, columns: list[tuple[str, str]]) -> None:
    """The columns; the first (names) is at most NAME_WIDTH wide, so the counts beside it
    stay on screen at 80 columns (the whole name is in the drill-down)."""
    table.clear(columns=True)
    for key, title in columns:
        table.add_column(title, key=key, width=NAME_WIDTH if key == "name" else None)


def _grade_cells(f: GradeFigure, values: list[int]) -> list:
    return [Text(str(f.graded), justify="right"),
            *[Text(f.count_text(v) if v in f.counts else "", justify="right") for v in values],
            Text(str(f.na), justify="right"), Text(f.good_text(), justify="right"),
            Text(f.inadequate_text(), justify="right")]


def _grade_headers(values: list[int], figures: list[GradeFigure]) -> list[tuple[str, str]]:
    names: dict[int, str] = {}
    for f in figures:
        for v, label in f.labels.items():
            names.setdefault(v, label)
    return [("graded", "Graded"), *[(f"g:{v}", f"{v} {names[v][:12]}") for v in values],
            ("na", "N/A"), ("good", "Good+"), ("inadequate", "Inadequate")]


def fill_grades(table: DataTable, s: Summary) -> None:
    figures = s.overall + s.criteria
    values = _grade_columns(figures)
    _reset(table, [("name", "Criterion"), *_grade_headers(values, figures)])
    for f in figures:
        kind = "overall" if not f.key else "grade"
        table.add_row(_name(f.title), *_grade_cells(f, values), key=f"{kind}|{f.key}|{f.scale}")


def fill_breakdown(table: DataTable, b: Breakdown) -> None:
    figures = [f for row in b.rows for f in row.overall]
    values = _grade_columns(figures)
    _reset(table, [("name", DIMENSIONS[b.by]), ("audits", "Audits"),
                   *_grade_headers(values, figures)])
    for row in b.rows:
        for f in row.overall or [None]:
            cells = _grade_cells(f, values) if f else [""] * (len(values) + 4)
            table.add_row(_name(row.label), Text(str(row.audits), justify="right"), *cells,
                          key=f"{row.value}|{f.scale if f else ''}")


def fill_indicators(table: DataTable, s: Summary) -> None:
    _reset(table, [("name", "Indicator"), ("limit", "Limit"), ("met", "Met"),
                   ("missed", "Missed"), ("nodata", "No data"), ("open", "Still open"),
                   ("never", "Never"), ("pct", "Met %"), ("median", "Median"), ("worst", "Worst")])
    for f in s.indicators:
        unit = UNITS.get(f.unit, f.unit)
        plo = " (PLO)" if f.criterion == "plo_drift" else ""
        table.add_row(_name(f.label + plo), Text(f"{amount_text(f.limit)} {unit}"),
                      *[Text(str(v), justify="right")
                        for v in (f.met, f.missed, f.no_data, f.still_open, f.never)],
                      Text(f.met_text(), justify="right"),
                      Text(amount_text(f.median), justify="right"),
                      Text(amount_text(f.worst), justify="right"), key=f.key)


def fill_yes_no(table: DataTable, s: Summary) -> None:
    _reset(table, [("name", "Question"), ("answered", "Answered"), ("yes", "Yes"),
                   ("no", "No"), ("na", "N/A")])
    for f in s.yes_no:
        n = f.answered
        table.add_row(_name(f.prompt), Text(str(n), justify="right"),
                      *[Text(f"{v} · {pct_text(v, n)}", justify="right")
                        for v in (f.yes, f.no, f.na)], key=f.key)


def fill_actions(table: DataTable, s: Summary) -> None:
    _reset(table, [("name", "Owner or team"), ("open", "Open"), ("overdue", "Overdue"),
                   ("done", "Done"), ("other", "Other"), ("total", "Total")])

    def add(prefix: str, row: ActionRow, label: str) -> None:
        table.add_row(_name(label), *[Text(str(v), justify="right") for v in (
            row.open, row.overdue, row.done, row.other, row.total)],
                      key=f"{prefix}|{row.name}")

    add("all", s.actions.total, "All actions")
    for row in s.actions.by_owner:
        add("owner", row, f"Owner: {row.name or '(none)'}")
    for row in s.actions.by_team:
        add("team", row, f"Team: {row.name or '(none)'}")


def pick_for(table_id: str, row_key: str, column: str, by: str = "team"):
    """(Pick, dimension to narrow by or None, its value) for a cell of a dashboard table."""
    if table_id == "grades":
        kind, key, _ = row_key.split("|", 2)
        value = (column[2:] if column.startswith("g:") else
                 column if column in ("na", "good", "inadequate") else "")
        return Pick(kind, key, value), None, None
    if table_id == "by":
        value = row_key.split("|", 1)[0]
        grade = (column[2:] if column.startswith("g:") else
                 column if column in ("na", "good", "inadequate") else "")
        pick = Pick("overall", "", grade) if grade else Pick("audits")
        return pick, by, value
    if table_id == "indicators":
        value = column if column in ("met", "missed", "nodata", "open", "never") else ""
        return Pick("indicator", row_key, value), None, None
    if table_id == "yesno":
        return Pick("yes_no", row_key, column if column in ("yes", "no", "na") else ""), \
            None, None
    if table_id == "actions":
        prefix, name = row_key.split("|", 1)
        status = column if column in ("open", "overdue", "done") else ""
        if prefix == "owner":
            return Pick("action", name, status), None, None
        if prefix == "team":
            return Pick("action", "", status), "team", name
        return Pick("action", "", status), None, None
    return None, None, None
