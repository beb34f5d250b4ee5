"""`audit-tui bundle export | import | conflicts`: what the commands do, with their messages."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

EXIT_OK, EXIT_REFUSED, EXIT_ERROR = 0, 1, 2


def _fail(message: str) -> int:
    print(f"audit-tui: {message}", file=sys.stderr)
    return EXIT_ERROR


def _who(engine) -> str:
    """Who is importing or trusting: on a server the login it says (current_user), on a file
    the operating system's user."""
    if engine.dialect.name == "postgresql":
        from ..db.server_roles import identity

        return identity(engine)[0]
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment
        return ""


def _open(args, *, must_exist: bool):
    """The prepared engine and its DatabaseTarget (DatabaseProblem goes up to cli.main)."""
    from ..db.opening import open_engine, prepare
    from ..locations import resolve_database

    target = resolve_database(args.db)
    if must_exist and target.path is not None and not target.path.exists():
        return target, None
    prepare(target)
    return target, open_engine(target)


def database_errors() -> tuple[type[BaseException], ...]:
    """What the database (through SQLAlchemy, or a driver used directly) raises."""
    import sqlite3

    import sqlalchemy.exc

    found: list[type[BaseException]] = [sqlalchemy.exc.DBAPIError, sqlite3.Error]
    try:
        import psycopg

        found.append(psycopg.Error)
    except ImportError:  # no PostgreSQL driver: no server either
        pass
    return tuple(found)


def _database_error(target, exc: Exception, engine) -> int:
    from ..db.opening import server_problem
    from ..db.refusals import refusal

    refused = refusal(exc, engine)  # a role's refusal on a shared server, in words
    if refused is not None:
        return _fail(f"{refused} Nothing was changed.")

    if target.path is None:
        return _fail(str(server_problem(target, exc)))
    return _fail(f"The database {target.describe()} could not be used: "
                 f"{getattr(exc, 'orig', exc)}. Nothing was changed.")


def run_export(args) -> int:
    from ..dates import DateInputError, parse_date
    from ..reports.progress import Progress
    from .export import export_bundle

    try:
        since = parse_date(args.since) if args.since else None
    except DateInputError as exc:
        return _fail(f"--since: {exc}")
    out: Path = args.out
    if not out.parent.exists():
        return _fail(f"The folder {out.parent} does not exist.")
    if out.is_dir():
        return _fail(f"{out} is a folder; name a file for the bundle.")
    target, engine = _open(args, must_exist=True)
    if engine is None:
        return _fail(f"There is no database at {target.path}. Name one with --db.")
    try:
        with Progress("Exporting audits", 0) as progress:
            result = export_bundle(engine, out, since=since, status=args.status,
                                   progress=progress)
    except database_errors() as exc:
        return _database_error(target, exc, engine)
    except OSError as exc:
        return _fail(f"Cannot write {out}: {exc.strerror}. Nothing was exported.")
    finally:
        engine.dispose()
    c = result.counts
    print(f"Wrote {out}: {result.audits} audit{'s' if result.audits != 1 else ''} "
          f"({c['answers']} answers, {c['actions']} actions, {c['events']} history entries), "
          f"{result.templates} template version{'s' if result.templates != 1 else ''}. "
          f"Checksum {result.checksum[:16]}.", file=sys.stderr)
    return EXIT_OK


def describe(summary) -> str:
    s = summary
    text = (f"{s.path.name}: {s.audits} audit{'s' if s.audits != 1 else ''}: {s.new} new, "
            f"{s.updated} updated, {s.unchanged} unchanged, {s.conflicting} conflicting")
    if s.older:
        text += f", {s.older} older than what this database holds: skipped"
    if s.templates_added:
        text += (f"; {s.templates_added} template version"
                 f"{'s' if s.templates_added != 1 else ''} added")
    if s.allocations:
        text += f"; {s.allocations} programme allocation{'s' if s.allocations != 1 else ''} "
        text += "added or updated"
    text += "."
    if not s.changed_anything:
        text += " Nothing changed"
        text += (f": this bundle was imported before ({s.imported_before[:16]} UTC)."
                 if s.imported_before else ": everything in it is already here.")
    if s.signer is not None:
        text += f" Signed by {s.signer.name!r} ({s.signer.shown})."
    return text


