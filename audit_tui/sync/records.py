"""One audit as a bundle record, read from either engine in one canonical form, and its fields.

A record is a JSON object: `id`, then `audit` (the audit row, AUDIT columns), `answers`,
`rows` (repeat rows), `sections`, `actions` and `events` (history), then, only when the audit
has some, `moderation` (moderated grades) and `escalations` (safeguarding concerns): each a
list of table rows, the audit id first, in a fixed order. Values are written the same way
whatever the engine: dates 'YYYY-MM-DD', times 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, booleans
0 or 1 - exactly as SQLAlchemy keeps them in SQLite, so that SQLite rows go out and come in as
they are, unconverted; PostgreSQL formats them so in its SELECT. The same audit therefore
always encodes to the same bytes, and the SHA-256 of the line says whether anything in it
changed. (The export's fast path on SQLite, `record_lines`, takes each row's JSON from SQLite
itself: the same bytes, but that a fraction may be written with 17 significant digits; it
reads back as the same number.)

The *fields* of an audit are what a merge compares: each case detail, the overall grade and
rationale, the status (with the time of submission), each answer (one slot: question and
repeat row), each section result, each action, each repeat row and each moderated grade. A
missing answer, action, row or section is a field that is absent. Safeguarding concerns are not
fields: the importer keeps every concern raised on either side, and an acknowledgement once
made (merge_audit.py, `merge_concerns`).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, Iterator

AUDIT = ("id", "template_key", "template_version", "template_hash", "case_reference", "team",
         "service_area", "social_worker", "auditor", "audit_date", "status", "overall_grade",
         "overall_rationale", "answered_count", "required_count", "resume_at", "revision",
         "created_at", "updated_at", "submitted_at")
# Child tables: every row starts with the audit id.
ANSWER = ("audit_id", "id", "question_key", "row_id", "grade", "choice", "choices", "text",
          "date_value", "number_value", "not_applicable", "evidence", "updated_at", "updated_by")
ROW = ("audit_id", "id", "group_key", "position", "created_at")
SECTION = ("audit_id", "section_key", "criterion", "grade", "rationale", "not_applicable",
           "na_reason", "updated_at")
ACTION = ("audit_id", "id", "description", "owner", "due_date", "status", "completed_date",
          "note", "created_at", "updated_at")
EVENT = ("audit_id", "id", "at", "who", "what", "old_value", "new_value")
# Moderated grades (section_key '' for the overall grade) and safeguarding concerns (migration
# step 4): in a record only when the audit has some, so that the record of an audit without
# them is byte for byte what it was before they travelled (and older bundles still import).
MODERATION = ("audit_id", "section_key", "criterion", "auditor_grade", "moderator_grade",
              "agrees", "comment", "moderator", "at")
ESCALATION = ("audit_id", "id", "question_key", "what", "urgency", "to_whom", "raised_by",
              "raised_at", "acknowledged_by", "acknowledged_at")
# The conversation (migration step 5): the worker's side (one row) and the family's feedback;
# in a record only when the audit has some, like the moderation. Merged by sync/conversation.py.
CONVERSATION = ("audit_id", "spoken_on", "how", "reflection", "agrees", "disagreement",
                "support", "recorded_by", "updated_at")
FEEDBACK = ("audit_id", "id", "who", "how", "gathered_on", "said", "answers", "recorded_by",
            "created_at", "updated_at")
# The facts of a submitted audit (db/facts.py).
FACT_AUDIT = ("audit_id", "template_key", "team", "service_area", "auditor", "audit_date",
              "month", "recorded_at")
GRADE_FACT = ("audit_id", "section_key", "criterion", "scale", "grade", "band")
INDICATOR_FACT = ("audit_id", "indicator_key", "row_id", "template_key", "section_key",
                  "criterion", "label", "unit", "limit_value", "amount", "met", "open_ended")
YES_NO_FACT = ("audit_id", "question_key", "row_id", "choice")
TEMPLATE = ("hash", "key", "version", "title", "text", "stored_at")

COLUMNS = {"audit": AUDIT, "answers": ANSWER, "rows": ROW, "sections": SECTION,
           "actions": ACTION, "events": EVENT, "moderation": MODERATION,
           "escalations": ESCALATION, "conversation": CONVERSATION, "feedback": FEEDBACK,
           "fact_audit": FACT_AUDIT, "grades": GRADE_FACT,
           "indicators": INDICATOR_FACT, "yes_no": YES_NO_FACT, "templates": TEMPLATE}
# record key -> table
TABLES = {"answers": "answer", "rows": "repeat_row", "sections": "section_result",
          "actions": "action", "events": "audit_event"}
OPTIONAL = {"moderation": "moderation", "escalations": "escalation",  # absent when empty
            "conversation": "worker_conversation", "feedback": "family_feedback"}
CHILDREN = {**TABLES, **OPTIONAL}
FACT_TABLES = {"grades": "grade_fact", "indicators": "indicator_result", "yes_no": "yes_no_fact"}
TABLE_OF = {"audit": "audit", **CHILDREN, "fact_audit": "fact_audit", **FACT_TABLES,
            "templates": "template_version"}
TIMES = {"created_at", "updated_at", "submitted_at", "at", "recorded_at", "stored_at",
         "raised_at", "acknowledged_at"}
DATES = {"audit_date", "date_value", "due_date", "completed_date", "spoken_on", "gathered_on"}
FLAGS = {("answers", "not_applicable"), ("sections", "not_applicable"),
         ("indicators", "open_ended"), ("moderation", "agrees")}
CASE_FIELDS = ("case_reference", "team", "service_area", "social_worker", "auditor",
               "audit_date")
BATCH = 500  # audits read (or looked up) at a time: the size of an IN (...) list

_I = {name: i for i, name in enumerate(AUDIT)}


# -- values in canonical form -------------------------------------------------------------------
def when(value) -> str | None:
    """A time as the records keep it: 'YYYY-MM-DD HH:MM:SS.ffffff', UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 26:
            return value
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def day(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, date) else str(value)


