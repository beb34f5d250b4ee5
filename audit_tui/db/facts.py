"""The facts the QA team's figures are built from, kept when an audit is submitted.

A submitted audit is read-only, so what the reports need from it can be worked out once, at
submission, with the template's own rules (visibility, indicators, scales), and kept in small
tables (migration step 2). Reopening the audit removes them; submitting it again records them
anew. The reports then never read an answer or rebuild a template to count.

- `fact_audit`: the dimensions the audit is counted under (template and its version, team,
  service area, auditor, audit date and month).
- `grade_fact`: the overall grade (section_key '' and criterion '') and each visible graded
  section's grade, with its band on the scale it was given on: 'good' (good or better),
  'inadequate', 'neither', or 'na' (the section does not apply: never counted as a grade).
- `indicator_result`: each computed timescale (one per repeat row), met NULL for no data,
  `never` when its end was answered "never happened" (a result of its own: counted with band
  'never' beside met or missed, as the template says it counts).
- `yes_no_fact`: each visible yes/no answer ('yes', 'no', 'na').
- `fact_count`: running counts by month, for every audit (dim '') and by each single
  dimension, so that the unfiltered dashboard reads a few thousand rows. Actions change after
  submission; the triggers of migration step 2 keep their counts in step.

`facts_for_state` is pure (no database): the demo generator uses it too, so the figures of
synthetic audits are worked out exactly as those of real ones.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Mapping

from sqlmodel import Session

from ..templates.logic import AuditState
from ..templates.model import Scale, Template
from .models import utcnow

# The dimensions fact_count is kept by ('' is every audit) and the fact_audit column of each.
DIMS: tuple[str, ...] = ("", "team", "service_area", "template", "auditor")
DIM_COLUMNS: dict[str, str] = {"team": "team", "service_area": "service_area",
                               "template": "template_key", "auditor": "auditor"}

INSERT_FACT_AUDIT = ("INSERT INTO fact_audit (audit_id, template_key, team, service_area, "
                     "auditor, audit_date, month, recorded_at, template_version) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
INSERT_GRADE = ("INSERT INTO grade_fact (audit_id, section_key, criterion, scale, grade, band) "
                "VALUES (?, ?, ?, ?, ?, ?)")
INSERT_INDICATOR = ("INSERT INTO indicator_result (audit_id, indicator_key, row_id, template_key,"
                    " section_key, criterion, label, unit, limit_value, amount, met, open_ended,"
                    " never) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
INSERT_YES_NO = ("INSERT INTO yes_no_fact (audit_id, question_key, row_id, choice) "
                 "VALUES (?, ?, ?, ?)")
UPSERT_COUNT = ("INSERT INTO fact_count (dim, dim_value, kind, month, key, value, band, n) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dim, dim_value, kind, month, key, "
                "value, band) DO UPDATE SET n = fact_count.n + excluded.n")
FACT_TABLES = ("grade_fact", "indicator_result", "yes_no_fact", "fact_audit")


def db_datetime(value: datetime) -> str:
    """A datetime as SQLAlchemy keeps it in SQLite (UTC, no offset)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def band_of(scale: Scale, grade: int | None) -> str:
    if grade is None:
        return "na"
    if grade in scale.good_or_better:
        return "good"
    if grade in scale.inadequate:
        return "inadequate"
    return "neither"


def grade_value(scale_key: str, grade: int | None) -> str:
    """How a grade is written in fact_count: the scale's key and the value ('na' for N/A)."""
    return f"{scale_key}:{'na' if grade is None else grade}"


@dataclass(frozen=True)
class Cell:
    """The dimensions one audit is counted under."""

    month: str
    team: str
    service_area: str
    template: str
    auditor: str

    def values(self) -> dict[str, str]:
        return {"": "", "team": self.team, "service_area": self.service_area,
                "template": self.template, "auditor": self.auditor}


@dataclass
class AuditFacts:
    """Everything recorded for one submitted audit, as rows ready for executemany."""

    audit_row: tuple
    cell: Cell
    grades: list[tuple] = field(default_factory=list)
    indicators: list[tuple] = field(default_factory=list)
    yes_no: list[tuple] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # (kind, key, value, band) -> n


