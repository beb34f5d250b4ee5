"""`audit-tui export`: CSV and XLSX read back equal the database; no cell is a formula;
pseudonyms are stable and keyed; every file is private. On both engines (a SQLite file and,
with AUDIT_TUI_TEST_PG_URL, a PostgreSQL server); the CSV files written from rows (the server's
way) are byte for byte those SQLite's SQL writes."""

from __future__ import annotations

import csv
import json
import stat
from datetime import date, datetime, timezone

import pytest

from audit_tui.cli import main
from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.reports.safe import neutralise, restore

from .test_reports_data import AUDITS, fill, mini  # noqa: F401


@pytest.fixture
def db(engine, mini, db_target):  # noqa: F811
    fill(engine, mini)
    return where(db_target)


def where(db_target) -> str:
    """What --db takes for the test database: the file, or the server's URL."""
    return str(db_target.path or db_target.url)


def export(capsys, db, out, *argv) -> int:
    code = main(["--db", db, "export", "--out", str(out), *argv])
    capsys.readouterr()
    return code


def read_csv(path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads UTF-8 right
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def database_answers(engine) -> dict:
    """(case, question, row) -> the value as text, from the database."""
    out = {}
    with session_scope(engine) as s:
        for audit in store.list_audits(session=s):
            if audit.status == "draft":
                continue
            for a in store.answers_for(session=s, audit_id=audit.id):
                value = (a.grade if a.grade is not None else a.date_value or a.choice
                         or a.text or "")
                out[(audit.case_reference, a.question_key, a.row_id)] = (
                    "" if a.not_applicable else str(value), a.not_applicable)
    return out


@pytest.mark.parametrize("text, safe", [
    ("=SUM(A1)", "'=SUM(A1)"), ("+44 1234", "'+44 1234"), ("-2", "'-2"), ("@x", "'@x"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("", ""), ("a=b", "a=b"),
])
def test_neutralise(text, safe):
    assert neutralise(text) == safe
    assert restore(neutralise(text)) == text


def test_csv_round_trip(capsys, db, engine, tmp_path):
    out = tmp_path / "audits.csv"
    assert export(capsys, db, out, "--format", "csv") == 0
    files = [out] + [tmp_path / f"audits-{n}.csv" for n in ("answers", "actions", "indicators")]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    wide = {r["case_reference"]: r for r in read_csv(out)}
    assert set(wide) == {row[0] for row in AUDITS}  # submitted only: the draft is left out
    assert wide["CH-1"]["team"] == "North" and wide["CH-1"]["overall_grade"] == "2"
    assert wide["CH-2"]["grade:plan"] == "n/a" and wide["CH-3"]["seen_alone"] == "n/a"
    assert wide["CH-1"]["note"] == "'=SUM(A1:A2) café"  # neutralised, accents intact
    long = read_csv(tmp_path / "audits-answers.csv")
    back = {(r["case_reference"], r["question_key"], r["row_id"]):
            (restore(r["value"]), r["not_applicable"] == "yes") for r in long}
    assert back == database_answers(engine)
    actions = read_csv(tmp_path / "audits-actions.csv")
    assert {(r["case_reference"], r["owner"], r["status"]) for r in actions} == {
        ("CH-1", "Ann", "open"), ("CH-2", "Cat", "open"), ("CH-3", "Ann", "done")}
    indicators = read_csv(tmp_path / "audits-indicators.csv")
    plo = [r for r in indicators if r["indicator_key"] == "plo_16_weeks"]
    assert {(r["case_reference"], r["amount"], r["met"]) for r in plo} == {
        ("CH-3", "22.43", "no"), ("CH-4", "4.43", "yes")}


def keyed_rows(book, name: str) -> list[dict]:
    """A sheet's rows as {column key: value}, the keys read from the Columns sheet."""
    keys = {(r[0], r[2]): r[3] for r in
            list(book["Columns"].iter_rows(values_only=True))[1:]}
    values = list(book[name].iter_rows(values_only=True))
    return [dict(zip([keys[(name, h)] for h in values[0]], r)) for r in values[1:]]


def test_xlsx_round_trip(capsys, db, engine, tmp_path):
    load_workbook = pytest.importorskip("openpyxl").load_workbook
    out = tmp_path / "audits.xlsx"
    assert export(capsys, db, out, "--format", "xlsx") == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".export-*"))  # no temporary part left behind
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Audits", "Answers", "Actions", "Indicators", "Sections",
                               "Conversation", "Feedback", "Questions", "Columns"]

    def rows(name):
        return keyed_rows(book, name)

    wide = {r["case_reference"]: r for r in rows("Audits")}
    assert wide["CH-4"]["audit_date"].date() == date(2024, 2, 15)  # a real date cell
    assert wide["CH-1"]["overall_grade"] == 2
    assert wide["CH-1"]["note"] == "=SUM(A1:A2) café"  # text, never a formula: no apostrophe
    back = {}
    for r in rows("Answers"):
        value = r["value"]
        value = value.date().isoformat() if hasattr(value, "date") else value
        back[(r["case_reference"], r["question_key"], r["row_id"] or "")] = (
            "" if value is None else restore(str(value)), r["not_applicable"] == "yes")
    assert back == database_answers(engine)
    assert len(rows("Actions")) == 3 and len(rows("Indicators")) == 6
    book.close()


