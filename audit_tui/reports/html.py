"""The report as one self-contained HTML file: no network, no scripts, charts as inline SVG,
styled for the screen and for print, so a QA lead can email it, print it or open it."""

from __future__ import annotations

from html import escape

from .figures import GradeFigure, Summary, pct_text
from .tables import Table, pack
from .writers_text import heading

PALETTES = {
    2: ["#1b7837", "#d73027"],
    3: ["#1b7837", "#f1a340", "#d73027"],
    4: ["#1b7837", "#7fbf7b", "#f1a340", "#d73027"],
}
GOOD_COLOUR, BAD_COLOUR = "#1b7837", "#d73027"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #1a1a1a;
       margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
p.sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; vertical-align: top; }
th { text-align: left; background: #f3f3f3; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
p.note { color: #555; font-size: .85rem; margin: .2rem 0; }
figure { margin: 1rem 0; } figcaption { font-size: .85rem; color: #555; }
svg text { font-family: inherit; font-size: 11px; fill: #1a1a1a; }
table.part { margin-top: .2rem; } p.part { font-size: .8rem; color: #555; margin: .6rem 0 0; }
@page { size: A4 portrait; margin: 12mm; }
@media print { body { margin: 0; max-width: none; padding: 0; font-size: 9pt; }
               h2 { break-after: avoid; } figure, tr { break-inside: avoid; }
               table { font-size: 8pt; width: 100%; } th, td { padding: .1rem .3rem; }
               th { overflow-wrap: anywhere; } thead { display: table-header-group; }
               svg { max-width: 100%; height: auto; } }
"""
PRINT_CHARS = 110  # what an A4 page holds across at the print size: wider tables are split


def palette(n: int) -> list[str]:
    if n in PALETTES:
        return PALETTES[n]
    greys = ["#1b7837", "#7fbf7b", "#fee08b", "#f1a340", "#d73027", "#8c510a"]
    return [greys[i % len(greys)] for i in range(n)]


def stacked_bars(rows: list[tuple[str, GradeFigure]], title: str) -> str:
    """One horizontal bar per row, split by grade (shares of the graded, N/A left out)."""
    if not rows:
        return ""
    label_w, bar_w, row_h = 230, 420, 22
    height = row_h * len(rows) + 40
    labels = rows[0][1].labels
    colours = palette(len(labels))
    parts = [f'<svg role="img" width="{label_w + bar_w + 90}"'
             f' height="{height}" viewBox="0 0 {label_w + bar_w + 90} {height}">',
             f"<title>{escape(title)}</title>"]
    for i, (name, f) in enumerate(rows):
        y = 10 + i * row_h
        short = name if len(name) <= 36 else name[:35] + "…"
        parts.append(f'<text x="0" y="{y + 14}">{escape(short)}</text>')
        x = float(label_w)
        graded = f.graded
        for (value, label), colour in zip(labels.items(), colours):
            n = f.counts.get(value, 0)
            if not graded or not n:
                continue
            w = bar_w * n / graded
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" '
                         f'fill="{colour}"><title>{escape(label)}: {n} of {graded}</title></rect>')
            x += w
        if not graded:
            parts.append(f'<text x="{label_w}" y="{y + 14}">no grades</text>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 14}">'
                     f"{escape(f.good_text())}</text>")
    legend_y = height - 12
    x = label_w
    for (value, label), colour in zip(labels.items(), colours):
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{legend_y}">{escape(f"{value} {label}")}</text>')
        x += 24 + 6.2 * len(f"{value} {label}")
    parts.append("</svg>")
    caption = ("Share of graded audits at each grade; the figure on the right is the share "
               "good or better.")
    return f"<figure>{''.join(parts)}<figcaption>{caption}</figcaption></figure>"


def part_months(s: Summary) -> set[str]:
    """The months ('YYYY-MM') the report holds only part of: the month of its as-of day
    (still going) and a month the date filters cut into."""
    import calendar

    found = set()
    last = calendar.monthrange(s.today.year, s.today.month)[1]
    if s.today.day < last:
        found.add(s.today.strftime("%Y-%m"))
    f = s.filters
    if f.date_from is not None and f.date_from.day != 1:
        found.add(f.date_from.strftime("%Y-%m"))
    if f.date_to is not None and \
            f.date_to.day != calendar.monthrange(f.date_to.year, f.date_to.month)[1]:
        found.add(f.date_to.strftime("%Y-%m"))
    return found


def trend_chart(months: list[tuple[str, str, GradeFigure]], partial: set[str] = frozenset()
                ) -> str:
    """% good or better and % inadequate, month by month ((month, label, figure) each):
    every month's label slanted so 24 and more stay readable, its count of graded audits
    under the axis, a part month (`partial`) drawn hollow on a dashed line and named."""
    if not months:
        return ""
    left, top, plot_w, plot_h = 80, 10, 540, 180  # (room on the left for a slanted label)
    step = plot_w / max(len(months) - 1, 1)
    every = max(1, -(-16 // int(step)) if step >= 1 else len(months))  # 16px between labels
    width, height = left + plot_w + 40, top + plot_h + 100
    parts = [f'<svg role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}">',
             "<title>Month by month: good or better and inadequate</title>"]
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                     f'stroke="#ddd"/><text x="{left - 36}" y="{y + 4:.1f}">{pct}%</text>')
    for attr, colour in (("pct_good", GOOD_COLOUR), ("pct_inadequate", BAD_COLOUR)):
        points = []
        for i, (month, _, f) in enumerate(months):
            value = getattr(f, attr)
            if value is None:
                continue
            x, y = left + i * step, top + plot_h * (1 - value / 100)
            points.append((f"{x:.1f},{y:.1f}", month in partial))
            part = f.good if attr == "pct_good" else f.inadequate
            fill = "#fff" if month in partial else colour
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{fill}" '
                         f'stroke="{colour}" stroke-width="1.5"><title>'
                         f"{escape(pct_text(part, f.graded))}</title></circle>")
        whole = [p for p, cut in points if not cut]
        if len(whole) > 1:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                         f'points="{" ".join(whole)}"/>')
        for (a, _), (b, cut) in zip(points, points[1:]):
            if cut:  # (into a part month: dashed)
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                             f'stroke-dasharray="4 3" points="{a} {b}"/>')
    base = top + plot_h
    for i, (month, label, f) in enumerate(months):
        x = left + i * step
        if i % every == 0 or i == len(months) - 1:
            mark = " (part)" if month in partial else ""
            parts.append(f'<text x="{x:.1f}" y="{base + 14}" text-anchor="end" '
                         f'transform="rotate(-40 {x:.1f} {base + 14})">'
                         f"{escape(label + mark)}</text>")
        parts.append(f'<text x="{x:.1f}" y="{base - 4}" text-anchor="middle" '
                     f'font-size="9" fill="#555">{f.graded}</text>')
    y = height - 8
    parts.append(f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="{GOOD_COLOUR}"/>'
                 f'<text x="{left + 14}" y="{y}">good or better</text>'
                 f'<rect x="{left + 130}" y="{y - 9}" width="10" height="10" '
                 f'fill="{BAD_COLOUR}"/><text x="{left + 144}" y="{y}">inadequate</text>'
                 f'<circle cx="{left + 250}" cy="{y - 4}" r="4" fill="#fff" stroke="#555"/>'
                 f'<text x="{left + 260}" y="{y}">part month, so far</text>')
    parts.append("</svg>")
    cut = [label for month, label, _ in months if month in partial]
    note = (f" {', '.join(cut)}: part of the month only, so far (hollow, dashed)." if cut
            else "")
    return (f"<figure>{''.join(parts)}<figcaption>Overall grade month by month: share good or "
            "better and share inadequate; the small figures are the graded audits each month."
            f"{escape(note)}</figcaption></figure>")


def html_table(table: Table) -> str:
    """The table as HTML; one wider than an A4 page holds (PRINT_CHARS) is split into parts
    that each repeat its first column(s), so every column prints."""
    from .writers_text import column_limits, column_parts

    limits = column_limits(table, PRINT_CHARS)
    parts = column_parts([w + 1 for w in limits], table.numeric_from, PRINT_CHARS)
    out = []
    for number, columns in enumerate(parts, 1):
        head = "".join(f'<th{" class=n" if i >= table.numeric_from else ""}>'
                       f"{escape(table.columns[i])}</th>" for i in columns)
        body = []
        for row in table.rows:
            body.append("<tr>" + "".join(
                f'<td{" class=n" if i >= table.numeric_from else ""}>{escape(row[i])}</td>'
                for i in columns) + "</tr>")
        if not table.rows:
            body.append(f'<tr><td colspan="{len(columns)}">Nothing to show.</td></tr>')
        if len(parts) > 1:
            out.append(f'<p class="part">{escape(table.title)}: part {number} of '
                       f"{len(parts)}</p>")
        out.append(f'<table{" class=part" if len(parts) > 1 else ""}><thead><tr>{head}</tr>'
                   f"</thead><tbody>{''.join(body)}</tbody></table>")
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in table.notes)
    return "".join(out) + notes


def write_html(s: Summary, by: str) -> str:
    title, *subs = heading(s)
    charts: dict[str, str] = {}
    overall_rows = [("Overall grade", f) for f in s.overall[:1]]
    scale = s.overall[0].scale if s.overall else None
    criteria_rows = [(f.title, f) for f in s.criteria if f.scale == scale]
    charts["overall"] = stacked_bars(overall_rows + criteria_rows, "Grade distribution")
    month = s.breakdowns.get("month")
    if month:
        charts["overall"] += trend_chart([(r.value, r.label, r.overall[0])
                                          for r in month.rows
                                          if r.overall and r.overall[0].scale == scale],
                                         part_months(s))
    if by != "criterion" and by in s.breakdowns:
        charts["by"] = stacked_bars([(r.label, r.overall[0]) for r in s.breakdowns[by].rows
                                     if r.overall and r.overall[0].scale == scale],
                                    f"Overall grade by {by}")
    return page(title, subs, pack(s, by), charts, FOOT)


FOOT = ("Grades are counted, never averaged. Not applicable is never counted as a grade. A "
        "percentage of fewer than 5 audits shows its count as (n=...).")


def page(title: str, subs: list[str], tables: list[Table], charts: dict[str, str] | None = None,
         foot: str = "") -> str:
    """One self-contained HTML page: the title, the lines under it, each table under its
    heading (with the chart `charts` holds for its key, if any) and a closing note."""
    charts = dict(charts or {})
    out = ["<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{escape(title)}</h1>",
           *[f'<p class="sub">{escape(sub)}</p>' for sub in subs]]
    for table in tables:
        out.append(f"<h2>{escape(table.title)}</h2>")
        if table.key in charts:
            out.append(charts.pop(table.key))
        out.append(html_table(table))
    if foot:
        out.append(f'<p class="note">{escape(foot)}</p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"
