"""A shared PostgreSQL server: the same schema and migrations as SQLite, clear messages when the
server cannot be used, the same figures from both engines for the same audits.

Tests that need a server use `pg_schema_url` and are skipped unless AUDIT_TUI_TEST_PG_URL is
set (`.ci/run` starts a throwaway server and sets it); the SQL translation is tested always."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from audit_tui.cli import main
from audit_tui.db.engine import make_engine, read_only, session_scope, to_pyformat
from audit_tui.db.migrations_meta import LATEST
from audit_tui.db.opening import open_engine, prepare
from audit_tui.db.probe import DatabaseProblem
from audit_tui.locations import parse_database
from audit_tui.reports.aggregate import summary
from audit_tui.reports.filters import Filters
from audit_tui.sync.export import export_bundle
from audit_tui.sync.importer import import_bundle

from .test_reports_data import fill, mini  # noqa: F401

TODAY = date(2025, 3, 14)


@pytest.mark.parametrize("sql, expected", [
    ("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = %s AND c = %s"),
    ("WHERE x = :name AND y >= :m0", "WHERE x = %(name)s AND y >= %(m0)s"),
    ("SELECT '?', ':x', 'it''s ? %' , \"a?b\" WHERE v = ?",
     "SELECT '?', ':x', 'it''s ? %%' , \"a?b\" WHERE v = %s"),
    ("SELECT x::text, 5 % 2 -- a ? comment %\n FROM t WHERE y = :y",
     "SELECT x::text, 5 %% 2 -- a ? comment %%\n FROM t WHERE y = %(y)s"),
    ("CREATE FUNCTION f() AS $$ BEGIN x := 1; RAISE 'a % ?'; END $$",
     "CREATE FUNCTION f() AS $$ BEGIN x := 1; RAISE 'a %% ?'; END $$"),
    ("FROM fact_audit f CROSS JOIN action x ON x.audit_id = f.audit_id",
     "FROM fact_audit f JOIN action x ON x.audit_id = f.audit_id"),
    ("FROM a CROSS JOIN b", "FROM a CROSS JOIN b"),
])
def test_sqlite_flavoured_sql_is_translated_for_psycopg(sql, expected):
    assert to_pyformat(sql) == expected


# -- the server --------------------------------------------------------------------------------
def url_with_password(url: str, password: str = "s3cret-Pa55") -> str:
    scheme, _, rest = url.partition("://")
    user_host = rest.split("@", 1)
    if len(user_host) == 1:
        return f"{scheme}://audit:{password}@{rest}"
    user = user_host[0].split(":", 1)[0]
    return f"{scheme}://{user}:{password}@{user_host[1]}"


def test_the_schema_is_made_by_the_same_migrations(pg_schema_url):
    from sqlmodel import SQLModel

    from audit_tui.db import models  # noqa: F401

    prepare(parse_database(pg_schema_url, "--db"))
    engine = make_engine(pg_schema_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version FROM audit_tui_schema").scalar() == LATEST
            inspector = sa.inspect(conn)
            for table in SQLModel.metadata.sorted_tables:
                columns = {c["name"] for c in inspector.get_columns(table.name)}
                assert columns == {c.name for c in table.columns}, table.name
    finally:
        engine.dispose()
    prepare(parse_database(pg_schema_url, "--db"))  # a second start: nothing to do


def test_history_is_append_only_on_the_server_too(pg_schema_url, mini):  # noqa: F811
    target = parse_database(pg_schema_url, "--db")
    prepare(target)
    engine = open_engine(target)
    try:
        fill(engine, mini)
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.exec_driver_sql("UPDATE audit_event SET who = 'someone else'")
    finally:
        engine.dispose()


def test_a_newer_schema_on_the_server_is_refused_untouched(pg_schema_url):
    prepare(parse_database(pg_schema_url, "--db"))
    engine = make_engine(pg_schema_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE audit_tui_schema SET version = {LATEST + 1}")
        url = url_with_password(pg_schema_url)
        with pytest.raises(DatabaseProblem) as info:
            prepare(parse_database(url, "--db"))
        message = str(info.value)
        assert "made by a newer version of audit-tui" in message
        assert "has not been changed" in message
        assert "s3cret-Pa55" not in message and ":***@" in message
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version FROM audit_tui_schema").scalar() \
                == LATEST + 1
    finally:
        engine.dispose()


def test_a_server_that_cannot_be_reached_gives_a_message_not_a_traceback(capsys, monkeypatch):
    url = "postgresql+psycopg://audit:s3cret-Pa55@127.0.0.1:1/audits"
    code = main(["--db", url, "report"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("audit-tui: Cannot connect to the database server "
                          "postgresql+psycopg://audit:***@127.0.0.1:1/audits")
    assert "Check that the server is running" in err
    assert "s3cret-Pa55" not in err and "Traceback" not in err
    monkeypatch.setenv("AUDIT_TUI_DB", url)
    assert main(["bundle", "import", "nothing.bundle"]) == 2
    assert "Cannot connect" in capsys.readouterr().err


def test_only_postgresql_servers_are_taken(capsys):
    assert main(["--db", "mysql://someone@host/db", "report"]) == 2
    assert "SQLite database files and PostgreSQL servers" in capsys.readouterr().err


def test_the_home_list_reads_a_server(pg_schema_url, mini):  # noqa: F811
    from audit_tui.db.fastread import last_auditor, list_audits

    target = parse_database(pg_schema_url, "--db")
    prepare(target)
    engine = open_engine(target)
    try:
        fill(engine, mini)
    finally:
        engine.dispose()
    audits, total = list_audits(target)
    assert total == 5
    assert audits[0].status == "draft" and audits[0].case_reference == "CH-9"
    assert audits[0].updated_at.tzinfo is not None
    assert audits[1].audit_date == date(2024, 2, 15)
    assert last_auditor(target) == "Ann"


def test_every_command_takes_a_server_from_the_environment(capsys, monkeypatch, pg_schema_url,
                                                           mini, tmp_path):  # noqa: F811
    monkeypatch.setenv("AUDIT_TUI_DB", url_with_password(pg_schema_url))
    assert main(["where"]) == 0
    out = capsys.readouterr().out
    assert ":***@" in out and "(from AUDIT_TUI_DB)" in out and "s3cret" not in out
    assert main(["report", "--as-of", "01/06/2024"]) == 0
    assert "0 submitted audits" in capsys.readouterr().out
    engine = open_engine(parse_database(pg_schema_url, "--db"))
    try:
        fill(engine, mini)
    finally:
        engine.dispose()
    assert main(["report", "--as-of", "01/06/2024", "--format", "csv"]) == 0
    assert main(["bundle", "export", "--out", str(tmp_path / "b.bundle")]) == 0
    assert "4 audits" in capsys.readouterr().err


# -- the same figures from both engines ----------------------------------------------------------
FILTERS = [Filters(), Filters(team="Child Protection Team 1"),
           Filters(date_from=date(2024, 12, 1), date_to=date(2025, 1, 31)),
           Filters(date_from=date(2024, 12, 10), date_to=date(2025, 2, 20)),
           Filters(template="help_and_protection", auditor=None),
           Filters(service_area="Children in care", date_from=date(2025, 1, 1)),
           Filters(status="submitted", team="MASH")]


def test_both_engines_give_identical_figures_for_the_same_audits(tmp_path, pg_schema_url):
    """Synthetic audits of every bundled template, made in SQLite, taken to PostgreSQL in a
    bundle: every figure and breakdown, for several filters, is the same on both."""
    from audit_tui.reports.demo_cli import fill as demo_fill

    lite = parse_database(str(tmp_path / "lite.db"), "--db")
    server = parse_database(pg_schema_url, "--db")
    prepare(lite)
    prepare(server)
    lite_engine, server_engine = open_engine(lite), open_engine(server)
    try:
        demo_fill(lite_engine, audits=300, seed=11, months=4, today=TODAY, parallel=False)
        path = tmp_path / "demo.bundle"
        export_bundle(lite_engine, path, status="all")
        assert import_bundle(server_engine, path).new == 300
        by = ("team", "month", "template", "auditor", "service_area")
        for filters in FILTERS:
            results = []
            for engine in (lite_engine, server_engine):
                with read_only(engine).connect() as conn:
                    results.append(summary(conn=conn, filters=filters, today=TODAY,
                                           by=by).to_dict())
            assert results[0] == results[1], filters
            assert results[0]["audits"] > 0 or filters.status
        # And after changes made on the server itself, through the store and the lifecycle.
        from audit_tui.db.lifecycle import reopen_audit
        from audit_tui.db import store

        with session_scope(server_engine) as s:
            audit = next(a for a in store.list_audits(session=s) if a.status == "submitted")
            reopen_audit(session=s, audit_id=audit.id, who="qa", reason="Moderation")
        with session_scope(lite_engine) as s:
            reopen_audit(session=s, audit_id=audit.id, who="qa", reason="Moderation")
        for filters in FILTERS[:3]:
            results = []
            for engine in (lite_engine, server_engine):
                with read_only(engine).connect() as conn:
                    results.append(summary(conn=conn, filters=filters, today=TODAY).to_dict())
            assert results[0] == results[1], filters
    finally:
        lite_engine.dispose()
        server_engine.dispose()


def test_the_demo_makes_the_same_audits_and_moderations_on_both_engines(tmp_path,
                                                                         pg_schema_url):
    """`demo` with one seed into a file and into a server: the same audits, moderations,
    concerns, conversations and reopened audits, so a trial's figures on one engine can be
    checked against the other's."""
    from audit_tui.reports.demo_cli import fill as demo_fill
    from audit_tui.reports.demo_extras import add_extras
    from .test_reports_demo import extras_of

    found = []
    for target in (parse_database(str(tmp_path / "lite.db"), "--db"),
                   parse_database(pg_schema_url, "--db")):
        prepare(target)
        engine = open_engine(target)
        try:
            demo_fill(engine, audits=300, seed=4, months=6, today=TODAY, parallel=False)
            add_extras(engine, seed=4)
            found.append(extras_of(engine))
        finally:
            engine.dispose()
    assert len(found[0]["moderations"]) >= 20
    assert found[0] == found[1]


