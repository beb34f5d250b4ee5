"""Find the line of a key in a TOML file, so a problem can be reported as FILE:LINE.

`tomllib` gives values but not positions. This scans the text once and records, for each table
header and each `key = value` line, the path that the parsed document gives it, such as
("sections", 1, "questions", 3, "type"). Looking a path up falls back to its nearest recorded
parent, so a missing key is reported at the header of the table that lacks it.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")
_PART = re.compile(r"""[A-Za-z0-9_-]+|"([^"]*)"|'([^']*)'""")

Path = tuple


def _split_key(dotted: str) -> list[str]:
    parts = []
    for match in _PART.finditer(dotted):
        if match.group(1) is not None:
            parts.append(match.group(1))
        elif match.group(2) is not None:
            parts.append(match.group(2))
        else:
            parts.append(match.group(0))
    return parts


class LineMap:
    """Path -> line number (1-based) for one TOML text."""

    def __init__(self, text: str) -> None:
        self.lines: dict[Path, int] = {}
        self._scan(text)

    def _scan(self, text: str) -> None:
        counts: dict[Path, int] = {}  # concrete path of an array of tables -> its length so far
        current: Path = ()
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            header = _HEADER.match(line)
            if header and not _ASSIGN.match(line):
                is_array = header.group(1) == "[["
                parts = _split_key(header.group(2))
                concrete: list = []
                for part in parts[:-1]:
                    concrete.append(part)
                    # Step into the last element of an array of tables named so far.
                    if tuple(concrete) in counts:
                        concrete.append(counts[tuple(concrete)] - 1)
                concrete.append(parts[-1])
                if is_array:
                    key = tuple(concrete)
                    counts[key] = counts.get(key, 0) + 1
                    concrete.append(counts[key] - 1)
                current = tuple(concrete)
                self.lines.setdefault(current, number)
                continue
            assign = _ASSIGN.match(line)
            if assign:
                path = current + tuple(_split_key(assign.group(1)))
                self.lines.setdefault(path, number)
                rest = line[assign.end():]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        in_string = quote
                        break

    def line_of(self, path: Path) -> int:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1
