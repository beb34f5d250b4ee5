"""`audit-tui bundle import`: merge a bundle into this database, in one transaction.

The bundle is checked whole first (bundle_file.open_bundle: ours, not newer, checksum right);
then, audit by audit, in batches:
- an audit this database has never seen is inserted as it is, rows straight from the bundle
  (executemany per table), with its report facts;
- an audit whose record is byte for byte the one exchanged last time (`sync_audit.digest`) is
  skipped unread: nothing on the other side changed since the two agreed;
- any other is merged field by field (merge.py) against what the two sides last agreed on;
  history rows missing here are appended (by id), and every change taken gets a history row.
Template versions missing here are inserted from the bundle's text, so every audit renders and
adds up as it was taken. The facts the reports count come with the bundle when the same version
of the tool made them (they are what submitting would record); otherwise, and for merged
audits, they are recorded here (db/facts.py). Any problem rolls the whole bundle back.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__
from ..db.migrations_meta import LATEST
from . import apply, records
from .bundle_file import BundleRefused, _line_id, open_bundle
from .export import UPSERT_AGREED, remember_agreement
from .merge import ABSENT, plan_merge

ROW_KINDS = records.ROW_KINDS
IMPORT_LOCK = 0x41554455  # the server-wide advisory lock one import holds at a time


@dataclass
class ImportSummary:
    path: Path
    checksum: str = ""
    tool_version: str = ""
    audits: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicting: int = 0
    templates_added: int = 0
    events_added: int = 0
    still_conflicting: int = 0  # audits here with conflicts to resolve, after the import
    imported_before: str = ""  # when this very bundle was imported before, if it was

    @property
    def changed_anything(self) -> bool:
        return bool(self.new or self.updated or self.conflicting or self.templates_added)


def _insert_sql(name: str) -> str:
    columns = records.COLUMNS[name]
    return (f"INSERT INTO {records.TABLE_OF[name]} ({', '.join(columns)}) VALUES "
            f"({records.marks(len(columns))})")


INSERTS = {name: _insert_sql(name) for name in ("audit", *records.CHILDREN, "templates")}


@dataclass
class _New:
    """An audit new to this database, read and checked, ready to insert."""

    record: dict
    digest: str
    base: bytes  # the record, compressed: what both sides now agree on
    facts: object = None  # AuditFacts from the bundle, or None: worked out here


class _Facts:
    """The bundle's facts, read alongside the audits (same order, submitted audits only)."""

    def __init__(self, lines) -> None:
        self.lines = iter(lines)
        self._next()

    def _next(self) -> None:
        self.head = next(self.lines, None)
        self.head_id = _line_id(self.head) if self.head is not None else None

    def take(self, audit_id: str) -> bytes | None:
        if self.head_id != audit_id:
            return None
        found = self.head
        self._next()
        return found


def _facts_from_bundle(audit_id: str, record: dict, line: bytes):
    """AuditFacts (db/facts.py) from the bundle's facts of one audit, counts included."""
    from ..db.facts import AuditFacts, Cell, count_actions, grade_value

    data = json.loads(line)
    head = data["fact_audit"]
    rows = [head, *data["grades"], *data["indicators"], *data["yes_no"]]
    if any(row[0] != audit_id for row in rows):
        raise ValueError(f"the facts of audit {audit_id} name another audit")
    cell = Cell(head[6], head[2], head[3], head[1], head[4])
    facts = AuditFacts(head, cell, data["grades"], data["indicators"], data["yes_no"])
    # The same counts as db/facts.py keeps (facts_for_state, clear_facts), from the rows.
    keys: list[tuple] = [("audit", "", "", "")]
    keys += [("overall", "", grade_value(scale, grade), band) if section_key == "" else
             ("grade", criterion, grade_value(scale, grade), band)
             for _, section_key, criterion, scale, grade, band in data["grades"]]
    keys += [("indicator", r[1], "nodata" if r[10] is None else ("met" if r[10] else "missed"),
              "open" if r[11] else "") for r in data["indicators"]]
    keys += [("yes_no", r[1], r[3], "") for r in data["yes_no"]]
    facts.counts.update(keys)
    count_actions(facts.counts, [(a[3], a[5], a[4]) for a in record["actions"]])
    return facts