def test_the_workbook_is_ready_for_an_analyst(capsys, db, engine, tmp_path):
    """Frozen readable headers with an autofilter, every column labelled on the Columns
    sheet, typed cells: dates, local times, grades as numbers, n/a out of number columns."""
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "audits.xlsx"
    assert export(capsys, db, out, "--format", "xlsx") == 0
    book = openpyxl.load_workbook(out)  # (not read-only: panes, filters and widths)
    columns = list(book["Columns"].iter_rows(values_only=True))[1:]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        heads = [c.value for c in sheet[1]]
        assert len(set(heads)) == len(heads), sheet.title  # unique headers
        if sheet.title != "Columns":
            assert [r[2] for r in columns if r[0] == sheet.title] == heads
        assert all(sheet.column_dimensions[c.column_letter].width >= 8 for c in sheet[1])
    audits = book["Audits"]
    heads = [c.value for c in audits[1]]
    assert "Grade: Plan" in heads and "Was the child seen alone?" in heads
    assert {r[3] for r in columns if r[0] == "Audits"} >= {"grade:plan", "seen_alone"}
    key_of = {r[2]: r[3] for r in columns if r[0] == "Audits"}
    rows = {}
    for line in audits.iter_rows(min_row=2):
        cells = {key_of[h]: c for h, c in zip(heads, line)}
        rows[cells["case_reference"].value] = cells
    ch2 = rows["CH-2"]
    assert ch2["grade:plan"].value is None  # not applicable: no "n/a" in a number column
    assert ch2["sections_not_applicable"].value == "plan"
    assert ch2["grade:voice"].data_type == "n" and ch2["grade:voice"].value == 4
    assert ch2["audit_date"].is_date and ch2["audit_date"].number_format == "yyyy-mm-dd"
    submitted = ch2["submitted_at"]
    assert submitted.is_date and submitted.number_format == "yyyy-mm-dd hh:mm"
    assert rows["CH-1"]["referral_date"].is_date  # a date answer is a date
    assert rows["CH-1"]["note"].data_type == "s"
    with engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT submitted_at FROM audit WHERE case_reference = 'CH-2'").scalar()
    stored = stored if isinstance(stored, datetime) else datetime.fromisoformat(stored)
    local = stored.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None)
    assert abs((submitted.value - local).total_seconds()) < 1  # shown in local time
    sections = keyed_rows(book, "Sections")
    plan = next(r for r in sections if r["case_reference"] == "CH-2"
                and r["section_key"] == "plan")
    assert (plan["grade"], plan["not_applicable"], plan["not_applicable_reason"]) == (
        None, "yes", "No plan yet")
    book.close()


def test_json_export(capsys, db, tmp_path):
    out = tmp_path / "audits.json"
    assert export(capsys, db, out, "--format", "json", "--team", "South") == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {a["case_reference"] for a in data["audits"]} == {"CH-3", "CH-4"}
    ch3 = next(a for a in data["audits"] if a["case_reference"] == "CH-3")
    assert ch3["section_grades"] == {"plan": 3, "plo": 4, "voice": 3}
    assert {i["indicator_key"] for i in ch3["indicators"]} == {"assessment_timely",
                                                               "plo_16_weeks"}
    seen = [q for q in data["questions"] if q["question_key"] == "seen_alone"]
    assert [(q["template"], q["template_version"], q["type"]) for q in seen] == [
        (ch3["template"], ch3["template_version"], "yes_no")]


