"""A schema of its own on a PostgreSQL server for a benchmark (made empty and migrated,
dropped afterwards), so a benchmark never touches the rest of the database it is given."""

from __future__ import annotations

import uuid


class Schema:
    def __init__(self, base: str) -> None:
        from audit_tui.db.engine import make_engine

        self.base, self.admin = base, make_engine(base)
        self.name = f"bench_{uuid.uuid4().hex[:10]}"
        sep = "&" if "?" in base else "?"
        self.url = f"{base}{sep}options=-csearch_path%3D{self.name}"

    def empty(self) -> "Schema":
        """The schema, new and migrated (made again each time)."""
        from audit_tui.db.opening import prepare
        from audit_tui.locations import parse_database

        self.drop()
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{self.name}"')
        prepare(parse_database(self.url, "--db"))
        return self

    def size(self) -> float:
        """Gigabytes its tables and indexes take."""
        with self.admin.connect() as conn:
            return float(conn.exec_driver_sql(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN "
                "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND "
                "c.relkind = 'r'", (self.name,)).scalar()) / 1e9

    def server_version(self) -> str:
        with self.admin.connect() as conn:
            return conn.exec_driver_sql("SHOW server_version").scalar().split()[0]

    def drop(self) -> None:
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')

    def settle(self, limit: float = 600.0) -> float:
        """Wait until no autovacuum worker is at work in the database (after a bulk load it
        vacuums the new tables for a minute or more, beside whatever is measured); returns
        the seconds waited (at most `limit`)."""
        import time

        start = time.monotonic()
        while time.monotonic() - start < limit:
            with self.admin.connect() as conn:
                busy = conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                    "'autovacuum worker' AND datname = current_database()").scalar()
            if not busy:
                break
            time.sleep(1.0)
        return time.monotonic() - start