def _base_fields(kind: str, blob: bytes) -> dict:
    data = json.loads(zlib.decompress(blob))
    return records.fields_of(data) if kind == "record" else data


def _conflict_value(field: str, text: str | None):
    value = None if text is None else json.loads(text)
    if field.split(":", 1)[0] in ROW_KINDS:
        return ABSENT if value is None else records.field_value(field, value)
    return value


class Importer:
    def __init__(self, conn, session, bundle, *, who: str, trust_facts: bool,
                 progress=None) -> None:
        self.conn, self.session, self.bundle = conn, session, bundle
        self.dialect = conn.dialect.name
        self.who, self.trust_facts, self.progress = who, trust_facts, progress
        self.summary = ImportSummary(bundle.path, bundle.checksum, bundle.tool_version)
        self.now = records.when(datetime.now(UTC))
        self.templates: set[str] = set()
        self.refresh: list[str] = []  # audits whose facts and progress are worked out here

    def refuse(self, why: str) -> BundleRefused:
        return BundleRefused(f"{self.bundle.path.name}: {why} Nothing was imported.")

    # -- templates ----------------------------------------------------------------------------
    def templates_first(self) -> None:
        from ..db.state import TemplateTextBroken, template_from_text
        from ..templates.loader import text_hash

        rows = [json.loads(line) for line in self.bundle.lines("templates.jsonl")]
        for row in rows:
            if text_hash(row[4]) != row[0]:
                raise self.refuse(f"the text of template {row[1]} version {row[2]} does not "
                                  "match its hash.")
            try:
                template_from_text(row[4], f"{row[1]} v{row[2]} (in the bundle)")
            except TemplateTextBroken as exc:
                raise self.refuse(f"template {row[1]} version {row[2]} cannot be read by this "
                                  f"version of audit-tui ({exc}).") from None
        hashes = [r[0] for r in rows]
        have = set()
        for part in records.batches(hashes):
            have.update(r[0] for r in records.fetch(
                self.conn, f"SELECT hash FROM template_version WHERE hash IN "
                           f"({records.marks(len(part))})", tuple(part)))
        missing = [r for r in rows if r[0] not in have]
        if missing:
            records.execute_many(self.conn, INSERTS["templates"], missing)
        self.templates = set(hashes) | have
        self.summary.templates_added = len(missing)

    # -- what is here already ------------------------------------------------------------------
    def known(self) -> dict[str, str | None]:
        """audit id -> the digest last agreed on (None: never agreed), for every audit of the
        bundle this database has."""
        ids = [audit_id for audit_id, _ in self.bundle.index]
        if len(set(ids)) != len(ids):
            raise self.refuse("it holds an audit twice.")
        out: dict[str, str | None] = {}
        for part in records.batches(ids):
            out.update((r[0], r[1]) for r in records.fetch(
                self.conn, f"SELECT a.id, s.digest FROM audit a LEFT JOIN sync_audit s "
                           f"ON s.audit_id = a.id WHERE a.id IN ({records.marks(len(part))})",
                tuple(part)))
        return out

    # -- the audits ----------------------------------------------------------------------------
    def run(self) -> ImportSummary:
        self.templates_first()
        known = self.known()
        work = {audit_id for audit_id, digest in self.bundle.index
                if audit_id not in known or known[audit_id] != digest}
        self.summary.audits = len(self.bundle.index)
        self.summary.unchanged = self.summary.audits - len(work)
        if work:
            for kind, payload in self.read(known, work):
                if kind == "new":
                    self.insert_new(payload)
                elif kind == "merge":
                    self.merge_batch(payload)
                elif payload:  # the running counts the new audits add
                    from ..db.facts import apply_counts

                    apply_counts(self.conn, payload)
            for audit_id in self.refresh:
                apply.refresh_derived(self.session, audit_id)
        elif self.progress is not None:
            self.progress.advance(self.summary.audits)
        self.summary.still_conflicting = self.conn.exec_driver_sql(
            "SELECT count(DISTINCT audit_id) FROM sync_conflict").scalar() or 0
        return self.summary

    def read(self, known: dict, work: set[str]):
        """Parse and check the records to work on, in batches of new audits (each with its
        record compressed, the agreed base, and the facts that came with it) and of audits to
        merge; then the running counts the new audits add. Reads no database. (A second
        thread for this was tried: parsing holds the GIL and SQLite's writes want it back
        after every row, so it only cost more.)"""
        from ..db.facts import add_cells, count_rows

        facts = _Facts(self.bundle.lines("facts.jsonl"))
        new: list[_New] = []
        merge: list[tuple[dict, str]] = []
        cells: dict = {}
        for line, (audit_id, digest) in zip(self.bundle.lines("audits.jsonl"),
                                           self.bundle.index):
            fact_line = facts.take(audit_id)
            if audit_id not in work:
                continue
            record = json.loads(line)
            self.check(record, audit_id, rows_too=audit_id in known)
            if audit_id in known:
                merge.append((record, digest))
                if len(merge) >= records.BATCH:
                    yield "merge", merge
                    merge = []
                continue
            item = _New(record, digest, zlib.compress(line, 1))
            if record["audit"][10] != "draft" and fact_line is not None and self.trust_facts:
                item.facts = _facts_from_bundle(audit_id, record, fact_line)
                add_cells(cells, [item.facts])
            new.append(item)
            if len(new) >= records.BATCH:
                yield "new", new
                new = []
        if new:
            yield "new", new
        if merge:
            yield "merge", merge
        yield "counts", count_rows(cells) if cells else []

    def check(self, record: dict, audit_id: str, rows_too: bool = True) -> None:
        if record.get("id") != audit_id or record["audit"][0] != audit_id:
            raise ValueError(f"the record of audit {audit_id} names another audit")
        if rows_too:
            for name in records.CHILDREN:
                if any(row[0] != audit_id for row in records.rows_of(record, name)):
                    raise ValueError(f"a row of audit {audit_id} names another audit")
        if record["audit"][3] not in self.templates:
            raise self.refuse(f"audit {audit_id} was taken on a template version the bundle "
                              "does not hold.")

    def insert_new(self, new: list[_New]) -> None:
        from ..db.facts import INSERT_FACT_AUDIT, INSERT_GRADE, INSERT_INDICATOR, INSERT_YES_NO

        run = records.execute_many
        ids = {item.record["id"] for item in new}
        run(self.conn, INSERTS["audit"], [item.record["audit"] for item in new])
        for name in records.CHILDREN:
            rows = [row for item in new for row in records.rows_of(item.record, name)]
            if not {row[0] for row in rows} <= ids:
                raise ValueError("a row names an audit it does not belong to")
            run(self.conn, INSERTS[name], records.for_engine(self.dialect, name, rows))
        facts_list = [item.facts for item in new if item.facts is not None]
        self.refresh += [item.record["id"] for item in new if item.facts is None
                         and item.record["audit"][10] != "draft"]
        if facts_list:
            run(self.conn, INSERT_FACT_AUDIT, [f.audit_row for f in facts_list])
            for sql, name in ((INSERT_GRADE, "grades"), (INSERT_INDICATOR, "indicators"),
                              (INSERT_YES_NO, "yes_no")):
                rows = [row for f in facts_list for row in getattr(f, name)]
                run(self.conn, sql, records.for_engine(self.dialect, name, rows))
        remember_agreement(self.conn, [(item.record["id"], item.digest, "record", item.base,
                                        self.now) for item in new])
        self.summary.new += len(new)
        if self.progress is not None:
            self.progress.advance(len(new))

    def merge_batch(self, merge: list[tuple[dict, str]]) -> None:
        ids = [record["id"] for record, _ in merge]
        bases = {}
        for part in records.batches(ids):
            for audit_id, kind, blob in records.fetch(
                    self.conn, f"SELECT audit_id, base_kind, base FROM sync_audit WHERE "
                               f"audit_id IN ({records.marks(len(part))})", tuple(part)):
                bases[audit_id] = _base_fields(kind, bytes(blob))
        mine = {r["id"]: r for r in records.read_records(self.conn, ids)}
        for record, digest in merge:
            self.merge_one(record, mine[record["id"]], digest, bases.get(record["id"]))
        if self.progress is not None:
            self.progress.advance(len(merge))

    def merge_one(self, theirs_record: dict, mine_record: dict, digest: str,
                  base: dict | None) -> None:
        audit_id = theirs_record["id"]
        if mine_record["audit"][3] != theirs_record["audit"][3]:
            raise self.refuse(f"audit {audit_id} was taken on another template version here.")
        conflicts = {f: t for f, t in self.conn.exec_driver_sql(
            "SELECT field, theirs FROM sync_conflict WHERE audit_id = ?", (audit_id,))}
        mine, theirs = records.fields_of(mine_record), records.fields_of(theirs_record)
        plan = plan_merge(base, mine, theirs,
                          {f: _conflict_value(f, t) for f, t in conflicts.items()})
        rows = records.full_rows(theirs_record)
        run = self.conn.exec_driver_sql
        known = {e[1] for e in mine_record["events"]}
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
        blob = zlib.compress(records.encode(plan.base), 1)
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


