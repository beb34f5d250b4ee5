"""Bundles into PostgreSQL: import into an empty schema, import again, and plain executemany.

Uses (or builds, with `audit-tui demo`) a SQLite database of N synthetic audits, exports every
audit as a bundle once, then in each run:
- import into a new, migrated, empty schema of the server (COPY for new audits, facts worked out
  from the answers, the tables analysed afterwards);
- import the same bundle again (nothing to do);
- executemany: psycopg's `executemany` of exactly the rows the import wrote (read back from the
  first schema, every table), into another empty migrated schema, in one transaction: what the
  import did before COPY (issue 17 compares the two).
Medians. The figures go into docs/performance.md ("Bundles on PostgreSQL").

    python benchmarks/bench_bundle_pg.py --pg-url postgresql+psycopg://user@host/db
        [--audits 10000] [--runs 3] [--db PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_bundle import TABLES, _load, prepared  # noqa: E402
from perfdoc import machine, write_section  # noqa: E402
from pgschema import Schema  # noqa: E402


def engine_for(url: str):
    from audit_tui.db.opening import open_engine
    from audit_tui.locations import parse_database

    return open_engine(parse_database(url, "--db"))


def executemany_rows(source, target) -> tuple[float, int]:
    """Every row of TABLES from `source`, executemany'd into `target` in one transaction."""
    import sqlalchemy as sa

    tables: list[tuple[str, list[str], list]] = []
    with source.connect() as conn:
        for table in TABLES:
            columns = [c["name"] for c in sa.inspect(conn).get_columns(table)]
            rows = [tuple(r) for r in conn.exec_driver_sql(
                f"SELECT {', '.join(columns)} FROM {table}")]
            tables.append((table, columns, rows))
    with target.connect() as conn:
        conn.exec_driver_sql("ALTER TABLE action DISABLE TRIGGER USER")  # counts: none yet
        conn.commit()
        raw = conn.connection.driver_connection
        started = time.perf_counter()
        with raw.cursor() as cursor:
            for table, columns, rows in tables:
                if rows:
                    cursor.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                        f"({', '.join(['%s'] * len(columns))})", rows)
        raw.commit()
        return time.perf_counter() - started, sum(len(r) for _, _, r in tables)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("AUDIT_TUI_TEST_PG_URL"))
    parser.add_argument("--audits", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, help="use (or build) this source SQLite database")
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    args = parser.parse_args()
    if not args.pg_url:
        parser.error("give --pg-url (or set AUDIT_TUI_TEST_PG_URL)")
    work = Path(tempfile.mkdtemp(prefix="bench-bundle-pg-"))
    os.environ["AUDIT_TUI_HOME"] = str(work / "home")
    os.environ.pop("AUDIT_TUI_DB", None)
    source = args.db or work / "source.db"
    if not source.exists():
        subprocess.run([sys.executable, "-m", "audit_tui", "--db", str(source), "demo",
                        "--audits", str(args.audits), "--yes"], check=True,
                       stdin=subprocess.DEVNULL)
    prepared(source)

    from audit_tui.sync.export import export_bundle
    from audit_tui.sync.importer import import_bundle

    src = engine_for(str(source))
    bundle = work / "all.bundle"
    result = export_bundle(src, bundle, status="all")
    src.dispose()
    times: dict[str, list[float]] = {"import": [], "again": [], "executemany": []}
    schemas: list[Schema] = []
    loads = [_load()]
    rows = 0
    try:
        for run in range(args.runs):
            schema = Schema(args.pg_url).empty()
            schemas.append(schema)
            engine = engine_for(schema.url)
            started = time.perf_counter()
            first = import_bundle(engine, bundle, who="bench", trust_new_signer=True)
            times["import"].append(time.perf_counter() - started)
            started = time.perf_counter()
            again = import_bundle(engine, bundle, who="bench")
            times["again"].append(time.perf_counter() - started)
            assert first.new == result.audits and again.unchanged == result.audits
            raw_schema = Schema(args.pg_url).empty()
            schemas.append(raw_schema)
            raw_engine = engine_for(raw_schema.url)
            spent, rows = executemany_rows(engine, raw_engine)
            times["executemany"].append(spent)
            engine.dispose()
            raw_engine.dispose()
            print(f"  run {run + 1}: import {times['import'][-1]:.2f} s, again "
                  f"{times['again'][-1]:.2f} s, executemany {spent:.2f} s", flush=True)
    finally:
        server = schemas[0].server_version() if schemas else "?"
        for schema in schemas:
            schema.drop()
    loads.append(_load())
    med = {k: statistics.median(v) for k, v in times.items()}
    load = ", ".join(f"{x:.2f}" for x in loads if x is not None)
    body = "\n".join([
        "## Bundles on PostgreSQL",
        "",
        f"`python benchmarks/bench_bundle_pg.py --audits {args.audits} --runs {args.runs}` on "
        f"{machine()}, PostgreSQL {server} on the same machine (fsync on); 1-minute load "
        f"average before and after: {load}. {result.audits:,} demo audits, a bundle of "
        f"{bundle.stat().st_size / 1e6:.1f} MB; the import writes {rows:,} rows. Medians of "
        f"{args.runs} runs; each run's times: import "
        f"{', '.join(f'{t:.2f}' for t in times['import'])} s; executemany "
        f"{', '.join(f'{t:.2f}' for t in times['executemany'])} s.",
        "",
        "| what | median |",
        "|---|---:|",
        f"| import into an empty schema (COPY, facts worked out, ANALYZE) | {med['import']:.2f} s |",
        f"| import again (nothing to do) | {med['again']:.2f} s |",
        f"| psycopg `executemany` of the same {rows:,} rows, one transaction | "
        f"{med['executemany']:.2f} s |",
        "",
        "New audits go in with COPY (records.copy_rows), one stream a table, instead of a "
        "statement a row; the report facts are then worked out from the imported answers in "
        "batches of 500 audits (db/state.load_states), as on SQLite, and the tables are "
        "analysed once the import is committed (sync/importer.ANALYZE_AFTER audits or more).",
    ])
    print(body)
    if not args.no_doc:
        write_section("bundles-postgresql", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
