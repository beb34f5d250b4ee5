"""Backups of the audit database, with SQLite's online backup API (safe while the app runs).

- A rolling daily backup at the first start of the app each day, kept for `backup_days` days
  (settings.toml); the newest backup is never pruned.
- A backup before every migration (db/opening.py).
- `audit-tui backup [--out FILE]` and `audit-tui restore FILE`, which first keeps a copy of the
  current file.
Every backup file is readable by its owner only.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

from ..locations import backup_dir, ensure_private_dir
from .probe import DatabaseProblem, open_read_only, probe

_DATED = re.compile(r"-(\d{8})(?:-\d{6})?\.db$")


def _private_new_file(path: Path) -> None:
    import os

    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def copy_database(source: Path, dest: Path) -> Path:
    """Copy a live SQLite database into a new 0600 file `dest` (which must not exist)."""
    if dest.exists():
        raise DatabaseProblem(f"{dest} already exists: choose another file name.")
    _private_new_file(dest)
    try:
        src = open_read_only(Path(source), timeout=10)
        try:
            out = sqlite3.connect(dest)
            try:
                src.backup(out)
            finally:
                out.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        dest.unlink(missing_ok=True)
        raise DatabaseProblem(f"Could not copy {source} to {dest}: {exc}.") from None
    return dest


def stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def daily_backup(db_path: Path, keep_days: int, today: date | None = None) -> Path | None:
    """Make today's backup if there is none yet; prune old automatic backups. Returns the
    new backup, or None if today's already existed (or there is no database yet)."""
    today = today or date.today()
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    folder = backup_dir()
    name = f"{db_path.stem}-daily-{today:%Y%m%d}.db"
    made = None
    if not (folder / name).exists():
        made = copy_database(db_path, folder / name)
    prune(db_path, keep_days, today)
    return made


def prune(db_path: Path, keep_days: int, today: date | None = None) -> list[Path]:
    """Remove automatic backups (daily, before-migration) older than `keep_days` days, always
    keeping the newest one. Manual backups and copies kept before a restore stay."""
    today = today or date.today()
    folder = backup_dir()
    if not folder.is_dir():
        return []
    automatic = []
    for path in folder.glob(f"{db_path.stem}-*.db"):
        kind = path.name[len(db_path.stem) + 1:]
        match = _DATED.search(path.name)
        if match and kind.startswith(("daily-", "before-migration-")):
            automatic.append((datetime.strptime(match.group(1), "%Y%m%d").date(), path))
    automatic.sort()
    cutoff = today - timedelta(days=max(keep_days, 1))
    removed = []
    for made_on, path in automatic[:-1]:
        if made_on < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def manual_backup(db_path: Path, out: Path | None = None) -> Path:
    probe(db_path)  # refuse a damaged or foreign file with its message
    if not db_path.exists():
        raise DatabaseProblem(f"There is no database at {db_path} to back up yet.")
    dest = out or backup_dir() / f"{db_path.stem}-manual-{stamp()}.db"
    return copy_database(db_path, dest)


def restore(db_path: Path, source: Path) -> Path | None:
    """Replace the database with `source`, keeping a copy of the current file first.
    Returns the copy (None if there was no current database)."""
    if not source.exists():
        raise DatabaseProblem(f"{source} does not exist.")
    found = probe(source)  # not a database, foreign, or from a newer version: refused
    if not found.exists:
        raise DatabaseProblem(f"{source} is empty: it is not a backup.")
    kept = None
    if db_path.exists() and db_path.stat().st_size:
        kept = copy_database(db_path, backup_dir() / f"{db_path.stem}-before-restore-{stamp()}.db")
    else:
        _private_new_file(db_path)
    try:
        src = open_read_only(source, timeout=10)
        try:
            dest = sqlite3.connect(db_path, timeout=10)
            try:
                src.backup(dest)
            finally:
                dest.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise DatabaseProblem(f"Could not restore {source} into {db_path}: {exc}. The file "
                              f"as it was is kept at {kept}.") from None
    return kept