def import_bundle(engine, path: Path, *, who: str = "", progress=None) -> ImportSummary:
    """Merge the bundle at `path` into the database behind `engine` (one transaction).
    Raises BundleRefused, with nothing written, for a bundle that cannot be imported."""
    from sqlmodel import Session

    bundle = open_bundle(Path(path), schema_version=LATEST)
    with bundle:
        if progress is not None:
            progress.total = bundle.audit_count
        with engine.connect() as conn:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(?)", (IMPORT_LOCK,))
                elif conn.dialect.name == "sqlite":  # a bulk insert: a bigger page cache
                    conn.exec_driver_sql("PRAGMA cache_size = -65536")
                session = Session(bind=conn, expire_on_commit=False)
                try:
                    importer = Importer(conn, session, bundle, who=who,
                                        trust_facts=bundle.tool_version == __version__,
                                        progress=progress)
                    summary = importer.run()
                    session.flush()
                except (KeyError, IndexError, TypeError, ValueError) as exc:
                    raise BundleRefused(
                        f"{bundle.path.name} is not a valid bundle ({type(exc).__name__}: "
                        f"{exc}). Nothing was imported.") from None
                except Exception as exc:
                    if _integrity_error(conn, exc):
                        raise BundleRefused(
                            f"{bundle.path.name} holds rows that clash with rows already in "
                            f"this database ({' '.join(str(exc).split())[:200]}). Nothing was "
                            "imported.") from None
                    raise
                finally:
                    session.close()
                    if conn.dialect.name == "sqlite":
                        conn.exec_driver_sql("PRAGMA cache_size = -2000")
                before = conn.exec_driver_sql(
                    "SELECT imported_at FROM sync_bundle WHERE checksum = ?",
                    (bundle.checksum,)).scalar()
                if before is not None:
                    summary.imported_before = records.when(before)
                if before is None or summary.changed_anything:
                    _log(conn, bundle, summary, records.when(datetime.now(UTC)), before is None)
    return summary


def _integrity_error(conn, exc: Exception) -> bool:
    import sqlalchemy.exc

    if isinstance(exc, sqlalchemy.exc.IntegrityError):
        return True
    dbapi = getattr(conn.dialect, "loaded_dbapi", None)
    return dbapi is not None and isinstance(exc, dbapi.IntegrityError)


def _log(conn, bundle, summary: ImportSummary, now: str, first: bool) -> None:
    values = (now, str(bundle.manifest.get("created_at", ""))[:40], summary.tool_version[:40],
              summary.audits, summary.new, summary.updated, summary.unchanged,
              summary.conflicting)
    if first:
        conn.exec_driver_sql(
            "INSERT INTO sync_bundle (imported_at, created_at, tool_version, audits, new, "
            "updated, unchanged, conflicting, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, bundle.checksum))
    else:
        conn.exec_driver_sql(
            "UPDATE sync_bundle SET imported_at = ?, created_at = ?, tool_version = ?, "
            "audits = ?, new = ?, updated = ?, unchanged = ?, conflicting = ? "
            "WHERE checksum = ?", (*values, bundle.checksum))
