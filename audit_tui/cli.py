"""The command line. It imports the terminal UI only when the UI is asked for, and the ORM only
when a command needs it, so every command starts quickly."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .locations import (
    backup_dir,
    config_dir,
    data_dir,
    resolve_database,
    settings_file,
    user_template_dir,
)

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audit-tui",
        description="Case-file audits for children's social care: walk an audit in the "
                    "terminal, then add the audits up. With no command, the app opens.",
        epilog="The database is audits.db in your data folder unless --db or AUDIT_TUI_DB says "
               "otherwise; 'audit-tui where' shows every folder the tool uses.")
    parser.add_argument("--version", action="version", version=f"audit-tui {__version__}")
    parser.add_argument("--db", metavar="PATH_OR_URL",
                        help="the database file to use (overrides AUDIT_TUI_DB)")
    parser.add_argument("--templates", metavar="DIR", action="append", default=[],
                        type=Path, help="a further folder of templates (may be repeated)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("where", help="show where the database, templates and backups live")
    templates = commands.add_parser("templates", help="list or check audit templates")
    sub = templates.add_subparsers(dest="templates_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="every usable template, and every unusable one with its reason")
    check = sub.add_parser("check", help="check template files; exit 1 if any has a problem")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    backup = commands.add_parser("backup", help="copy the database to a backup file now")
    backup.add_argument("--out", type=Path, metavar="FILE",
                        help="where to write it (default: a dated file in the backups folder)")
    restore = commands.add_parser(
        "restore", help="replace the database with a backup (the current file is kept first)")
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    # Further commands register themselves here; each sets `handler`, a function of args that
    # imports what it needs only when it runs.
    from .reports.cli_commands import register as register_reports

    register_reports(commands)
    from .sync.cli_commands import register as register_sync

    register_sync(commands)
    from .server_cli import register as register_server

    register_server(commands)
    from .programme.cli_commands import register as register_programme

    register_programme(commands)
    return parser


def _catalog(args: argparse.Namespace):
    from .templates.loader import default_catalog

    return default_catalog(user_template_dir(), args.templates)


def cmd_where(args: argparse.Namespace) -> int:
    from .templates.loader import bundled_template_dir

    target = resolve_database(args.db)
    origin = {"default": "default", "--db": "from --db"}.get(target.origin,
                                                              f"from {target.origin}")
    rows = [
        ("Database", f"{target.describe()}  ({origin})"),
        ("Data folder", str(data_dir())),
        ("Backups", str(backup_dir())),
        ("Your templates", str(user_template_dir())),
        ("Bundled templates", str(bundled_template_dir())),
        ("Settings", str(settings_file())),
        ("Config folder", str(config_dir())),
    ]
    rows.extend(("Extra templates", str(d)) for d in args.templates)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    return EXIT_OK


def cmd_templates_list(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    usable = catalog.templates()
    if usable:
        header = ("KEY", "VERSION", "TITLE", "SECTIONS", "QUESTIONS", "FROM")
        rows = [(t.key, str(t.version), t.title, str(len(t.all_sections())),
                 str(t.question_count()), t.source_path) for t in usable]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
        for row in [header, *rows]:
            print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5]))
                  + "  " + row[5])
    else:
        print("No usable templates.")
    superseded = [e for e in catalog.entries if e.superseded_by is not None]
    for entry in superseded:
        print(f"\nNot used: {entry.path} (version {entry.template.version}) is replaced by "
              f"{entry.superseded_by}.")
    if catalog.unusable:
        print(f"\nUnusable templates ({len(catalog.unusable)}):")
        for entry in catalog.unusable:
            print(f"  {entry.path}")
            for problem in entry.problems:
                print(f"    {problem}")
    return EXIT_OK


def cmd_templates_check(args: argparse.Namespace) -> int:
    from .templates.loader import load_template

    bad = 0
    for path in args.files:
        result = load_template(path)
        if result.problems:
            bad += 1
            for problem in result.problems:
                print(problem)
        else:
            t = result.template
            print(f"{path}: ok: {t.key} version {t.version}, {len(t.all_sections())} sections, "
                  f"{t.question_count()} questions, {len(t.indicators())} indicators.")
    if bad:
        print(f"{bad} of {len(args.files)} file(s) have problems.", file=sys.stderr)
    return EXIT_PROBLEMS if bad else EXIT_OK


def _sqlite_path(args: argparse.Namespace, what: str) -> Path:
    from .db.probe import DatabaseProblem

    target = resolve_database(args.db)
    if target.path is None:
        raise DatabaseProblem(f"{what} works on a SQLite database file; "
                              f"{target.describe()} is a server. Back a server up with its own "
                              "tools (pg_dump, and pg_restore to put it back).")
    return target.path


def cmd_backup(args: argparse.Namespace) -> int:
    from .db.backup import manual_backup

    made = manual_backup(_sqlite_path(args, "backup"), args.out)
    print(f"Backed up to {made}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from .db.backup import restore
    from .db.opening import prepare

    db_path = _sqlite_path(args, "restore")
    if not args.yes:
        if not sys.stdin.isatty():
            print("audit-tui: restore replaces the database; add --yes to do it without a "
                  "prompt.", file=sys.stderr)
            return EXIT_ERROR
        answer = input(f"Replace {db_path} with {args.file}? The current file is kept in the "
                       "backups folder first. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was changed.")
            return EXIT_OK
    kept = restore(db_path, args.file)
    prepare(resolve_database(args.db))  # an older backup is brought up to date
    print(f"Restored {args.file} into {db_path}.")
    if kept is not None:
        print(f"The database as it was is kept at {kept}")
    return EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    from .db.opening import prepare

    target = resolve_database(args.db)
    prepare(target)
    from .locations import permission_warnings

    warnings = permission_warnings(target.path)
    from .app import AuditApp  # the UI is imported only now

    app = AuditApp(database=target, template_dirs=list(args.templates),
                   startup_warnings=warnings)
    app.run()
    return app.return_code or EXIT_OK


def main(argv: list[str] | None = None) -> int:
    from .literal import terminal_safe_streams

    if hasattr(os, "umask"):
        os.umask(0o077)  # every file we create (database, backups, exports) is the user's alone
    with terminal_safe_streams(sys):  # messages, and whatever a terminal shows: never obeyed
        args = _parser().parse_args(argv)
        if args.command is not None:
            return _run(args)
    return _run(args)  # the app: Textual draws stored text literally itself


def _run(args: argparse.Namespace) -> int:
    from .db.probe import DatabaseProblem

    try:
        handler = getattr(args, "handler", None)
        if handler is not None or args.command is not None:
            _stop_cleanly_when_told()
        if handler is not None:
            _wait_for_other_writers()
            return handler(args)
        if args.command == "where":
            return cmd_where(args)
        if args.command == "backup":
            return cmd_backup(args)
        if args.command == "restore":
            return cmd_restore(args)
        if args.command == "templates":
            if args.templates_command == "list":
                return cmd_templates_list(args)
            return cmd_templates_check(args)
        return cmd_app(args)
    except DatabaseProblem as exc:
        print(f"audit-tui: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # a file it could not read or write (a full disk, no permission)
        from .reports.safe import NotPlaced

        where = f": {exc.filename}" if exc.filename else ""
        said = str(exc) if isinstance(exc, NotPlaced) else f"{exc.strerror or exc}{where}."
        print(f"audit-tui: {said}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        if "sqlalchemy" not in sys.modules and "sqlite3" not in sys.modules:
            raise
        from .db.engine import is_busy, is_read_only_error

        refused = _refusal(args, exc)
        if refused:
            print(f"audit-tui: {refused} This command changed nothing.", file=sys.stderr)
            return EXIT_ERROR
        if is_read_only_error(exc):
            from .db.opening import read_only_sentence

            target = resolve_database(args.db)
            print(f"audit-tui: {read_only_sentence(target.path or Path(target.describe()))} "
                  "This command changed nothing.", file=sys.stderr)
            return EXIT_ERROR
        if not is_busy(exc):
            raise
        print(f"audit-tui: the database is busy: another program has been writing to it for "
              f"more than {LOCK_WAIT_S // 60} minutes. This command changed nothing; run it "
              "again when the other program has finished.", file=sys.stderr)
        return EXIT_ERROR


def _stop_cleanly_when_told() -> None:
    """A command told to stop (SIGTERM: a shutdown, a scheduler's time limit, `kill`) leaves as
    Ctrl+C does, through its own clean-up: a transaction rolled back, a half-written export's
    private folder removed, a helper process stopped. (Python's default is to die at once.)"""
    import signal

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    try:
        signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError, AttributeError):  # not the main thread, or no such signal
        pass


def _refusal(args: argparse.Namespace, exc: BaseException) -> str:
    """A shared server's refusal of the login's role, in one sentence ('' if `exc` is not)."""
    refusals = sys.modules.get("audit_tui.db.refusals")
    if refusals is not None and isinstance(exc, refusals.Refused):
        return str(exc)
    from .db.engine import is_refused, make_engine

    if not is_refused(exc):
        return ""
    from .db.refusals import refusal

    engine = make_engine(resolve_database(args.db).url)
    try:
        return str(refusal(exc, engine) or "")
    finally:
        engine.dispose()


LOCK_WAIT_S = 300  # how long a command waits for another program's write lock
LOCK_NOTE_EVERY_S = 15


def _wait_for_other_writers() -> None:
    """Commands wait (and say so) while another program holds the database's write lock."""
    from .db.engine import wait_for_locks

    told = [-LOCK_NOTE_EVERY_S]

    def notify(waited: float) -> None:
        if waited - told[0] >= LOCK_NOTE_EVERY_S:
            told[0] = waited
            print(f"audit-tui: another program is writing to the database; waiting for it "
                  f"({int(waited)} s so far, up to {LOCK_WAIT_S} s).", file=sys.stderr,
                  flush=True)

    wait_for_locks(LOCK_WAIT_S, notify)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
