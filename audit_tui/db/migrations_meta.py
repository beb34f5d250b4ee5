"""Schema facts needed before SQLAlchemy is imported (start-up reads them with sqlite3)."""

# 'AUDT': marks a SQLite file as an audit-tui database (PRAGMA application_id).
APPLICATION_ID = 0x41554454

# The schema version this build of the tool writes: the number of steps in migrations.STEPS.
LATEST = 14
