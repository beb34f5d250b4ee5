"""New audits into SQLite, fast: the importer's path for batches of audits this database
has never seen (PostgreSQL, and any record not in canonical form, take the general path: rows
parsed in Python and inserted with executemany).

- A helper thread (read_ahead.ReadAhead) reads the bundle a few batches ahead: it parses every
  record (so every line is whole, valid JSON), checks it (it and each of its rows name its own
  audit, its template came with the bundle), compresses it (what both sides now agree on),
  and cuts each table's rows out
  of the line, as JSON text, for the whole batch (`prepare`). A canonical record is
  `{"id":..,"audit":[..],"answers":[..],...}` with each member once, in order, and
  `],"answers":[` can only be the boundary between two members (inside a JSON string every
  quote is escaped), so the cut text is exactly the rows the parse saw.
- This thread has SQLite insert each table's rows of the batch with one `INSERT ... SELECT ...
  FROM json_each(?)` (`insert`), and checks that it inserted as many rows as the records hold.
  SQLite's `json_extract` gives JSON strings as text, numbers as integers or reals and null
  as NULL, as the driver binds the parsed values, so the rows are what the general path
  writes. (A SQLite without its JSON functions, before 3.38 unless built with them, takes the
  general path: `available`.)

Why: SQLite reading the JSON itself costs it more than `executemany` of parsed rows (about
3 microseconds a row of fourteen columns), but a statement that runs without Python's global
lock lets the helper thread parse, check and compress at the same time. With `executemany`
the driver takes the lock back after every row, and a second thread working in Python turns
that into a hand-over per row (tried, and measured slower than one thread).
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from dataclasses import dataclass

from . import records

RECORD_KEYS = ("audit", *records.TABLES)


def available(conn) -> bool:
    """Whether this SQLite has the JSON functions the fast path uses."""
    import sqlite3

    try:
        conn.exec_driver_sql("SELECT json_extract(value, '$[0]') FROM json_each('[[1]]')").all()
    except Exception as exc:  # no JSON functions in this build of SQLite
        if isinstance(getattr(exc, "orig", exc), sqlite3.Error):
            return False
        raise
    return True


def _bulk_sql(name: str) -> str:
    columns = records.COLUMNS[name]
    values = [f"json_extract(value, '$[{i}]')" for i in range(len(columns))]
    return (f"INSERT INTO {records.TABLE_OF[name]} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM json_each(?1)")


BULK = {name: _bulk_sql(name) for name in ("audit", *records.CHILDREN)}
_MARKS = {name: f'],"{name}":['.encode() for name in records.CHILDREN}


def _cut(line: bytes, head: bytes, names: tuple[str, ...], optional: tuple[str, ...] = ()
         ) -> dict[str, bytes] | None:
    """name -> the JSON text of that member (the first whole, an array of rows; the others
    without their brackets) of a canonical line; None for any other line."""
    if not line.startswith(head) or not line.endswith(b"]}"):
        return None
    out: dict[str, bytes] = {}
    start, name = len(head) - 1, names[0]  # at the first member's '['
    for following in (*names[1:], *optional):
        mark = _MARKS[following]
        at = line.find(mark, start)
        if at < 0:
            if following in optional:
                continue
            return None
        if line.count(mark, at + 1):  # a member twice
            return None
        out[name] = line[start:at + 1]
        start, name = at + len(mark) - 1, following
    out[name] = line[start:len(line) - 1]
    first = names[0]
    for key, text in out.items():
        if key != first:
            out[key] = text[1:-1]
    return out


def cut_record(audit_id: str, line: bytes) -> dict[str, bytes] | None:
    return _cut(line, b'{"id":"' + audit_id.encode() + b'","audit":[', RECORD_KEYS,
                tuple(records.OPTIONAL))


@dataclass
class Prepared:
    """A batch of new audits read, checked and cut into each table's rows, on the helper
    thread (`prepare`): what is left is for SQLite to insert them (`insert`)."""

    ids: list[str]
    params: dict[str, str]  # record key -> the batch's rows of that table, a JSON array
    rows: Counter  # record key -> how many rows the records hold
    agreed: list[tuple]  # sync_audit rows: what both sides now agree on
    refresh: list[str]  # submitted audits whose facts are worked out here


def prepare(importer, batch: list[tuple]) -> Prepared | None:
    """Read a batch of (audit id, digest, line) of new audits: every record parsed and checked
    (it and its rows name its audit, its template came with the bundle), its line compressed;
    and each table's rows cut from the lines. None, with nothing done, when a line is not in
    canonical form: the importer reads that batch the general way."""
    cuts = [cut_record(audit_id, line) for audit_id, _, line in batch]
    if any(c is None for c in cuts):
        return None
    rows: Counter = Counter()
    agreed: list[tuple] = []
    refresh: list[str] = []
    for (audit_id, digest, line), cut in zip(batch, cuts):
        record = json.loads(line)
        if record.get("id") != audit_id or record["audit"][0] != audit_id:
            raise ValueError(f"the record of audit {audit_id} names another audit")
        if [k for k in record if k != "id"] != list(cut):
            raise ValueError(f"the record of audit {audit_id} holds a member twice")
        importer.check_template(audit_id, record["audit"][3])
        rows["audit"] += 1
        for name in records.CHILDREN:
            found = records.rows_of(record, name)
            if any(row[0] != audit_id for row in found):
                raise ValueError(f"a row of audit {audit_id} names another audit")
            rows[name] += len(found)
        importer.validate(record, audit_id)
        agreed.append((audit_id, digest, "record", zlib.compress(line, 1), importer.now))
        if record["audit"][10] != "draft":
            refresh.append(audit_id)

    def joined(pieces) -> str:
        return (b"[" + b",".join(p for p in pieces if p) + b"]").decode("utf-8")
    params = {"audit": joined(c["audit"] for c in cuts)}
    for name in records.CHILDREN:
        params[name] = joined(c.get(name, b"") for c in cuts)
    return Prepared([b[0] for b in batch], params, rows, agreed, refresh)


def insert(conn, prepared: Prepared) -> None:
    """Insert a prepared batch: one statement a table, then check that SQLite inserted, table
    by table, as many rows as the records hold."""
    raw = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        for name in ("audit", *records.CHILDREN):
            if prepared.rows[name]:
                cursor.execute(BULK[name], (prepared.params[name],))
                if cursor.rowcount != prepared.rows[name]:
                    raise ValueError("a record holds rows that cannot be read as written")
    finally:
        cursor.close()
