"""The re-audit rule: a case audited within the set number of months is flagged."""

from __future__ import annotations

from datetime import date

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.reaudit import describe, earlier_audits, months_before

from .test_new_audit import target, template_dir  # noqa: F401  (fixtures)


def test_months_before_keeps_the_day_or_the_month_end():
    assert months_before(date(2026, 11, 20), 12) == date(2025, 11, 20)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)


def test_earlier_audits_within_the_period(engine, example_template):
    with session_scope(engine) as s:
        for ref, day in (("CH-1", date(2026, 5, 1)), ("ch-1", date(2025, 11, 20)),
                         ("CH-1", date(2025, 11, 19)), ("CH-2", date(2026, 5, 1))):
            store.create_audit(session=s, template=example_template, case_reference=ref,
                               audit_date=day, who="Ann", auditor="Ann")
    with session_scope(engine) as s:
        found = earlier_audits(session=s, case_reference=" ch-1 ", today=date(2026, 11, 20),
                               months=12)
        assert [a.audit_date for a in found] == [date(2026, 5, 1), date(2025, 11, 20)]
        assert "01/05/2026 by Ann" in describe(found[0])
        assert earlier_audits(session=s, case_reference="CH-1", today=date(2026, 11, 20),
                              months=0) == []


async def test_new_audit_warns_about_a_recent_audit_of_the_case(target, template_dir):
    from audit_tui.db.opening import open_engine
    from audit_tui.settings import Settings
    from audit_tui.templates.loader import load_template

    from .test_new_audit import audits, make_app, open_form, record_open_audit, wait_for

    template = load_template(template_dir / "small.toml").template
    engine = open_engine(target)
    with session_scope(engine) as s:
        earlier = store.create_audit(session=s, template=template, case_reference="CH-77",
                                     audit_date=date.today(), who="Ann", auditor="Ann").id
    engine.dispose()
    app = make_app(target, template_dir, Settings(reaudit_months=12))
    calls = record_open_audit(app)
    reviewed = []
    app.open_review = reviewed.append
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(app, pilot)
        await pilot.press(*"ch-77")
        await pilot.press("ctrl+s")
        status = app.screen.query_one("#new-status")
        await wait_for(pilot, lambda: "Re-audit" in str(status.render()))
        assert "CH-77 was audited on" in str(status.render()) and "by Ann" in str(
            status.render())
        assert len(audits(target)) == 1 and not calls
        await pilot.press("f3")
        assert reviewed == [earlier]
        await pilot.press("ctrl+s")  # again: started anyway
        await wait_for(pilot, lambda: calls)
    assert len(audits(target)) == 2


async def test_no_warning_when_the_rule_is_off(target, template_dir):
    from audit_tui.db.opening import open_engine
    from audit_tui.settings import Settings
    from audit_tui.templates.loader import load_template

    from .test_new_audit import audits, make_app, open_form, record_open_audit, wait_for

    template = load_template(template_dir / "small.toml").template
    engine = open_engine(target)
    with session_scope(engine) as s:
        store.create_audit(session=s, template=template, case_reference="CH-77",
                           audit_date=date.today(), who="Ann", auditor="Ann")
    engine.dispose()
    app = make_app(target, template_dir, Settings(reaudit_months=0))
    calls = record_open_audit(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(app, pilot)
        await pilot.press(*"CH-77", "ctrl+s")
        await wait_for(pilot, lambda: calls)
    assert len(audits(target)) == 2


def test_earlier_audits_ignore_the_case_of_any_letter_on_every_engine(engine, example_template):
    """SQLite's lower() knows only ASCII letters: a reference with others is still matched."""
    with session_scope(engine) as s:
        for ref, day in (("ÉLO-1", date(2026, 5, 1)), ("élo-1", date(2026, 4, 1)),
                         ("ELO-1", date(2026, 3, 1)), ("ch-3", date(2026, 2, 1))):
            store.create_audit(session=s, template=example_template, case_reference=ref,
                               audit_date=day, who="Ann", auditor="Ann")
    with session_scope(engine) as s:
        found = earlier_audits(session=s, case_reference="élo-1 ", today=date(2026, 11, 20),
                               months=12)
        assert [a.case_reference for a in found] == ["ÉLO-1", "élo-1"]
        found = earlier_audits(session=s, case_reference="CH-3", today=date(2026, 11, 20),
                               months=12)
        assert [a.case_reference for a in found] == ["ch-3"]
