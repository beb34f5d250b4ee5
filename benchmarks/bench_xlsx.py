"""The analyst's workbook: `audit-tui export --format xlsx` at scale, and the three ways of
writing an XLSX file compared on the same rows.

Builds (or reuses, --db) a database with `audit-tui demo --audits N`, then
- times the whole command `audit-tui export --format xlsx` (--runs times, each in a fresh
  process: median wall time, CPU time, peak resident set) on N audits and on N/10, to show the
  memory stays flat;
- writes the first --sample audits' rows (every sheet, typed as the export types them) with
  openpyxl in write-only mode, XlsxWriter in constant-memory mode (when installed: it is not
  a dependency) and reports/workbook.py, timing each (medians of --runs).
The figures go into docs/performance.md ("Analyst workbook"), with the load average.

    python benchmarks/bench_xlsx.py [--audits 20000] [--runs 3] [--sample 2000] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_reports import measured  # noqa: E402
from perfdoc import machine, write_section  # noqa: E402

TARGET_S = 20.0

WRITERS = r'''
import json, sys, time, statistics
from datetime import date
from pathlib import Path
from audit_tui.db.engine import read_only
from audit_tui.db.opening import open_engine
from audit_tui.locations import resolve_database
from audit_tui.reports.export import Reader, records, layout_for, Selection
from audit_tui.reports.export_xlsx import audit_sheet_columns, columns
from audit_tui.reports.export_layout import (ACTION_COLUMNS, ANSWER_COLUMNS,
                                             INDICATOR_COLUMNS, audit_row)
from audit_tui.reports.export_texts import SECTION_COLUMNS
from audit_tui.reports.filters import Filters
from audit_tui.reports.workbook import Cells, Workbook

db, sample, runs, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
engine = open_engine(resolve_database(db))
with read_only(engine).connect() as conn, conn.begin():
    reader = Reader(conn)
    layout = layout_for(reader, Selection(Filters()))
    recs = []
    for rec in records(reader, Filters(), today=date.today().isoformat(), layout=layout):
        recs.append(rec)
        if len(recs) == sample:
            break
sheets = {"Audits": (audit_sheet_columns(layout, False),
                     [audit_row(r, layout) for r in recs]),
          "Answers": (columns(ANSWER_COLUMNS), [a for r in recs for a in r.answers]),
          "Actions": (columns(ACTION_COLUMNS), [a for r in recs for a in r.actions]),
          "Indicators": (columns(INDICATOR_COLUMNS), [a for r in recs for a in r.indicators]),
          "Sections": (columns(SECTION_COLUMNS), [a for r in recs for a in r.texts])}
for name, (cols, rows) in sheets.items():  # (the audits sheet has no sections_not_applicable)
    if name == "Audits":
        at = [c.key for c in cols].index("sections_not_applicable")
        rows[:] = [[*r[:at], "", *r[at:]] for r in rows]
cells = sum(1 for cols, rows in sheets.values() for r in rows for v in r
            if v is not None and v != "")
cache = Cells()

def typed(kind, v):  # the cell values the other libraries are handed (dates as dates)
    if v is None or v == "":
        return None
    if kind in ("date", "auto") and isinstance(v, str) and len(v) == 10 and v[4] == "-":
        try:
            return date.fromisoformat(v)
        except ValueError:
            return v
    return v

def ours(path):
    with open(path, "wb") as handle:
        book = Workbook(handle, path.parent)
        for name, (cols, rows) in sheets.items():
            sheet = book.sheet(name, cols)
            for r in rows:
                sheet.add(r)
        book.close()

def with_openpyxl(path):
    from openpyxl import Workbook as W
    book = W(write_only=True)
    for name, (cols, rows) in sheets.items():
        ws = book.create_sheet(name)
        kinds = [c.kind for c in cols]
        ws.append([c.header for c in cols])
        for r in rows:
            ws.append([typed(k, v) for k, v in zip(kinds, r)])
    book.save(path)

def with_xlsxwriter(path):
    import xlsxwriter
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent),
                                           "strings_to_formulas": False})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, (cols, rows) in sheets.items():
        ws = book.add_worksheet(name)
        kinds = [c.kind for c in cols]
        ws.write_row(0, 0, [c.header for c in cols])
        for i, r in enumerate(rows, 1):
            for j, (k, v) in enumerate(zip(kinds, r)):
                v = typed(k, v)
                if v is None:
                    continue
                if isinstance(v, date):
                    ws.write_datetime(i, j, v, day)
                elif isinstance(v, (int, float)):
                    ws.write_number(i, j, v)
                else:
                    ws.write_string(i, j, str(v))
    book.close()

out = {"cells": cells, "audits": len(recs)}
ways = [("workbook.py", ours), ("openpyxl write-only", with_openpyxl)]
try:
    import xlsxwriter  # noqa: F401
    ways.append(("XlsxWriter constant_memory", with_xlsxwriter))
except ImportError:
    pass
for label, way in ways:
    times = []
    for _ in range(runs):
        path = work / "w.xlsx"
        t = time.perf_counter()
        way(path)
        times.append(time.perf_counter() - t)
        path.unlink()
    out[label] = statistics.median(times)
print("JSON" + json.dumps(out))
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--audits", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--db", type=Path, help="use (or build) this database")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-xlsx-"))
    env = {**os.environ, "AUDIT_TUI_HOME": str(work / "home")}
    env.pop("AUDIT_TUI_DB", None)
    loads = [os.getloadavg()]
    small = work / "small.db"
    db = args.db or work / "bench.db"
    for path, n in ((db, args.audits), (small, max(1, args.audits // 10))):
        if not path.exists():
            print(f"Building {n} audits with demo ...", flush=True)
            measured([sys.executable, "-m", "audit_tui", "--db", str(path), "demo",
                      "--audits", str(n), "--yes"], env)
    results = {}
    for label, path in (("whole", db), ("tenth", small)):
        times, cpus, peak = [], [], 0.0
        for _ in range(args.runs):
            seconds, mb, _, cpu = measured(
                [sys.executable, "-m", "audit_tui", "--db", str(path), "export", "--format",
                 "xlsx", "--out", str(work / "x.xlsx")], env)
            times.append(seconds)
            cpus.append(cpu)
            peak = max(peak, mb)
        results[label] = (statistics.median(times), statistics.median(cpus), peak, times)
        print(f"  {label}: {results[label][0]:.2f} s (CPU {results[label][1]:.2f} s), "
              f"{peak:.0f} MB; runs {', '.join(f'{t:.2f}' for t in times)}", flush=True)
    proc = subprocess.run([sys.executable, "-c", WRITERS, str(db), str(args.sample),
                           str(args.runs), str(work)], env=env, capture_output=True,
                          text=True)
    line = [x for x in proc.stdout.splitlines() if x.startswith("JSON")]
    if not line:
        raise SystemExit(proc.stderr)
    ways = json.loads(line[-1][4:])
    loads.append(os.getloadavg())
    body = report(args, results, ways, loads)
    print(body)
    if not args.no_doc:
        write_section("xlsx", body)
    return 0


def report(args, results: dict, ways: dict, loads: list) -> str:
    whole, tenth = results["whole"], results["tenth"]
    ok = "✓" if whole[0] <= TARGET_S else "✗"
    lines = [
        "## Analyst workbook (XLSX)",
        "",
        f"`python benchmarks/bench_xlsx.py --audits {args.audits} --runs {args.runs} "
        f"--sample {args.sample}` on {machine()}. Load average (1, 5, 15 min) "
        f"{' '.join(f'{x:.2f}' for x in loads[0])} at the start, "
        f"{' '.join(f'{x:.2f}' for x in loads[-1])} at the end (the machine was shared). "
        "Whole commands in fresh processes, medians; CPU is user + system time.",
        "",
        "| what | median | target | CPU | peak memory | runs |",
        "|---|---:|---:|---:|---:|---|",
        f"| `audit-tui export --format xlsx`, {args.audits:,} audits | {whole[0]:.2f} s {ok} | "
        f"≤ {TARGET_S:g} s | {whole[1]:.2f} s | {whole[2]:.0f} MB | "
        f"{', '.join(f'{t:.2f}' for t in whole[3])} |",
        f"| the same, {max(1, args.audits // 10):,} audits | {tenth[0]:.2f} s | | "
        f"{tenth[1]:.2f} s | {tenth[2]:.0f} MB | {', '.join(f'{t:.2f}' for t in tenth[3])} |",
        "",
        f"Writing the same rows ({ways['audits']:,} audits' Audits, Answers, Actions, "
        f"Indicators and Sections sheets: {ways['cells']:,} non-empty cells), typed alike, "
        "medians:",
        "",
        "| writer | seconds | µs a cell |",
        "|---|---:|---:|",
    ]
    for label in ("workbook.py", "openpyxl write-only", "XlsxWriter constant_memory"):
        if label in ways:
            lines.append(f"| {label} | {ways[label]:.2f} | "
                         f"{ways[label] * 1e6 / ways['cells']:.2f} |")
    lines += [
        "",
        "Before (issue 14): openpyxl's write-only mode took 9 s for 2,000 audits and 85 s for "
        "20,000. Memory stays flat: each sheet's rows go to a private temporary file as they "
        "are made and are deflated (zlib level 1) into the workbook at the end; the peak "
        "memory above barely moves between a tenth of the audits and all of them. Why our own "
        "writer: both libraries spend several times as long a cell building XML through "
        "layers of calls (the table above), which puts 20,000 audits (some seven million "
        "cells) past the target on their own; a cell here is one f-string. The wall time "
        "depends on the load: the CPU time is what it takes on a core of its own.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
