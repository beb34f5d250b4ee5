"""The terminal app: its screens, global keys and command palette.

Start-up is kept light: the home screen reads its list with the standard library's sqlite3 in a
worker, and the ORM and templates are loaded in the background after the first paint.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterable

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .key_order import OrderedKeys
from .locations import DatabaseTarget
from .messages import Identified, Saved
from .saver import Saver
from .services import Services
from .settings import Settings


_orm_lock = threading.Lock()
_orm_ready = threading.Event()


def import_orm() -> None:
    """Import the data layer (SQLAlchemy, SQLModel, our store) and the template loader, once.

    Two threads importing SQLAlchemy at the same moment can see a half-imported module and
    crash, so the import holds a lock: a thread that calls this while another is importing
    waits for it to finish, then finds everything imported."""
    if _orm_ready.is_set():
        return
    with _orm_lock:
        if not _orm_ready.is_set():
            from .db import engine, lifecycle, opening, state, store  # noqa: F401
            from .templates import loader  # noqa: F401

            _orm_ready.set()


USER_INPUT = (events.Key, events.MouseDown, events.MouseUp, events.Click, events.Paste)


def _screen_actions():
    """The command palette's provider of screen actions, imported when the palette opens."""
    from .commands import ScreenActions

    return ScreenActions


