"""`audit-tui report` and `audit-tui export`: read-only work on the database."""

from __future__ import annotations

import calendar
import sys
from datetime import date
from pathlib import Path

from .filters import Filters

EXIT_OK, EXIT_ERROR = 0, 2


class UsageError(Exception):
    pass


def _date(text: str | None, option: str) -> date | None:
    from ..dates import DateInputError, parse_date

    if not text:
        return None
    try:
        return parse_date(text)
    except DateInputError as exc:
        raise UsageError(f"{option}: {exc}") from None


def filters_from(args) -> Filters:
    date_from = _date(args.date_from, "--from")
    date_to = _date(args.date_to, "--to")
    if args.month:
        if date_from or date_to:
            raise UsageError("Give either --month or --from/--to, not both.")
        try:
            year, month = (int(p) for p in args.month.split("-"))
            date_from = date(year, month, 1)
            date_to = date(year, month, calendar.monthrange(year, month)[1])
        except ValueError:
            raise UsageError(f"--month: {args.month!r} is not a month; write it as YYYY-MM, "
                             "for example 2025-03.") from None
    if date_from and date_to and date_from > date_to:
        raise UsageError("--from is after --to: nothing can match.")
    return Filters(date_from=date_from, date_to=date_to, team=args.team or None,
                   service_area=args.service_area or None, template=args.template or None,
                   auditor=args.auditor or None, status=args.status or None)


def open_database(args, *, must_exist: bool = True):
    """A ready engine for --db / AUDIT_TUI_DB / the default, with every fact recorded."""
    from ..db.opening import open_engine, prepare
    from ..locations import resolve_database

    target = resolve_database(args.db)
    if must_exist and target.path is not None and not target.path.exists():
        raise UsageError(f"There is no database at {target.path}. Name one with --db, or "
                         "make one by starting the app or with 'audit-tui demo'.")
    prepare(target)
    engine = open_engine(target)
    ensure_facts(engine)
    return engine


def check_filters(engine, filters: Filters) -> None:
    """A UsageError when a team, service area, template or auditor filter matches no
    submitted audit: what was asked for, and the nearest names that do exist."""
    import difflib

    from ..db.engine import read_only
    from .filters import COLUMNS, DIMENSIONS, template_version

    for name, value in filters.dims():
        column = COLUMNS[name].split(".")[1]
        version = None
        if name == "template":  # (KEY@VERSION: one version of a template)
            value, version = template_version(value)
        with read_only(engine).connect() as conn, conn.begin():
            known = [r[0] for r in conn.exec_driver_sql(
                f"SELECT DISTINCT {column} FROM fact_audit WHERE {column} <> ''") if r[0]]
            versions = [] if version is None else [r[0] for r in conn.exec_driver_sql(
                "SELECT DISTINCT template_version FROM fact_audit WHERE template_key = ? "
                "ORDER BY 1", (value,))]
        if value in known and (version is None or version in versions):
            continue
        if value in known:
            raise UsageError(f'--template: "{value}" has no submitted audit on version '
                             f"{version}; its versions: "
                             + ", ".join(f"{value}@{v}" for v in versions) + ".")
        what = DIMENSIONS[name].lower()
        folded = {k.casefold(): k for k in known}
        near = [folded[k] for k in difflib.get_close_matches(value.casefold(), folded, 3, 0.4)]
        near += [k for k in sorted(known) if value.casefold() in k.casefold() and k not in near]
        if not known:
            hint = f"No submitted audit has a {what} yet."
        elif near:
            hint = "The nearest: " + ", ".join(f'"{k}"' for k in near[:5]) + "."
        else:
            shown = ", ".join(f'"{k}"' for k in sorted(known)[:8])
            hint = f"The {what}s are: {shown}" + (", and more." if len(known) > 8 else ".")
        raise UsageError(f'--{name.replace("_", "-")}: no {what} matches "{value}". {hint}')


def open_filtered(args) -> tuple[Filters, object]:
    """The command's filters and a ready engine, each filter checked against the database
    (UsageError: what is wrong, in one sentence)."""
    filters = filters_from(args)
    engine = open_database(args)
    try:
        check_filters(engine, filters)
    except UsageError:
        engine.dispose()
        raise
    return filters, engine


def ensure_facts(engine) -> int:
    """Record the facts of audits submitted before the facts existed (a database last used by
    an older version of the tool); a cheap check when there are none. Returns how many."""
    from ..db.analyst_views import ensure
    from ..db.engine import read_only, session_scope
    from ..db.facts import backfill_facts

    ensure(engine)  # (the analysts' views and labels: a read when they are up to date)

    with read_only(engine).connect() as conn:
        with conn.begin():
            missing = bool(conn.exec_driver_sql(
                "SELECT 1 FROM audit WHERE status != 'draft' AND id NOT IN "
                "(SELECT audit_id FROM fact_audit) LIMIT 1").first())
    if not missing:
        return 0
    with session_scope(engine) as session:
        return backfill_facts(session=session)


def _fail(message: str) -> int:
    print(f"audit-tui: {message}", file=sys.stderr)
    return EXIT_ERROR


