"""The autosave writer: one background thread that applies saves in the order they were made.

Why not a Textual worker per save: exclusive workers cancel the ones before them (a lost
answer), and non-exclusive ones run in parallel threads (an older value could land last). One
queue and one thread keep every save, in order, off the UI thread. Each save is its own
transaction; the result (with any error, in words for the user) goes to `report`, which is
called on the writer thread and must only post a message.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class SaveResult:
    label: str
    ok: bool
    message: str = ""
    value: Any = None
    seconds: float = 0.0
    key: str = ""


def describe_error(exc: BaseException) -> str:
    """A sentence for the user; no values from the audit are included."""
    from .db.store import StoreError

    if isinstance(exc, StoreError):
        return str(exc)
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return ("The database is busy (another copy of audit-tui may be saving). Your answer is "
                "kept on screen and will be saved when you change it again.")
    if "readonly" in text or "read-only" in text or "permission" in text:
        return "The database file cannot be written (is it read-only?). Your answer is kept on screen."
    if "disk" in text and "full" in text:
        return "The disk is full, so the answer was not saved. Free some space; your answer is kept on screen."
    return f"The answer was not saved ({type(exc).__name__}). It is kept on screen."


class Saver:
    def __init__(self, open_session: Callable, report: Callable[[SaveResult], None]) -> None:
        self._open_session = open_session
        self._report = report
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Condition(self._lock)

    def submit(self, label: str, work: Callable[[Any], Any], key: str = "") -> None:
        """Queue `work(session)`; it runs in its own transaction after every earlier one."""
        with self._lock:
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-saver",
                                                daemon=True)
                self._thread.start()
        self._queue.put((label, work, key))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            label, work, key = item
            started = time.perf_counter()
            try:
                with self._open_session() as session:
                    value = work(session)
                result = SaveResult(label, True, value=value,
                                    seconds=time.perf_counter() - started, key=key)
            except Exception as exc:  # reported to the user, never raised into the UI
                result = SaveResult(label, False, describe_error(exc),
                                    seconds=time.perf_counter() - started, key=key)
            try:
                self._report(result)
            finally:
                with self._lock:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.notify_all()

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued save has run; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self, timeout: float = 10.0) -> bool:
        done = self.flush(timeout)
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=1.0)
        return done
