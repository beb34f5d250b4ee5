"""Make text typed by users safe to draw: control characters become visible symbols.

Rich `Text` already keeps "[bold]" literal, but an escape character pasted into a note would
reach the terminal and be obeyed there. Every control character except newline and tab is
shown as its Unicode "control picture" instead (ESC as ␛), so the text is shown as it is and
the terminal never acts on it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator, TextIO

if TYPE_CHECKING:  # rich is imported only by what draws (the command line stays quick)
    from rich.text import Text

_PICTURES = {code: chr(0x2400 + code) for code in range(32) if code not in (9, 10)}
_PICTURES[127] = "\u2421"  # DEL
_PICTURES.update({code: "\ufffd" for code in range(0x80, 0xA0)})  # C1 controls


_LINE_PICTURES = {code: pic for code, pic in _PICTURES.items() if code != 13}


def literal(text: str | None) -> str:
    """`text` with its control characters made visible ("" for None)."""
    return (text or "").translate(_PICTURES)


def terminal_safe(text: str) -> str:
    """Text for a terminal or a human-readable file (reports as tables, Markdown or HTML,
    messages): as `literal`, but a carriage return is kept (a progress bar redraws its line
    with it). No ESC, BEL, DEL or C1 control reaches the terminal, so stored text (a team
    name, say) can never set the window title or recolour the screen."""
    return text.translate(_LINE_PICTURES)


class TerminalSafe:
    """A text stream (sys.stdout, sys.stderr) that writes everything through
    `terminal_safe`. The command line puts its messages and whatever it prints to a terminal
    through one of these."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(terminal_safe(text))

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


@contextmanager
def terminal_safe_streams(sys_module) -> Iterator[None]:
    """Messages (stderr) always, and standard output when it is a terminal, go through
    `TerminalSafe` meanwhile (a CSV or JSON report piped to a file keeps its data as stored)."""
    saved = sys_module.stdout, sys_module.stderr
    if saved[1] is not None:
        sys_module.stderr = TerminalSafe(saved[1])
    if saved[0] is not None and _isatty(saved[0]):
        sys_module.stdout = TerminalSafe(saved[0])
    try:
        yield
    finally:
        sys_module.stdout, sys_module.stderr = saved


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


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
