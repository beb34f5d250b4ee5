"""The right-hand side of the walk: the current stop (a question, a group's rows, a section's
timescales or its grade) with where it sits, what good looks like, its source, the answer
widget for its type and an evidence note.

The panel is rebuilt (recomposed) when the auditor moves to another stop; while they answer,
`refresh_live` updates only what other answers change (position, indicators, rows). Every
text that comes from a template or a user is shown as plain text, never as markup.
"""

from __future__ import annotations

from rich.text import Text

from ..literal import literal, literal_text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from ..screens.walk_editor import answer_text
from ..screens.walk_stops import DETAILS, DETAILS_TITLE, Stop, questions_in
from ..templates.logic import AuditState, IndicatorResult
from ..templates.model import Question, Section
from .choice_input import ChoiceInput
from .grade_input import GradeInput
from .group_rows import GroupRows
from .indicator_view import IndicatorView
from .long_text_field import LongTextField
from .multi_choice_input import MultiChoiceInput
from .not_applicable_box import NotApplicableBox
from .text_field import TextField
from .yes_no_input import YesNoInput


def _static(text: str | Text, classes: str = "", id: str | None = None) -> Static:
    text = Text(literal(text)) if isinstance(text, str) else literal_text(text)
    return Static(text, classes=classes, id=id)


def _update(widget: Static, text: Text) -> None:
    """Redraw a Static only when its text changed (an answer must not cost a layout)."""
    text = literal_text(text)
    if str(widget.content) != text.plain:
        widget.update(text)


def section_path(state: AuditState, key: str) -> list[Section]:
    path = []
    while key:
        section = state.template.section(key)
        path.insert(0, section)
        key = section.parent
    return path


