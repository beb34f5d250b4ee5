"""A tick box or radio button whose state shows in its glyph, not only its colour.

Textual draws a Checkbox or RadioButton with the same "X" or "●" either way and tells on from off
by colour alone: with NO_COLOR, or to someone who cannot tell the colours apart, they look the
same. Mixed in before the Textual class, this draws ON when set and OFF when not.
"""

from __future__ import annotations

from textual.content import Content
from textual.style import Style


class StateGlyph:
    ON = "X"
    OFF = " "

    @property
    def _button(self) -> Content:
        button_style = self.get_visual_style("toggle--button")
        side_style = Style(foreground=button_style.background,
                           background=self.background_colors[1])
        return Content.assemble((self.BUTTON_LEFT, side_style),
                                (self.ON if self.value else self.OFF, button_style),
                                (self.BUTTON_RIGHT, side_style))
