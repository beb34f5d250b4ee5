"""`audit-tui demo --audits N [--seed S]`: fill a database with synthetic audits, in bulk.

Audits are made oldest first and written a month at a time, each month in one transaction
(executemany per table, not the ORM row by row), with their facts and running counts, so an
interrupted run leaves whole months behind and the figures agree with what is there.
"""

from __future__ import annotations

import sys
from collections import defaultdict

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

    prepare(target)
    engine = open_engine(target)
    try:
        made = fill(engine, audits=args.audits, seed=args.seed, months=args.months)
    finally:
        engine.dispose()
    print(f"Added {made} synthetic audits to {target.describe()}.", file=sys.stderr)
    return EXIT_OK


CHUNK = 1500  # audits sent at a time (a month may take several chunks, one transaction)
PARALLEL_FROM = 4000  # below this, making the audits in a second process costs more than it saves


def chunks(*, audits: int, seed: int, months: int, today=None, drafts: float = 0.03):
    """(month, audits, last chunk of the month) in date order, made by one DemoMaker."""
    from ..templates.loader import default_catalog
    from .demo import DemoMaker

    maker = DemoMaker(default_catalog(None).templates(), seed=seed, months=months, today=today)
    by_month: dict[str, list] = defaultdict(list)
    for day in maker.dates(audits):
        by_month[day.strftime("%Y-%m")].append(day)
    recent = maker.today.toordinal() - 45
    for month in sorted(by_month):
        days = by_month[month]
        for start in range(0, len(days), CHUNK):
            part = [maker.audit(day, draft=day.toordinal() > recent
                                and maker.rng.random() < drafts * 8)
                    for day in days[start:start + CHUNK]]
            yield month, part, start + CHUNK >= len(days)


def _produce(queue, kwargs) -> None:  # pragma: no cover - runs in the helper process
    try:
        for item in chunks(**kwargs):
            queue.put(item)
    except BaseException as exc:  # the parent reports it
        queue.put(("error", repr(exc), True))
        raise
    queue.put(None)


def _parallel(kwargs):
    """The chunks, made in a second process while this one writes (two cores: both busy)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=2)
    worker = context.Process(target=_produce, args=(queue, kwargs), daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not None:
            if item[0] == "error":
                raise RuntimeError(f"making the demo audits failed: {item[1]}")
            yield item
    finally:
        worker.join(timeout=5)
        if worker.is_alive():
            worker.terminate()


def fill(engine, *, audits: int, seed: int = 1, months: int = 24, today=None,
         parallel: bool | None = None) -> int:
    """Add `audits` synthetic audits to the database behind `engine`; return how many."""
    import os

    from ..db import store
    from ..db.engine import session_scope
    from ..db.facts import add_cells, apply_counts, count_rows, write_facts
    from ..templates.loader import default_catalog
    from .progress import Progress

    with session_scope(engine) as session:
        for template in default_catalog(None).templates():
            store.ensure_template_version(session=session, template=template)
    kwargs = {"audits": audits, "seed": seed, "months": months, "today": today}
    if parallel is None:
        parallel = audits >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
    source = _parallel(kwargs) if parallel else chunks(**kwargs)
    with engine.connect() as conn, Progress(f"Adding {audits} demo audits", audits) as bar:
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA synchronous = NORMAL")  # a demo fill: speed over the last commit
        raw.execute("PRAGMA cache_size = -65536")
        raw.execute("PRAGMA wal_autocheckpoint = 0")  # one checkpoint at the end, not one a month
        transaction, cells = None, {}
        for _, batch, last in source:
            transaction = transaction or conn.begin()
            for name, sql in INSERTS.items():
                rows = [r for a in batch for r in _rows(a, name)]
                if rows:
                    conn.exec_driver_sql(sql, rows)
            facts = [a.facts for a in batch if a.facts is not None]
            if facts:
                write_facts(conn, facts, counts=False)
                add_cells(cells, facts)
            if last:  # a month at a time: its facts and its counts together
                apply_counts(conn, count_rows(cells))
                cells = {}
                transaction.commit()
                transaction = None
            bar.advance(len(batch))
        if transaction is not None:
            apply_counts(conn, count_rows(cells))
            transaction.commit()
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.execute("PRAGMA wal_autocheckpoint = 1000")
    return audits


def _rows(item, name: str) -> list:
    if name == "audit":
        return [item.audit]
    return getattr(item, name)
