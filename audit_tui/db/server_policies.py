"""The SQL of `audit-tui server setup` (PostgreSQL only): the privileges and row-level security
policies each group role gets. server_roles.py runs it; nothing here touches a database.

Four group roles, named `<prefix>_<role>` so several databases on one server keep theirs apart:

- auditor: creates audits; changes only their own drafts (and, on any audit, the actions
  assigned to them: `action.owner` is their login); reads their own audits and either every
  audit or their team's (`login_team`), as chosen at setup; writes history, answers and
  concerns only in their own name (`current_user`);
- moderator: reads submitted audits, adds moderations in their own name, never on an audit
  they created; acknowledges concerns;
- qa: reads and changes everything (imports bundles, resolves conflicts, reopens);
- reader: reads the report-level tables only (the facts: grades, indicators, counts), never an
  audit's free text.

Policies name `current_user`, so a login sees and changes the same rows through the tool and
through plain SQL. The facts of one audit are written only for audits the login may record
them for (its own, or for a moderator a submitted one); the running counts (fact_count) add
every audit up and carry no row-level policy.
"""

from __future__ import annotations

ROLES = ("auditor", "moderator", "qa", "reader")
READS = ("team", "all")

LABEL_TABLES = ("label_template", "label_grade", "label_criterion", "label_section",
                "label_question")
VIEWS = ("v_audit", "v_section_grade", "v_answer", "v_action", "v_indicator")
FACT_TABLES = ("fact_audit", "grade_fact", "indicator_result", "yes_no_fact", "fact_count")
AUDIT_FACTS = FACT_TABLES[:4]  # one audit's facts (fact_count adds every audit up)
# Tables holding an audit's own content, each with an audit_id.
CONTENT = ("answer", "repeat_row", "section_result")
AFTERWARDS = ("worker_conversation", "family_feedback")  # recorded on a submitted audit too
SYNC = ("sync_audit", "sync_conflict")
# Every table with row-level security (the others are granted whole).
RLS_TABLES = ("audit", *CONTENT, *AFTERWARDS, "action", "audit_event", "moderation",
              "escalation", *SYNC, "login_team", *AUDIT_FACTS)
WRITE = "SELECT, INSERT, UPDATE, DELETE"
ME = "current_user::text"
# The name the pre-filled answers of an allocated audit are written under (programme/prefill.py:
# state.PREFILLED): the case list's, not a person's; only on the auditor's own drafts.
FILLED = "'pre-filled from the case list'"
PROGRAMME = ("programme_import", "programme_case", "programme_sample", "programme_allocation")


def role_name(prefix: str, role: str) -> str:
    return f"{prefix}_{role}"


def _readable(alias_of_id: str) -> str:
    """The audit `alias_of_id` names is one the current login may read (audit's own RLS)."""
    return f"EXISTS (SELECT 1 FROM audit a WHERE a.id = {alias_of_id})"


def _own(alias_of_id: str, *, draft: bool) -> str:
    state = " AND a.status = 'draft'" if draft else ""
    return (f"EXISTS (SELECT 1 FROM audit a WHERE a.id = {alias_of_id} "
            f"AND a.created_by = {ME}{state})")


def grants(prefix: str) -> list[str]:
    """GRANT statements, one a line (GRANT is idempotent)."""
    auditor, moderator, qa, reader = (role_name(prefix, r) for r in ROLES)
    every = f"{auditor}, {moderator}, {qa}, {reader}"
    facts = ", ".join(FACT_TABLES)
    return [
        f"GRANT USAGE ON SCHEMA {{schema}} TO {every}",
        f"GRANT SELECT ON audit_tui_schema, server_setting, template_version TO {every}",
        f"GRANT SELECT ON {facts} TO {every}",
        f"GRANT {WRITE} ON {facts} TO {auditor}, {moderator}",
        f"GRANT INSERT ON template_version TO {auditor}",
        f"GRANT SELECT ON login_team TO {auditor}, {moderator}",
        f"GRANT {WRITE} ON audit, action, {', '.join(CONTENT + AFTERWARDS)} TO {auditor}",
        f"GRANT SELECT, INSERT ON audit_event, escalation TO {auditor}, {moderator}",
        f"GRANT SELECT ON moderation, {', '.join(SYNC)} TO {auditor}, {moderator}",
        f"GRANT SELECT ON audit, action, {', '.join(CONTENT + AFTERWARDS)} TO {moderator}",
        f"GRANT SELECT, INSERT, UPDATE ON moderation TO {moderator}",
        f"GRANT UPDATE ON escalation TO {moderator}",
        # the analysts' names (template titles, grade labels: nothing about a case) and
        # views (db/analyst_views.py: made with security_invoker, so the policies apply)
        f"GRANT SELECT ON {', '.join(LABEL_TABLES)}, v_meta TO {every}",
        f"GRANT INSERT ON {', '.join(LABEL_TABLES)} TO {auditor}, {moderator}",
        f"GRANT SELECT ON {', '.join(VIEWS)} TO {auditor}, {moderator}",
        # the audit programme (issue 15): QA runs it (every table, below); an auditor reads
        # it (their allocations, from their list) and starts an allocated audit
        f"GRANT SELECT ON {', '.join(PROGRAMME)} TO {auditor}, {moderator}",
        f"GRANT UPDATE (audit_id, updated_at) ON programme_allocation TO {auditor}",
        f"GRANT INSERT ON programme_history TO {auditor}",
        f"GRANT {WRITE} ON ALL TABLES IN SCHEMA {{schema}} TO {qa}",
    ]