def facts_for_state(*, audit_id: str, template: Template, state: AuditState, team: str,
                    service_area: str, auditor: str, audit_date: date,
                    actions: Iterable[tuple[str, str, str | None]] = (),
                    recorded_at: datetime | None = None) -> AuditFacts:
    """The facts of one audit, from its AuditState; `actions` are (owner, status, due date
    as 'YYYY-MM-DD' or None)."""
    month = audit_date.strftime("%Y-%m")
    cell = Cell(month, team, service_area, template.key, auditor)
    facts = AuditFacts((audit_id, template.key, team, service_area, auditor,
                        audit_date.isoformat(), month, db_datetime(recorded_at or utcnow()),
                        template.version), cell)
    counts = facts.counts
    counts[("audit", "", "", "")] += 1
    if state.overall_grade is not None:
        scale_key = template.overall.scale or template.scale
        band = band_of(template.scale_for(scale_key), state.overall_grade)
        facts.grades.append((audit_id, "", "", scale_key, state.overall_grade, band))
        counts[("overall", "", grade_value(scale_key, state.overall_grade), band)] += 1
    criteria: dict[str, str] = {}
    for section in template.all_sections():
        criteria[section.key] = section.criterion
        if not state.section_visible(section):
            continue
        if section.graded:
            scale_key = section.scale or template.scale
            if state.section_applies(section):
                grade = state.mark(section.key).grade
                if grade is None:
                    continue
            else:
                grade = None
            band = band_of(template.scale_for(scale_key), grade)
            facts.grades.append((audit_id, section.key, section.criterion, scale_key, grade,
                                 band))
            counts[("grade", section.criterion, grade_value(scale_key, grade), band)] += 1
        for question, row in state.items(section):
            if question.type != "yes_no":
                continue
            slot = state.slot(question.key, row)
            choice = "na" if slot.na else slot.value
            if choice not in ("yes", "partly", "no", "na"):
                continue
            facts.yes_no.append((audit_id, question.key, row, choice))
            counts[("yes_no", question.key, choice, "")] += 1
    for indicator in template.indicators():
        for result in state.indicator_results(indicator):
            if result.outside:
                continue  # started before the look-back period: not counted
            met = None if result.met is None else int(result.met)
            facts.indicators.append((
                audit_id, indicator.key, result.row_id, template.key, indicator.section,
                criteria.get(indicator.section, ""), indicator.label, indicator.unit,
                float(indicator.limit), result.amount, met, bool(result.open_ended),
                bool(result.never)))
            counts[indicator_count(indicator.key, met, result.open_ended, result.never)] += 1
    count_actions(counts, actions)
    return facts


def indicator_count(key: str, met, open_ended, never) -> tuple[str, str, str, str]:
    """The fact_count key of one indicator result: its value 'met', 'missed' or 'nodata', and
    its band 'open' (measured to the audit date) or 'never' (the end never happened)."""
    value = "nodata" if met is None else ("met" if met else "missed")
    return ("indicator", key, value, "never" if never else ("open" if open_ended else ""))


def count_actions(counts: Counter, actions: Iterable[tuple]) -> None:
    """'action' by owner and status; 'action_due' by owner and month due, for open ones (the
    triggers of migration step 2 keep both in step when an action changes)."""
    for owner, status, due in actions:
        counts[("action", owner, status, "")] += 1
        if status == "open":
            counts[("action_due", owner, str(due or "")[:7], "")] += 1


def count_rows(cells: Mapping[Cell, Counter], sign: int = 1) -> list[tuple]:
    """fact_count rows (dim, dim_value, kind, month, key, value, band, n) for counts by cell."""
    totals: Counter = Counter()
    for cell, counts in cells.items():
        for dim, dim_value in cell.values().items():
            prefix = (dim, dim_value)
            for (kind, key, value, band), n in counts.items():
                totals[(*prefix, kind, cell.month, key, value, band)] += n
    return [(*key, sign * n) for key, n in totals.items() if n]


def net_rows(*row_lists: list[tuple]) -> list[tuple]:
    """Count rows of several changes added up into one: a key's n summed, keys that come to
    nothing left out."""
    totals: Counter = Counter()
    for rows in row_lists:
        for row in rows:
            totals[row[:-1]] += row[-1]
    return [(*key, n) for key, n in totals.items() if n]


