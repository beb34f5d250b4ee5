"""A generator of batches run on a helper thread, a few batches ahead of its user (a bundle's
import: the next batches parsed, checked and compressed while this one is inserted)."""

from __future__ import annotations


class ReadAhead:
    """Runs a generator of batches on a helper thread, a few batches ahead of the one using
    them, and then `finish()` (its result in `last`). Parsing, checking and compressing the
    next batches on the helper happen while SQLite inserts this one: the bulk inserts
    (bulk.py) run without Python's global lock, which Python is asked to hand over quickly
    meanwhile (a shorter switch interval), so that each statement starts at once."""

    def __init__(self, batches, finish) -> None:
        import queue
        import sys
        import threading

        self.queue: queue.Queue = queue.Queue(maxsize=3)
        self.stop = threading.Event()
        self.last = None
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch, 0.0005))

        def work() -> None:
            try:
                for item in batches:
                    if not self._put(("item", item)):
                        return
                self._put(("done", finish()))
            except BaseException as exc:  # raised again on the other thread
                self._put(("failed", exc))
        self.thread = threading.Thread(target=work, name="bundle-read", daemon=True)
        self.thread.start()

    def _put(self, item) -> bool:
        import queue

        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self):
        while True:
            kind, payload = self.queue.get()
            if kind == "failed":
                raise payload
            if kind == "done":
                self.last = payload
                return
            yield payload

    def close(self) -> None:
        import sys

        self.stop.set()
        self.thread.join()
        sys.setswitchinterval(self._switch)
