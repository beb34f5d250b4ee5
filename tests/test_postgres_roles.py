"""Roles on a shared PostgreSQL server (issue 17): `audit-tui server setup`, `grant`, `revoke`
and `roles`, and what each role's login may read and change, through the tool and through
plain SQL with the same login. The server fixture is in pg_roles.py (a schema and roles of each
test's own); skipped unless AUDIT_TUI_TEST_PG_URL is set."""

from __future__ import annotations

import pytest

from audit_tui.cli import main
from audit_tui.db import moderation, store
from audit_tui.db.engine import session_scope
from audit_tui.db.probe import DatabaseProblem
from audit_tui.db.refusals import Refused
from audit_tui.db.server_roles import identity, members, revoke, setup, state

from .pg_roles import (  # noqa: F401 - server is a fixture
    answer, make_audit, refused_sql, run_sql, server, submit)


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
    mine = make_audit(as_alice, example_template, alice)
    answer(as_alice, mine, alice)
    # Through the tool: the same team reads it, another team does not see it at all.
    with session_scope(as_dave) as s:
        assert [a.id for a in store.list_audits(session=s)] == [mine]
    with session_scope(as_carol) as s:
        assert store.list_audits(session=s) == []
        with pytest.raises(store.NotFound):
            store.get_audit(session=s, audit_id=mine)
    with pytest.raises(Refused, match=r"^Your role \(auditor\) cannot change this audit: an "
                                      r"auditor changes only their own drafts"):
        answer(as_dave, mine, dave, "changed by dave")
    with pytest.raises(Refused, match=r"Your role \(auditor\) cannot change this audit"):
        with session_scope(as_dave) as s:
            store.set_overall(session=s, audit_id=mine, who=dave, grade=1)
    # Through plain SQL with the same logins.
    assert run_sql(as_carol, "SELECT count(*) FROM audit").scalar() == 0
    assert run_sql(as_carol, "SELECT count(*) FROM answer").scalar() == 0
    assert run_sql(as_carol, "UPDATE audit SET team = 'South'").rowcount == 0
    assert run_sql(as_dave, "UPDATE answer SET text = 'x'").rowcount == 0
    assert run_sql(as_dave, "DELETE FROM audit").rowcount == 0
    refused_sql(as_dave, "INSERT INTO audit_event (id, audit_id, at, who, what) "
                          "VALUES ('e1', ?, now(), ?, 'forged')", (mine, dave))
    refused_sql(as_dave, "INSERT INTO audit (id, template_key, template_version, "
                          "template_hash, case_reference, audit_date, created_at, updated_at, "
                          "created_by) SELECT 'a2', template_key, template_version, "
                          "template_hash, 'CH-2', audit_date, now(), now(), ? FROM audit",
                 (alice,))
    # Her own submitted audit is no longer hers to change, by the tool or by SQL.
    submit(as_alice, mine, alice)
    with session_scope(as_alice) as s:
        with pytest.raises(store.AuditLocked):
            store.set_overall(session=s, audit_id=mine, who=alice, grade=1)
    text = refused_sql(as_alice, "UPDATE audit SET overall_grade = 1")
    assert "only their own drafts" in text
    refused_sql(as_alice, "UPDATE audit SET status = 'draft'")
    assert run_sql(as_alice, "UPDATE answer SET text = 'x'").rowcount == 0
    with session_scope(server.admin) as s:
        audit = store.get_audit(session=s, audit_id=mine)
        assert (audit.status, audit.overall_grade, audit.team) == ("submitted", None, "North")
        assert [a.text for a in store.answers_for(session=s, audit_id=mine)] == ["seen"]


def test_auditors_read_every_audit_when_setup_says_all(server, example_template):
    alice, carol = server.login("auditor", "North"), server.login("auditor", "South")
    mine = make_audit(server.engine_for(alice), example_template, alice)
    as_carol = server.engine_for(carol)
    assert run_sql(as_carol, "SELECT count(*) FROM audit").scalar() == 0
    setup(server.admin, reads="all")
    assert run_sql(as_carol, "SELECT id FROM audit").scalars().all() == [mine]
    assert run_sql(as_carol, "UPDATE audit SET team = 'South'").rowcount == 0