def apply_counts(conn, rows: list[tuple]) -> None:
    """Add rows (negative n to take away) to fact_count; drop counts that reach zero. The
    rows go in key order: every writer of counts (the demo's workers, an import, a submit)
    then takes its row locks in the same order, so two on a server never deadlock."""
    if not rows:
        return
    rows = sorted(rows)
    if conn.dialect.name == "postgresql" and len(rows) > COPY_COUNTS_FROM:
        _upsert_copied(conn, rows)
        return
    conn.exec_driver_sql(UPSERT_COUNT, rows)
    fallen = [row[:-1] for row in rows if row[-1] < 0]  # (only a count taken from can fall to 0)
    if fallen:
        conn.exec_driver_sql(
            "DELETE FROM fact_count WHERE dim = ? AND dim_value = ? AND kind = ? AND month = ? "
            "AND key = ? AND value = ? AND band = ? AND n <= 0", fallen)


COPY_COUNTS_FROM = 1000  # rows: more go to a server by COPY and one upsert (a bulk import)
COUNT_COLUMNS = ("dim", "dim_value", "kind", "month", "key", "value", "band", "n")


def _upsert_copied(conn, rows: list[tuple]) -> None:
    """UPSERT_COUNT for many rows on PostgreSQL: COPY into a temporary table, then one
    INSERT ... SELECT ... ON CONFLICT, in the rows' own order (`ord`: as sorted in Python, the
    order the other writers use; rows hold each key once, as count_rows gives them)."""
    from .bulk_rows import insert_rows

    columns = ", ".join(COUNT_COLUMNS)
    conn.exec_driver_sql("CREATE TEMPORARY TABLE IF NOT EXISTS fact_count_in "
                         "(LIKE fact_count, ord integer NOT NULL) ON COMMIT DROP")
    insert_rows(conn, "fact_count_in", (*COUNT_COLUMNS, "ord"),
                [(*row, number) for number, row in enumerate(rows)])
    conn.exec_driver_sql(
        f"INSERT INTO fact_count AS c ({columns}) SELECT {columns} FROM fact_count_in "
        "ORDER BY ord ON CONFLICT (dim, dim_value, kind, month, key, value, band) "
        "DO UPDATE SET n = c.n + excluded.n")
    if any(row[-1] < 0 for row in rows):  # counts that fell to nothing, in one statement
        conn.exec_driver_sql(
            "DELETE FROM fact_count c USING fact_count_in i WHERE i.n < 0 AND c.n <= 0 "
            "AND (c.dim, c.dim_value, c.kind, c.month, c.key, c.value, c.band) = "
            "(i.dim, i.dim_value, i.kind, i.month, i.key, i.value, i.band)")
    conn.exec_driver_sql("DELETE FROM fact_count_in")


def add_cells(cells: dict[Cell, Counter], facts_list: list[AuditFacts]) -> dict[Cell, Counter]:
    for f in facts_list:
        cells.setdefault(f.cell, Counter()).update(f.counts)
    return cells


FACT_COLUMNS = {  # the columns of each INSERT above, for insert_rows (COPY on a server)
    table: tuple(c.strip() for c in sql[sql.index("(") + 1:sql.index(")")].split(","))
    for table, sql in (("fact_audit", INSERT_FACT_AUDIT), ("grade_fact", INSERT_GRADE),
                       ("indicator_result", INSERT_INDICATOR), ("yes_no_fact", INSERT_YES_NO))}


def write_facts(conn, facts_list: list[AuditFacts], *, counts: bool = True) -> None:
    """Insert the facts of several audits (new rows: one COPY or executemany a table) and,
    unless the caller adds them up itself (`add_cells`, `count_rows`, `apply_counts`), their
    counts."""
    from .bulk_rows import insert_rows

    insert_rows(conn, "fact_audit", FACT_COLUMNS["fact_audit"],
                [f.audit_row for f in facts_list])
    for table, attr in (("grade_fact", "grades"), ("indicator_result", "indicators"),
                        ("yes_no_fact", "yes_no")):
        insert_rows(conn, table, FACT_COLUMNS[table],
                    [row for f in facts_list for row in getattr(f, attr)])
    if counts:
        apply_counts(conn, count_rows(add_cells({}, facts_list)))