def _assigned(id_column: str) -> str:
    """The audit `id_column` names has an action assigned to the current login. The set of
    such audits is read once a statement (not once a row), by a function that runs as its
    owner: it sees every action, where a policy on `action` would refer back to `audit`."""
    return f"{id_column} IN (SELECT {{schema}}.audit_tui_assigned({ME}))"


def audit_read(reads: str) -> str:
    """What an auditor reads of `audit`: their own, those with an action assigned to them,
    and every audit or their teams'."""
    if reads == "all":
        return "true"
    return (f"created_by = {ME} OR team IN "
            f"(SELECT lt.team FROM login_team lt WHERE lt.login = {ME}) "
            f"OR {_assigned('id')}")


def policies(prefix: str, reads: str) -> list[tuple[str, str, str, str, str | None, str | None]]:
    """(name, table, command, role, USING, WITH CHECK) for every policy."""
    auditor, moderator, qa, _ = (role_name(prefix, r) for r in ROLES)
    out: list[tuple[str, str, str, str, str | None, str | None]] = []
    for table in RLS_TABLES:
        out.append((f"audit_tui_qa_{table}", table, "ALL", qa, "true", "true"))
    assigned = _assigned("id")
    out += [
        ("audit_tui_auditor_read", "audit", "SELECT", auditor, audit_read(reads), None),
        ("audit_tui_auditor_create", "audit", "INSERT", auditor, None,
         f"created_by = {ME} AND status = 'draft'"),
        ("audit_tui_auditor_change", "audit", "UPDATE", auditor,
         f"created_by = {ME} OR {assigned}", f"created_by = {ME} OR {assigned}"),
        ("audit_tui_auditor_delete", "audit", "DELETE", auditor,
         f"created_by = {ME} AND status = 'draft'", None),
        ("audit_tui_moderator_read", "audit", "SELECT", moderator, "status <> 'draft'", None),
    ]
    for table in CONTENT + AFTERWARDS:
        draft = table in CONTENT
        who = {"answer": "updated_by", "worker_conversation": "recorded_by",
               "family_feedback": "recorded_by"}.get(table)
        if who == "updated_by":  # an answer pre-filled from the case list (issue 15)
            check = _own("audit_id", draft=draft) + f" AND ({who} = {ME} OR {who} = {FILLED})"
        else:
            check = _own("audit_id", draft=draft) + (f" AND {who} = {ME}" if who else "")
        out += [
            (f"audit_tui_auditor_read_{table}", table, "SELECT", auditor,
             _readable("audit_id"), None),
            (f"audit_tui_auditor_write_{table}", table, "ALL", auditor,
             _own("audit_id", draft=draft), check),
            (f"audit_tui_moderator_read_{table}", table, "SELECT", moderator,
             _readable("audit_id"), None),
        ]
    out += [
        ("audit_tui_auditor_read_action", "action", "SELECT", auditor,
         f"owner = {ME} OR {_readable('audit_id')}", None),
        ("audit_tui_auditor_add_action", "action", "INSERT", auditor, None,
         _own("audit_id", draft=True)),
        ("audit_tui_auditor_change_action", "action", "UPDATE", auditor,
         f"owner = {ME} OR {_own('audit_id', draft=False)}",
         f"owner = {ME} OR {_own('audit_id', draft=False)}"),
        ("audit_tui_auditor_remove_action", "action", "DELETE", auditor,
         _own("audit_id", draft=True), None),
        ("audit_tui_moderator_read_action", "action", "SELECT", moderator,
         _readable("audit_id"), None),
    ]
    # History: in their own name; an auditor on their own audits and those with an action
    # of theirs, a moderator on the audits they read (submitted ones).
    trails = {
        "auditor": (f"(who = {ME} OR who = {FILLED}) AND ({_own('audit_id', draft=False)} OR "
                    f"{_assigned('audit_id')})"),
        "moderator": f"who = {ME} AND {_readable('audit_id')}",
    }
    for role, label in ((auditor, "auditor"), (moderator, "moderator")):
        out += [
            (f"audit_tui_{label}_read_audit_event", "audit_event", "SELECT", role,
             _readable("audit_id"), None),
            (f"audit_tui_{label}_add_audit_event", "audit_event", "INSERT", role, None,
             trails[label]),
            (f"audit_tui_{label}_read_moderation", "moderation", "SELECT", role,
             _readable("audit_id"), None),
            (f"audit_tui_{label}_read_escalation", "escalation", "SELECT", role,
             _readable("audit_id"), None),
            (f"audit_tui_{label}_own_teams", "login_team", "SELECT", role, f"login = {ME}",
             None),
        ]
        for table in SYNC:
            out.append((f"audit_tui_{label}_read_{table}", table, "SELECT", role,
                        _readable("audit_id"), None))
    # One audit's facts: everyone reads them (they are the report's figures); an auditor
    # writes those of their own audits (submitting records them), a moderator those of the
    # submitted audits they read (moderating records them again).
    for table in AUDIT_FACTS:
        out += [(f"audit_tui_everyone_reads_{table}", table, "SELECT", "PUBLIC", "true", None),
                (f"audit_tui_auditor_records_{table}", table, "ALL", auditor,
                 _own("audit_id", draft=False), _own("audit_id", draft=False)),
                (f"audit_tui_moderator_records_{table}", table, "ALL", moderator,
                 _readable("audit_id"), _readable("audit_id"))]
    submitted_not_mine = ("EXISTS (SELECT 1 FROM audit a WHERE a.id = audit_id AND "
                          f"a.status = 'submitted' AND a.created_by <> {ME})")
    out += [
        ("audit_tui_auditor_raise", "escalation", "INSERT", auditor, None,
         f"raised_by = {ME} AND {_own('audit_id', draft=False)}"),
        ("audit_tui_moderator_raise", "escalation", "INSERT", moderator, None,
         f"raised_by = {ME} AND {_readable('audit_id')}"),
        ("audit_tui_moderator_acknowledge", "escalation", "UPDATE", moderator,
         _readable("audit_id"), f"acknowledged_by = {ME}"),
        ("audit_tui_moderator_moderate", "moderation", "INSERT", moderator, None,
         f"moderator = {ME} AND {submitted_not_mine}"),
        ("audit_tui_moderator_remoderate", "moderation", "UPDATE", moderator,
         submitted_not_mine, f"moderator = {ME} AND {submitted_not_mine}"),
    ]
    return out


