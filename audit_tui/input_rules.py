"""What typed text may hold, one rule for every way text comes in: the app's forms, the store
behind them, and a bundle's records (sync/validate.py).

- A one-line field (a case detail, an action's owner) holds at most LINE_MAX characters and no
  control character but tab (the form's inputs take LINE_MAX). These are the names reports
  group by and terminals show in lists: an ESC or a bidirectional override there would act
  on the reader's screen.
- Longer text (an answer, a rationale, evidence, a note) is kept exactly as written, whatever
  it holds (it is shown literally, literal.py, and exported safely), but for NUL, which a
  PostgreSQL server cannot store.
- A date is a real calendar date in ISO form.
Each check returns None, or what is wrong as a few words to follow the field's name. Pasted
text loses its control characters on the way in (`pasted`, in key_order.py), as a key cannot
type one.
"""

from __future__ import annotations

import re
from datetime import date

LINE_MAX = 200  # characters in a one-line field
# Control characters: C0 and C1 controls and DEL, and the bidirectional overrides and isolates
# (they reorder what a reader sees). Spaces of every kind (a pasted no-break space), joiners
# and soft hyphens are text. Longer text may hold line breaks and tabs, a one-line field tabs.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_TEXT_CONTROL = re.compile(f"[{_CONTROLS}]")
_LINE_CONTROL = re.compile(f"[{_CONTROLS}\n\r]")


def line_problem(value) -> str | None:
    """What is wrong with a one-line field's value, or None."""
    if not isinstance(value, str):
        return "is not text"
    if len(value) > LINE_MAX:
        return f"is longer than {LINE_MAX} characters"
    if _LINE_CONTROL.search(value):
        return "holds control characters"
    return None


def text_problem(value) -> str | None:
    """What is wrong with a longer text (None is no text: fine), or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        return "is not text"
    if "\x00" in value:
        return "holds a NUL character"
    return None


def date_problem(value, *, required: bool = False) -> str | None:
    """What is wrong with a date given as ISO text (or a date), or None."""
    if value is None:
        return "is missing" if required else None
    if isinstance(value, date):
        return None
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return "is not a real date"
    return None


def pasted(text: str) -> str:
    """Pasted text without the control characters no field may hold (line breaks and tabs
    stay: a one-line field takes the first line, as it does anyway)."""
    return _TEXT_CONTROL.sub("", text)