def _by_audit(conn, sql: str, ids: list[str]) -> dict[str, list[tuple]]:
    """Rows of `sql` (its first column the audit id, `{ids}` where the ids go) by audit."""
    out: dict[str, list[tuple]] = {}
    marks = ", ".join("?" for _ in ids)
    for row in conn.exec_driver_sql(sql.format(ids=marks), tuple(ids)):
        out.setdefault(row[0], []).append(tuple(row[1:]))
    return out


def _actions(conn, ids: list[str]) -> dict[str, list[tuple]]:
    return {audit_id: [(owner, status, None if due is None else str(due))
                       for owner, status, due in rows]
            for audit_id, rows in _by_audit(conn, "SELECT audit_id, owner, status, due_date "
                                            "FROM action WHERE audit_id IN ({ids})", ids).items()}


def _chunks(items, size: int):
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def record_facts(*, session: Session, audit_id: str) -> None:
    """Work out and keep the facts of a submitted audit (replacing any kept before)."""
    record_facts_many(session=session, audit_ids=[audit_id])


def record_facts_many(*, session: Session, audit_ids: list[str]) -> None:
    """`record_facts` for many audits, a few queries for each batch of them."""
    from .state import load_states

    gone = clear_facts_many(session=session, audit_ids=audit_ids, apply=False)
    record_loaded(session, load_states(session=session, audit_ids=audit_ids), gone=gone)


def record_loaded(session: Session, pairs, gone: list[tuple] = ()) -> None:
    """Keep the facts of submitted audits already read (pairs of audit row and AuditState, as
    `state.load_states` gives them) that have none kept: the moderator's grades where there
    are some, the actions from the database; running counts added up once at the end.
    `gone`: the count rows of facts just cleared (`clear_facts_many(apply=False)`); the
    counts then move by the difference only, so a moderation that changes one grade writes
    the few counts it moves, not every count of the audit twice."""
    from .state import BATCH

    conn = session.connection()
    cells: dict[Cell, Counter] = {}
    for chunk in _chunks(pairs, BATCH):
        ids = [audit.id for audit, _ in chunk]
        moderations = _moderations(conn, ids)
        actions = _actions(conn, ids)
        facts_list = []
        for audit, state in chunk:
            moderated_grades(state, moderations.get(audit.id, ()))
            facts_list.append(facts_for_state(
                audit_id=audit.id, template=state.template, state=state, team=audit.team,
                service_area=audit.service_area, auditor=audit.auditor,
                audit_date=audit.audit_date, actions=actions.get(audit.id, ())))
        write_facts(conn, facts_list, counts=False)
        add_cells(cells, facts_list)
    apply_counts(conn, net_rows(gone, count_rows(cells)))
    from .analyst_views import refresh_labels_if_allowed

    refresh_labels_if_allowed(conn)  # (the analysts' names: one query when known)


def _moderations(conn, ids: list[str]) -> dict[str, list[tuple]]:
    try:
        return _by_audit(conn, "SELECT audit_id, section_key, auditor_grade, moderator_grade "
                         "FROM moderation WHERE audit_id IN ({ids})", ids)
    except Exception:  # a database without the moderation table (before migration step 4)
        return {}


def moderated_grades(state: AuditState, moderations) -> None:
    """Count the moderator's grade where there is one (issue 7): a moderated grade replaces the
    auditor's in `state` while the auditor's grade is still the one that was moderated (an
    audit reopened and graded again is counted with its new grade until moderated again).
    `moderations` are (section key, auditor's grade, moderator's grade)."""
    from dataclasses import replace

    for section_key, auditor_grade, moderator_grade in moderations:
        if section_key == "":
            if state.overall_grade == auditor_grade:
                state.overall_grade = moderator_grade
        elif section_key in state.sections and \
                state.sections[section_key].grade == auditor_grade:
            state.sections[section_key] = replace(state.sections[section_key],
                                                  grade=moderator_grade)


def clear_facts(*, session: Session, audit_id: str) -> None:
    """Remove the facts of an audit (it is being reopened) and take it out of the counts."""
    clear_facts_many(session=session, audit_ids=[audit_id])


