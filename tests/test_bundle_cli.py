"""`audit-tui bundle export | import | conflicts` from the command line: messages, exit codes, the
summary, and refusals that change nothing. Runs on SQLite and PostgreSQL (tests/conftest.py)."""

from __future__ import annotations

import stat
from datetime import date

import pytest

from audit_tui.cli import main
from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.opening import open_engine

from .test_reports_data import fill, mini  # noqa: F401


def db_arg(target) -> str:
    return str(target.path) if target.path is not None else target.url


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def laptop(engine, mini, db_target):  # noqa: F811
    ids = fill(engine, mini)
    return db_arg(db_target), ids


@pytest.fixture
def qa(db_factory):
    return db_arg(db_factory())


def test_export_then_import_then_import_again(capsys, laptop, qa, tmp_path):
    db, _ = laptop
    out = tmp_path / "march.bundle"
    code, _, err = run(capsys, "--db", db, "bundle", "export", "--out", str(out))
    assert code == 0
    assert f"Wrote {out}: 4 audits" in err and "1 template version." in err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    code, text, _ = run(capsys, "--db", qa, "bundle", "import", str(out))
    assert code == 0
    assert "march.bundle: 4 audits: 4 new, 0 updated, 0 unchanged, 0 conflicting; " \
           "1 template version added." in text
    code, text, _ = run(capsys, "--db", qa, "bundle", "import", str(out))
    assert code == 0
    assert "4 audits: 0 new, 0 updated, 4 unchanged, 0 conflicting. Nothing changed: this " \
           "bundle was imported before" in text
    code, text, _ = run(capsys, "--db", qa, "report", "--as-of", "01/06/2024")
    assert code == 0 and "4 submitted audits" in text


def test_export_options(capsys, laptop, tmp_path):
    db, _ = laptop
    out = tmp_path / "all.bundle"
    code, _, err = run(capsys, "--db", db, "bundle", "export", "--status", "all", "--since",
                       date.today().strftime("%d/%m/%Y"), "--out", str(out))
    assert code == 0 and "5 audits" in err
    code, _, err = run(capsys, "--db", db, "bundle", "export", "--since", "31/02/2024",
                       "--out", str(out))
    assert code == 2 and err.startswith("audit-tui: --since:")
    code, _, err = run(capsys, "--db", db, "bundle", "export", "--out",
                       str(tmp_path / "nowhere" / "b.bundle"))
    assert code == 2 and "does not exist" in err


def test_a_refused_bundle_says_why_and_the_others_are_imported(capsys, laptop, qa, tmp_path):
    db, _ = laptop
    good = tmp_path / "good.bundle"
    run(capsys, "--db", db, "bundle", "export", "--out", str(good))
    cut = tmp_path / "cut.bundle"
    cut.write_bytes(good.read_bytes()[:-200])
    code, text, err = run(capsys, "--db", qa, "bundle", "import", str(cut), str(good))
    assert code == 1
    assert "refused: cut.bundle is damaged or was cut short" in err
    assert "Traceback" not in err
    assert "good.bundle: 4 audits: 4 new" in text
    assert "1 of the 2 bundles was refused; the others were imported." in err


def test_conflicts_are_listed_with_both_values(capsys, laptop, qa, tmp_path, db_target):
    db, ids = laptop
    first = tmp_path / "first.bundle"
    run(capsys, "--db", db, "bundle", "export", "--status", "all", "--out", str(first))
    run(capsys, "--db", qa, "bundle", "import", str(first))
    code, text, _ = run(capsys, "--db", qa, "bundle", "conflicts")
    assert code == 0 and text.startswith("No conflicts")
    laptop_engine = open_engine(db_target)
    from audit_tui.locations import parse_database

    qa_engine = open_engine(parse_database(qa, "--db"))
    try:
        for engine, value in ((laptop_engine, "Team A"), (qa_engine, "Team B")):
            with session_scope(engine) as s:
                store.update_case_details(session=s, audit_id=ids["DRAFT"], who="x",
                                          team=value)
    finally:
        laptop_engine.dispose()
        qa_engine.dispose()
    second = tmp_path / "second.bundle"
    run(capsys, "--db", db, "bundle", "export", "--status", "all", "--out", str(second))
    code, text, _ = run(capsys, "--db", qa, "bundle", "import", str(second))
    assert code == 0
    assert "0 updated, 4 unchanged, 1 conflicting" in text
    assert "1 audit has conflicts to resolve" in text
    code, text, _ = run(capsys, "--db", qa, "bundle", "conflicts")
    assert code == 0
    assert "CH-9  Mini audit  Team B  (draft, 1 field)" in text
    assert "  Team\n    mine:   Team B\n    theirs: Team A" in text
