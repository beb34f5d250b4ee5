"""`audit-tui demo --audits N [--seed S]`: fill a database with synthetic audits, in bulk.

Audits are made month by month, a month cut into parts of at most PART audits, and each part
is written in one transaction (executemany per table, not the ORM row by row) with its facts
and running counts, so an interrupted run leaves whole parts behind and the figures agree
with what is there.

Both cores work: this process and a helper process each take the next part still to do, make
its audits and write them. Nothing passes between the two but the part's number: each part's
audits come from a random stream of their own (the seed, the month and the part), so a seed
gives the same audits whoever makes them. On SQLite a part's rows go first into tables of an
in-memory database (binding millions of parameters is most of the writing, and needs no
lock), then into the file with INSERT ... SELECT: the two take turns only at that.

A new database file that the command has just created is filled the quick way: on the demo's
own connections only, no sync to disk (`synchronous = OFF`), a rollback journal instead of the
write-ahead log while loading (pages are then written once, not twice; the file is set back to
WAL at the end, and every later connection of the tool sets WAL anyway), a larger page cache,
and no foreign-key checks (the rows are made consistent). A power cut during the load can
spoil that new file, which holds nothing but demo audits. Any existing database, the user's
own included, is written with the tool's usual settings (WAL, `synchronous = FULL`, foreign
keys checked).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field

from .commands import EXIT_ERROR, EXIT_OK
from .demo_writer import BUSY_TIMEOUT_S, Writer

PART = 2000  # at most this many audits of one month are written in one transaction
CHUNK = 1000  # audits made at a time (a part may take several)
PARALLEL_FROM = 4000  # below this, starting a helper process costs more than it saves


def confirm(target, args) -> str | None:
    """None to go on, or the reason not to."""
    if not target.is_default or args.yes:
        return None
    where = target.describe()
    if not sys.stdin.isatty():
        return (f"Not writing synthetic audits into your own database ({where}) without "
                "asking. Name another file with --db (or AUDIT_TUI_DB), or pass --yes if you "
                "really mean it.")
    answer = input(f"Add {args.audits} synthetic audits to your own database at {where}? "
                   "They will be mixed with your real audits. Type 'yes' to go on: ")
    return None if answer.strip().lower() in ("y", "yes") else "Nothing was written."


def run_demo(args) -> int:
    from ..locations import resolve_database

    if args.audits < 1:
        print("audit-tui: --audits must be at least 1.", file=sys.stderr)
        return EXIT_ERROR
    target = resolve_database(args.db)
    refusal = confirm(target, args)
    if refusal:
        print(f"audit-tui: {refusal}", file=sys.stderr)
        return EXIT_ERROR
    from ..db.opening import open_engine, prepare

    fresh = target.path is not None and not target.path.exists()
    prepare(target)
    engine = open_engine(target)
    try:
        from ..db.bulk_keys import restore, set_aside

        set_aside(engine)  # (into an empty database on a server: checked after, in one pass)
        try:
            made = fill(engine, audits=args.audits, seed=args.seed, months=args.months,
                        fresh=fresh, url=target.url, analyze=False)
        finally:
            restore(engine)
        from .demo_extras import add_extras

        # A server's tables are analysed on a connection of their own while the extras are
        # added (they read audits by their keys, which needs no statistics): 6 s of a demo of
        # 100,000 audits that no longer waits.
        analysed = _analyse_meanwhile(engine)
        try:
            extras = add_extras(engine, seed=args.seed)
        finally:
            analysed()
        from ..db.analyst_views import ensure

        ensure(engine)  # (the names the analysts' views show, for the templates used)
    finally:
        engine.dispose()
    print(f"Added {made} synthetic audits to {target.describe()}; {extras.describe()}.",
          file=sys.stderr)
    return EXIT_OK


# -- what to make ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """Everything a worker needs to make the same audits as any other (picklable)."""

    audits: int
    seed: int
    months: int
    today: object  # a date, or None for today
    drafts: float
    url: str
    quick: bool  # a new file: load it the quick way (see the module's docstring)
    # audits a part at most: PART when made, so the helper process cuts the same parts
    part: int = field(default_factory=lambda: PART)


class Months:
    """The audit dates of a run, month by month, cut into parts (the work a worker takes at a
    time, written in one transaction), and the audits of any one part."""

    def __init__(self, settings: Settings) -> None:
        from ..templates.loader import default_catalog
        from .demo import DemoMaker

        self.settings = settings
        self.maker = maker = DemoMaker(default_catalog(None).templates(), seed=settings.seed,
                                       months=settings.months, today=settings.today)
        by_month: dict[str, list] = defaultdict(list)
        for day in maker.dates(settings.audits):
            by_month[day.strftime("%Y-%m")].append(day)
        self.parts: list[tuple[str, list, int]] = []  # (stream name, dates, audits before)
        before = 0
        for month in sorted(by_month):
            days = by_month[month]
            count = -(-len(days) // settings.part)
            for i in range(count):  # parts of about equal size
                part = days[i * len(days) // count:(i + 1) * len(days) // count]
                self.parts.append((f"{month}/{i}", part, before))
                before += len(part)
        self.recent = maker.today.toordinal() - 45

    def batches(self, index: int):
        """The audits of part `index`, a Batch of at most CHUNK audits at a time."""
        from .demo import Batch

        name, days, before = self.parts[index]
        maker = self.maker
        maker.use_stream(name, before)
        drafts = self.settings.drafts * 8  # drafts are among the audits of the last 45 days
        for start in range(0, len(days), CHUNK):
            batch = Batch()
            for day in days[start:start + CHUNK]:
                draft = day.toordinal() > self.recent and maker.rng.random() < drafts
                maker.audit(day, batch, draft=draft)
            yield batch


# -- writing -----------------------------------------------------------------------------------
def _work(settings: Settings, take, done, months: Months | None = None,
          engine=None) -> None:
    """Write parts until `take()` gives None; `done(n)` for each batch of n audits."""
    months = months or Months(settings)
    writer = Writer(settings, engine)
    try:
        while (index := take()) is not None:
            writer.write_part(months.batches(index), done)
    finally:
        writer.close()


def _helper(settings: Settings, jobs, counter, errors) -> None:  # pragma: no cover
    """The second worker, in its own process."""
    def done(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    try:
        _work(settings, jobs.get, done, None)
    except BaseException as exc:  # the main process reports it
        errors.put(f"{type(exc).__name__}: {exc}")
        raise


def _analyse_meanwhile(engine):
    """Start db/bulk_rows.analyze_after_bulk on a thread; returns the function that waits for
    it (raising what it raised)."""
    import threading

    from ..db.bulk_rows import analyze_after_bulk

    failed: list[BaseException] = []

    def run() -> None:
        try:
            analyze_after_bulk(engine)
        except BaseException as exc:  # raised again by wait()
            failed.append(exc)

    thread = threading.Thread(target=run, name="demo-analyse", daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        if failed:
            raise failed[0]
    return wait


def fill(engine, *, audits: int, seed: int = 1, months: int = 24, today=None,
         parallel: bool | None = None, fresh: bool = False, drafts: float = 0.03,
         url: str | None = None, analyze: bool = True) -> int:
    """Add `audits` synthetic audits to the database behind `engine`; return how many.
    `analyze`: a server's tables are analysed afterwards (else the caller does it).
    `fresh`: the command has just created the file (it may be loaded the quick way). `url`:
    the URL the engine was made from (a helper process makes its own engine from it); on a
    server, without it, the work is not shared with a helper, since the engine's own URL
    lacks what make_engine took out of the URL given (a search_path in `options`, say)."""
    import os

    from ..db import store
    from ..db.engine import session_scope
    from ..templates.loader import default_catalog
    from .progress import Progress

    with session_scope(engine) as session:
        for template in default_catalog(None).templates():
            store.ensure_template_version(session=session, template=template)
    sqlite_file = engine.dialect.name == "sqlite" and engine.url.database not in (
        None, "", ":memory:")
    settings = Settings(audits=audits, seed=seed, months=months, today=today, drafts=drafts,
                        url=url or engine.url.render_as_string(hide_password=False),
                        quick=fresh and sqlite_file)
    if parallel is None:
        parallel = audits >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
    parallel = parallel and (sqlite_file or (engine.dialect.name != "sqlite"
                                             and url is not None))
    plan = Months(settings)
    with Progress(f"Adding {audits} demo audits", audits) as bar:
        if settings.quick:
            engine.dispose()  # no connection of the pool may hold the file open
            journal = _set_journal(settings, "delete")
        try:
            if parallel:
                _fill_parallel(settings, plan, bar)
            else:
                todo = iter(range(len(plan.parts)))
                _work(settings, lambda: next(todo, None), bar.advance, plan,
                      None if settings.quick else engine)
        finally:
            if settings.quick:
                _set_journal(settings, journal)
    if analyze:
        from ..db.bulk_rows import analyze_after_bulk

        analyze_after_bulk(engine)  # a server plans for the new sizes at once
    return audits


def _set_journal(settings: Settings, mode: str) -> str:
    """Set the file's journal mode (no other connection may be open); return the old one."""
    import sqlite3

    from sqlalchemy.engine import make_url

    conn = sqlite3.connect(make_url(settings.url).database, isolation_level=None,
                           timeout=BUSY_TIMEOUT_S)
    try:
        old = conn.execute("PRAGMA journal_mode").fetchone()[0]
        conn.execute(f"PRAGMA journal_mode = {mode}")
        return old
    finally:
        conn.close()


