"""`audit-tui bundle export`: the audits of this database, in one bundle file.

Everything happens in one transaction: the audits are read (a consistent snapshot), written
to the bundle, and for each one the record sent is kept as what both sides now agree on
(`sync_audit`), so that the changes made on either side afterwards can be told apart when
a bundle comes back. An audit with conflicts still to resolve keeps its earlier agreement.
If anything fails, nothing is kept and no bundle is left behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from .. import __version__
from ..db.migrations_meta import LATEST
from . import programme_records, records
from .bundle_file import FORMAT, FORMAT_VERSION, BundleWriter

STATUSES = ("submitted", "all")


def _digest_and_base(line: bytes) -> tuple[str, bytes]:
    import zlib

    return hashlib.sha256(line).hexdigest(), zlib.compress(line, 1)


class Compressor:
    """Hashes and compresses record lines on a second thread (hashlib and zlib let go of the
    GIL) while this one reads and encodes the next; `take(n)` hands back (SHA-256, compressed
    line) for the first n not yet taken, in order."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(1, thread_name_prefix="bundle-zlib")
        self.pending: list = []

    def add(self, line: bytes) -> None:
        self.pending.append(self.pool.submit(_digest_and_base, line))

    def take(self, n: int) -> list[tuple[str, bytes]]:
        done, self.pending = self.pending[:n], self.pending[n:]
        return [future.result() for future in done]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class ExportResult:
    path: Path
    audits: int = 0
    templates: int = 0
    counts: dict = field(default_factory=dict)
    checksum: str = ""


def select_ids(conn, *, since: date | None, status: str) -> list[str]:
    """The audits to export: every one ('all') or every one not a draft ('submitted'), changed
    on or after `since` (the audit, any of its actions, moderated grades or safeguarding
    concerns: moderating and raising or acknowledging a concern leave the audit as it was)."""
    clauses, params = ["1 = 1"], {}
    if status == "submitted":
        clauses.append("a.status != 'draft'")
    if since is not None:
        params["since"] = f"{since.isoformat()} 00:00:00.000000"
        clauses.append("(a.updated_at >= :since OR EXISTS (SELECT 1 FROM action x WHERE "
                       "x.audit_id = a.id AND x.updated_at >= :since) OR EXISTS (SELECT 1 "
                       "FROM moderation m WHERE m.audit_id = a.id AND m.at >= :since) OR "
                       "EXISTS (SELECT 1 FROM escalation e WHERE e.audit_id = a.id AND "
                       "(e.raised_at >= :since OR e.acknowledged_at >= :since)))")
    return [r[0] for r in conn.exec_driver_sql(
        f"SELECT a.id FROM audit a WHERE {' AND '.join(clauses)} ORDER BY a.id", params)]


def _snapshot(conn) -> None:
    """One consistent view of the database for the whole export."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def export_bundle(engine, out: Path, *, since: date | None = None, status: str = "submitted",
                  progress=None) -> ExportResult:
    """Write the bundle to `out` (0600); returns what went in."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    out = Path(out)
    result = ExportResult(out)
    writer = BundleWriter(out)
    compressor = Compressor()
    try:
        with engine.connect() as conn:
            with conn.begin():
                _snapshot(conn)
                ids = select_ids(conn, since=since, status=status)
                if progress is not None:
                    progress.total = len(ids)
                conflicting = {r[0] for r in conn.exec_driver_sql(
                    "SELECT DISTINCT audit_id FROM sync_conflict")}
                counts = {"audits": 0, **{name: 0 for name in records.CHILDREN}, "facts": 0,
                          "templates": 0, "allocations": 0}
                hashes: dict[str, None] = {}
                agreed: list[str] = []
                now = records.when(datetime.now(UTC))

                def audit_lines():
                    for audit_id, template_hash, rows, line in records.record_lines(conn, ids):
                        hashes.setdefault(template_hash)
                        counts["audits"] += 1
                        for name, n in rows.items():
                            counts[name] += n
                        if audit_id not in conflicting:
                            agreed.append(audit_id)
                            compressor.add(line)
                        if progress is not None:
                            progress.advance()
                        yield line

                writer.write_member("audits.jsonl", audit_lines())

                def fact_lines():
                    for line in records.facts_lines(conn, ids):
                        counts["facts"] += 1
                        yield line

                writer.write_member("facts.jsonl", fact_lines())

                def template_lines():
                    columns = records.select_list(conn.dialect.name, "templates")
                    for part in records.batches(list(hashes)):
                        for row in records.fetch(
                                conn, f"SELECT {columns} FROM template_version WHERE hash IN "
                                      f"({records.marks(len(part))}) ORDER BY hash", tuple(part)):
                            counts["templates"] += 1
                            yield records.encode(row)

                writer.write_member("templates.jsonl", template_lines())

                def allocation_lines():  # issue 15: the audit programme's allocations
                    for line in programme_records.allocation_lines(conn):
                        counts["allocations"] += 1
                        yield line

                if programme_records.any_allocations(conn):  # else: the bundle as before
                    writer.write_member(programme_records.MEMBER, allocation_lines())
                manifest = writer.finish({
                    "format": FORMAT, "format_version": FORMAT_VERSION,
                    "tool": "audit-tui", "tool_version": __version__, "schema_version": LATEST,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "filters": {"since": since.isoformat() if since else None,
                                "status": status},
                    "counts": counts, "columns": {k: list(v) for k, v in
                                                  records.COLUMNS.items()},
                })
                remember_agreement(conn, [
                    (audit_id, digest, "record", blob, now)
                    for audit_id, (digest, blob) in zip(agreed, compressor.take(len(agreed)))])
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        compressor.close()
    result.audits, result.templates = counts["audits"], counts["templates"]
    result.counts, result.checksum = counts, manifest["checksum"]
    return result


UPSERT_AGREED = ("INSERT INTO sync_audit (audit_id, digest, base_kind, base, agreed_at) "
                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (audit_id) DO UPDATE SET "
                 "digest = excluded.digest, base_kind = excluded.base_kind, "
                 "base = excluded.base, agreed_at = excluded.agreed_at")


def remember_agreement(conn, rows: list[tuple]) -> None:
    """Keep (audit id, digest, base kind, base, time) as what both sides now agree on."""
    for part in records.batches(rows, 2000):
        conn.exec_driver_sql(UPSERT_AGREED, part)
