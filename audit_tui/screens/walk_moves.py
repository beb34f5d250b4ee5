"""Moving through the walk's stops: the next and previous question and section, the first
unanswered required question, a section chosen in the list; each move saves what was typed on
the stop it leaves first."""

from __future__ import annotations

from ..widgets.section_list import SectionList
from .walk_stops import build_stops, find_stop, first_stop_of_section, first_unanswered


class StopMoves:
    """Mixed into the walk screen, which provides `state`, `stops`, `index`, `stop`, `panel`,
    `editor`, `read_only`, `flush_fields` and `show_overview`."""

    async def go(self, index: int, flush: bool = True) -> None:
        """Show the stop at `index` (after saving what was typed on the current one)."""
        if flush:
            self.flush_fields()
            self.restop()
        if not self.stops:
            return
        self.index = max(0, min(index, len(self.stops) - 1))
        stop = self.stops[self.index]
        first = self.index == 0 or self.stops[self.index - 1].section != stop.section
        await self.panel.show(stop, self.state, self.stops, first)
        self.panel.set_read_only(self.read_only)
        answer = self.panel.answer_widget
        if self.read_only or answer is None:
            self.query_one(SectionList).focus()
        else:
            answer.focus(scroll_visible=False)
            self.call_after_refresh(self.panel.scroll_to_widget, answer, animate=False,
                                    top=False)
        self.show_overview()
        self.refresh_bindings()
        self.editor.resume_at = stop.key
        if not self.read_only:
            self.editor.save_position()

    def restop(self) -> None:
        """Rebuild the stops after a change, keeping the current one where it still exists."""
        current = self.stop
        self.stops = build_stops(self.state)
        if current is None:
            return
        index = find_stop(self.stops, self.state, current.key)
        if index is None:
            index = first_stop_of_section(self.stops, self.state, current.section)
        self.index = min(index if index is not None else self.index, len(self.stops) - 1)

    async def action_next(self) -> None:
        if self.stops and self.index < len(self.stops) - 1:
            await self.go(self.index + 1)
        elif self.stops:
            self.notify("This is the last question. ctrl+r opens the review.", timeout=3)

    async def action_previous(self) -> None:
        if self.stops and self.index > 0:
            await self.go(self.index - 1)

    def _section_start(self, index: int) -> int:
        while index > 0 and self.stops[index - 1].section == self.stops[index].section:
            index -= 1
        return index

    async def action_next_section(self) -> None:
        if not self.stops:
            return
        section = self.stop.section
        index = next((i for i in range(self.index + 1, len(self.stops))
                      if self.stops[i].section != section), None)
        if index is not None:
            await self.go(index)

    async def action_previous_section(self) -> None:
        if not self.stops:
            return
        start = self._section_start(self.index)
        if start > 0:
            await self.go(self._section_start(start - 1))

    async def action_first_unanswered(self) -> None:
        if self.state is None:
            return
        self.flush_fields()
        self.restop()
        index = first_unanswered(self.stops, self.state)
        if index is None:
            overall = "grade the audit overall and " if self.state.template.overall.graded else ""
            self.notify("Every required question is answered. ctrl+r opens the review to "
                        f"{overall}submit it.", timeout=6)
        else:
            await self.go(index)

    async def on_section_list_chosen(self, message: SectionList.Chosen) -> None:
        self.flush_fields()
        self.restop()
        index = first_stop_of_section(self.stops, self.state, message.key)
        if index is not None:
            await self.go(index)
