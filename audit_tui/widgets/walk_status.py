"""The line above the footer: the whole audit's progress, and a quiet mark once every change
has been saved ("saving…" while one is on its way, "not saved" if the last one failed)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static


class WalkStatus(Horizontal):
    DEFAULT_CSS = """
    WalkStatus { height: 1; background: $panel; padding: 0 1; }
    WalkStatus ProgressBar { width: auto; }
    WalkStatus ProgressBar Bar { width: 20; }
    WalkStatus #walk-count { width: 1fr; padding: 0 0 0 2; color: $text-muted; }
    WalkStatus #walk-saved { width: 12; color: $success; text-align: right; }
    WalkStatus #walk-saved.-saving { color: $text-muted; }
    WalkStatus #walk-saved.-failed { color: $error; text-style: bold; }
    """

    def compose(self) -> ComposeResult:
        yield ProgressBar(total=1, show_eta=False, id="walk-progress")
        yield Static("", id="walk-count", markup=False)
        yield Static("", id="walk-saved", markup=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple = ()
        self._saved = ""

    def show_progress(self, done: int, total: int) -> None:
        if self._shown == (done, total):
            return  # nothing to redraw: most answers change only one section's figures
        self._shown = (done, total)
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)
        self.query_one("#walk-count", Static).update(f"{done} of {total} answered",
                                                     layout=False)

    def show_saved(self, state: str) -> None:
        """state: "saved", "saving" or "failed"."""
        if state == self._saved:
            return
        self._saved = state
        mark = self.query_one("#walk-saved", Static)
        mark.update({"saved": "✓ saved", "saving": "saving…", "failed": "✗ not saved"}[state],
                    layout=False)
        mark.set_class(state == "saving", "-saving")
        mark.set_class(state == "failed", "-failed")
