"""The autosave writer: one background thread that applies saves in the order they were made.

Why not a Textual worker per save: exclusive workers cancel the ones before them (a lost
answer), and non-exclusive ones run in parallel threads (an older value could land last). One
queue and one thread keep every save, in order, off the UI thread. Each save is its own
transaction; the result (with any error, in words for the user) goes to `report`, which is
called on the writer thread and must only post a message.

A save that fails for a passing reason (the file read-only, the disk full, the database locked
by another copy for longer than the busy timeout) is reported once, then tried again: at once
when the next change is queued, otherwise every few seconds, until it lands. The saves queued
after it wait behind it, so they still land in the order they were made and nothing the user
typed is lost. A save the store refuses (a submitted audit, an answer changed in another
window) is reported and dropped: trying again would not help.
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


RETRY_DELAYS = (0.5, 1.0, 2.0, 3.0)  # seconds between tries of a failing save (then the last)


def is_passing(exc: BaseException) -> bool:
    """Whether a save that failed with `exc` may work if tried again later (nothing about the
    change itself was wrong)."""
    import sqlite3

    from .db.store import StoreError

    if isinstance(exc, StoreError):
        return False
    orig = getattr(exc, "orig", None)
    if isinstance(orig, sqlite3.OperationalError) or isinstance(exc, sqlite3.OperationalError):
        return True
    if isinstance(exc, OSError):
        return True
    from sqlalchemy.exc import DisconnectionError, OperationalError

    return isinstance(exc, (OperationalError, DisconnectionError))


def describe_error(exc: BaseException) -> str:
    """A sentence for the user; no values from the audit are included."""
    from .db.store import StoreError

    if isinstance(exc, StoreError):
        return str(exc)
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return ("The database is busy (another copy of audit-tui may be saving). Your answer is "
                "kept on screen and will be saved as soon as the database is free.")
    if "readonly" in text or "read-only" in text or "permission" in text:
        return ("The database file cannot be written (is it read-only?). Your answer is kept on "
                "screen and will be saved when the file can be written again.")
    if "disk" in text and "full" in text:
        return ("The disk is full, so the answer was not saved yet. Free some space; your answer "
                "is kept on screen and will be saved then.")
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
        self._nudge = threading.Event()  # a new save was queued: try a failing one again now
        self._closing = threading.Event()
        self.stalled = False  # a save is failing and being retried


    def submit(self, label: str, work: Callable[[Any], Any], key: str = "") -> None:
        """Queue `work(session)`; it runs in its own transaction after every earlier one."""
        with self._lock:
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-saver",
                                                daemon=True)
                self._thread.start()
        self._queue.put((label, work, key))
        self._nudge.set()

    def _attempt(self, label: str, work: Callable[[Any], Any], key: str):
        """One try: (result, passing) where `passing` says a failure may go away."""
        started = time.perf_counter()
        try:
            with self._open_session() as session:
                value = work(session)
            return SaveResult(label, True, value=value, seconds=time.perf_counter() - started,
                              key=key), False
        except Exception as exc:  # reported to the user, never raised into the UI
            return SaveResult(label, False, describe_error(exc),
                              seconds=time.perf_counter() - started, key=key), is_passing(exc)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            label, work, key = item
            result, passing = self._attempt(label, work, key)
            tries = 0
            while not result.ok and passing and not self._closing.is_set():
                if tries == 0:
                    self.stalled = True
                    self._report(result)  # told once; the answer stays on screen meanwhile
                delay = RETRY_DELAYS[min(tries, len(RETRY_DELAYS) - 1)]
                tries += 1
                self._nudge.clear()
                self._nudge.wait(delay)
                if self._closing.is_set():
                    break
                result, passing = self._attempt(label, work, key)
            self.stalled = False
            try:
                # a failure still passing here means the program is closing: already told
                if result.ok or tries == 0 or not passing:
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
        """Wait until every queued save has run; False if `timeout` passed first, or at once
        if a save is failing (waiting would only freeze the screen; it is being retried)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending:
                if self.stalled:
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.1))
        return True

    def close(self, timeout: float = 10.0) -> bool:
        done = self.flush(timeout)
        self._closing.set()
        self._nudge.set()
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=1.0)
        return done
