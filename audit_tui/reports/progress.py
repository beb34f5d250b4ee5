"""A progress bar on standard error, for commands that take more than a second.

Drawn only when standard error is a terminal, and only once a second has passed, so quick
runs, pipes and tests print nothing.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: int, *, stream: TextIO | None = None,
                 delay: float = 1.0, width: int = 30) -> None:
        self.label, self.total, self.done = label, max(total, 0), 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.delay, self.width = delay, width
        self.last_drawn = 0.0
        self.shown = False

    def advance(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.delay or now - self.last_drawn < 0.1:
            return
        self.last_drawn = now
        self._draw()

    def label_as(self, label: str) -> None:
        self.label = label

    def _draw(self) -> None:
        share = min(self.done / self.total, 1.0) if self.total else 0.0
        filled = int(share * self.width)
        bar = "█" * filled + "░" * (self.width - filled)
        self.stream.write(f"\r{self.label} {bar} {share * 100:3.0f}%  ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.done = self.total
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
