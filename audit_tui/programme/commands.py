"""`audit-tui programme ...`: what the commands do, with their messages."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """Bad input on the command line: one sentence, exit 2."""


def fail(message: str) -> int:
    print(f"audit-tui: {message}", file=sys.stderr)
    return EXIT_ERROR


def who(args) -> str:
    if getattr(args, "who", None):
        return args.who.strip()
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment
        return ""


def open_engine(args):
    from ..db.opening import open_engine as _open, prepare
    from ..locations import resolve_database

    target = resolve_database(args.db)
    prepare(target)
    return _open(target)


def rules():
    from ..locations import settings_file
    from ..settings import load_settings
    from .rules import RuleError, load_rules

    try:
        return load_rules(load_settings(settings_file()))
    except RuleError as exc:
        raise UsageError(str(exc)) from None


def guarded(run):
    """A command's function with its usage errors turned into one sentence and exit 2."""
    def wrapper(args) -> int:
        try:
            return run(args)
        except UsageError as exc:
            return fail(str(exc))
    return wrapper


def _mapping(args, rules):
    from .columns import BY_KEY
    from .reader import Mapping

    headers = dict(rules.columns)
    for item in args.column or []:
        key, sep, header = item.partition("=")
        key = key.strip()
        if not sep or not header.strip():
            raise UsageError(f"--column {item!r} should be KEY=HEADER, for example "
                             "case_reference=\"Child ID\".")
        if key not in BY_KEY:
            raise UsageError(f"--column: '{key}' is not a column key; the keys are "
                             f"{', '.join(sorted(BY_KEY))}.")
        headers[key] = header.strip()
    if args.list is None and not args.column and args.file.suffix.lower() != ".csv":
        return None  # an Annex A workbook: every sheet named "List N"
    if args.list is None:
        raise UsageError(f"{args.file.name} is a plain case list: say which list it is with "
                         "--list (for example --list 8).")
    return Mapping(list_name=args.list.strip(), headers=headers)


def run_import(args) -> int:
    from .importer import file_hash, store_lists
    from .reader import CaseListError, read_csv, read_workbook

    path: Path = args.file
    if not path.is_file():
        raise UsageError(f"There is no file at {path}.")
    current = rules()
    mapping = _mapping(args, current)
    print(f"Reading {path.name}...", file=sys.stderr, flush=True)  # a large list takes seconds
    try:
        if path.suffix.lower() == ".csv":
            lists, skipped = [read_csv(path, mapping, extra=current.extra_columns)], []
        else:
            lists, skipped = read_workbook(path, extra=current.extra_columns, mapping=mapping)
    except CaseListError as exc:
        raise UsageError(str(exc)) from None
    for line in skipped:
        print(line)
    problems = 0
    for parsed in lists:
        print(f"Sheet '{parsed.sheet}' (list {parsed.list_name}): {parsed.rows_read} rows, "
              f"{len(parsed.rows)} cases.")
        found = ", ".join(f"{label} ('{header}')" if header != label else label
                          for label, header in parsed.found.items())
        print(f"  Columns found: {found or 'none'}.")
        if parsed.missing:
            print(f"  Columns not found: {', '.join(parsed.missing)}.")
        if parsed.names_skipped:
            print(f"  Name columns, never read: {', '.join(parsed.names_skipped)}.")
        for problem in parsed.problems:
            print(f"  {problem}")
        problems += len(parsed.problems)
    if not any(parsed.rows for parsed in lists):
        raise UsageError(f"{path.name} holds no case list that could be read; nothing was "
                         "imported.")
    engine = open_engine(args)
    with engine.begin() as conn:
        result = store_lists(conn, lists, file_name=path.name, checksum=file_hash(path),
                             who=who(args))
    if result.already is not None:
        print(f"This file was imported on {result.already:%d/%m/%Y at %H:%M} (UTC); nothing "
              "changed.")
        return EXIT_OK
    print(f"Imported: {result.total('new')} new, {result.total('updated')} updated, "
          f"{result.total('unchanged')} unchanged cases.")
    if problems:
        print(f"{problems} problem(s) above: those cells or rows were left out.")
    return EXIT_PROBLEMS if problems else EXIT_OK
