"""Backups: daily rolling copies, manual backup, restore (keeping the current file first), and
warnings when someone loosens the files' permissions."""

from __future__ import annotations

import os
import sqlite3
from datetime import date, timedelta

import pytest

from audit_tui.cli import main
from audit_tui.db.backup import daily_backup, prune
from audit_tui.db.probe import DatabaseProblem
from audit_tui.locations import backup_dir, permission_warnings


def case_refs(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT case_reference FROM audit ORDER BY 1")]
    finally:
        conn.close()


def add_audit(path, case: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute("INSERT OR IGNORE INTO template_version VALUES ('h', 'k', 1, 'T', 'x', "
                 "'2026-01-01 00:00:00')")
    conn.execute("INSERT INTO audit (id, template_key, template_version, template_hash, "
                 "case_reference, audit_date, created_at, updated_at) VALUES "
                 "(?, 'k', 1, 'h', ?, '2026-01-01', '2026-01-01 00:00:00', "
                 "'2026-01-01 00:00:00')", (case, case))
    conn.commit()
    conn.close()


def test_daily_backup_once_a_day_and_pruned_after_the_kept_days(db_target):
    db = db_target.path
    add_audit(db, "CH-1")
    first = daily_backup(db, keep_days=3, today=date(2026, 11, 1))
    assert first is not None and case_refs(first) == ["CH-1"]
    assert oct(first.stat().st_mode & 0o777) == oct(0o600)
    assert daily_backup(db, keep_days=3, today=date(2026, 11, 1)) is None  # once a day
    for day in range(2, 8):
        daily_backup(db, keep_days=3, today=date(2026, 11, day))
    names = sorted(p.name for p in backup_dir().glob("audits-daily-*.db"))
    assert names == [f"audits-daily-202611{d:02d}.db" for d in (4, 5, 6, 7)]


def test_the_newest_automatic_backup_is_never_pruned(db_target):
    db = db_target.path
    daily_backup(db, keep_days=1, today=date(2026, 1, 1))
    prune(db, keep_days=1, today=date(2026, 6, 1))
    assert [p.name for p in backup_dir().glob("audits-daily-*.db")] == ["audits-daily-20260101.db"]


def test_backup_and_restore_commands(db_target, tmp_path, capsys):
    db = db_target.path
    add_audit(db, "CH-1")
    out = tmp_path / "copy.db"
    assert main(["--db", str(db), "backup", "--out", str(out)]) == 0
    assert case_refs(out) == ["CH-1"]
    assert oct(out.stat().st_mode & 0o777) == oct(0o600)
    assert main(["--db", str(db), "backup", "--out", str(out)]) == 2  # never overwritten
    add_audit(db, "CH-2")
    assert main(["--db", str(db), "restore", str(out), "--yes"]) == 0
    assert case_refs(db) == ["CH-1"]
    kept = list(backup_dir().glob("audits-before-restore-*.db"))
    assert len(kept) == 1 and case_refs(kept[0]) == ["CH-1", "CH-2"]
    assert "kept at" in capsys.readouterr().out


def test_restore_without_yes_and_no_terminal_refuses(db_target, tmp_path, monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    out = tmp_path / "copy.db"
    main(["--db", str(db_target.path), "backup", "--out", str(out)])
    assert main(["--db", str(db_target.path), "restore", str(out)]) == 2
    assert "--yes" in capsys.readouterr().err


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(db_target, tmp_path):
    db = db_target.path
    add_audit(db, "CH-1")
    junk = tmp_path / "junk.db"
    junk.write_text("hello" * 100)
    from audit_tui.db.backup import restore

    with pytest.raises(DatabaseProblem, match="not a database file"):
        restore(db, junk)
    assert case_refs(db) == ["CH-1"]
    assert not list(backup_dir().glob("audits-before-restore-*.db"))


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_loosened_permissions_are_warned_about(db_target):
    assert permission_warnings(db_target.path) == []
    os.chmod(db_target.path, 0o644)
    warnings = permission_warnings(db_target.path)
    assert len(warnings) == 1
    assert str(db_target.path) in warnings[0] and "chmod 600" in warnings[0]
    assert "644" in warnings[0]


def test_old_daily_backups_use_dates_in_names_not_file_times(db_target):
    db = db_target.path
    today = date(2026, 3, 10)
    daily_backup(db, keep_days=2, today=today - timedelta(days=5))
    daily_backup(db, keep_days=2, today=today)
    assert sorted(p.name for p in backup_dir().glob("audits-daily-*.db")) == [
        "audits-daily-20260310.db"]