def test_pseudonymised_export_hides_names_and_free_text(capsys, db, tmp_path, private_home):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert export(capsys, db, first, "--format", "csv", "--pseudonymise") == 0
    assert export(capsys, db, second, "--format", "csv", "--pseudonymise") == 0
    key = private_home / "data" / "pseudonym.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    a, b = read_csv(first), read_csv(second)
    assert [r["case_reference"] for r in a] == [r["case_reference"] for r in b]  # stable
    text = "".join(p.read_text(encoding="utf-8-sig") for p in tmp_path.glob("a*.csv"))
    for secret in ("CH-1", "Ann", "Bob", "Cat", "Sam Worker", "SUM", "Because", "Chronology"):
        assert secret not in text
    assert all(r["case_reference"].startswith("C-") for r in a)
    assert len({r["auditor"] for r in a}) == 2  # Ann and Bob, each always the same hash
    assert a[0]["team"] in ("North", "South")  # teams are not people: kept


def test_a_formula_in_a_team_name_is_neutralised(capsys, engine, mini, db_target,  # noqa: F811
                                                 tmp_path):
    from .test_reports_data import add_audit

    add_audit(engine, mini, "=HYPERLINK(\"x\")", "@Team", "-Ann", date(2024, 3, 1), 2, 2, 1,
              {"seen_alone": "yes"}, None, [("+do it", "=owner", date(2024, 4, 1), "open")])
    out = tmp_path / "f.csv"
    assert export(capsys, where(db_target), out, "--format", "csv") == 0
    for path in tmp_path.glob("f*.csv"):
        for row in csv.reader(path.open(encoding="utf-8-sig", newline="")):
            for cell in row:
                assert not cell or cell[0] not in "=+-@\t\r", (path.name, cell)


# -- the CSV export's ways of working: one reader, a helper process or thread, two halves --------
AWKWARD = {  # texts csv.writer must quote or neutralise, and a separator the fast path splits on
    "note": '=1+2, "quoted"\r\nsecond line, café',
    "seen_alone": "yes",
    "legal_status": "PLO",
    "referral_date": date(2024, 1, 2),
}


def awkward_audit(engine, template, case: str, note: str, evidence: str) -> str:
    """A submitted audit whose texts need quoting or neutralising."""
    from audit_tui.db.lifecycle import submit_audit
    from audit_tui.db.state import value_fields

    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=template, case_reference=case,
                                   audit_date=date(2024, 3, 4), who="t", team="-West, \"A\"",
                                   auditor="Ann", service_area="Children's services",
                                   social_worker="Sam Worker")
        for key, value in {**AWKWARD, "note": note}.items():
            store.save_answer(session=s, audit_id=audit.id, question_key=key, who="t",
                              evidence=evidence if key == "seen_alone" else "",
                              **value_fields(template.question(key), value))
        for key, criterion in (("voice", "childs_voice"), ("plan", "plan_timeliness"),
                               ("plo", "plo_drift")):
            store.save_section(session=s, audit_id=audit.id, section_key=key,
                               criterion=criterion, who="t", grade=2, rationale="Because")
        store.set_overall(session=s, audit_id=audit.id, who="t", grade=2, rationale="Overall")
        audit_id = audit.id
    with session_scope(engine) as s:
        submit_audit(session=s, audit_id=audit_id, who="t")
    return audit_id


@pytest.fixture
def awkward(engine, mini, db_target):  # noqa: F811
    from audit_tui.db import moderation

    ids = fill(engine, mini)
    five = awkward_audit(engine, mini, "=CH-5, \"x\"", AWKWARD["note"],
                         '+44, "call back"\nlater')
    awkward_audit(engine, mini, "CH-6", "a \x1e separator \x1f inside", "@home")
    with session_scope(engine) as s:  # moderated grades: every way writes them alike too
        moderation.record(session=s, audit_id=five, section_key="", who="Mo", grade=4,
                          comment="=Better, \"much\"")
        moderation.record(session=s, audit_id=five, section_key="plan", who="Mo", grade=1,
                          comment="No")
        moderation.record(session=s, audit_id=five, section_key="voice", who="Mo", grade=3,
                          comment="Yes")
        moderation.record(session=s, audit_id=ids["CH-2"], section_key="", who="Mo")
    return where(db_target)


