"""What the app's screens share: the database engine, the templates, the settings, and who the
user is. Everything heavy is created on first use, from a worker thread, never at start-up."""

from __future__ import annotations

import getpass
import threading
from pathlib import Path

from .locations import DatabaseTarget, settings_file, user_template_dir
from .settings import Settings, load_settings


class Services:
    def __init__(self, database: DatabaseTarget, template_dirs: list[Path] | None = None,
                 settings: Settings | None = None) -> None:
        self.database = database
        self.template_dirs = list(template_dirs or [])
        self.settings = settings if settings is not None else load_settings(settings_file())
        self._lock = threading.Lock()
        self._engine = None
        self._writer = None  # the writer thread's connection (writer_session)
        self._catalog = None
        self.user = _os_user()

    def engine(self):
        """The SQLAlchemy engine (imports the ORM on first call: call it from a worker)."""
        with self._lock:
            if self._engine is None:
                from .db.opening import open_engine, prepare

                prepare(self.database)
                self._engine = open_engine(self.database)
            return self._engine

    def catalog(self, reload: bool = False):
        """Every template found (bundled, the user's folder, --templates)."""
        with self._lock:
            if self._catalog is None or reload:
                from .templates.loader import default_catalog

                self._catalog = default_catalog(user_template_dir(), self.template_dirs)
            return self._catalog

    def session(self):
        from .db.engine import session_scope

        return session_scope(self.engine())

    def writer_session(self):
        """A session for the app's one writer thread (saver.py), on a connection it keeps."""
        if self._writer is None:
            from .db.engine import WriterConnection

            self._writer = WriterConnection(self.engine())
        return self._writer.session()

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some Windows set-ups)
        return ""
