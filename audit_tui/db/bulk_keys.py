"""An audit's rows unchecked against their audit while the demo fills an empty database on a
server, and checked all at once afterwards (issue 17).

PostgreSQL checks each new row of a table with a foreign key by a lookup of its audit, about
5 microseconds a row: at 100,000 demo audits some 8 million rows (answers, facts), most of the
server's time beside the indexes. PostgreSQL's manual advises, for a bulk load, dropping the
foreign keys and adding them again afterwards ("Populating a Database"), when they are checked
in one pass (0.8 s for 20,000 audits; the demo went from 26.4 s to 21.0 s). The SQLite demo's
writers check no foreign keys at all (a plain sqlite3 connection).

Only where it is safe: a server, a database that holds no audits yet (nobody's work to
protect), a login that owns the tables, and each key exactly the one the schema makes. The
tables set aside are written in `server_setting` in the same transaction as the keys are
dropped, so if the demo is stopped part way, the next `audit-tui` start by the tables' owner
(db/opening.prepare_server) or the next demo adds them back; each part of the demo is one
transaction, so no row is ever left without its audit.
"""

from __future__ import annotations

TABLES = ("answer", "repeat_row", "section_result", "action", "audit_event", "fact_audit",
          "grade_fact", "indicator_result", "yes_no_fact")
KEY = "FOREIGN KEY (audit_id) REFERENCES audit(id) ON DELETE CASCADE"
SETTING = "unchecked_during_load"  # server_setting: the tables whose keys are set aside


def name_of(table: str) -> str:
    return f"{table}_audit_id_fkey"


def set_aside(engine) -> list[str]:
    """Drop the audit keys of TABLES where it is safe (see the module); returns the tables
    whose keys were dropped ([] where nothing was done)."""
    if engine.dialect.name != "postgresql":
        return []
    import sqlalchemy.exc

    try:
        with engine.begin() as conn:
            if conn.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM audit)").scalar():
                return []
            conn.exec_driver_sql("SET LOCAL lock_timeout = '2s'")  # nobody else waits on us
            found = dict(conn.exec_driver_sql(
                "SELECT c.relname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                "JOIN pg_class c ON c.oid = k.conrelid WHERE k.contype = 'f' AND "
                "c.relnamespace = current_schema()::regnamespace AND k.conname = "
                "c.relname || '_audit_id_fkey' AND pg_has_role(c.relowner, 'USAGE')").all())
            tables = [t for t in TABLES if found.get(t) == KEY]
            if not tables:
                return []
            conn.exec_driver_sql(
                "INSERT INTO server_setting (name, value) VALUES (?, ?) ON CONFLICT (name) "
                "DO UPDATE SET value = excluded.value", (SETTING, ",".join(tables)))
            for table in tables:
                conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {name_of(table)}")
            return tables
    except sqlalchemy.exc.DBAPIError:  # not ours to change after all, or busy: keep them
        return []


def restore(engine) -> bool:
    """Add back the keys `set_aside` dropped (the server checks every row in one pass); True
    if there were any. Nothing on SQLite, or where none are set aside; a login that does not
    own the tables leaves them for one that does (DBAPIError is raised only if the rows
    break a key, which the demo's one transaction a part never leaves)."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.begin() as conn:
        if conn.exec_driver_sql("SELECT to_regclass('server_setting')").scalar() is None:
            return False
        select = "SELECT value FROM server_setting WHERE name = ?"
        row = conn.exec_driver_sql(select, (SETTING,)).first()  # (any login may read it)
        if row is None:
            return False
        tables = [t for t in row[0].split(",") if t in TABLES]
        owned = set(conn.exec_driver_sql(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = "
            "current_schema()::regnamespace AND pg_has_role(c.relowner, 'USAGE')").scalars())
        if not set(tables) <= owned or "server_setting" not in owned:
            return False
        if conn.exec_driver_sql(select + " FOR UPDATE", (SETTING,)).first() is None:
            return False  # (another copy has just added them back)
        present = set(conn.exec_driver_sql(
            "SELECT conname FROM pg_constraint WHERE connamespace = "
            "current_schema()::regnamespace AND contype = 'f'").scalars())
        for table in tables:
            if name_of(table) not in present:
                conn.exec_driver_sql(
                    f"ALTER TABLE {table} ADD CONSTRAINT {name_of(table)} {KEY}")
        conn.exec_driver_sql("DELETE FROM server_setting WHERE name = ?", (SETTING,))
    return True
