"""A one-line field bound to part of the audit (`target`): a short text answer, an evidence
note, a date or a number. The walk screen saves what is typed: text after a pause in typing
and when the field loses focus; dates and numbers once they read as one."""

from __future__ import annotations

from textual.widgets import Input


class TextField(Input):
    DEFAULT_CSS = """
    TextField { margin: 0 0 1 0; }
    TextField.-short { width: 24; }
    """

    def __init__(self, value: str, *, target: tuple = (), placeholder: str = "",
                 short: bool = False, id: str | None = None) -> None:
        super().__init__(value, placeholder=placeholder, id=id, compact=True,
                         select_on_focus=False, classes="-short" if short else "")
        self.target = target

    def render_line(self, y: int):
        """Drawn literally: a control character (ESC) shows as a symbol, never reaches the
        terminal; the value itself is kept exactly."""
        from ..literal import literal_strip

        return literal_strip(super().render_line(y))
