"""Write one benchmark's figures into docs/performance.md, between its own markers, leaving
the other benchmarks' sections as they are."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
HEAD = "# Performance\n\nFigures written by the scripts in `benchmarks/`; rerun them to refresh.\n"


def machine() -> str:
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}")


def write_section(name: str, body: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEAD
    start, end = f"<!-- section: {name} -->", f"<!-- end: {name} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else (
        text.rstrip() + "\n\n" + block + "\n")
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