def exported(capsys, db, folder, *argv) -> dict[str, bytes]:
    folder.mkdir()
    assert export(capsys, db, folder / "x.csv", "--format", "csv", *argv) == 0
    assert not list(folder.glob(".export-*"))  # no temporary part left behind
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def rows_way(engine, folder, pseudonymise: bool) -> dict[str, bytes]:
    """The CSV files written from rows (as on a server), whatever the engine."""
    from audit_tui.db.engine import read_only
    from audit_tui.reports.export import Reader, Selection, audit_parts, layout_for
    from audit_tui.reports.export_csv_rows import write_csv_rows
    from audit_tui.reports.filters import Filters
    from audit_tui.reports.pseudonym import Pseudonymiser, load_key
    from audit_tui.reports.writers_export import moderated_by_audit

    folder.mkdir()
    hide = Pseudonymiser(load_key()) if pseudonymise else None
    with read_only(engine).connect() as conn, conn.begin():
        reader = Reader(conn)
        sel = Selection(Filters(), postgres=reader.postgres)
        written = write_csv_rows(audit_parts(reader, sel), layout_for(reader, sel),
                                 folder / "x.csv", reader=reader, selection=sel,
                                 today=date.today().isoformat(),
                                 pseudonymise=hide, moderated=moderated_by_audit(reader))
    assert (written.audits, written.answers) == (6, 23)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("pseudonymise", [False, True])
def test_every_way_of_exporting_writes_the_same_files(capsys, awkward, engine, tmp_path,
                                                      monkeypatch, pseudonymise):
    from audit_tui.reports import export_csv

    argv = ["--pseudonymise"] if pseudonymise else []
    forked = exported(capsys, awkward, tmp_path / "forked", *argv)
    assert rows_way(engine, tmp_path / "rows", pseudonymise) == forked
    if engine.dialect.name != "sqlite":  # a server: in two processes, or one
        from audit_tui.reports import export_csv_split

        monkeypatch.setattr(export_csv_split, "SPLIT_FROM", 1)  # two halves for six audits
        started = []
        monkeypatch.setattr(export_csv_split, "SecondHalf", lambda job, made=export_csv_split
                            .SecondHalf: started.append(job.middle) or made(job))
        halves = exported(capsys, awkward, tmp_path / "halves", *argv)
        assert len(started) == 1  # the last audits were written by a helper process
        monkeypatch.setattr(export_csv_split.ServerSnapshot, "take",
                            classmethod(lambda *a: None))
        alone = exported(capsys, awkward, tmp_path / "alone", *argv)
        assert forked == halves == alone
        return  # (the rest are the SQLite file's ways)
    monkeypatch.setattr(export_csv, "SPLIT_FROM", 1)  # two halves, even for six audits
    halves = exported(capsys, awkward, tmp_path / "halves", *argv)
    monkeypatch.setattr(export_csv, "PROCESS", False)
    threads = exported(capsys, awkward, tmp_path / "threads", *argv)
    monkeypatch.setattr(export_csv.SharedSnapshot, "take", classmethod(lambda *a: None))
    alone = exported(capsys, awkward, tmp_path / "alone", *argv)
    assert forked == halves == threads == alone
    assert len(forked) == 7 and all(b.startswith(b"\xef\xbb\xbf") for b in forked.values())


def test_every_way_writes_the_moderated_grades(capsys, awkward, tmp_path):
    """The files the ways above agree on do hold the moderated audit (the fast path's
    halves each see it: SPLIT_FROM is 1 there)."""
    files = exported(capsys, awkward, tmp_path / "plain")
    text = files["x.csv"].decode("utf-8-sig")
    rows = {r["case_reference"]: r for r in read_csv(tmp_path / "plain" / "x.csv")}
    five = rows["'=CH-5, \"x\""]
    assert (five["overall_grade"], five["grade:plan"], five["grade:voice"]) == ("4", "1", "3")
    assert (five["moderated"], five["auditor_overall_grade"],
            five["auditor_section_grades"]) == ("yes", "2", "plan: 2; voice: 2")
    assert (rows["CH-2"]["moderated"], rows["CH-2"]["auditor_overall_grade"]) == ("yes", "")
    assert "Better" not in text  # (the moderator's comment: never exported)


