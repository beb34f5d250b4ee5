"""`audit-tui bundle import`: merge a bundle into this database, in one transaction.

The bundle is checked whole first (bundle_file.open_bundle: ours, not newer, checksum right;
into an empty SQLite database the records and facts are checked as they are read instead, in
the same transaction: see `import_bundle`); then, audit by audit, in batches:
- an audit this database has never seen is inserted as it is, rows straight from the bundle
  (on SQLite by SQLite itself from the JSON, a helper thread reading ahead: bulk.py; otherwise
  executemany per table);
- an audit whose record is byte for byte the one exchanged last time (`sync_audit.digest`) is
  skipped unread: nothing on the other side changed since the two agreed;
- any other is merged field by field (merge.py) against what the two sides last agreed on;
  history rows missing here are appended (by id), and every change taken gets a history row.
Template versions missing here are inserted from the bundle's text, so every audit renders and
adds up as it was taken. The facts the reports count (and their running counts) are never taken
from the bundle: derived data, and a file can say anything. They are worked out here from the
imported answers and grades (db/facts.py), as submitting does. Any problem rolls the whole
bundle back.
"""

from __future__ import annotations

import json
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..db.bulk_rows import analyze_after_bulk, insert_rows
from ..db.migrations_meta import LATEST
from ..db.models import new_id
from . import apply, records
from .bundle_file import BundleRefused, open_bundle
from .export import remember_agreement
from .merge_audit import INSERTS, MergeAudits
from .read_ahead import ReadAhead
from .trust import check_signer

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
    older: int = 0  # audits whose record is older than what this database holds: skipped
    templates_added: int = 0
    events_added: int = 0
    still_conflicting: int = 0  # audits here with conflicts to resolve, after the import
    imported_before: str = ""  # when this very bundle was imported before, if it was
    signer: object = None  # signing.Signer of the bundle
    newly_trusted: bool = False  # the signer was trusted by this import (--trust-new-signer)
    allocations: int = 0  # the audit programme's allocations added or changed (issue 15)

    @property
    def changed_anything(self) -> bool:
        return bool(self.new or self.updated or self.conflicting or self.templates_added
                    or self.allocations)


@dataclass
class _New:
    """An audit new to this database, read and checked, ready to insert."""

    record: dict
    digest: str
    base: bytes  # the record, compressed: what both sides now agree on


