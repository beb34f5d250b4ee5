"""SQL views for analysts (docs/analysts.md), on SQLite and PostgreSQL alike.

The views are derived objects: `refresh_views` drops and makes them again (DROP VIEW IF
EXISTS, CREATE VIEW) after the migrations run, and `ensure` does it whenever the views a
database holds are not this version's (VIEWS_VERSION, read back from v_meta). They are never
frozen in a migration step, so a later step that changes a table they read cannot leave a
stale or broken view behind: the next start makes them from the new tables.

The names they show (a grade's label, a criterion's or section's title, a question's prompt)
are in the label_* tables (migration step 10), derived from the stored template versions by
`refresh_labels`: only versions not yet labelled are read, so it costs one query when
nothing is new. On PostgreSQL 15 and later the views are made `security_invoker`: a login
reads through them only what its grants and the row-level security policies of `audit-tui
server setup` let it read in the tables themselves. It runs after the migrations, when an audit's facts are recorded (a
submitted audit's template is always labelled) and before every report and export.

Counted grades: where a moderator changed a grade, the reports count the moderator's (the
facts hold it, grade_fact); v_audit and v_section_grade give that one as `grade`, with the
auditor's beside it, so a query on them agrees with `audit-tui report`.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

VIEWS_VERSION = 1

_MODERATED = ("CASE WHEN EXISTS (SELECT 1 FROM moderation m WHERE m.audit_id = {a} "
              "AND m.section_key = {key} AND m.moderator_grade IS NOT NULL "
              "AND m.auditor_grade = {grade}) THEN 1 ELSE 0 END")

VIEWS: dict[str, str] = {
    "v_meta": f"SELECT {VIEWS_VERSION} AS views_version",
    "v_audit": (
        "SELECT a.id AS audit_id, a.case_reference, a.template_key, a.template_version, "
        "lt.title AS template_title, a.team, a.service_area, a.social_worker, a.auditor, "
        "a.audit_date, f.month, a.status, a.submitted_at, "
        "g.grade AS overall_grade, lg.label AS overall_grade_label, "
        "g.band AS overall_band, a.overall_grade AS auditor_overall_grade, "
        + _MODERATED.format(a="a.id", key="''", grade="a.overall_grade")
        + " AS overall_moderated, "
        "CASE WHEN EXISTS (SELECT 1 FROM moderation m WHERE m.audit_id = a.id) THEN 1 "
        "ELSE 0 END AS moderated, a.overall_rationale "
        "FROM fact_audit f JOIN audit a ON a.id = f.audit_id "
        "LEFT JOIN grade_fact g ON g.audit_id = a.id AND g.section_key = '' "
        "LEFT JOIN label_template lt ON lt.template_hash = a.template_hash "
        "LEFT JOIN label_grade lg ON lg.template_hash = a.template_hash "
        "AND lg.scale = g.scale AND lg.grade = g.grade"),
    "v_section_grade": (
        "SELECT s.audit_id, a.case_reference, a.template_key, a.template_version, f.team, "
        "f.month, s.section_key, ls.title AS section_title, ls.parent_key, s.criterion, "
        "lc.title AS criterion_title, "
        "CASE WHEN g.audit_id IS NULL THEN s.grade ELSE g.grade END AS grade, "
        "lg.label AS grade_label, g.band, s.grade AS auditor_grade, "
        + _MODERATED.format(a="s.audit_id", key="s.section_key", grade="s.grade")
        + " AS moderated, CASE WHEN s.not_applicable THEN 1 ELSE 0 END AS not_applicable, "
        "s.na_reason AS not_applicable_reason, s.rationale "
        "FROM section_result s JOIN fact_audit f ON f.audit_id = s.audit_id "
        "JOIN audit a ON a.id = s.audit_id "
        "LEFT JOIN grade_fact g ON g.audit_id = s.audit_id AND g.section_key = s.section_key "
        "LEFT JOIN label_section ls ON ls.template_hash = a.template_hash "
        "AND ls.section_key = s.section_key "
        "LEFT JOIN label_criterion lc ON lc.template_hash = a.template_hash "
        "AND lc.criterion = s.criterion "
        "LEFT JOIN label_grade lg ON lg.template_hash = a.template_hash "
        "AND lg.scale = g.scale AND lg.grade = g.grade"),
    "v_answer": (
        "SELECT n.audit_id, a.template_key, a.template_version, f.team, f.month, "
        "lq.section_key, ls.title AS section_title, n.question_key, "
        "lq.prompt AS question_prompt, lq.type AS question_type, n.row_id, "
        "r.position AS row_position, "
        "CASE WHEN n.not_applicable THEN NULL "
        "WHEN n.grade IS NOT NULL THEN CAST(n.grade AS VARCHAR(20)) "
        "WHEN n.date_value IS NOT NULL THEN CAST(n.date_value AS VARCHAR(10)) "
        "WHEN n.choice IS NOT NULL THEN n.choice WHEN n.choices IS NOT NULL THEN n.choices "
        "ELSE n.text END AS value, "
        "n.grade, n.number_value, n.date_value, n.choice, n.choices, n.text, "
        "CASE WHEN n.not_applicable THEN 1 ELSE 0 END AS not_applicable, n.evidence "
        "FROM answer n JOIN fact_audit f ON f.audit_id = n.audit_id "
        "JOIN audit a ON a.id = n.audit_id "
        "LEFT JOIN repeat_row r ON r.id = n.row_id "
        "LEFT JOIN label_question lq ON lq.template_hash = a.template_hash "
        "AND lq.question_key = n.question_key "
        "LEFT JOIN label_section ls ON ls.template_hash = a.template_hash "
        "AND ls.section_key = lq.section_key"),
    "v_action": (
        "SELECT x.id AS action_id, x.audit_id, a.case_reference, f.team, f.month, "
        "x.description, x.owner, x.due_date, x.status, x.completed_date, "
        "CASE WHEN x.status = 'open' AND x.due_date < CURRENT_DATE THEN 1 ELSE 0 END "
        "AS overdue, "
        "CASE WHEN x.completed_date IS NOT NULL AND x.due_date IS NOT NULL "
        "AND x.completed_date > x.due_date THEN 1 ELSE 0 END AS done_late, "
        "x.note, x.created_at "
        "FROM action x JOIN fact_audit f ON f.audit_id = x.audit_id "
        "JOIN audit a ON a.id = x.audit_id"),
    "v_indicator": (
        "SELECT i.audit_id, f.team, f.month, f.audit_date, i.template_key, i.indicator_key, "
        "i.row_id, i.section_key, i.criterion, lc.title AS criterion_title, i.label, i.unit, "
        "i.limit_value, i.amount, CASE WHEN i.met IS NULL THEN NULL WHEN i.met = 1 THEN 1 "
        "ELSE 0 END AS met, CASE WHEN i.open_ended THEN 1 ELSE 0 END AS still_open "
        "FROM indicator_result i JOIN fact_audit f ON f.audit_id = i.audit_id "
        "JOIN audit a ON a.id = i.audit_id "
        "LEFT JOIN label_criterion lc ON lc.template_hash = a.template_hash "
        "AND lc.criterion = i.criterion"),
}


def refresh_views(conn: Connection) -> None:
    """Drop and make every view again (in the caller's transaction)."""
    for name in reversed(list(VIEWS)):
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")
    options = ""
    if conn.dialect.name == "postgresql" and int(conn.exec_driver_sql(
            "SHOW server_version_num").scalar()) >= 150000:
        # the querying login's rights and row-level security apply, not the view owner's
        options = " WITH (security_invoker = true)"
    for name, sql in VIEWS.items():
        conn.exec_driver_sql(f"CREATE VIEW {name}{options} AS {sql}")


def views_version(conn: Connection) -> int | None:
    """The version of the views the database holds (None: none)."""
    if conn.dialect.name == "sqlite":
        found = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = 'v_meta'").first()
    else:
        found = conn.exec_driver_sql(
            "SELECT 1 FROM information_schema.views WHERE table_name = 'v_meta' "
            "AND table_schema = current_schema()").first()
    if found is None:
        return None
    return int(conn.exec_driver_sql("SELECT views_version FROM v_meta").scalar())


def refresh_labels(conn: Connection) -> int:
    """Label every stored template version not yet labelled; returns how many."""
    from ..templates.model import BUILTIN_SCALES
    from .state import TemplateTextBroken, template_from_text

    rows = conn.exec_driver_sql(
        "SELECT hash, key, version, text FROM template_version WHERE hash NOT IN "
        "(SELECT template_hash FROM label_template)").all()
    for digest, key, version, text in rows:
        try:
            t = template_from_text(text, f"{key} v{version} (stored)")
        except TemplateTextBroken:
            continue
        insert(conn, "label_template", [(digest, key, version, t.title)])
        scales = {t.scale, t.overall.scale or t.scale,
                  *[s.scale or t.scale for s in t.all_sections()], *t.scales}
        grades = []
        for scale_key in sorted(k for k in scales if k in t.scales or k in BUILTIN_SCALES):
            scale = t.scale_for(scale_key)
            for v in scale.values:
                band = ("good" if v.value in scale.good_or_better else
                        "inadequate" if v.value in scale.inadequate else "neither")
                grades.append((digest, scale_key, v.value, v.label, band))
        insert(conn, "label_grade", grades)
        sections = t.all_sections()
        criteria = dict.fromkeys(s.criterion for s in sections if s.criterion)
        insert(conn, "label_criterion", [(digest, c, t.criterion_title(c)) for c in criteria])
        insert(conn, "label_section", [(digest, s.key, s.title, s.criterion, s.parent, i)
                                       for i, s in enumerate(sections)])
        seen: dict[str, tuple] = {}
        for i, q in enumerate(t.questions()):
            seen.setdefault(q.key, (digest, q.key, q.section, q.prompt, q.type, i))
        insert(conn, "label_question", list(seen.values()))
    return len(rows)


def insert(conn: Connection, table: str, rows: list[tuple]) -> None:
    """Insert label rows; rows another writer has just inserted are left as they are (two
    copies labelling the same new template version at once)."""
    if rows:
        marks = ", ".join("?" for _ in rows[0])
        conn.exec_driver_sql(f"INSERT INTO {table} VALUES ({marks}) ON CONFLICT DO NOTHING",
                             rows)


def refresh_labels_if_allowed(conn: Connection) -> None:
    """refresh_labels where the login may write the labels (on a server, a role granted it
    by `audit-tui server setup`); otherwise nothing changes and the caller's work goes on
    (the next report by a login that may, or the next migration, labels them)."""
    try:
        with conn.begin_nested():
            refresh_labels(conn)
    except DBAPIError:
        pass


def refresh(conn: Connection) -> None:
    """Labels for every template version, and this version's views."""
    refresh_labels(conn)
    refresh_views(conn)


def ensure(engine) -> None:
    """Label new template versions and make the views where they are missing or not this
    version's: a read when there is nothing to do."""
    with engine.connect() as conn:
        stale = views_version(conn) != VIEWS_VERSION
        unlabelled = conn.exec_driver_sql(
            "SELECT 1 FROM template_version WHERE hash NOT IN "
            "(SELECT template_hash FROM label_template) LIMIT 1").first() is not None
        conn.rollback()
    if not (stale or unlabelled):
        return
    try:
        with engine.begin() as conn:
            refresh_labels(conn)
            if stale:
                refresh_views(conn)
    except DBAPIError:  # (a file this user may only read: the views wait for a writer)
        pass
