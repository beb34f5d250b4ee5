"""What changes the shape of the walk: rows of repeating groups (adding one, whose id the
writer gives, then opening its first question; walking a row; removing one after a
confirmation) and sections marked as not applying to the case (with a reason), or unmarked."""

from __future__ import annotations

from ..widgets.group_rows import GroupRows
from .walk_stops import DETAILS, build_stops, first_stop_of_section


class RowAndSectionActions:
    """Mixed into the walk screen, which provides `editor`, `state`, `stops`, `go`, `restop`,
    `flush_fields`, `after_change` and `read_only`."""

    def on_group_rows_add(self, message: GroupRows.Add) -> None:
        group = message.group
        if self.read_only or self.editor is None:
            return
        count = len(self.state.rows.get(group.key, []))
        if group.max_rows is not None and count >= group.max_rows:
            self.notify(f"{group.title} takes at most {group.max_rows} rows.", severity="warning")
            return
        self.flush_fields()
        self.editor.add_row(group)

    async def row_added(self, group_key: str, row_id: str) -> None:
        self.editor.row_added(group_key, row_id)
        self.restop()
        index = next((i for i, s in enumerate(self.stops) if s.row == row_id), None)
        await self.go(self.index if index is None else index, flush=False)

    async def on_group_rows_edit(self, message: GroupRows.Edit) -> None:
        index = next((i for i, s in enumerate(self.stops) if s.row == message.row), None)
        if index is not None:
            await self.go(index)

    def on_group_rows_remove(self, message: GroupRows.Remove) -> None:
        if self.read_only or self.editor is None:
            return
        group, row = message.group, message.row
        from ..dialogs.confirm import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes and row in self.state.rows.get(group.key, []):
                self.editor.remove_row(group, row)
                self.after_change()

        label = self.state.row_label(group.key, row)
        self.app.push_screen(ConfirmDialog(f"Remove {label} and its answers from "
                                           f"{group.title}?", yes="Remove"), answered)

    # -- sections that may not apply ----------------------------------------------------------
    def optional_section(self):
        """The current section, or the nearest one above it, that the auditor may mark as not
        applying to this case."""
        if self.stop is None or self.stop.section == DETAILS:
            return None
        key = self.stop.section
        while key:
            section = self.state.template.section(key)
            if not section.always_applies:
                return section
            key = section.parent
        return None

    def action_toggle_not_applicable(self) -> None:
        section = self.optional_section()
        if self.read_only:
            self.notify(f"This audit is read-only: {self.reopen_hint()}.", severity="warning")
            return
        if section is None:
            self.notify("This section always applies: it cannot be marked as not applying.",
                        severity="warning")
            return
        self.flush_fields()
        if self.state.mark(section.key).na:
            self.editor.set_not_applicable(section, False, "")
            self.call_later(self.go_to_section, section.key)
            return

        def reason_given(reason: str | None) -> None:
            if reason:
                self.flush_fields()
                self.editor.set_not_applicable(section, True, reason)
                self.call_later(self.go_to_section, section.key)

        from ..dialogs.reason import ReasonDialog

        self.app.push_screen(ReasonDialog(f"Why does “{section.title}” not apply to this "
                                          "case? The reason is kept with the audit.",
                                          ok_label="Does not apply"), reason_given)

    async def go_to_section(self, key: str) -> None:
        self.stops = build_stops(self.state)
        index = first_stop_of_section(self.stops, self.state, key)
        await self.go(index if index is not None else 0, flush=False)
