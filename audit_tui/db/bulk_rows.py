"""New rows in bulk, the quickest way each engine takes them: COPY on PostgreSQL (one stream a
table, against a statement a row with executemany: issue 17 measured executemany at 69% of a
bundle import), executemany through the driver on SQLite. For rows that are new (no conflict to
resolve); values as the driver binds them (on PostgreSQL booleans as booleans)."""

from __future__ import annotations


def insert_rows(conn, table: str, columns: tuple[str, ...] | list[str], rows: list) -> None:
    """Insert `rows` (sequences of values in `columns` order) into `table`."""
    if not rows:
        return
    raw = conn.connection.driver_connection
    names = ", ".join(columns)
    marker = "?"
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            # COPY cannot go through row-level security: a login its policies apply to (QA
            # on a server set up with `audit-tui server setup`) inserts the rows instead.
            cursor.execute("SELECT row_security_active(%s)", (table,))
            if not cursor.fetchone()[0]:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
        marker = "%s"
    cursor = raw.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES "
                           f"({', '.join(marker for _ in columns)})", rows)
    finally:
        cursor.close()


# The tables a bulk load fills (a bundle's import, the demo). After one on PostgreSQL they are
# analysed: autovacuum would get there later, and until it does the planner plans for the old
# sizes (importing a bundle again took 3 s against 0.5 s once analysed; issue 17).
ANALYZED = ("audit", "answer", "repeat_row", "section_result", "action", "audit_event",
            "sync_audit", "fact_audit", "grade_fact", "indicator_result", "yes_no_fact",
            "fact_count")


def analyze_after_bulk(engine) -> None:
    """ANALYZE the bulk-loaded tables on a server (nothing on SQLite), and VACUUM fact_audit
    (a row an audit: a few hundred milliseconds at 100,000 audits) so that its pages are
    known to be visible to all and a filter's audits are read from an index alone (migration
    step 13) from the start, not once autovacuum comes by. A login that does not own the
    tables gets the server's warning and nothing is done."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE " + ", ".join(ANALYZED))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM fact_audit")
