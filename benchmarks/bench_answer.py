"""Answering: from a grade key press to the answer committed to the database.

Opens the app headless on a 30-question audit, shows a grade question and presses 2 and 3 in
turn (each press changes the answer), waiting for each save to be reported before the next.
Keys are sent through the headless driver as a terminal's would be, and the benchmark sleeps
(it does not poll the app) while the key is handled, so only the app's own work is timed.
Measured inside the app: from the moment the key event is created (as the terminal driver
would create it) to the moment the writer thread has committed the transaction (the answer,
its history row, the progress figures and the resume point). Target: median <= 5 ms.

    python benchmarks/bench_answer.py [--presses 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perfdoc import machine, write_section  # noqa: E402

QUESTIONS = 30


def template_text(questions: int) -> str:
    """A template with `questions` questions over three graded sections."""
    lines = ['key = "bench_answer"', "version = 1", 'title = "Benchmark: answering"',
             'service = "Benchmark"', ""]
    per_section = questions // 3
    number = 0
    for section in range(3):
        lines += ["[[sections]]", f'key = "s{section}"', f'title = "Section {section + 1}"',
                  'criterion = "assessment_quality"', "graded = true", ""]
        for _ in range(per_section):
            number += 1
            kind = "grade" if number % 2 else "yes_no"
            lines += ["  [[sections.questions]]", f'  key = "q{number}"',
                      f'  prompt = "Question {number}?"', f'  type = "{kind}"',
                      '  tags = ["quality"]', '  guidance = "Good: it is done well."',
                      '  source = "Benchmark."', ""]
    return "\n".join(lines)


def bare_commit_ms(folder: Path, commits: int = 200) -> float:
    """The median time of a bare one-row SQLite commit (WAL, synchronous=FULL) in `folder`:
    what the disk alone costs each save right now, to read the figures against."""
    import sqlite3

    connection = sqlite3.connect(folder / "bare.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("CREATE TABLE t (a INTEGER)")
    times = []
    for i in range(commits):
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO t VALUES (?)", (i,))
        connection.execute("COMMIT")
        times.append(time.perf_counter() - started)
    connection.close()
    return statistics.median(times) * 1000


async def run(presses: int) -> dict:
    from textual import events

    from audit_tui.app import AuditApp
    from audit_tui.db import store
    from audit_tui.db.engine import session_scope
    from audit_tui.db.opening import open_engine, prepare
    from audit_tui.locations import parse_database
    from audit_tui.screens.walk import WalkScreen
    from audit_tui.templates.loader import parse_template_text

    folder = Path(tempfile.mkdtemp(prefix="bench-answer-"))
    os.environ["AUDIT_TUI_HOME"] = str(folder / "home")
    bare = bare_commit_ms(folder)
    target = parse_database(str(folder / "audits.db"), "--db")
    prepare(target)
    template = parse_template_text(template_text(QUESTIONS), "bench_answer.toml").template
    assert template is not None and template.question_count() == QUESTIONS
    engine = open_engine(target)
    with session_scope(engine) as session:
        audit_id = store.create_audit(session=session, template=template,
                                      case_reference="BENCH-1", audit_date=date(2026, 11, 2),
                                      who="bench").id
    engine.dispose()

    key_times: list[float] = []
    commits: list[tuple[float, float]] = []  # (committed at, seconds in the writer)

    class TimedApp(AuditApp):
        CSS_PATH = str(Path(sys.modules[AuditApp.__module__].__file__).parent / "app.tcss")
        _last_key = None

        async def on_event(self, event) -> None:
            if (isinstance(event, events.Key) and event.key in ("2", "3")
                    and event is not self._last_key):  # a key comes back up: count it once
                self._last_key = event
                key_times.append(event.time)  # when the key event was created (monotonic)
            await super().on_event(event)

    app = TimedApp(database=target, warm_up=False)
    report = app.saver._report

    def timed_report(result) -> None:
        if result.label.startswith("answer"):
            commits.append((time.monotonic(), result.seconds))
        report(result)

    app.saver._report = timed_report
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_audit(audit_id, at="q1")
        while not (isinstance(app.screen, WalkScreen) and app.screen.stops):
            await pilot.pause()
        app.saver.flush()
        await pilot.pause()
        for i in range(presses):
            # As a terminal would: the key goes to the driver, and nothing polls the app
            # while it handles the key and the writer commits.
            key = "2" if i % 2 == 0 else "3"
            app._driver.send_message(events.Key(key, key))
            while len(commits) < i + 1:
                await asyncio.sleep(0.02)
        await pilot.pause()
    latencies = [(done - pressed) * 1000 for pressed, (done, _) in zip(key_times, commits)]
    writer = [seconds * 1000 for _, seconds in commits]
    return {"latencies": latencies, "writers": writer,
            "presses": len(latencies), "median": statistics.median(latencies),
            "p90": statistics.quantiles(latencies, n=10)[-1], "writer": statistics.median(writer),
            "bare": bare}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200, help="key presses a round")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds, each in a new app and database (the figures pool them)")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args()
    rounds = [asyncio.run(run(args.presses)) for _ in range(args.rounds)]
    latencies = [ms for r in rounds for ms in r["latencies"]]
    figures = {"presses": len(latencies), "median": statistics.median(latencies),
               "p90": statistics.quantiles(latencies, n=10)[-1],
               "writer": statistics.median([ms for r in rounds for ms in r["writers"]]),
               "bare": statistics.median(r["bare"] for r in rounds),
               "rounds": ", ".join(f"{r['median']:.2f}" for r in rounds)}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    verdict = "meets" if figures["median"] <= 5 else "misses"
    print(f"{figures['presses']} grade key presses on a {QUESTIONS}-question audit: median "
          f"{figures['median']:.2f} ms from key to commit (90th percentile "
          f"{figures['p90']:.2f} ms; writer thread alone {figures['writer']:.2f} ms; a bare "
          f"SQLite commit on this disk {figures['bare']:.2f} ms; medians of the rounds "
          f"{figures['rounds']}): {verdict} the 5 ms target")
    if not args.no_doc:
        write_section("Answering", f"""## Answering

