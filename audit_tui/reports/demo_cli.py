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

INSERTS = {
    "audit": "INSERT INTO audit (id, template_key, template_version, template_hash, "
             "case_reference, team, service_area, social_worker, auditor, audit_date, status, "
             "overall_grade, overall_rationale, answered_count, required_count, resume_at, "
             "revision, created_at, updated_at, submitted_at) VALUES "
             "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "answers": "INSERT INTO answer (id, audit_id, question_key, row_id, grade, choice, choices, "
               "text, date_value, number_value, not_applicable, evidence, updated_at, "
               "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "rows": "INSERT INTO repeat_row (id, audit_id, group_key, position, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
    "sections": "INSERT INTO section_result (audit_id, section_key, criterion, grade, "
                "rationale, not_applicable, na_reason, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "actions": "INSERT INTO action (id, audit_id, description, owner, due_date, status, "
               "completed_date, note, created_at, updated_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "events": "INSERT INTO audit_event (id, audit_id, at, who, what, old_value, new_value) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)",
}

PART = 2000  # at most this many audits of one month are written in one transaction
CHUNK = 1000  # audits made at a time (a part may take several)
PARALLEL_FROM = 4000  # below this, starting a helper process costs more than it saves
BUSY_TIMEOUT_S = 600  # the other worker may hold the write lock while it copies a part in
CACHE_KIB = 65536  # page cache of a quick load's connections


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
        made = fill(engine, audits=args.audits, seed=args.seed, months=args.months,
                    fresh=fresh, url=target.url)
        from .demo_extras import add_extras

        extras = add_extras(engine, seed=args.seed)
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
def _tables():
    """(Batch attribute, table, stage columns, INSERT statement, copy's SELECT list) in the
    order they are written: actions before fact_audit (their trigger counts the actions of
    audits that already have facts; these are counted with their part's facts instead)."""
    import re

    from ..db import facts
    from .demo import ANSWER_VALUES

    out = []
    for name, sql in [*INSERTS.items(), ("fact_audit", facts.INSERT_FACT_AUDIT),
                      ("grades", facts.INSERT_GRADE), ("indicators", facts.INSERT_INDICATOR),
                      ("yes_no", facts.INSERT_YES_NO)]:
        table, columns = re.match(r"INSERT INTO (\w+) \(([^)]*)\)", sql).groups()
        if name == "answers":  # staged as one value and the column it goes in
            values = ", ".join(f"CASE kind WHEN '{c}' THEN value END" for c in ANSWER_VALUES)
            out.append((name, table, "id, audit_id, question_key, row_id, kind, value, "
                        "not_applicable, evidence, updated_at, updated_by", sql,
                        f"id, audit_id, question_key, row_id, {values}, not_applicable, "
                        "evidence, updated_at, updated_by"))
        else:
            out.append((name, table, columns, sql, columns))
    return out


class _Writer:
    """One worker's connection. On SQLite a part's rows are first put in tables of an
    in-memory database attached to the connection (binding millions of parameters takes
    most of the writing, and this needs no lock, so the other worker writes meanwhile), then
    copied into the database in one transaction (`INSERT ... SELECT`, no Python in between),
    with the part's counts."""

    def __init__(self, settings: Settings, engine=None) -> None:
        self.tables = _tables()
        self.engine = self.conn = self.raw = None
        self.own_raw = settings.quick
        if settings.quick:
            import sqlite3

            from sqlalchemy.engine import make_url

            self.raw = sqlite3.connect(make_url(settings.url).database, isolation_level=None,
                                       timeout=BUSY_TIMEOUT_S)
            self.raw.execute("PRAGMA synchronous = OFF")
            self.raw.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            # (a plain sqlite3 connection checks no foreign keys)
        else:
            if engine is None:
                from ..db.engine import make_engine

                engine = self.engine = make_engine(settings.url)
            self.conn = engine.connect()
            if self.conn.dialect.name == "sqlite":  # the tool's usual settings, a longer wait
                self.raw = self.conn.connection.driver_connection
                self.raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        if self.raw is not None:
            self.raw.execute("ATTACH DATABASE ':memory:' AS stage")
            for _, table, staged, _, _ in self.tables:
                self.raw.execute(f"CREATE TABLE stage.{table} ({staged})")

    def write_part(self, batches, done=None) -> int:
        """Write the batches of one part with their facts and counts, in one transaction;
        return how many audits. `done(n)` is told of each batch of n audits."""
        from ..db.bulk_rows import insert_rows
        from ..db.facts import UPSERT_COUNT, apply_counts, count_rows
        from .demo import answer_row

        cells: dict = {}
        made = 0
        raw = self.raw
        if raw is None:  # another database: straight in
            with self.conn.begin():
                for batch in batches:
                    made += self._add_cells(cells, batch)
                    for name, table, _, sql, _ in self.tables:
                        rows = getattr(batch, name)
                        if rows:
                            if name == "answers":
                                rows = [answer_row(a) for a in rows]
                            columns = sql[sql.index("(") + 1:sql.index(")")].split(", ")
                            insert_rows(self.conn, table, columns, rows)  # COPY on a server
                    if done is not None:
                        done(len(batch.audit))
                # (in key order, as apply_counts writes them: two workers adding to the same
                # counts take their row locks in the same order, so a server never finds
                # them deadlocked; many rows go by COPY and one upsert)
                apply_counts(self.conn, count_rows(cells))
            return made
        for batch in batches:
            made += self._add_cells(cells, batch)
            raw.execute("BEGIN")  # (writes only the in-memory database: no lock on the file)
            try:
                for name, table, staged, _, _ in self.tables:
                    rows = getattr(batch, name)
                    if rows:
                        marks = ", ".join("?" * (staged.count(",") + 1))
                        raw.executemany(f"INSERT INTO stage.{table} VALUES ({marks})", rows)
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
            if done is not None:
                done(len(batch.audit))
        raw.execute("BEGIN IMMEDIATE")
        try:
            for _, table, _, sql, select in self.tables:
                columns = sql[sql.index("(") + 1:sql.index(")")]
                raw.execute(f"INSERT INTO main.{table} ({columns}) SELECT {select} "
                            f"FROM stage.{table}")
            raw.executemany(UPSERT_COUNT, count_rows(cells))
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        raw.execute("COMMIT")
        for _, table, _, _, _ in self.tables:
            raw.execute(f"DELETE FROM stage.{table}")
        return made

    @staticmethod
    def _add_cells(cells: dict, batch) -> int:
        for cell, counts in batch.cells.items():
            found = cells.get(cell)
            if found is None:
                cells[cell] = counts
            else:
                found.update(counts)
        return len(batch.audit)

    def close(self) -> None:
        if self.raw is not None and self.own_raw:
            self.raw.close()
        elif self.raw is not None:
            self.raw.execute("DETACH DATABASE stage")
        if self.conn is not None:
            self.conn.close()
        if self.engine is not None:
            self.engine.dispose()


def _work(settings: Settings, take, done, months: Months | None = None,
          engine=None) -> None:
    """Write parts until `take()` gives None; `done(n)` for each batch of n audits."""
    months = months or Months(settings)
    writer = _Writer(settings, engine)
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


def fill(engine, *, audits: int, seed: int = 1, months: int = 24, today=None,
         parallel: bool | None = None, fresh: bool = False, drafts: float = 0.03,
         url: str | None = None) -> int:
    """Add `audits` synthetic audits to the database behind `engine`; return how many.
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
