"""Exports and reports are all or nothing: written in a private folder beside the output and
put in place once complete, so one that stops half way (a full disk, a file open in another
program, the command told to stop) leaves no half-written file under a name a reader would
trust, and an earlier export of the same name as it was. On both engines."""

from __future__ import annotations

import errno
import os
import signal
import sys
import time

import pytest

from audit_tui.cli import main
from audit_tui.reports.progress import Progress
from audit_tui.reports.safe import Staged

from .test_reports_data import fill, mini  # noqa: F401
from .test_reports_export import where


@pytest.fixture
def db(engine, mini, db_target):  # noqa: F811
    fill(engine, mini)
    return where(db_target)


def contents(folder) -> dict[str, bytes]:
    """Every entry of `folder`, hidden ones too (a folder's value: None)."""
    return {p.name: (p.read_bytes() if p.is_file() else None) for p in folder.iterdir()}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_an_export_that_fails_half_way_leaves_the_earlier_one_as_it_was(
        capsys, db, tmp_path, monkeypatch, fmt):
    out = tmp_path / "out" / f"audits.{fmt}"
    out.parent.mkdir()
    assert main(["--db", db, "export", "--format", fmt, "--out", str(out)]) == 0
    capsys.readouterr()
    before = contents(out.parent)
    assert before and all(name.startswith("audits") for name in before)

    def disk_full(self, n: int = 1) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Progress, "advance", disk_full)
    assert main(["--db", db, "export", "--format", fmt, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Could not write the export: No space left on device" in err
    assert "No file was written or changed." in err and "Traceback" not in err
    assert contents(out.parent) == before  # (no .partial folder either)


def test_a_first_export_that_fails_writes_no_file(capsys, db, tmp_path, monkeypatch):
    def disk_full(self, n: int = 1) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Progress, "advance", disk_full)
    out = tmp_path / "exports" / "audits.csv"
    out.parent.mkdir()
    assert main(["--db", db, "export", "--format", "csv", "--out", str(out)]) == 2
    capsys.readouterr()
    assert contents(out.parent) == {}


def test_a_file_open_in_another_program_is_named(capsys, db, tmp_path, monkeypatch):
    """Windows will not replace a file Excel holds open: the sentence names it, and says what
    was written before it."""
    out = tmp_path / "audits.csv"
    real = os.replace

    def held(source, target):
        if str(target).endswith("-actions.csv"):
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        real(source, target)

    monkeypatch.setattr(os, "replace", held)
    assert main(["--db", db, "export", "--format", "csv", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"Could not write {tmp_path / 'audits-actions.csv'}: Permission denied" in err
    assert "(audits.csv, audits-answers.csv written)" in err
    assert "close it and try again" in err and "Traceback" not in err
    assert not any(name.endswith(".partial") for name in contents(tmp_path))
    assert (tmp_path / "audits-answers.csv").exists()
    assert not (tmp_path / "audits-actions.csv").exists()


def test_a_report_is_written_whole_or_not_at_all(capsys, db, tmp_path, monkeypatch):
    out = tmp_path / "pack.html"
    assert main(["--db", db, "report", "--format", "html", "--out", str(out)]) == 0
    before = out.read_bytes()
    capsys.readouterr()

    def held(source, target):
        raise PermissionError(errno.EACCES, "Permission denied", str(target))

    monkeypatch.setattr(os, "replace", held)
    assert main(["--db", db, "report", "--format", "html", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"Could not write {out}: Permission denied" in err and "Traceback" not in err
    assert out.read_bytes() == before
    assert not any(name.endswith(".partial") for name in contents(tmp_path))


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal sent to itself")
def test_a_command_told_to_stop_leaves_through_its_clean_up(tmp_path):
    """SIGTERM (a shutdown, a scheduler's limit, `kill`) stops a command as Ctrl+C does,
    through its clean-up: the half-written output's private folder is removed."""
    from audit_tui.cli import _stop_cleanly_when_told

    kept = signal.getsignal(signal.SIGTERM)
    try:
        _stop_cleanly_when_told()
        with pytest.raises(SystemExit) as stopped:
            with Staged(tmp_path / "audits.csv") as staged:
                staged.path.write_text("half an export")
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(10)  # (the handler raises before or during this)
                raise AssertionError("not stopped")
    finally:
        signal.signal(signal.SIGTERM, kept)
    assert stopped.value.code == 128 + signal.SIGTERM
    assert contents(tmp_path) == {}


def test_a_folder_left_by_a_killed_process_of_the_same_number_is_replaced(tmp_path):
    left = tmp_path / f".audits.csv.{os.getpid()}.partial"
    left.mkdir()
    (left / "audits.csv").write_text("from a process killed with SIGKILL")
    with Staged(tmp_path / "audits.csv") as staged:
        assert staged.folder == left and contents(left) == {}
        if sys.platform != "win32":
            assert left.stat().st_mode & 0o777 == 0o700
        staged.path.write_text("complete")
        assert staged.place([staged.path]) == [tmp_path / "audits.csv"]
    assert contents(tmp_path) == {"audits.csv": b"complete"}


def test_an_export_stopped_with_ctrl_c_says_nothing_was_written(capsys, db, tmp_path,
                                                                 monkeypatch):
    def interrupted(self, n: int = 1) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Progress, "advance", interrupted)
    out = tmp_path / "exports" / "audits.csv"
    out.parent.mkdir()
    assert main(["--db", db, "export", "--format", "csv", "--out", str(out)]) == 130
    assert "the export was stopped; no file was written or changed." in capsys.readouterr().err
    assert contents(out.parent) == {}


def test_an_audit_document_held_open_elsewhere_is_named_and_kept(capsys, db, tmp_path,
                                                                  monkeypatch):
    from .test_reports_data import AUDITS

    case = AUDITS[0][0]
    out = tmp_path / "audit.docx"
    assert main(["--db", db, "show", case, "--out", str(out)]) == 0
    before = out.read_bytes()
    capsys.readouterr()

    def held(source, target):
        raise PermissionError(errno.EACCES, "Permission denied", str(target))

    monkeypatch.setattr(os, "replace", held)
    assert main(["--db", db, "show", case, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"Could not write {out}: Permission denied" in err and "close it" in err
    assert out.read_bytes() == before
    assert not any(name.endswith(".partial") for name in contents(tmp_path))