def test_awkward_texts_read_back_as_they_were(capsys, awkward, engine, tmp_path):
    out = tmp_path / "a.csv"
    assert export(capsys, awkward, out, "--format", "csv") == 0
    wide = {r["case_reference"]: r for r in read_csv(out)}
    assert set(wide) == {"CH-1", "CH-2", "CH-3", "CH-4", "'=CH-5, \"x\"", "CH-6"}
    assert wide["'=CH-5, \"x\""]["note"] == "'" + AWKWARD["note"]  # neutralised, kept whole
    assert wide["'=CH-5, \"x\""]["team"] == "'-West, \"A\""
    assert wide["CH-6"]["note"] == "a \x1e separator \x1f inside"  # the slow path
    assert wide["CH-6"]["legal_status"] == "PLO" and wide["CH-6"]["seen_alone"] == "yes"
    long = read_csv(tmp_path / "a-answers.csv")
    back = {(restore(r["case_reference"]), r["question_key"], r["row_id"]):
            (restore(r["value"]), r["not_applicable"] == "yes") for r in long}
    assert back == database_answers(engine)
    notes = {restore(r["case_reference"]): restore(r["evidence"]) for r in long
             if r["question_key"] == "seen_alone" and r["evidence"] not in ("", "Baby")}
    assert notes == {'=CH-5, "x"': '+44, "call back"\nlater', "CH-6": "@home"}
    raw = (tmp_path / "a-answers.csv").read_bytes().decode("utf-8-sig")
    with (tmp_path / "a-answers.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert all(len(r) == 8 for r in rows) and raw.count("\r\n") >= len(rows)


def test_a_csv_export_writes_as_the_csv_module_would(capsys, awkward, engine, tmp_path):
    """Cells SQLite lays out are byte for byte what csv.writer makes of the same values."""
    import io

    out = tmp_path / "b.csv"
    assert export(capsys, awkward, out, "--format", "csv") == 0
    for path in tmp_path.glob("b*.csv"):
        text = path.read_bytes().decode("utf-8-sig")
        again = io.StringIO(newline="")
        csv.writer(again, lineterminator="\r\n").writerows(
            csv.reader(io.StringIO(text, newline="")))
        assert again.getvalue() == text, path.name


def test_a_repeating_group_fills_one_wide_cell_in_row_order():
    from audit_tui.reports.export_layout import placed

    values = placed({"a": "", "b": ""}, ["a", "b", "b", "gone"], ["1", "x", "y", "z"])
    assert values == {"a": "1", "b": "x; y"}


@pytest.mark.parametrize("value", [
    0.0, -0.0, 4.0, -2.0, 22.43, 4.43, 0.1 + 0.2, 1 / 3, -1 / 7, 1e-5, 123456789012345.6,
    1.5e16, 9.3e18, 1e300, 2.5e-300, 100.125, 7.000000000000001, None,
])
def test_numbers_are_written_as_sqlite_writes_them(value):
    """export_csv_rows.number_text (the rows' way) gives what number() gives in SQLite's SQL."""
    import sqlite3

    from audit_tui.reports.export_csv_sql import number
    from audit_tui.reports.export_csv_rows import number_text

    with sqlite3.connect(":memory:") as conn:
        (expected,) = conn.execute(f"SELECT {number('v')} FROM (SELECT ? AS v)",
                                   [value]).fetchone()
    assert number_text(value) == expected
    assert type(number_text(value)) is type(expected)


# -- moderated grades: the grade cells hold the counted grade, three columns flag it -------------
MODERATION_COLUMNS = ["moderated", "auditor_overall_grade", "auditor_section_grades"]


@pytest.fixture
def moderated(engine, mini, db_target):  # noqa: F811
    """The four audits with moderations: CH-1's overall grade 2 -> 3 (its voice agreed), CH-3's
    plan 3 -> 2, CH-2's overall grade agreed; CH-4 not moderated."""
    from audit_tui.db import moderation

    ids = fill(engine, mini)
    with session_scope(engine) as s:
        moderation.record(session=s, audit_id=ids["CH-1"], section_key="", who="Mo Derator",
                          grade=3, comment="Secret reasoning")
        moderation.record(session=s, audit_id=ids["CH-1"], section_key="voice",
                          who="Mo Derator")
        moderation.record(session=s, audit_id=ids["CH-3"], section_key="plan",
                          who="Mo Derator", grade=2, comment="Some progress")
        moderation.record(session=s, audit_id=ids["CH-2"], section_key="", who="Mo Derator")
    return where(db_target)


def test_a_csv_export_holds_the_moderators_grades_and_flags_them(capsys, moderated, tmp_path):
    out = tmp_path / "m.csv"
    assert export(capsys, moderated, out, "--format", "csv") == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        head = next(csv.reader(handle))
    at = head.index("grade:plo") + 1  # (voice, plan, plo: the mini template's sections)
    assert head[at:at + 3] == MODERATION_COLUMNS
    wide = {r["case_reference"]: r for r in read_csv(out)}
    one = wide["CH-1"]
    assert (one["overall_grade"], one["moderated"], one["auditor_overall_grade"]) == \
        ("3", "yes", "2")
    assert one["grade:voice"] == "2" and one["auditor_section_grades"] == ""  # agreed
    three = wide["CH-3"]
    assert (three["grade:plan"], three["overall_grade"]) == ("2", "3")
    assert (three["moderated"], three["auditor_overall_grade"],
            three["auditor_section_grades"]) == ("yes", "", "plan: 3")
    two = wide["CH-2"]  # agreed: the auditor's grade stands, nothing to show beside it
    assert (two["overall_grade"], two["moderated"], two["auditor_overall_grade"],
            two["auditor_section_grades"]) == ("4", "yes", "", "")
    four = wide["CH-4"]
    assert [four[c] for c in MODERATION_COLUMNS] == ["", "", ""]
    assert four["overall_grade"] == "1"
    # the long files are as they were: answers carry no grades a moderator changed
    assert all(len(r) == len(ANSWER_FIELDS) for r in read_csv(tmp_path / "m-answers.csv"))


ANSWER_FIELDS = ["audit_id", "case_reference", "question_key", "row", "row_id", "value",
                 "not_applicable", "evidence"]


def test_csv_xlsx_and_json_agree_on_moderated_grades(capsys, moderated, tmp_path):
    load_workbook = pytest.importorskip("openpyxl").load_workbook
    for fmt in ("csv", "xlsx", "json"):
        assert export(capsys, moderated, tmp_path / f"m.{fmt}", "--format", fmt) == 0
    from_csv = {r["case_reference"]: r for r in read_csv(tmp_path / "m.csv")}
    book = load_workbook(tmp_path / "m.xlsx", read_only=True)
    rows = keyed_rows(book, "Audits")
    book.close()
    # the same columns, in the same order (the workbook adds which sections did not apply)
    assert [k for k in rows[0] if k != "sections_not_applicable"] == list(from_csv["CH-1"])
    from_xlsx = {r["case_reference"]: r for r in rows}
    data = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    from_json = {a["case_reference"]: a for a in data["audits"]}
    assert set(from_csv) == set(from_xlsx) == set(from_json) == {"CH-1", "CH-2", "CH-3", "CH-4"}
    for case, row in from_csv.items():
        cells = from_xlsx[case]
        for column in ["overall_grade", "grade:voice", "grade:plan", "grade:plo",
                       *MODERATION_COLUMNS]:
            expected = "" if row[column] == "n/a" else row[column]  # (blank in a number column)
            assert expected == ("" if cells[column] is None else str(cells[column])), \
                (case, column)
        item = from_json[case]
        assert str(item["overall_grade"]) == row["overall_grade"]
        for key in ("voice", "plan", "plo"):
            assert str(item["section_grades"].get(key, "")) == row[f"grade:{key}"], (case, key)
        m = item["moderation"]
        assert ("yes" if m["moderated"] else "") == row["moderated"]
        assert ("" if m["auditor_overall_grade"] is None else str(m["auditor_overall_grade"])) \
            == row["auditor_overall_grade"]
        assert "; ".join(f"{k}: {g}" for k, g in m["auditor_section_grades"].items()) == \
            row["auditor_section_grades"]
    assert from_json["CH-1"]["moderation"] == {"moderated": True, "auditor_overall_grade": 2,
                                               "auditor_section_grades": {}}
    assert from_json["CH-3"]["section_grades"]["plan"] == 2
    assert from_json["CH-3"]["moderation"]["auditor_section_grades"] == {"plan": 3}
    assert from_json["CH-4"]["moderation"]["moderated"] is False


def test_a_pseudonymised_export_shows_no_moderator_or_comment(capsys, moderated, tmp_path,
                                                              private_home):
    for fmt in ("csv", "json", "xlsx"):
        assert export(capsys, moderated, tmp_path / f"p.{fmt}", "--format", fmt,
                      "--pseudonymise") == 0
    text = "".join(p.read_text(encoding="utf-8-sig") for p in tmp_path.glob("p*.csv"))
    text += (tmp_path / "p.json").read_text(encoding="utf-8")
    for secret in ("Mo Derator", "Secret reasoning", "Some progress"):
        assert secret not in text
    wide = read_csv(tmp_path / "p.csv")
    assert sorted(r["auditor_overall_grade"] for r in wide) == ["", "", "", "2"]
    assert sorted(r["auditor_section_grades"] for r in wide) == ["", "", "", "plan: 3"]


def test_a_moderation_of_a_grade_since_changed_is_not_shown(capsys, moderated, engine,
                                                            tmp_path):
    """Reopened and graded again: the new grade counts until it is moderated again."""
    from audit_tui.db.lifecycle import reopen_audit, submit_audit

    with session_scope(engine) as s:
        audit_id = next(a.id for a in store.list_audits(session=s)
                        if a.case_reference == "CH-1")
        reopen_audit(session=s, audit_id=audit_id, who="t", reason="Regrade")
        store.set_overall(session=s, audit_id=audit_id, who="t", grade=1, rationale="Worse")
    with session_scope(engine) as s:
        submit_audit(session=s, audit_id=audit_id, who="t")
    out = tmp_path / "r.csv"
    assert export(capsys, moderated, out, "--format", "csv") == 0
    one = {r["case_reference"]: r for r in read_csv(out)}["CH-1"]
    # the overall moderation no longer applies; voice's (agreed) still does
    assert (one["overall_grade"], one["auditor_overall_grade"], one["moderated"]) == \
        ("1", "", "yes")


def test_an_unmoderated_export_only_gains_three_empty_columns(capsys, db, tmp_path):
    out = tmp_path / "u.csv"
    assert export(capsys, db, out, "--format", "csv") == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    at = rows[0].index("moderated")
    assert rows[0][at - 1] == "grade:plo" and rows[0][at:at + 3] == MODERATION_COLUMNS
    assert all(r[at:at + 3] == ["", "", ""] for r in rows[1:]) and len(rows) == 5


def test_control_characters_in_stored_text_make_a_safe_xlsx_cell(capsys, db, engine,
                                                                 db_kind, tmp_path):
    """ESC, BEL (and NUL, which only SQLite can store) in an answer: the workbook is written
    with them spelled out (\\x1b), and nothing stored is echoed on the terminal."""
    load_workbook = pytest.importorskip("openpyxl").load_workbook
    from sqlalchemy import text

    hostile = "a\x1b]0;pwned\x07b" + ("\x00c" if db_kind == "sqlite" else "c")
    with engine.begin() as conn:
        changed = conn.execute(text("UPDATE answer SET text = :t WHERE question_key = 'note'"),
                               {"t": hostile}).rowcount
    assert changed >= 1
    out = tmp_path / "ctl.xlsx"
    code = main(["--db", db, "export", "--out", str(out), "--format", "xlsx"])
    err = capsys.readouterr()
    assert code == 0
    assert "pwned" not in err.err + err.out and "\x1b" not in err.err + err.out
    book = load_workbook(out, read_only=True)
    notes = {r["note"] for r in keyed_rows(book, "Audits")}
    expected = "a\\x1b]0;pwned\\x07b" + ("\\x00c" if db_kind == "sqlite" else "c")
    assert expected in notes
    book.close()
