"""The house's layers: a module never imports one above it.

Top: cli.py and app.py. Then screens/, widgets/, dialogs/ (the UI), then reports/ and sync/, then
programme/, then db/, and at the bottom templates/, dates.py and locations.py. db/ never imports textual. Checked on
every import statement in the package, at any depth (imports inside functions included).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "audit_tui"

UI = ("screens", "widgets", "dialogs")
# For each part of the package: the parts it must never import.
FORBIDDEN = {
    **{part: ("app", "cli") for part in UI},
    "reports": ("app", "cli", *UI),
    "sync": ("app", "cli", *UI),
    "programme": ("app", "cli", *UI, "reports", "sync", "textual"),
    "db": ("app", "cli", *UI, "reports", "sync", "programme", "textual"),
    "templates": ("app", "cli", *UI, "reports", "sync", "programme", "db", "textual"),
    "dates": ("app", "cli", *UI, "reports", "sync", "programme", "db", "templates", "textual"),
    "locations": ("app", "cli", *UI, "reports", "sync", "programme", "db", "templates",
                  "textual"),
    "sheet_letters": ("app", "cli", *UI, "reports", "sync", "programme", "db", "templates",
                      "textual"),
}


def _part(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imported(path: Path) -> set[str]:
    """The first parts ('app', 'screens', 'textual', ...) of every module `path` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = list(path.relative_to(PACKAGE).parent.parts)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                found.add(parts[1] if parts[0] == "audit_tui" and len(parts) > 1 else parts[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                parts = [*base, *(node.module.split(".") if node.module else [])]
                names = [a.name for a in node.names] if not parts else []
                found.update(parts[:1] or names)
            elif node.module:
                parts = node.module.split(".")
                found.add(parts[1] if parts[0] == "audit_tui" and len(parts) > 1 else parts[0])
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _part(p) in FORBIDDEN)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_layer_above_it(path):
    wrong = _imported(path) & set(FORBIDDEN[_part(path)])
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}"


def test_the_checker_sees_a_relative_import_of_the_app_inside_a_function(tmp_path, monkeypatch):
    assert "messages" in _imported(PACKAGE / "screens" / "walk.py")
    fake = tmp_path / "audit_tui" / "screens" / "fake.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from ..app import Saved\n", encoding="utf-8")
    monkeypatch.setattr(__import__("tests.test_layers").test_layers, "PACKAGE",
                        tmp_path / "audit_tui")
    assert "app" in _imported(fake)
