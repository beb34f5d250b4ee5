"""The monthly pack as tables of text: what the table, markdown and HTML writers lay out.

Each table has a title, column names, rows of cells (text, already formatted: counts,
"50% (n=4)") and notes. Numbers for CSV and JSON are taken from the figures, not from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .figures import (
    ActionRow,
    Breakdown,
    GradeFigure,
    Summary,
    amount_text,
    pct_text,
)
from .filters import DIMENSIONS

UNITS = {"working_days": "working days", "calendar_days": "days", "weeks": "weeks",
         "months": "months"}


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    key: str = ""  # what the table shows: 'grades', 'by', 'indicators', ...
    numeric_from: int = 1  # columns from this one on are right-aligned


def _scale_groups(figures: list[GradeFigure]) -> list[list[GradeFigure]]:
    groups: dict[str, list[GradeFigure]] = {}
    for f in figures:
        groups.setdefault(f.scale, []).append(f)
    return list(groups.values())


def legend(figure: GradeFigure) -> str:
    return "Grades: " + ", ".join(f"{v} {label}" for v, label in figure.labels.items()) + "."


def grade_tables(title: str, figures: list[GradeFigure], first: str = "Criterion",
                 key: str = "grades") -> list[Table]:
    tables = []
    for group in _scale_groups(figures):
        values = list(group[0].labels)
        table = Table(title, [first, "Graded", *[str(v) for v in values], "N/A",
                              "Good or better", "Inadequate"], key=key)
        for f in group:
            table.rows.append([f.title, str(f.graded), *[f.count_text(v) for v in values],
                               str(f.na), f.good_text(), f.inadequate_text()])
        table.notes.append(legend(group[0]))
        if any(f.changed for f in group):
            table.notes.append(CHANGED_NOTE)
        tables.append(table)
    return tables


CHANGED_NOTE = ("* includes grades a moderator changed: the moderator's grade is counted; "
                "the auditor's is under \"Grades changed by moderation\".")


def moderation_table(s: Summary) -> Table | None:
    """The grades a moderator changed, from the auditor's grade to the one counted; None when
    there are none."""
    from .moderated import LEGEND, MARK

    if not s.moderation_changes:
        return None
    table = Table("Grades changed by moderation", ["Criterion", "Auditor's grade",
                                                   "Counted (moderator's)", "Grades"],
                  key="moderation", numeric_from=3)
    for c in s.moderation_changes:
        table.rows.append([c.title, _grade(c.auditor_grade, c.auditor_label),
                           _grade(c.moderator_grade, c.moderator_label) + MARK, str(c.count)])
    table.notes.append(LEGEND)
    table.notes.append(f"{s.moderated} grade(s) moderated in all; the moderator agreed with "
                       f"{s.moderated - s.moderated_differ}. Agreement by criterion and "
                       "auditor: audit-tui report --by moderation.")
    return table


def _grade(value: int, label: str) -> str:
    return f"{value} {label}" if label and label != str(value) else str(value)


def breakdown_tables(b: Breakdown, labels_of_criteria: dict[str, str]) -> list[Table]:
    name = DIMENSIONS[b.by]
    tables = []
    overall = [(row, f) for row in b.rows for f in row.overall]
    for scale in dict.fromkeys(f.scale for _, f in overall):
        pairs = [(row, f) for row, f in overall if f.scale == scale]
        values = list(pairs[0][1].labels)
        table = Table(f"Overall grade by {name.lower()}",
                      [name, "Audits", *[str(v) for v in values], "N/A", "Good or better",
                       "Inadequate"], key="by")
        for row, f in pairs:
            table.rows.append([row.label, str(row.audits),
                               *[str(f.counts.get(v, 0)) for v in values], str(f.na),
                               f.good_text(), f.inadequate_text()])
        table.notes.append(legend(pairs[0][1]))
        tables.append(table)
    criteria = b.criteria()
    if criteria:
        matrix = Table(f"Good or better by criterion and {name.lower()}",
                       [name, *[labels_of_criteria.get(c, c) for c in criteria]], key="matrix")
        for row in b.rows:
            cells = []
            for c in criteria:
                figs = row.criteria.get(c, [])
                cells.append(" / ".join(f.good_text() for f in figs) if figs else "–")
            matrix.rows.append([row.label, *cells])
        matrix.notes.append("Share of graded sections rated good or better; not applicable "
                            "is not counted.")
        tables.append(matrix)
    return tables


def unique_labels(labels: list[tuple[str, str]]) -> list[str]:
    """(key, label) pairs' labels, each label two keys share followed by its key, so no two
    rows of a report read the same."""
    from collections import Counter

    seen = Counter(label for _, label in labels)
    return [f"{label} ({key})" if seen[label] > 1 else label for key, label in labels]


def _amount(value, unit: str) -> str:
    text = amount_text(value)
    return text if value is None else f"{text} {UNITS.get(unit, unit)}"


def indicator_table(s: Summary) -> Table:
    table = Table("Timeliness", ["Indicator", "Limit", "Met", "Missed", "No data",
                                 "Still open", "Never happened", "Met (%)", "Median", "Worst"],
                  key="indicators")
    labels = unique_labels([(f.key, f.label) for f in s.indicators])
    for f, label in zip(s.indicators, labels):
        table.rows.append([label, _amount(f.limit, f.unit), str(f.met), str(f.missed),
                           str(f.no_data), str(f.still_open), str(f.never), f.met_text(),
                           _amount(f.median, f.unit), _amount(f.worst, f.unit)])
    table.notes.append("Still open: not done by the audit date, measured to the audit date. "
                       "Never happened: the audit answered that it never took place (counted "
                       "as met or missed as the template says). "
                       "Median and worst are over the audits with data.")
    return table


def plo_table(s: Summary) -> Table:
    table = Table("Pre-proceedings (PLO) drift", ["Measure", "Cases", "Still in pre-proceedings",
                                                   "Past the limit", "Median", "Longest"],
                  key="plo")
    for f in s.plo:
        table.rows.append([f.label, str(f.measured), str(f.still_open),
                           f"{f.missed} · {pct_text(f.missed, f.measured)}",
                           _amount(f.median, f.unit), _amount(f.worst, f.unit)])
    if not s.plo:
        table.notes.append("No audit in this selection has a pre-proceedings timescale.")
    return table


def yes_no_table(s: Summary) -> Table:
    partly = any(f.partly for f in s.yes_no)  # the column shows only when a template asks it
    heads = ["Question", "Answered", "Yes"] + (["Partly"] if partly else []) + ["No", "N/A"]
    table = Table("Yes/no items", heads, key="yes_no")
    for f, prompt in zip(s.yes_no, unique_labels([(f.key, f.prompt) for f in s.yes_no])):
        n = f.answered
        counts = [f.yes] + ([f.partly] if partly else []) + [f.no, f.na]
        table.rows.append([prompt, str(n), *(f"{c} · {pct_text(c, n)}" for c in counts)])
    return table


def action_tables(s: Summary) -> list[Table]:
    def rows(items: list[ActionRow]) -> list[list[str]]:
        return [[r.name or "(no owner)", str(r.open), str(r.overdue), str(r.done),
                 str(r.other), str(r.total)] for r in items]

    columns = ["Open", "Overdue", "Done", "Other", "Total"]
    total = Table("Actions", ["", *columns], rows([s.actions.total]), key="actions")
    total.notes.append(f"Overdue: open and past the due date on {s.today:%d/%m/%Y}.")
    return [total,
            Table("Actions by owner", ["Owner", *columns], rows(s.actions.by_owner),
                  key="actions_owner"),
            Table("Actions by team", ["Team", *columns], rows(s.actions.by_team),
                  key="actions_team")]


def pack(s: Summary, by: str = "criterion") -> list[Table]:
    """Every table of the monthly pack, the --by one first after the overall grade."""
    criteria_titles = {f.key: f.title for f in s.criteria}
    tables = grade_tables("Overall grade", s.overall, first="", key="overall")
    criteria = grade_tables("Grades by criterion", s.criteria)
    if by == "criterion":
        tables += criteria
    else:
        tables += breakdown_tables(s.breakdowns[by], criteria_titles) + criteria
    moderation = moderation_table(s)
    if moderation is not None:
        tables.append(moderation)
    tables += [indicator_table(s), plo_table(s), yes_no_table(s), *action_tables(s)]
    return tables
