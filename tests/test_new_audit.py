"""Starting an audit: pick a template, type the case details, and the audit is in the database.

Each test drives the app as a user would (keys), then reads the database itself.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input, Label, OptionList, Static

from audit_tui.app import AuditApp
from audit_tui.dates import format_date
from audit_tui.settings import Settings

SMALL_TEMPLATE = '''
key = "small_test"
version = 1
title = "Small test audit"
service = "Testing"
description = "A small template for the tests: one graded section, one that may not apply."

[[sections]]
key = "assessment"
title = "Assessment"
criterion = "assessment_quality"
graded = true

  [[sections.questions]]
  key = "seen_alone"
  prompt = "Was the child seen alone?"
  type = "yes_no"
  tags = ["compliance"]

  [[sections.questions]]
  key = "assessment_done"
  prompt = "Date the assessment was completed"
  type = "date"
  required = false
  tags = ["compliance"]

  [[sections.questions]]
  key = "risk_analysis"
  prompt = "How well does the assessment analyse risk?"
  type = "grade"
  required = false
  tags = ["quality"]

[[sections]]
key = "missing"
title = "Missing episodes"
criterion = "exploitation_missing"
always_applies = false

  [[sections.questions]]
  key = "rhi_note"
  prompt = "What did the return home interview find?"
  type = "text"
  required = false
  tags = ["quality"]

[overall]
guidance = "Weigh the section grades; the overall grade is not an average."
'''


@pytest.fixture
def template_dir(tmp_path, monkeypatch) -> Path:
    """A folder holding only the small template; the bundled ones are left out so that what
    the screens show does not change when they do."""
    monkeypatch.setenv("AUDIT_TUI_HOME", str(tmp_path / "home"))
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "small.toml").write_text(SMALL_TEMPLATE, encoding="utf-8")
    empty = tmp_path / "no-bundled"
    empty.mkdir()
    from audit_tui.templates import loader

    monkeypatch.setattr(loader, "bundled_template_dir", lambda: empty)
    return folder


@pytest.fixture
def target(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_TUI_HOME", str(tmp_path / "home"))
    from audit_tui.db.opening import prepare
    from audit_tui.locations import parse_database

    db = parse_database(str(tmp_path / "a.db"), "--db")
    prepare(db)
    return db


def make_app(target, template_dir, settings: Settings | None = None) -> AuditApp:
    app = AuditApp(database=target, template_dirs=[template_dir], settings=settings,
                   warm_up=False)
    app.services.user = "os-user"
    return app


def record_open_audit(app) -> list[tuple[str, str | None]]:
    """Replace app.open_audit (the walk) with a recorder."""
    calls: list[tuple[str, str | None]] = []
    app.open_audit = lambda audit_id, at=None: calls.append((audit_id, at))
    return calls


async def wait_for(pilot, condition, tries=300):
    for _ in range(tries):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition never held")


def audits(target) -> list[dict]:
    conn = sqlite3.connect(target.path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM audit")]
    finally:
        conn.close()


def field(app, key: str) -> Input:
    return app.screen.query_one(f"#{key}", Input)


def message(app, key: str) -> str:
    return str(app.screen.query_one(f"#{key}-error", Static).render())


async def open_form(app, pilot, press_n: bool = True, team: str = "North") -> None:
    """From the home screen: n (or the command), then enter on the (only) template; the team
    (required by default) is filled in unless `team` is ""."""
    if press_n:
        await pilot.press("n")
    else:
        app.action_new_audit()
    await wait_for(pilot, lambda: app.screen.query("#pick-list")
                   and app.screen.query_one("#pick-list", OptionList).highlighted == 0)
    await pilot.press("enter")
    await wait_for(pilot, lambda: field(app, "case_reference").has_focus)
    field(app, "team").value = team


async def retype(pilot, text: str) -> None:
    """Clear the focused field and type `text`."""
    await pilot.press("home", "ctrl+k", *text)


async def test_new_audit_is_created_with_trimmed_details(target, template_dir):
    app = make_app(target, template_dir)
    calls = record_open_audit(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(app, pilot, team="")
        assert "Small test audit" in str(app.screen.query_one("#details-template").render())
        assert field(app, "auditor").value == "os-user"  # no audit yet: the OS user
        assert field(app, "audit_date").value == format_date(date.today())
        await pilot.press(*"  CH-004512  ", "enter")
        await pilot.press(*" North team ", "enter")
        await pilot.press(*"Children in care", "enter")
        await pilot.press(*"Sam Jones", "enter")
        await retype(pilot, "Priya Shah")
        await pilot.press("enter")
        await retype(pilot, "01/03/2026")
        await pilot.press("enter")  # enter on the last field creates the audit
        await wait_for(pilot, lambda: calls)
        assert type(app.screen).__name__ == "HomeScreen"
    [row] = audits(target)
    assert calls == [(row["id"], None)]
    assert (row["case_reference"], row["team"], row["service_area"], row["social_worker"],
            row["auditor"], row["audit_date"], row["status"], row["template_key"]) == (
        "CH-004512", "North team", "Children in care", "Sam Jones", "Priya Shah",
        "2026-03-01", "draft", "small_test")


async def test_a_bad_case_reference_creates_nothing(target, template_dir):
    app = make_app(target, template_dir)
    calls = record_open_audit(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(app, pilot)
        await pilot.press("ctrl+s")  # empty
        await pilot.pause()
        assert "A case reference is needed" in message(app, "case_reference")
        await pilot.press(*"[bold] x!", "tab")  # checked when the field is left
        await pilot.pause()
        text = message(app, "case_reference")
        assert "'[bold] x!' does not look like a case reference" in text
        assert Settings().case_reference_hint in text
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert field(app, "case_reference").has_focus  # taken back to the field to mend
        assert "not created" in str(app.screen.query_one("#new-status").render())
    assert audits(target) == [] and calls == []


async def test_the_settings_pattern_is_used(target, template_dir):
    settings = Settings(case_reference_pattern=r"CH-\d{6}",
                        case_reference_hint="CH- and six digits, e.g. CH-004512")
    app = make_app(target, template_dir, settings)
    calls = record_open_audit(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(app, pilot)
        await pilot.press(*"CH-12", "ctrl+s")
        await pilot.pause()
        assert "CH- and six digits" in message(app, "case_reference")
        assert audits(target) == []
        await retype(pilot, "CH-123456")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: calls)
    assert [a["case_reference"] for a in audits(target)] == ["CH-123456"]


async def test_an_impossible_date_is_refused_and_the_field_keeps_its_value(target,
                                                                           template_dir):
    app = make_app(target, template_dir)
    calls = record_open_audit(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(app, pilot)
        await pilot.press(*"CH-1")
        field(app, "audit_date").focus()
        await retype(pilot, "15/02/2026")
        await pilot.press("shift+tab")  # leaving the field checks it
        await pilot.pause()
        assert field(app, "audit_date").value == "15/02/2026"
        assert message(app, "audit_date") == ""
        field(app, "audit_date").focus()
        await retype(pilot, "31/02/2026")
        await pilot.press("shift+tab")
        await pilot.pause()
        assert field(app, "audit_date").value == "15/02/2026"  # the previous good date
        assert "February 2026 has 28 days" in message(app, "audit_date")
        field(app, "audit_date").focus()
        await retype(pilot, "01/01/2099")
        await pilot.press("ctrl+s")  # refused on submit too: nothing created
        await pilot.pause()
        assert "in the future" in message(app, "audit_date")
        assert field(app, "audit_date").value == "15/02/2026"
        assert audits(target) == [] and calls == []
        await retype(pilot, "2026-02-14")  # ISO is accepted too
        await pilot.press("enter")
        await wait_for(pilot, lambda: calls)
    assert [a["audit_date"] for a in audits(target)] == ["2026-02-14"]


async def test_the_auditor_defaults_to_the_last_one_used(target, template_dir):
    app = make_app(target, template_dir)
    calls = record_open_audit(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(app, pilot)
        await pilot.press(*"CH-1")
        field(app, "auditor").focus()
        await retype(pilot, "Priya Shah")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: calls)
        await open_form(app, pilot, press_n=False)  # the home's filter has the focus now
        await wait_for(pilot, lambda: field(app, "auditor").value == "Priya Shah")


async def test_escape_goes_back_a_step_then_home(target, template_dir):
    (template_dir / "broken.toml").write_text("key = 'broken'\n", encoding="utf-8")
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#pick-list", OptionList).has_focus
        note = str(app.screen.query_one("#pick-unusable", Static).render())
        assert "1 template could not be loaded: see  audit-tui templates list" in note
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
    assert audits(target) == []


async def test_every_key_has_a_description_for_help_and_the_palette(target, template_dir):
    from audit_tui.dialogs.keys import describe_keys

    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(app, pilot)
        described = dict((d, k) for k, d in describe_keys(app, app.screen))
        assert {"Create audit", "Back"} <= set(described)
        for binding in app.screen.BINDINGS:
            assert binding.id and binding.description


async def test_the_team_is_required_unless_the_template_says_otherwise(target, template_dir):
    app = make_app(target, template_dir)
    calls = record_open_audit(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(app, pilot, team="")
        assert field(app, "team").placeholder == "required"
        await pilot.press(*"CH-9", "ctrl+s")
        await wait_for(pilot, lambda: message(app, "team"))
        assert message(app, "team") == "The team is needed: this template requires it."
        assert field(app, "team").has_focus and audits(target) == [] and calls == []
        await pilot.press(*"East")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: calls)
    assert [a["team"] for a in audits(target)] == ["East"]


async def test_details_are_relabelled_and_hidden_as_the_template_says(target, template_dir):
    text = (Path(__file__).parent / "templates" / "lancashire_tier2_cla.toml").read_text(
        encoding="utf-8")
    (template_dir / "small.toml").write_text(text, encoding="utf-8")
    app = make_app(target, template_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(app, pilot, team="")
        form = app.screen.query_one("#form")
        assert str(field(app, "social_worker").parent.query_one(Label).render()) == "Case holder"
        assert not field(app, "service_area").parent.display
        assert field(app, "service_area").parent.query_one(Label) is not None
        assert form.template.key == "lancashire_tier2_cla"
