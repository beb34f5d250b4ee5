"""Every text the auditor typed that the database holds is in a full export, in each format
(CSV, XLSX, JSON): the test walks every column of the answer, section, worker conversation and
family feedback tables and finds each non-empty value. A pseudonymised export holds no real
audit id (nor a repeating group's row id) in any format, and no free text. On both engines."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from audit_tui.cli import main
from audit_tui.db import conversation, store
from audit_tui.db.engine import session_scope
from audit_tui.db.models import SQLModel

from .test_reports_data import fill, mini  # noqa: F401

TABLES = ("answer", "section_result", "worker_conversation", "family_feedback")
# bookkeeping, not what the auditor wrote: the row's own id, when and by whom it was saved
NOT_EXPORTED = {"id", "updated_at", "updated_by", "created_at", "recorded_by"}


@pytest.fixture
def typed(engine, mini, db_target):  # noqa: F811
    """The reports' audits with a distinct text in every place an auditor types one."""
    ids = fill(engine, mini)
    with session_scope(engine) as s:
        for case in ("CH-1", "CH-3"):
            audit_id = ids[case]
            s.exec(sa.text("UPDATE audit SET status = 'draft' WHERE id = :i"),
                   params={"i": audit_id})
        s.commit()
    with session_scope(engine) as s:
        for case in ("CH-1", "CH-3"):
            audit_id = ids[case]
            store.save_section(session=s, audit_id=audit_id, section_key="voice",
                               criterion="childs_voice", who="t",
                               rationale=f"Voice heard well in {case}, \"quoted\"")
            store.save_answer(session=s, audit_id=audit_id, question_key="plan_smart",
                              who="t", evidence=f"Plan dated in {case}\nsecond line")
        store.save_section(session=s, audit_id=ids["CH-3"], section_key="plan",
                           criterion="plan_timeliness", who="t", grade=None,
                           not_applicable=True, na_reason="Plan not due until March")
    with session_scope(engine) as s:
        for case in ("CH-1", "CH-3"):
            s.exec(sa.text("UPDATE audit SET status = 'submitted' WHERE id = :i"),
                   params={"i": ids[case]})
        conversation.record_worker(
            session=s, audit_id=ids["CH-1"], who="t", spoken_on=date(2024, 1, 12),
            how="phone", reflection="I saw the drift too", agrees="partly",
            disagreement="Voice was better than graded", support="Supervision monthly")
        conversation.record_feedback(
            session=s, audit_id=ids["CH-1"], who="t", from_whom="parent", how="call",
            gathered_on=date(2024, 1, 14), said="She listened to us",
            answers=[("Did you feel heard?", "Mostly yes")])
    return ids


def run(capsys, db_target, out, *argv) -> None:
    code = main(["--db", str(db_target.path or db_target.url), "export", "--out", str(out),
                 *argv])
    capsys.readouterr()
    assert code == 0


def texts(tmp_path, capsys, db_target, *argv) -> dict[str, str]:
    """format -> everything the export holds, as text (every cell of every file or sheet)."""
    found = {}
    folder = tmp_path / "csv"
    folder.mkdir()
    run(capsys, db_target, folder / "x.csv", "--format", "csv", *argv)
    cells = []
    for path in folder.iterdir():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            cells += [c for row in csv.reader(handle) for c in row]
    found["csv"] = "\n".join(cells)
    openpyxl = pytest.importorskip("openpyxl")
    run(capsys, db_target, tmp_path / "x.xlsx", "--format", "xlsx", *argv)
    book = openpyxl.load_workbook(tmp_path / "x.xlsx", read_only=True)
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, datetime):
                    v = v.date().isoformat() if v.time() == datetime.min.time() else v
                cells.append("" if v is None else str(v))
    book.close()
    found["xlsx"] = "\n".join(cells)
    run(capsys, db_target, tmp_path / "x.json", "--format", "json", *argv)
    data = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    strings = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                strings.append(str(k))
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif v is not None:
            strings.append(str(v))

    walk(data)
    found["json"] = "\n".join(strings)
    return found


def database_values(engine) -> dict[tuple[str, str], set[str]]:
    """(table, column) -> every non-empty value of the submitted audits, as text."""
    values: dict[tuple[str, str], set[str]] = {}
    with engine.connect() as conn:
        for table in TABLES:
            columns = SQLModel.metadata.tables[table].columns
            for column in columns:
                if column.name in NOT_EXPORTED:
                    continue
                rows = conn.execute(sa.text(
                    f"SELECT t.{column.name} FROM {table} t JOIN audit a ON a.id = t.audit_id "
                    "WHERE a.status = 'submitted'"))
                seen = values.setdefault((table, column.name), set())
                for (v,) in rows:
                    if v is None or v == "" or isinstance(v, bool):
                        continue  # (a flag is exported as yes/no, never as itself)
                    if isinstance(v, (date, datetime)):
                        v = v.isoformat()
                    elif isinstance(v, float):
                        v = str(int(v)) if v.is_integer() else str(v)
                    elif column.name in ("choices", "answers"):  # JSON lists: each item
                        for item in json.loads(v):
                            seen.update(map(str, item if isinstance(item, list) else [item]))
                        continue
                    seen.add(str(v))
    return values


def test_a_full_export_holds_every_value_of_every_column(capsys, typed, engine, db_target,
                                                        mini, tmp_path):  # noqa: F811
    values = database_values(engine)
    # every column the test walks has something in it: a new column nobody exports fails here
    assert all(values[(t, c.name)] for t in TABLES
               for c in SQLModel.metadata.tables[t].columns
               if c.name not in NOT_EXPORTED and not isinstance(c.type, sa.Boolean)
               and (t, c.name) not in {("answer", "choices"), ("answer", "number_value"),
                                       ("answer", "text"), ("answer", "row_id"),
                                       ("answer", "grade")}), \
        [k for k, v in values.items() if not v]
    titles = {s.title for s in mini.all_sections()}
    for fmt, text in texts(tmp_path, capsys, db_target).items():
        for (table, column), found in values.items():
            for value in found:
                assert value in text, (fmt, table, column, value)
        for title in titles:
            assert title in text, (fmt, title)


def test_a_pseudonymised_export_holds_no_real_id_nor_free_text(capsys, typed, engine,
                                                              db_target, tmp_path,
                                                              private_home):
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM audit"))]
        ids += [r[0] for r in conn.execute(sa.text("SELECT id FROM repeat_row"))]
    found = texts(tmp_path, capsys, db_target, "--pseudonymise")
    hidden = set()
    for fmt, text in found.items():
        for audit_id in ids:
            assert audit_id not in text, fmt
        for secret in ("Voice heard well", "Plan dated", "Plan not due", "drift too",
                       "Supervision", "listened", "Mostly yes", "Sam Worker"):
            assert secret not in text, (fmt, secret)
        hidden.add(frozenset(w for w in text.split() if w.startswith("A-")))
    # the same pseudonyms in every format (and the four submitted audits each have one)
    assert len(hidden) == 1
    assert len({w.strip('",') for w in next(iter(hidden))}) >= 4
    assert "childs_voice" in found["csv"] and "Voice" in found["xlsx"]  # titles kept
