"""The one way the reports start a helper process (the CSV export's second reader, the demo's
second writer).

Never `fork`: the parent has threads by then (a progress bar, SQLAlchemy's pool, Textual's
when run from the app), and a forked child inherits their locks as they were, so it can hang
for ever on one (Python 3.12 warns of it). A `forkserver` child is forked from a small server
process started fresh, with no threads; where there is none (Windows), `spawn` starts a new
interpreter. Either way the child gets its arguments pickled and imports what it needs.
"""

from __future__ import annotations


def helper_context():
    """A multiprocessing context that cannot deadlock on an inherited lock."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def has_cheap_helpers() -> bool:
    """True where a helper starts quickly (forkserver: POSIX); elsewhere threads do."""
    import multiprocessing

    return "forkserver" in multiprocessing.get_all_start_methods()


class SharedCount:
    """Progress in a helper process: a count (a multiprocessing Value) the parent adds to
    its bar at the end."""

    def __init__(self, value) -> None:
        self.value = value

    def advance(self, n: int = 1) -> None:
        with self.value.get_lock():
            self.value.value += n
