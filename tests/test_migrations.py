"""Schema versions: old files open and migrate; newer or foreign files are refused untouched."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from sqlmodel import SQLModel

from audit_tui.db import models, programme_models  # noqa: F401  (registers the tables)
from audit_tui.db.engine import make_engine
from audit_tui.db.migrations import LATEST, migrate
from audit_tui.db.opening import prepare
from audit_tui.db.probe import DatabaseProblem
from audit_tui.locations import backup_dir, parse_database


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_first_schema_db(path):
    """A database as the first release of the tool made it, with an audit in it."""
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine, target=1)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO template_version VALUES ('h1', 'mini', 1, 'Mini', 'key = \"mini\"', "
            "'2025-01-01 00:00:00')")
        conn.exec_driver_sql(
            "INSERT INTO audit (id, template_key, template_version, template_hash, case_reference,"
            " audit_date, created_at, updated_at) VALUES ('a1', 'mini', 1, 'h1', 'CH-1', "
            "'2025-01-02', '2025-01-02 10:00:00', '2025-01-02 10:00:00')")
        conn.exec_driver_sql(
            "INSERT INTO answer (id, audit_id, question_key, grade, updated_at) VALUES "
            "('x1', 'a1', 'q1', 2, '2025-01-02 10:00:00')")
    engine.dispose()


def test_a_first_schema_database_opens_and_migrates(tmp_path):
    path = tmp_path / "old.db"
    make_first_schema_db(path)
    prepare(parse_database(str(path), "--db"))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert conn.execute("SELECT case_reference FROM audit").fetchall() == [("CH-1",)]
    assert conn.execute("SELECT grade FROM answer").fetchall() == [(2,)]
    conn.close()
    if LATEST > 1:  # a copy is kept before any migration
        assert list(backup_dir().glob("old-before-migration-v1-*.db"))


def test_migrated_schema_matches_the_models(tmp_path):
    path = tmp_path / "new.db"
    prepare(parse_database(str(path), "--db"))
    conn = sqlite3.connect(path)
    for table in SQLModel.metadata.sorted_tables:
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info('{table.name}')")}
        assert columns == {c.name for c in table.columns}, table.name
    conn.close()


def test_new_database_has_pragmas_and_private_permissions(tmp_path, private_home):
    from audit_tui.locations import resolve_database

    target = resolve_database(None)  # the default: audits.db in the data folder
    prepare(target)
    assert target.path == private_home / "data" / "audits.db"
    assert oct(target.path.stat().st_mode & 0o777) == oct(0o600)
    assert oct(target.path.parent.stat().st_mode & 0o777) == oct(0o700)
    engine = make_engine(target.url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()


def test_a_database_from_a_newer_version_is_refused_and_not_modified(tmp_path):
    path = tmp_path / "future.db"
    prepare(parse_database(str(path), "--db"))
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 5}")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(DatabaseProblem, match="newer version of audit-tui"):
        prepare(parse_database(str(path), "--db"))
    assert digest(path) == before


@pytest.mark.parametrize("content, message", [
    (b"this is a spreadsheet, honestly" * 100, "not a database file"),
    (b"SQLite format 3\x00" + b"\x00" * 50, "cannot be read as a database"),
])
def test_a_file_that_is_not_a_database_is_refused_and_not_modified(tmp_path, content, message):
    path = tmp_path / "bad.db"
    path.write_bytes(content)
    with pytest.raises(DatabaseProblem, match=message):
        prepare(parse_database(str(path), "--db"))
    assert path.read_bytes() == content


def test_a_foreign_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(DatabaseProblem, match="not an audit-tui one"):
        prepare(parse_database(str(path), "--db"))
    assert digest(path) == before


def test_migration_steps_are_atomic(tmp_path, monkeypatch):
    """A step that fails half-way leaves no half-built schema behind."""
    from audit_tui.db import migrations

    def broken(conn):
        conn.exec_driver_sql("CREATE TABLE half_built (x)")
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrations, "STEPS", [broken])
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(RuntimeError):
        migrations.migrate(engine, target=1)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA user_version").scalar() == 0
        tables = conn.exec_driver_sql("SELECT name FROM sqlite_master").fetchall()
        assert ("half_built",) not in tables
    engine.dispose()