def select_list(dialect: str, name: str) -> str:
    """The SELECT list giving a table's record columns in canonical form on `dialect`."""
    out = []
    for column in COLUMNS[name]:
        if dialect == "postgresql" and column in TIMES:
            out.append(f"to_char({column}, 'YYYY-MM-DD HH24:MI:SS.US')")
        elif dialect == "postgresql" and column in DATES:
            out.append(f"to_char({column}, 'YYYY-MM-DD')")
        elif dialect == "postgresql" and (name, column) in FLAGS:
            out.append(f"{column}::int")
        else:
            out.append(column)
    return ", ".join(out)


def flag_positions(name: str) -> list[int]:
    return [i for i, c in enumerate(COLUMNS[name]) if (name, c) in FLAGS]


def for_engine(dialect: str, name: str, rows: list) -> list:
    """Record rows ready to insert: as they are for SQLite; on PostgreSQL 0/1 become booleans."""
    positions = flag_positions(name)
    if dialect != "postgresql" or not positions:
        return rows
    out = []
    for row in rows:
        row = list(row)
        for i in positions:
            if row[i] is not None:
                row[i] = bool(row[i])
        out.append(row)
    return out


def encode(value) -> bytes:
    """Canonical JSON: no spaces, keys in the order they were built, UTF-8."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- reading audits from a database -------------------------------------------------------------
def fetch(conn, sql: str, params=()) -> list[tuple]:
    """Every row of a query, as plain tuples, through the driver itself (in the connection's
    transaction): several times faster than SQLAlchemy's rows for the bulk of an export."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        from ..db.engine import to_pyformat

        with raw.cursor() as cursor:
            cursor.execute(to_pyformat(sql), params)
            return cursor.fetchall()
    cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def execute_many(conn, sql: str, rows: list) -> None:
    """executemany through the driver itself (rows may be lists, as JSON gives them)."""
    if not rows:
        return
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        from ..db.engine import to_pyformat

        with raw.cursor() as cursor:
            cursor.executemany(to_pyformat(sql), rows)
        return
    cursor = raw.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def rows_of(record: dict, name: str) -> list:
    """A record's rows of one table (none for a table a record may leave out)."""
    return record.get(name, []) if name in OPTIONAL else record[name]


def marks(n: int) -> str:
    return ", ".join("?" * n)