def _fill_parallel(settings: Settings, plan: Months, bar) -> None:
    """Parts by this process and a helper process, whichever is free takes the next. The
    helper is started the one way that cannot deadlock (processes.py: forkserver, else
    spawn); it reads the templates and opens connections of its own."""
    from .processes import helper_context

    context = helper_context()
    jobs, errors = context.Queue(), context.Queue()
    for index in range(len(plan.parts)):
        jobs.put(index)
    for _ in range(2):
        jobs.put(None)
    counter = context.Value("q", 0)
    helper = context.Process(target=_helper, args=(settings, jobs, counter, errors),
                             daemon=True, name="audit-tui demo")
    helper.start()
    shown = 0

    def done(n: int) -> None:
        nonlocal shown
        with counter.get_lock():
            counter.value += n
            total = counter.value
        bar.advance(total - shown)
        shown = total

    try:
        _work(settings, jobs.get, done, plan)
        helper.join()
    except BaseException:
        if helper.is_alive():
            helper.terminate()  # its part's transaction is rolled back, as after a crash
            helper.join()
        raise
    if helper.exitcode != 0:
        reason = errors.get() if not errors.empty() else f"exit code {helper.exitcode}"
        raise RuntimeError(f"making the demo audits failed: {reason}")
    bar.advance(counter.value - shown)
