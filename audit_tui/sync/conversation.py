"""Merging the conversation parts of an audit from a bundle: the worker's side (`conversation`,
one row an audit) and the family's feedback (`feedback`, by id).

Not fields: a row found on one side only was added there and is kept, unless it is feedback
that either side removed (its removal is a history row, and history rows travel): then it is
removed here too and never brought back. A row both sides hold but that differs was corrected
on one side or both, and the later correction (its `updated_at`) is kept - the other stays in
the audit's history, written here as the old value. Never a conflict: a note of what was said
does not need a QA choice, and nothing typed is lost (a removal keeps the text in the history).
"""

from __future__ import annotations

from ..db.conversation import removed_ids
from . import apply, records

# record member -> (table, the key columns' positions, the updated_at position, label)
PARTS = {"conversation": ("worker_conversation", (0,), 8, "worker conversation"),
         "feedback": ("family_feedback", (0, 1), 9, "family feedback")}


def _show(name: str, row) -> str | None:
    if row is None:
        return None
    if name == "conversation":
        return f"{row[2]} {row[1] or ''}: {row[3]}"
    return f"{row[2]} by {row[3]}: {row[5]}"


def merge_conversation(conn, inserts: dict, audit_id: str, mine_record: dict,
                       theirs_record: dict, *, who: str, now: str) -> int:
    """Bring the bundle's conversation parts into this database; returns how many rows
    changed here."""
    changed = 0
    what, new = records.EVENT.index("what"), records.EVENT.index("new_value")
    gone = removed_ids((e[what], e[new]) for record in (mine_record, theirs_record)
                       for e in record.get("events", ()))
    for name, (table, key, at, label) in PARTS.items():
        have = {tuple(r[i] for i in key): r for r in mine_record.get(name, ())}
        if name == "feedback":
            for found in [k for k in have if k[1] in gone]:  # removed on the other side
                conn.exec_driver_sql(f"DELETE FROM {table} WHERE audit_id = ? AND id = ?",
                                     found)
                have.pop(found)
                changed += 1
        for row in theirs_record.get(name, ()):
            if row[0] != audit_id:
                raise ValueError(f"a {label} of audit {audit_id} names another audit")
            if name == "feedback" and row[1] in gone:
                continue  # removed here (or there): never brought back
            here = have.get(tuple(row[i] for i in key))
            if here is not None and (list(here) == list(row) or (row[at] or "") <= (here[at]
                                                                                   or "")):
                continue
            if here is not None:
                columns = records.COLUMNS[name]
                conn.exec_driver_sql(
                    f"DELETE FROM {table} WHERE "
                    + " AND ".join(f"{columns[i]} = ?" for i in key),
                    tuple(row[i] for i in key))
            records.execute_many(conn, inserts[name], records.for_engine(
                conn.dialect.name, name, [row]))
            apply.event(conn, audit_id, who, f"from a bundle: {label}", _show(name, here),
                        _show(name, row), now)
            changed += 1
    return changed
