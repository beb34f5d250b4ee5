"""Sampling and allocating a month: rules per team, exclusions (closed, re-audit window,
already sampled, no template), themes, a seeded sample redrawn identically, allocation rules
(not the own team, even shares, a cap), extensions and reassignment. Synthetic data only."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.programme.synthetic import write_annex_a
from audit_tui.templates.loader import bundled_template_dir, load_template
from tests.programme_helpers import rows, run, write_settings

TEAMS = ("Team A", "Team B", "Team C")
RULES = """
[programme]
[programme.teams]
"Team A" = 2
"Team B" = "50%"
[programme.templates]
"8" = "children_in_care"
"7" = "help_and_protection"
[programme.auditors]
"Ann Auditor" = "Team A"
"Bob Auditor" = "Team B"
"Cat Auditor" = "QA"
"""


@pytest.fixture
def cases(db_target, tmp_path, private_home, capsys):
    write_settings(private_home, RULES)
    book = write_annex_a(tmp_path / "annex.xlsx", rows_per_list=30, lists=("6", "7", "8"),
                         teams=TEAMS, messy=False)
    assert run(db_target, "import", str(book), capsys=capsys)[0] == 0
    return book


def sampled(engine, month: str) -> list[tuple]:
    return rows(engine, "SELECT case_reference, team, template_key, status FROM "
                        "programme_allocation WHERE month = :m ORDER BY position", m=month)


def test_a_seeded_sample_follows_the_rules_and_is_redrawn_identically(
        db_target, engine, cases, capsys, db_factory):
    code, out, _ = run(db_target, "sample", "--month", "2025-03", "--seed", "42",
                       capsys=capsys)
    assert code == 0, out
    first = sampled(engine, "2025-03")
    by_team = {t: [r for r in first if r[1] == t] for t in TEAMS}
    assert len(by_team["Team A"]) == 2
    assert len(by_team["Team B"]) == 5  # 50% of its 10 children (one row each: C, list 7/8)
    assert by_team["Team C"] == []  # no rule, no '*'
    assert {r[2] for r in first} <= {"children_in_care", "help_and_protection"}
    assert all(r[3] == "unallocated" for r in first)
    assert rows(engine, "SELECT seed FROM programme_sample") == [(42,)]
    assert "--seed 42 --redraw" in out
    # the same month again is refused; --redraw with the seed draws the same cases
    code, _, err = run(db_target, "sample", "--month", "2025-03", "--seed", "42",
                       capsys=capsys)
    assert code == 2 and "add --redraw" in err
    assert run(db_target, "sample", "--month", "2025-03", "--seed", "42", "--redraw",
               capsys=capsys)[0] == 0
    assert sampled(engine, "2025-03") == first
    # another database with the same cases and seed draws the same sample
    other = db_factory()
    from audit_tui.db.opening import open_engine

    assert run(other, "import", str(cases), capsys=capsys)[0] == 0
    assert run(other, "sample", "--month", "2025-03", "--seed", "42", capsys=capsys)[0] == 0
    other_engine = open_engine(other)
    assert sampled(other_engine, "2025-03") == first
    other_engine.dispose()
    # another seed draws another sample
    run(db_target, "sample", "--month", "2025-03", "--seed", "43", "--redraw", capsys=capsys)
    assert sampled(engine, "2025-03") != first


def test_closed_recently_audited_and_already_sampled_cases_are_left_out(
        db_target, engine, cases, capsys):
    template = load_template(bundled_template_dir() / "children_in_care.toml").template
    with session_scope(engine) as s:
        store.create_audit(session=s, template=template, case_reference="c000000",
                           audit_date=date(2024, 6, 1), who="t")  # within 12 months of 2025-03
        store.create_audit(session=s, template=template, case_reference="C000003",
                           audit_date=date(2023, 6, 1), who="t")  # too long ago to count
    run(db_target, "sample", "--month", "2025-03", "--seed", "1", capsys=capsys)
    code, out, _ = run(db_target, "sample", "--month", "2025-04", "--seed", "1", capsys=capsys)
    assert code == 0
    assert "audited within reaudit_months" in out
    march = {r[0] for r in sampled(engine, "2025-03")}
    april = {r[0] for r in sampled(engine, "2025-04")}
    assert "C000000" not in march | april
    assert not march & april  # already sampled in March


def test_closed_cases_are_left_out(db_target, engine, tmp_path, private_home, capsys):
    write_settings(private_home, '[programme.teams]\n"Team A" = 10\n'
                                 '[programme.templates]\n"*" = "children_in_care"\n')
    book = Workbook()
    sheet = book.active
    sheet.title = "List 8"
    sheet.append(["Child Unique ID", "Allocated Team", "Date Ceased to be Looked After"])
    sheet.append(["X1", "Team A", None])
    sheet.append(["X2", "Team A", date(2025, 1, 4)])
    book.save(tmp_path / "closed.xlsx")
    run(db_target, "import", str(tmp_path / "closed.xlsx"), capsys=capsys)
    code, out, _ = run(db_target, "sample", "--month", "2025-03", "--seed", "1", capsys=capsys)
    assert code == 0 and "Not eligible: 1 closed." in out
    assert [r[0] for r in sampled(engine, "2025-03")] == ["X1"]


def test_a_theme_filters_the_cases_a_team_draws(db_target, engine, tmp_path, private_home,
                                                capsys):
    write_settings(private_home, """
