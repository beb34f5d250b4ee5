"""Roles on a shared PostgreSQL server (issue 17): `audit-tui server setup` and `grant`, and what
each role's login may read and change, through the tool and through plain SQL with the same
login.

Each test gets a schema of its own and roles with a prefix of its own (roles are server-wide
objects), all dropped afterwards. Skipped unless AUDIT_TUI_TEST_PG_URL is set; the CI role
needs CREATEROLE (.ci/run gives it)."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import date

import pytest
import sqlalchemy as sa

from audit_tui.cli import main
from audit_tui.db import moderation, store
from audit_tui.db.engine import is_refused, make_engine, session_scope
from audit_tui.db.opening import prepare
from audit_tui.db.probe import DatabaseProblem
from audit_tui.db.refusals import Refused
from audit_tui.db.server_roles import grant, identity, members, revoke, setup, state

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


def _audit(engine, template, who: str, team: str = "North", ref: str = "CH-1") -> str:
    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=template, case_reference=ref,
                                   audit_date=DAY, who=who, team=team, auditor=who)
        return audit.id


def _answer(engine, audit_id: str, who: str, text: str = "seen") -> None:
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="voice", who=who,
                          text=text)


def _submit(engine, audit_id: str, who: str) -> None:
    with session_scope(engine) as s:
        store.submit(session=s, audit_id=audit_id, who=who)


def _sql(engine, statement: str, params=()) -> sa.CursorResult:
    with engine.begin() as conn:
        return conn.exec_driver_sql(statement, params)


def _refused_sql(engine, statement: str, params=()) -> str:
    with pytest.raises(sa.exc.DBAPIError) as caught:
        _sql(engine, statement, params)
    assert caught.value.orig.sqlstate == "42501", caught.value
    return str(caught.value.orig)


# -- setup -----------------------------------------------------------------------------------
def test_setup_twice_changes_nothing(server, capsys):
    with server.admin.connect() as conn:
        before = state(conn, server.prefix)
    assert any(row[0] == "policy" for row in before)
    again = setup(server.admin)
    assert again.changed is False and again.prefix == server.prefix and again.reads == "team"
    assert main(["--db", server.url, "server", "setup"]) == 0
    assert "Nothing changed" in capsys.readouterr().out
    with server.admin.connect() as conn:
        assert state(conn, server.prefix) == before
    # A different choice is a change, and choosing the first again restores it exactly.
    assert setup(server.admin, reads="all").changed is True
    assert setup(server.admin, reads="team").changed is True
    with server.admin.connect() as conn:
        assert state(conn, server.prefix) == before


def test_setup_refuses_a_login_without_the_rights(server, capsys):
    alice = server.login("auditor", "North")
    assert main(["--db", server.url_for(alice), "server", "setup"]) == 2
    err = capsys.readouterr().err
    assert "may create roles" in err and alice in err and "Traceback" not in err
    assert main(["--db", server.url_for(alice), "server", "grant", "x1", "--role", "qa"]) == 2
    assert "may create roles" in capsys.readouterr().err


def test_server_commands_refuse_a_file_and_bad_names(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "a.db"), "server", "setup"]) == 2
    assert "is a SQLite file, which has one user and no roles" in capsys.readouterr().err
    assert not (tmp_path / "a.db").exists()


def test_grant_refuses_a_name_that_is_not_a_login(server, capsys):
    assert main(["--db", server.url, "server", "grant", 'x"; DROP TABLE audit; --',
                 "--role", "qa"]) == 2
    assert "is not a login name audit-tui accepts" in capsys.readouterr().err
    with pytest.raises(DatabaseProblem, match="cannot name roles"):
        setup(server.admin, prefix="Bad-Prefix")


def test_setup_keeps_its_prefix(server):
    with pytest.raises(DatabaseProblem, match="was set up with --prefix"):
        setup(server.admin, prefix="otherprefix")


def test_grant_revoke_and_roles(server, capsys):
    alice = server.login("auditor", "North", "East")
    bob = server.login("moderator")
    assert main(["--db", server.url, "server", "roles"]) == 0
    out = capsys.readouterr().out
    assert alice in out and "East, North" in out and bob in out and "moderator" in out
    _, found = members(server.admin)
    assert {m.login: m.roles for m in found} == {alice: ["auditor"], bob: ["moderator"]}
    assert identity(server.engine_for(alice)) == (alice, frozenset({"auditor"}))
    assert revoke(server.admin, alice) == ["auditor"]
    assert identity(server.engine_for(alice)) == (alice, frozenset())
    assert revoke(server.admin, alice) == []
    _, found = members(server.admin)
    assert [m.login for m in found] == [bob]


# -- auditors ----------------------------------------------------------------------------------
def test_an_auditor_reads_own_and_team_audits_and_changes_only_own_drafts(
        server, example_template):
    alice, dave, carol = (server.login("auditor", "North"), server.login("auditor", "North"),
                          server.login("auditor", "South"))
    as_alice, as_dave, as_carol = (server.engine_for(n) for n in (alice, dave, carol))
    mine = _audit(as_alice, example_template, alice)
    _answer(as_alice, mine, alice)
    # Through the tool: the same team reads it, another team does not see it at all.
    with session_scope(as_dave) as s:
        assert [a.id for a in store.list_audits(session=s)] == [mine]
    with session_scope(as_carol) as s:
        assert store.list_audits(session=s) == []
        with pytest.raises(store.NotFound):
            store.get_audit(session=s, audit_id=mine)
    with pytest.raises(Refused, match=r"^Your role \(auditor\) cannot change this audit: an "
                                      r"auditor changes only their own drafts"):
        _answer(as_dave, mine, dave, "changed by dave")
    with pytest.raises(Refused, match=r"Your role \(auditor\) cannot change this audit"):
        with session_scope(as_dave) as s:
            store.set_overall(session=s, audit_id=mine, who=dave, grade=1)
    # Through plain SQL with the same logins.
    assert _sql(as_carol, "SELECT count(*) FROM audit").scalar() == 0
    assert _sql(as_carol, "SELECT count(*) FROM answer").scalar() == 0
    assert _sql(as_carol, "UPDATE audit SET team = 'South'").rowcount == 0
    assert _sql(as_dave, "UPDATE answer SET text = 'x'").rowcount == 0
    assert _sql(as_dave, "DELETE FROM audit").rowcount == 0
    _refused_sql(as_dave, "INSERT INTO audit_event (id, audit_id, at, who, what) "
                          "VALUES ('e1', ?, now(), ?, 'forged')", (mine, dave))
    _refused_sql(as_dave, "INSERT INTO audit (id, template_key, template_version, "
                          "template_hash, case_reference, audit_date, created_at, updated_at, "
                          "created_by) SELECT 'a2', template_key, template_version, "
                          "template_hash, 'CH-2', audit_date, now(), now(), ? FROM audit",
                 (alice,))
    # Her own submitted audit is no longer hers to change, by the tool or by SQL.
    _submit(as_alice, mine, alice)
    with session_scope(as_alice) as s:
        with pytest.raises(store.AuditLocked):
            store.set_overall(session=s, audit_id=mine, who=alice, grade=1)
    text = _refused_sql(as_alice, "UPDATE audit SET overall_grade = 1")
    assert "only their own drafts" in text
    _refused_sql(as_alice, "UPDATE audit SET status = 'draft'")
    assert _sql(as_alice, "UPDATE answer SET text = 'x'").rowcount == 0
    with session_scope(server.admin) as s:
        audit = store.get_audit(session=s, audit_id=mine)
        assert (audit.status, audit.overall_grade, audit.team) == ("submitted", None, "North")
        assert [a.text for a in store.answers_for(session=s, audit_id=mine)] == ["seen"]


def test_auditors_read_every_audit_when_setup_says_all(server, example_template):
    alice, carol = server.login("auditor", "North"), server.login("auditor", "South")
    mine = _audit(server.engine_for(alice), example_template, alice)
    as_carol = server.engine_for(carol)
    assert _sql(as_carol, "SELECT count(*) FROM audit").scalar() == 0
    setup(server.admin, reads="all")
    assert _sql(as_carol, "SELECT id FROM audit").scalars().all() == [mine]
    assert _sql(as_carol, "UPDATE audit SET team = 'South'").rowcount == 0


def test_an_action_assigned_to_an_auditor_is_theirs_to_follow_up(server, example_template):
    alice, dave = server.login("auditor", "North"), server.login("auditor", "South")
    as_alice, as_dave = server.engine_for(alice), server.engine_for(dave)
    mine = _audit(as_alice, example_template, alice)
    with session_scope(as_alice) as s:
        ours = store.add_action(session=s, audit_id=mine, who=alice, description="Visit",
                                owner=dave).id
        hers = store.add_action(session=s, audit_id=mine, who=alice, description="Plan",
                                owner=alice).id
    _submit(as_alice, mine, alice)
    with session_scope(as_dave) as s:
        store.update_action(session=s, action_id=ours, who=dave, status="done")
    with pytest.raises(Refused, match=r"Your role \(auditor\) cannot"):
        with session_scope(as_dave) as s:
            store.update_action(session=s, action_id=hers, who=dave, status="done")
    with session_scope(server.admin) as s:
        done = {a.id: a.status for a in store.actions_for(session=s, audit_id=mine)}
        assert done == {ours: "done", hers: "open"}
        trail = [(e.who, e.what) for e in store.history(session=s, audit_id=mine)]
        assert (dave, "action status") in trail


# -- identity ----------------------------------------------------------------------------------
def test_the_trail_records_the_login_and_refuses_another_name(server, example_template):
    alice = server.login("auditor", "North")
    as_alice = server.engine_for(alice)
    login, _ = identity(as_alice)
    assert login == alice
    mine = _audit(as_alice, example_template, login)
    _answer(as_alice, mine, login)
    with session_scope(server.admin) as s:
        assert {e.who for e in store.history(session=s, audit_id=mine)} == {alice}
        assert store.get_audit(session=s, audit_id=mine).created_by == alice
        assert {a.updated_by for a in store.answers_for(session=s, audit_id=mine)} == {alice}
    # A name the laptop declares is refused: by the tool and by SQL.
    with pytest.raises(Refused):
        _answer(as_alice, mine, "someone-else", "again")
    _refused_sql(as_alice, "INSERT INTO audit_event (id, audit_id, at, who, what) "
                           "VALUES ('e2', ?, now(), 'someone-else', 'x')", (mine,))


def test_the_app_shows_the_login_the_server_says(server):
    from audit_tui.locations import parse_database
    from audit_tui.services import Services

    alice = server.login("auditor", "North")
    services = Services(parse_database(server.url_for(alice), "--db"))
    try:
        services.engine()
        assert services.user == alice and services.roles == {"auditor"}
        assert services.who() == f"{alice} (auditor)"
        assert services.may("new_audit") and not services.may("reopen")
        assert not services.may("moderation_queue")
    finally:
        services.close()


# -- moderators, QA, readers -------------------------------------------------------------------
def test_a_moderator_reads_submitted_audits_and_moderates_in_their_own_name(
        server, example_template):
    alice, bob = server.login("auditor", "North"), server.login("moderator")
    as_alice, as_bob = server.engine_for(alice), server.engine_for(bob)
    draft = _audit(as_alice, example_template, alice, ref="CH-D")
    done = _audit(as_alice, example_template, alice, ref="CH-S")
    with session_scope(as_alice) as s:
        store.set_overall(session=s, audit_id=done, who=alice, grade=2)
    _submit(as_alice, done, alice)
    assert _sql(as_bob, "SELECT id FROM audit").scalars().all() == [done]
    with session_scope(as_bob) as s:
        moderation.record(session=s, audit_id=done, section_key="", who=bob)
    with session_scope(as_bob) as s:
        with pytest.raises(store.NotFound):  # a draft is not theirs to read
            store.get_audit(session=s, audit_id=draft)
    assert "permission denied" in _refused_sql(as_bob, "UPDATE audit SET overall_grade = 1")
    text = _refused_sql(as_bob, "DELETE FROM answer")
    assert "permission denied" in text
    _refused_sql(as_bob, "UPDATE moderation SET moderator = 'someone-else'")
    # Another auditor of the team, who reads the audit, cannot moderate it.
    dave = server.login("auditor", "North")
    with pytest.raises(Refused, match=r"^Your role \(auditor\) cannot change moderations\.$"):
        with session_scope(server.engine_for(dave)) as s:
            moderation.record(session=s, audit_id=done, section_key="", who=dave, grade=1,
                              comment="mine")


def test_qa_reads_everything_and_reopens_with_a_reason(server, example_template):
    from audit_tui.db.lifecycle import reopen_audit

    alice, quinn = server.login("auditor", "North"), server.login("qa")
    as_alice, as_quinn = server.engine_for(alice), server.engine_for(quinn)
    mine = _audit(as_alice, example_template, alice)
    _submit(as_alice, mine, alice)
    assert _sql(as_quinn, "SELECT count(*) FROM audit").scalar() == 1
    with pytest.raises(Refused, match=r"Your role \(auditor\) cannot change this audit"):
        with session_scope(as_alice) as s:
            reopen_audit(session=s, audit_id=mine, who=alice, reason="mine")
    with session_scope(as_quinn) as s:
        reopen_audit(session=s, audit_id=mine, who=quinn, reason="grade unclear")
    with session_scope(server.admin) as s:
        assert store.get_audit(session=s, audit_id=mine).status == "draft"


def test_a_reader_reads_only_report_level_tables(server, example_template):
    from audit_tui.db.facts import record_facts

    alice, rita = server.login("auditor", "North"), server.login("reader")
    carol = server.login("auditor", "South")
    as_alice, as_rita, as_carol = (server.engine_for(n) for n in (alice, rita, carol))
    mine = _audit(as_alice, example_template, alice)
    _answer(as_alice, mine, alice)
    with session_scope(as_alice) as s:
        store.set_overall(session=s, audit_id=mine, who=alice, grade=2)
        store.submit(session=s, audit_id=mine, who=alice)
        record_facts(session=s, audit_id=mine)
    for table in ("fact_audit", "grade_fact", "fact_count"):
        assert _sql(as_rita, f"SELECT count(*) FROM {table}").scalar() > 0, table
    # Everyone reads the figures; only the audit's own auditor (or QA) rewrites its facts.
    assert _sql(as_carol, "SELECT count(*) FROM fact_audit").scalar() == 1
    assert _sql(as_carol, "DELETE FROM fact_audit").rowcount == 0
    assert _sql(as_carol, "UPDATE grade_fact SET grade = 1").rowcount == 0
    _refused_sql(as_carol, "INSERT INTO grade_fact (audit_id, section_key, criterion, scale, "
                           "grade, band) VALUES (?, 'x', 'c', 's', 1, 'good')", (mine,))
    _refused_sql(as_rita, "DELETE FROM fact_audit")
    for table in ("audit", "answer", "section_result", "action", "audit_event", "moderation",
                  "worker_conversation", "family_feedback", "escalation", "sync_conflict"):
        assert "permission denied" in _refused_sql(as_rita, f"SELECT * FROM {table}")
    _refused_sql(as_rita, "INSERT INTO fact_count (dim, dim_value, kind, month, key, value, "
                          "band, n) VALUES ('a', 'b', 'c', 'd', 'e', 'f', 'g', 1)")
    with pytest.raises(Refused, match=r"^Your role \(reader\) cannot read audits: readers see the report figures "
                                      r"only\.$"):
        with session_scope(as_rita) as s:
            store.list_audits(session=s)


def test_a_login_without_a_role_is_told_to_ask(server, capsys):
    nobody = server.login(None)
    assert main(["--db", server.url_for(nobody), "report"]) == 2
    err = capsys.readouterr().err
    assert f"Your login {nobody} has no audit-tui role" in err
    assert f"audit-tui server grant {nobody} --role ROLE" in err and "Traceback" not in err


# -- migrations --------------------------------------------------------------------------------
def test_a_login_that_may_not_migrate_is_told_to_ask_the_administrator(server, capsys):
    alice = server.login("auditor", "North")
    with server.admin.begin() as conn:  # as if this version of the tool were newer
        conn.exec_driver_sql("UPDATE audit_tui_schema SET version = version - 1")
        conn.exec_driver_sql("DROP TABLE server_setting CASCADE")
        conn.exec_driver_sql("ALTER TABLE audit DROP COLUMN created_by CASCADE")
        conn.exec_driver_sql("DROP TABLE login_team CASCADE")
    assert main(["--db", server.url_for(alice), "report"]) == 2
    err = capsys.readouterr().err
    assert "needs an update" in err and "ask your administrator to run audit-tui server " \
                                        "setup" in err and "Traceback" not in err
    assert main(["--db", server.url, "server", "setup"]) == 0  # the administrator migrates
    assert main(["--db", server.url_for(alice), "report"]) == 0


# -- many writers ------------------------------------------------------------------------------
def test_twelve_auditors_write_at_once_with_the_policies_on(server, example_template):
    logins = [server.login("auditor", f"Team {i % 3}") for i in range(12)]
    engines = [server.engine_for(n) for n in logins]
    audits = [_audit(e, example_template, n, team=f"Team {i % 3}", ref=f"CH-{i}")
              for i, (n, e) in enumerate(zip(logins, engines))]
    errors: list[BaseException] = []
    start = threading.Barrier(len(logins))

    def write(i: int) -> None:
        try:
            start.wait()
            for n in range(20):
                _answer(engines[i], audits[i], logins[i], f"answer {n} by {i}")
                with session_scope(engines[i]) as s:
                    store.save_section(session=s, audit_id=audits[i], section_key="s1",
                                       criterion="", who=logins[i], rationale=f"r{n}")
            # a neighbour's draft (same team or not) is refused every time
            other = (i + 3) % len(logins)
            try:
                _answer(engines[i], audits[other], logins[i], "not mine")
                errors.append(AssertionError(f"{logins[i]} changed {logins[other]}'s audit"))
            except Refused:
                pass
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(len(logins))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    with session_scope(server.admin) as s:
        for i, audit_id in enumerate(audits):
            assert [a.text for a in store.answers_for(session=s, audit_id=audit_id)] == \
                [f"answer 19 by {i}"]
            trail = store.history(session=s, audit_id=audit_id)
            assert {e.who for e in trail} == {logins[i]}
            assert sum(e.what == "answer voice" for e in trail) == 20


async def test_the_header_says_who_and_a_role_sees_only_its_keys(server):
    from textual.widgets import Header

    from audit_tui.app import AuditApp
    from audit_tui.locations import parse_database
    from audit_tui.screens.home import HomeScreen

    alice = server.login("auditor", "North")
    app = AuditApp(database=parse_database(server.url_for(alice), "--db"))
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(200):  # the preload opens the database after the list is drawn
            if app.services.roles:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        header = app.screen.query_one(Header)
        shown = str(app.format_title(header.screen_title, header.screen_sub_title))
        assert shown == f"audit-tui — Audits · {alice} (auditor)"
        assert app.check_action("new_audit", ()) and not app.check_action("conflicts", ())
        assert not app.screen.check_action("moderation_queue", ())
        await pilot.press("f6", "f7")  # the moderation queue and conflicts: not an auditor's
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        shown_keys = {b.binding.action for b in app.screen.active_bindings.values()
                      if b.enabled}
        assert "new_audit" in shown_keys and "moderation_queue" not in shown_keys


async def test_another_auditors_draft_opens_read_only(server, example_template):
    from textual.widgets import Static

    from audit_tui.app import AuditApp
    from audit_tui.locations import parse_database
    from audit_tui.screens.walk import WalkScreen

    alice, dave = server.login("auditor", "North"), server.login("auditor", "North")
    mine = _audit(server.engine_for(alice), example_template, alice)
    app = AuditApp(database=parse_database(server.url_for(dave), "--db"), warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_audit(mine)
        for _ in range(200):
            if isinstance(app.screen, WalkScreen) and app.screen.info is not None:
                break
            await pilot.pause(0.05)
        screen = app.screen
        assert screen.read_only and not screen.check_action("reopen", ())
        banner = str(screen.query_one("#walk-banner", Static).render())
        assert banner.startswith("Another auditor's draft — read-only")


def test_qa_imports_a_bundle_and_an_auditor_may_not(server, example_template, tmp_path,
                                                    capsys):
    """QA's import goes through the row-level security it is subject to (COPY cannot: rows are
    inserted instead); an auditor's import is refused, in a sentence on the command line and
    by the server itself through the library, with nothing written."""
    from audit_tui.sync.export import export_bundle
    from audit_tui.sync.importer import import_bundle

    from audit_tui.locations import parse_database

    lite = make_engine(f"sqlite:///{tmp_path / 'laptop.db'}")
    prepare(parse_database(str(tmp_path / "laptop.db"), "--db"))
    for n in range(3):
        with session_scope(lite) as s:
            audit = store.create_audit(session=s, template=example_template,
                                       case_reference=f"CH-{n}", audit_date=DAY, who="ann",
                                       team="North")
            store.save_answer(session=s, audit_id=audit.id, question_key="child_seen_alone",
                              who="ann", choice="yes")
            if n == 0:  # a submitted one: the import works out its facts
                store.submit(session=s, audit_id=audit.id, who="ann")
    path = tmp_path / "laptop.bundle"
    export_bundle(lite, path, status="all")
    lite.dispose()
    alice, quinn = server.login("auditor", "North"), server.login("qa")
    assert main(["--db", server.url_for(alice), "bundle", "import", str(path),
                 "--trust-new-signer"]) == 2
    assert capsys.readouterr().err == ("audit-tui: Your role (auditor) cannot import bundles: "
                                       "QA does. Nothing was imported.\n")
    # Through the library (or SQL) the server itself refuses the auditor, in a sentence.
    with pytest.raises(Exception) as caught:  # (the driver's error: the bulk rows use it)
        import_bundle(server.engine_for(alice), path, who=alice, trust_new_signer=True)
    assert is_refused(caught.value)
    assert _sql(server.admin, "SELECT count(*) FROM audit").scalar() == 0
    summary = import_bundle(server.engine_for(quinn), path, who=quinn, trust_new_signer=True)
    assert summary.new == 3
    assert _sql(server.admin, "SELECT count(*) FROM answer").scalar() == 3
    assert _sql(server.admin, "SELECT count(*) FROM fact_audit").scalar() == 1
    assert _sql(server.admin, "SELECT count(*) FROM audit_event WHERE who LIKE ?",
                (f"%imported by {quinn}",)).scalar() >= 3


async def test_a_reader_in_the_app_is_told_what_the_role_reads(server):
    from textual.widgets import Static

    from audit_tui.app import AuditApp
    from audit_tui.locations import parse_database
    from audit_tui.screens.dashboard import DashboardScreen

    rita = server.login("reader")
    app = AuditApp(database=parse_database(server.url_for(rita), "--db"), warm_up=False)
    sentence = "Your role (reader) cannot read audits: readers see the report figures only."

    def shown() -> str:
        return " ".join(str(w.render()) for w in app.screen.query(Static))

    async with app.run_test(size=(100, 30)) as pilot:
        app.action_dashboard()
        for _ in range(200):
            if isinstance(app.screen, DashboardScreen) and sentence in shown():
                break
            await pilot.pause(0.05)
        assert sentence in shown() and "psycopg" not in shown()
