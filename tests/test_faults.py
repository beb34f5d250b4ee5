"""Faults from issue 12 ("Bad input and faults"): two programs writing at once, read-only and
empty files, side files, terminal-safe text. Each test fails without its fix."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.models import TemplateVersion
from audit_tui.templates.loader import default_catalog


def _template():
    return default_catalog(None).templates()[0]


def test_template_version_stored_twice_at_once_is_one_row(engine):
    """Another program stores the same template version between our look and our insert (the
    demo racing a bundle import on a fresh database): no UniqueViolation, one row."""
    template = _template()
    with session_scope(engine) as other:  # the other program, committed first
        store.ensure_template_version(session=other, template=template)
    with session_scope(engine) as session:
        real_get = session.get
        calls = []

        def late_get(model, key, **kw):  # our look happened before the other's commit
            calls.append(key)
            return None if len(calls) == 1 else real_get(model, key, **kw)

        session.get = late_get
        row = store.ensure_template_version(session=session, template=template)
        assert row.hash == template.text_hash and row.text == template.text
    with session_scope(engine) as session:
        from sqlmodel import select

        assert len(session.exec(select(TemplateVersion)).all()) == 1


# -- two programs at once ------------------------------------------------------------------


def _cli(*args, env=None, **kw):
    return subprocess.Popen([sys.executable, "-m", "audit_tui", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _env(tmp_path):
    return {**os.environ, "AUDIT_TUI_HOME": str(tmp_path / "home")}


def _bundle(tmp_path, env) -> str:
    laptop = tmp_path / "laptop.db"
    for args in (("demo", "--audits", "30", "--yes"),
                 ("bundle", "export", "--out", str(tmp_path / "b.bundle"))):
        done = _cli("--db", str(laptop), *args, env=env)
        out, err = done.communicate(timeout=300)
        assert done.returncode == 0, err
    return str(tmp_path / "b.bundle")


def test_demo_and_import_wait_for_a_program_holding_the_write_lock(tmp_path):
    """Another program holds SQLite's write lock past the 5 s busy timeout (until the demo
    says it is waiting): `demo` and `bundle import`, started meanwhile, wait, then succeed;
    no traceback."""
    env = _env(tmp_path)
    bundle = _bundle(tmp_path, env)
    db = tmp_path / "qa.db"
    made = _cli("--db", str(db), "demo", "--audits", "5", "--yes", env=env)
    assert made.wait(timeout=300) == 0
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys\n"
         f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE'); print('held', flush=True)\n"
         "sys.stdin.readline(); c.execute('COMMIT')\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    demo = _cli("--db", str(db), "demo", "--audits", "20", "--yes", env=env)
    imp = _cli("--db", str(db), "bundle", "import", bundle, env=env)
    said = demo.stderr.readline()  # blocks until the demo says something
    holder.communicate("release\n", timeout=60)
    demo_out, demo_err = demo.communicate(timeout=300)
    imp_out, imp_err = imp.communicate(timeout=300)
    assert "another program is writing to the database; waiting for it" in said
    for code, err in ((demo.returncode, said + demo_err), (imp.returncode, imp_err)):
        assert "Traceback" not in err
        assert code == 0, err


def test_a_busy_database_is_a_sentence_not_a_traceback(tmp_path, monkeypatch, capsys):
    """When the wait runs out, the command says the database is busy and exits 2."""
    import sqlite3

    from audit_tui import cli

    db = tmp_path / "qa.db"
    assert cli.main(["--db", str(db), "demo", "--audits", "3", "--yes"]) == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(cli, "LOCK_WAIT_S", 1)
    capsys.readouterr()
    try:
        code = cli.main(["--db", str(db), "demo", "--audits", "3", "--yes"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert code == 2 and "the database is busy" in err and "Traceback" not in err


def test_demo_racing_an_import_on_a_fresh_server(tmp_path, pg_url_or_skip):
    """PostgreSQL: `demo` and `bundle import` started together on a fresh database both store
    the same template versions; neither ends in a UniqueViolation (nor prints the template)."""
    env = _env(tmp_path)
    bundle = _bundle(tmp_path, env)
    url = pg_url_or_skip
    demo = _cli("--db", url, "demo", "--audits", "20", "--yes", env=env)
    imp = _cli("--db", url, "bundle", "import", bundle, env=env)
    for proc in (demo, imp):
        out, err = proc.communicate(timeout=300)
        assert "Traceback" not in err and "UniqueViolation" not in err
        assert proc.returncode == 0, err


@pytest.fixture
def pg_url_or_skip(request):
    from .conftest import pg_url

    if not pg_url():
        pytest.skip("no PostgreSQL server (AUDIT_TUI_TEST_PG_URL)")
    return request.getfixturevalue("pg_schema_url")


# -- terminal-safe text --------------------------------------------------------------------
HOSTILE = "Team \x1b]0;owned\x07\x1b[2J\x9b"


def _hostile_db(tmp_path):
    from audit_tui import cli

    db = tmp_path / "hostile.db"
    assert cli.main(["--db", str(db), "demo", "--audits", "20", "--yes"]) == 0
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit SET team = ?", (HOSTILE,))
        conn.execute("UPDATE action SET description = ?", (HOSTILE,))
        for table in ("fact_count", "fact_audit", "grade_fact", "indicator_result",
                      "yes_no_fact"):  # recomputed by the next command (ensure_facts)
            conn.execute(f"DELETE FROM {table}")
    return db


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_reports_people_read_never_carry_control_characters(tmp_path, capsys, fmt):
    from audit_tui import cli

    db = _hostile_db(tmp_path)
    capsys.readouterr()
    assert cli.main(["--db", str(db), "report", "--by", "team", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "owned" in out  # the team is shown ...
    assert not any(ch in out for ch in "\x1b\x07\x9b")  # ... and never obeyed
    assert "\u241b]0;owned\u2407" in out
    out_file = tmp_path / f"r.{fmt}"
    assert cli.main(["--db", str(db), "report", "--by", "team", "--format", fmt,
                     "--out", str(out_file)]) == 0
    assert "\x1b" not in out_file.read_text(encoding="utf-8")


def test_actions_and_messages_on_a_terminal_are_safe(tmp_path, capsys, monkeypatch):
    import io

    from audit_tui import cli

    db = _hostile_db(tmp_path)

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    monkeypatch.setattr("sys.stdout", tty)
    assert cli.main(["--db", str(db), "actions", "--format", "csv"]) == 0
    assert "owned" in tty.getvalue() and "\x1b" not in tty.getvalue()
    tty.seek(0), tty.truncate()
    assert cli.main(["--db", str(tmp_path / "no\x1b[2Jfolder" / "a.db"), "where"]) == 0
    assert "\u241b[2J" in tty.getvalue() and "\x1b" not in tty.getvalue()
    monkeypatch.undo()
    capsys.readouterr()
    code = cli.main(["--db", str(tmp_path / "no\x1b]0;x\x07" / "a.db"), "report"])
    err = capsys.readouterr().err
    assert code == 2 and "\u241b]0;x\u2407" in err and "\x1b" not in err


def test_csv_piped_keeps_the_data_as_stored(tmp_path, capsys):
    from audit_tui import cli

    db = _hostile_db(tmp_path)
    capsys.readouterr()
    assert cli.main(["--db", str(db), "report", "--by", "team", "--format", "csv"]) == 0
    assert HOSTILE.strip() in capsys.readouterr().out


# -- files that are not (usable) databases -------------------------------------------------
@pytest.mark.parametrize("command", [["report"], ["export", "--format", "csv", "--out", "x.csv"],
                                     ["demo", "--audits", "2", "--yes"], ["backup"],
                                     ["bundle", "conflicts"]])
def test_an_empty_file_is_refused_untouched(tmp_path, capsys, monkeypatch, command):
    from audit_tui import cli

    monkeypatch.chdir(tmp_path)
    db = tmp_path / "empty.db"
    db.touch(mode=0o644)
    os.chmod(db, 0o644)
    code = cli.main(["--db", str(db), *command])
    err = capsys.readouterr().err
    assert code == 2 and "is an empty file" in err and "Traceback" not in err
    assert db.stat().st_size == 0 and (db.stat().st_mode & 0o777) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


def test_a_new_database_and_its_side_files_are_private(tmp_path):
    from audit_tui import cli

    db = tmp_path / "new.db"
    old = os.umask(0o022)
    try:
        assert cli.main(["--db", str(db), "demo", "--audits", "3", "--yes"]) == 0
        assert cli.main(["--db", str(db), "backup", "--out", str(tmp_path / "b.db")]) == 0
    finally:
        os.umask(old)
    import sqlite3

    keep = sqlite3.connect(db)  # while a connection is open the -wal and -shm exist
    keep.execute("SELECT count(*) FROM audit").fetchone()
    try:
        for name in ("new.db", "new.db-wal", "new.db-shm", "b.db"):
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
    finally:
        keep.close()


def _cut_short(db):
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])


def _newer(db):
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("spoil", [_cut_short, _newer])
def test_a_refused_file_gets_no_side_files(tmp_path, capsys, spoil):
    from audit_tui import cli

    db = tmp_path / "a.db"
    assert cli.main(["--db", str(db), "demo", "--audits", "5", "--yes"]) == 0
    spoil(db)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db"]
    before = db.read_bytes()
    for command in (["report"], ["demo", "--audits", "2", "--yes"], ["where"]):
        cli.main(["--db", str(db), *command])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db"]
    assert db.read_bytes() == before


# -- read-only databases -------------------------------------------------------------------
@pytest.fixture
def make_read_only():
    """Makes a file and its folder really read-only, for root too: the immutable attribute
    (chattr +i) where running as root, modes 0400/0500 otherwise. Skips if neither stops a
    write here (so the tests below can really fail). Undone afterwards."""
    import shutil

    done = []

    def make(path):
        folder = path.parent
        if os.geteuid() == 0:
            if not shutil.which("chattr"):
                pytest.skip("running as root without chattr: cannot make a read-only file")
            for p in (path, folder):
                if subprocess.run(["chattr", "+i", str(p)], capture_output=True).returncode:
                    pytest.skip("this file system has no immutable attribute")
                done.append(("chattr", p))
        else:
            os.chmod(path, 0o400)
            os.chmod(folder, 0o500)
            done.extend([("chmod", path, 0o600), ("chmod", folder, 0o700)])
        try:
            (folder / "probe").touch()
        except OSError:
            return
        pytest.skip("the folder is still writable here")

    yield make
    for item in reversed(done):
        if item[0] == "chattr":
            subprocess.run(["chattr", "-i", str(item[1])], check=True)
        else:
            os.chmod(item[1], item[2])


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_report_and_export_work_on_a_read_only_database(tmp_path, capsys, make_read_only,
                                                        journal):
    import sqlite3

    from audit_tui import cli

    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "a.db"
    assert cli.main(["--db", str(db), "demo", "--audits", "12", "--yes"]) == 0
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.close()
    before = db.read_bytes()
    make_read_only(db)
    capsys.readouterr()
    assert cli.main(["--db", str(db), "report", "--by", "team"]) == 0
    assert "12 submitted audits" in capsys.readouterr().out
    out = tmp_path / "x.csv"
    assert cli.main(["--db", str(db), "export", "--format", "csv", "--out", str(out)]) == 0
    assert "Wrote 12 audits" in capsys.readouterr().err
    assert cli.main(["--db", str(db), "backup", "--out", str(tmp_path / "b.db")]) == 0
    code = cli.main(["--db", str(db), "demo", "--audits", "2", "--yes"])
    err = capsys.readouterr().err
    assert code == 2 and "is read-only" in err and "Reading still works" in err
    assert "damaged" not in err and "Traceback" not in err
    assert db.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["a.db"]