def test_both_engines_export_the_same_bytes_for_the_same_audits(tmp_path, pg_schema_url,
                                                                capsys):
    """Synthetic audits (repeating groups, several choices, numbers, indicators, actions,
    drafts), made in SQLite and taken to PostgreSQL in a bundle: `audit-tui export` writes the
    same CSV files (SQL on SQLite, rows on the server) and the same JSON and workbook."""
    from audit_tui.reports.demo_cli import fill as demo_fill

    lite = parse_database(str(tmp_path / "lite.db"), "--db")
    server = parse_database(pg_schema_url, "--db")
    prepare(lite)
    prepare(server)
    lite_engine, server_engine = open_engine(lite), open_engine(server)
    try:
        demo_fill(lite_engine, audits=200, seed=5, months=6, today=TODAY, parallel=False)
        path = tmp_path / "demo.bundle"
        export_bundle(lite_engine, path, status="all")
        assert import_bundle(server_engine, path).new == 200
        changed = moderate_alike(lite_engine, server_engine)
    finally:
        lite_engine.dispose()
        server_engine.dispose()
    files = {}
    for name, target in (("lite", str(lite.path)), ("server", pg_schema_url)):
        for fmt, argv in (("csv", []), ("csv", ["--team", "MASH", "--pseudonymise"]),
                          ("json", []), ("xlsx", ["--from", "01/12/2024"])):
            folder = tmp_path / name / f"{fmt}{len(argv)}"
            folder.mkdir(parents=True)
            assert main(["--db", target, "export", "--format", fmt, "--out",
                         str(folder / f"x.{fmt}"), *argv]) == 0
            assert "Wrote" in capsys.readouterr().err
            for p in folder.iterdir():
                files[(name, p.relative_to(folder.parent).as_posix())] = p
    names = sorted(k for n, k in files if n == "lite")
    assert names == sorted(k for n, k in files if n == "server") and len(names) == 16
    for key in names:
        a, b = files[("lite", key)], files[("server", key)]
        if key.endswith(".xlsx"):
            assert workbook_cells(a) == workbook_cells(b), key
        else:
            assert a.read_bytes() == b.read_bytes(), key
    wide = files[("lite", "csv0/x.csv")].read_bytes().decode("utf-8-sig")
    assert wide.count("\r\n") > 150 and "DEMO-" in wide
    answers = files[("lite", "csv0/x-answers.csv")].read_bytes().decode("utf-8-sig")
    assert ",yes," in answers and "; " in answers  # not-applicable answers, several choices
    # the moderated grades are in, alike: the moderator's grade, the auditor's beside it
    import csv
    import io

    rows = {r["audit_id"]: r for r in csv.DictReader(io.StringIO(wide, newline=""))}
    for audit_id, (key, auditor, moderator) in changed.items():
        row = rows[audit_id]
        if key == "":
            assert (row["overall_grade"], row["auditor_overall_grade"]) == \
                (str(moderator), str(auditor))
        else:
            assert row[f"grade:{key}"] == str(moderator)
            assert f"{key}: {auditor}" in row["auditor_section_grades"]
        assert row["moderated"] == "yes"
    assert sum(r["moderated"] == "yes" for r in rows.values()) == len(changed) + 1


