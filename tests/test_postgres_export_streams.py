"""The export's streams on a server: each on a connection of its own, all in the snapshot the
export's transaction took (reports/server_streams.py, issue 17)."""

from __future__ import annotations

from datetime import date

from audit_tui.db.engine import make_engine
from audit_tui.db.opening import prepare
from audit_tui.locations import parse_database
from audit_tui.reports.export import Reader, audit_parts
from audit_tui.reports.export_layout import Selection
from audit_tui.reports.filters import Filters
from audit_tui.reports.server_streams import SideStreams

STREAM = "%ORDER BY f.audit_id%"


def test_the_export_s_streams_read_one_moment_on_connections_of_their_own(pg_schema_url):
    """A change another person commits after the export began is not in the export, though
    each of the five streams (audits, sections, answers, actions, indicators) is read on a
    connection of its own, so the server finds rows while the export writes them."""
    from audit_tui.reports.demo_cli import fill

    prepare(parse_database(pg_schema_url, "--db"))
    engine = make_engine(pg_schema_url)
    try:
        fill(engine, audits=60, seed=5, today=date(2025, 3, 14))
        with engine.connect() as conn:
            last = conn.exec_driver_sql(
                "SELECT max(audit_id COLLATE \"C\") FROM fact_audit f WHERE EXISTS (SELECT 1 "
                "FROM action x WHERE x.audit_id = f.audit_id)").scalar()
            actions = conn.exec_driver_sql("SELECT count(*) FROM action WHERE audit_id = ?",
                                           (last,)).scalar()
            expected = conn.exec_driver_sql("SELECT count(*) FROM fact_audit").scalar()
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ",
                                   postgresql_readonly=True)
            with conn.begin():
                reader = Reader(conn, SideStreams.exported_by(conn))
                try:
                    with engine.begin() as other:  # committed after the export began
                        other.exec_driver_sql(
                            "UPDATE answer SET evidence = 'written later' WHERE audit_id = ?",
                            (last,))
                        other.exec_driver_sql("DELETE FROM action WHERE audit_id = ?", (last,))
                    parts = audit_parts(reader, Selection(Filters(), postgres=True))
                    first = next(parts)
                    with engine.connect() as watch:
                        own = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
                        streaming = watch.exec_driver_sql(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND pid <> ? AND query LIKE ?",
                            (own, STREAM)).scalar()
                    found = [first, *parts]
                finally:
                    reader.close()
        with engine.connect() as conn:
            now = conn.exec_driver_sql("SELECT count(*) FROM action WHERE audit_id = ?",
                                       (last,)).scalar()
    finally:
        engine.dispose()
    assert streaming == 5
    assert len(found) == expected
    kept = [p for p in found if p.audit[0] == last][0]
    assert kept.answers and all(row[-2] != "written later" for row in kept.answers)
    assert now == 0 and len(kept.actions) == actions > 0  # as they were


def test_a_stream_left_unread_gives_its_connection_back(pg_schema_url):
    """An export stopped part way (an error, the user's ctrl+c) leaves no connection of the
    pool holding a half-read stream."""
    from audit_tui.reports.demo_cli import fill

    prepare(parse_database(pg_schema_url, "--db"))
    engine = make_engine(pg_schema_url)
    try:
        fill(engine, audits=30, seed=6, today=date(2025, 3, 14))
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ",
                                   postgresql_readonly=True)
            with conn.begin():
                reader = Reader(conn, SideStreams.exported_by(conn))
                parts = audit_parts(reader, Selection(Filters(), postgres=True))
                next(parts)
                reader.close()
        assert engine.pool.checkedout() == 0
        with engine.connect() as conn:  # the pool's connections work
            assert conn.exec_driver_sql("SELECT count(*) FROM answer").scalar() > 0
    finally:
        engine.dispose()
