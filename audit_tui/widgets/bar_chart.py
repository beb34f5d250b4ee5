"""Horizontal stacked bars of a grade distribution, drawn with text blocks.

One bar per row (overall grade, then each criterion): the share of graded audits at each
grade, from best to worst, then the share good or better. Not applicable is left out of the
bar, as it is never a grade.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..reports.figures import GradeFigure

COLOURS = {2: ["green", "red"], 3: ["green", "yellow", "red"],
           4: ["green", "cyan", "yellow", "red"]}
# Each grade has its own fill too, darkest for the best, so the bars read without colour
# (NO_COLOR, a monochrome print, colour blindness).
FILLS = "█▓▒░▚▞"


def fill_for(index: int) -> str:
    return FILLS[index % len(FILLS)]


def colours_for(count: int) -> list[str]:
    if count in COLOURS:
        return COLOURS[count]
    cycle = ["green", "cyan", "yellow", "dark_orange", "red", "magenta"]
    return [cycle[i % len(cycle)] for i in range(count)]


def bar_text(rows: list[tuple[str, GradeFigure]], width: int = 40,
             label_width: int = 30) -> Text:
    """The chart as rich Text (also what the tests read)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    if not rows:
        out.append("No grades to show for these filters.", style="dim")
        return out
    for i, (label, figure) in enumerate(rows):
        if i:
            out.append("\n")
        name = label if len(label) <= label_width else label[:label_width - 1] + "…"
        out.append(name.ljust(label_width) + " ")
        graded = figure.graded
        colours = colours_for(len(figure.labels))
        used = 0
        values = list(figure.labels)
        for index, (value, colour) in enumerate(zip(values, colours)):
            n = figure.counts.get(value, 0)
            if not graded or not n:
                continue
            cells = round(width * n / graded) if index < len(values) - 1 else width - used
            cells = max(0, min(cells, width - used))
            out.append(fill_for(index) * cells, style=colour)
            used += cells
        out.append("·" * (width - used), style="dim")
        out.append(f" {figure.good_text()} good+")
    first = rows[0][1]
    out.append("\n" + " " * (label_width + 1))
    for index, (value, colour) in enumerate(zip(first.labels,
                                                colours_for(len(first.labels)))):
        out.append(fill_for(index) * 2 + " ", style=colour)
        out.append(f"{value} {first.labels[value]}  ")
    return out


class GradeBars(Static):
    """Call `show(rows)` with (label, GradeFigure) pairs, from the UI thread."""

    DEFAULT_CSS = "GradeBars { height: auto; width: 100%; padding: 0 1; }"

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.rows: list[tuple[str, GradeFigure]] = []

    def show(self, rows: list[tuple[str, GradeFigure]]) -> None:
        self.rows = rows
        self._draw()

    def _draw(self) -> None:
        """Label, bar and share on one line at any width from 80 columns up (the share,
        "100% (n=12) good+", takes up to 18)."""
        width = self.content_size.width or 78
        label_width = max(16, min(30, width // 3))
        bar = max(10, min(50, width - label_width - 1 - 18))
        self.update(bar_text(self.rows, width=bar, label_width=label_width))

    def on_resize(self) -> None:
        if self.rows:
            self._draw()
