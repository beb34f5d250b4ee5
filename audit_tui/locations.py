"""Every path the tool uses, from platformdirs and the overrides.

Order of precedence for the database: --db, then AUDIT_TUI_DB, then `audits.db` in the user data
folder. AUDIT_TUI_HOME moves the data and config folders together (tests and portable installs
use it). Nothing is created here except by `ensure_private_dir`.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "audit-tui"
DB_ENV = "AUDIT_TUI_DB"
HOME_ENV = "AUDIT_TUI_HOME"


def data_dir() -> Path:
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / "data"
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / "config"
    import platformdirs

    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def user_template_dir() -> Path:
    return config_dir() / "templates"


def settings_file() -> Path:
    return config_dir() / "settings.toml"


def backup_dir() -> Path:
    return data_dir() / "backups"


def document_dir() -> Path:
    """Where the review writes an audit's document (the key in the review)."""
    return data_dir() / "documents"


def default_db_path() -> Path:
    return data_dir() / "audits.db"


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the audits are: a SQLite file (path) or a server (url)."""

    url: str
    path: Path | None  # set for SQLite files
    origin: str  # "--db", "AUDIT_TUI_DB" or "default"

    @property
    def is_default(self) -> bool:
        return self.origin == "default"

    def describe(self) -> str:
        return str(self.path) if self.path is not None else _hide_password(self.url)


def _hide_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split("@", 1)[0].split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{rest.split('@', 1)[1]}"
    return url


def parse_database(value: str, origin: str) -> DatabaseTarget:
    """A --db or AUDIT_TUI_DB value: a database URL or a file path."""
    value = value.strip()
    if "://" in value:
        if value.startswith("sqlite:///"):
            path = Path(value[len("sqlite:///"):]).expanduser()
            return DatabaseTarget(f"sqlite:///{path}", path, origin)
        return DatabaseTarget(value, None, origin)
    path = Path(value).expanduser()
    return DatabaseTarget(f"sqlite:///{path}", path, origin)


def resolve_database(cli_value: str | None = None) -> DatabaseTarget:
    if cli_value:
        return parse_database(cli_value, "--db")
    env = os.environ.get(DB_ENV)
    if env:
        return parse_database(env, DB_ENV)
    path = default_db_path()
    return DatabaseTarget(f"sqlite:///{path}", path, "default")


def ensure_private_dir(path: Path) -> Path:
    """Create a folder readable by its owner only (0700 on POSIX)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if sys.platform != "win32":
        os.chmod(path, 0o700)
    return path


def is_loose(path: Path, private_mode: int) -> bool:
    """True if group or others may read or write `path` (POSIX only; never on Windows)."""
    if sys.platform == "win32" or not path.exists():
        return False
    mode = stat.S_IMODE(path.stat().st_mode)
    return bool(mode & ~private_mode & 0o077)


def permission_warnings(db_path: Path | None) -> list[str]:
    """Sentences for each of our files or folders that others may read (POSIX only)."""
    checks = [(data_dir(), 0o700, "chmod 700"), (backup_dir(), 0o700, "chmod 700")]
    if db_path is not None:
        checks.append((db_path, 0o600, "chmod 600"))
        checks.extend((Path(str(db_path) + suffix), 0o600, "chmod 600")
                      for suffix in ("-wal", "-shm"))
    if backup_dir().is_dir():
        checks.extend((p, 0o600, "chmod 600") for p in sorted(backup_dir().glob("*.db")))
    out = []
    for path, mode, fix in checks:
        if is_loose(path, mode):
            actual = oct(stat.S_IMODE(path.stat().st_mode))[2:]
            out.append(f"{path} can be read by other users (mode {actual}); it holds data "
                       f"about children. Run: {fix} '{path}'")
    return out