From a grade key press to the answer committed, with a {QUESTIONS}-question audit open in the
walk: `python benchmarks/bench_answer.py --presses {args.presses} --rounds {args.rounds}` (headless, the app's own event
loop; the time runs from the key event's creation to the writer thread's commit of the answer,
its history row, the progress figures and the resume point, in one transaction with
`synchronous=FULL`).

| measure | ms |
|---|---|
| median, key to commit ({figures['presses']} presses in {args.rounds} rounds) | {figures['median']:.2f} |
| the rounds' medians | {figures['rounds']} |
| 90th percentile | {figures['p90']:.2f} |
| median time in the writer thread (open, write, commit) | {figures['writer']:.2f} |
| for comparison: a bare one-row SQLite commit on the same disk | {figures['bare']:.2f} |

Target: median at most 5 ms ({verdict}). Machine: {machine()}; load average
{load:.2f} during the run (other work shared the two cores).

How: the key's handler applies the answer to the audit in memory and queues the save on the
app's one writer thread within the key press. The save is four statements sent to the driver
as written (db/quick_sql.py: one read of the audit's status and the answer, then the answer,
its history row, and the audit's revision, progress and resume point) on a connection the
writer keeps open, and one commit: about 1.6 ms run alone after a pause (0.8 ms back to back),
against 3.1 ms with Core statements and a connection from the pool each time. The walk then
holds its redraw (conditions, indicators, the section list, the progress bar and the picked
mark) until the writer reports the commit, the auditor presses another key, or 50 ms pass,
whichever comes first: a redraw takes longer than the save, and done at the same time it
would keep the save waiting for the CPU. The answer's key is taken by the picker itself
when it arrives (not after it has gone up through the containers to the app's binding
lookup); what is left of Textual's handling of the key, about 1.3 ms, is in the figure.
The margin is thin: the same code gave medians from 3.9 to 5.4 ms over this session as the
machine's speed changed. Other processes using the
CPU or the disk lengthen the figures: read them against the load average and the bare commit.
""")


if __name__ == "__main__":
    main()