def moderate_alike(*engines) -> dict[str, tuple[str, int, int]]:
    """The same moderations on each engine's copy of the same audits: four grades changed
    (two overall, two of a section), one agreed. Returns audit id -> (section key, the
    auditor's grade, the moderator's) for the changed ones."""
    from audit_tui.db import moderation
    from audit_tui.db import store

    with session_scope(engines[0]) as s:
        graded = []
        for audit in sorted(store.list_audits(session=s), key=lambda a: a.id):
            if audit.status != "submitted":
                continue
            grades = {k: g for k, (_, g) in
                      moderation.auditor_grades(session=s, audit_id=audit.id).items()
                      if g is not None}
            if "" in grades and len(grades) > 1:
                graded.append((audit.id, grades))
    plan = {}
    for n, (audit_id, grades) in enumerate(graded[:5]):
        key = "" if n < 2 else sorted(k for k in grades if k)[0]
        plan[audit_id] = (key, grades[key], None if n == 4 else grades[key] % 4 + 1)
    for engine in engines:
        with session_scope(engine) as s:
            for audit_id, (key, _, grade) in plan.items():
                moderation.record(session=s, audit_id=audit_id, section_key=key,
                                  who="QA Moderator", grade=grade, comment="Differs")
    return {a: p for a, p in plan.items() if p[2] is not None}


