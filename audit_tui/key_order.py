"""Keys are handled one at a time, in the order typed, each by what was on screen when it came.

Textual hands a key to the focused widget by posting it to that widget's own message queue and
moves straight on to the next key. A key bound on the screen with priority (PageDown) is run at
once by the app, so it can overtake the key before it: a "y" still waiting in a question's queue
is then lost with the question's widgets, or picked up by the next question's widgets when they
are reused, and text typed just after PageDown goes to a widget that is about to lose focus.

`OrderedKeys` (mixed into the app) closes that gap. Each key (or paste) is handed on as Textual
would, and then a `KeyDone` marker is posted to the same widget. The marker bubbles up through
the same queues as the key (widget, its containers, the screen, the app), behind everything the
key started there (a bubbled binding, a `call_later`, a focus change), so when it reaches the
app the key has been fully handled. Keys that come in before that wait in a list, in order, and
are handled after it. If the widget holding the marker is removed meanwhile (its queue is closed
with it), a new marker goes to the screen instead: nothing is then left in the old widget's
queue to wait for.

No key waits on the clock: a key waits only for the key before it.
"""

from __future__ import annotations

from collections import deque

from textual import events
from textual.message import Message
from textual.timer import Timer

from .input_rules import pasted

ORDERED = (events.Key, events.Paste)
CHECK_EVERY = 0.05  # seconds between checks that the marker's widget is still on screen


class KeyDone(Message, bubble=True):
    """The key before it has been handled by every widget it reached (see module doc)."""

    def __init__(self, token: object) -> None:
        super().__init__()
        self.token = token


class OrderedKeys:
    """Mixed into the App before textual's App."""

    _waiting_keys: deque
    _key_token: object | None = None
    _key_target = None
    _key_check: Timer | None = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Paste) and pasted(event.text) != event.text:
            event = events.Paste(pasted(event.text))  # no ESC or other control character
        if isinstance(event, ORDERED) and not event.is_forwarded:
            if not hasattr(self, "_waiting_keys"):
                self._waiting_keys = deque()
            if self._key_token is not None or self._waiting_keys:
                self._waiting_keys.append(event)
                return
            await self._handle_in_order(event)
            return
        await super().on_event(event)

    async def _handle_in_order(self, event: events.Event) -> None:
        token = object()
        self._key_token = token
        try:
            await super().on_event(event)
        finally:
            if self._key_token is token:
                self._send_marker(token, self.focused)

    def _send_marker(self, token: object, target) -> None:
        """Post the marker to `target` (where the key went), or to the screen when that
        widget is no longer on screen."""
        if target is None or not target.is_attached:
            target = self.screen if self.screen_stack else None
        if target is None:  # shutting down: nothing left to wait for
            self._release(token)
            return
        if not target.post_message(KeyDone(token)):  # closing: the screen holds the rest
            if target is not self.screen and self.screen_stack:
                self._send_marker(token, self.screen)
            else:
                self._release(token)
            return
        self._key_target = target
        if self._key_check is None:
            self._key_check = self.set_interval(CHECK_EVERY, self._check_marker)

    def _check_marker(self) -> None:
        """The marker's widget was removed before the marker got out: send a new one."""
        if self._key_token is None:
            return
        if self._key_target is None or not self._key_target.is_attached:
            token = object()
            self._key_token = token
            self._send_marker(token, None)

    def on_key_done(self, message: KeyDone) -> None:
        message.stop()
        self._release(message.token)

    def _release(self, token: object) -> None:
        if token is not self._key_token:
            return  # a marker replaced by a newer one (its widget was removed)
        self._key_token = None
        self._key_target = None
        if self._key_check is not None:
            self._key_check.stop()
            self._key_check = None
        if getattr(self, "_waiting_keys", None):
            # Behind whatever the last key left in the app's own queue (a focus change).
            self.call_later(self._next_waiting_key)

    async def _next_waiting_key(self) -> None:
        if self._key_token is None and self._waiting_keys:
            await self._handle_in_order(self._waiting_keys.popleft())
