"""Bad text: terminal escape sequences, markup-like text, a megabyte, right-to-left and combining
characters, NUL bytes. Stored exactly (round trip, history too), shown literally (the walk's
fields and the review never send a control character to the terminal, "[red]" is not markup),
exported safely (CSV cells never start a formula, HTML escaped, files 0600)."""

from __future__ import annotations

import csv
import stat
from datetime import date

import pytest
from rich.text import Text
from sqlmodel import Session
from textual.geometry import Region
from textual.widgets import Static

from audit_tui.app import AuditApp
from audit_tui.cli import main
from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.opening import open_engine
from audit_tui.input_rules import line_problem
from audit_tui.literal import literal
from audit_tui.reports.safe import restore

from .test_reports_data import add_audit, mini  # noqa: F401 (mini: a fixture)
from .test_walk import audit_id, open_walk, settled, walk, walk_template  # noqa: F401

ESCAPES = "before \x1b[2J\x1b[31mred\x1b[0m \x1b]0;title\x07 \x9b31m after"
MARKUP = "[red]not red[/] [/] [bold]x[/bold] [link=http://x]y[/link] \\[z]"
RTL = "Right-to-left: \u202eelbat\u202c עברית العربية \u2067isolate\u2069"
COMBINING = "e\u0301 a\u0308 Z\u0335\u0336 \U0001F469\u200d\U0001F467 ﬁ"
NUL = "nul\x00inside\x00"
FORMULA = "=HYPERLINK(\"http://evil\",\"click\")"
MEGABYTE = ("Case note line with é and \x1b[1m; " * 30_000)[:1_048_576]
BAD_TEXTS = {"escapes": ESCAPES, "markup": MARKUP, "rtl": RTL, "combining": COMBINING,
             "nul": NUL, "formula": FORMULA, "megabyte": MEGABYTE,
             "everything": ESCAPES + MARKUP + RTL + COMBINING + NUL + "\r\n\t"}


def rendered(widget) -> str:
    """What the widget sends to the terminal (its rendered segments), all lines."""
    width, height = widget.size
    strips = widget.render_lines(Region(0, 0, width, height))
    return "".join(seg.text for strip in strips for seg in strip if not seg.control)


@pytest.mark.parametrize("name", sorted(BAD_TEXTS))
def test_bad_text_is_stored_exactly_with_its_history(db_target, engine, audit_id, name):
    text = BAD_TEXTS[name]
    team = text[:200]  # a one-line detail: control characters refused (input_rules)
    if line_problem(team.strip()):
        with pytest.raises(store.StoreError, match="The team holds control characters"):
            with session_scope(engine) as s:
                store.update_case_details(session=s, audit_id=audit_id, who="t", team=team)
        team = "".join(ch for ch in team if not line_problem(ch))  # what may be kept
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="summary", who="t",
                          text=text, evidence=text)
        store.update_case_details(session=s, audit_id=audit_id, who="t", team=team)
        action = store.add_action(session=s, audit_id=audit_id, who="t", description=text,
                                  owner="Ann", due_date=date(2026, 12, 1))
        store.update_action(session=s, action_id=action.id, who="t", note=text)
    other = open_engine(db_target)  # read back through a fresh connection, not a cache
    try:
        with Session(other) as s:
            answer = next(a for a in store.answers_for(session=s, audit_id=audit_id)
                          if a.question_key == "summary")
            assert answer.text == text and answer.evidence == text
            assert store.get_audit(session=s, audit_id=audit_id).team == team.strip()
            saved = store.actions_for(session=s, audit_id=audit_id)[0]
            # a description is trimmed at its ends (as typed names are); inside, kept exactly
            assert saved.description == text.strip() and saved.note == text
            news = [e.new_value for e in store.history(session=s, audit_id=audit_id)]
            assert news.count(text) >= 3  # the answer, its evidence, the action's note
            assert text.strip() in news
    finally:
        other.dispose()


