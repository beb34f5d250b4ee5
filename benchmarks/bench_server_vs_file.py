"""The server against the file (issue 17: each figure on PostgreSQL within 2x of SQLite),
measured in pairs: each round measures the SQLite file and then the server, one after the
other, so that both see the same machine (on a shared 2-core machine a figure wanders by a
third from one minute to the next, and two benchmarks run apart compare badly).

    python benchmarks/bench_server_vs_file.py --sqlite-db FILE --pg-url URL --rounds 3 \\
        [--demo-audits 100000 --demo-rounds 2]

FILE and URL hold the same demo audits (`audit-tui demo --audits 100000` into each); the
demo rounds build new ones (a new file, a new schema in URL's database, dropped after).
Writes the section "server-vs-file" of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_reports import FIGURES, measured
from perfdoc import machine, write_section
from pgschema import Schema

LIMIT = 2.0  # the aim: the server's figure at most twice the file's


def figures(url: str, env: dict) -> dict:
    _, _, out, _ = measured([sys.executable, "-c", FIGURES, url, "9"], env)
    return json.loads([x for x in out.splitlines() if x.startswith("JSON")][-1][4:])


def command(tool: list[str], argv: list[str], env: dict) -> float:
    return measured([*tool, *argv], env)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite-db", type=Path, required=True)
    parser.add_argument("--pg-url", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--demo-audits", type=int, default=0)
    parser.add_argument("--demo-rounds", type=int, default=2)
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-pair-"))
    env = {**os.environ, "AUDIT_TUI_HOME": str(work / "home")}
    env.pop("AUDIT_TUI_DB", None)
    sqlite_url = f"sqlite:///{args.sqlite_db}"
    engines = {"file": (sqlite_url, [sys.executable, "-m", "audit_tui", "--db",
                                     str(args.sqlite_db)]),
               "server": (args.pg_url, [sys.executable, "-m", "audit_tui", "--db",
                                        args.pg_url])}
    found: dict[str, dict[str, list[float]]] = {}
    loads = [os.getloadavg()[0]]

    def note(what: str, engine: str, value: float) -> None:
        found.setdefault(what, {"file": [], "server": []})[engine].append(value)
        print(f"  {what} on the {engine}: {value:.4g}", flush=True)

    for engine, (url, tool) in engines.items():  # (migrated, if a new version needs it, and
        command(tool, ["report", "--format", "json", "--out",  # read once: not measured)
                       str(work / "warm.json")], env)
    for round_ in range(args.rounds):
        print(f"Round {round_ + 1}", flush=True)
        for engine, (url, tool) in engines.items():
            got = figures(url, env)
            note("dashboard", engine, got["refresh"])
            note("filtered", engine, got["filtered"])
            note("html", engine, command(tool, ["report", "--format", "html", "--out",
                                                str(work / "pack.html")], env))
            note("csv", engine, command(tool, ["export", "--format", "csv", "--out",
                                               str(work / "export.csv")], env))
    for round_ in range(args.demo_audits and args.demo_rounds):
        print(f"Demo round {round_ + 1}", flush=True)
        db = work / "demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        note("demo", "file", command([sys.executable, "-m", "audit_tui", "--db", str(db)],
                                     ["demo", "--audits", str(args.demo_audits), "--yes"],
                                     env))
        server = Schema(args.pg_url).empty()
        try:
            note("demo", "server", command([sys.executable, "-m", "audit_tui", "--db",
                                            server.url],
                                           ["demo", "--audits", str(args.demo_audits),
                                            "--yes"], env))
        finally:
            server.drop()
    loads.append(os.getloadavg()[0])
    body = report(args, found, loads)
    print(body)
    if not args.no_doc:
        write_section("server-vs-file", body)
    for path in work.glob("*"):
        if path.is_file():
            path.unlink()
    return 0


LABELS = {"dashboard": ("dashboard full refresh (median of 9 each time)", "s"),
          "filtered": ("filtered view, one team's month (median of 50 each time)", "ms"),
          "html": ("`report --format html` (whole command)", "s"),
          "csv": ("`export --format csv` (whole command)", "s"),
          "demo": ("`demo` (whole command, into a new database)", "s")}


def report(args, found: dict, loads: list[float]) -> str:
    def shown(value: float, unit: str) -> str:
        return f"{value * 1000:.1f} ms" if unit == "ms" else f"{value:.3g} s"

    lines = [
        "## Server against file (issue 17)", "",
        f"`python benchmarks/bench_server_vs_file.py --rounds {args.rounds}"
        + (f" --demo-audits {args.demo_audits} --demo-rounds {args.demo_rounds}"
           if args.demo_audits else "")
        + f"` on {machine()}: the same 100,000 demo audits in a SQLite file and on "
        "PostgreSQL (the same machine, fsync on, the server's default settings), measured in "
        "pairs, the file and then the server in each round, so that both see the same "
        "machine, each read once before the rounds and not measured (a new version "
        f"migrates a database the first time); 1-minute load average {loads[0]:.1f} before, {loads[-1]:.1f} after. "
        f"The aim: each figure on the server within {LIMIT:g}x of the file's. Ratio: of "
        "the medians; range: the lowest and highest ratio of one round's pair.", "",
        "| what | SQLite file (median) | PostgreSQL (median) | ratio | rounds' ratios |",
        "|---|---:|---:|---:|---:|"]
    for what, (label, unit) in LABELS.items():
        if what not in found:
            continue
        file, server = found[what]["file"], found[what]["server"]
        ratio = statistics.median(server) / statistics.median(file)
        pairs = [s / f for f, s in zip(file, server)]
        mark = "✓" if ratio <= LIMIT else "✗"
        lines.append(f"| {label} | {shown(statistics.median(file), unit)} | "
                     f"{shown(statistics.median(server), unit)} | {ratio:.2f}x {mark} | "
                     f"{min(pairs):.2f}-{max(pairs):.2f}x ({len(pairs)}) |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
