"""Roles on a shared PostgreSQL server (issue 17), as people meet them: the app's header and
keys for a role, another auditor's draft, a reader in the app, QA importing a bundle, and many
auditors writing at once with the policies on. The server fixture is in pg_roles.py; skipped
unless AUDIT_TUI_TEST_PG_URL is set."""

from __future__ import annotations

import threading

import pytest

from audit_tui.cli import main
from audit_tui.db import store
from audit_tui.db.engine import is_refused, make_engine, session_scope
from audit_tui.db.opening import prepare
from audit_tui.db.refusals import Refused

from .pg_roles import (  # noqa: F401 - server is a fixture
    DAY, answer, make_audit, run_sql, server, submit)


async def open_walk(app, pilot, audit_id: str) -> None:
    """Open `audit_id` in the app and wait until its walk has read it."""
    from audit_tui.screens.walk import WalkScreen

    app.open_audit(audit_id)
    for _ in range(200):
        if isinstance(app.screen, WalkScreen) and app.screen.info is not None:
            return
        await pilot.pause(0.05)


# -- many writers ------------------------------------------------------------------------------
def test_twelve_auditors_write_at_once_with_the_policies_on(server, example_template):
    logins = [server.login("auditor", f"Team {i % 3}") for i in range(12)]
    engines = [server.engine_for(n) for n in logins]
    audits = [make_audit(e, example_template, n, team=f"Team {i % 3}", ref=f"CH-{i}")
              for i, (n, e) in enumerate(zip(logins, engines))]
    errors: list[BaseException] = []
    start = threading.Barrier(len(logins))

    def write(i: int) -> None:
        try:
            start.wait()
            for n in range(20):
                answer(engines[i], audits[i], logins[i], f"answer {n} by {i}")
                with session_scope(engines[i]) as s:
                    store.save_section(session=s, audit_id=audits[i], section_key="s1",
                                       criterion="", who=logins[i], rationale=f"r{n}")
            # a neighbour's draft (same team or not) is refused every time
            other = (i + 3) % len(logins)
            try:
                answer(engines[i], audits[other], logins[i], "not mine")
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
    alice, dave = server.login("auditor", "North"), server.login("auditor", "North")
    mine = make_audit(server.engine_for(alice), example_template, alice)
    app = AuditApp(database=parse_database(server.url_for(dave), "--db"), warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_walk(app, pilot, mine)
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
    assert run_sql(server.admin, "SELECT count(*) FROM audit").scalar() == 0
    summary = import_bundle(server.engine_for(quinn), path, who=quinn, trust_new_signer=True)
    assert summary.new == 3
    assert run_sql(server.admin, "SELECT count(*) FROM answer").scalar() == 3
    assert run_sql(server.admin, "SELECT count(*) FROM fact_audit").scalar() == 1
    assert run_sql(server.admin, "SELECT count(*) FROM audit_event WHERE who LIKE ?",
                (f"%imported by {quinn}",)).scalar() >= 3


async def test_a_reader_in_the_app_is_told_what_the_role_reads(server, example_template):
    """The home screen says the role cannot read audits (never "no audits in this database
    yet", when there are), and so does the dashboard."""
    from textual.widgets import Static

    from audit_tui.app import AuditApp
    from audit_tui.locations import parse_database
    from audit_tui.screens.dashboard import DashboardScreen

    alice, rita = server.login("auditor", "North"), server.login("reader")
    make_audit(server.engine_for(alice), example_template, alice)
    app = AuditApp(database=parse_database(server.url_for(rita), "--db"), warm_up=False)
    sentence = "Your role (reader) cannot read audits: readers see the report figures only."

    def shown() -> str:
        return " ".join(str(w.render()) for w in app.screen.query(Static))

    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(200):
            if app.screen.loaded:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        home = str(app.screen.query_one("#welcome", Static).render())
        assert sentence in home and "no audits" not in home
        app.action_dashboard()
        for _ in range(200):
            if isinstance(app.screen, DashboardScreen) and sentence in shown():
                break
            await pilot.pause(0.05)
        assert sentence in shown() and "psycopg" not in shown()


async def test_a_submitted_audit_tells_an_auditor_who_reopens_it(server, example_template):
    """The read-only banner of a submitted audit names ctrl+o only for a role that has it: an
    auditor is told QA reopens it, and ctrl+o does nothing."""
    from textual.widgets import Static

    from audit_tui.app import AuditApp
    from audit_tui.locations import parse_database
    alice, dave = server.login("auditor", "North"), server.login("auditor", "North")
    theirs = make_audit(server.engine_for(alice), example_template, alice)
    answer(server.engine_for(alice), theirs, alice)
    submit(server.engine_for(alice), theirs, alice)
    app = AuditApp(database=parse_database(server.url_for(dave), "--db"), warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_walk(app, pilot, theirs)
        screen = app.screen
        await pilot.pause()
        banner = str(screen.query_one("#walk-banner", Static).render())
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.screen is screen  # no reason dialog
    assert "read-only; QA can reopen it with a reason." in banner and "ctrl+o" not in banner
