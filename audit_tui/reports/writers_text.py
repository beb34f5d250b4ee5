"""The report as plain text (for the terminal), markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

from .figures import GradeFigure, Summary
from .safe import neutralise
from .tables import Table, pack


def heading(s: Summary) -> list[str]:
    lines = [f"Case file audits: summary grades ({s.filters.describe()})",
             f"{s.audits} submitted audit{'s' if s.audits != 1 else ''}; actions as of "
             f"{s.today:%d/%m/%Y}."]
    if s.moderated:
        lines.append(f"{s.moderated} grade(s) moderated; {s.moderated_differ} counted with the "
                     "moderator's grade, which differed from the auditor's (marked *; see "
                     "\"Grades changed by moderation\").")
    if s.escalations:
        lines.append(f"Safeguarding concerns raised: {s.escalations} "
                     f"({s.escalations_open} not yet acknowledged).")
    return lines


def _width(text: str) -> int:
    return len(text)


def text_table(table: Table) -> str:
    widths = [max([_width(c)] + [_width(r[i]) for r in table.rows])
              for i, c in enumerate(table.columns)]

    def line(cells: list[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.rjust(widths[i]) if i >= table.numeric_from else
                       cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    parts = [table.title, "-" * len(table.title), line(table.columns)]
    parts += [line(r) for r in table.rows] or ["(nothing to show)"]
    parts += table.notes
    return "\n".join(parts)


def write_table(s: Summary, by: str) -> str:
    return "\n".join(heading(s)) + "\n\n" + "\n\n".join(text_table(t) for t in pack(s, by)) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_markdown(s: Summary, by: str) -> str:
    title, *subs = heading(s)
    out = [f"# {title}", ""] + [f"{sub}  " for sub in subs[:-1]] + [subs[-1], ""]
    for table in pack(s, by):
        out += [f"## {table.title}", ""]
        out.append("| " + " | ".join(_md_cell(c) for c in table.columns) + " |")
        out.append("|" + "|".join("---:" if i >= table.numeric_from else "---"
                                  for i in range(len(table.columns))) + "|")
        for row in table.rows:
            out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
        if not table.rows:
            out.append("| " + " | ".join(["–"] * len(table.columns)) + " |")
        out += [""] + [f"_{_md_cell(n)}_" for n in table.notes] + [""]
    return "\n".join(out).rstrip() + "\n"


def write_json(s: Summary, by: str) -> str:
    data = s.to_dict()
    data["by"] = by
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _grade_columns(figures: list[GradeFigure]) -> list[tuple[str, int]]:
    seen: dict[tuple[str, int], None] = {}
    for f in figures:
        for v, label in f.labels.items():
            seen[(f"{v} {label}", v)] = None
    return list(seen)


def write_csv(s: Summary, by: str) -> str:
    """The --by table, one row per criterion (or team, month...), numbers as numbers."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    first = "criterion" if by == "criterion" else by
    if by == "criterion":
        rows = [("Overall grade", f) for f in s.overall] + [(f.title, f) for f in s.criteria]
        keyed = [(f.key or "overall", label, f.graded + f.na, f) for label, f in rows]
    else:
        keyed = [(r.value, r.label, r.audits, f) for r in s.breakdowns[by].rows
                 for f in r.overall]
    grade_cols = _grade_columns([k[3] for k in keyed])
    # by criterion: how many of the counted grades are a moderator's that differs from the
    # auditor's (the text report marks those counts '*'; --by moderation compares them)
    flag = by == "criterion"
    writer.writerow([first, "label", "audits", "scale", "graded",
                     *[name for name, _ in grade_cols], "not_applicable", "good_or_better",
                     "inadequate", "pct_good_or_better", "pct_inadequate",
                     *(["moderator_changed"] if flag else [])])
    for key, label, audits, f in keyed:
        pct_good, pct_bad = f.pct_good, f.pct_inadequate
        writer.writerow([
            neutralise(key), neutralise(label), audits, f.scale,
            f.graded, *[f.counts.get(v, "") if f"{v} {f.labels.get(v)}" == name else ""
                        for name, v in grade_cols],
            f.na, f.good, f.inadequate,
            "" if pct_good is None else round(pct_good, 1),
            "" if pct_bad is None else round(pct_bad, 1),
            *([sum(f.changed.values())] if flag else [])])
    return buf.getvalue()