def workbook_cells(path) -> dict:
    load_workbook = pytest.importorskip("openpyxl").load_workbook
    book = load_workbook(path, read_only=True)
    try:
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    finally:
        book.close()


def test_every_command_with_a_server_url_in_db(capsys, pg_schema_url, tmp_path, private_home):
    """`--db URL`: where, templates, demo, report by everything, export in every format and
    actions work on the server; backup and restore say they are for database files and
    change nothing."""
    import json

    db = url_with_password(pg_schema_url)

    def run(*argv) -> tuple[int, str, str]:
        code = main(["--db", db, *argv])
        out, err = capsys.readouterr()
        assert "s3cret" not in out + err
        return code, out, err

    code, out, _ = run("where")
    assert code == 0 and ":***@" in out and "(from --db)" in out
    code, out, _ = run("templates", "list")
    assert code == 0 and "help_and_protection" in out
    code, _, err = run("demo", "--audits", "60", "--seed", "4", "--months", "3")
    assert code == 0 and "Added 60 synthetic audits" in err
    code, out, _ = run("report", "--format", "json")
    audits = json.loads(out)["audits"]
    assert code == 0 and 50 <= audits < 60
    for by in ("criterion", "team", "month", "template", "auditor", "moderation"):
        code, out, _ = run("report", "--by", by)
        assert code == 0 and out.strip(), by
    for fmt in ("csv", "xlsx", "json"):
        code, _, err = run("export", "--format", fmt, "--out", str(tmp_path / f"all.{fmt}"))
        assert code == 0 and f"Wrote {audits} audits" in err, fmt
    data = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert len(data["audits"]) == audits
    code, out, _ = run("actions", "--format", "json", "--as-of", "01/06/2030")
    assert code == 0 and json.loads(out) and all(
        a["state"] in ("overdue", "done") for a in json.loads(out))
    for argv in (["backup"], ["restore", str(tmp_path / "all.json")]):
        code, _, err = run(*argv)
        assert code == 2 and "SQLite database file" in err and "is a server" in err
    assert not list((private_home / "data").glob("backups/*"))


