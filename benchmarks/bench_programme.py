"""The audit programme at scale: importing a 50,000-row Annex A workbook and sampling a month.

Writes a synthetic Annex A workbook (lists 3 to 9, messy headers, a name column that must not
be read) of N rows in all, then, in each of several runs, into a new empty SQLite database:
- import: `audit-tui programme import FILE` (read with openpyxl in read-only mode, stored);
- again: a newer list with the same rows (another file, so its checksum differs): every case
  compared, none changed;
- sample: `audit-tui programme sample --month 2025-03` with a share per team (10%) and a
  template for every list.
The commands run in this process (cli.main), so Python's start-up is not counted. Medians; the
figures go into docs/performance.md ("Audit programme").

    python benchmarks/bench_programme.py [--rows 50000] [--runs 3] [--no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perfdoc import machine, write_section  # noqa: E402

LISTS = ("3", "4", "5", "6", "7", "8", "9")
TARGETS = {"import": 30.0, "sample": 5.0}
RULES = """
[programme.teams]
"*" = "10%"
[programme.templates]
"*" = "help_and_protection"
"""


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        return None


def _cli(*argv: str) -> float:
    from audit_tui.cli import main

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(list(argv))
    took = time.perf_counter() - started
    if code not in (0, 1):
        raise SystemExit(f"audit-tui {' '.join(argv)} failed ({code})")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-programme-"))
    os.environ["AUDIT_TUI_HOME"] = str(folder / "home")
    from audit_tui.locations import settings_file
    from audit_tui.programme.synthetic import write_annex_a

    settings_file().parent.mkdir(parents=True, exist_ok=True)
    settings_file().write_text(RULES, encoding="utf-8")
    per_list = args.rows // len(LISTS)
    started = time.perf_counter()
    book = write_annex_a(folder / "annex-a.xlsx", rows_per_list=per_list, lists=LISTS,
                         shift=per_list // 2)
    newer = write_annex_a(folder / "annex-a-newer.xlsx", rows_per_list=per_list, lists=LISTS,
                          shift=per_list // 2)
    made = time.perf_counter() - started
    loads = [_load()]
    times: dict[str, list[float]] = {"import": [], "again": [], "sample": []}
    for run in range(args.runs):
        db = str(folder / f"run-{run}.db")
        times["import"].append(_cli("--db", db, "programme", "import", str(book)))
        times["again"].append(_cli("--db", db, "programme", "import", str(newer)))
        times["sample"].append(_cli("--db", db, "programme", "sample", "--month", "2025-03",
                                    "--seed", "1"))
    loads.append(_load())
    medians = {k: statistics.median(v) for k, v in times.items()}
    rows = per_list * len(LISTS)
    for name, value in medians.items():
        runs = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"{name}: median {value:.2f} s of {args.runs} ({runs})")
    shown = [f"{x:.2f}" for x in loads if x is not None]
    load = (f"; 1-minute load average {shown[0]} before the runs, {shown[-1]} after"
            if len(shown) == 2 else "")
    body = "\n".join([
        "## Audit programme (issue 15)",
        "",
        f"`python benchmarks/bench_programme.py --rows {args.rows} --runs {args.runs}`: "
        f"{machine()}{load}. A synthetic Annex A workbook of {rows:,} rows (lists 3 to 9, "
        f"{per_list:,} rows each, {os.path.getsize(book) / 1e6:.1f} MB, written in "
        f"{made:.0f} s for both files), into a new SQLite database each run; medians of "
        f"{args.runs} runs, in seconds, the commands run in-process (no Python start-up).",
        "",
        "| step | median | target | runs |",
        "|---|---|---|---|",
        f"| `programme import` ({rows:,} rows, into an empty database) | "
        f"{medians['import']:.2f} | {TARGETS['import']:.0f} | "
        f"{', '.join(f'{t:.2f}' for t in times['import'])} |",
        f"| `programme import` of a newer file with the same rows (all compared, none changed) "
        f"| {medians['again']:.2f} | | {', '.join(f'{t:.2f}' for t in times['again'])} |",
        f"| `programme sample --month` (10% of each team's open cases) | "
        f"{medians['sample']:.2f} | {TARGETS['sample']:.0f} | "
        f"{', '.join(f'{t:.2f}' for t in times['sample'])} |",
        "",
        "Reading the workbook (openpyxl, read-only mode) is most of an import; storing is "
        "batched inserts of 500 rows. Sampling reads every case once, with the audits of the "
        "re-audit window and the earlier samples as two sets.",
    ])
    if not args.no_write:
        write_section("programme", body)
    print(body)


if __name__ == "__main__":
    main()
