"""Many auditors answering at once on one database: key to commit under contention.

Starts W processes (auditors), each with its own draft audit on the same database, each saving
answers as the app's writer thread does (one transaction: the answer with its history row and
the audit's time and progress figures, one statement on a server; a WriterConnection kept
open). Each save is timed
from the moment it is asked for to its commit. Two paces: back to back, and with pauses like a
person's (0.1-0.4 s between keys). At the end every audit's last answer and its number of
history rows are checked against what was saved: 0 lost answers, 0 errors expected.

    python benchmarks/bench_writers.py [--db PATH | --pg-url URL] [--writers 20]
                                       [--saves 200] [--no-doc]

Figures go into docs/performance.md ("Many writers"), with the load average: the writers, the
server and this machine's other work share its cores.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perfdoc import machine, write_section  # noqa: E402
from pgschema import Schema  # noqa: E402

TEMPLATE = "help_and_protection"


def _target(url: str):
    from audit_tui.locations import parse_database

    return parse_database(url, "--db")


def _question(template) -> str:
    return next(q.key for q in template.questions() if q.type == "yes_no" and q.section
                and not q.group and not q.show_if)


def _writer(url: str, number: int, saves: int, pace: str, start, out,
            login: str = "") -> None:
    from audit_tui.db import store
    from audit_tui.db.engine import WriterConnection
    from audit_tui.db.opening import open_engine
    from audit_tui.templates.loader import default_catalog

    template = default_catalog(None).get(TEMPLATE)
    key = _question(template)
    if login:  # each auditor connects as their own login (row-level security applies)
        import sqlalchemy as sa

        url = url.replace(sa.engine.make_url(url).username + "@", login + "@", 1)
    who = login or f"auditor{number}"
    engine = open_engine(_target(url))
    writer = WriterConnection(engine)
    with writer.session() as session:
        audit = store.create_audit(session=session, template=template, team="Bench Team",
                                   case_reference=f"BENCH-{os.getpid()}-{number}",
                                   audit_date=date.today(), who=who, auditor=who)
        audit_id = audit.id
    rng = random.Random(number)
    latencies, errors = [], 0
    start.wait()
    choice = "yes"
    for i in range(saves):
        if pace == "person":
            time.sleep(rng.uniform(0.1, 0.4))
        choice = "no" if choice == "yes" else "yes"
        began = time.perf_counter()
        try:
            with writer.session() as session:
                store.save_answer(session=session, audit_id=audit_id, question_key=key,
                                  who=who, choice=choice,
                                  progress=(i % 30, 30, f"q:{key}:"))
        except Exception:  # counted: the figure is 0 errors
            errors += 1
            continue
        latencies.append((time.perf_counter() - began) * 1000)
    writer.close()
    engine.dispose()
    out.put({"audit": audit_id, "last": choice, "saves": saves - errors, "errors": errors,
             "ms": latencies})


def run(url: str, writers: int, saves: int, pace: str, logins: list[str]) -> dict:
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, n, saves, pace, start, out,
                                               logins[n] if logins else ""))
             for n in range(writers)]
    for p in procs:
        p.start()
    time.sleep(3.0)  # every writer has made its audit and waits (spawn imports take a while)
    start.set()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    lost = _check(url, results)
    ms = sorted(x for r in results for x in r["ms"])
    return {"median": statistics.median(ms), "p99": ms[int(len(ms) * 0.99) - 1],
            "worst": ms[-1], "saves": len(ms), "errors": sum(r["errors"] for r in results),
            "lost": lost}


def _check(url: str, results: list[dict]) -> int:
    """Audits whose stored answer or history does not show every save."""
    from audit_tui.db.opening import open_engine
    from audit_tui.templates.loader import default_catalog

    key = _question(default_catalog(None).get(TEMPLATE))
    engine = open_engine(_target(url))
    lost = 0
    with engine.connect() as conn:
        for r in results:
            choice = conn.exec_driver_sql(
                "SELECT choice FROM answer WHERE audit_id = ? AND question_key = ?",
                (r["audit"], key)).scalar()
            events = conn.exec_driver_sql(
                "SELECT count(*) FROM audit_event WHERE audit_id = ? AND what LIKE 'answer %'",
                (r["audit"],)).scalar()
            lost += choice != r["last"] or events != r["saves"]
    engine.dispose()
    return lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--pg-url")
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--roles", action="store_true",
                        help="with --pg-url: `server setup` first, each writer its own auditor "
                             "login, so row-level security applies (the login needs CREATEROLE)")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-writers-"))
    os.environ["AUDIT_TUI_HOME"] = str(work / "home")
    from audit_tui.db.opening import prepare

    schema = Schema(args.pg_url).empty() if args.pg_url else None
    url = schema.url if schema else str(args.db or work / "writers.db")
    if schema is None:
        prepare(_target(url))
    engine_name = "PostgreSQL" if args.pg_url else "SQLite"
    loads = [os.getloadavg()[0]]
    logins: list[str] = []
    prefix = f"b{os.getpid()}"
    try:
        if args.roles and schema is not None:
            from audit_tui.db.opening import open_engine
            from audit_tui.db.server_roles import grant, setup

            admin = open_engine(_target(url))
            setup(admin, prefix=prefix, reads="team")
            for n in range(args.writers):
                logins.append(f"{prefix}_w{n}")
                grant(admin, logins[-1], "auditor", teams=["Bench Team"])
            admin.dispose()
        figures = {pace: run(url, args.writers, args.saves, pace, logins)
                   for pace in ("back", "person")}
    finally:
        if schema is not None:
            schema.drop()
            if args.roles:
                with schema.admin.begin() as conn:
                    for name in [*logins, *(f"{prefix}_{r}" for r in
                                            ("auditor", "moderator", "qa", "reader"))]:
                        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
    loads.append(os.getloadavg()[0])
    print(json.dumps(figures, indent=1))
    rows = [f"| {label} | {f['median']:.1f} ms | {f['p99']:.1f} ms | {f['worst']:.0f} ms | "
            f"{f['saves']:,} | {f['errors']} | {f['lost']} |"
            for label, f in (("back to back", figures["back"]),
                             ("with a person's pauses (0.1-0.4 s)", figures["person"]))]
    body = "\n".join([
        f"## Many writers ({engine_name}{', row-level security on' if args.roles else ''})",
        "",
        f"`python benchmarks/bench_writers.py {'--pg-url URL ' if args.pg_url else ''}"
        f"{'--roles ' if args.roles else ''}"
        f"--writers {args.writers} --saves {args.saves}` on {machine()}"
        f"{', the server on the same machine' if args.pg_url else ''}; 1-minute load average "
        f"{loads[0]:.2f} before, {loads[1]:.2f} after. {args.writers} processes, each saving "
        f"{args.saves} answers to its own draft as the app's writer thread does (answer, "
        "history row, the audit's time, progress figures: one transaction, a connection kept "
        f"open{'; on the server a read and one statement: BEGIN, read, write, COMMIT' if args.pg_url else ''}"
        "); key to commit, every save of every writer. Targets (issue 17): median <= 10 "
        "ms, 99th percentile <= 50 ms, 0 errors, 0 lost answers.",
        "",
        "| pace | median | 99th percentile | worst | saves | errors | lost answers |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
    ])
    print(body)
    if not args.no_doc:
        write_section(("writers-postgresql-rls" if args.roles else "writers-postgresql")
                      if args.pg_url else "writers-sqlite", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
