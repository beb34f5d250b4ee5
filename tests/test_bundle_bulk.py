"""The fast path of the import (sync/bulk.py: rows cut from the record lines and inserted by
SQLite from JSON, a helper thread reading ahead, secondary indexes made after the rows when the
database was empty) gives exactly what the general path gives, and refuses what it refuses.

Runs on SQLite and, with AUDIT_TUI_TEST_PG_URL set, on PostgreSQL (the general path there)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from audit_tui.db.engine import read_only
from audit_tui.reports.demo_cli import fill as demo_fill
from audit_tui.sync import bulk, records
from audit_tui.sync.bundle_file import BundleRefused
from audit_tui.sync.importer import import_bundle

from .test_bundle import (  # noqa: F401 (fixtures)
    all_records, counts_consistent, export, forge, other, snapshot)
from .test_reports_data import fill, mini  # noqa: F401


@pytest.fixture
def many(engine):
    """More audits than a batch (records.BATCH), of every bundled template, with drafts."""
    demo_fill(engine, audits=records.BATCH * 2 + 37, seed=5, months=6, today=date(2025, 3, 14),
              parallel=False)
    return engine


def schema(engine) -> list:
    with read_only(engine).connect() as conn:
        if conn.dialect.name != "sqlite":
            return []
        return conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master "
                                    "ORDER BY name").all()


@pytest.fixture
def fast(monkeypatch) -> list:
    """The batches the fast path inserted (their sizes)."""
    done: list[int] = []
    insert = bulk.insert

    def counted(conn, prepared):
        done.append(len(prepared.ids))
        return insert(conn, prepared)
    monkeypatch.setattr(bulk, "insert", counted)
    return done


def test_many_audits_into_an_empty_database(many, other, tmp_path, fast, db_kind):
    path = export(many, tmp_path, status="all")
    empty_schema = schema(other)
    result = import_bundle(other, path, who="qa")
    assert result.new == records.BATCH * 2 + 37
    assert fast == ([records.BATCH, records.BATCH, 37] if db_kind == "sqlite" else [])
    assert all_records(other, imported=True) == all_records(many)
    assert counts_consistent(other)
    assert schema(other) == empty_schema  # the indexes are all back, as they were
    with read_only(other).connect() as conn, read_only(many).connect() as source:
        for table in ("fact_audit", "grade_fact", "indicator_result", "yes_no_fact",
                      "fact_count"):
            query = f"SELECT * FROM {table}"

            def rows(result):  # every column but when the facts were recorded
                return sorted(repr(tuple(v for k, v in r._mapping.items()
                                         if k != "recorded_at")) for r in result)
            got, want = rows(conn.exec_driver_sql(query)), rows(source.exec_driver_sql(query))
            assert got == want, table
    before = snapshot(other)
    again = import_bundle(other, path, who="qa")
    assert again.unchanged == result.new and not again.changed_anything
    assert snapshot(other) == before


def test_the_general_path_gives_the_same(many, other, db_factory, tmp_path, monkeypatch,
                                        fast):
    """Records not in canonical form (spaces, members in another order), and a SQLite without
    its JSON functions, take the general path: the same rows."""
    from audit_tui.db.opening import open_engine

    path = export(many, tmp_path, status="all")

    def loosen(members):
        lines = []
        for line in members["audits.jsonl"].splitlines():
            record = json.loads(line)
            record = {"id": record["id"], **{k: v for k, v in reversed(record.items())
                                             if k != "id"}}
            lines.append(json.dumps(record).encode())
        members["audits.jsonl"] = b"\n".join(lines) + b"\n"
    loose = forge(path, tmp_path / "loose.bundle", loosen)
    assert import_bundle(other, loose, who="qa").new == records.BATCH * 2 + 37
    assert fast == []
    assert all_records(other, imported=True) == all_records(many)
    assert counts_consistent(other)
    monkeypatch.setattr(bulk, "available", lambda conn: False)
    third = open_engine(db_factory())
    try:
        import_bundle(third, path, who="qa")
        assert fast == []
        assert all_records(third, imported=True) == all_records(many)
        assert counts_consistent(third)
    finally:
        third.dispose()


def test_a_new_audit_with_a_row_of_another_audit_is_refused(engine, other, mini, tmp_path):
    ids = fill(engine, mini)
    path = export(engine, tmp_path, status="all")
    import_bundle(other, path)

    def steal(members):  # a new audit whose answer is filed under an audit already there
        record = json.loads(members["audits.jsonl"].splitlines()[0])
        new_id = "00000000-0000-4000-8000-000000000002"
        record["id"] = record["audit"][0] = new_id
        for name in records.TABLES:
            for row in record[name]:
                row[0] = new_id
        record["answers"][0][0] = ids["CH-2"]
        record["answers"][0][1] = "00000000-0000-4000-8000-0000000000aa"
        record["answers"][0][2] = "a_question_never_answered"
        members["audits.jsonl"] = records.encode(record) + b"\n"
        members["facts.jsonl"] = b""
    forged = forge(path, tmp_path / "steal.bundle", steal)
    before = snapshot(other)
    with pytest.raises(BundleRefused, match="names another audit"):
        import_bundle(other, forged, who="qa")
    assert snapshot(other) == before


def test_a_refused_import_into_an_empty_database_leaves_it_as_it_was(
        many, other, tmp_path):
    """The indexes dropped for the bulk load come back with the rollback."""
    path = export(many, tmp_path, status="all")

    def break_last(members):  # a row of the last audit names the first: found late
        lines = members["audits.jsonl"].splitlines()
        first, last = json.loads(lines[0]), json.loads(lines[-1])
        last["events"][0][0] = first["id"]
        lines[-1] = records.encode(last)
        members["audits.jsonl"] = b"\n".join(lines) + b"\n"
    forged = forge(path, tmp_path / "late.bundle", break_last)
    before, empty_schema = snapshot(other), schema(other)
    with pytest.raises(BundleRefused, match="Nothing was imported"):
        import_bundle(other, forged, who="qa")
    assert snapshot(other) == before
    assert schema(other) == empty_schema


def test_damaged_or_altered_bundles_into_an_empty_database_change_nothing(
        engine, other, mini, tmp_path, monkeypatch, db_kind):
    """Into an empty SQLite database the records are checked as they are read, in the import's
    transaction (not in a first pass): what is found wrong still changes nothing."""
    import zipfile

    from audit_tui.sync import importer

    from .test_bundle import refused, rewrite

    opened = []

    def spy(path, **kwargs):
        opened.append(kwargs.get("check_records", True))
        return open_bundle(path, **kwargs)
    open_bundle = importer.open_bundle
    monkeypatch.setattr(importer, "open_bundle", spy)

    fill(engine, mini)
    path = export(engine, tmp_path, status="all")
    empty_schema = schema(other)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("audits.jsonl")
    at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[at] ^= 0xFF  # a byte of the records' compressed data
    broken = tmp_path / "broken.bundle"
    broken.write_bytes(bytes(data))
    assert "damaged or was cut short" in refused(other, broken)
    for member in ("audits.jsonl", "facts.jsonl"):
        altered = rewrite(path, tmp_path / f"altered-{member}.bundle",
                          change=(member, b'"North"', b'"Nowhere"'))
        assert f"the checksum of {member} does not match" in refused(other, altered)

    def twice(members):
        first = members["audits.jsonl"].splitlines()[0]
        members["audits.jsonl"] += first + b"\n"
    assert "holds an audit twice" in refused(other, forge(path, tmp_path / "twice.bundle",
                                                          twice))

    def unreadable(members):
        members["audits.jsonl"] += b'{"not": "a record"}\n'
    assert "cannot be read" in refused(other, forge(path, tmp_path / "unreadable.bundle",
                                                    unreadable))
    assert schema(other) == empty_schema
    assert set(opened) == {db_kind != "sqlite"}  # checked as read on SQLite, first otherwise
    result = import_bundle(other, path, who="qa")  # and the good one still imports
    assert result.new == 5 and all_records(other, imported=True) == all_records(engine)