def test_an_action_assigned_to_an_auditor_is_theirs_to_follow_up(server, example_template):
    alice, dave = server.login("auditor", "North"), server.login("auditor", "South")
    as_alice, as_dave = server.engine_for(alice), server.engine_for(dave)
    mine = make_audit(as_alice, example_template, alice)
    with session_scope(as_alice) as s:
        ours = store.add_action(session=s, audit_id=mine, who=alice, description="Visit",
                                owner=dave).id
        hers = store.add_action(session=s, audit_id=mine, who=alice, description="Plan",
                                owner=alice).id
    submit(as_alice, mine, alice)
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
    mine = make_audit(as_alice, example_template, login)
    answer(as_alice, mine, login)
    with session_scope(server.admin) as s:
        assert {e.who for e in store.history(session=s, audit_id=mine)} == {alice}
        assert store.get_audit(session=s, audit_id=mine).created_by == alice
        assert {a.updated_by for a in store.answers_for(session=s, audit_id=mine)} == {alice}
    # A name the laptop declares is refused: by the tool and by SQL.
    with pytest.raises(Refused):
        answer(as_alice, mine, "someone-else", "again")
    refused_sql(as_alice, "INSERT INTO audit_event (id, audit_id, at, who, what) "
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
    draft = make_audit(as_alice, example_template, alice, ref="CH-D")
    done = make_audit(as_alice, example_template, alice, ref="CH-S")
    with session_scope(as_alice) as s:
        store.set_overall(session=s, audit_id=done, who=alice, grade=2)
    submit(as_alice, done, alice)
    assert run_sql(as_bob, "SELECT id FROM audit").scalars().all() == [done]
    with session_scope(as_bob) as s:
        moderation.record(session=s, audit_id=done, section_key="", who=bob)
    with session_scope(as_bob) as s:
        with pytest.raises(store.NotFound):  # a draft is not theirs to read
            store.get_audit(session=s, audit_id=draft)
    assert "permission denied" in refused_sql(as_bob, "UPDATE audit SET overall_grade = 1")
    text = refused_sql(as_bob, "DELETE FROM answer")
    assert "permission denied" in text
    refused_sql(as_bob, "UPDATE moderation SET moderator = 'someone-else'")
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
    mine = make_audit(as_alice, example_template, alice)
    submit(as_alice, mine, alice)
    assert run_sql(as_quinn, "SELECT count(*) FROM audit").scalar() == 1
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
    mine = make_audit(as_alice, example_template, alice)
    answer(as_alice, mine, alice)
    with session_scope(as_alice) as s:
        store.set_overall(session=s, audit_id=mine, who=alice, grade=2)
        store.submit(session=s, audit_id=mine, who=alice)
        record_facts(session=s, audit_id=mine)
    for table in ("fact_audit", "grade_fact", "fact_count"):
        assert run_sql(as_rita, f"SELECT count(*) FROM {table}").scalar() > 0, table
    # Everyone reads the figures; only the audit's own auditor (or QA) rewrites its facts.
    assert run_sql(as_carol, "SELECT count(*) FROM fact_audit").scalar() == 1
    assert run_sql(as_carol, "DELETE FROM fact_audit").rowcount == 0
    assert run_sql(as_carol, "UPDATE grade_fact SET grade = 1").rowcount == 0
    refused_sql(as_carol, "INSERT INTO grade_fact (audit_id, section_key, criterion, scale, "
                           "grade, band) VALUES (?, 'x', 'c', 's', 1, 'good')", (mine,))
    refused_sql(as_rita, "DELETE FROM fact_audit")
    for table in ("audit", "answer", "section_result", "action", "audit_event", "moderation",
                  "worker_conversation", "family_feedback", "escalation", "sync_conflict"):
        assert "permission denied" in refused_sql(as_rita, f"SELECT * FROM {table}")
    refused_sql(as_rita, "INSERT INTO fact_count (dim, dim_value, kind, month, key, value, "
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
        # (back to before step 9, the roles': the steps after it run again, unchanged)
        conn.exec_driver_sql("UPDATE audit_tui_schema SET version = 8")
        conn.exec_driver_sql("DROP TABLE server_setting CASCADE")
        conn.exec_driver_sql("ALTER TABLE audit DROP COLUMN created_by CASCADE")
        conn.exec_driver_sql("DROP TABLE login_team CASCADE")
    assert main(["--db", server.url_for(alice), "report"]) == 2
    err = capsys.readouterr().err
    assert "needs an update" in err and "ask your administrator to run audit-tui server " \
                                        "setup" in err and "Traceback" not in err
    assert main(["--db", server.url, "server", "setup"]) == 0  # the administrator migrates
    assert main(["--db", server.url_for(alice), "report"]) == 0


def test_an_auditor_s_report_says_which_audits_its_moderations_count(server, example_template):
    """The grades are report-level figures every role reads; the moderations only those of
    the audits the login reads. An auditor of one team is told so in the report; a moderator
    and QA, who read every moderated audit, are not."""
    from audit_tui.db.server_roles import PART_SCOPE
    from audit_tui.reports.aggregate import summary
    from audit_tui.reports.writers_text import heading

    alice, eve = server.login("auditor", "North"), server.login("auditor", "South")
    bob, quinn = server.login("moderator"), server.login("qa")
    for who, team in ((alice, "North"), (eve, "South")):
        engine = server.engine_for(who)
        audit_id = make_audit(engine, example_template, who, team=team, ref=f"CH-{team}")
        with session_scope(engine) as s:
            store.set_overall(session=s, audit_id=audit_id, who=who, grade=2)
        submit(engine, audit_id, who)
        with session_scope(server.engine_for(bob)) as s:
            moderation.record(session=s, audit_id=audit_id, section_key="", who=bob)
    found = {}
    for who in (alice, bob, quinn):
        with server.engine_for(who).connect() as conn:
            found[who] = summary(conn=conn)
    assert found[alice].audits == found[bob].audits == 2
    assert (found[alice].moderated, found[bob].moderated, found[quinn].moderated) == (1, 2, 2)
    assert found[alice].moderation_scope == PART_SCOPE
    assert found[bob].moderation_scope == found[quinn].moderation_scope == ""
    said = " ".join(heading(found[alice]))
    assert f"the moderations and concerns below count {PART_SCOPE}" in said
    assert "count only" not in " ".join(heading(found[bob]))
