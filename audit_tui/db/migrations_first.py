"""Migration steps 1 to 3: the first schema, the report facts, bundles and shared servers
(migrations.py runs them; steps 4 to 6 are in migrations_middle.py, 7 on in
migrations_later.py).
Each step is frozen: it says exactly what it built on the day it was written and is never
edited afterwards."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def step_1(conn: Connection) -> None:
    """The first schema: audits, answers, sections, actions, history, template versions."""
    md = sa.MetaData()
    fk = lambda target: sa.ForeignKey(target, ondelete="CASCADE")  # noqa: E731
    sa.Table(
        "template_version", md,
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("stored_at", sa.DateTime, nullable=False),
        sa.Index("ix_template_version_key", "key", "version"),
    )
    sa.Table(
        "audit", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("template_key", sa.String(100), nullable=False),
        sa.Column("template_version", sa.Integer, nullable=False),
        sa.Column("template_hash", sa.String(64), sa.ForeignKey("template_version.hash"),
                  nullable=False),
        sa.Column("case_reference", sa.String(100), nullable=False),
        sa.Column("team", sa.String(200), nullable=False, server_default=""),
        sa.Column("service_area", sa.String(200), nullable=False, server_default=""),
        sa.Column("social_worker", sa.String(200), nullable=False, server_default=""),
        sa.Column("auditor", sa.String(200), nullable=False, server_default=""),
        sa.Column("audit_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("overall_grade", sa.Integer),
        sa.Column("overall_rationale", sa.Text, nullable=False, server_default=""),
        sa.Column("answered_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("required_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("resume_at", sa.String(200), nullable=False, server_default=""),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("submitted_at", sa.DateTime),
        # The home screen (drafts first, latest change first) and the reports' filters.
        sa.Index("ix_audit_status_updated", "status", "updated_at"),
        sa.Index("ix_audit_team_date", "team", "audit_date"),
        sa.Index("ix_audit_template_date", "template_key", "audit_date"),
        sa.Index("ix_audit_date", "audit_date"),
        sa.Index("ix_audit_auditor_date", "auditor", "audit_date"),
        sa.Index("ix_audit_case_reference", "case_reference"),
    )
    sa.Table(
        "answer", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), fk("audit.id"), nullable=False),
        sa.Column("question_key", sa.String(100), nullable=False),
        sa.Column("row_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("grade", sa.Integer),
        sa.Column("choice", sa.Text),
        sa.Column("choices", sa.Text),
        sa.Column("text", sa.Text),
        sa.Column("date_value", sa.Date),
        sa.Column("number_value", sa.Float),
        sa.Column("not_applicable", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("evidence", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False, server_default=""),
        # One answer per audit, question and repeat row; also serves "answers of an audit".
        sa.UniqueConstraint("audit_id", "question_key", "row_id", name="uq_answer_slot"),
        # Reports over one question across audits (yes/no shares, grades by question).
        sa.Index("ix_answer_question", "question_key"),
    )
    sa.Table(
        "repeat_row", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), fk("audit.id"), nullable=False),
        sa.Column("group_key", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Index("ix_repeat_row_audit", "audit_id", "group_key", "position"),
    )
    sa.Table(
        "section_result", md,
        sa.Column("audit_id", sa.String(36), fk("audit.id"), primary_key=True),
        sa.Column("section_key", sa.String(100), primary_key=True),
        sa.Column("criterion", sa.String(100), nullable=False, server_default=""),
        sa.Column("grade", sa.Integer),
        sa.Column("rationale", sa.Text, nullable=False, server_default=""),
        sa.Column("not_applicable", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("na_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        # Grades by criterion: the reports' main figure.
        sa.Index("ix_section_result_criterion", "criterion", "grade"),
    )
    sa.Table(
        "action", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), fk("audit.id"), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False, server_default=""),
        sa.Column("due_date", sa.Date),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("completed_date", sa.Date),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Index("ix_action_audit", "audit_id"),
        sa.Index("ix_action_status_due", "status", "due_date"),
        sa.Index("ix_action_owner", "owner"),
    )
    sa.Table(
        "audit_event", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), fk("audit.id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("who", sa.String(200), nullable=False, server_default=""),
        sa.Column("what", sa.String(200), nullable=False),
        sa.Column("old_value", sa.Text),
        sa.Column("new_value", sa.Text),
        sa.Index("ix_audit_event_audit", "audit_id", "at"),
    )
    md.create_all(conn)
    if conn.dialect.name == "sqlite":
        # History is append-only: an UPDATE of a history row is refused by the database itself.
        conn.exec_driver_sql(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'audit history is append-only'); END")


# The dimensions the reports' running counts (`fact_count`) are kept by: '' is every audit.
_FACT_DIMS_SQL = ("(SELECT '' AS dim UNION ALL SELECT 'team' UNION ALL SELECT 'service_area' "
                  "UNION ALL SELECT 'template' UNION ALL SELECT 'auditor')")
_FACT_DIM_VALUE_SQL = ("CASE d.dim WHEN '' THEN '' WHEN 'team' THEN f.team "
                       "WHEN 'service_area' THEN f.service_area "
                       "WHEN 'template' THEN f.template_key ELSE f.auditor END")


def step_2(conn: Connection) -> None:
    """Facts for the QA team's figures (issue 4), written when an audit is submitted and removed
    when it is reopened, so the figures never scan every answer:
    - fact_audit: one row per submitted audit with the dimensions it was counted under;
    - grade_fact: the overall grade (section_key '' and criterion '') and every graded
      section's grade with its band on the template's scale ('good', 'neither', 'inadequate',
      'na' for does not apply). Like yes_no_fact, it has no index but its key (audit first):
      figures read it audit by audit, and the running counts answer the unfiltered ones;
    - indicator_result: every computed timescale, one per repeat row (met is NULL: no data);
    - yes_no_fact: every visible yes/no answer;
    - fact_count: running counts by month and by one dimension (all, team, service area,
      template, auditor), kept in step by the facts code and, for actions, by triggers.
    """
    md = sa.MetaData()
    fk = lambda target: sa.ForeignKey(target, ondelete="CASCADE")  # noqa: E731
    existing = sa.Table("audit", md, sa.Column("id", sa.String(36), primary_key=True))
    sa.Table(
        "fact_audit", md,
        sa.Column("audit_id", sa.String(36), fk("audit.id"), primary_key=True),
        sa.Column("template_key", sa.String(100), nullable=False),
        sa.Column("team", sa.String(200), nullable=False, server_default=""),
        sa.Column("service_area", sa.String(200), nullable=False, server_default=""),
        sa.Column("auditor", sa.String(200), nullable=False, server_default=""),
        sa.Column("audit_date", sa.Date, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Index("ix_fact_audit_date", "audit_date"),
        sa.Index("ix_fact_audit_team", "team", "audit_date"),
        sa.Index("ix_fact_audit_service_area", "service_area", "audit_date"),
        sa.Index("ix_fact_audit_template", "template_key", "audit_date"),
        sa.Index("ix_fact_audit_auditor", "auditor", "audit_date"),
        sqlite_with_rowid=False,
    )
    sa.Table(
        "grade_fact", md,
        sa.Column("audit_id", sa.String(36), fk("audit.id"), primary_key=True),
        sa.Column("section_key", sa.String(100), primary_key=True),
        sa.Column("criterion", sa.String(100), nullable=False),
        sa.Column("scale", sa.String(100), nullable=False),
        sa.Column("grade", sa.Integer),
        sa.Column("band", sa.String(20), nullable=False),
        sqlite_with_rowid=False,
    )
    sa.Table(
        "indicator_result", md,
        sa.Column("audit_id", sa.String(36), fk("audit.id"), primary_key=True),
        sa.Column("indicator_key", sa.String(100), primary_key=True),
        sa.Column("row_id", sa.String(36), primary_key=True, server_default=""),
        sa.Column("template_key", sa.String(100), nullable=False),
        sa.Column("section_key", sa.String(100), nullable=False),
        sa.Column("criterion", sa.String(100), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("limit_value", sa.Float, nullable=False),
        sa.Column("amount", sa.Float),
        sa.Column("met", sa.Integer),
        sa.Column("open_ended", sa.Boolean, nullable=False, server_default=sa.false()),
        # Median and worst value of one indicator over every audit, without a sort.
        sa.Index("ix_indicator_result_amount", "indicator_key", "amount"),
        sqlite_with_rowid=False,
    )
    sa.Table(
        "yes_no_fact", md,
        sa.Column("audit_id", sa.String(36), fk("audit.id"), primary_key=True),
        sa.Column("question_key", sa.String(100), primary_key=True),
        sa.Column("row_id", sa.String(36), primary_key=True, server_default=""),
        sa.Column("choice", sa.String(10), nullable=False),
        sqlite_with_rowid=False,
    )
    sa.Table(
        "fact_count", md,
        sa.Column("dim", sa.String(20), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("dim_value", sa.String(200), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.String(50), primary_key=True),
        sa.Column("band", sa.String(20), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    md.create_all(conn, tables=[t for t in md.sorted_tables if t is not existing])
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL (a later issue) will need its own trigger functions
    # Actions change after an audit is submitted (done, new owner): keep their counts in step.
    # Two counts per action: 'action' (owner, status) and, while open, 'action_due' (owner,
    # month due), from which the reports tell overdue actions without reading them all.
    kinds = (("action", "{row}.status", "1 = 1"),
             ("action_due", "coalesce(substr({row}.due_date, 1, 7), '')",
              "{row}.status = 'open'"))
    insert = remove = ""
    for kind, value, only in kinds:
        new_value, new_only = value.format(row="NEW"), only.format(row="NEW")
        old_value, old_only = value.format(row="OLD"), only.format(row="OLD")
        insert += (
            "INSERT INTO fact_count (dim, dim_value, kind, month, key, value, band, n) "
            f"SELECT d.dim, {_FACT_DIM_VALUE_SQL}, '{kind}', f.month, NEW.owner, {new_value}, "
            f"'', 1 FROM fact_audit f, {_FACT_DIMS_SQL} d WHERE f.audit_id = NEW.audit_id "
            f"AND {new_only} ON CONFLICT (dim, dim_value, kind, month, key, value, band) "
            "DO UPDATE SET n = n + excluded.n; ")
        remove += (
            f"UPDATE fact_count SET n = n - 1 WHERE kind = '{kind}' AND key = OLD.owner "
            f"AND value = {old_value} AND band = '' AND {old_only} AND (dim, dim_value, month) "
            f"IN (SELECT d.dim, {_FACT_DIM_VALUE_SQL}, f.month FROM fact_audit f, "
            f"{_FACT_DIMS_SQL} d WHERE f.audit_id = OLD.audit_id); "
            f"DELETE FROM fact_count WHERE kind = '{kind}' AND n <= 0 AND key = OLD.owner "
            f"AND value = {old_value}; ")
    when_new = "WHEN EXISTS (SELECT 1 FROM fact_audit WHERE audit_id = NEW.audit_id)"
    when_old = "WHEN EXISTS (SELECT 1 FROM fact_audit WHERE audit_id = OLD.audit_id)"
    for statement in (
        f"CREATE TRIGGER fact_action_insert AFTER INSERT ON action {when_new} "
        f"BEGIN {insert} END",
        f"CREATE TRIGGER fact_action_delete AFTER DELETE ON action {when_old} "
        f"BEGIN {remove} END",
        f"CREATE TRIGGER fact_action_update AFTER UPDATE OF owner, status, due_date ON action "
        f"{when_old} "
        f"BEGIN {remove} {insert} END",
    ):
        conn.exec_driver_sql(statement)


def step_3(conn: Connection) -> None:
    """Bundles and shared servers (issue 6).

    - sync_audit: per audit, what this database and the other side last agreed on: `base`
      holds every field's agreed value (zlib-compressed JSON: the whole bundle record when
      everything was agreed, `base_kind` 'record', or a map of field -> value after a partial
      merge, 'fields'), and `digest` the SHA-256 of the last bundle record exchanged for it, so
      a record seen before is skipped without being read;
    - sync_conflict: one row per field both sides changed to different values: this
      database's value when the conflict was found and the other side's, until the QA user
      keeps one; an audit is conflicting while it has any;
    - sync_bundle: every bundle imported (by its checksum), with what it did.
    On PostgreSQL it also adds what steps 1 and 2 made with SQLite triggers: history rows
    cannot be updated, and the running counts of actions follow every change of an action.
    """
    md = sa.MetaData()
    fk = lambda target: sa.ForeignKey(target, ondelete="CASCADE")  # noqa: E731
    existing = sa.Table("audit", md, sa.Column("id", sa.String(36), primary_key=True))
    sa.Table(
        "sync_audit", md,
        sa.Column("audit_id", sa.String(36), fk("audit.id"), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("base_kind", sa.String(10), nullable=False),
        sa.Column("base", sa.LargeBinary, nullable=False),
        sa.Column("agreed_at", sa.DateTime, nullable=False),
    )
    sa.Table(
        "sync_conflict", md,
        sa.Column("audit_id", sa.String(36), fk("audit.id"), primary_key=True),
        sa.Column("field", sa.String(300), primary_key=True),
        sa.Column("mine", sa.Text),
        sa.Column("theirs", sa.Text),
        sa.Column("bundle", sa.String(64), nullable=False, server_default=""),
        sa.Column("found_at", sa.DateTime, nullable=False),
    )
    sa.Table(
        "sync_bundle", md,
        sa.Column("checksum", sa.String(64), primary_key=True),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False, server_default=""),
        sa.Column("tool_version", sa.String(40), nullable=False, server_default=""),
        sa.Column("audits", sa.Integer, nullable=False, server_default="0"),
        sa.Column("new", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("conflicting", sa.Integer, nullable=False, server_default="0"),
    )
    md.create_all(conn, tables=[t for t in md.sorted_tables if t is not existing])
    if conn.dialect.name != "postgresql":
        return
    for statement in (
        # History is append-only (step 1's SQLite trigger).
        "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit history is append-only'; END $$",
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        # The running counts of actions (step 2's SQLite triggers): 'action' by owner and
        # status, and 'action_due' by owner and month due while open, for every dimension of
        # the audit's facts; nothing while the audit has no facts (a draft).
        "CREATE FUNCTION fact_action_count(p_audit varchar, p_owner varchar, p_status varchar,"
        " p_due date, p_sign integer) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO fact_count AS c (dim, dim_value, kind, month, key, value, band, n) "
        "SELECT d.dim, CASE d.dim WHEN '' THEN '' WHEN 'team' THEN f.team "
        "WHEN 'service_area' THEN f.service_area WHEN 'template' THEN f.template_key "
        "ELSE f.auditor END, k.kind, f.month, p_owner, k.value, '', p_sign "
        "FROM fact_audit f CROSS JOIN (VALUES (''), ('team'), ('service_area'), ('template'), "
        "('auditor')) AS d(dim) CROSS JOIN (SELECT 'action' AS kind, p_status AS value "
        "UNION ALL SELECT 'action_due', coalesce(to_char(p_due, 'YYYY-MM'), '') "
        "WHERE p_status = 'open') AS k WHERE f.audit_id = p_audit "
        "ON CONFLICT (dim, dim_value, kind, month, key, value, band) "
        "DO UPDATE SET n = c.n + excluded.n; "
        "DELETE FROM fact_count WHERE kind IN ('action', 'action_due') AND key = p_owner "
        "AND n <= 0; END $$",
        "CREATE FUNCTION fact_action_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN PERFORM fact_action_count(OLD.audit_id, OLD.owner, "
        "OLD.status, OLD.due_date, -1); END IF; "
        "IF TG_OP <> 'DELETE' THEN PERFORM fact_action_count(NEW.audit_id, NEW.owner, "
        "NEW.status, NEW.due_date, 1); END IF; RETURN NULL; END $$",
        "CREATE TRIGGER fact_action_insert AFTER INSERT ON action "
        "FOR EACH ROW EXECUTE FUNCTION fact_action_trigger()",
        "CREATE TRIGGER fact_action_delete AFTER DELETE ON action "
        "FOR EACH ROW EXECUTE FUNCTION fact_action_trigger()",
        "CREATE TRIGGER fact_action_update AFTER UPDATE OF owner, status, due_date ON action "
        "FOR EACH ROW EXECUTE FUNCTION fact_action_trigger()",
    ):
        conn.exec_driver_sql(statement)


FIRST_STEPS = [step_1, step_2, step_3]
