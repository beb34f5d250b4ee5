"""The command line: where, templates list, templates check, database selection and errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from audit_tui.cli import main
from audit_tui.locations import resolve_database
from audit_tui.templates.loader import bundled_template_dir

MINI = '''key = "{key}"
version = {version}
title = "{title}"
service = "Testing"

[[sections]]
key = "s"
title = "S"
criterion = "childs_voice"

  [[sections.questions]]
  key = "q"
  prompt = "Q?"
  type = "yes_no"
  tags = ["quality"]
'''


def write(folder: Path, name: str, key: str, version: int, title: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(MINI.format(key=key, version=version, title=title), encoding="utf-8")
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "audit_tui", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0
    for command in ("where", "templates"):
        assert command in result.stdout


def test_where_lists_every_folder(capsys, private_home):
    code, out, _ = run(capsys, "where")
    assert code == 0
    assert f"Database           {private_home / 'data' / 'audits.db'}  (default)" in out
    assert str(private_home / "config" / "templates") in out
    assert str(private_home / "data" / "backups") in out


def test_database_precedence_db_flag_then_env_then_default(tmp_path, monkeypatch, private_home):
    assert resolve_database(None).path == private_home / "data" / "audits.db"
    monkeypatch.setenv("AUDIT_TUI_DB", str(tmp_path / "env.db"))
    assert resolve_database(None).path == tmp_path / "env.db"
    assert resolve_database(None).origin == "AUDIT_TUI_DB"
    assert resolve_database(str(tmp_path / "flag.db")).path == tmp_path / "flag.db"
    url = resolve_database("sqlite:///" + str(tmp_path / "u.db"))
    assert url.path == tmp_path / "u.db"
    server = resolve_database("postgresql+psycopg://qa:secret@db.example/audits")
    assert server.path is None and "secret" not in server.describe()


def test_templates_list_shows_the_bundled_templates(capsys):
    code, out, _ = run(capsys, "templates", "list")
    assert code == 0
    bundled = sorted(p.stem for p in bundled_template_dir().glob("*.toml"))
    assert bundled, "no bundled templates"
    for key in bundled:
        assert key in out


def test_user_template_with_a_higher_version_replaces_a_bundled_one(capsys, private_home):
    bundled = sorted(bundled_template_dir().glob("*.toml"))[0]
    from audit_tui.templates.loader import load_template

    original = load_template(bundled).template
    user_dir = private_home / "config" / "templates"
    text = original.text.replace(f"version = {original.version}",
                                 f"version = {original.version + 1}", 1)
    user_dir.mkdir(parents=True)
    (user_dir / "mine.toml").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "templates", "list")
    assert code == 0
    assert f"{original.key}" in out and str(user_dir / "mine.toml") in out
    assert f"Not used: {bundled}" in out


def test_two_templates_with_one_key_and_version_are_an_error_naming_both(capsys, tmp_path):
    extra = tmp_path / "extra"
    first = write(extra, "a.toml", "dup", 3, "First")
    second = write(extra, "b.toml", "dup", 3, "Second")
    code, out, _ = run(capsys, "--templates", str(extra), "templates", "list")
    assert code == 0
    assert "Unusable templates (2)" in out
    assert f"{first}:1: template 'dup' version 3 is also defined in {second}" in out
    assert f"{second}:1: template 'dup' version 3 is also defined in {first}" in out


def test_a_broken_template_is_listed_as_unusable_and_the_others_stay(capsys, tmp_path):
    extra = tmp_path / "extra"
    write(extra, "good.toml", "good_one", 1, "Good one")
    (extra / "broken.toml").write_text('key = "broken"\nversion = \n', encoding="utf-8")
    code, out, _ = run(capsys, "--templates", str(extra), "templates", "list")
    assert code == 0
    assert "good_one" in out
    assert f"{extra / 'broken.toml'}:2: this is not valid TOML" in out


def test_templates_check_exit_codes(capsys, tmp_path):
    good = write(tmp_path, "good.toml", "good_one", 1, "Good")
    bad = tmp_path / "bad.toml"
    bad.write_text(MINI.format(key="bad", version=1, title="Bad").replace("yes_no", "yesno"),
                   encoding="utf-8")
    code, out, _ = run(capsys, "templates", "check", str(good))
    assert code == 0 and "ok: good_one version 1" in out
    code, out, err = run(capsys, "templates", "check", str(good), str(bad))
    assert code == 1
    assert f"{bad}:14: unknown type 'yesno'" in out
    assert "1 of 2 file(s) have problems" in err


def test_every_bundled_template_passes_the_checker(capsys):
    files = [str(p) for p in sorted(bundled_template_dir().glob("*.toml"))]
    code, out, _ = run(capsys, "templates", "check", *files)
    assert code == 0, out


def test_a_bad_database_gives_a_message_and_exit_code_2(capsys, tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not a database at all, just notes\n" * 20)
    code, _, err = run(capsys, "--db", str(path))
    assert code == 2
    assert str(path) in err and "not a database file" in err
    assert "Traceback" not in err