HUMAN_FORMATS = ("table", "markdown", "html")


def write_output(text: str, out: Path | None, fmt: str) -> None:
    """Write a report to `out` (0600) or standard output. The formats people read are made
    terminal-safe (stored control characters shown as symbols, never obeyed); CSV (with a BOM
    for Excel) and JSON keep the data as stored."""
    from ..literal import terminal_safe
    from .safe import Staged, open_private

    bom = fmt == "csv"
    if fmt in HUMAN_FORMATS:
        text = terminal_safe(text)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    with Staged(Path(out)) as staged:  # (all or nothing, as an export)
        with open_private(staged.path, encoding="utf-8-sig" if bom else "utf-8",
                          newline="") as handle:
            handle.write(text)
        staged.place([staged.path])


def run_report(args) -> int:
    from ..db.engine import read_only
    from .aggregate import summary
    from .progress import Progress

    try:
        filters_from(args)
        today = _date(args.as_of, "--as-of") or date.today()
        if args.out is not None and not args.out.parent.exists():
            raise UsageError(f"The folder {args.out.parent} does not exist.")
        width = table_width(args)
        filters, engine = open_filtered(args)
    except UsageError as exc:
        return _fail(str(exc))
    try:
        with Progress("Adding up the audits", 3) as progress:
            with read_only(engine).connect() as conn:
                with conn.begin():
                    by = () if args.by == "criterion" else (args.by,)
                    figures = summary(conn=conn, filters=filters, today=today,
                                      by=tuple(dict.fromkeys((*by, "month"))))
            progress.advance()
            text = render(figures, args.by, args.format, width)
            progress.advance()
            write_output(text, args.out, args.format)
            progress.advance()
    finally:
        engine.dispose()
    if args.out is not None:
        print(f"Wrote {args.out} ({figures.audits} audits).", file=sys.stderr)
    return EXIT_OK


def render(figures, by: str, fmt: str, width: int = 0) -> str:
    if fmt == "html":
        from .html import write_html

        return write_html(figures, by)
    from . import writers_text

    if fmt == "table":
        return writers_text.write_table(figures, by, width)
    writer = {"csv": writers_text.write_csv, "json": writers_text.write_json,
              "markdown": writers_text.write_markdown}[fmt]
    return writer(figures, by)


def table_width(args) -> int:
    """How wide a text report may be: --width; else the terminal's width when it goes to a
    terminal, no limit when it goes to a file or a pipe (the wide form, whole)."""
    import shutil

    width = getattr(args, "width", None)
    if width is not None:
        if width < 0 or 0 < width < 40:
            raise UsageError(f"--width: {width} is too narrow; give 40 or more, or 0 for no "
                             "limit.")
        return width
    if getattr(args, "out", None) is not None or not sys.stdout.isatty():
        return 0
    return shutil.get_terminal_size((100, 24)).columns


def run_export(args) -> int:
    from ..db.engine import read_only
    from .export import export

    try:
        filters_from(args)
        if not args.out.parent.exists():
            raise UsageError(f"The folder {args.out.parent} does not exist.")
        filters, engine = open_filtered(args)
    except UsageError as exc:
        return _fail(str(exc))
    try:
        with read_only(engine).connect() as conn:
            with conn.begin():
                written = export(conn=conn, filters=filters, fmt=args.format, out=args.out,
                                 pseudonymise=args.pseudonymise)
    except (KeyboardInterrupt, SystemExit):  # Ctrl+C, or told to stop (cli: SIGTERM)
        print("audit-tui: the export was stopped; no file was written or changed.",
              file=sys.stderr)
        raise
    except RuntimeError as exc:
        return _fail(str(exc))
    except OSError as exc:  # (a full disk, a folder it may not write in: nothing put in place)
        from .safe import NotPlaced

        if isinstance(exc, NotPlaced):
            return _fail(str(exc))
        where = f" ({exc.filename})" if exc.filename else ""
        return _fail(f"Could not write the export: {exc.strerror or exc}{where}. No file was "
                     "written or changed.")
    finally:
        engine.dispose()
    names = ", ".join(str(p) for p in written.files)
    print(f"Wrote {written.audits} audits ({written.answers} answers) to {names}.",
          file=sys.stderr)
    if args.pseudonymise:
        print("Case references and names are replaced by keyed hashes; free text is left out.",
              file=sys.stderr)
    return EXIT_OK


def run_filtered_page(args, read, render) -> int:
    """A report of its own (`--by moderation`, `--by conversation`): the filters, `read(conn,
    filters)` in one read-only transaction, then `render(found, fmt, described, width)` to
    the output."""
    from ..db.engine import read_only

    try:
        width = table_width(args)
        filters, engine = open_filtered(args)
    except UsageError as exc:
        return _fail(str(exc))
    try:
        with read_only(engine).connect() as conn:
            with conn.begin():
                found = read(conn, filters)
    finally:
        engine.dispose()
    write_output(render(found, args.format, filters.describe(), width), args.out, args.format)
    return 0
