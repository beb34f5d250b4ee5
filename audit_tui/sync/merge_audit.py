"""A bundle's audit that this database has too: merged field by field (merge.py's plan)
against what the two sides last agreed on, its missing history appended, its safeguarding
concerns and conversation joined. A part of the import (importer.Importer uses it as a
mixin: the import's connection, who, time, bundle, summary and list of audits to work out
again are its)."""

from __future__ import annotations

import json
import zlib

from . import apply, records
from .conversation import merge_conversation
from .export import UPSERT_AGREED
from .merge import ABSENT, plan_merge

ROW_KINDS = records.ROW_KINDS
REVISION_KEY = "~revision"  # in a "fields" base: the other side's revision when they agreed


def _insert_sql(name: str) -> str:
    columns = records.COLUMNS[name]
    return (f"INSERT INTO {records.TABLE_OF[name]} ({', '.join(columns)}) VALUES "
            f"({records.marks(len(columns))})")


INSERTS = {name: _insert_sql(name) for name in ("audit", *records.CHILDREN)}
# A template version is the same row whoever stores it first (a demo may be storing it on a
# server at this moment): stored once, never a clash.
INSERTS["templates"] = _insert_sql("templates") + " ON CONFLICT (hash) DO NOTHING"


def _base_fields(kind: str, blob: bytes) -> dict:
    data = json.loads(zlib.decompress(blob))
    return records.fields_of(data) if kind == "record" else data


def _conflict_value(field: str, text: str | None):
    value = None if text is None else json.loads(text)
    if field.split(":", 1)[0] in ROW_KINDS:
        return ABSENT if value is None else records.field_value(field, value)
    return value