class QuestionPanel(VerticalScroll):
    DEFAULT_CSS = """
    QuestionPanel { width: 1fr; height: 1fr; padding: 0 1 0 2; }
    QuestionPanel .breadcrumb { color: $text-muted; dock: top; height: 1; }  /* always seen */
    QuestionPanel .section-note { color: $text-muted; text-style: italic; margin: 0 0 1 0; }
    QuestionPanel .prompt { text-style: bold; margin: 1 0 0 0; }
    QuestionPanel .guidance { margin: 1 0 0 0; }
    QuestionPanel .parts { margin: 0 0 0 2; }
    QuestionPanel .source { color: $text-muted; }
    QuestionPanel .answer { margin: 1 0 0 0; }
    QuestionPanel .label { color: $text-muted; margin: 1 0 0 0; }
    QuestionPanel .hint { color: $text-muted; }
    QuestionPanel .field-error { color: $error; text-style: bold; display: none; }
    QuestionPanel .field-error.-shown { display: block; }
    QuestionPanel #indicators { margin: 1 0 0 0; }
    QuestionPanel .notice { margin: 1 0 0 0; }
    """

    def __init__(self, *, on_pick=None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.on_pick = on_pick  # called at once when a grade, yes/no or choice is picked
        self.stop: Stop | None = None
        self.state: AuditState | None = None
        self.stops: list[Stop] = []
        self.first_of_section = False
        self.message = "Loading the audit…"
        self.answer_widget: Widget | None = None

    # -- building ---------------------------------------------------------------------------
    def show(self, stop: Stop, state: AuditState, stops: list[Stop], first_of_section: bool):
        """Show a stop; returns an awaitable that completes when it is on screen."""
        self.stop, self.state, self.stops = stop, state, stops
        self.first_of_section = first_of_section
        self.answer_widget = None
        return self.recompose()

    def show_message(self, message: str):
        self.stop, self.message = None, message
        return self.recompose()

    def compose(self) -> ComposeResult:
        stop, state = self.stop, self.state
        if stop is None or state is None:
            yield _static(self.message, classes="notice")
            return
        yield _static(self.breadcrumb(), classes="breadcrumb")
        if self.first_of_section and stop.section != DETAILS:
            yield from self._section_note(state.template.section(stop.section))
        if stop is self.stops[0] and state.template.guidance:  # the walk starts here
            yield _static(Text.assemble(("How to audit with this tool: ", "bold"),
                                        state.template.guidance, ("  (f4 shows it again)",
                                                                  "dim")),
                          classes="section-note", id="template-guidance")
        if stop.kind == "question":
            yield from self._question(stop.question, stop.row)
        elif stop.kind == "group":
            yield from self._group(stop)
        elif stop.kind == "indicators":
            yield _static("Timescales", classes="prompt")
            yield IndicatorView(self.section_results(), sources=True, id="indicators")
        elif stop.kind == "grade":
            yield from self._grade(state.template.section(stop.section))
        else:
            yield from self._section_stop(state.template.section(stop.section))

    def _section_note(self, section: Section) -> ComposeResult:
        notes = [section.guidance] if section.guidance else []
        if section.optional:
            notes.append("Optional section: answer it only if it fits this case; left blank, "
                         "it asks nothing.")
        if not section.always_applies and not self.state.mark(section.key).na:
            notes.append("This section may not apply to this case: ctrl+t marks it as not "
                         "applying, with a reason.")
        if notes:
            yield _static("\n".join(notes), classes="section-note")

    def _question(self, q: Question, row: str) -> ComposeResult:
        slot = self.state.slot(q.key, row)
        target = ("answer", q.key, row)
        yield _static(Text.assemble(q.prompt, ("  (optional)", "dim") if not q.required
                                    else ""), classes="prompt")
        if q.parts:  # sub-prompts that share this one answer
            yield _static("\n".join(f"• {part}" for part in q.parts), classes="parts")
        if q.guidance:
            yield _static(Text.assemble(("What good looks like: ", "bold"), q.guidance),
                          classes="guidance")
        widget = self._answer_widget(q, slot, target)
        widget.add_class("answer")
        self.answer_widget = widget
        yield widget
        if slot.prefilled:
            yield _static("Pre-filled from the case list: check it against the record, and "
                          "change it if it is wrong.", classes="guidance")
        if q.allow_na and q.type not in ("grade", "yes_no", "choice"):
            yield NotApplicableBox(slot.na, target=("na", q.key, row))
        yield _static("", classes="field-error", id="field-error")
        yield IndicatorView(self.question_results(q, row), id="indicators")
        label = q.evidence_prompt or "Evidence note (where in the record; what you saw)"
        if q.evidence_required:
            yield _static(f"{label} (required)", classes="label")
            yield LongTextField(slot.evidence, target=("evidence", q.key, row))
        else:
            yield _static(label, classes="label")
            yield TextField(slot.evidence, target=("evidence", q.key, row),
                            placeholder="Optional: a line of evidence")
        if q.source:
            yield _static(f"Source: {q.source}", classes="source")

    def _answer_widget(self, q: Question, slot, target: tuple) -> Widget:
        if q.type == "grade":
            scale = self.state.template.scale_for(q.scale)
            return GradeInput(scale, slot.value, slot.na, allow_na=q.allow_na,
                              descriptors=q.descriptors, target=target, title=q.prompt,
                              on_pick=self.on_pick)
        if q.type == "yes_no":
            return YesNoInput(slot.value, allow_na=q.allow_na, target=target,
                              on_pick=self.on_pick, partly=q.partly, labels=q.labels)
        if q.type == "choice":
            return ChoiceInput(q.choices, slot.value, slot.na, allow_na=q.allow_na,
                               target=target, on_pick=self.on_pick)
        if q.type == "multi_choice":
            return MultiChoiceInput(q.choices, slot.value, target=target)
        if q.type == "long_text":
            return LongTextField(slot.value or "", target=target)
        if q.type == "date":
            hint = "DD/MM/YYYY or 'never'" if q.allow_never else "DD/MM/YYYY"
            return TextField(answer_text(q, slot), target=target, short=not q.allow_never,
                             placeholder=hint)
        if q.type == "age":
            return TextField(answer_text(q, slot), target=target,
                             placeholder="date of birth DD/MM/YYYY, or age in years")
        if q.type == "number":
            return TextField(answer_text(q, slot), target=target, short=True,
                             placeholder=self._number_hint(q))
        return TextField(answer_text(q, slot), target=target)

    @staticmethod
    def _number_hint(q: Question) -> str:
        kind = "whole number" if q.integer else "number"
        if q.minimum is not None and q.maximum is not None:
            return f"{kind}, {q.minimum:g} to {q.maximum:g}"
        if q.minimum is not None:
            return f"{kind}, at least {q.minimum:g}"
        return f"a {kind}"

    def _group(self, stop: Stop) -> ComposeResult:
        group = stop.group
        count = len(self.state.rows.get(group.key, []))
        yield _static(group.title, classes="prompt")
        if group.guidance:
            yield _static(group.guidance, classes="guidance")
        yield IndicatorView(self.group_summary(), labels=False, id="indicators")
        rows = GroupRows(group, self.state, id="rows")
        self.answer_widget = rows
        yield rows
        limits = []
        if group.min_rows:
            limits.append(f"at least {group.min_rows}")
        if group.max_rows is not None:
            limits.append(f"at most {group.max_rows}")
        noun = group.row_label.lower()
        note = (f"No {noun} rows yet. " if not count else "") + (
            "a: add a row · enter: answer the highlighted row · d: remove it."
            + (f" Rows: {' and '.join(limits)}." if limits else ""))
        yield _static(note, classes="hint", id="rows-hint")

    def _grade(self, section: Section) -> ComposeResult:
        mark = self.state.mark(section.key)
        yield _static(f"Section grade: {section.title}", classes="prompt")
        yield _static(self.grade_summary(section), classes="guidance", id="grade-summary")
        scale = self.state.template.scale_for(section.scale)
        grade = GradeInput(scale, mark.grade, descriptors=section.descriptors,
                           target=("section_grade", section.key), title=section.title,
                           on_pick=self.on_pick)
        grade.add_class("answer")
        self.answer_widget = grade
        yield grade
        yield _static("Rationale: why this grade? (required)", classes="label")
        yield LongTextField(mark.rationale, target=("rationale", section.key))

    def _section_stop(self, section: Section) -> ComposeResult:
        mark = self.state.mark(section.key)
        yield _static(section.title, classes="prompt")
        if not section.always_applies and mark.na:
            yield _static("This section does not apply to this case.", classes="notice")
            yield _static(Text.assemble(("Reason: ", "bold"), mark.na_reason or "(none given)"),
                          classes="guidance")
            yield _static("ctrl+t: answer this section after all.", classes="hint notice")
        elif section.subsections:
            yield _static("Its sub-sections follow: press pagedown.", classes="notice")
        else:
            yield _static("Nothing to answer here for this case: the questions depend on "
                          "earlier answers.", classes="notice")

    # -- what other answers change ----------------------------------------------------------
    def breadcrumb(self) -> Text:
        stop, state = self.stop, self.state
        if stop.section == DETAILS:
            parts = [DETAILS_TITLE]
        else:
            parts = [s.title for s in section_path(state, stop.section)]
        if stop.kind == "group":
            parts.append(stop.group.title)
        if stop.row:
            group = next(g for g in state.template.groups() if g.key == stop.question.group)
            parts.append(group.title)
            parts.append(state.row_label(group.key, stop.row))
        where = " › ".join(parts)
        if stop.kind == "question":
            siblings = questions_in(self.stops, stop)
            number = next((i for i, s in enumerate(siblings, 1) if s.key == stop.key), 0)
            where += f" · question {number} of {len(siblings)}"
        return Text(where)

    def question_results(self, q: Question, row: str) -> list[IndicatorResult]:
        state = self.state
        if row:
            group = next(g for g in state.template.groups() if g.key == q.group)
            return [state.indicator(ind, row) for ind in group.indicators]
        return [result for ind in state.template.indicators()
                if not ind.group and q.key in (ind.start, ind.end, ind.otherwise_to)
                for result in state.indicator_results(ind)]

    def section_results(self) -> list[IndicatorResult]:
        section = self.state.template.section(self.stop.section)
        return [r for ind in section.indicators for r in self.state.indicator_results(ind)]

    def group_summary(self) -> list[IndicatorResult]:
        """One line per group indicator: how many rows meet it."""
        group, state = self.stop.group, self.state
        if not state.rows.get(group.key):
            return []
        lines = []
        for ind in group.indicators:
            judged = [r.met for r in state.indicator_results(ind) if r.met is not None]
            met = all(judged) if judged else None
            lines.append(IndicatorResult(ind, "", None, met, state.indicator_summary(ind)))
        return lines

    def grade_summary(self, section: Section) -> str:
        done, total = self.state.section_progress(section)
        counts: dict[str, int] = {}
        for s in section.walk():
            for q, row in self.state.items(s):
                slot = self.state.slot(q.key, row)
                if q.type == "grade" and slot.value is not None and not slot.na:
                    label = self.state.template.scale_for(q.scale).label(slot.value)
                    counts[label] = counts.get(label, 0) + 1
        text = f"{done} of {total} items in this section answered (the grade counts as one)."
        if counts:
            text += " Question grades: " + ", ".join(f"{n} × {label}" for label, n in
                                                      counts.items()) + "."
        return text

    def refresh_live(self, stops: list[Stop]) -> None:
        """After an answer: update the position, indicators, rows and grade summary (only
        what changed is redrawn)."""
        if self.stop is None:
            return
        self.stops = stops
        for crumb in self.query(".breadcrumb").results(Static):
            _update(crumb, self.breadcrumb())
        for view in self.query("#indicators").results(IndicatorView):
            if self.stop.kind == "question":
                view.show_results(self.question_results(self.stop.question, self.stop.row))
            elif self.stop.kind == "group":
                view.show_results(self.group_summary())
            else:
                view.show_results(self.section_results())
        for rows in self.query(GroupRows):
            rows.show_rows(self.state)
        for summary in self.query("#grade-summary").results(Static):
            section = self.state.template.section(self.stop.section)
            _update(summary, Text(self.grade_summary(section)))

    def set_read_only(self, read_only: bool) -> None:
        """A submitted audit: answers can be read, not changed."""
        for widget in self.query("OptionList, Input, Checkbox"):
            widget.disabled = read_only
        for area in self.query(LongTextField):
            area.read_only = read_only

    def field(self, target: tuple) -> Widget | None:
        for widget in self.query("TextField, LongTextField"):
            if getattr(widget, "target", None) == target:
                return widget
        return None

    def show_error(self, message: str) -> None:
        for error in self.query("#field-error").results(Static):
            error.update(Text(message))
            error.set_class(bool(message), "-shown")
