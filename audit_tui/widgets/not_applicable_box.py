"""The "not applicable" tick under a date, number, text or multi-choice answer that allows it."""

from __future__ import annotations

from textual.widgets import Checkbox

from .state_glyph import StateGlyph


class NotApplicableBox(StateGlyph, Checkbox):
    DEFAULT_CSS = """
    NotApplicableBox { border: none; padding: 0; height: 1; background: transparent; }
    NotApplicableBox:focus { border: none; }
    """

    def __init__(self, value: bool, *, target: tuple = (), id: str | None = None) -> None:
        super().__init__("Not applicable", value, id=id)
        self.target = target