class Importer(MergeAudits):
    def __init__(self, conn, session, bundle, *, who: str, progress=None) -> None:
        self.conn, self.session, self.bundle = conn, session, bundle
        self.dialect = conn.dialect.name
        self.who, self.progress = who, progress
        self.summary = ImportSummary(bundle.path, bundle.checksum, bundle.tool_version)
        self.now = records.when(datetime.now(UTC))
        self.templates: set[str] = set()
        self.refresh: list[str] = []  # audits whose facts and progress are worked out here
        self.agreed: list[tuple] = []  # sync_audit rows of the new audits
        self.bulk = False  # new audits the fast way (bulk.py)
        self.position: dict[str, int] = {}  # audit id -> its place in the bundle, from 1

    def refuse(self, why: str) -> BundleRefused:
        return BundleRefused(f"{self.bundle.path.name}: {why} Nothing was imported.")

    # -- templates ----------------------------------------------------------------------------
    def templates_first(self) -> None:
        from ..db.state import TemplateTextBroken, template_from_text
        from ..templates.loader import text_hash

        from ..locations import settings_file
        from ..settings import load_settings
        from .validate import RecordChecker

        rows = [json.loads(line) for line in self.bundle.lines("templates.jsonl")]
        parsed = {}
        for row in rows:
            if text_hash(row[4]) != row[0]:
                raise self.refuse(f"the text of template {row[1]} version {row[2]} does not "
                                  "match its hash.")
            try:
                parsed[row[0]] = template_from_text(row[4],
                                                    f"{row[1]} v{row[2]} (in the bundle)")
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
        self.checker = RecordChecker(parsed, load_settings(settings_file()))
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
        if self.bundle.index is None:  # into an empty database: every record is new
            known: dict = {}
            work = None  # all; the records are checked and counted as they are read
        else:
            known = self.known()
            work = {audit_id for audit_id, digest in self.bundle.index
                    if audit_id not in known or known[audit_id] != digest}
            self.summary.audits = len(self.bundle.index)
            self.summary.unchanged = self.summary.audits - len(work)
        if work is None or work:
            deferred = self.defer_indexes() if not known else []
            source = None
            if self.dialect == "sqlite":  # reading, checking, compressing on a helper thread
                from .bulk import available

                self.bulk = available(self.conn)
                source = ReadAhead(self.read(known, work), lambda: None)
            try:
                for kind, payload in (source or self.read(known, work)):
                    if kind == "new":
                        self.insert_new(payload)
                    else:
                        self.merge_batch(payload)
            finally:
                if source is not None:
                    source.close()
            remember_agreement(self.conn, self.agreed)
            for sql in deferred:
                self.conn.exec_driver_sql(sql)
            apply.refresh_derived(self.session, self.refresh)
        elif self.progress is not None:
            self.progress.advance(self.summary.audits)
        self.summary.still_conflicting = self.conn.exec_driver_sql(
            "SELECT count(DISTINCT audit_id) FROM sync_conflict").scalar() or 0
        return self.summary

    def read(self, known: dict, work: set[str]):
        """The records to work on, in batches, read and checked: new audits ready to insert
        (`prepare_new`), and audits to merge. Reads no database: on SQLite it runs on a helper
        thread, ahead of the inserts (`_Ahead`)."""
        checking = self.bundle.index is None
        if checking:  # every record new, checked as it is read (Bundle.records)
            source = self.bundle.records()
        else:
            source = ((line, audit_id, digest) for line, (audit_id, digest) in
                      zip(self.bundle.lines("audits.jsonl"), self.bundle.index))
        new: list[tuple] = []
        merge: list[tuple[dict, str]] = []
        for place, (line, audit_id, digest) in enumerate(source, 1):
            self.position[audit_id] = place
            if checking:
                self.summary.audits += 1
            elif audit_id not in work:
                continue
            if audit_id in known:
                record = json.loads(line)
                self.check(record, audit_id)
                merge.append((record, digest))
                if len(merge) >= records.BATCH:
                    yield "merge", merge
                    merge = []
                continue
            new.append((audit_id, digest, line))
            if len(new) >= records.BATCH:
                yield "new", self.prepare_new(new)
                new = []
        if checking:  # the facts member checked too, though nothing in it is used
            for _ in self.bundle.checked_lines("facts.jsonl"):
                pass
        if new:
            yield "new", self.prepare_new(new)
        if merge:
            yield "merge", merge

    def check(self, record: dict, audit_id: str) -> None:
        if record.get("id") != audit_id or record["audit"][0] != audit_id:
            raise ValueError(f"the record of audit {audit_id} names another audit")
        for name in records.CHILDREN:
            if any(row[0] != audit_id for row in records.rows_of(record, name)):
                raise ValueError(f"a row of audit {audit_id} names another audit")
        self.check_template(audit_id, record["audit"][3])
        self.validate(record, audit_id)

    def validate(self, record: dict, audit_id: str) -> None:
        """The checks typed input gets (validate.py): the bundle is refused whole."""
        problem = self.checker.problem(record)
        if problem is not None:
            raise self.refuse(f"audit {self.position.get(audit_id, '?')} in the bundle (id "
                              f"{audit_id[:8]}), {problem}.")

    def check_template(self, audit_id: str, template_hash: str) -> None:
        if template_hash not in self.templates:
            raise self.refuse(f"audit {audit_id} was taken on a template version the bundle "
                              "does not hold.")

    # -- new audits ----------------------------------------------------------------------------
    def defer_indexes(self) -> list[str]:
        """Into an empty SQLite database, the secondary indexes of the tables a bulk import
        fills are dropped and made again once the rows are in (`run`), in the same transaction:
        building an index from all its rows at once is cheaper than keeping it up row by row.
        Returns the statements that make them again."""
        if self.dialect != "sqlite" or self.conn.exec_driver_sql(
                "SELECT 1 FROM audit LIMIT 1").first() is not None:
            return []
        tables = {records.TABLE_OF[name] for name in ("audit", *records.CHILDREN, "fact_audit",
                                                      *records.FACT_TABLES)}
        found = [(name, sql) for name, table, sql in self.conn.exec_driver_sql(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND "
            "sql IS NOT NULL") if table in tables]
        for name, _ in found:
            self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _, sql in found]

    def prepare_new(self, batch: list[tuple]):
        """A batch of new audits (audit id, digest, line), read and checked, ready for
        `insert_new`: on SQLite cut into each table's rows (bulk.py), otherwise (or for records
        not in canonical form) parsed, as _New items. Their report facts are never taken from
        the bundle (derived data, and a file can say anything): `run` records them here."""
        if self.bulk:
            from .bulk import prepare

            found = prepare(self, batch)
            if found is not None:
                return found
        new: list[_New] = []
        for audit_id, digest, line in batch:
            record = json.loads(line)
            self.check(record, audit_id)
            new.append(_New(record, digest, zlib.compress(line, 1)))
        return new

    def insert_new(self, prepared) -> None:
        from .bulk import Prepared, insert

        if isinstance(prepared, Prepared):
            insert(self.conn, prepared)
            self.agreed += prepared.agreed
            self.refresh += prepared.refresh
            ids = prepared.ids
        else:
            self.insert_parsed(prepared)
            ids = [item.record["id"] for item in prepared]
        records.execute_many(self.conn, INSERTS["events"], [
            (audit_id, new_id(), self.now, self.who, "from a bundle: audit added", None, None)
            for audit_id in ids])
        count = len(ids)
        self.summary.new += count
        if self.progress is not None:
            self.progress.advance(count)

    def insert_parsed(self, new: list[_New]) -> None:
        def run(conn, name, rows):  # COPY on PostgreSQL: new rows, nothing to merge
            insert_rows(conn, records.TABLE_OF[name], records.COLUMNS[name], rows)
        ids = {item.record["id"] for item in new}
        run(self.conn, "audit", [item.record["audit"] for item in new])
        for name in records.CHILDREN:
            rows = [row for item in new for row in records.rows_of(item.record, name)]
            if not {row[0] for row in rows} <= ids:
                raise ValueError("a row names an audit it does not belong to")
            run(self.conn, name, records.for_engine(self.dialect, name, rows))
        self.refresh += [item.record["id"] for item in new
                         if item.record["audit"][10] != "draft"]
        self.agreed += [(item.record["id"], item.digest, "record", item.base, self.now)
                        for item in new]

