"""Allocations travel in bundles: the QA database's allocations (with their cases) reach an
auditor's laptop, which starts one pre-filled; the laptop's bundle tells the QA database the
audit was started. Synthetic data only."""

from __future__ import annotations

from audit_tui.cli import main
from audit_tui.db.opening import open_engine
from audit_tui.programme.synthetic import write_annex_a
from tests.programme_helpers import ONE_AUDITOR_RULES, db_arg, rows, run, write_settings



def bundle(target, *argv) -> int:
    return main(["--db", db_arg(target), "bundle", *argv])


def test_allocations_go_to_the_laptop_and_come_back_started(
        db_target, engine, db_factory, tmp_path, private_home, capsys):
    write_settings(private_home, ONE_AUDITOR_RULES)
    book = write_annex_a(tmp_path / "annex.xlsx", rows_per_list=6, lists=("8",),
                         teams=("Team A", "Team B"))
    run(db_target, "import", str(book), capsys=capsys)
    run(db_target, "sample", "--month", "2025-02", "--seed", "4", capsys=capsys)
    run(db_target, "allocate", "--month", "2025-02", capsys=capsys)
    assert bundle(db_target, "export", "--out", str(tmp_path / "to-laptop.bundle"),
                  "--status", "all") == 0
    laptop = db_factory()
    assert bundle(laptop, "import", "--trust-new-signer", str(tmp_path / "to-laptop.bundle")) == 0
    out = capsys.readouterr().out
    assert "2 programme allocations added or updated" in out
    laptop_engine = open_engine(laptop)
    try:
        assert rows(laptop_engine, "SELECT case_reference, auditor, status FROM "
                                   "programme_allocation ORDER BY case_reference") == rows(
            engine, "SELECT case_reference, auditor, status FROM programme_allocation ORDER BY "
                    "case_reference")
        # only the allocated cases came, with what pre-fill needs
        assert rows(laptop_engine, "SELECT count(*) FROM programme_case")[0][0] == 2
        ident = rows(laptop_engine, "SELECT id FROM programme_allocation ORDER BY "
                                    "case_reference")[0][0]
        code, out, err = run(laptop, "start", ident[-8:], "--who", "Ann Auditor", capsys=capsys)
        assert code == 0, err
        audit_id = rows(laptop_engine, "SELECT audit_id FROM programme_allocation WHERE id = :i",
                        i=ident)[0][0]
        assert rows(laptop_engine, "SELECT team, social_worker FROM audit")[0][0] in (
            "Team A", "Team B")
    finally:
        laptop_engine.dispose()
    # the same bundle again changes nothing on the laptop
    assert bundle(laptop, "import", str(tmp_path / "to-laptop.bundle")) == 0
    assert "Nothing changed" in capsys.readouterr().out
    # back to QA: the draft audit and the allocation that says it was started
    assert bundle(laptop, "export", "--out", str(tmp_path / "to-qa.bundle"),
                  "--status", "all") == 0
    assert bundle(db_target, "import", "--trust-new-signer", str(tmp_path / "to-qa.bundle")) == 0
    capsys.readouterr()
    assert rows(engine, "SELECT audit_id FROM programme_allocation WHERE id = :i",
                i=ident)[0][0] == audit_id
    code, out, _ = run(db_target, "status", "--format", "json", capsys=capsys)
    assert '"state": "started"' in out


def test_a_bundle_without_allocations_still_imports(db_target, db_factory, tmp_path, capsys):
    assert bundle(db_target, "export", "--out", str(tmp_path / "empty.bundle")) == 0
    other = db_factory()
    assert bundle(other, "import", "--trust-new-signer", str(tmp_path / "empty.bundle")) == 0
    assert "programme allocation" not in capsys.readouterr().out


def test_an_allocation_that_does_not_fit_is_refused(engine):
    import json

    import pytest

    from audit_tui.sync.programme_records import import_allocations

    good = {"id": "a" * 36, "sample_id": "", "case_id": "c1", "month": "2025-01",
            "position": 0, "case_reference": "C1", "team": "T", "template_key": "t",
            "auditor": "", "due_date": "2025-01-31", "extended_until": None,
            "extension_reason": "", "audit_id": None, "status": "allocated",
            "updated_at": "2025-01-02 10:00:00.000000"}
    for bad in ({"case_reference": "x" * 101}, {"status": "done"}, {"month": None},
                {"position": True}):
        line = json.dumps({"allocation": {**good, **bad}, "case": None}).encode()
        with engine.begin() as conn, pytest.raises(ValueError):
            import_allocations(conn, iter([line]))
    with engine.begin() as conn:
        assert import_allocations(conn, iter([json.dumps(
            {"allocation": good, "case": None}).encode()])) == 1
