"""Computed timescales with their live verdicts: "52 working days: over the 45-working-day
limit". A tick when met, a cross when over, a dash while a date is missing."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..templates.logic import IndicatorResult


def verdict_line(result: IndicatorResult, label: bool = True) -> Text:
    marks = {True: ("✓", "green"), False: ("✗", "bold red")}
    mark, style = marks.get(result.met, ("–", "dim"))
    text = Text.assemble((mark + " ", style))
    if label:
        text.append(result.indicator.label)
        text.append(": ")
    text.append(result.verdict, style=style if result.met is not None else "dim")
    return text


class IndicatorView(Static):
    DEFAULT_CSS = """
    IndicatorView { height: auto; margin: 0 0 1 0; }
    """

    def __init__(self, results: list[IndicatorResult] | None = None, *, sources: bool = False,
                 labels: bool = True, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.sources, self.labels = sources, labels
        self.show_results(results or [])

    def show_results(self, results: list[IndicatorResult]) -> None:
        lines = []
        for result in results:
            line = verdict_line(result, self.labels)
            if self.sources and result.indicator.source:
                line.append("\n  " + result.indicator.source, style="dim")
            lines.append(line)
        text = Text("\n").join(lines)
        if text.plain != getattr(self, "_shown", None):
            self._shown = text.plain
            self.display = bool(lines)
            self.update(text)
