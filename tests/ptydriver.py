"""Run the real audit-tui in a pseudo-terminal, type into it, and read its screen text.

POSIX only (the pty module); tests that use it are skipped on Windows. The output is drained
on a thread so the program never blocks on a full terminal buffer.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

KEYS = {
    "enter": "\r", "tab": "\t", "escape": "\x1b", "backspace": "\x7f",
    "up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D",
    "pageup": "\x1b[5~", "pagedown": "\x1b[6~", "home": "\x1b[H", "end": "\x1b[F",
    "f1": "\x1bOP", "ctrl+pagedown": "\x1b[6;5~", "ctrl+pageup": "\x1b[5;5~",
}
_ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>]")


def key_bytes(key: str) -> bytes:
    if key in KEYS:
        return KEYS[key].encode()
    if key.startswith("ctrl+") and len(key) == 6:
        return bytes([ord(key[-1].lower()) - ord("a") + 1])
    return key.encode()


class PtyApp:
    def __init__(self, args: list[str], env: dict, size=(100, 30)) -> None:
        self.master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = dict(os.environ, **env, TERM="xterm-256color", TEXTUAL_ANIMATIONS="none")
        self.proc = subprocess.Popen([sys.executable, "-m", "audit_tui", *args], stdin=slave,
                                     stdout=slave, stderr=slave, env=full_env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self._chunks: list[str] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self._chunks.append(data.decode("utf-8", "replace"))

    def text(self) -> str:
        """Everything the program has written so far, escape sequences removed."""
        with self._lock:
            raw = "".join(self._chunks)
        return _ANSI.sub("", raw)

    def wait_for(self, needle: str, timeout: float = 30.0, since: int = 0) -> int:
        """Wait until `needle` appears in the output after position `since`; return the
        position after it. (A wait on a condition, with a generous bound.)"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            found = text.find(needle, since)
            if found >= 0:
                return found + len(needle)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} did not appear; the screen ended with:\n"
                             f"{self.text()[-3000:]}")

    def press(self, *keys: str, gap: float = 0.05) -> None:
        for key in keys:
            os.write(self.master, key_bytes(key))
            time.sleep(gap)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        try:
            os.close(self.master)
        except OSError:
            pass
