"""A radio button that shows whether it is chosen by its glyph (● or empty), not by colour."""

from __future__ import annotations

from textual.widgets import RadioButton

from .state_glyph import StateGlyph


class UrgencyButton(StateGlyph, RadioButton):
    ON = "●"
