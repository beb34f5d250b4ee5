"""Open the audit database the tool was pointed at: check it, migrate it, hand out an engine.

The order matters: the file is looked at read-only first (a newer or foreign file is refused
untouched), a copy is kept before any migration, and only then is it opened for writing.
A PostgreSQL server is migrated the same way, one copy of the tool at a time; backups of a
server are the server's business (pg_dump), not the tool's.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..locations import DatabaseTarget, backup_dir, ensure_private_dir
from .migrations_meta import LATEST
from .probe import DatabaseProblem, probe


def is_read_only(path: Path) -> bool:
    """True if the database file, or the folder its -wal and -shm files go in, cannot be
    written: a read-only file or file system (os.access also sees an immutable file, and a
    read-only mount, for root)."""
    return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)


def read_only_sentence(path: Path) -> str:
    return (f"The database {path} is read-only (the file, its folder or the disk cannot be "
            "written). Reading still works: report, export and actions show what it holds. "
            "To change it, copy it to a folder you can write to and use --db there.")


def prepare_sqlite(target: DatabaseTarget) -> None:
    """Check the file and bring its schema up to date, before the app starts."""
    path = target.path
    assert path is not None
    found = probe(path)
    if found.exists and not found.needs_migration:
        return
    if found.exists and is_read_only(path):
        raise DatabaseProblem(
            f"{read_only_sentence(path)} This version of audit-tui needs to update it first "
            f"(schema {found.version} to {LATEST}), so it cannot be read here as it is.")
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
        prepare_server(target)
        return
    prepare_sqlite(target)


SERVER_CHECKS = ("Check that the server is running and reachable from this machine, that the "
                 "user name, password and database name in the URL are right, and that the "
                 "server accepts this user from here (pg_hba.conf).")


def server_problem(target: DatabaseTarget, exc: BaseException) -> DatabaseProblem:
    """A clear message for an error from a database server: what server, what to check. The
    URL is shown without its password; the driver's own first line says what went wrong."""
    orig = getattr(exc, "orig", None) or exc
    detail = " ".join(str(orig).split("\n")[0].split()) or type(orig).__name__
    password = _password(target.url)
    if password:
        detail = detail.replace(password, "***")
    from sqlalchemy.exc import InterfaceError, OperationalError

    lost: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
    try:
        import psycopg

        lost += (psycopg.OperationalError, psycopg.InterfaceError)
    except ImportError:  # without the driver there is no server to lose
        pass
    if isinstance(exc, lost):
        return DatabaseProblem(f"Cannot connect to the database server {target.describe()}: "
                               f"{detail}. {SERVER_CHECKS}")
    return DatabaseProblem(f"The database server {target.describe()} refused the request: "
                           f"{detail}.")


def _password(url: str) -> str:
    rest = url.partition("://")[2]
    userinfo = rest.split("@", 1)[0] if "@" in rest else ""
    return userinfo.split(":", 1)[1] if ":" in userinfo else ""


def prepare_server(target: DatabaseTarget) -> None:
    """Bring the schema on a PostgreSQL server up to date (nothing to do most days). A schema
    newer than this tool is refused untouched; two copies starting together take turns."""
    from .engine import is_postgresql, is_refused, make_engine

    if not is_postgresql(target.url):
        raise DatabaseProblem(
            f"{target.describe()}: audit-tui works with SQLite database files and PostgreSQL "
            "servers (postgresql+psycopg://user:password@host:5432/database). Give --db a file "
            "path or a PostgreSQL URL.")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise DatabaseProblem(
            "A PostgreSQL server needs the psycopg driver, which is not installed. Install "
            "audit-tui with it: pip install 'audit-tui[postgres]' (or pip install "
            "'psycopg[binary]').") from None
    import sqlalchemy.exc

    from .migrations import SchemaTooNew, migrate

    engine = make_engine(target.url)
    try:
        with engine.connect() as lock:
            # One copy migrates at a time; the others wait, then find nothing to do.
            lock.exec_driver_sql("SELECT pg_advisory_lock(?)", (MIGRATION_LOCK,))
            try:
                migrate(engine)
                _keys_back(engine)
            finally:
                lock.exec_driver_sql("SELECT pg_advisory_unlock(?)", (MIGRATION_LOCK,))
                lock.commit()
    except SchemaTooNew as exc:
        raise DatabaseProblem(
            f"The database on {target.describe()} was made by a newer version of audit-tui "
            f"(schema {exc.found}; this version knows up to {LATEST}). It has not been "
            "changed. Install the newer version of audit-tui to use it.") from None
    except sqlalchemy.exc.DBAPIError as exc:
        # 3F000: no schema to create in (the login may not use the one the URL names).
        if is_refused(exc) or getattr(exc.orig, "sqlstate", None) == "3F000":
            raise _not_migrated(target, engine) from None
        raise server_problem(target, exc) from None
    finally:
        engine.dispose()


def _keys_back(engine) -> None:
    """The audit keys a demo stopped part way left set aside, added back (db/bulk_keys.py;
    by the tables' owner, any other login leaves them). If the rows break one, the keys stay
    aside and the tool opens as before."""
    import sqlalchemy.exc

    from .bulk_keys import restore

    try:
        restore(engine)
    except sqlalchemy.exc.DBAPIError:
        pass


def _not_migrated(target: DatabaseTarget, engine) -> DatabaseProblem:
    """A login may not bring the schema up to date: either it may not use the schema at all
    (no audit-tui role), or the schema needs an update only the administrator may make."""
    with engine.connect() as conn:
        login, schema = conn.exec_driver_sql("SELECT current_user, current_schema()").one()
    if schema is None:
        return DatabaseProblem(
            f"Your login {login} has no audit-tui role on {target.describe()} (or the "
            "database is not set up yet): ask your administrator to run audit-tui server "
            f"grant {login} --role ROLE (and audit-tui server setup first, if not done).")
    return DatabaseProblem(
        f"The database on {target.describe()} needs an update (schema {LATEST} for this "
        "version of audit-tui), which your login may not make: ask your administrator to run "
        "audit-tui server setup.")


MIGRATION_LOCK = 0x41554454  # 'AUDT', the key of the server-wide advisory lock


def open_engine(target: DatabaseTarget):
    """A ready engine (call `prepare` first); a read-only file gets an engine that only
    reads (see engine.make_read_only_engine), and any write through it fails with SQLite's
    'readonly' error (said in words by the command line: `read_only_sentence`)."""
    from .engine import make_engine, make_read_only_engine

    if target.path is not None and target.path.exists() and is_read_only(target.path):
        return make_read_only_engine(target.path)
    return make_engine(target.url)
