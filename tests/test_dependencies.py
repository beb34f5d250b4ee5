"""Every package the tool imports at run time is one pyproject.toml installs with it (`pip
install .` on a fresh machine): a module that imports a test-only package would work in the
test environment and fail for a user."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# import name -> the distribution that provides it, where they differ or come with another
PROVIDED_BY = {"docx": "python-docx", "sqlalchemy": "sqlmodel", "pydantic": "sqlmodel",
               "rich": "textual", "psycopg": "psycopg"}


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"]) + list(project["optional-dependencies"]["postgres"])
    return {w.split(">")[0].split("<")[0].split("[")[0].split("=")[0].strip().lower()
            for w in wanted}


def test_every_run_time_import_is_a_declared_dependency():
    declared = _declared()
    missing = {}
    for path in (ROOT / "audit_tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("audit_tui", "audit_templates"):
                    continue
                if PROVIDED_BY.get(top, top).lower() not in declared:
                    missing.setdefault(top, path.relative_to(ROOT).as_posix())
    assert missing == {}, f"imported but not installed with the tool: {missing}"
