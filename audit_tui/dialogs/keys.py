"""The `?` dialog: every key of the screen the user was on, with what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from rich.text import Text
from textual.widgets import DataTable, Static


def describe_keys(app, screen: Screen) -> list[tuple[str, str]]:
    """(key, description) for every binding of the screen: the screen's and the app's own
    first, then the app's, then those of the focused widget (cursor keys and the like)."""
    own: list[tuple[str, str]] = []
    app_wide: list[tuple[str, str]] = []
    widget: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description:
            continue
        item = (app.get_key_display(binding), binding.description)
        if item in seen:
            continue
        seen.add(item)
        if active.node is screen:
            own.append(item)
        elif active.node is app:
            # Our own app keys (ids "app.…") before Textual's built-in ones.
            (own if (binding.id or "").startswith("app.") else app_wide).append(item)
        else:
            widget.append(item)
    return own + app_wide + widget


def key_tooltips(app, screen: Screen) -> dict[tuple[str, str], str]:
    """(key, description) -> what follows the description: the binding's longer wording, where
    it has one, after a colon, and its id (the name a [keymap] in settings.toml gives it
    another key by) in brackets."""
    out = {}
    for a in screen.active_bindings.values():
        b = a.binding
        words = (f": {b.tooltip}" if b.tooltip else "") + (f" (id {b.id})" if b.id else "")
        if words:
            out[(app.get_key_display(b), b.description)] = words
    return out


class KeysDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    KeysDialog { align: center middle; }
    KeysDialog > Vertical {
        width: 95%; max-width: 90; height: 90%; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    KeysDialog DataTable { height: 1fr; }
    KeysDialog #keys-title { text-style: bold; padding: 1 0 0 0; }
    KeysDialog #keys-foot { color: $text-muted; padding-bottom: 1; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="keys.close")]

    def __init__(self, rows: list[tuple[str, str]], title: str,
                 tooltips: dict[tuple[str, str], str] | None = None) -> None:
        super().__init__()
        self.rows, self.title_text = rows, title
        self.tooltips = tooltips or {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Keys: {self.title_text}", id="keys-title", markup=False)
            table = DataTable(cursor_type="row", zebra_stripes=True)
            # Fixed widths so long descriptions wrap instead of running off the dialog.
            inner = min(int(self.app.size.width * 0.95), 90) - 6  # border, padding
            key_width = 12
            text_width = max(inner - key_width - 6, 20)  # cell padding, scroll bar
            table.add_column("Key", width=key_width)
            table.add_column("What it does", width=text_width)
            for key, text in self.rows:
                more = self.tooltips.get((key, text))
                table.add_row(Text(key), Text(text + (more or "")),
                              height=None)
            yield table
            yield Static("Every action is also in the command palette (ctrl+p). An id gives the "
                         "action other keys: [keymap] in settings.toml. Esc closes.",
                         id="keys-foot", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