def functions(prefix: str, schema: str) -> list[str]:
    """The helper function the policies call, and the guard on a submitted audit."""
    qa, auditor = role_name(prefix, "qa"), role_name(prefix, "auditor")
    return [
        f"""CREATE OR REPLACE FUNCTION {schema}.audit_tui_assigned(login text)
RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema} AS $$
  SELECT DISTINCT audit_id FROM action WHERE owner = login
$$""",
        f"REVOKE ALL ON FUNCTION {schema}.audit_tui_assigned(text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {schema}.audit_tui_assigned(text) TO {auditor}, "
        f"{role_name(prefix, 'moderator')}, {qa}",
        # Row-level security chooses rows, not columns: an auditor updating an audit that is
        # not their own draft (an action of theirs on it, or their own submitted audit) may
        # only move its change time and revision.
        f"""CREATE OR REPLACE FUNCTION {schema}.audit_tui_guard_audit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_has_role(current_user, '{qa}', 'MEMBER')
     OR NOT pg_has_role(current_user, '{auditor}', 'MEMBER') THEN
    RETURN NEW;
  END IF;
  IF OLD.status = 'draft' AND OLD.created_by = current_user::text
     AND NEW.created_by = current_user::text AND NEW.status IN ('draft', 'submitted') THEN
    RETURN NEW;
  END IF;
  IF (to_jsonb(OLD) - 'updated_at' - 'revision') = (to_jsonb(NEW) - 'updated_at' - 'revision')
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit-tui: an auditor changes only their own drafts'
    USING ERRCODE = '42501';
END
$$""",
        f"DROP TRIGGER IF EXISTS audit_tui_guard_audit ON {schema}.audit",
        f"CREATE TRIGGER audit_tui_guard_audit BEFORE UPDATE ON {schema}.audit "
        f"FOR EACH ROW EXECUTE FUNCTION {schema}.audit_tui_guard_audit()",
    ]
