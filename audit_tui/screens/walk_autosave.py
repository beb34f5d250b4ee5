"""Typed text in the walk (short and long text answers, evidence notes, rationales, dates and
numbers): saved about a second after the last keystroke, at once when the field loses focus or
enter is pressed, before the auditor moves on, and when the screen closes (quitting included).

What was typed is kept per target, not in the widgets, so nothing is lost when the panel is
rebuilt or the app shuts down. A date or number that does not read as one waits while the
auditor is typing; on leaving the field it is refused with a sentence and stays on screen, as
typed, to be corrected (the saved value is unchanged until then). Typing clears the sentence.
"""

from __future__ import annotations

from textual.events import DescendantBlur
from textual.timer import Timer
from textual.widgets import Input, TextArea

from ..widgets.long_text_field import LongTextField
from ..widgets.text_field import TextField

TEXT_PAUSE = 0.8  # seconds after the last keystroke before typed text is saved


class TypedTextAutosave:
    """Mixed into the walk screen, which provides `editor`, `panel`, `read_only` and
    `after_change`."""

    _pending: dict[tuple, str]
    _pause: Timer | None

    def _typed(self, widget, value: str) -> None:
        if self.editor is None or self.read_only or not getattr(widget, "target", None):
            return
        if widget.target[0] == "answer":
            self.panel.show_error("")  # being corrected: said again if it is still wrong
        if value == self.editor.stored_text(widget.target):
            self._pending.pop(widget.target, None)
            return
        self._pending[widget.target] = value
        if self._pause is not None:
            self._pause.stop()
        self._pause = self.set_timer(TEXT_PAUSE, self._paused)

    def on_input_changed(self, message: Input.Changed) -> None:
        self._typed(message.input, message.value)

    def on_text_area_changed(self, message: TextArea.Changed) -> None:
        self._typed(message.text_area, message.text_area.text)

    def _paused(self) -> None:
        self._pause = None
        self.flush_fields(loud=False)

    def on_input_submitted(self, message: Input.Submitted) -> None:
        if getattr(message.input, "target", None):
            self.flush_fields(only=message.input.target)

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        target = getattr(event.widget, "target", None)
        if target and isinstance(event.widget, (TextField, LongTextField)):
            self._typed(event.widget, event.widget.value)
            self.flush_fields(only=target)

    def flush_fields(self, loud: bool = True, only: tuple | None = None) -> None:
        """Save typed text. `loud`: a refused date or number is reported and the field goes
        back to its saved value; otherwise it waits for more typing."""
        self.follow_up_now()  # a picked answer's conditions apply before anything else
        if self.editor is None or self.read_only:
            self._pending.clear()
            return
        for widget in (*self.panel.query(TextField), *self.panel.query(LongTextField)):
            if widget.target and widget.value != self.editor.stored_text(widget.target):
                self._pending[widget.target] = widget.value
        targets = [only] if only is not None else list(self._pending)
        changed = False
        for target in targets:
            if target not in self._pending:
                continue
            text = self._pending.pop(target)
            try:
                changed |= self.editor.commit_text(target, text)
            except ValueError as exc:
                if not loud:
                    self._pending[target] = text
                    continue
                # Refused, and left on screen as typed to be corrected (not saved).
                self.panel.show_error(str(exc))
                self.notify(str(exc), title="Not saved", severity="warning", timeout=6)
                continue
            if target[0] == "answer":
                self.panel.show_error("")
                field = self.panel.field(target)
                if loud and field is not None and isinstance(field, TextField):
                    field.value = self.editor.stored_text(target)  # e.g. 1/2/2026 -> 01/02/2026
        if changed:
            self.after_change()

    def on_unmount(self) -> None:
        if self.editor is not None and not self.read_only:
            for target, text in list(self._pending.items()):
                try:
                    self.editor.commit_text(target, text)
                except ValueError:
                    pass  # an unfinished date or number is not saved
            self._pending.clear()

