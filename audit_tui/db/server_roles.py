"""Roles on a shared PostgreSQL server: `audit-tui server setup`, `grant`, `revoke` and `roles`,
and who the connected login is and which roles it has.

Setup is run by an administrator (a login that owns the tables, or may create them, and may
create roles): it brings the schema up to date, creates the group roles `<prefix>_auditor`,
`_moderator`, `_qa` and `_reader` (the prefix keeps the roles of several databases on one
server apart; it is kept in `server_setting`), grants them what they may do and turns on the
row-level security policies of server_policies.py. Running it again changes nothing (it says
so); it replaces policies only when this version of the tool defines them differently.
Logins are the server's own: `grant` makes one (without a password; the administrator gives
it one with psql's \\password, or the server's own methods apply) and adds it to a role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import server_policies as sp
from .probe import DatabaseProblem

PREFIX_RE = re.compile(r"[a-z][a-z0-9_]{0,40}")
LOGIN_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}")
SETUP_LOCK = 0x41554455  # advisory lock: one setup at a time
DEFAULT_PREFIX = "audit"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def current_login(conn) -> str:
    return str(conn.exec_driver_sql("SELECT current_user").scalar())


def stored_settings(conn) -> dict[str, str]:
    """What setup chose ({} before setup, or before migration step 9)."""
    if conn.exec_driver_sql("SELECT to_regclass('server_setting')").scalar() is None:
        return {}
    return dict(conn.exec_driver_sql("SELECT name, value FROM server_setting").all())


def roles_of(conn) -> frozenset[str]:
    """The audit-tui roles ('auditor', 'moderator', 'qa', 'reader') the connected login has,
    directly or through another role; empty before setup, or for the administrator (who owns
    the tables and is bound by no policy)."""
    prefix = stored_settings(conn).get("prefix")
    if not prefix:
        return frozenset()
    names = [sp.role_name(prefix, r) for r in sp.ROLES]
    found = conn.exec_driver_sql(
        "SELECT rolname FROM pg_roles WHERE rolname = ANY(:names) "
        "AND pg_has_role(current_user, oid, 'MEMBER')", {"names": names}).scalars().all()
    if conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                            ).scalar():
        return frozenset()  # a superuser passes every policy: the administrator
    return frozenset(r for r in sp.ROLES if sp.role_name(prefix, r) in found)


PART_SCOPE = "only the audits your role reads (your team's and your own)"


def part_read_scope(conn) -> str:
    """On a shared server, where the connected login is an auditor who reads only their
    team's audits and their own (setup's `--auditors-read team`), a phrase saying so
    (PART_SCOPE); '' where the login reads every audit a report counts (a moderator, QA, an
    auditor on a server set up with `all`, the administrator, a file). Two small statements
    (whether setup has run, then the roles), and never an error for a role that is missing."""
    if conn.dialect.name != "postgresql":
        return ""
    if conn.exec_driver_sql("SELECT to_regclass('server_setting')").scalar() is None:
        return ""
    row = conn.exec_driver_sql(
        "SELECT bool_or(g.rolname = p.value || '_auditor') AND NOT "
        "bool_or(g.rolname <> p.value || '_auditor') FROM server_setting p "
        "JOIN server_setting r ON r.name = 'auditors_read' AND r.value = 'team' "
        "JOIN pg_roles g ON g.rolname IN (p.value || '_auditor', p.value || '_qa', "
        "p.value || '_moderator') AND pg_has_role(current_user, g.oid, 'MEMBER') "
        "WHERE p.name = 'prefix' GROUP BY p.value").first()
    return PART_SCOPE if row is not None and row[0] else ""


def identity(engine) -> tuple[str, frozenset[str]]:
    """Who the server says the connected login is, and its audit-tui roles."""
    with engine.connect() as conn:
        return current_login(conn), roles_of(conn)


def refuse_without_rights(conn, what: str) -> None:
    superuser, createrole = conn.exec_driver_sql(
        "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user").one()
    login = current_login(conn)
    if not (superuser or createrole):
        raise DatabaseProblem(
            f"{what} needs a PostgreSQL login that may create roles; {login} may not. Run it "
            "as the database's administrator (a login with CREATEROLE that owns the "
            "database, or postgres).")
    owner = conn.exec_driver_sql(
        "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
        "WHERE c.oid = to_regclass('audit')").scalar()
    if owner is False:
        raise DatabaseProblem(
            f"{what} must be run by the login that owns audit-tui's tables; {login} does not "
            "own them. Run it as that login (or postgres).")
    if owner is None and not conn.exec_driver_sql(
            "SELECT has_schema_privilege(current_schema(), 'CREATE')").scalar():
        raise DatabaseProblem(
            f"{what} cannot create audit-tui's tables: {login} may not create tables in this "
            "database's schema. Run it as the database's owner (or postgres).")


def _valid(pattern: re.Pattern, value: str, refusal: str) -> str:
    """`value` if it is a whole match of `pattern` (it goes into SQL as a name); else the
    refusal, a sentence."""
    if not pattern.fullmatch(value):
        raise DatabaseProblem(refusal)
    return value


def _check_prefix(prefix: str) -> str:
    return _valid(PREFIX_RE, prefix, f"--prefix {prefix!r} cannot name roles: use lower-case "
                  "letters, digits and _, starting with a letter (at most 41 characters).")


def check_login(login: str) -> str:
    return _valid(LOGIN_RE, login, f"{login!r} is not a login name audit-tui accepts: use "
                  "letters, digits, _ . @ and - (at most 63 characters).")


def state(conn, prefix: str) -> list[tuple]:
    """Everything setup decides, as rows to compare: roles, privileges, policies, the tables'
    row-level security, the helper functions and the settings."""
    names = [sp.role_name(prefix, r) for r in sp.ROLES]
    queries = [
        ("SELECT 'role', rolname, rolcanlogin::text FROM pg_roles "
         "WHERE rolname = ANY(:names) ORDER BY 2", {"names": names}),
        ("SELECT 'grant', grantee, table_name || ' ' || privilege_type "
         "FROM information_schema.role_table_grants WHERE table_schema = current_schema() "
         "AND grantee = ANY(:names) ORDER BY 2, 3", {"names": names}),
        ("SELECT 'policy', tablename || ' ' || policyname, concat_ws(' | ', cmd, "
         "roles::text, qual, with_check) FROM pg_policies "
         "WHERE schemaname = current_schema() ORDER BY 2", {}),
        ("SELECT 'rls', relname, (relrowsecurity)::text FROM pg_class "
         "WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' ORDER BY 2", {}),
        ("SELECT 'function', p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
         "WHERE p.pronamespace = current_schema()::regnamespace "
         "AND starts_with(p.proname, 'audit_tui_') ORDER BY 2", {}),
    ]
    rows: list[tuple] = []
    for sql, params in queries:
        found = conn.exec_driver_sql(sql, params) if params else conn.exec_driver_sql(sql)
        rows += [tuple(r) for r in found.all()]
    rows += [("setting", k, v) for k, v in sorted(stored_settings(conn).items())]
    return rows


@dataclass
class SetupResult:
    schema: str
    prefix: str
    reads: str
    changed: bool


def setup(engine, *, prefix: str | None = None, reads: str | None = None) -> SetupResult:
    """Roles, privileges and policies on a migrated schema (see the module's docstring)."""
    if prefix:
        _check_prefix(prefix)
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(?)", (SETUP_LOCK,))
        refuse_without_rights(conn, "audit-tui server setup")
        stored = stored_settings(conn)
        if prefix and stored.get("prefix") and prefix != stored["prefix"]:
            raise DatabaseProblem(
                f"This database was set up with --prefix {stored['prefix']}; its roles are "
                f"{stored['prefix']}_auditor and so on. Run setup with that prefix (or none).")
        prefix = prefix or stored.get("prefix") or DEFAULT_PREFIX
        reads = reads or stored.get("auditors_read") or "team"
        if reads not in sp.READS:
            raise DatabaseProblem(f"--auditors-read must be team or all, not {reads!r}.")
        schema = _quote(str(conn.exec_driver_sql("SELECT current_schema()").scalar()))
        before = state(conn, prefix)
        for role in sp.ROLES:
            name = sp.role_name(prefix, role)
            if not conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = ?",
                                        (name,)).first():
                conn.exec_driver_sql(f"CREATE ROLE {name} NOLOGIN")
        for sql in sp.grants(prefix):
            conn.exec_driver_sql(sql.format(schema=schema))
        for sql in sp.functions(prefix, schema):
            conn.exec_driver_sql(sql)
        wanted = sp.policies(prefix, reads)
        existing = {(t, p): (cmd, roles, qual, check) for t, p, cmd, roles, qual, check in
                    conn.exec_driver_sql(
                        "SELECT tablename, policyname, cmd, roles::text, qual, with_check "
                        "FROM pg_policies WHERE schemaname = current_schema() "
                        "AND starts_with(policyname, 'audit_tui_')").all()}
        for table in sp.RLS_TABLES:
            conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        names = {(table, name) for name, table, *_ in wanted}
        for table, name in existing.keys() - names:
            conn.exec_driver_sql(f"DROP POLICY {name} ON {table}")
        for name, table, command, role, using, check in wanted:
            conn.exec_driver_sql(f"DROP POLICY IF EXISTS {name} ON {table}")
            sql = f"CREATE POLICY {name} ON {table} FOR {command} TO {role}"
            if using is not None:
                sql += f" USING ({using.format(schema=schema)})"
            if check is not None:
                sql += f" WITH CHECK ({check.format(schema=schema)})"
            conn.exec_driver_sql(sql)
        for name, value in (("prefix", prefix), ("auditors_read", reads)):
            conn.exec_driver_sql(
                "INSERT INTO server_setting (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))
        changed = state(conn, prefix) != before
    return SetupResult(schema.strip('"'), prefix, reads, changed)


def _prefix_or_refuse(conn, what: str) -> str:
    prefix = stored_settings(conn).get("prefix")
    if not prefix:
        raise DatabaseProblem(f"{what}: this database has no audit-tui roles yet. Run "
                              "audit-tui server setup first.")
    return prefix


def grant(engine, login: str, role: str, *, teams: list[str] = ()) -> bool:
    """Give `login` the audit-tui `role` (making the login if the server has none by that
    name: True then); `teams` are the teams whose audits an auditor reads."""
    check_login(login)
    with engine.begin() as conn:
        refuse_without_rights(conn, "audit-tui server grant")
        prefix = _prefix_or_refuse(conn, "audit-tui server grant")
        made = not conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = ?",
                                        (login,)).first()
        if made:
            conn.exec_driver_sql(f"CREATE ROLE {_quote(login)} LOGIN")
        conn.exec_driver_sql(f"GRANT {sp.role_name(prefix, role)} TO {_quote(login)}")
        for team in teams:
            conn.exec_driver_sql(
                "INSERT INTO login_team (login, team) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (login, team.strip()))
    return made


def revoke(engine, login: str, role: str | None = None) -> list[str]:
    """Take `role` (every audit-tui role if None) from `login`; the roles taken."""
    check_login(login)
    with engine.begin() as conn:
        refuse_without_rights(conn, "audit-tui server revoke")
        prefix = _prefix_or_refuse(conn, "audit-tui server revoke")
        had = _members(conn, prefix).get(login, [])
        taken = [r for r in had if role is None or r == role]
        for r in taken:
            conn.exec_driver_sql(f"REVOKE {sp.role_name(prefix, r)} FROM {_quote(login)}")
        if "auditor" in taken:
            conn.exec_driver_sql("DELETE FROM login_team WHERE login = ?", (login,))
    return taken


def _members(conn, prefix: str) -> dict[str, list[str]]:
    names = {sp.role_name(prefix, r): r for r in sp.ROLES}
    rows = conn.exec_driver_sql(
        "SELECT m.rolname, g.rolname FROM pg_auth_members am "
        "JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member "
        "WHERE g.rolname = ANY(:names) ORDER BY 1, 2", {"names": list(names)}).all()
    out: dict[str, list[str]] = {}
    for member, group in rows:
        out.setdefault(member, []).append(names[group])
    return out


@dataclass
class Member:
    login: str
    roles: list[str]
    teams: list[str]


def members(engine) -> tuple[dict[str, str], list[Member]]:
    """The settings and every login with an audit-tui role, with its roles and teams."""
    with engine.connect() as conn:
        settings = stored_settings(conn)
        prefix = _prefix_or_refuse(conn, "audit-tui server roles")
        teams: dict[str, list[str]] = {}
        for login, team in conn.exec_driver_sql(
                "SELECT login, team FROM login_team ORDER BY 1, 2").all():
            teams.setdefault(login, []).append(team)
        found = [Member(login, roles, teams.get(login, []))
                 for login, roles in _members(conn, prefix).items()]
    return settings, found
