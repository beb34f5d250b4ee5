"""The demo's writing (demo_cli.py's parts): one worker's connection and how a part's rows
go in. On SQLite a part's rows are first put in tables of an in-memory database attached to
the connection, then copied into the database in one transaction (`INSERT ... SELECT`); on a
server they go straight in by COPY (db/bulk_rows.insert_rows), the running counts by COPY and
one upsert (db/facts.apply_counts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .demo_cli import Settings

INSERTS = {
    "audit": "INSERT INTO audit (id, template_key, template_version, template_hash, "
             "case_reference, team, service_area, social_worker, auditor, audit_date, status, "
             "overall_grade, overall_rationale, answered_count, required_count, resume_at, "
             "revision, created_at, updated_at, submitted_at) VALUES "
             "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "answers": "INSERT INTO answer (id, audit_id, question_key, row_id, grade, choice, choices, "
               "text, date_value, number_value, not_applicable, evidence, updated_at, "
               "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "rows": "INSERT INTO repeat_row (id, audit_id, group_key, position, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
    "sections": "INSERT INTO section_result (audit_id, section_key, criterion, grade, "
                "rationale, not_applicable, na_reason, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "actions": "INSERT INTO action (id, audit_id, description, owner, due_date, status, "
               "completed_date, note, created_at, updated_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "events": "INSERT INTO audit_event (id, audit_id, at, who, what, old_value, new_value) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)",
}

BUSY_TIMEOUT_S = 600  # the other worker may hold the write lock while it copies a part in
CACHE_KIB = 65536  # page cache of a quick load's connections


def _tables():
    """(Batch attribute, table, stage columns, INSERT statement, copy's SELECT list) in the
    order they are written: actions before fact_audit (their trigger counts the actions of
    audits that already have facts; these are counted with their part's facts instead)."""
    import re

    from ..db import facts
    from .demo import ANSWER_VALUES

    out = []
    for name, sql in [*INSERTS.items(), ("fact_audit", facts.INSERT_FACT_AUDIT),
                      ("grades", facts.INSERT_GRADE), ("indicators", facts.INSERT_INDICATOR),
                      ("yes_no", facts.INSERT_YES_NO)]:
        table, columns = re.match(r"INSERT INTO (\w+) \(([^)]*)\)", sql).groups()
        if name == "answers":  # staged as one value and the column it goes in
            values = ", ".join(f"CASE kind WHEN '{c}' THEN value END" for c in ANSWER_VALUES)
            out.append((name, table, "id, audit_id, question_key, row_id, kind, value, "
                        "not_applicable, evidence, updated_at, updated_by", sql,
                        f"id, audit_id, question_key, row_id, {values}, not_applicable, "
                        "evidence, updated_at, updated_by"))
        else:
            out.append((name, table, columns, sql, columns))
    return out


class Writer:
    """One worker's connection. On SQLite a part's rows are first put in tables of an
    in-memory database attached to the connection (binding millions of parameters takes
    most of the writing, and this needs no lock, so the other worker writes meanwhile), then
    copied into the database in one transaction (`INSERT ... SELECT`, no Python in between),
    with the part's counts."""

    def __init__(self, settings: Settings, engine=None) -> None:
        self.tables = _tables()
        self.engine = self.conn = self.raw = None
        self.own_raw = settings.quick
        if settings.quick:
            import sqlite3

            from sqlalchemy.engine import make_url

            self.raw = sqlite3.connect(make_url(settings.url).database, isolation_level=None,
                                       timeout=BUSY_TIMEOUT_S)
            self.raw.execute("PRAGMA synchronous = OFF")
            self.raw.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            # (a plain sqlite3 connection checks no foreign keys)
        else:
            if engine is None:
                from ..db.engine import make_engine

                engine = self.engine = make_engine(settings.url)
            self.conn = engine.connect()
            if self.conn.dialect.name == "sqlite":  # the tool's usual settings, a longer wait
                self.raw = self.conn.connection.driver_connection
                self.raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        if self.raw is not None:
            self.raw.execute("ATTACH DATABASE ':memory:' AS stage")
            for _, table, staged, _, _ in self.tables:
                self.raw.execute(f"CREATE TABLE stage.{table} ({staged})")

    def write_part(self, batches, done=None) -> int:
        """Write the batches of one part with their facts and counts, in one transaction;
        return how many audits. `done(n)` is told of each batch of n audits."""
        from ..db.bulk_rows import insert_rows
        from ..db.facts import UPSERT_COUNT, apply_counts, count_rows
        from .demo import answer_row

        cells: dict = {}
        made = 0
        raw = self.raw
        if raw is None:  # another database: straight in
            with self.conn.begin():
                for batch in batches:
                    made += self._add_cells(cells, batch)
                    for name, table, _, sql, _ in self.tables:
                        rows = getattr(batch, name)
                        if rows:
                            if name == "answers":
                                rows = [answer_row(a) for a in rows]
                            columns = sql[sql.index("(") + 1:sql.index(")")].split(", ")
                            insert_rows(self.conn, table, columns, rows)  # COPY on a server
                    if done is not None:
                        done(len(batch.audit))
                # (in key order, as apply_counts writes them: two workers adding to the same
                # counts take their row locks in the same order, so a server never finds
                # them deadlocked; many rows go by COPY and one upsert)
                apply_counts(self.conn, count_rows(cells))
            return made
        for batch in batches:
            made += self._add_cells(cells, batch)
            raw.execute("BEGIN")  # (writes only the in-memory database: no lock on the file)
            try:
                for name, table, staged, _, _ in self.tables:
                    rows = getattr(batch, name)
                    if rows:
                        marks = ", ".join("?" * (staged.count(",") + 1))
                        raw.executemany(f"INSERT INTO stage.{table} VALUES ({marks})", rows)
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
            if done is not None:
                done(len(batch.audit))
        raw.execute("BEGIN IMMEDIATE")
        try:
            for _, table, _, sql, select in self.tables:
                columns = sql[sql.index("(") + 1:sql.index(")")]
                raw.execute(f"INSERT INTO main.{table} ({columns}) SELECT {select} "
                            f"FROM stage.{table}")
            raw.executemany(UPSERT_COUNT, count_rows(cells))
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        raw.execute("COMMIT")
        for _, table, _, _, _ in self.tables:
            raw.execute(f"DELETE FROM stage.{table}")
        return made

    @staticmethod
    def _add_cells(cells: dict, batch) -> int:
        for cell, counts in batch.cells.items():
            found = cells.get(cell)
            if found is None:
                cells[cell] = counts
            else:
                found.update(counts)
        return len(batch.audit)

    def close(self) -> None:
        if self.raw is not None and self.own_raw:
            self.raw.close()
        elif self.raw is not None:
            self.raw.execute("DETACH DATABASE stage")
        if self.conn is not None:
            self.conn.close()
        if self.engine is not None:
            self.engine.dispose()
