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
                 settings: Settings | None = None, on_identified=None) -> None:
        self.database = database
        self.template_dirs = list(template_dirs or [])
        self.settings = settings if settings is not None else load_settings(settings_file())
        self._lock = threading.Lock()
        self._engine = None
        self._writer = None  # the writer thread's connection (writer_session)
        self._catalog = None
        # Who the user is: the operating system's user name on a SQLite file; on a shared
        # server the login the server says (current_user), and its roles, once the engine is
        # open (`identify`). Empty roles: every action (a file, or the administrator).
        self.user = _os_user()
        self.roles: frozenset[str] = frozenset()
        self.on_server = database.path is None
        self._on_identified = on_identified  # called (from the opening thread) once known

    def engine(self):
        """The SQLAlchemy engine (imports the ORM on first call: call it from a worker)."""
        with self._lock:
            if self._engine is None:
                from .db.opening import open_engine, prepare

                prepare(self.database)
                engine = open_engine(self.database)
                if self.on_server:
                    from .db.server_roles import identity

                    self.user, self.roles = identity(engine)
                    if self._on_identified is not None:
                        self._on_identified()
                self._engine = engine
            return self._engine

    def may(self, action: str) -> bool:
        """Whether the connected login's roles allow the app's `action` (always, on a file)."""
        return allowed(action, self.roles)

    def explain(self, exc: Exception, what_failed: str) -> str:
        """A sentence for an error reading the database (call it from a worker): on a shared
        server, what the login's role may not read; else `what_failed` and the error."""
        from .db.engine import is_refused

        if self.on_server and is_refused(exc):
            from .db.refusals import refusal

            refused = refusal(exc, self.engine())
            if refused is not None:
                return str(refused)
        return f"{what_failed}: {exc}"

    def may_change(self, created_by: str, status: str) -> bool:
        """Whether the user may change an audit `created_by` someone, in `status`: a draft,
        and on a shared server one of their own unless they are QA (the server's policies
        would refuse the rest)."""
        if status != "draft":
            return False
        if not self.roles or "qa" in self.roles:
            return True
        return "auditor" in self.roles and created_by == self.user

    def who(self) -> str:
        """'alice (auditor)': who the server says the user is, and the login's audit-tui roles
        if it has any, for the header; '' on a file."""
        if not self.on_server:
            return ""
        return f"{self.user} ({', '.join(sorted(self.roles))})" if self.roles else self.user

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


# The app's actions that need one of these roles on a shared server (others are for anyone
# who can open the app); what the server's policies would refuse anyway is not offered.
NEEDS = {
    "new_audit": {"auditor", "qa"}, "delete_draft": {"auditor", "qa"},
    "submit": {"auditor", "qa"}, "create": {"auditor", "qa"},
    "reopen": {"qa"}, "conflicts": {"qa"}, "keep": {"qa"}, "keep_all": {"qa"},
    "moderation_queue": {"moderator", "qa"}, "moderate": {"moderator", "qa"},
    "agree": {"moderator", "qa"}, "own_grade": {"moderator", "qa"},
}


def allowed(action: str, roles: frozenset[str]) -> bool:
    return not roles or action not in NEEDS or bool(NEEDS[action] & roles)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some Windows set-ups)
        return ""
