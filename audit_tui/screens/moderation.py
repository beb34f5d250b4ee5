"""Moderation mode for one submitted audit: each section grade and the overall grade with the
auditor's rationale and the evidence behind it; the moderator agrees (`a`) or records their own
grade (a digit) with a comment. Both grades are shown once moderated."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ..messages import Saved
from ..literal import literal


@dataclass
class GradeRow:
    key: str  # section key, '' for the overall grade
    title: str
    scale: dict[int, str]  # value -> label
    auditor_grade: int | None
    rationale: str
    evidence: list[str] = field(default_factory=list)
    moderator_grade: int | None = None
    agrees: bool | None = None  # None: not moderated yet
    comment: str = ""
    moderator: str = ""


def _grade(row: GradeRow, value: int | None) -> str:
    if value is None:
        return "-"
    return f"{value} {row.scale.get(value, '')}".strip()


class ModerationScreen(Screen):
    TITLE = "audit-tui"
    SUB_TITLE = "Moderation"
    DEFAULT_CSS = """
    ModerationScreen #mod-title { height: 1; background: $panel; padding: 0 1; }
    ModerationScreen #mod-grades { height: 1fr; min-height: 5; }
    ModerationScreen #mod-detail-box { height: 1fr; background: $boost; }
    ModerationScreen #mod-detail { padding: 0 1; }
    """
    BINDINGS = [
        Binding("a", "agree", "Agree", tooltip="Agree with the auditor's grade for the "
                "selected row", id="moderation.agree"),
        Binding("1", "own_grade(1)", "Own grade", key_display="1-9",
                tooltip="Record your own grade (the digit) for the selected row, then a "
                "comment", id="moderation.grade_1"),
        *[Binding(str(n), f"own_grade({n})", f"Own grade {n}", show=False,
                  id=f"moderation.grade_{n}") for n in range(2, 10)],
        Binding("escape", "back", "Back", id="moderation.back"),
    ]

    class Loaded(Message):
        def __init__(self, title: str, rows: list[GradeRow], error: str = "") -> None:
            super().__init__()
            self.title, self.rows, self.error = title, rows, error

    def __init__(self, audit_id: str) -> None:
        super().__init__()
        self.audit_id = audit_id
        self.rows: list[GradeRow] = []
        self.read_only = True

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return self.app.services.may(action)  # on a shared server, only the role's actions

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Opening the audit…", id="mod-title", markup=False)
        yield DataTable(id="mod-grades", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="mod-detail-box"):
            yield Static("", id="mod-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title, width in (("section", "Section", 26), ("auditor", "Auditor", 14),
                                  ("moderator", "Moderator", 14), ("agree", "", 9)):
            table.add_column(title, key=key, width=width)
        table.focus()
        self.load()

    # -- data ---------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="moderation-load")
    def load(self, keep: int = 0) -> None:
        from ..db import moderation
        from ..db.state import load_state
        from ..db.store import StoreError

        self.app.saver.flush(timeout=5.0)
        try:
            with self.app.services.session() as session:
                audit, state = load_state(session=session, audit_id=self.audit_id)
                done = moderation.moderation_for(session=session, audit_id=self.audit_id)
                own = moderation.is_own_audit(session=session, audit=audit,
                                              moderator=self.app.services.user)
        except (StoreError, Exception) as exc:
            self.post_message(self.Loaded("", [], f"The audit could not be opened: {exc}"))
            return
        template = state.template
        rows = []
        for section in template.all_sections():
            mark = state.sections.get(section.key)
            if not section.graded or mark is None or mark.na or mark.grade is None:
                continue
            scale = template.scale_for(section.scale)
            evidence = []
            for q in section.questions:
                slot = state.slots.get((q.key, ""))
                if slot is None:
                    continue
                value = scale.label(slot.value) if q.type == "grade" else slot.value
                if slot.value not in (None, "", []) or slot.evidence:
                    line = f"• {q.prompt}: {value if value not in (None, '') else '-'}"
                    evidence.append(line + (f" — {slot.evidence}" if slot.evidence else ""))
            rows.append(GradeRow(section.key, section.title,
                                 {v.value: v.label for v in scale.values}, mark.grade,
                                 mark.rationale, evidence))
        overall_scale = template.scale_for(template.overall.scale)
        rows.append(GradeRow("", "Overall grade", {v.value: v.label for v in overall_scale.values},
                             audit.overall_grade, audit.overall_rationale))
        for row in rows:
            m = done.get(row.key)
            if m is not None:
                row.moderator_grade, row.agrees = m.moderator_grade, m.agrees
                row.comment, row.moderator = m.comment, m.moderator
        title = (f"Moderating {audit.case_reference} — {template.title}, audited "
                 f"{audit.audit_date:%d/%m/%Y} by {audit.auditor or 'unknown'}")
        error = ""
        if audit.status != "submitted":
            error = "Only a submitted audit can be moderated; this one is a draft."
        elif own:
            error = "This is your own audit: another manager must moderate it."
        self.read_only = bool(error)
        self.post_message(self.Loaded(title, rows, error))

    def on_moderation_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        self.query_one("#mod-title", Static).update(literal(message.title or message.error))
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for row in self.rows:
            state = ("" if row.agrees is None else
                     Text("agrees", style="green") if row.agrees else
                     Text("differs", style="bold yellow"))
            table.add_row(Text(literal(row.title)), _grade(row, row.auditor_grade),
                          "" if row.agrees is None else _grade(row, row.moderator_grade),
                          state, key=row.key or "__overall__")
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        if message.error:
            self.notify(message.error, severity="warning", timeout=8)
        self.show_detail()

    def selected(self) -> GradeRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def show_detail(self) -> None:
        row = self.selected()
        detail = self.query_one("#mod-detail", Static)
        if row is None:
            detail.update("")
            return
        lines = [f"{row.title}: the auditor graded {_grade(row, row.auditor_grade)}",
                 f"Rationale: {row.rationale or '(none written)'}"]
        if row.evidence:
            lines += ["Evidence:", *row.evidence]
        if row.agrees is not None:
            lines.append(f"Moderated by {row.moderator}: {_grade(row, row.moderator_grade)}"
                         + (f" — {row.comment}" if row.comment else ""))
        detail.update(Text(literal("\n".join(lines))))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    # -- moderating ---------------------------------------------------------------------------
    def _record(self, row: GradeRow, grade: int | None, comment: str) -> None:
        audit_id, key, who = self.audit_id, row.key, self.app.services.user

        def work(session):
            from ..db.moderation import record

            record(session=session, audit_id=audit_id, section_key=key, who=who, grade=grade,
                   comment=comment)

        self.app.save("Moderation", work, key="moderation")

    def action_agree(self) -> None:
        row = self.selected()
        if row is None or self.read_only:
            return
        self._record(row, None, "")

    def action_own_grade(self, value: int) -> None:
        row = self.selected()
        if row is None or self.read_only:
            return
        if value not in row.scale:
            self.notify(f"{value} is not a grade on this scale "
                        f"({', '.join(str(v) for v in row.scale)}).", severity="warning")
            return
        self._ask_comment(row, value)

    def _ask_comment(self, row: GradeRow, value: int) -> None:
        from ..dialogs.reason import ReasonDialog

        same = value == row.auditor_grade
        prompt = (f"{row.title}: your grade {_grade(row, value)} (the auditor's: "
                  f"{_grade(row, row.auditor_grade)}). " +
                  ("A comment (optional):" if same else "Why do you grade it differently?"))

        def given(comment: str | None) -> None:
            if comment is not None:
                self._record(row, value, comment)

        self.app.push_screen(ReasonDialog(prompt, required=not same, ok_label="Record"), given)

    def on_saved(self, message: Saved) -> None:
        message.stop()
        if message.result.ok and message.result.key == "moderation":
            self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
