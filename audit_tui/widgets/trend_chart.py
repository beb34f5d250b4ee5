"""Month by month: the share good or better as columns of text blocks, the share inadequate
as a row of marks beneath, drawn in the terminal."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..reports.figures import GradeFigure

BLOCKS = " ▁▂▃▄▅▆▇█"


def trend_text(months: list[tuple[str, GradeFigure]], height: int = 8) -> Text:
    """Columns three cells wide, one per month, `height` rows for 0-100%."""
    out = Text(no_wrap=True, overflow="ellipsis")
    if not months:
        out.append("No months to show for these filters.", style="dim")
        return out
    levels = [f.pct_good for _, f in months]
    for line in range(height, 0, -1):
        axis = f"{int(100 * line / height):>3}% " if line in (height, height // 2) else "     "
        out.append(axis, style="dim")
        for value in levels:
            if value is None:
                out.append("   ")
                continue
            filled = value / 100 * height - (line - 1)
            index = 8 if filled >= 1 else max(0, int(filled * 8))
            out.append(BLOCKS[index] * 2 + " ", style="green")
        out.append("\n")
    out.append(" bad ", style="dim")
    for _, f in months:
        bad = f.pct_inadequate
        mark = "··" if bad is None else ("▇▇" if bad >= 20 else "▄▄" if bad >= 10 else
                                         "▁▁" if bad > 0 else "  ")
        out.append(mark + " ", style="red")
    out.append("\n     ")
    for label, _ in months:
        out.append(label[:2] + " ", style="dim")  # the month's first letters: Ja, Fe, ...
    out.append("\n     ")
    years = ""
    for label, _ in months:
        years += (label[-2:] if label[:3] == "Jan" or not years else "  ") + " "
    out.append(years.rstrip(), style="dim")
    out.append("\n")
    out.append("█ good or better (column)  ", style="green")
    out.append("▇ inadequate: ▁ under 10%, ▄ 10-19%, ▇ 20% or more", style="red")
    return out


class TrendChart(Static):
    """Call `show(months)` with (label 'Mon YYYY', overall GradeFigure) pairs, oldest first."""

    DEFAULT_CSS = "TrendChart { height: auto; padding: 0 1; }"

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)

    def show(self, months: list[tuple[str, GradeFigure]]) -> None:
        self.update(trend_text(months))
