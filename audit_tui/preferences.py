"""What the app remembers of how a person likes it: the theme (kept across restarts in
`ui.toml` in the config folder, 0600), and the [keymap] of settings.toml checked against the
bindings the app has.

On top with app.py: it imports the screens to know every binding id, and only when a keymap is
given (start-up does not pay for it otherwise).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import tomllib
from pathlib import Path

from .locations import config_dir, ensure_private_dir

UI_FILE = "ui.toml"


def ui_file() -> Path:
    return config_dir() / UI_FILE


def saved_theme() -> str | None:
    try:
        value = tomllib.loads(ui_file().read_text(encoding="utf-8")).get("theme")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # no file yet, or a damaged one: the default theme
    return value if isinstance(value, str) else None


def save_theme(name: str) -> None:
    """Write the theme's name (called on a worker thread: never on the UI thread)."""
    from .reports.safe import open_private

    ensure_private_dir(config_dir())
    safe = name.replace("\\", "").replace('"', "")
    with open_private(ui_file()) as out:
        out.write(f'theme = "{safe}"\n')


def binding_ids() -> set[str]:
    """Every binding id of the app, its screens, widgets and dialogs."""
    from textual.dom import DOMNode

    from . import app, dialogs, screens, widgets

    ids = {b.id for b in app.AuditApp.BINDINGS if b.id}
    for package in (screens, widgets, dialogs):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                    for klass in cls.__mro__:
                        for binding in getattr(klass, "BINDINGS", ()):
                            if getattr(binding, "id", None):
                                ids.add(binding.id)
    return ids


def checked_keymap(keymap: dict[str, str], where: Path) -> tuple[dict[str, str], list[str]]:
    """The entries whose id names a binding, and a sentence for each that does not."""
    if not keymap:
        return {}, []
    known = binding_ids()
    good = {k: v for k, v in keymap.items() if k in known}
    problems = [f"{where}: [keymap] '{k}' is not a key binding of audit-tui (the keys dialog, "
                "?, shows each key's id); it is ignored." for k in keymap if k not in known]
    return good, problems