async def test_bad_text_is_shown_literally_in_the_walk_and_the_review(db_target, engine,
                                                                     audit_id):
    shown = ESCAPES + " " + MARKUP + " " + NUL + " " + RTL
    with session_scope(engine) as s:
        store.save_answer(session=s, audit_id=audit_id, question_key="summary", who="t",
                          text=shown, evidence=MARKUP + ESCAPES)
        store.save_answer(session=s, audit_id=audit_id, question_key="why_not_alone", who="t",
                          text=ESCAPES)
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(200, 50)) as pilot:
        await open_walk(app, pilot, audit_id, at="summary")
        await pilot.pause()
        field = walk(app).panel.field(("answer", "summary", ""))
        assert field.text == shown  # the value is exactly what was stored
        drawn = rendered(field)
        assert "\x1b" not in drawn and "\x00" not in drawn and "\x07" not in drawn
        assert "␛[2J" in drawn and "[red]not red[/]" in drawn and "␀" in drawn
        evidence = walk(app).panel.field(("evidence", "summary", ""))
        assert evidence.value == MARKUP + ESCAPES
        drawn = rendered(evidence)
        assert "\x1b" not in drawn and "[red]not" in drawn
        # leaving without typing changes nothing: the text is not rewritten by being shown
        await pilot.press("pagedown")
        await settled(app, pilot)
        with Session(engine) as s:
            answer = next(a for a in store.answers_for(session=s, audit_id=audit_id)
                          if a.question_key == "summary")
            assert answer.text == shown and answer.evidence == MARKUP + ESCAPES

        app.open_review(audit_id)
        await pilot.pause()
        await settled(app, pilot)
        for _ in range(50):
            texts = [w.render() for w in app.screen.query(Static)]
            plain = "\n".join(t.plain if isinstance(t, Text) else str(t) for t in texts)
            if "[red]not red[/]" in plain:
                break
            await pilot.pause(0.05)
        assert "[red]not red[/]" in plain  # markup-like text shown as typed
        assert "\x1b" not in plain and "\x00" not in plain
        assert "␛[2J" in plain and "␀" in plain  # control characters drawn as symbols


def test_literal_maps_every_control_character_to_one_visible_one():
    for code in [*range(0, 32), 127, *range(0x80, 0xA0)]:
        out = literal(chr(code))
        assert len(out) == 1
        if code not in (9, 10):
            assert out != chr(code) and out.isprintable()
    assert literal(MARKUP) == MARKUP and literal(COMBINING) == COMBINING


def test_csv_export_is_safe_and_keeps_bad_text(capsys, engine, mini, db_target,  # noqa: F811
                                               tmp_path):
    note = FORMULA + " " + ESCAPES + " " + NUL + " " + RTL
    add_audit(engine, mini, "@CH-BAD", "=cmd|' /C calc'!A0", "-Ann", date(2024, 3, 1), 2, 2, 1,
              {"seen_alone": "yes", "note": note}, None,
              [("+do it", "=owner", date(2024, 4, 1), "open")])
    out = tmp_path / "bad.csv"
    assert main(["--db", str(db_target.path), "export", "--out", str(out),
                 "--format", "csv"]) == 0
    capsys.readouterr()
    files = sorted(tmp_path.glob("bad*.csv"))
    assert len(files) >= 2
    seen_note = False
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not cell or cell[0] not in "=+-@\t\r", (path.name, cell)
                    if restore(cell) == note:
                        seen_note = True
    assert seen_note  # the note comes back exactly (NUL and escapes included)


def test_html_report_escapes_bad_text(capsys, engine, mini, db_target, tmp_path):  # noqa: F811
    # (a team holding ESC is refused now: input_rules; markup and entities are text)
    add_audit(engine, mini, "CH-X", "<script>alert('x')</script>&amp;", "Ann",
              date(2024, 3, 1), 2, 2, 1, {"seen_alone": "yes"}, None, [])
    out = tmp_path / "pack.html"
    code = main(["--db", str(db_target.path), "report", "--as-of", "01/06/2024", "--format",
                 "html", "--by", "team", "--out", str(out)])
    capsys.readouterr()
    assert code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text
    assert "&lt;script&gt;" in text and "&amp;amp;" in text
