"""`audit-tui server ...`: roles on a shared PostgreSQL server (db/server_roles.py does the
work; this module parses arguments and prints)."""

from __future__ import annotations

import argparse

from .db.server_policies import READS, ROLES

EXIT_OK = 0


def register(commands) -> None:
    server = commands.add_parser(
        "server", help="roles on a shared PostgreSQL server (for its administrator)",
        description="Set up and grant the roles of a shared PostgreSQL server: auditor, "
                    "moderator, qa and reader. Run by the database's administrator.")
    sub = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    setup = sub.add_parser(
        "setup", help="update the schema, create the roles and their row-level security "
                      "(run once, and again after each upgrade; running it twice is safe)")
    setup.add_argument("--prefix", help="the roles' prefix, so several databases on one "
                                        "server keep theirs apart (default: audit, giving "
                                        "audit_auditor, audit_qa, ...)")
    setup.add_argument("--auditors-read", dest="reads", choices=READS,
                       help="which audits an auditor reads besides their own: their team's "
                            "(the default) or all")
    setup.set_defaults(handler=_setup)
    grant = sub.add_parser("grant", help="give a login a role (making the login if needed)")
    grant.add_argument("login", metavar="LOGIN")
    grant.add_argument("--role", required=True, choices=ROLES)
    grant.add_argument("--team", action="append", default=[], metavar="TEAM",
                       help="a team whose audits this auditor reads (may be repeated)")
    grant.set_defaults(handler=_grant)
    revoke = sub.add_parser("revoke", help="take a role (or every role) from a login")
    revoke.add_argument("login", metavar="LOGIN")
    revoke.add_argument("--role", choices=ROLES, help="only this role (default: every role)")
    revoke.set_defaults(handler=_revoke)
    roles = sub.add_parser("roles", help="list who has which role")
    roles.set_defaults(handler=_roles)


def _engine(args: argparse.Namespace):
    from .db.engine import make_engine
    from .db.probe import DatabaseProblem
    from .locations import resolve_database

    target = resolve_database(args.db)
    if target.path is not None:
        raise DatabaseProblem(
            f"audit-tui server works on a PostgreSQL server; {target.describe()} is a SQLite "
            "file, which has one user and no roles. Give --db a postgresql:// URL.")
    return target, make_engine(target.url)


def _on_server(args: argparse.Namespace, work) -> int:
    """Run `work(target, engine)`, turning a server's error into one sentence."""
    import sqlalchemy.exc

    from .db.opening import server_problem

    target, engine = _engine(args)
    try:
        return work(target, engine)
    except sqlalchemy.exc.DBAPIError as exc:
        raise server_problem(target, exc) from None
    finally:
        engine.dispose()


def _setup(args: argparse.Namespace) -> int:
    def work(target, engine) -> int:
        from .db.opening import prepare_server
        from .db.server_policies import role_name
        from .db.server_roles import refuse_without_rights, setup

        with engine.connect() as conn:  # before the schema is touched
            refuse_without_rights(conn, "audit-tui server setup")
        prepare_server(target)
        done = setup(engine, prefix=args.prefix, reads=args.reads)
        roles = ", ".join(role_name(done.prefix, r) for r in ROLES)
        reads = ("every audit" if done.reads == "all" else "their team's audits")
        if not done.changed:
            print(f"Nothing changed: {target.describe()} (schema {done.schema}) was already "
                  f"set up, with the roles {roles}; auditors read {reads} and their own.")
            return EXIT_OK
        print(f"Set up {target.describe()} (schema {done.schema}): the roles {roles}, and "
              f"row-level security on the audit tables. Auditors read {reads} and their own "
              f"(--auditors-read {done.reads}).")
        print("Next, give each person's login a role: audit-tui server grant LOGIN --role "
              "auditor --team TEAM")
        return EXIT_OK
    return _on_server(args, work)


def _grant(args: argparse.Namespace) -> int:
    def work(target, engine) -> int:
        from .db.server_roles import grant

        made = grant(engine, args.login, args.role, teams=args.team)
        if made:
            print(f"Made the login {args.login} (no password yet: set one with psql's "
                  f"\\password {args.login}, or use the server's own sign-in).")
        teams = f", reading the audits of {', '.join(args.team)}" if args.team else ""
        print(f"{args.login} has the role {args.role}{teams}.")
        return EXIT_OK
    return _on_server(args, work)


def _revoke(args: argparse.Namespace) -> int:
    def work(target, engine) -> int:
        from .db.server_roles import revoke

        taken = revoke(engine, args.login, args.role)
        if not taken:
            print(f"{args.login} had no audit-tui role{' ' + args.role if args.role else ''}: "
                  "nothing changed.")
        else:
            print(f"{args.login} no longer has the role{'s' if len(taken) > 1 else ''} "
                  f"{', '.join(taken)}.")
        return EXIT_OK
    return _on_server(args, work)


def _roles(args: argparse.Namespace) -> int:
    def work(target, engine) -> int:
        from .db.server_roles import members

        settings, found = members(engine)
        print(f"Roles {settings['prefix']}_*; auditors read "
              f"{'every audit' if settings.get('auditors_read') == 'all' else 'their team'}"
              "'s audits and their own.")
        if not found:
            print("No login has a role yet: audit-tui server grant LOGIN --role ROLE")
            return EXIT_OK
        rows = [("LOGIN", "ROLES", "TEAMS")] + [
            (m.login, ", ".join(m.roles), ", ".join(m.teams) or "-") for m in found]
        widths = [max(len(r[i]) for r in rows) for i in range(2)]
        for row in rows:
            print(f"{row[0].ljust(widths[0])}  {row[1].ljust(widths[1])}  {row[2]}")
        return EXIT_OK
    return _on_server(args, work)
