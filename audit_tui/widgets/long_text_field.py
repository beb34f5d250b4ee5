"""A few lines of text bound to part of the audit (`target`): a long text answer or a grade's
rationale. Saved by the walk screen after a pause in typing and when the field loses focus."""

from __future__ import annotations

from textual.widgets import TextArea


class LongTextField(TextArea):
    DEFAULT_CSS = """
    LongTextField { height: 6; margin: 0 0 1 0; }
    """

    def __init__(self, text: str, *, target: tuple = (), id: str | None = None) -> None:
        super().__init__(text, id=id, soft_wrap=True, show_line_numbers=False, compact=True,
                         tab_behavior="focus")
        self.target = target

    def render_line(self, y: int):
        """Drawn literally: a control character (ESC) shows as a symbol, never reaches the
        terminal; the value itself is kept exactly."""
        from ..literal import literal_strip

        return literal_strip(super().render_line(y))

    @property
    def value(self) -> str:
        return self.text
