"""The analysts' views on a shared server with roles (issue 14 with issue 17): the views are
`security_invoker`, so a login reads through them only what row-level security lets it read
in the tables; a reader (report-level tables only) is refused them; an auditor's submission
labels its template. Skipped without AUDIT_TUI_TEST_PG_URL."""

from __future__ import annotations

from audit_tui.db import facts
from audit_tui.db.engine import session_scope

from .pg_roles import make_audit, refused_sql, run_sql, server, submit  # noqa: F401


def test_the_views_read_what_the_login_may_read(server, example_template):  # noqa: F811
    alice, dave, carol = (server.login("auditor", "North"), server.login("auditor", "North"),
                          server.login("auditor", "South"))
    reader = server.login("reader")
    as_alice, as_dave, as_carol, as_reader = (server.engine_for(n)
                                              for n in (alice, dave, carol, reader))
    mine = make_audit(as_alice, example_template, alice)
    submit(as_alice, mine, alice)
    with session_scope(as_alice) as s:  # (the facts, as submitting records them, as alice)
        facts.record_facts(session=s, audit_id=mine)
    assert run_sql(server.admin, "SELECT count(*) FROM v_audit").scalar() == 1
    assert run_sql(as_dave, "SELECT count(*) FROM v_audit").scalar() == 1  # her team
    assert run_sql(as_carol, "SELECT count(*) FROM v_audit").scalar() == 0  # another team
    assert run_sql(as_carol, "SELECT count(*) FROM v_section_grade").scalar() == 0
    assert run_sql(as_carol, "SELECT count(*) FROM v_answer").scalar() == 0
    refused_sql(as_reader, "SELECT count(*) FROM v_audit")
    # the auditor's submission labelled the template (her login may write the labels)
    assert run_sql(as_alice, "SELECT count(*) FROM label_template WHERE template_key = ?",
                   (example_template.key,)).scalar() == 1
