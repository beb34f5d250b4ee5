"""Open the audit database the tool was pointed at: check it, migrate it, hand out an engine.

The order matters: the file is looked at read-only first (a newer or foreign file is refused
untouched), a copy is kept before any migration, and only then is it opened for writing.
"""

from __future__ import annotations

import sqlite3

from ..locations import DatabaseTarget, backup_dir, ensure_private_dir
from .probe import DatabaseProblem, probe


def prepare_sqlite(target: DatabaseTarget) -> None:
    """Check the file and bring its schema up to date, before the app starts."""
    path = target.path
    assert path is not None
    found = probe(path)
    if found.exists and not found.needs_migration:
        return
    from .engine import make_engine, make_private_file
    from .migrations import migrate

    if not found.exists:
        if target.is_default:
            ensure_private_dir(path.parent)
        elif not path.parent.exists():
            raise DatabaseProblem(f"The folder for the database {path} does not exist. Create "
                                  "it first, or name another file with --db.")
        try:
            make_private_file(path)
        except OSError as exc:
            raise DatabaseProblem(f"Cannot create the database {path}: {exc.strerror}. Check "
                                  "that the folder is yours and writable.") from None
    elif found.version > 0:
        from .backup import copy_database, stamp

        copy_database(path, backup_dir() / f"{path.stem}-before-migration-v{found.version}-"
                                           f"{stamp()}.db")
    engine = make_engine(target.url)
    try:
        migrate(engine)
    except sqlite3.Error as exc:
        raise DatabaseProblem(f"Cannot update the database {path}: {exc}. Nothing was lost: "
                              "a copy was kept in the backups folder.") from None
    finally:
        engine.dispose()


def prepare(target: DatabaseTarget) -> None:
    if target.path is None:
        raise DatabaseProblem(
            f"{target.describe()}: only SQLite database files are supported in this version. "
            "Give --db a file path.")
    prepare_sqlite(target)


def open_engine(target: DatabaseTarget):
    """A ready engine (call `prepare` first)."""
    from .engine import make_engine

    return make_engine(target.url)
