"""Messages the app and its screens share, below both so that no screen imports the app."""

from __future__ import annotations

from textual.message import Message

from .saver import SaveResult


class Saved(Message, bubble=False):
    """A save finished (posted from the writer thread, forwarded to the active screen). It
    must not bubble: a Saved reaching a screen would come back up to the app, forever."""

    def __init__(self, result: SaveResult) -> None:
        super().__init__()
        self.result = result


class Identified(Message, bubble=False):
    """The shared server said who the user is (Services.user, .roles): posted from a worker
    once the database is open, so the header and the keys can follow."""