def test_a_filtered_view_never_scans_the_audit_facts_in_parallel(pg_schema_url):
    """Migration step 12: fact_audit is read on one worker, so a filtered view goes through
    an index to its few hundred audits instead of a parallel scan of every audit's facts,
    which the planner costs a shade cheaper at 100,000 audits and which takes three times as
    long (issue 17). Here the planner is made as keen on a whole parallel scan as it can be
    (parallel plans free, index scans off), as it is on a large table."""
    from audit_tui.reports.demo_cli import fill

    prepare(parse_database(pg_schema_url, "--db"))
    engine = make_engine(pg_schema_url)
    try:
        fill(engine, audits=400, seed=3, today=date(2025, 3, 14))
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE fact_audit")
            for setting in ("min_parallel_table_scan_size = 0", "parallel_setup_cost = 0",
                            "parallel_tuple_cost = 0", "max_parallel_workers_per_gather = 2",
                            "enable_indexscan = off", "enable_bitmapscan = off"):
                conn.exec_driver_sql(f"SET LOCAL {setting}")
            team = conn.exec_driver_sql("SELECT team FROM fact_audit LIMIT 1").scalar()
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(
                "EXPLAIN SELECT g.grade, count(*) FROM fact_audit f JOIN grade_fact g "
                "ON g.audit_id = f.audit_id WHERE f.team = :team AND f.audit_date >= "
                "'2025-01-01' AND f.audit_date <= '2025-01-31' GROUP BY g.grade",
                {"team": team}))
    finally:
        engine.dispose()
    assert "fact_audit" in plan
    assert not any("Parallel" in line and "fact_audit" in line for line in plan.splitlines())


