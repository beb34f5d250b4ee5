"""One rule for typed text (input_rules.py): the store refuses what a bundle's import refuses,
and a paste loses the control characters no field may hold."""

from __future__ import annotations

from datetime import date

import pytest

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.input_rules import LINE_MAX, date_problem, line_problem, pasted, text_problem


def test_the_rules():
    assert line_problem("Team North\tEast") is None
    assert line_problem("x" * LINE_MAX) is None
    assert line_problem("x" * (LINE_MAX + 1)) == f"is longer than {LINE_MAX} characters"
    assert line_problem("North\x1b[2J") == "holds control characters"
    assert line_problem("North\nSouth") == "holds control characters"
    assert line_problem(3) == "is not text"
    assert line_problem("Team\u00a0North \u2014 caf\u00e9 \U0001f469\u200d\U0001f467") is None
    assert line_problem("abc\u202edcba") == "holds control characters"  # a bidi override
    assert text_problem("two\nlines\r\n\tand a tab") is None
    assert text_problem(None) is None
    assert text_problem("bell\x07 \x1b[2J \u202e") is None  # kept exactly, shown literally
    assert text_problem("nul\x00") == "holds a NUL character"
    assert date_problem("2025-02-29") == "is not a real date"
    assert date_problem(None, required=True) == "is missing"
    assert date_problem(date(2025, 2, 28)) is None and date_problem("2024-02-29") is None


def test_a_paste_keeps_its_lines_and_loses_escapes():
    assert pasted("plain text") == "plain text"
    assert pasted("\x1b[31mred\x1b[0m\r\nnext\tline\x07") == "[31mred[0m\r\nnext\tline"
    assert line_problem(pasted("".join(map(chr, range(32, 9000))))[:200]) is None
    assert pasted("no\u00a0break") == "no\u00a0break"


@pytest.mark.parametrize("field,value,says", [
    ("team", "North\x1b]0;owned\x07", "The team holds control characters."),
    ("social_worker", "x" * 201, f"The social worker is longer than {LINE_MAX} characters."),
])
def test_the_store_refuses_what_an_import_refuses(engine, example_template, field, value, says):
    with session_scope(engine) as session:
        with pytest.raises(store.StoreError) as refused:
            store.create_audit(session=session, template=example_template,
                               case_reference="CASE-1", audit_date=date(2025, 3, 1), who="sam",
                               **{field: value})
        assert str(refused.value) == says
    with session_scope(engine) as session:
        audit = store.create_audit(session=session, template=example_template,
                                   case_reference="CASE-1", audit_date=date(2025, 3, 1),
                                   who="sam", team="North")
        audit_id = audit.id
    with session_scope(engine) as session:
        with pytest.raises(store.StoreError, match=says.replace(".", r"\.")):
            store.update_case_details(session=session, audit_id=audit_id, who="sam",
                                      **{field: value})
        with pytest.raises(store.StoreError, match="The owner holds control"):
            action = store.add_action(session=session, audit_id=audit_id, who="sam",
                                      description="Review the plan", owner="Ann")
            store.update_action(session=session, action_id=action.id, who="sam",
                                owner="Ann\x1b[2J")
    with session_scope(engine) as session:
        assert store.get_audit(session=session, audit_id=audit_id).team == "North"