class MergeAudits:
    """The merging half of importer.Importer."""

    def merge_batch(self, merge: list[tuple[dict, str]]) -> None:
        ids = [record["id"] for record, _ in merge]
        bases, revisions = {}, {}
        for part in records.batches(ids):
            for audit_id, kind, blob in records.fetch(
                    self.conn, f"SELECT audit_id, base_kind, base FROM sync_audit WHERE "
                               f"audit_id IN ({records.marks(len(part))})", tuple(part)):
                bases[audit_id] = _base_fields(kind, bytes(blob))
                if kind == "record":  # the revision the other side had when they agreed
                    revisions[audit_id] = json.loads(zlib.decompress(bytes(blob)))["audit"][
                        records.AUDIT.index("revision")]
                else:  # kept beside the fields (none in a base from before)
                    revisions[audit_id] = bases[audit_id].pop(REVISION_KEY, None)
        mine = {r["id"]: r for r in records.read_records(self.conn, ids)}
        for record, digest in merge:
            self.merge_one(record, mine[record["id"]], digest, bases.get(record["id"]),
                           revisions.get(record["id"]))
        if self.progress is not None:
            self.progress.advance(len(merge))

    def merge_one(self, theirs_record: dict, mine_record: dict, digest: str,
                  base: dict | None, base_revision: int | None = None) -> None:
        audit_id = theirs_record["id"]
        if mine_record["audit"][3] != theirs_record["audit"][3]:
            raise self.refuse(f"audit {audit_id} was taken on another template version here.")
        conflicts = {f: t for f, t in self.conn.exec_driver_sql(
            "SELECT field, theirs FROM sync_conflict WHERE audit_id = ?", (audit_id,))}
        mine, theirs = records.fields_of(mine_record), records.fields_of(theirs_record)
        plan = plan_merge(base, mine, theirs,
                          {f: _conflict_value(f, t) for f, t in conflicts.items()})
        known = {e[1] for e in mine_record["events"]}
        revision = theirs_record["audit"][records.AUDIT.index("revision")]
        if (plan.changes and base_revision is not None and revision < base_revision
                and {e[1] for e in theirs_record["events"]} <= known):
            # An earlier revision than the one the other side sent when the two last agreed,
            # and every change it carries is in this database's history already: an older
            # state (a bundle imported again after a newer one). Nothing is taken: it would
            # undo newer work.
            self.summary.older += 1
            return
        rows = records.full_rows(theirs_record)
        run = self.conn.exec_driver_sql
        extra = [e for e in theirs_record["events"] if e[1] not in known]
        if extra:
            records.execute_many(self.conn, INSERTS["events"], extra)
            self.summary.events_added += len(extra)

        def theirs_row(f: str):
            return rows.get(f) if f.split(":", 1)[0] in ROW_KINDS else theirs[f]

        for f in plan.take:
            apply.set_field(self.conn, audit_id, f, theirs_row(f))
            apply.event(self.conn, audit_id, self.who, f"from a bundle: {apply.label_of(f)}",
                        apply.show(f, mine.get(f)), apply.show(f, theirs.get(f)), self.now)
        concerns = self.merge_concerns(audit_id, mine_record.get("escalations", ()),
                                       theirs_record.get("escalations", ()))
        concerns += merge_conversation(self.conn, INSERTS, audit_id, mine_record,
                                       theirs_record, who=self.who, now=self.now)
        for f in plan.new_conflicts + plan.changed_conflicts:
            kept = theirs_row(f)
            mine_text = None if f not in mine else json.dumps(mine[f], ensure_ascii=False)
            theirs_text = None if kept is None and f not in theirs else json.dumps(
                kept, ensure_ascii=False)
            if f in conflicts:
                run("UPDATE sync_conflict SET mine = ?, theirs = ?, bundle = ?, found_at = ? "
                    "WHERE audit_id = ? AND field = ?",
                    (mine_text, theirs_text, self.bundle.checksum, self.now, audit_id, f))
            else:
                run("INSERT INTO sync_conflict (audit_id, field, mine, theirs, bundle, found_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (audit_id, f, mine_text, theirs_text, self.bundle.checksum, self.now))
                apply.event(self.conn, audit_id, self.who,
                            f"conflict with a bundle: {apply.label_of(f)}",
                            apply.show(f, mine.get(f)), apply.show(f, theirs.get(f)), self.now)
        for f in plan.dissolved:
            run("DELETE FROM sync_conflict WHERE audit_id = ? AND field = ?", (audit_id, f))
        blob = zlib.compress(records.encode({**plan.base, REVISION_KEY: revision}), 1)
        run(UPSERT_AGREED, (audit_id, digest, "fields", blob, self.now))
        if plan.take:
            apply.touch(self.conn, audit_id, self.now)
            self.refresh.append(audit_id)
        elif concerns:
            apply.touch(self.conn, audit_id, self.now)
        if plan.conflicting:
            self.summary.conflicting += 1
        elif plan.take or extra or plan.dissolved or concerns:
            self.summary.updated += 1
        else:
            self.summary.unchanged += 1

    def merge_concerns(self, audit_id: str, mine: list, theirs: list) -> int:
        """Safeguarding concerns, by id: a concern raised on either side is kept (nothing in
        the app removes or edits one, so one missing here was never here), and an
        acknowledgement is for good: a concern acknowledged on either side is acknowledged on
        both, with the earlier acknowledgement when both sides made one (both are true; the
        first is when somebody took the concern on). What was raised stays as this database
        has it. Never a conflict: a safeguarding concern must not wait on a QA choice.
        Returns how many concerns changed here."""
        have = {row[1]: row for row in mine}
        changed = 0
        for row in theirs:
            if row[0] != audit_id:
                raise ValueError(f"a concern of audit {audit_id} names another audit")
            here = have.get(row[1])
            if here is None:
                records.execute_many(self.conn, INSERTS["escalations"], [row])
                apply.event(self.conn, audit_id, self.who,
                            "from a bundle: safeguarding concern raised", None,
                            f"{row[4]} to {row[5]}" + (f" ({row[2]})" if row[2] else ""),
                            self.now)
            elif row[9] is not None and (here[9] is None or (row[9], row[8] or "")
                                         < (here[9], here[8] or "")):
                self.conn.exec_driver_sql(
                    "UPDATE escalation SET acknowledged_by = ?, acknowledged_at = ? "
                    "WHERE id = ? AND audit_id = ?", (row[8], row[9], row[1], audit_id))
                apply.event(self.conn, audit_id, self.who,
                            "from a bundle: safeguarding concern acknowledged",
                            None if here[9] is None else f"{here[8]} {here[9][:16]}",
                            f"{row[8]} {row[9][:16]}", self.now)
            else:
                continue
            changed += 1
        return changed