def run_import(args) -> int:
    from ..reports.progress import Progress
    from .bundle_file import BundleRefused
    from .importer import import_bundle

    target, engine = _open(args, must_exist=False)
    refused = 0
    still = 0
    try:
        if engine.dialect.name == "postgresql":
            from ..db.server_roles import identity

            roles = identity(engine)[1]
            if roles and "qa" not in roles:  # the server would refuse it table by table
                return _fail(f"Your role ({', '.join(sorted(roles))}) cannot import bundles: "
                             "QA does. Nothing was imported.")
        for path in args.files:
            try:
                with Progress(f"Importing {path.name}", 0) as progress:
                    summary = import_bundle(engine, path, who=_who(engine), progress=progress,
                                            trust_new_signer=args.trust_new_signer)
            except BundleRefused as exc:
                refused += 1
                print(f"audit-tui: refused: {exc}", file=sys.stderr)
                continue
            except database_errors() as exc:
                return _database_error(target, exc, engine)
            if summary.newly_trusted:
                print(f"Now trusting {summary.signer.name!r}, key {summary.signer.shown}: "
                      "check this fingerprint with them.")
            print(describe(summary))
            still = summary.still_conflicting
    finally:
        engine.dispose()
    if still:
        print(f"{still} audit{'s have' if still != 1 else ' has'} conflicts to resolve: open "
              "the app and choose Conflicts (ctrl+p, 'Conflicts') to keep mine or theirs, "
              "field by field; 'audit-tui bundle conflicts' lists them.")
    if refused:
        total = len(args.files)
        print(f"{refused} of the {total} bundle{'s' if total != 1 else ''} "
              f"{'was' if refused == 1 else 'were'} refused"
              + ("; the others were imported." if refused < total else "."), file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def run_conflicts(args) -> int:
    from ..db.engine import read_only, session_scope
    from .resolve import list_conflicts

    target, engine = _open(args, must_exist=True)
    if engine is None:
        return _fail(f"There is no database at {target.path}. Name one with --db.")
    try:
        with session_scope(read_only(engine)) as session:
            found = list_conflicts(session=session)
    finally:
        engine.dispose()
    if not found:
        print("No conflicts: every imported audit agrees with this database.")
        return EXIT_OK
    for item in found:
        print(f"{item.case_reference}  {item.template}  {item.team}  ({item.status}, "
              f"{len(item.fields)} field{'s' if len(item.fields) != 1 else ''})  {item.audit_id}")
        for f in item.fields:
            print(f"  {f.label}")
            print(f"    mine:   {f.mine}")
            print(f"    theirs: {f.theirs}")
    print(f"{len(found)} audit{'s' if len(found) != 1 else ''} with conflicts. Resolve them in "
          "the app: Conflicts (keep mine / keep theirs).")
    return EXIT_OK


def run_key(args) -> int:
    from .signing import own_key, public_key_text, set_name

    if args.name is not None:
        name = " ".join(args.name.split())
        if not name or len(name) > 100 or not name.isprintable():
            return _fail("--name: give a name of 1 to 100 printable characters.")
        set_name(name)
    _, signer = own_key()
    print(f"Signer {signer.name!r}, key fingerprint {signer.shown}")
    if args.out is not None:
        if not args.out.parent.exists():
            return _fail(f"The folder {args.out.parent} does not exist.")
        try:
            args.out.write_text(public_key_text(signer), encoding="utf-8")
        except OSError as exc:
            return _fail(f"Cannot write {args.out}: {exc.strerror}.")
        print(f"Wrote the public key to {args.out}: give it to the QA team, who check the "
              "fingerprint with you before trusting it.")
    return EXIT_OK


def run_trust(args) -> int:
    from .signing import parse_fingerprint, read_public_key, show
    from .trust import trust

    name = " ".join(args.name.split())
    if not name or len(name) > 100 or not name.isprintable():
        return _fail("--name: give a name of 1 to 100 printable characters.")
    fingerprint = parse_fingerprint(args.key)
    public_key = None
    if fingerprint is None:
        path = Path(args.key)
        if not path.is_file():
            return _fail(f"{args.key} is neither a public key file nor a fingerprint (32 hex "
                         "digits, as 'audit-tui bundle key' shows them).")
        try:
            signer = read_public_key(path)
        except ValueError as exc:
            return _fail(f"{exc}.")
        fingerprint, public_key = signer.fingerprint, signer.public_key
    target, engine = _open(args, must_exist=False)
    try:
        with engine.begin() as conn:
            new = trust(conn, fingerprint=fingerprint, name=name, public_key=public_key,
                        who=_who(engine))
    except database_errors() as exc:
        return _database_error(target, exc, engine)
    finally:
        engine.dispose()
    print(f"{'Now trusting' if new else 'Already trusted; name updated:'} {name!r}, key "
          f"{show(fingerprint)}.")
    return EXIT_OK


def run_keys(args) -> int:
    from ..db.engine import read_only
    from .signing import own_key, show
    from .trust import trusted_keys

    target, engine = _open(args, must_exist=True)
    if engine is None:
        return _fail(f"There is no database at {target.path}. Name one with --db.")
    try:
        with read_only(engine).connect() as conn:
            found = trusted_keys(conn)
    finally:
        engine.dispose()
    mine = own_key(create=False)
    if mine is not None:
        print(f"{show(mine[1].fingerprint)}  {mine[1].name}  (this copy's own key)")
    for key in found:
        print(f"{show(key.fingerprint)}  {key.name}  (trusted by {key.trusted_by or '?'} "
              f"{key.trusted_at[:16]} UTC)")
    if not found:
        print("No other signers are trusted yet: 'audit-tui bundle trust FILE|FINGERPRINT "
              "--name NAME' adds one.")
    return EXIT_OK
