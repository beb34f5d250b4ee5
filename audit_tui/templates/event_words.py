"""The history's "what" in the words of the audit's template: a change to "answer hp_transfer_gap"
reads as the question's prompt, "section voice grade" as "The child's voice: grade".

The stored text stays as it is (bundles and the history's own record use it); this only names
it for people. Anything not recognised is shown as stored.
"""

from __future__ import annotations

import re

from .model import Template

_ANSWER = re.compile(r"^answer (\S+)(?: \[(\w+)\])?(?: (evidence|not_applicable))?$")
_SECTION = re.compile(r"^section (\S+) (\w+)$")
_MODERATION = re.compile(r"^moderation (\S+)$")
_ROW = re.compile(r"^(row added to|row removed from) (\S+)$")
_PARTS = {"evidence": "evidence note", "not_applicable": "not applicable"}


def _prompt(template: Template, key: str) -> str:
    try:
        return template.question(key).prompt
    except KeyError:
        return key


def _section(template: Template, key: str) -> str:
    if key == "overall":
        return "Overall grade"
    try:
        return template.section(key).title
    except KeyError:
        return key


def _group(template: Template, key: str) -> str:
    return next((g.title for g in template.groups() if g.key == key), key)


def event_words(template: Template | None, what: str) -> str:
    if template is None:
        return what
    if m := _ANSWER.match(what):
        key, row, part = m.groups()
        words = _prompt(template, key)
        if row:
            words += f" (row {row})"
        return f"{words}: {_PARTS[part]}" if part else words
    if m := _SECTION.match(what):
        return f"{_section(template, m[1])}: {m[2].replace('_', ' ')}"
    if m := _MODERATION.match(what):
        return f"Moderation: {_section(template, m[1])}"
    if m := _ROW.match(what):
        return f"{m[1].capitalize()} {_group(template, m[2])}"
    return what


def place_words(template: Template, kind: str, section_key: str, prompt: str = "") -> str:
    """Where in the audit a walk stop is, in words: its question's prompt, or its section."""
    if prompt:
        return prompt
    title = _section(template, section_key) if section_key else "the audit"
    return {"grade": f"{title}: section grade", "indicators": f"{title}: timescales",
            "group": f"{title}: rows"}.get(kind, title)
