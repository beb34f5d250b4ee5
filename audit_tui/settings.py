"""User settings, from `settings.toml` in the config folder (see `audit-tui where`).

Every setting has a default, so the file is optional. A broken file never stops the tool: the
defaults are used and the problem is reported with the file and line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CASE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9/_.-]{1,39}"


@dataclass(frozen=True)
class Settings:
    # A case reference must match this (a regular expression, matched in full).
    case_reference_pattern: str = DEFAULT_CASE_PATTERN
    # Said to the auditor when the case reference does not match.
    case_reference_hint: str = "letters, digits and - / _ . (2 to 40 characters), e.g. CH-004512"
    # How many days of daily backups to keep.
    backup_days: int = 14
    # Moderation queue: every submitted audit with one of these overall grades, plus one in
    # `moderate_one_in` of the others (0: none).
    moderate_grades: list = field(default_factory=lambda: [4])
    moderate_one_in: int = 5
    # Starting an audit on a case audited within this many months warns (0: never).
    reaudit_months: int = 12
    # [keymap]: binding id = "keys" (e.g. "walk.next" = "pagedown,ctrl+j"); the ids are in
    # the keys dialog (?) and README.
    keymap: dict = field(default_factory=dict)
    # [programme]: the monthly audit programme's rules (teams, templates, auditors, themes,
    # columns); read and checked by programme/rules.py, described in docs/programme.md.
    programme: dict = field(default_factory=dict)
    problems: tuple[str, ...] = field(default=(), compare=False)

    def moderation_rule(self):
        from .db.moderation import ModerationRule

        grades = tuple(g for g in self.moderate_grades if isinstance(g, int))
        return ModerationRule(grades=grades, one_in=max(0, self.moderate_one_in))

    def case_reference_ok(self, value: str) -> bool:
        return re.fullmatch(self.case_reference_pattern, value) is not None


def load_settings(path: Path) -> Settings:
    if not path.exists():
        return Settings()
    try:
        text = path.read_text(encoding="utf-8-sig")
        doc = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(problems=(f"{path}:1: cannot read the settings ({exc}); using defaults.",))
    except tomllib.TOMLDecodeError as exc:
        return Settings(problems=(f"{path}: not valid TOML ({exc}); using defaults.",))
    problems: list[str] = []
    values: dict = {}
    defaults = Settings()
    for name, value in doc.items():
        if name not in Settings.__dataclass_fields__ or name == "problems":
            problems.append(f"{path}: unknown setting '{name}'; it is ignored.")
            continue
        expected = type(getattr(defaults, name))
        if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            problems.append(f"{path}: '{name}' should be {expected.__name__}; the default is used.")
            continue
        values[name] = value
    if "keymap" in values:
        values["keymap"] = _checked_keymap(values["keymap"], path, text, problems)
    pattern = values.get("case_reference_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"{path}: case_reference_pattern is not a valid pattern ({exc}); "
                            "the default is used.")
            values.pop("case_reference_pattern")
    return Settings(**values, problems=tuple(problems))


KEY_NAMES = re.compile(r"[a-z0-9_+\-]+(,[a-z0-9_+\-]+)*")


def _line_of(text: str, name: str) -> int:
    """The line where `name` is set in the file (1 if it cannot be found)."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(name)}[\"']?\s*=", re.M)
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _checked_keymap(table: dict, path: Path, text: str, problems: list[str]) -> dict:
    """The [keymap] entries that read as keys; each one that does not is a problem with its
    line. Whether each id names a binding is checked by the app, which knows them."""
    keymap = {}
    for binding_id, keys in table.items():
        where = f"{path}:{_line_of(text, binding_id)}"
        if not isinstance(keys, str) or not KEY_NAMES.fullmatch(keys.strip().lower()):
            problems.append(f"{where}: keymap '{binding_id}' should be keys like \"ctrl+j\" "
                            "or \"f9,ctrl+j\"; the usual key is kept.")
            continue
        keymap[binding_id] = keys.strip()
    return keymap
