"""`audit-tui report` in every format, on the hand-made audits."""

from __future__ import annotations

import csv
import io
import json
import stat
from html.parser import HTMLParser

from sqlalchemy import text as sa_text

import pytest

from audit_tui.cli import main

from .test_reports_data import fill, mini  # noqa: F401


@pytest.fixture
def db(engine, mini, db_target):  # noqa: F811
    fill(engine, mini)
    return str(db_target.path or db_target.url)


def report(capsys, db, *argv) -> tuple[int, str, str]:
    code = main(["--db", db, "report", "--as-of", "01/06/2024", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_is_the_default(capsys, db):
    code, out, _ = report(capsys, db)
    assert code == 0
    assert "4 submitted audits" in out
    assert "Grades by criterion" in out and "The child's voice" in out
    assert "50% (n=4)" in out  # overall good or better, with its count
    assert "33% (n=3)" in out  # the plan: N/A left out of the three graded
    assert "Pre-proceedings decided within 16 weeks" in out
    assert "Was the child seen alone?" in out and "Actions by owner" in out


def test_filters_narrow_the_report(capsys, db):
    code, out, _ = report(capsys, db, "--team", "North", "--month", "2024-01")
    assert code == 0
    assert "2 submitted audits" in out and "team North" in out


def test_csv_is_the_by_table_with_numbers(capsys, db):
    code, out, _ = report(capsys, db, "--format", "csv", "--by", "team")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["team"] for r in rows] == ["North", "South"]
    assert rows[0]["audits"] == "2" and rows[0]["graded"] == "2"
    assert rows[0]["2 Good"] == "1" and rows[0]["4 Inadequate"] == "1"
    assert rows[0]["pct_good_or_better"] == "50.0"
    code, out, _ = report(capsys, db, "--format", "csv")
    rows = {r["criterion"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["plan_timeliness"]["not_applicable"] == "1"
    assert rows["plan_timeliness"]["1 Green"] == "1"
    assert rows["overall"]["graded"] == "4"


def test_json_holds_every_figure(capsys, db):
    code, out, _ = report(capsys, db, "--format", "json", "--by", "auditor")
    data = json.loads(out)
    assert data["audits"] == 4 and data["by"] == "auditor"
    assert data["overall"][0]["pct_good_or_better"] == 50.0
    assert {r["value"] for r in data["breakdowns"]["auditor"]["rows"]} == {"Ann", "Bob"}
    assert data["plo_drift"][0]["worst"] == 22.43
    assert data["actions"]["total"]["overdue"] == 1


def test_markdown_has_a_table_per_figure(capsys, db):
    code, out, _ = report(capsys, db, "--format", "markdown", "--by", "month")
    assert out.startswith("# Case file audits")
    assert "## Overall grade by month" in out and "| Jan 2024 |" in out
    assert "## Timeliness" in out and "|---|" in out


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.open: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in ("meta", "br", "img", "link", "input"):
            self.open.append(tag)
        self.links += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.links += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()


def test_html_is_one_self_contained_file_with_charts(capsys, db, tmp_path):
    out_file = tmp_path / "pack.html"
    code, out, err = report(capsys, db, "--format", "html", "--by", "team", "--out",
                            str(out_file))
    assert code == 0 and out == "" and "Wrote" in err
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    text = out_file.read_text(encoding="utf-8")
    parser = Collector()
    parser.feed(text)
    parser.close()
    assert parser.open == []  # every element closed
    assert parser.tags.count("svg") == 3  # grade distribution, month trend, by team
    assert "rect" in parser.tags and "polyline" in parser.tags
    assert parser.links == [] and "http" not in text and "<script" not in text
    assert "Overall grade by team" in text and "50% (n=4)" in text


def test_report_without_a_database_says_so(capsys, tmp_path):
    code = main(["--db", str(tmp_path / "none.db"), "report"])
    assert code == 2
    assert "There is no database" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_bad_dates_are_refused_with_a_reason(capsys, db):
    code, _, err = report(capsys, db, "--from", "31/02/2024")
    assert code == 2 and "--from" in err
    code, _, err = report(capsys, db, "--month", "March")
    assert code == 2 and "YYYY-MM" in err


def test_audits_submitted_before_the_facts_existed_are_counted(capsys, db, engine):
    """A database from an older version: submitted audits without facts get them first."""
    from audit_tui.db.engine import session_scope
    from audit_tui.db.facts import audits_without_facts, clear_facts

    with session_scope(engine) as s:
        for audit_id in [r[0] for r in s.connection().exec_driver_sql(
                "SELECT audit_id FROM fact_audit")]:
            clear_facts(session=s, audit_id=audit_id)
        assert len(audits_without_facts(session=s)) == 4
    code, out, _ = report(capsys, db, "--format", "json")
    assert code == 0 and json.loads(out)["audits"] == 4
    with session_scope(engine) as s:
        assert audits_without_facts(session=s) == []


# -- what the QA team reads: names that match nothing, the width, labels, units, HTML ----------
@pytest.mark.parametrize("argv, said", [
    (["report", "--team", "Nort"], '--team: no team matches "Nort". The nearest: "North"'),
    (["report", "--by", "moderation", "--auditor", "ann"], '"Ann"'),
    (["report", "--by", "conversation", "--team", "No Such Team"], "no team matches"),
    (["export", "--format", "csv", "--out", "x.csv", "--template", "maxi"], '"mini"'),
    (["report", "--template", "mini@7"], '"mini" has no submitted audit on version 7; its '
                                         'versions: mini@1.'),
])
def test_a_filter_that_matches_nothing_names_the_nearest(capsys, db, tmp_path, monkeypatch,
                                                        argv, said):
    monkeypatch.chdir(tmp_path)
    code = main(["--db", db, *argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and said in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.csv").exists()


def test_a_text_report_fits_the_width_it_is_given(capsys, db, engine):
    from audit_tui.db import moderation
    from audit_tui.db.engine import session_scope

    with session_scope(engine) as s:  # (the moderation table: three text columns lead it)
        audit_id = s.exec(sa_text("SELECT id FROM audit WHERE case_reference = 'CH-1'")).one()[0]
        moderation.record(session=s, audit_id=audit_id, section_key="", who="Mo", grade=3,
                          comment="Requires improvement, on the evidence")
    code, whole, _ = report(capsys, db, "--by", "team", "--width", "0")
    assert "Grades changed by moderation" in whole
    assert code == 0 and max(map(len, whole.splitlines())) > 40
    code, out, _ = report(capsys, db, "--by", "team", "--width", "40")
    assert code == 0
    assert max(map(len, out.splitlines())) <= 40
    for by in ("moderation", "conversation"):
        code, other, _ = report(capsys, db, "--by", by, "--width", "40")
        assert code == 0 and max(map(len, other.splitlines())) <= 40, by
    words = " ".join(out.split())  # (notes wrap onto more lines)
    assert "(part 1 of" in words and "--width 0 prints each table whole" in words
    for column in ("Good or better", "Inadequate", "Still open", "Median", "Worst", "Overdue"):
        assert column.split()[0] in out, column  # every column is in some part
    code, _, err = report(capsys, db, "--width", "10")
    assert code == 2 and "--width" in err


def test_labels_in_a_report_are_unique():
    from audit_tui.reports.tables import unique_labels

    assert unique_labels([("a", "Seen"), ("b", "Seen"), ("c", "Heard")]) == [
        "Seen (a)", "Seen (b)", "Heard"]


def test_timeliness_figures_carry_their_units(capsys, db):
    code, out, _ = report(capsys, db, "--format", "markdown")
    row = next(line for line in out.splitlines()
               if line.startswith("| Pre-proceedings decided within 16 weeks |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "16 weeks" and cells[-2].endswith(" weeks") and \
        cells[-1].endswith(" weeks")


@pytest.mark.parametrize("by", ["moderation", "conversation"])
def test_every_report_writes_real_html(capsys, db, engine, tmp_path, by):
    out_file = tmp_path / "r.html"
    code, out, err = report(capsys, db, "--by", by, "--format", "html", "--out",
                            str(out_file))
    assert code == 0, err
    text = out_file.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    parser = Collector()
    parser.feed(text)
    parser.close()
    assert parser.open == [] and "table" in parser.tags and "h2" in parser.tags
    code, out, _ = report(capsys, db, "--by", by, "--format", "markdown")
    assert code == 0 and out.startswith("# ") and "|---|" in out


def test_the_html_pack_prints_on_a4_with_every_column(capsys, db, tmp_path):
    import re
    from html import unescape

    from audit_tui.reports.html import PRINT_CHARS

    out_file = tmp_path / "pack.html"
    code, _, _ = report(capsys, db, "--format", "html", "--by", "team", "--out",
                        str(out_file), "--to", "10/02/2024")
    assert code == 0
    text = out_file.read_text(encoding="utf-8")
    assert "@page { size: A4" in text and "@media print" in text
    # every table (or part of one) fits an A4 page across, and no column is lost
    code, whole, _ = report(capsys, db, "--by", "team", "--width", "0", "--to", "10/02/2024")
    for table in re.findall(r"<table.*?</table>", text, re.S):
        heads = re.findall(r"<th(?: class=n)?>(.*?)</th>", table)
        cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)
                 for row in re.findall(r"<tr>(.*?)</tr>", table)]
        widths = [max(min(len(h), 40), *(len(r[i]) for r in cells if i < len(r)))
                  for i, h in enumerate(heads)]
        assert sum(w + 1 for w in widths) <= PRINT_CHARS * 1.5, heads
    matrix = [h for t in re.findall(r"<table.*?</table>", text, re.S)
              for h in re.findall(r"<th(?: class=n)?>(.*?)</th>", t)]
    for criterion in ("The child's voice", "Plans: quality", "Pre-proceedings"):
        assert any(criterion in unescape(h) for h in matrix), criterion
    # February is cut by --to: marked as a part month, with counts on the chart
    assert "Feb 2024 (part)" in text and "part of the month only" in text


def test_the_trend_chart_labels_24_months_apart():
    import re
    from types import SimpleNamespace

    from audit_tui.reports.html import trend_chart

    months = [(f"{2023 + i // 12}-{i % 12 + 1:02d}", f"M{i:02d} 20{23 + i // 12}",
               SimpleNamespace(pct_good=50.0, pct_inadequate=10.0, good=5, inadequate=1,
                               graded=10 + i)) for i in range(24)]
    svg = trend_chart(months, {months[-1][0]})
    labels = re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end" '
                        r'transform="rotate\(-40[^"]*">([^<]*)</text>', svg)
    assert [name for _, name in labels] == [m[1] for m in months[:-1]] + [
        months[-1][1] + " (part)"]
    xs = [float(x) for x, _ in labels]
    assert min(b - a for a, b in zip(xs, xs[1:])) >= 16  # slanted, 16px apart: no overlap
    assert all(f">{10 + i}</text>" in svg for i in range(24))  # each month's count
    assert 'stroke-dasharray="4 3"' in svg and 'fill="#fff"' in svg  # the part month


def test_a_wide_html_table_is_split_so_every_column_prints():
    import re

    from audit_tui.reports.html import PRINT_CHARS, html_table
    from audit_tui.reports.tables import Table

    heads = ["Team", *[f"Criterion number {i} with a long title" for i in range(15)]]
    table = Table("Good or better by criterion and team", heads,
                  [["Assessment Team North", *["67% (n=3)"] * 15]], key="matrix")
    html = html_table(table)
    parts = re.findall(r"<table.*?</table>", html, re.S)
    assert len(parts) > 1 and html.count('class="part"') == len(parts)
    seen = []
    for part in parts:
        names = re.findall(r"<th(?: class=n)?>(.*?)</th>", part)
        assert names[0] == "Team"  # the first column in every part
        assert sum(min(len(n), 12) + 3 for n in names) <= PRINT_CHARS + 20
        seen += names[1:]
    assert seen == heads[1:]  # every column, once, in order
