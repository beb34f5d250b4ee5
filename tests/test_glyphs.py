"""Colour is never the only signal: ticks, radio buttons and grade bars differ by glyph too."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import RadioSet

from audit_tui.reports.figures import GradeFigure
from audit_tui.templates.model import Choice
from audit_tui.widgets.bar_chart import bar_text, fill_for
from audit_tui.widgets.multi_choice_input import MultiChoiceInput
from audit_tui.widgets.not_applicable_box import NotApplicableBox
from audit_tui.widgets.urgency_button import UrgencyButton


class Boxes(App):
    def compose(self) -> ComposeResult:
        yield NotApplicableBox(True, id="on")
        yield NotApplicableBox(False, id="off")
        with RadioSet():
            yield UrgencyButton("Now", value=True, id="now")
            yield UrgencyButton("Later", id="later")
        yield MultiChoiceInput((Choice("a", "School"), Choice("b", "Police")), ["a"], id="multi")


async def test_ticks_and_radio_buttons_show_their_state_in_the_glyph():
    app = Boxes()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        assert app.query_one("#on", NotApplicableBox)._button.plain[1] == "X"
        assert app.query_one("#off", NotApplicableBox)._button.plain[1] == " "
        assert app.query_one("#now", UrgencyButton)._button.plain[1] == "●"
        assert app.query_one("#later", UrgencyButton)._button.plain[1] == " "
        multi = app.query_one("#multi", MultiChoiceInput)
        lines = ["".join(seg.text for seg in multi.render_line(y)) for y in range(2)]
        assert lines[0][1] == "X" and "School" in lines[0]
        assert lines[1][1] == " " and "Police" in lines[1]


def test_each_grade_has_its_own_fill_in_the_bars():
    figure = GradeFigure(key="", title="Overall grade", scale="ofsted",
                         labels={1: "Outstanding", 2: "Good", 3: "RI", 4: "Inadequate"},
                         counts={1: 1, 2: 1, 3: 1, 4: 1}, good=2, inadequate=1)
    text = bar_text([("Overall grade", figure)], width=40).plain
    fills = [fill_for(i) for i in range(4)]
    assert len(set(fills)) == 4
    bar = text.splitlines()[0]
    for fill in fills:
        assert fill * 10 in bar
    legend = text.splitlines()[-1]
    assert all(f"{fill}{fill} {n} " in legend for n, fill in zip(range(1, 5), fills))
