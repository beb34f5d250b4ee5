"""The report as plain text (for the terminal), markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import textwrap

from .figures import GradeFigure, Summary
from .safe import neutralise
from .tables import Table, pack


def heading(s: Summary) -> list[str]:
    lines = [f"Case file audits: summary grades ({s.filters.describe()})",
             f"{s.audits} submitted audit{'s' if s.audits != 1 else ''}; actions as of "
             f"{s.today:%d/%m/%Y}."]
    if s.moderation_scope and (s.moderated or s.escalations):
        lines.append(f"The grades count every audit; the moderations and concerns below count "
                     f"{s.moderation_scope}.")
    if s.moderated:
        lines.append(f"{s.moderated} grade(s) moderated; {s.moderated_differ} counted with the "
                     "moderator's grade, which differed from the auditor's (marked *; see "
                     "\"Grades changed by moderation\").")
    if s.escalations:
        lines.append(f"Safeguarding concerns raised: {s.escalations} "
                     f"({s.escalations_open} not yet acknowledged).")
    if s.programme:
        lines.append(f"Audit programme: {s.programme}.")
    return lines


HEAD_WIDTH = 12  # a number column's heading wraps to this (or its cells' width)
SPLIT_NOTE = ("Split to fit {width} columns: --width 0 prints each table whole, --format csv "
              "gives the figures.")


def _wrapped(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    return textwrap.wrap(text, limit, break_long_words=True) or [""]


def column_limits(table: Table, width: int) -> list[int]:
    """How wide each column may be: everything when `width` is 0; otherwise a text column at
    most a third of the width (at least 20; less where several text columns lead, so they
    and one more column fit together, but at least 8), a number column's heading
    wrapped to its cells' width (at least HEAD_WIDTH)."""
    limits = []
    texts = min(table.numeric_from, len(table.columns))
    text_limit = max(8, min(max(20, width // 3),
                                     (width - 2 * texts) // (texts + 1)))
    for i, head in enumerate(table.columns):
        cells = max([0] + [len(r[i]) for r in table.rows])
        if not width:
            limits.append(max(len(head), cells))
        elif i < table.numeric_from:
            limits.append(min(max(len(head), cells), text_limit))
        else:
            limits.append(max(cells, min(len(head), HEAD_WIDTH)))
    return limits


def column_parts(widths: list[int], lead: int, width: int) -> list[list[int]]:
    """The columns of each part of a table split to fit `width`: the first `lead` columns in
    every part, then as many of the others as fit (at least one)."""
    if not width or sum(widths) + 2 * (len(widths) - 1) <= width:
        return [list(range(len(widths)))]
    lead = max(1, min(lead, len(widths) - 1))
    used = sum(widths[:lead]) + 2 * (lead - 1)
    parts, current, size = [], [], used
    for i in range(lead, len(widths)):
        if current and size + 2 + widths[i] > width:
            parts.append(current)
            current, size = [], used
        current.append(i)
        size += 2 + widths[i]
    parts.append(current)
    return [[*range(lead), *part] for part in parts]


def text_table(table: Table, width: int = 0) -> str:
    """The table as text, within `width` characters where it can be (0: no limit): long
    texts and headings wrap onto more lines, and a table still too wide is split into parts
    that each repeat its first column(s)."""
    limits = column_limits(table, width)
    head = [_wrapped(c, limits[i]) for i, c in enumerate(table.columns)]
    body = [[_wrapped(c, limits[i]) for i, c in enumerate(r)] for r in table.rows]
    widths = [max(len(line) for cell in [head[i], *[r[i] for r in body]] for line in cell)
              for i in range(len(table.columns))]
    parts = column_parts(widths, table.numeric_from, width)

    def lines(cells: list[list[str]], columns: list[int]) -> list[str]:
        out = []
        for n in range(max(len(cells[i]) for i in columns)):
            line = []
            for i in columns:
                text = cells[i][n] if n < len(cells[i]) else ""
                line.append(text.rjust(widths[i]) if i >= table.numeric_from
                            else text.ljust(widths[i]))
            out.append("  ".join(line).rstrip())
        return out

    blocks = []
    for number, columns in enumerate(parts, 1):
        title = table.title if len(parts) == 1 else \
            f"{table.title} (part {number} of {len(parts)})"
        titled = _wrapped(title, width) if width else [title]
        out = [*titled, "-" * max(map(len, titled)), *lines(head, columns)]
        out += [line for row in body for line in lines(row, columns)] or ["(nothing to show)"]
        blocks.append(out)
    notes = [*table.notes, *([SPLIT_NOTE.format(width=width)] if len(parts) > 1 else [])]
    blocks[-1] += [line for note in notes for line in (_wrapped(note, width) if width
                                                       else [note])]
    return "\n\n".join("\n".join(b) for b in blocks)


def text_page(lines: list[str], tables: list[Table], width: int = 0) -> str:
    """A heading and tables as text (see text_table)."""
    head = [w for line in lines for w in (_wrapped(line, width) if width else [line])]
    return "\n".join(head) + "\n\n" + "\n\n".join(text_table(t, width) for t in tables) \
        + "\n"


def write_table(s: Summary, by: str, width: int = 0) -> str:
    return text_page(heading(s), pack(s, by), width)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_page(title: str, subs: list[str], tables: list[Table]) -> str:
    out = [f"# {title}", ""]
    if subs:
        out += [f"{sub}  " for sub in subs[:-1]] + [subs[-1], ""]
    for table in tables:
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


def write_markdown(s: Summary, by: str) -> str:
    title, *subs = heading(s)
    return markdown_page(title, subs, pack(s, by))


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
