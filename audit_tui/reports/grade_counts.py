"""Counts of grades by criterion and scale, added up from facts or running counts, and
turned into the figures a report shows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from .figures import GradeFigure
from .labels import Labels


def month_label(month: str) -> str:
    try:
        return date(int(month[:4]), int(month[5:7]), 1).strftime("%b %Y")
    except ValueError:
        return month


class GradeCounts:
    """Counts of grades by (criterion, scale); '' is the overall grade."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], dict] = {}

    def add(self, key: str, scale: str, grade: int | None, band: str, n: int) -> None:
        slot = self.counts.setdefault((key, scale), {"grades": defaultdict(int), "na": 0,
                                                     "good": 0, "inadequate": 0})
        if grade is None or band == "na":
            slot["na"] += n
            return
        slot["grades"][grade] += n
        if band in ("good", "inadequate"):
            slot[band] += n

    def add_value(self, key: str, value: str, band: str, n: int) -> None:
        scale, _, grade = value.rpartition(":")
        self.add(key, scale, None if grade == "na" else int(grade), band, n)

    def figures(self, labels: Labels, only: str | None = None) -> list[GradeFigure]:
        out = []
        for (key, scale), slot in self.counts.items():
            if only is not None and key != only:
                continue
            names = labels.scale_labels(scale, set(slot["grades"]))
            out.append(GradeFigure(key, labels.criterion(key), scale, names,
                                   {v: slot["grades"].get(v, 0) for v in names}, slot["na"],
                                   slot["good"], slot["inadequate"]))
        order = list(labels.criteria)
        return sorted(out, key=lambda f: (order.index(f.key) if f.key in order else len(order),
                                          f.key, f.scale))


def split_figures(figures: list[GradeFigure]) -> tuple[list[GradeFigure], dict[str, list]]:
    overall = [f for f in figures if f.key == ""]
    criteria: dict[str, list[GradeFigure]] = {}
    for f in figures:
        if f.key:
            criteria.setdefault(f.key, []).append(f)
    return overall, criteria
