"""Writing what leaves the database: private files and cells that cannot start a formula."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A text that a spreadsheet will show as text, never run as a formula (OWASP's advice:
    a leading apostrophe before =, +, -, @, tab or carriage return)."""
    if value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


def restore(value: str) -> str:
    """The text `neutralise` was given (for reading an export back)."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def open_private(path: Path, *, binary: bool = False, encoding: str = "utf-8",
                 newline: str | None = None) -> IO:
    """Open `path` for writing, created (or truncated) readable by its owner only (0600)."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT: tighten it
    except OSError:
        pass
    if binary:
        return os.fdopen(fd, "wb")
    return os.fdopen(fd, "w", encoding=encoding, newline=newline)