ANALYZE_AFTER = 500  # audits imported into a server: its tables are analysed afterwards


def import_bundle(engine, path: Path, *, who: str = "", progress=None,
                  trust_new_signer: bool = False) -> ImportSummary:
    """Merge the bundle at `path` into the database behind `engine` (one transaction).
    Raises BundleRefused, with nothing written, for a bundle that cannot be imported: among
    them one unsigned, with a bad signature, or signed by a signer this database does not
    trust (unless `trust_new_signer`: the signer is then trusted, in the same transaction)."""
    path = Path(path)
    if not path.is_file():  # before the database is touched
        raise BundleRefused(f"{path} does not exist or is not a file. Nothing was imported.")
    with engine.connect() as conn, _no_gc():
        sqlite = conn.dialect.name == "sqlite"
        try:
            with conn.begin():
                # Into an empty SQLite database (every record new, the bulk path) the records
                # are checked as they are read, in this transaction, rather than read twice: a
                # bundle found damaged or altered then rolls back, and nothing was imported.
                empty = sqlite and conn.exec_driver_sql(
                    "SELECT 1 FROM audit LIMIT 1").first() is None
                with open_bundle(path, schema_version=LATEST, check_records=not empty) as bundle:
                    if progress is not None:
                        progress.total = bundle.audit_count
                    if sqlite:  # a bulk insert: a page cache that holds it, indexes sorted
                        conn.exec_driver_sql("PRAGMA cache_size = -262144")  # in memory
                        conn.exec_driver_sql("PRAGMA temp_store = MEMORY")
                    signer, newly = check_signer(conn, bundle, trust_new=trust_new_signer,
                                                 who=who)
                    summary = _import_in(conn, bundle, who=who, progress=progress,
                                         signer=signer)
                    summary.newly_trusted = newly
        finally:
            if sqlite:  # the connection goes back to the pool as it was
                conn.exec_driver_sql("PRAGMA cache_size = -2000")
                conn.exec_driver_sql("PRAGMA temp_store = DEFAULT")
                conn.rollback()
    if summary.new + summary.updated >= ANALYZE_AFTER:
        analyze_after_bulk(engine)
    return summary


@contextmanager
def _no_gc():
    """Python's cycle collector paused for the import: parsing a bundle makes millions of short
    lived lists, freed as soon as they are used, and the collections they set off took a
    quarter of the reading thread's time (measured). Any cycle made meanwhile is collected
    afterwards."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import_in(conn, bundle, *, who: str, progress, signer) -> ImportSummary:
    """The import, in the transaction of `conn`."""
    from sqlmodel import Session

    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(?)", (IMPORT_LOCK,))
    session = Session(bind=conn, expire_on_commit=False)
    try:
        # Every change the bundle brings says whose bundle it came from, and who imported it.
        by = f"{signer.name[:60]} (key {signer.shown}), imported by {who}"[:200]
        importer = Importer(conn, session, bundle, who=by, progress=progress)
        importer.summary.signer = signer
        summary = importer.run()
        session.flush()
        from .programme_records import MEMBER, import_allocations

        if MEMBER in bundle.manifest["members"]:
            summary.allocations = import_allocations(conn, bundle.lines(MEMBER))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise BundleRefused(
            f"{bundle.path.name} is not a valid bundle ({type(exc).__name__}: {exc}). Nothing "
            "was imported.") from None
    except Exception as exc:
        if _integrity_error(conn, exc):
            raise BundleRefused(
                f"{bundle.path.name} holds rows that clash with rows already in this database "
                f"({' '.join(str(exc).split())[:200]}). Nothing was imported.") from None
        raise
    finally:
        session.close()
    before = conn.exec_driver_sql("SELECT imported_at FROM sync_bundle WHERE checksum = ?",
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
              summary.conflicting, summary.signer.name[:200], summary.signer.fingerprint)
    if first:
        conn.exec_driver_sql(
            "INSERT INTO sync_bundle (imported_at, created_at, tool_version, audits, new, "
            "updated, unchanged, conflicting, signer_name, signer_fingerprint, checksum) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, bundle.checksum))
    else:
        conn.exec_driver_sql(
            "UPDATE sync_bundle SET imported_at = ?, created_at = ?, tool_version = ?, "
            "audits = ?, new = ?, updated = ?, unchanged = ?, conflicting = ?, "
            "signer_name = ?, signer_fingerprint = ? WHERE checksum = ?",
            (*values, bundle.checksum))
