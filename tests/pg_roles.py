"""The shared-server fixture of the roles tests (issue 17): a schema of its own set up with
`audit-tui server setup` under a prefix of its own, logins made on demand with a role, and
everything (schema, group roles, logins) dropped afterwards: roles are server-wide objects,
so tests running side by side never share one. Skipped unless AUDIT_TUI_TEST_PG_URL is set;
the test login needs CREATEROLE (.ci/run gives it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

import pytest
import sqlalchemy as sa

from audit_tui.db import store
from audit_tui.db.engine import make_engine, session_scope
from audit_tui.db.opening import prepare
from audit_tui.db.server_roles import grant, setup

from .conftest import pg_url, with_search_path

DAY = date(2025, 3, 14)


@dataclass
class Server:
    base: str
    schema: str
    prefix: str
    url: str  # the administrator's (the CI role, which owns the schema)
    admin: sa.Engine
    logins: list[str] = field(default_factory=list)
    engines: list[sa.Engine] = field(default_factory=list)

    def url_for(self, login: str) -> str:
        return with_search_path(
            sa.engine.make_url(self.base).set(username=login).render_as_string(
                hide_password=False), self.schema)

    def login(self, role: str | None, *teams: str) -> str:
        """A new login with `role` (None: a login with no audit-tui role)."""
        name = f"{self.prefix}_{role or 'none'}_{len(self.logins)}"
        self.logins.append(name)
        if role is None:
            with self.admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
        else:
            grant(self.admin, name, role, teams=list(teams))
        return name

    def engine_for(self, login: str) -> sa.Engine:
        engine = make_engine(self.url_for(login))
        self.engines.append(engine)
        return engine


@pytest.fixture
def server():
    base = pg_url()
    if not base:
        pytest.skip("AUDIT_TUI_TEST_PG_URL is not set")
    root = make_engine(base)
    tag = uuid.uuid4().hex[:10]
    schema, prefix = f"r_{tag}", f"t{tag}"
    with root.begin() as conn:
        if not conn.exec_driver_sql("SELECT rolcreaterole OR rolsuper FROM pg_roles "
                                    "WHERE rolname = current_user").scalar():
            pytest.fail("the test login needs CREATEROLE (see .ci/run)")
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = with_search_path(base, schema)
    from audit_tui.locations import parse_database

    prepare(parse_database(url, "--db"))
    admin = make_engine(url)
    setup(admin, prefix=prefix, reads="team")
    found = Server(base, schema, prefix, url, admin)
    try:
        yield found
    finally:
        for engine in [*found.engines, admin]:
            engine.dispose()
        with root.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            for name in [*found.logins, *(f"{prefix}_{r}" for r in
                                          ("auditor", "moderator", "qa", "reader"))]:
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
        root.dispose()


def make_audit(engine, template, who: str, team: str = "North", ref: str = "CH-1") -> str:
    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=template, case_reference=ref,
                                   audit_date=DAY, who=who, team=team, auditor=who)
        return audit.id


def answer(engine, audit_id: str, who: str, text: str = "seen") -> None:
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="voice", who=who,
                          text=text)


def submit(engine, audit_id: str, who: str) -> None:
    with session_scope(engine) as s:
        store.submit(session=s, audit_id=audit_id, who=who)


def run_sql(engine, statement: str, params=()) -> sa.CursorResult:
    with engine.begin() as conn:
        return conn.exec_driver_sql(statement, params)


def refused_sql(engine, statement: str, params=()) -> str:
    with pytest.raises(sa.exc.DBAPIError) as caught:
        run_sql(engine, statement, params)
    assert caught.value.orig.sqlstate == "42501", caught.value
    return str(caught.value.orig)

