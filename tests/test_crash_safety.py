"""Crash safety: a writer answering questions through the real code path (prepare, open_engine,
store.save_answer in session_scope, the same PRAGMAs) is killed with SIGKILL at random moments,
again and again. After every kill the file must open, pass PRAGMA integrity_check, go through
`prepare` untouched, and hold every answer whose "COMMITTED" line the writer got out.

The writer is a forked child of the test process (it has already imported SQLAlchemy, so a
round costs milliseconds, not the second a fresh interpreter takes); it opens its own engine
after the fork, as a second program would. Seeded: the seed is printed, and
AUDIT_TUI_CRASH_SEED=<n> repeats a run.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import sys
import time
from datetime import date

import pytest

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.opening import open_engine, prepare
from audit_tui.locations import parse_database

from .test_walk import walk_template  # noqa: F401 (a fixture)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")

KILLS = 100
BIG = "x" * 20_000  # some answers span several pages, so a commit writes many frames


def value_for(n: int) -> str:
    return f"answer {n} " + (BIG if n % 7 == 0 else "é\u202eß")


def writer(path: str, audit_id: str, start: int, out: int, seed: int) -> None:
    """The child: answer questions for ever, reporting each commit on `out`."""
    rng = random.Random(seed)
    target = parse_database(path, "--db")
    engine = open_engine(target)
    n = start
    while True:
        n += 1
        with session_scope(engine) as session:
            store.save_answer(session=session, audit_id=audit_id, question_key=f"q{n}",
                              who="writer", text=value_for(n))
            store.save_answer(session=session, audit_id=audit_id, question_key="counter",
                              who="writer", number_value=float(n))
        os.write(out, f"COMMITTED {n}\n".encode())
        if rng.random() < 0.05:  # now and then fold the WAL into the main file
            raw = engine.raw_connection()  # outside a transaction, as SQLite needs
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()


def read_lines(fd: int, until: float) -> bytes:
    data = b""
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return data
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                return data
            data += chunk


def drain(fd: int) -> bytes:
    data = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return data
        data += chunk


def committed(data: bytes) -> list[int]:
    return [int(line.split()[1]) for line in data.decode().splitlines()
            if line.startswith("COMMITTED ")]


def check_database(path, audit_id: str, expected: dict[int, str], last: int) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = dict(conn.execute(
            "SELECT question_key, text FROM answer WHERE audit_id = ? AND question_key LIKE 'q%'",
            (audit_id,)).fetchall())
        counter = conn.execute("SELECT number_value FROM answer WHERE audit_id = ? AND "
                               "question_key = 'counter'", (audit_id,)).fetchone()
        history = conn.execute("SELECT count(*) FROM audit_event WHERE audit_id = ? AND "
                               "what LIKE 'answer q%'", (audit_id,)).fetchone()[0]
    finally:
        conn.close()
    missing = [n for n in expected if rows.get(f"q{n}") != expected[n]]
    assert not missing, f"committed answers lost: {missing[:10]}"
    if last:
        assert counter is not None and counter[0] >= last
    # every stored answer has its history row (same transaction): never one without the other
    assert history == len(rows)


def test_sigkill_at_random_moments_loses_nothing(tmp_path, walk_template, capsys):
    seed = int(os.environ.get("AUDIT_TUI_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    print(f"crash-safety seed: {seed} (AUDIT_TUI_CRASH_SEED={seed} repeats this run)")
    path = tmp_path / "audits.db"
    target = parse_database(str(path), "--db")
    prepare(target)
    engine = open_engine(target)
    with session_scope(engine) as s:
        audit_id = store.create_audit(session=s, template=walk_template, case_reference="CH-1",
                                      audit_date=date(2026, 11, 2), who="t").id
    engine.dispose()

    expected: dict[int, str] = {}
    last = 0
    kills = 0
    started = time.monotonic()
    for round_no in range(KILLS):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            os.close(read_end)
            try:
                writer(str(path), audit_id, last, write_end, seed + round_no)
            except BaseException:
                import traceback

                os.write(2, traceback.format_exc().encode())
            finally:
                os._exit(1)
        os.close(write_end)
        # a random moment: sometimes during start-up (before the first commit), mostly during
        # a burst of commits
        delay = rng.choice([0.0, rng.uniform(0.0, 0.02), rng.uniform(0.02, 0.4)])
        data = read_lines(read_end, time.monotonic() + delay)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, \
            f"the writer ended on its own (status {status}); it failed before the kill"
        data += drain(read_end)
        os.close(read_end)
        kills += 1
        for n in committed(data):
            expected[n] = value_for(n)
            last = max(last, n)
        check_database(path, audit_id, expected, last)
        # the row the killed commit may have written (not reported) is not an error, but the
        # next round must go on from the highest number the database holds
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        stored = conn.execute("SELECT number_value FROM answer WHERE question_key = 'counter'"
                              ).fetchone()
        conn.close()
        if stored is not None:
            last = max(last, int(stored[0]))
    # after everything: the file opens through the tool's own path and still works
    prepare(target)
    engine = open_engine(target)
    with session_scope(engine) as s:
        answers = {a.question_key: a.text for a in store.answers_for(session=s, audit_id=audit_id)}
    engine.dispose()
    assert all(answers[f"q{n}"] == v for n, v in expected.items())
    took = time.monotonic() - started
    print(f"crash-safety: {kills} SIGKILLs, {len(expected)} committed answers checked after "
          f"every kill, none lost, {took:.1f} s")
    with capsys.disabled():
        sys.stdout.write(f"\ncrash-safety: seed {seed}, {kills} kills, {len(expected)} "
                         f"committed answers, none lost ({took:.1f} s)\n")
    assert kills >= 50
    assert len(expected) > 100  # the kills really did land during writing


# -- the real program, killed again and again --------------------------------------------------
APP_KILLS = 5
YES_NO_TEMPLATE = '''key = "kill_loop"
version = 1
title = "Kill loop"
service = "Testing"

[[sections]]
key = "quality"
title = "Quality"
criterion = "assessment_quality"
''' + "".join(f'''
  [[sections.questions]]
  key = "q{n:02d}"
  prompt = "Question number {n}"
  type = "yes_no"
  tags = ["quality"]
''' for n in range(1, 41))


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_the_real_program_killed_at_random_moments_keeps_every_answer(tmp_path, db_target,
                                                                       private_home):
    """The TUI itself answers yes, moves on, answers... and is killed with SIGKILL after a
    random time; started again, it carries on where it was. Every answer the screen counted as
    given more than a second before a kill is in the database, whole."""
    import re

    from audit_tui.templates.loader import load_template

    from .ptydriver import PtyApp

    seed = int(os.environ.get("AUDIT_TUI_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    print(f"real-program kills seed: {seed}")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "kill.toml").write_text(YES_NO_TEMPLATE, encoding="utf-8")
    template = load_template(folder / "kill.toml").template
    engine = open_engine(db_target)
    with session_scope(engine) as s:
        store.create_audit(session=s, template=template, case_reference="LOOP-1",
                           audit_date=date(2026, 11, 20), who="test")
    engine.dispose()
    env = {"AUDIT_TUI_HOME": str(private_home)}
    args = ["--db", str(db_target.path), "--templates", str(folder)]
    counted = re.compile(r"(\d+) of 40 answered")
    must_have = 0
    kills = 0
    for _ in range(APP_KILLS):
        app = PtyApp(args, env)
        try:
            app.wait_for("LOOP-1", timeout=60)
            app.press("enter")
            app.wait_for("of 40 answered", timeout=60)
            kill_at = time.monotonic() + rng.uniform(0.3, 3.0)
            seen: list[tuple[float, int]] = []

            def count() -> int:
                found = counted.findall(app.text()[-6000:])
                return int(found[-1]) if found else -1

            while time.monotonic() < kill_at:
                before = count()
                app.press("y", gap=0)
                step_end = min(kill_at, time.monotonic() + 0.5)
                while time.monotonic() < step_end and count() == before:
                    time.sleep(0.01)
                seen.append((time.monotonic(), count()))
                app.press("pagedown", gap=0.05)
            app.kill()
            kills += 1
            settled_before = [n for t, n in seen if t <= kill_at - 1.0]
            must_have = max([must_have, *settled_before])
        finally:
            app.kill()
        assert app.proc.returncode == -9
        conn = sqlite3.connect(db_target.path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = dict(conn.execute("SELECT question_key, choice FROM answer"))
        finally:
            conn.close()
        assert all(v == "yes" for v in stored.values())
        # every answer counted on screen a second before the kill is stored
        assert len(stored) >= must_have, (sorted(stored), must_have)
        prepare(db_target)  # it still opens through the tool's own path
        if len(stored) >= 40:
            break
    print(f"real program: {kills} SIGKILLs, {must_have} answers counted on screen a second "
          f"before a kill, all stored")
    assert kills >= 1
