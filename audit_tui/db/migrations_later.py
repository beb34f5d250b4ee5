"""Migration steps from 7 on (migrations.py holds steps 1-6 and runs them all; the rules there
hold here: each step is frozen, says exactly what it builds, and is never edited afterwards)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

# The dimensions a fact is counted under, as step 2 wrote them (copied: a step is frozen).
_DIMS = ("(SELECT '' AS dim UNION ALL SELECT 'team' UNION ALL SELECT 'service_area' "
         "UNION ALL SELECT 'template' UNION ALL SELECT 'auditor')")
_DIM_VALUE = ("CASE d.dim WHEN '' THEN '' WHEN 'team' THEN f.team "
              "WHEN 'service_area' THEN f.service_area "
              "WHEN 'template' THEN f.template_key ELSE f.auditor END")

# PostgreSQL: the keys of the running counts one action is in (see step_7_action_counts).
PG_ACTION_KEYS = (
    f"SELECT d.dim, {_DIM_VALUE} AS dim_value, k.kind, f.month, p_owner AS key, k.value, "
    "'' AS band FROM fact_audit f CROSS JOIN (VALUES (''), ('team'), ('service_area'), "
    "('template'), ('auditor')) AS d(dim) CROSS JOIN (SELECT 'action' AS kind, p_status AS "
    "value UNION ALL SELECT 'action_due', coalesce(to_char(p_due, 'YYYY-MM'), '') "
    "WHERE p_status = 'open') AS k WHERE f.audit_id = p_audit")
PG_ACTION_DELETE = (
    "DELETE FROM fact_count WHERE (dim, dim_value, kind, month, key, value, band) IN "
    f"({PG_ACTION_KEYS}) AND n <= 0")


def step_7_action_counts(conn: Connection) -> None:
    """The running counts of actions (steps 2 and 3) take away a count that reaches zero by
    its key, and only when a count went down.

    Steps 2 (SQLite) and 3 (PostgreSQL) removed spent counts with `DELETE FROM fact_count
    WHERE kind ... AND key = <owner> AND n <= 0`, which no index covers: every action added,
    changed or removed on a submitted audit read all of fact_count (about 50 ms a change at
    100,000 audits on PostgreSQL, where it also ran on every insert). Now the DELETE names the
    whole primary key of each count the action is in, and runs only when taking away.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION fact_action_count(p_audit varchar, p_owner varchar, "
            "p_status varchar, p_due date, p_sign integer) RETURNS void LANGUAGE plpgsql AS "
            "$$ BEGIN "
            "INSERT INTO fact_count AS c (dim, dim_value, kind, month, key, value, band, n) "
            f"SELECT dim, dim_value, kind, month, key, value, band, p_sign FROM ({PG_ACTION_KEYS})"
            " AS keys ON CONFLICT (dim, dim_value, kind, month, key, value, band) "
            "DO UPDATE SET n = c.n + excluded.n; "
            f"IF p_sign < 0 THEN {PG_ACTION_DELETE}; END IF; END $$")
        return
    if conn.dialect.name != "sqlite":
        return
    kinds = (("action", "{row}.status", "1 = 1"),
             ("action_due", "coalesce(substr({row}.due_date, 1, 7), '')",
              "{row}.status = 'open'"))
    insert = remove = ""
    for kind, value, only in kinds:
        new_value, new_only = value.format(row="NEW"), only.format(row="NEW")
        old_value, old_only = value.format(row="OLD"), only.format(row="OLD")
        insert += (
            "INSERT INTO fact_count (dim, dim_value, kind, month, key, value, band, n) "
            f"SELECT d.dim, {_DIM_VALUE}, '{kind}', f.month, NEW.owner, {new_value}, "
            f"'', 1 FROM fact_audit f, {_DIMS} d WHERE f.audit_id = NEW.audit_id "
            f"AND {new_only} ON CONFLICT (dim, dim_value, kind, month, key, value, band) "
            "DO UPDATE SET n = n + excluded.n; ")
        where = (f"kind = '{kind}' AND key = OLD.owner AND value = {old_value} AND band = '' "
                 f"AND {old_only} AND (dim, dim_value, month) IN (SELECT d.dim, {_DIM_VALUE}, "
                 f"f.month FROM fact_audit f, {_DIMS} d WHERE f.audit_id = OLD.audit_id)")
        remove += (f"UPDATE fact_count SET n = n - 1 WHERE {where}; "
                   f"DELETE FROM fact_count WHERE {where} AND n <= 0; ")
    when_new = "WHEN EXISTS (SELECT 1 FROM fact_audit WHERE audit_id = NEW.audit_id)"
    when_old = "WHEN EXISTS (SELECT 1 FROM fact_audit WHERE audit_id = OLD.audit_id)"
    for statement in (
        "DROP TRIGGER fact_action_insert",
        "DROP TRIGGER fact_action_delete",
        "DROP TRIGGER fact_action_update",
        f"CREATE TRIGGER fact_action_insert AFTER INSERT ON action {when_new} "
        f"BEGIN {insert} END",
        f"CREATE TRIGGER fact_action_delete AFTER DELETE ON action {when_old} "
        f"BEGIN {remove} END",
        f"CREATE TRIGGER fact_action_update AFTER UPDATE OF owner, status, due_date ON action "
        f"{when_old} BEGIN {remove} {insert} END",
    ):
        conn.exec_driver_sql(statement)


