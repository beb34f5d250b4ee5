"""`audit-tui programme import`: Annex A workbooks (messy ones too) and plain lists into the
programme's cases; problems named by sheet, row and column; names never stored; a newer list
updates cases with history; the same file twice changes nothing. Synthetic data only."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook

from audit_tui.programme.columns import (
    LIST_COLUMNS, REFERENCE, is_name_column, list_of_sheet, match_headers,
)
from audit_tui.programme.synthetic import write_annex_a
from tests.programme_helpers import rows, run

TABLES = ("programme_case", "programme_history", "programme_import")


@pytest.mark.parametrize("name, expected", [
    ("List 8", "8"), ("List_8 Children in care", "8"), ("LIST 5 - S47", "5"),
    ("list9 care leavers", "9"), ("Annex A List 10", "10"), ("Notes", None), ("Lists", None),
])
def test_sheet_names_are_matched_tolerantly(name, expected):
    assert list_of_sheet(name) == expected


def test_headers_are_matched_in_any_case_spacing_and_with_notes():
    headers = ["  CHILD  UNIQUE ID", "Child's Name", "allocated_team", "Allocated Worker Name",
               "Date Started to be Looked After (dd/mm/yyyy)", "CHILD'S LEGAL STATUS *"]
    found = match_headers(headers, (REFERENCE, *LIST_COLUMNS["8"]))
    assert found == {"case_reference": 0, "looked_after_start": 4, "legal_status": 5}
    assert is_name_column("Child's Name") and is_name_column("Surname")
    assert not is_name_column("Allocated Worker Name") and not is_name_column("Team Name")


def test_a_messy_annex_a_workbook_imports_every_list(db_target, engine, tmp_path, capsys):
    book = write_annex_a(tmp_path / "annex.xlsx", rows_per_list=12, lists=("6", "7", "8"))
    code, out, _ = run(db_target, "import", str(book), capsys=capsys)
    assert code == 0, out
    assert "Sheet 'Notes' is not an Annex A list" in out
    assert "Sheet 'List_8 Children in care' (list 8): 12 rows, 12 cases." in out
    assert "Name columns, never read:" in out
    assert "Imported: 36 new, 0 updated, 0 unchanged cases." in out
    cases = rows(engine, "SELECT list_name, count(*) FROM programme_case GROUP BY list_name "
                         "ORDER BY list_name")
    assert cases == [("6", 12), ("7", 12), ("8", 12)]
    ref, team, worker, details = rows(
        engine, "SELECT case_reference, team, worker, details FROM programme_case "
                "WHERE list_name = '8' ORDER BY case_reference")[0]
    assert (ref, team, worker) == ("C000000", "Assessment Team North", "A. Worker")
    assert '"looked_after_start": "20' in details and "legal_status" in details
    everything = " ".join(str(r) for t in TABLES for r in rows(engine, f"SELECT * FROM {t}"))
    assert "Child 0" not in everything and "Child 11" not in everything  # names never stored


def test_missing_columns_are_said(db_target, tmp_path, capsys):
    book = Workbook()
    sheet = book.active
    sheet.title = "List 7"
    sheet.append(["Child Unique ID", "Allocated Team"])
    sheet.append(["C1", "Team A"])
    book.save(tmp_path / "short.xlsx")
    code, out, _ = run(db_target, "import", str(tmp_path / "short.xlsx"), capsys=capsys)
    assert code == 0
    assert ("Columns not found: Allocated Worker, Child Protection Plan Start Date, Date of "
            "latest review conference, Was the Child Seen Alone?.") in out


def test_every_problem_names_sheet_row_and_column(db_target, engine, tmp_path, capsys):
    book = Workbook()
    sheet = book.active
    sheet.title = "List_8 Children in care"
    sheet.append(["Child Unique ID", "Allocated Team", "Date Started to be Looked After"])
    sheet.append(["C1", "Team A", date(2024, 5, 1)])
    sheet.append(["C2", "Team A", "31/02/2024"])
    sheet.append([None, "Team B", "01/03/2024"])
    sheet.append(["C1", "Team C", "02/03/2024"])
    other = book.create_sheet("List 6")
    other.append(["Team", "Worker"])
    book.save(tmp_path / "bad.xlsx")
    code, out, _ = run(db_target, "import", str(tmp_path / "bad.xlsx"), capsys=capsys)
    assert code == 1
    assert ("Sheet 'List_8 Children in care', row 3, column C ('Date Started to be Looked "
            "After'): '31/02/2024' is not a date; left empty.") in out
    assert ("Sheet 'List_8 Children in care', row 4, column A ('Child Unique ID'): no Child "
            "Unique ID; the row is skipped.") in out
    assert ("Sheet 'List_8 Children in care', row 5, column A ('Child Unique ID'): C1 is also "
            "on row 2; this later row is used.") in out
    assert "Sheet 'List 6': no 'Child Unique ID' column in its first 10 rows" in out
    assert rows(engine, "SELECT case_reference, team FROM programme_case ORDER BY 1") == [
        ("C1", "Team C"), ("C2", "Team A")]


def _snapshot(engine) -> list:
    return [rows(engine, f"SELECT * FROM {t} ORDER BY id") for t in TABLES]


def test_the_same_file_twice_changes_nothing(db_target, engine, tmp_path, capsys):
    book = write_annex_a(tmp_path / "annex.xlsx", rows_per_list=5)
    assert run(db_target, "import", str(book), capsys=capsys)[0] == 0
    before = _snapshot(engine)
    code, out, _ = run(db_target, "import", str(book), capsys=capsys)
    assert code == 0 and "nothing changed" in out
    assert _snapshot(engine) == before


def test_a_newer_list_updates_cases_and_keeps_history(db_target, engine, tmp_path, capsys):
    first = write_annex_a(tmp_path / "may.xlsx", rows_per_list=6, lists=("8",), seed=1)
    newer = write_annex_a(tmp_path / "june.xlsx", rows_per_list=6, lists=("8",), seed=1,
                          start=2, teams=("Team Moved",))
    run(db_target, "import", str(first), capsys=capsys)
    code, out, _ = run(db_target, "import", str(newer), capsys=capsys)
    assert code == 0
    # C000002-C000005 are on both lists (their team changed), C000006-7 are new
    assert "Imported: 2 new, 4 updated, 0 unchanged cases." in out
    history = rows(engine, "SELECT h.field, h.old, h.new FROM programme_history h JOIN "
                           "programme_case c ON c.id = h.case_id WHERE c.case_reference = "
                           "'C000003' AND h.field = 'team'")
    assert history == [("team", "Leaving Care Team", "Team Moved")]
    assert rows(engine, "SELECT count(*) FROM programme_case")[0][0] == 8


def test_a_plain_csv_list_with_a_column_mapping(db_target, engine, tmp_path, capsys):
    path = tmp_path / "cases.csv"
    path.write_text("Child ID,Forename,Team,Legal\nX-1,Ann,Team A,C2\nX-2,Bo,Team B,V2\n",
                    encoding="utf-8")
    code, out, _ = run(db_target, "import", str(path), "--list", "8",
                       "--column", "case_reference=Child ID", "--column", "team=Team",
                       "--column", "legal_status=Legal", capsys=capsys)
    assert code == 0, out
    assert "Name columns, never read: Forename." in out
    assert rows(engine, "SELECT case_reference, list_name, team, details FROM programme_case "
                        "ORDER BY 1") == [("X-1", "8", "Team A", '{"legal_status": "C2"}'),
                                          ("X-2", "8", "Team B", '{"legal_status": "V2"}')]
    assert "Ann" not in str(_snapshot(engine))


def test_bad_input_gets_one_sentence_and_exit_2(db_target, tmp_path, capsys):
    code, _, err = run(db_target, "import", str(tmp_path / "none.xlsx"), capsys=capsys)
    assert code == 2 and err.strip() == f"audit-tui: There is no file at {tmp_path / 'none.xlsx'}."
    (tmp_path / "not.xlsx").write_text("hello", encoding="utf-8")
    code, _, err = run(db_target, "import", str(tmp_path / "not.xlsx"), capsys=capsys)
    assert code == 2 and "cannot be read as an xlsx workbook: it is not one" in err
    assert "Exception" not in err  # a sentence, not a class name
    (tmp_path / "c.csv").write_text("a,b\n", encoding="utf-8")
    code, _, err = run(db_target, "import", str(tmp_path / "c.csv"), capsys=capsys)
    assert code == 2 and "--list" in err
    code, _, err = run(db_target, "import", str(tmp_path / "c.csv"), "--list", "8",
                       "--column", "nonsense=x", capsys=capsys)
    assert code == 2 and "'nonsense' is not a column key" in err
    assert "Traceback" not in err
