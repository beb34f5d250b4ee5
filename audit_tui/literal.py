"""Make text typed by users safe to draw: control characters become visible symbols.

Rich `Text` already keeps "[bold]" literal, but an escape character pasted into a note would
reach the terminal and be obeyed there. Every control character except newline and tab is
shown as its Unicode "control picture" instead (ESC as ␛), so the text is shown as it is and
the terminal never acts on it.
"""

from __future__ import annotations

from rich.text import Text

_PICTURES = {code: chr(0x2400 + code) for code in range(32) if code not in (9, 10)}
_PICTURES[127] = "\u2421"  # DEL
_PICTURES.update({code: "\ufffd" for code in range(0x80, 0xA0)})  # C1 controls


def literal(text: str | None) -> str:
    """`text` with its control characters made visible ("" for None)."""
    return (text or "").translate(_PICTURES)


def literal_text(text: Text) -> Text:
    """The same rich Text with its control characters made visible (styles kept: every
    character maps to exactly one)."""
    text.plain = literal(text.plain)
    return text


def literal_strip(strip):
    """A rendered line (a Textual Strip) with its control characters made visible, cut back to
    `width` cells. Editable fields (Input, TextArea) draw their text as it is, so an escape
    sequence in a stored note would otherwise reach the terminal and be obeyed there; the value
    of the field is not changed, only how it is drawn. The line keeps its width in cells."""
    from rich.segment import Segment
    from textual.strip import Strip

    if not any(not seg.control and seg.text != literal(seg.text) for seg in strip):
        return strip
    segments = [seg if seg.control else Segment(literal(seg.text), seg.style, seg.control)
                for seg in strip]
    return Strip(segments).crop(0, strip.cell_length)