def batches(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


_CHILD_ORDER = {"answers": lambda r: (r[2], r[3]), "rows": lambda r: r[1],
                "sections": lambda r: r[1], "actions": lambda r: r[1],
                "events": lambda r: (r[2] or "", r[1]), "moderation": lambda r: r[1],
                "escalations": lambda r: (r[7] or "", r[1]), "conversation": lambda r: r[0],
                "feedback": lambda r: (r[8] or "", r[1])}


def _grouped(conn, name: str, part: list[str]) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for r in fetch(conn, f"SELECT {select_list(conn.dialect.name, name)} FROM {TABLE_OF[name]} "
                         f"WHERE audit_id IN ({marks(len(part))})", tuple(part)):
        grouped.setdefault(r[0], []).append(r)
    return grouped


def read_records(conn, ids: list[str]) -> Iterator[dict]:
    """The records of the audits `ids` (those still there), in the order given; read in
    batches, each table with one query a batch."""
    for part in batches(ids):
        audits = {r[0]: r for r in fetch(
            conn, f"SELECT {select_list(conn.dialect.name, 'audit')} FROM audit "
                  f"WHERE id IN ({marks(len(part))})", tuple(part))}
        children = {name: _grouped(conn, name, part) for name in CHILDREN}
        for audit_id in part:
            row = audits.get(audit_id)
            if row is None:
                continue
            record = {"id": audit_id, "audit": row}
            for name in CHILDREN:
                items = children[name].get(audit_id, [])
                if not items and name in OPTIONAL:
                    continue
                items.sort(key=_CHILD_ORDER[name])
                record[name] = items
            yield record


def read_facts(conn, ids: list[str]) -> Iterator[dict]:
    """The report facts of those of `ids` that have them, in the order given."""
    for part in batches(ids):
        heads = {r[0]: r for r in fetch(
            conn, f"SELECT {select_list(conn.dialect.name, 'fact_audit')} FROM fact_audit "
                  f"WHERE audit_id IN ({marks(len(part))})", tuple(part))}
        rows = {name: _grouped(conn, name, part) for name in FACT_TABLES}
        for audit_id in part:
            head = heads.get(audit_id)
            if head is None:
                continue
            out = {"id": audit_id, "fact_audit": head}
            for name in FACT_TABLES:
                out[name] = sorted(rows[name].get(audit_id, []), key=lambda r: r[1:3])
            yield out


# -- record lines, fast ------------------------------------------------------------------------
# On SQLite the export asks SQLite itself for each row as JSON (json_array): a third of the time
# of fetching tuples and encoding them in Python. Floating-point columns are written with 17
# significant digits, so that every value reads back exactly.
REALS = {"number_value", "limit_value", "amount"}
_ORDER_SQL = {"answers": "question_key, row_id", "rows": "id", "sections": "section_key",
              "actions": "id", "events": "at, id", "moderation": "section_key",
              "escalations": "raised_at, id", "conversation": "audit_id",
              "feedback": "created_at, id", "grades": "section_key, criterion",
              "indicators": "indicator_key, row_id", "yes_no": "question_key, row_id"}


def _json_array(name: str) -> str:
    return "json_array(" + ", ".join(
        f"CASE WHEN {c} IS NULL THEN NULL ELSE json(printf('%!.17g', {c})) END"
        if c in REALS else c for c in COLUMNS[name]) + ")"


def _json_grouped(conn, name: str, part: list[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for audit_id, text in fetch(
            conn, f"SELECT audit_id, {_json_array(name)} FROM {TABLE_OF[name]} WHERE audit_id "
                  f"IN ({marks(len(part))}) ORDER BY audit_id, {_ORDER_SQL[name]}",
            tuple(part)):
        grouped.setdefault(audit_id, []).append(text)
    return grouped


def record_lines(conn, ids: list[str]) -> Iterator[tuple[str, str, dict[str, int], bytes]]:
    """(audit id, template hash, rows per table, the record's line) for the audits `ids`
    (those still there), in the order given: what `encode(record)` gives, faster on SQLite."""
    if conn.dialect.name != "sqlite":
        for record in read_records(conn, ids):
            yield (record["id"], record["audit"][3],
                   {name: len(record.get(name, ())) for name in CHILDREN}, encode(record))
        return
    for part in batches(ids):
        audits = {r[0]: (r[1], r[2]) for r in fetch(
            conn, f"SELECT id, template_hash, {_json_array('audit')} FROM audit "
                  f"WHERE id IN ({marks(len(part))})", tuple(part))}
        children = {name: _json_grouped(conn, name, part) for name in CHILDREN}
        for audit_id in part:
            found = audits.get(audit_id)
            if found is None:
                continue
            pieces = [f'{{"id":"{audit_id}","audit":{found[1]}']
            counts = {}
            for name in CHILDREN:
                items = children[name].get(audit_id, [])
                counts[name] = len(items)
                if not items and name in OPTIONAL:
                    continue
                pieces.append(f',"{name}":[{",".join(items)}]')
            pieces.append("}")
            yield audit_id, found[0], counts, "".join(pieces).encode("utf-8")


def facts_lines(conn, ids: list[str]) -> Iterator[bytes]:
    """The lines of `read_facts`, encoded (faster on SQLite, as `record_lines`)."""
    if conn.dialect.name != "sqlite":
        for facts in read_facts(conn, ids):
            yield encode(facts)
        return
    for part in batches(ids):
        heads = dict(fetch(conn, f"SELECT audit_id, {_json_array('fact_audit')} FROM fact_audit "
                                 f"WHERE audit_id IN ({marks(len(part))})", tuple(part)))
        rows = {name: _json_grouped(conn, name, part) for name in FACT_TABLES}
        for audit_id in part:
            head = heads.get(audit_id)
            if head is None:
                continue
            pieces = [f'{{"id":"{audit_id}","fact_audit":{head}']
            for name in FACT_TABLES:
                pieces.append(f',"{name}":[{",".join(rows[name].get(audit_id, []))}]')
            pieces.append("}")
            yield "".join(pieces).encode("utf-8")


# -- fields --------------------------------------------------------------------------------------
def fields_of(record: dict) -> dict[str, Any]:
    """field -> value (JSON-able) of a record; what a merge compares."""
    a = record["audit"]
    out: dict[str, Any] = {f"case:{name}": a[_I[name]] for name in CASE_FIELDS}
    out["overall:grade"] = a[_I["overall_grade"]]
    out["overall:rationale"] = a[_I["overall_rationale"]]
    out["status"] = [a[_I["status"]], a[_I["submitted_at"]]]
    for r in record["answers"]:
        out[f"answer:{r[2]}:{r[3]}"] = list(r[4:12])
    for r in record["rows"]:
        out[f"row:{r[1]}"] = list(r[2:4])
    for r in record["sections"]:
        out[f"section:{r[1]}"] = list(r[2:7])
    for r in record["actions"]:
        out[f"action:{r[1]}"] = list(r[2:8])
    for r in record.get("moderation", ()):
        out[f"moderation:{r[1]}"] = list(r[2:8])
    return out


# Fields kept as whole table rows. (Safeguarding concerns are not fields: merge_audit.py merges
# them by their own rule.)
ROW_KINDS = ("answer", "row", "section", "action", "moderation")


def full_rows(record: dict) -> dict[str, list]:
    """field -> the whole table row (ids and times too) for answers, rows, sections, actions."""
    out: dict[str, list] = {}
    for r in record["answers"]:
        out[f"answer:{r[2]}:{r[3]}"] = list(r)
    for r in record["rows"]:
        out[f"row:{r[1]}"] = list(r)
    for r in record["sections"]:
        out[f"section:{r[1]}"] = list(r)
    for r in record["actions"]:
        out[f"action:{r[1]}"] = list(r)
    for r in record.get("moderation", ()):
        out[f"moderation:{r[1]}"] = list(r)
    return out


def field_value(field: str, row) -> Any:
    """The compared value of a field, from its whole row (or its value, for audit fields)."""
    kind = field.split(":", 1)[0]
    if row is None or kind not in ROW_KINDS:
        return row
    return list(row[{"answer": slice(4, 12), "row": slice(2, 4), "section": slice(2, 7),
                     "action": slice(2, 8), "moderation": slice(2, 8)}[kind]])


def audit_column(name: str) -> int:
    return _I[name]