def clear_facts_many(*, session: Session, audit_ids: list[str],
                     apply: bool = True) -> list[tuple]:
    """`clear_facts` for many audits (those with no facts kept are passed over). Returns the
    count rows taken away; with `apply` false they are left for the caller to apply (with
    what it adds: `net_rows`)."""
    from .state import BATCH

    session.flush()
    conn = session.connection()
    cells: dict[Cell, Counter] = {}
    for ids in _chunks(audit_ids, BATCH):
        found = {audit_id: Cell(*rest[0]) for audit_id, rest in _by_audit(
            conn, "SELECT audit_id, month, team, service_area, template_key, auditor "
            "FROM fact_audit WHERE audit_id IN ({ids})", ids).items()}
        if not found:
            continue
        ids = list(found)
        counts = {audit_id: Counter({("audit", "", "", ""): 1}) for audit_id in ids}
        for audit_id, rows in _by_audit(
                conn, "SELECT audit_id, section_key, scale, grade, band, criterion "
                "FROM grade_fact WHERE audit_id IN ({ids})", ids).items():
            for section_key, scale, grade, band, criterion in rows:
                kind, key = ("overall", "") if section_key == "" else ("grade", criterion)
                counts[audit_id][(kind, key, grade_value(scale, grade), band)] += 1
        for audit_id, rows in _by_audit(
                conn, "SELECT audit_id, indicator_key, met, open_ended, never FROM "
                "indicator_result WHERE audit_id IN ({ids})", ids).items():
            for key, met, open_ended, never in rows:
                counts[audit_id][indicator_count(key, met, open_ended, never)] += 1
        for audit_id, rows in _by_audit(
                conn, "SELECT audit_id, question_key, choice FROM yes_no_fact "
                "WHERE audit_id IN ({ids})", ids).items():
            for key, choice in rows:
                counts[audit_id][("yes_no", key, choice, "")] += 1
        for audit_id, rows in _actions(conn, ids).items():
            count_actions(counts[audit_id], rows)
        marks = ", ".join("?" for _ in ids)
        for table in FACT_TABLES:
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE audit_id IN ({marks})", tuple(ids))
        for audit_id, audit_counts in counts.items():
            cells.setdefault(found[audit_id], Counter()).update(audit_counts)
    rows = count_rows(cells, sign=-1)
    if apply:
        apply_counts(conn, rows)
    return rows


def audits_without_facts(*, session: Session) -> list[str]:
    """Submitted audits whose facts were never recorded (submitted before migration step 2)."""
    return [r[0] for r in session.connection().exec_driver_sql(
        "SELECT id FROM audit WHERE status != 'draft' AND id NOT IN "
        "(SELECT audit_id FROM fact_audit)")]


def backfill_facts(*, session: Session) -> int:
    """Record the facts of every submitted audit that has none; return how many."""
    missing = audits_without_facts(session=session)
    for audit_id in missing:
        record_facts(session=session, audit_id=audit_id)
    return len(missing)


def expected_counts(conn) -> dict[tuple, int]:
    """fact_count as the facts say it should be (a consistency check for tests)."""
    cells: dict[Cell, Counter] = {}
    dims = {r[0]: Cell(*r[1:]) for r in conn.exec_driver_sql(
        "SELECT audit_id, month, team, service_area, template_key, auditor FROM fact_audit")}
    for audit_id, cell in dims.items():
        cells.setdefault(cell, Counter())[("audit", "", "", "")] += 1
    for audit_id, section_key, criterion, scale, grade, band in conn.exec_driver_sql(
            "SELECT audit_id, section_key, criterion, scale, grade, band FROM grade_fact"):
        kind, key = ("overall", "") if section_key == "" else ("grade", criterion)
        cells[dims[audit_id]][(kind, key, grade_value(scale, grade), band)] += 1
    for audit_id, key, met, open_ended, never in conn.exec_driver_sql(
            "SELECT audit_id, indicator_key, met, open_ended, never FROM indicator_result"):
        cells[dims[audit_id]][indicator_count(key, met, open_ended, never)] += 1
    for audit_id, key, choice in conn.exec_driver_sql(
            "SELECT audit_id, question_key, choice FROM yes_no_fact"):
        cells[dims[audit_id]][("yes_no", key, choice, "")] += 1
    for audit_id, owner, status, due in conn.exec_driver_sql(
            "SELECT audit_id, owner, status, due_date FROM action WHERE audit_id IN "
            "(SELECT audit_id FROM fact_audit)"):
        count_actions(cells[dims[audit_id]], [(owner, status, due)])
    return {row[:-1]: row[-1] for row in count_rows(cells)}