def step_8_fact_versions(conn: Connection) -> None:
    """Template versions and "never happened" in the report facts (issue 13).

    - fact_audit gains the template version each audit was taken on, filled in for the
      audits that have facts from the audit table (a submitted audit cannot change version),
      so that reports can name each audit with its own version's titles and split by version;
    - indicator_result gains `never`: the indicator's start or end was answered "never
      happened", a result of its own in the reports (still counted as met or missed as its
      template says). Facts recorded before this step have `never` false until they are
      worked out again.
    """
    conn.exec_driver_sql("ALTER TABLE fact_audit ADD COLUMN template_version INTEGER "
                         "NOT NULL DEFAULT 0")
    conn.exec_driver_sql("UPDATE fact_audit SET template_version = (SELECT a.template_version "
                         "FROM audit a WHERE a.id = fact_audit.audit_id) WHERE EXISTS "
                         "(SELECT 1 FROM audit a WHERE a.id = fact_audit.audit_id)")
    conn.exec_driver_sql("ALTER TABLE indicator_result ADD COLUMN never BOOLEAN NOT NULL "
                         "DEFAULT FALSE")


def step_9_roles(conn: Connection) -> None:
    """Roles on a shared server (issue 17).

    - audit.created_by: the login that created the audit (on PostgreSQL the server's
      `current_user`, on SQLite the operating-system user), which the row-level security
      policies of `audit-tui server setup` use to tell an auditor's own audits; '' for audits
      made before, or brought in by a bundle;
    - login_team: the teams whose audits an auditor login may read when the council chose
      "own team" at setup (`audit-tui server grant USER --role auditor --team T`);
    - server_setting: what `audit-tui server setup` chose (the roles' prefix, what auditors
      read), read by the tool to tell a login's role.
    The tables stay empty on SQLite (one user, one file).
    """
    md = sa.MetaData()
    sa.Table(
        "login_team", md,
        sa.Column("login", sa.String(200), primary_key=True),
        sa.Column("team", sa.String(200), primary_key=True),
    )
    sa.Table(
        "server_setting", md,
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    md.create_all(conn)
    conn.exec_driver_sql("ALTER TABLE audit ADD COLUMN created_by VARCHAR(200) NOT NULL "
                         "DEFAULT ''")
    conn.exec_driver_sql("CREATE INDEX ix_audit_created_by ON audit (created_by)")


def step_10_labels(conn: Connection) -> None:
    """Names for SQL (issue 14): what the templates call things, per stored template version
    (by its hash), so an analyst's query can label grades and criteria without code. Derived
    from template_version's texts and filled by db/analyst_views.refresh_labels; the views
    over them (v_audit, ...) are made after the migrations run (analyst_views.refresh_views),
    never by a step.

    - label_template: each version's key, version number and title;
    - label_grade: each scale a version uses, its values' labels (the grade 2 -> "Good");
    - label_criterion: each criterion's title; label_section: each (sub-)section's title,
      criterion and parent; label_question: each question's prompt, type and section.
    """
    md = sa.MetaData()
    key = sa.String(100)
    sa.Table("label_template", md,
             sa.Column("template_hash", sa.String(64), primary_key=True),
             sa.Column("template_key", key, nullable=False),
             sa.Column("template_version", sa.Integer, nullable=False),
             sa.Column("title", sa.Text, nullable=False))
    sa.Table("label_grade", md,
             sa.Column("template_hash", sa.String(64), primary_key=True),
             sa.Column("scale", key, primary_key=True),
             sa.Column("grade", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("label", sa.Text, nullable=False),
             sa.Column("band", sa.String(20), nullable=False))
    sa.Table("label_criterion", md,
             sa.Column("template_hash", sa.String(64), primary_key=True),
             sa.Column("criterion", key, primary_key=True),
             sa.Column("title", sa.Text, nullable=False))
    sa.Table("label_section", md,
             sa.Column("template_hash", sa.String(64), primary_key=True),
             sa.Column("section_key", key, primary_key=True),
             sa.Column("title", sa.Text, nullable=False),
             sa.Column("criterion", key, nullable=False),
             sa.Column("parent_key", key, nullable=False),
             sa.Column("position", sa.Integer, nullable=False))
    sa.Table("label_question", md,
             sa.Column("template_hash", sa.String(64), primary_key=True),
             sa.Column("question_key", key, primary_key=True),
             sa.Column("section_key", key, nullable=False),
             sa.Column("prompt", sa.Text, nullable=False),
             sa.Column("type", sa.String(40), nullable=False),
             sa.Column("position", sa.Integer, nullable=False))
    md.create_all(conn)


def step_11_programme(conn: Connection) -> None:
    """The monthly audit programme (issue 15; written by audit_tui/programme/).

    - programme_import: each case list imported (file name without folders, its SHA-256,
      when, by whom, rows read, the summary); the same file twice is refused by its hash;
    - programme_case: one row per child on one list ('8' for Annex A List 8): the case
      reference (Child Unique ID), team, worker, open or closed, the dates and details templates
      use (JSON, names never), the imports that first and last listed it;
    - programme_history: what an import or a user changed, on a case or an allocation;
    - programme_sample: a month's draw: the seed and the rules as they were (JSON);
    - programme_allocation: a sampled case for a month: the template, the auditor, the due date,
      an extension and its reason, the audit started from it, and its state ('unallocated',
      'allocated' or 'withdrawn'; started and submitted are read from the audit).
    """
    md = sa.MetaData()
    sa.Table(
        "programme_import", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("file_name", sa.String(300), nullable=False, server_default=""),
        sa.Column("file_hash", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("rows_read", sa.Integer, nullable=False, server_default="0"),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Index("ix_programme_import_hash", "file_hash"),
    )
    sa.Table(
        "programme_case", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_reference", sa.String(100), nullable=False),
        sa.Column("list_name", sa.String(40), nullable=False),
        sa.Column("team", sa.String(200), nullable=False, server_default=""),
        sa.Column("worker", sa.String(200), nullable=False, server_default=""),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("details", sa.Text, nullable=False, server_default="{}"),
        sa.Column("first_import", sa.String(36), nullable=False, server_default=""),
        sa.Column("last_import", sa.String(36), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("case_reference", "list_name", name="uq_programme_case_ref_list"),
        sa.Index("ix_programme_case_team", "team", "status"),
    )
    sa.Table(
        "programme_history", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("allocation_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("import_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("old", sa.Text),
        sa.Column("new", sa.Text),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("who", sa.String(200), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Index("ix_programme_history_case", "case_id"),
        sa.Index("ix_programme_history_allocation", "allocation_id"),
    )
    sa.Table(
        "programme_sample", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("rules", sa.Text, nullable=False, server_default="{}"),
        sa.Column("drawn_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("drawn_at", sa.DateTime, nullable=False),
        sa.Index("ix_programme_sample_month", "month"),
    )
    sa.Table(
        "programme_allocation", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("sample_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("case_reference", sa.String(100), nullable=False),
        sa.Column("team", sa.String(200), nullable=False, server_default=""),
        sa.Column("template_key", sa.String(100), nullable=False),
        sa.Column("auditor", sa.String(200), nullable=False, server_default=""),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("extended_until", sa.Date),
        sa.Column("extension_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("audit_id", sa.String(36)),
        sa.Column("status", sa.String(20), nullable=False, server_default="unallocated"),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Index("ix_programme_allocation_month", "month", "auditor"),
        sa.Index("ix_programme_allocation_case", "case_id"),
        sa.Index("ix_programme_allocation_audit", "audit_id"),
    )
    md.create_all(conn)


def step_12_fact_audit_plans(conn: Connection) -> None:
    """PostgreSQL: no parallel scans of fact_audit (issue 17). A filtered view (one team, one
    month) reads a few hundred audits' facts: through the date index, about 4 ms at 100,000
    audits; the planner costed a parallel scan of the whole table, about 15 ms with its
    workers' start-up, a shade cheaper, and took it for the grade and indicator queries of
    every filtered figure. The table is small (a row an audit), so a whole scan of it on one
    worker costs the unfiltered figures nothing measurable; the setting is this table's own,
    not the server's."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE fact_audit SET (parallel_workers = 0)")


# fact_audit's indexes by one dimension and date, each with the audit's id beside it.
DIMENSION_INDEXES = {"ix_fact_audit_team": "team", "ix_fact_audit_service_area": "service_area",
                     "ix_fact_audit_template": "template_key",
                     "ix_fact_audit_auditor": "auditor"}


def step_13_fact_audit_covering(conn: Connection) -> None:
    """PostgreSQL: fact_audit's indexes by dimension and date carry the audit's id (INCLUDE),
    as SQLite's do by themselves (the table has no rowid, so an index holds the key). Every
    filtered figure joins the audits a filter keeps to their facts by id; with the id in the
    index the server reads one team's month from the team index alone (an index-only scan,
    about 0.2 ms at 100,000 audits) and stops preferring the date index, which read every
    team's audits of the month and threw nine in ten away (about 0.8 ms, in each of seven
    statements of a filtered view; issue 17)."""
    if conn.dialect.name != "postgresql":
        return
    for name, column in DIMENSION_INDEXES.items():
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE INDEX {name} ON fact_audit ({column}, audit_date) "
                             "INCLUDE (audit_id)")


# What a filtered figure reads of an audit's facts besides the dimension it filters by: its
# id (to join its grades, indicators and actions) and the columns of every breakdown
# (reports/filters.GROUPS).
BREAKDOWN_COLUMNS = ("audit_id", "team", "service_area", "template_key", "template_version",
                     "auditor", "month")


def step_14_fact_audit_breakdowns(conn: Connection) -> None:
    """PostgreSQL: fact_audit's indexes by dimension and date carry the breakdown columns too
    (issue 17). A filtered view breaks one team's month down by template and auditor: with
    only the id in the team index the server read those audits through the date index and
    the table, every team's audits of the month with nine in ten thrown away (0.8 ms of the
    grade breakdown's 5 ms at 100,000 audits), and the audit count by template and auditor
    likewise. Carrying them makes both an index-only read of one dimension's slice, whatever
    the filter's dimension. fact_audit holds a row an audit, so the four indexes stay small
    (about 15 MB each at 100,000 audits, the size of the table)."""
    if conn.dialect.name != "postgresql":
        return
    for name, column in DIMENSION_INDEXES.items():
        carried = ", ".join(c for c in BREAKDOWN_COLUMNS if c != column)
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE INDEX {name} ON fact_audit ({column}, audit_date) "
                             f"INCLUDE ({carried})")


LATER_STEPS = [step_7_action_counts, step_8_fact_versions, step_9_roles,
               step_10_labels, step_11_programme, step_12_fact_audit_plans,
               step_13_fact_audit_covering, step_14_fact_audit_breakdowns]
