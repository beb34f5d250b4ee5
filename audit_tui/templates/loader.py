"""Read template files: parse, validate, and find every template the user can use.

`load_template(path)` never raises for a broken file: it returns the problems, each written
as `FILE:LINE: what is wrong, and how to fix it`.

`TemplateCatalog` gathers the bundled templates, the user's template folder and any folder
named with --templates. For each key the highest version wins; two files with the same key and
version are an error that names both, and neither is used.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from .locate import LineMap
from .model import Template
from .references import ReferenceChecker
from .validate import Builder

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass
class LoadResult:
    path: Path
    template: Template | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.template is not None and not self.problems


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_template_text(text: str, name: str) -> LoadResult:
    """Validate template text; `name` is what problems are reported against."""
    path = Path(name)
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        return LoadResult(path, None, [f"{name}:1: lists or tables are nested too deeply "
                                       "(a template needs a few levels at most): this is not "
                                       "a template file."])
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line = match.group(1) if match else "1"
        message = _TOML_POSITION.sub("", message).strip().rstrip(".")
        return LoadResult(path, None, [f"{name}:{line}: this is not valid TOML: {message} "
                                       "(check quotes, brackets and '=' on this line)."])
    builder = Builder(doc)
    try:
        template = builder.build()
        problems = builder.problems + ReferenceChecker(template).run()
    except RecursionError:  # conditions nested past any sense
        return LoadResult(path, None, [f"{name}:1: the template is nested too deeply to "
                                       "check (conditions inside conditions, say): simplify "
                                       "it."])
    if problems:
        lines = LineMap(text)
        ordered = sorted(problems, key=lambda p: lines.line_of(p.path))
        return LoadResult(path, None, [f"{name}:{lines.line_of(p.path)}: {p.message}"
                                       for p in ordered])
    template = replace(template, source_path=str(path), text=text, text_hash=text_hash(text))
    return LoadResult(path, template, [])


MAX_TEMPLATE_BYTES = 64 * 1024 * 1024  # a real template is tens of kilobytes


def load_template(path: Path) -> LoadResult:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_TEMPLATE_BYTES:
            return LoadResult(path, None, [
                f"{path}:1: the file is {size / 1024 / 1024:,.0f} MB; a template may be at "
                f"most {MAX_TEMPLATE_BYTES // 1024 // 1024} MB (a real one is tens of KB): "
                "this is not a template file."])
        raw = path.read_bytes()
    except OSError as exc:
        return LoadResult(path, None, [f"{path}:1: cannot read the file: {exc.strerror}."])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return LoadResult(path, None, [f"{path}:{line}: the file is not UTF-8 text: save it "
                                       "as UTF-8 in your editor."])
    return parse_template_text(text, str(path))


def bundled_template_dir() -> Path:
    import audit_templates

    return Path(audit_templates.__file__).parent


@dataclass
class CatalogEntry:
    """One file the catalogue looked at."""

    path: Path
    origin: str  # "bundled", "user" or "--templates"
    template: Template | None
    problems: list[str]
    superseded_by: Path | None = None


class TemplateCatalog:
    """Every template file found, which are usable, and why the others are not."""

    def __init__(self, folders: list[tuple[str, Path]]) -> None:
        self.entries: list[CatalogEntry] = []
        self.usable: dict[str, Template] = {}
        self.older: dict[str, list[Template]] = {}  # key -> older usable versions, newest first
        for origin, folder in folders:
            if folder.is_dir():
                for path in sorted(folder.glob("*.toml")):
                    result = load_template(path)
                    self.entries.append(CatalogEntry(path, origin, result.template,
                                                     result.problems))
        self._choose()

    def _choose(self) -> None:
        by_key: dict[str, list[CatalogEntry]] = {}
        for entry in self.entries:
            if entry.template is not None:
                by_key.setdefault(entry.template.key, []).append(entry)
        for key, entries in by_key.items():
            versions: dict[int, list[CatalogEntry]] = {}
            for entry in entries:
                versions.setdefault(entry.template.version, []).append(entry)
            for version, same in versions.items():
                if len(same) > 1:
                    for entry in same:
                        others = [str(o.path) for o in same if o is not entry]
                        entry.problems.append(
                            f"{entry.path}:1: template '{key}' version {version} is also "
                            f"defined in {', '.join(others)}: give one of them a higher version "
                            "or remove it.")
                        entry.template = None
            good = [e for e in entries if e.template is not None]
            if not good:
                continue
            best = max(good, key=lambda e: e.template.version)
            self.usable[key] = best.template
            for entry in good:
                if entry is not best:
                    entry.superseded_by = best.path
            self.older[key] = sorted((e.template for e in good if e is not best),
                                     key=lambda t: -t.version)

    @property
    def unusable(self) -> list[CatalogEntry]:
        return [e for e in self.entries if e.template is None]

    def get(self, key: str) -> Template | None:
        return self.usable.get(key)

    def templates(self) -> list[Template]:
        return sorted(self.usable.values(), key=lambda t: t.title.lower())

    def with_older_versions(self) -> list[Template]:
        """Every usable version a new audit can start on: each template's newest (the default),
        followed by its older installed versions, newest first."""
        return [v for t in self.templates() for v in [t, *self.older.get(t.key, [])]]


def default_catalog(user_dir: Path | None, extra_dirs: list[Path] = ()) -> TemplateCatalog:
    folders: list[tuple[str, Path]] = [("bundled", bundled_template_dir())]
    if user_dir is not None:
        folders.append(("user", Path(user_dir)))
    folders.extend(("--templates", Path(d)) for d in extra_dirs)
    return TemplateCatalog(folders)
