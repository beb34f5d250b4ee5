"""Names for what the facts hold by key: scales, criteria, templates, questions, indicators.

They come from the template versions stored in the database (every audit keeps the exact text
it was taken on), so a report reads the same on any machine, whatever template files it has.
Where two versions of a template differ, the newer one names things in figures that add the
versions up; what names one audit, or one version (a breakdown by template), uses that
version's own titles (`template(key, version)`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..templates.model import BUILTIN_CRITERIA, BUILTIN_SCALES, Scale

_CACHE: dict[tuple[str, ...], "Labels"] = {}


@dataclass(frozen=True)
class IndicatorInfo:
    key: str
    label: str
    criterion: str
    unit: str
    limit: float


@dataclass
class Labels:
    scales: dict[str, Scale] = field(default_factory=lambda: dict(BUILTIN_SCALES))
    criteria: dict[str, str] = field(default_factory=dict)  # in document order
    templates: dict[str, str] = field(default_factory=dict)  # key -> title
    versions: dict[tuple[str, int], str] = field(default_factory=dict)  # (key, version) -> title
    yes_no: dict[str, str] = field(default_factory=dict)  # question key -> prompt, in order
    questions: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (prompt, type)
    indicators: dict[str, IndicatorInfo] = field(default_factory=dict)
    # Every (key, version) stored, those whose text no longer reads included; None when the
    # labels were not read from a database.
    stored: frozenset[tuple[str, int]] | None = None
    _scale_names: dict[str, dict[int, str]] = field(default_factory=dict, repr=False,
                                                    compare=False)

    def criterion(self, key: str) -> str:
        if not key:
            return "Overall grade"
        return self.criteria.get(key) or BUILTIN_CRITERIA.get(key) or key.replace("_", " ")

    def scale_labels(self, key: str, seen: set[int] = frozenset()) -> dict[int, str]:
        named = self._scale_names.get(key)
        if named is None:  # a figure names its scale's grades a hundred times a summary
            scale = self.scales.get(key)
            named = self._scale_names[key] = (
                {v.value: v.label for v in scale.values} if scale else {})
        labels = dict(named)
        for value in sorted(seen - set(labels)):
            labels[value] = str(value)
        return labels

    def template(self, key: str, version: int | None = None) -> str:
        """A template's title; with a version, that version's own title and its number."""
        if version is None:
            return self.templates.get(key, key)
        title = self.versions.get((key, version)) or self.templates.get(key, key)
        return f"{title} v{version}"


def labels_for(conn) -> Labels:
    """The labels of every template version stored in the database (cached by version)."""
    from ..db.state import TemplateTextBroken, template_from_text

    hashes = tuple(tuple(r) for r in conn.exec_driver_sql(
        "SELECT key, version, hash FROM template_version ORDER BY key, version, stored_at"))
    found = _CACHE.get(hashes)
    if found is not None:
        return found
    labels = Labels(stored=frozenset((key, version) for key, version, _ in hashes))
    rows = conn.exec_driver_sql(
        "SELECT key, version, text FROM template_version ORDER BY key, version, stored_at")
    for key, version, text in rows:
        try:
            template = template_from_text(text, f"{key} v{version} (stored)")
        except TemplateTextBroken:
            continue
        labels.templates[template.key] = template.title
        labels.versions[(template.key, template.version)] = template.title
        labels.scales.update(template.scales)
        for section in template.all_sections():
            labels.criteria[section.criterion] = template.criterion_title(section.criterion)
        for question in template.questions():
            labels.questions[question.key] = (question.prompt, question.type)
            if question.type == "yes_no" and question.section:
                labels.yes_no[question.key] = question.prompt
        sections = {s.key: s for s in template.all_sections()}
        for ind in template.indicators():
            criterion = sections[ind.section].criterion if ind.section in sections else ""
            labels.indicators[ind.key] = IndicatorInfo(ind.key, ind.label, criterion, ind.unit,
                                                       float(ind.limit))
    _CACHE[hashes] = labels
    return labels
