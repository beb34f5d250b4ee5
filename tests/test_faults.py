"""Faults from issue 12 ("Bad input and faults"): two programs writing at once, read-only and
empty files, side files, terminal-safe text. Each test fails without its fix."""

from __future__ import annotations

import pytest

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.models import TemplateVersion
from audit_tui.templates.loader import default_catalog


def _template():
    return default_catalog(None).templates()[0]


def test_template_version_stored_twice_at_once_is_one_row(engine):
    """Another program stores the same template version between our look and our insert (the
    demo racing a bundle import on a fresh database): no UniqueViolation, one row."""
    template = _template()
    with session_scope(engine) as other:  # the other program, committed first
        store.ensure_template_version(session=other, template=template)
    with session_scope(engine) as session:
        real_get = session.get
        calls = []

        def late_get(model, key, **kw):  # our look happened before the other's commit
            calls.append(key)
            return None if len(calls) == 1 else real_get(model, key, **kw)

        session.get = late_get
        row = store.ensure_template_version(session=session, template=template)
        assert row.hash == template.text_hash and row.text == template.text
    with session_scope(engine) as session:
        from sqlmodel import select

        assert len(session.exec(select(TemplateVersion)).all()) == 1
