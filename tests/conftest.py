"""Shared fixtures. Every test gets its own data folder under tmp_path (AUDIT_TUI_HOME), so no
test touches the real user folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("AUDIT_TUI_HOME", str(home))
    monkeypatch.delenv("AUDIT_TUI_DB", raising=False)
    return home


@pytest.fixture
def db_target(tmp_path):
    """A prepared (migrated) SQLite database under tmp_path."""
    from audit_tui.db.opening import prepare
    from audit_tui.locations import parse_database

    target = parse_database(str(tmp_path / "audits.db"), "--db")
    prepare(target)
    return target


@pytest.fixture
def engine(db_target):
    from audit_tui.db.opening import open_engine

    eng = open_engine(db_target)
    yield eng
    eng.dispose()


@pytest.fixture
def example_template(tmp_path):
    """The complete example from docs/templates.md, which also proves the doc is right."""
    import re

    from audit_tui.templates.loader import load_template

    doc = (Path(__file__).parent.parent / "docs" / "templates.md").read_text(encoding="utf-8")
    text = re.search(r"```toml\n(key = .*?)```", doc, re.S).group(1)
    path = tmp_path / "example.toml"
    path.write_text(text, encoding="utf-8")
    result = load_template(path)
    assert result.problems == []
    return result.template
