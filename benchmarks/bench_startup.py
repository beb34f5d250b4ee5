"""Start-up: from process start to the home screen drawn with its audits listed.

Compared, in the same run, with a minimal Textual app (Header, a ListView of 50 items,
Footer). Both run headless in a fresh process; each prints the moment its list is on screen,
and the parent takes that minus the moment it started the process. Target: ratio <= 1.2.

    python benchmarks/bench_startup.py [--audits 1000] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perfdoc import machine, write_section  # noqa: E402

MINIMAL = r'''
import time
from textual.app import App
from textual.widgets import Footer, Header, Label, ListItem, ListView

class Minimal(App):
    def compose(self):
        yield Header()
        yield ListView(*[ListItem(Label(f"Item {i}")) for i in range(50)])
        yield Footer()

    def on_mount(self):
        self.call_after_refresh(self.drawn)

    def drawn(self):
        print(f"DRAWN {time.time()!r}", flush=True)
        self.exit()

Minimal().run(headless=True, size=(100, 30))
'''

OURS = r'''
import sys, time
from audit_tui.cli import main
from audit_tui.screens.home import HomeScreen

original = HomeScreen.on_home_screen_loaded

def loaded(self, message):
    original(self, message)
    def drawn():
        print(f"DRAWN {time.time()!r} rows={len(self.audits)}", flush=True)
        self.app.exit()
    self.call_after_refresh(drawn)

HomeScreen.on_home_screen_loaded = loaded
import audit_tui.app as app_module
run = app_module.AuditApp.run
app_module.AuditApp.run = lambda self, **kw: run(self, headless=True, size=(100, 30))
sys.exit(main(["--db", sys.argv[1]]))
'''


def make_database(path: Path, audits: int) -> None:
    """`audits` synthetic audits, through the store (the same rows the app writes)."""
    from datetime import date, timedelta

    from audit_tui.db import store
    from audit_tui.db.engine import session_scope
    from audit_tui.db.opening import open_engine, prepare
    from audit_tui.locations import parse_database
    from audit_tui.templates.loader import default_catalog

    target = parse_database(str(path), "--db")
    prepare(target)
    engine = open_engine(target)
    templates = default_catalog(None).templates()
    with session_scope(engine) as session:
        for n in range(audits):
            template = templates[n % len(templates)]
            audit = store.create_audit(session=session, template=template,
                                       case_reference=f"DEMO-{n:06d}",
                                       audit_date=date(2026, 1, 5) + timedelta(days=n % 300),
                                       who="bench", auditor=f"Auditor {n % 12}",
                                       team=f"Team {n % 7}")
            audit.answered_count, audit.required_count = n % 30, 30
    engine.dispose()


def time_once(code: str, *args: str) -> float:
    env = dict(os.environ, TEXTUAL_ANIMATIONS="none")
    started = time.time()
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                            env=env, timeout=120)
    for line in result.stdout.splitlines():
        if line.startswith("DRAWN "):
            return float(line.split()[1]) - started
    raise RuntimeError(f"no DRAWN line: {result.stdout[-500:]} {result.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--audits", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["AUDIT_TUI_HOME"] = folder
        db = Path(folder) / "bench.db"
        make_database(db, args.audits)
        ours, minimal = [], []
        time_once(MINIMAL)  # warm the file cache for both
        time_once(OURS, str(db))
        for _ in range(args.runs):
            minimal.append(time_once(MINIMAL))
            ours.append(time_once(OURS, str(db)))
    m_ours, m_min = statistics.median(ours), statistics.median(minimal)
    ratio = m_ours / m_min
    print(f"minimal Textual app: median {m_min:.3f} s; audit-tui home with {args.audits} "
          f"audits: median {m_ours:.3f} s; ratio {ratio:.2f} (target <= 1.2)")
    if not args.no_doc:
        write_section("startup", f"""## Start-up

`python benchmarks/bench_startup.py --audits {args.audits} --runs {args.runs}` on {machine()}:

| what | median |
|---|---|
| minimal Textual app (Header, ListView of 50 items, Footer) to first draw | {m_min:.3f} s |
| audit-tui, process start to the home screen drawn with its audits listed ({args.audits} audits) | {m_ours:.3f} s |
| ratio (target at most 1.2) | {ratio:.2f} |

Both run headless in a fresh process. How the ratio is kept low: the command line imports
only argparse and our small modules; the database is checked with the standard library's
sqlite3 (no SQLAlchemy), the home list is read with sqlite3 in a worker, and the ORM and the
templates are loaded by a background thread 0.1 s after the list is filled (a key pressed
during that import waits for it: two threads must not import SQLAlchemy at once). Load average
{os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan"):.2f} at the end of the run.""")


if __name__ == "__main__":
    main()