class AuditApp(OrderedKeys, App):
    CSS_PATH = "app.tcss"
    TITLE = "audit-tui"
    COMMANDS = {_screen_actions}  # every command, in a fixed order (commands.py)
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("question_mark,f1", "keys", "Keys", id="app.keys"),
        Binding("ctrl+g", "dashboard", "Dashboard", id="app.dashboard"),
        Binding("f7", "conflicts", "Conflicts", show=False,
                tooltip="Audits changed on two laptops: keep mine or theirs, field by field",
                id="app.conflicts"),
        # f8, not ctrl+a: text fields use ctrl+a (start of the line).
        Binding("f8", "actions", "Actions", show=False,
                tooltip="Actions across every audit: open, due soon, overdue, done",
                id="app.actions"),
        Binding("f6", "moderation_queue", "Moderation queue", show=False,
                tooltip="Submitted audits awaiting moderation", id="app.moderation_queue"),
        Binding("f9", "programme", "Audit programme", show=False,
                tooltip="This month's allocated audits by auditor and team; the overdue ones",
                id="app.programme"),
    ]

    def __init__(self, database: DatabaseTarget, template_dirs: list[Path] | None = None,
                 settings: Settings | None = None, warm_up: bool = True,
                 startup_warnings: list[str] | None = None) -> None:
        super().__init__()
        self.startup_warnings = list(startup_warnings or [])
        self._who = ""  # 'alice (auditor)' once a shared server has said (on_identified)
        self.services = Services(database, template_dirs, settings,
                                 on_identified=lambda: self.post_message(Identified()))
        self.warm_up = warm_up
        self._preloading = False
        self.saver = Saver(self.services.writer_session,
                           lambda result: self.post_message(Saved(result)))
        # Read before the UI starts (never on its thread): the theme chosen last time, and the
        # [keymap] of settings.toml checked against the bindings.
        from .locations import settings_file
        from .preferences import checked_keymap, saved_theme

        self._saved_theme = saved_theme()
        keymap, problems = checked_keymap(self.services.settings.keymap, settings_file())
        self.startup_warnings += problems
        if keymap:
            self.set_keymap(keymap)

    def save(self, label: str, work, key: str = "") -> None:
        """Queue a database change; the active screen gets a `Saved` message when it is done."""
        self.saver.submit(label, work, key)

    def on_saved(self, message: Saved) -> None:
        if message.result.ok is False:
            self.notify(message.result.message, title="Not saved", severity="error", timeout=8)
        if self.screen_stack:  # a save can land while the app is shutting down
            self.screen.post_message(Saved(message.result))

    def on_identified(self, _message: Identified) -> None:
        """On a shared server: who the user is connected as goes in the header (format_title),
        and the keys of actions their role lacks are hidden."""
        self._who = self.services.who()
        self.title = f"{self.TITLE} "  # a change of title makes every header format it again
        self.title = self.TITLE
        for screen in self.screen_stack:
            screen.refresh_bindings()

    def format_title(self, title: str, sub_title: str):
        """The header: the screen's title, and on a shared server who the user is there."""
        from textual.content import Content

        shown = super().format_title(title, sub_title)
        return Content.assemble(shown, (f" · {self._who}", "bold")) if self._who else shown

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return self.services.may(action)  # on a shared server, only the role's actions

    def on_mount(self) -> None:
        from .screens.home import HomeScreen

        if self._saved_theme in self.available_themes:
            self.theme = self._saved_theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.push_screen(HomeScreen())
        for problem in [*self.services.settings.problems, *self.startup_warnings]:
            self.notify(problem, severity="warning", timeout=15)

    def start_preload(self) -> None:
        """Called by the home screen once its list is drawn, so that importing the ORM (CPU
        work that holds the GIL) never delays the first screen."""
        if self.warm_up and not self._preloading:
            self._preloading = True
            self.preload()  # imports the ORM in its thread; see on_event

    async def on_event(self, event: events.Event) -> None:
        # Whatever the user does may import the ORM on this thread (opening a screen): while
        # the preload is still importing it, the key or click waits for that import to finish
        # rather than importing it at the same moment (import_orm). Only in the first half
        # second or so, and only if the user is that quick.
        if self._preloading and not _orm_ready.is_set() and isinstance(event, USER_INPUT):
            import_orm()
        await super().on_event(event)

    def _remember_theme(self, theme) -> None:
        if theme.name != self._saved_theme:
            self._saved_theme = theme.name
            self.save_theme(theme.name)

    @work(thread=True, exclusive=True, group="theme")
    def save_theme(self, name: str) -> None:
        from .preferences import save_theme

        try:
            save_theme(name)
        except OSError as exc:  # the theme is still changed for this session
            self.call_from_thread(self.notify, f"The theme could not be kept for next time "
                                  f"({type(exc).__name__}).", severity="warning")

    @work(thread=True, exclusive=True, group="preload")
    def preload(self) -> None:
        """Load the ORM, open the engine and read the templates while the user reads the list."""
        try:
            import_orm()
            self.services.engine()
            self.services.catalog()
        except Exception as exc:  # reported when the user needs them
            self.log.warning(f"preload failed: {type(exc).__name__}")
        self.daily_backup()

    def daily_backup(self) -> None:
        """The first start of each day keeps a copy of the database (on the preload thread)."""
        path = self.services.database.path
        if path is None:
            return
        from .db.backup import daily_backup

        try:
            daily_backup(path, self.services.settings.backup_days)
        except Exception as exc:  # never stops the app; the user is told
            self.call_from_thread(self.notify, f"Today's backup could not be made: {exc}",
                                  severity="warning", timeout=10)

    # -- navigation used by every screen ------------------------------------------------------
    def action_new_audit(self) -> None:
        from .screens.new_audit import NewAuditScreen

        self.push_screen(NewAuditScreen())

    def open_audit(self, audit_id: str, at: str | None = None) -> None:
        from .screens.walk import WalkScreen

        self.push_screen(WalkScreen(audit_id, at=at))

    def open_review(self, audit_id: str) -> None:
        from .screens.review import ReviewScreen

        self.push_screen(ReviewScreen(audit_id))

    def action_dashboard(self) -> None:
        from .screens.dashboard import DashboardScreen

        self.push_screen(DashboardScreen())

    def action_actions(self) -> None:
        from .screens.actions import ActionsScreen

        if not isinstance(self.screen, ActionsScreen):
            self.push_screen(ActionsScreen())

    def action_moderation_queue(self) -> None:
        from .screens.moderation_queue import ModerationQueueScreen

        if not isinstance(self.screen, ModerationQueueScreen):
            self.push_screen(ModerationQueueScreen())

    def action_programme(self, auditor: str = "") -> None:
        from .screens.programme import ProgrammeScreen

        if not isinstance(self.screen, ProgrammeScreen):
            self.push_screen(ProgrammeScreen(auditor=auditor))

    def open_moderation(self, audit_id: str) -> None:
        from .screens.moderation import ModerationScreen

        self.push_screen(ModerationScreen(audit_id))

    def action_concerns(self) -> None:
        from .screens.concerns import ConcernsScreen

        if not isinstance(self.screen, ConcernsScreen):
            self.push_screen(ConcernsScreen())

    def action_conflicts(self) -> None:
        from .screens.conflicts import ConflictsScreen

        self.push_screen(ConflictsScreen())

    def action_keys(self) -> None:
        from .dialogs.keys import KeysDialog, describe_keys, key_tooltips

        screen = self.screen
        if isinstance(screen, KeysDialog):
            return
        title = screen.sub_title or screen.title or type(screen).__name__
        self.push_screen(KeysDialog(describe_keys(self, screen), str(title),
                                    key_tooltips(self, screen)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if self.services.may("new_audit"):
            yield SystemCommand("New audit", "Start a new audit", self.action_new_audit)
        yield SystemCommand("Safeguarding concerns", "Concerns raised from audits, waiting to "
                            "be acknowledged", self.action_concerns)
        yield from super().get_system_commands(screen)

    async def action_quit(self) -> None:
        self.saver.flush(timeout=10.0)  # nothing typed is lost by quitting
        await super().action_quit()

    def on_unmount(self) -> None:
        self.saver.close(timeout=10.0)
        self.services.close()
