"""Signed bundles: a bundle is refused, changing nothing, when it is unsigned, its signature does
not match (any edit, checksums recomputed or not), or its signer is not trusted here; trusting
a signer by key file, fingerprint or --trust-new-signer; history names the signer. Runs on
SQLite and PostgreSQL (tests/conftest.py)."""

from __future__ import annotations

import json
import stat

import pytest

from audit_tui.cli import main
from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.sync import records
from audit_tui.sync.importer import import_bundle
from audit_tui.sync.signing import own_key, show

from .test_bundle import export, forge, other, refused, snapshot  # noqa: F401
from .test_bundle_cli import db_arg
from .test_reports_data import fill, mini  # noqa: F401


@pytest.fixture
def laptop_bundle(engine, mini, tmp_path, monkeypatch):  # noqa: F811
    """A bundle signed on the laptop (its own data folder), then the QA copy's data folder in
    use: a copy of the tool with another key, that has never seen the laptop's."""
    monkeypatch.setenv("AUDIT_TUI_HOME", str(tmp_path / "laptop-home"))
    fill(engine, mini)
    path = export(engine, tmp_path, status="all")
    _, signer = own_key()
    monkeypatch.setenv("AUDIT_TUI_HOME", str(tmp_path / "qa-home"))
    return path, signer


def test_the_signing_key_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_TUI_HOME", str(tmp_path / "h"))
    _, signer = own_key()
    folder = tmp_path / "h" / "data" / "keys"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "bundle-signing.pem").stat().st_mode) == 0o600
    assert own_key()[1] == signer  # made once, then kept


def test_an_unknown_signer_is_refused_until_trusted(other, laptop_bundle):  # noqa: F811
    path, signer = laptop_bundle
    message = refused(other, path)
    assert "does not trust" in message and show(signer.fingerprint) in message
    result = import_bundle(other, path, who="qa", trust_new_signer=True)
    assert result.new == 5 and result.newly_trusted and result.signer == signer
    with session_scope(other) as s:
        audit_id = s.connection().exec_driver_sql("SELECT id FROM audit LIMIT 1").scalar()
        events = store.history(session=s, audit_id=audit_id)
        trusted = s.connection().exec_driver_sql(
            "SELECT fingerprint FROM trusted_key").scalars().all()
    assert trusted == [signer.fingerprint]
    added = [e for e in events if e.what == "from a bundle: audit added"]
    assert added and show(signer.fingerprint) in added[0].who and signer.name in added[0].who
    assert "imported by qa" in added[0].who


def test_a_bad_signature_or_none_is_refused(other, laptop_bundle, tmp_path):  # noqa: F811
    path, _ = laptop_bundle
    import_bundle(other, path, who="qa", trust_new_signer=True)  # something here to keep

    def regrade(members):  # a grade changed and every checksum made good again
        record = json.loads(members["audits.jsonl"].splitlines()[0])
        record["audit"][11] = 4 if record["audit"][11] != 4 else 1
        members["audits.jsonl"] = b"\n".join(
            [records.encode(record), *members["audits.jsonl"].splitlines()[1:]]) + b"\n"
    edited = forge(path, tmp_path / "edited.bundle", regrade, sign=False)
    assert "signature does not match" in refused(other, edited)

    def unsign(members):
        manifest = json.loads(members["manifest.json"])
        del manifest["signer"], manifest["signature"]
        members["manifest.json"] = json.dumps(manifest).encode()
    unsigned = forge(path, tmp_path / "unsigned.bundle", unsign, sign=False)
    assert "not signed" in refused(other, unsigned)


def test_trust_by_fingerprint_or_key_file_on_the_command_line(
        capsys, db_factory, laptop_bundle, tmp_path, monkeypatch):
    path, signer = laptop_bundle
    qa = db_arg(db_factory())
    assert main(["--db", qa, "bundle", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "does not trust" in err and "Traceback" not in err
    assert main(["--db", qa, "bundle", "trust", "nonsense", "--name", "Ann"]) == 2
    assert "neither a public key file nor a fingerprint" in capsys.readouterr().err
    assert main(["--db", qa, "bundle", "trust", show(signer.fingerprint), "--name",
                 "Ann Lead"]) == 0
    assert main(["--db", qa, "bundle", "keys"]) == 0
    out = capsys.readouterr().out
    assert show(signer.fingerprint) in out and "Ann Lead" in out
    assert main(["--db", qa, "bundle", "import", str(path)]) == 0
    assert "5 new" in capsys.readouterr().out
    # The key file route: the laptop writes it, the QA team trusts it.
    monkeypatch.setenv("AUDIT_TUI_HOME", str(tmp_path / "laptop-home"))
    key_file = tmp_path / "ann.pub"
    assert main(["bundle", "key", "--name", "Ann Lead", "--out", str(key_file)]) == 0
    assert show(signer.fingerprint) in capsys.readouterr().out
    monkeypatch.setenv("AUDIT_TUI_HOME", str(tmp_path / "qa-home"))
    other_qa = db_arg(db_factory())
    assert main(["--db", other_qa, "bundle", "trust", str(key_file), "--name", "Ann"]) == 0
    assert main(["--db", other_qa, "bundle", "import", str(path)]) == 0
    assert "Signed by" in capsys.readouterr().out
