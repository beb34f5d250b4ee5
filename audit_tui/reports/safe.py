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


class NotPlaced(OSError):
    """A file written but not put in place; its text is the sentence for the user."""

    def __str__(self) -> str:
        return str(self.args[0])


class Staged:
    """Files written in a private folder beside `out` (0700, named after it, hidden) and put
    in place together once every one is complete: a report or export that stops half way
    (an error, a full disk, Ctrl+C, the machine told to stop) leaves no half-written file
    under a name a reader would trust, and an earlier complete export of the same name as it
    was. Use `path` as the output; `place(files)` moves the files written there into `out`'s
    folder and returns their new paths; leaving without `place` removes the folder."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.folder = self.out.with_name(f".{self.out.name}.{os.getpid()}.partial")
        if self.folder.exists():  # (left by a process of the same number that was killed)
            import shutil

            shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(mode=0o700)
        self.path = self.folder / self.out.name

    def place(self, files: list[Path]) -> list[Path]:
        placed: list[Path] = []
        for file in files:
            final = self.out.with_name(Path(file).name)
            try:
                os.replace(file, final)
            except OSError as exc:
                done = f" ({', '.join(p.name for p in placed)} written)" if placed else ""
                raise NotPlaced(
                    f"Could not write {final}: {exc.strerror or exc}{done}. If it is open in "
                    "another program, close it and try again.") from exc
            placed.append(final)
        return placed

    def __enter__(self) -> "Staged":
        return self

    def __exit__(self, *exc) -> None:
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)