[programme]
extra_columns = ["Missing episodes"]
[programme.teams]
"Team A" = { count = 10, theme = "missing" }
"Team B" = 10
[programme.templates]
"*" = "children_in_care"
[programme.themes.missing]
lists = ["8"]
where = { missing_episodes = "*" }
""")
    book = Workbook()
    sheet = book.active
    sheet.title = "List 8"
    sheet.append(["Child Unique ID", "Allocated Team", "Missing Episodes (last 12 months)"])
    for n in range(6):
        sheet.append([f"M{n}", "Team A", n if n % 2 else None])
        sheet.append([f"B{n}", "Team B", "2" if n < 2 else ""])
    book.save(tmp_path / "themed.xlsx")
    assert run(db_target, "import", str(tmp_path / "themed.xlsx"), capsys=capsys)[0] == 0
    # --theme applies one theme to every team for the month; the theme is recorded
    code, out, _ = run(db_target, "sample", "--month", "2025-04", "--seed", "3", "--theme",
                       "missing", capsys=capsys)
    assert code == 0 and "--theme missing --redraw" in out
    assert sorted(r[0] for r in sampled(engine, "2025-04")) == ["B0", "B1", "M1", "M3", "M5"]
    assert '"theme": "missing"' in rows(engine, "SELECT rules FROM programme_sample WHERE "
                                                "month = '2025-04'")[0][0]
    # each team's own rule: Team A's theme leaves nothing new, Team B takes the rest
    assert run(db_target, "sample", "--month", "2025-05", "--seed", "3", capsys=capsys)[0] == 0
    assert sorted(r[0] for r in sampled(engine, "2025-05")) == ["B2", "B3", "B4", "B5"]
    code, _, err = run(db_target, "sample", "--month", "2025-07", "--theme", "nope",
                       capsys=capsys)
    assert code == 2 and "There is no theme 'nope'" in err


def test_bad_rules_and_months_get_one_sentence(db_target, private_home, capsys):
    write_settings(private_home, '[programme.teams]\n"Team A" = "lots"\n')
    code, _, err = run(db_target, "sample", "--month", "2025-03", capsys=capsys)
    assert code == 2 and "teams.\"Team A\" should be a number of cases or a share" in err
    code, _, err = run(db_target, "sample", "--month", "March", capsys=capsys)
    assert code == 2 and "'March' is not a month; write it as YYYY-MM" in err


def test_allocation_follows_the_rules(db_target, engine, cases, private_home, capsys):
    run(db_target, "sample", "--month", "2025-03", "--seed", "42", capsys=capsys)
    code, out, _ = run(db_target, "allocate", "--month", "2025-03", capsys=capsys)
    assert code == 0, out
    allocated = rows(engine, "SELECT a.team, a.auditor, a.due_date, a.status FROM "
                             "programme_allocation a WHERE a.month = '2025-03'")
    assert len(allocated) == 7 and all(r[3] == "allocated" for r in allocated)
    own = {"Ann Auditor": "Team A", "Bob Auditor": "Team B", "Cat Auditor": "QA"}
    assert all(own[auditor] != team for team, auditor, _, _ in allocated)
    loads = sorted(sum(r[1] == a for r in allocated) for a in own)
    assert loads[-1] - loads[0] <= 1 + 2  # even, within what the own-team rule allows
    assert {str(r[2]) for r in allocated} == {"2025-03-31"}
    # a cap leaves the rest unallocated, with why
    write_settings(private_home, RULES.replace("[programme]", "[programme]\ncap_per_auditor = 1")
                   .replace('"Bob Auditor" = "Team B"\n', ""))
    run(db_target, "sample", "--month", "2025-04", "--seed", "5", capsys=capsys)
    code, out, _ = run(db_target, "allocate", "--month", "2025-04", capsys=capsys)
    assert "Allocated 2 case(s) of 2025-04." in out
    assert "(cap_per_auditor)" in out


def test_extend_and_reassign(db_target, engine, cases, capsys):
    run(db_target, "sample", "--month", "2025-03", "--seed", "42", capsys=capsys)
    run(db_target, "allocate", "--month", "2025-03", capsys=capsys)
    ident, team, auditor = rows(engine, "SELECT id, team, auditor FROM programme_allocation "
                                        "WHERE team = 'Team A' ORDER BY position")[0]
    handle = ident[-8:]
    code, _, err = run(db_target, "extend", handle, "--until", "15/03/2025", "--reason", "x",
                       capsys=capsys)
    assert code == 2 and "is not after the due date (31/03/2025)" in err
    code, out, _ = run(db_target, "extend", handle, "--until", "14/04/2025", "--reason",
                       "worker on leave", capsys=capsys)
    assert code == 0 and "now due on 14/04/2025" in out
    assert rows(engine, "SELECT extended_until, extension_reason FROM programme_allocation "
                        "WHERE id = :i", i=ident)[0][1] == "worker on leave"
    code, _, err = run(db_target, "reassign", handle, "--to", "Ann Auditor", capsys=capsys)
    assert code == 2 and "Ann Auditor is in Team A, the case's own team" in err
    other = "Bob Auditor" if auditor == "Cat Auditor" else "Cat Auditor"
    code, out, _ = run(db_target, "reassign", handle, "--to", other, "--reason", "balance",
                       capsys=capsys)
    assert code == 0
    assert rows(engine, "SELECT field, old, new, reason FROM programme_history WHERE "
                        "allocation_id = :i ORDER BY at, field DESC", i=ident)[-1] == (
        "auditor", auditor, other, "balance")
    code, _, err = run(db_target, "extend", "zzz", "--until", "1/5/2025", "--reason", "x",
                       capsys=capsys)
    assert code == 2 and "is not an allocation" in err


def test_an_unknown_programme_setting_is_named(db_target, private_home, capsys):
    write_settings(private_home, "[programme]\ncap_per_audtor = 3\n")
    code, _, err = run(db_target, "sample", "--month", "2025-03", capsys=capsys)
    assert code == 2 and "[programme] has 'cap_per_audtor', which is not a programme" in err