def test_a_filtered_view_reads_one_team_s_month_from_the_team_index(pg_schema_url):
    """Migration steps 13 and 14: fact_audit's indexes by dimension and date carry the audit's
    id and the breakdowns' columns, so one team's month, joined to its facts and broken down
    by template and auditor, is read from the team index alone (an index-only scan) rather
    than from the date index and the table, every team's audits of the month with nine in
    ten thrown away (issue 17); one auditor's, broken down by team, from the auditor index.
    Whole scans are ruled out here, as they are on a large table."""
    from audit_tui.db.migrations_later import BREAKDOWN_COLUMNS, DIMENSION_INDEXES
    from audit_tui.reports.demo_cli import fill

    prepare(parse_database(pg_schema_url, "--db"))
    engine = make_engine(pg_schema_url)
    month = "f.audit_date >= '2025-01-01' AND f.audit_date <= '2025-01-31'"
    try:
        fill(engine, audits=400, seed=3, today=date(2025, 3, 14))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE fact_audit")
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            team, auditor = conn.exec_driver_sql(
                "SELECT team, auditor FROM fact_audit LIMIT 1").one()

            def plan(sql: str, **params) -> str:
                return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, params))

            by_team = plan(
                "SELECT f.template_key, f.template_version, f.auditor, g.criterion, g.grade, "
                "count(*) FROM fact_audit f JOIN grade_fact g ON g.audit_id = f.audit_id "
                f"WHERE f.team = :team AND {month} GROUP BY 1, 2, 3, 4, 5", team=team)
            by_auditor = plan(
                "SELECT f.team, f.month, count(*) FROM fact_audit f WHERE f.auditor = :auditor "
                f"AND {month} GROUP BY 1, 2", auditor=auditor)
            escalations = plan(
                "SELECT count(*), count(e.acknowledged_at) FROM fact_audit f JOIN escalation e "
                f"ON e.audit_id = f.audit_id WHERE f.team = :team AND {month}", team=team)
            included = dict(conn.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'fact_audit' AND "
                "schemaname = current_schema() AND indexdef LIKE '%INCLUDE%'").all())
    finally:
        engine.dispose()
    assert sorted(included) == sorted(DIMENSION_INDEXES)
    for name, column in DIMENSION_INDEXES.items():
        carried = ", ".join(c for c in BREAKDOWN_COLUMNS if c != column)
        assert included[name].endswith(f"({column}, audit_date) INCLUDE ({carried})"), \
            included[name]
    assert "Index Only Scan using ix_fact_audit_team on fact_audit" in by_team, by_team
    assert "Index Only Scan using ix_fact_audit_auditor on fact_audit" in by_auditor, by_auditor
    assert "Index Only Scan using ix_fact_audit_team on fact_audit" in escalations, escalations


def test_the_export_s_rows_stream_from_the_first_audit(pg_schema_url):
    """Every stream the export reads on a server is planned as a walk through the audits in
    order, each audit's rows found by index and sorted apart (an incremental sort), never as
    the whole table hashed and sorted before the first row comes (export_layout.Selection;
    issue 17: 4 s of waiting in a 25 s export at 100,000 audits)."""
    from audit_tui.reports.demo_cli import fill
    from audit_tui.reports.export import Reader, records

    prepare(parse_database(pg_schema_url, "--db"))
    engine = make_engine(pg_schema_url)
    seen: list[tuple[str, dict]] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, sql, params, *rest: seen.append((sql, params)))
    try:
        fill(engine, audits=400, seed=3, today=date(2025, 3, 14))
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            seen.clear()
            next(records(Reader(conn), Filters(), today="2025-03-14"))
            streams = [(sql, params) for sql, params in seen
                       if " JOIN " in sql and "ORDER BY f.audit_id" in sql]
        with engine.connect() as conn:  # (the reader left its connection streaming)
            raw = conn.connection.driver_connection
            plans = {sql.split(" FROM ")[0][:40]: "\n".join(
                r[0] for r in raw.execute(f"EXPLAIN DECLARE c{i} CURSOR FOR {sql}", params).fetchall())
                for i, (sql, params) in enumerate(streams)}
    finally:
        engine.dispose()
    assert len(plans) == 8  # the audits, sections, answers, actions, indicators, 3 texts
    for start, plan in plans.items():
        top = plan.splitlines()[0]
        assert top.startswith(("Incremental Sort", "Nested Loop", "Result")), (start, plan)
        assert "Seq Scan on answer" not in plan and "Seq Scan on section_result" not in plan


def test_the_tool_s_connections_compile_no_query(pg_schema_url):
    """jit=off on every connection the tool makes (engine.make_engine): an auditor's count of
    the answers under row-level security was costed high enough to be compiled, 0.4 s of
    0.55 s at 20,000 audits (issue 17). A URL's own options are kept beside it."""
    engine = make_engine(pg_schema_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
            assert conn.exec_driver_sql("SHOW timezone").scalar() == "UTC"
            assert conn.exec_driver_sql("SHOW search_path").scalar() == \
                pg_schema_url.rsplit("%3D", 1)[1]
    finally:
        engine.dispose()
