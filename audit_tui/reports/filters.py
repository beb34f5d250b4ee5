"""The filters every figure, report and export takes, and the SQL they turn into.

Figures are over submitted audits (any status but draft). A filter on team, service area,
template, auditor narrows by the audit's own columns as they were at submission (kept in
`fact_audit`, since a submitted audit cannot change them); a status filter reads the audit
table itself.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date

# The dimensions a figure can be broken down by, with the words a QA lead uses.
DIMENSIONS: dict[str, str] = {
    "team": "Team",
    "service_area": "Service area",
    "template": "Template",
    "auditor": "Auditor",
    "month": "Month",
}
# The kinds of running counts (fact_count) that hold grades.
GRADE_KINDS = ("audit", "overall", "grade")
# fact_audit's column for each dimension.
COLUMNS: dict[str, str] = {"team": "f.team", "service_area": "f.service_area",
                           "template": "f.template_key", "auditor": "f.auditor",
                           "month": "f.month"}
# What a breakdown groups by: a template with each of its versions apart (its value is
# 'KEY@VERSION', made from the two columns by `group_value`: grouping by the columns
# themselves, not by a string built in SQL, is a third of the time on SQLite).
GROUPS: dict[str, tuple[str, ...]] = {**{name: (column,) for name, column in COLUMNS.items()},
                                      "template": ("f.template_key", "f.template_version")}


def group_value(name: str, columns: tuple) -> str:
    """A breakdown's value from the GROUPS columns of dimension `name`."""
    if name == "template":
        return f"{columns[0]}@{columns[1]}"
    return columns[0]


def template_version(value: str) -> tuple[str, int | None]:
    """A template filter's (key, version): 'KEY@VERSION' is one version, 'KEY' every one."""
    key, at, version = value.rpartition("@")
    if at and version.isdigit():
        return key, int(version)
    return value, None


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    team: str | None = None
    service_area: str | None = None
    template: str | None = None
    auditor: str | None = None
    status: str | None = None

    def dims(self) -> list[tuple[str, str]]:
        """The dimension filters that are set, as (dimension, value)."""
        return [(name, getattr(self, name)) for name in ("team", "service_area", "template",
                                                         "auditor")
                if getattr(self, name)]

    @property
    def is_empty(self) -> bool:
        return self == Filters()

    def month_range(self) -> tuple[str | None, str | None] | None:
        """('YYYY-MM' or None, 'YYYY-MM' or None) when the dates cover whole months, else None."""
        start = end = None
        if self.date_from is not None:
            if self.date_from.day != 1:
                return None
            start = self.date_from.strftime("%Y-%m")
        if self.date_to is not None:
            last = calendar.monthrange(self.date_to.year, self.date_to.month)[1]
            if self.date_to.day != last:
                return None
            end = self.date_to.strftime("%Y-%m")
        return start, end

    def counted_dim(self) -> tuple[str, str] | None:
        """The running counts' (dim, value) that answer these filters, or None when only the
        facts themselves can (two dimensions, a status, or dates inside a month)."""
        if self.status or self.month_range() is None:
            return None
        dims = self.dims()
        if len(dims) > 1 or (self.template and template_version(self.template)[1] is not None):
            return None  # the running counts are kept by template, not by version
        return dims[0] if dims else ("", "")

    def narrowed(self, dimension: str, value: str) -> "Filters":
        """These filters, also limited to one value of a dimension (a drill-down)."""
        if dimension == "month":
            year, month = (int(part) for part in value.split("-"))
            first = date(year, month, 1)
            last = date(year, month, calendar.monthrange(year, month)[1])
            return replace(self, date_from=max(first, self.date_from or first),
                           date_to=min(last, self.date_to or last))
        return replace(self, **{dimension: value})

    def describe(self) -> str:
        parts = []
        if self.date_from or self.date_to:
            start = self.date_from.strftime("%d/%m/%Y") if self.date_from else "the start"
            end = self.date_to.strftime("%d/%m/%Y") if self.date_to else "today"
            parts.append(f"audit dates {start} to {end}")
        for name, value in self.dims():
            if name == "template":
                key, version = template_version(value)
                value = key if version is None else f"{key} version {version}"
            parts.append(f"{DIMENSIONS[name].lower()} {value}")
        if self.status:
            parts.append(f"status {self.status}")
        return "; ".join(parts) if parts else "all submitted audits"


def where(filters: Filters) -> tuple[str, str, dict]:
    """(joins, where clause, parameters) selecting the audits `filters` keep, as `f`."""
    joins, clauses, params = "", ["1 = 1"], {}
    if filters.date_from is not None:
        clauses.append("f.audit_date >= :date_from")
        params["date_from"] = filters.date_from.isoformat()
    if filters.date_to is not None:
        clauses.append("f.audit_date <= :date_to")
        params["date_to"] = filters.date_to.isoformat()
    for name, value in filters.dims():
        if name == "template":
            value, version = template_version(value)
            if version is not None:
                clauses.append("f.template_version = :template_version")
                params["template_version"] = version
        clauses.append(f"{COLUMNS[name]} = :{name}")
        params[name] = value
    if filters.status:
        joins = " JOIN audit a ON a.id = f.audit_id AND a.status = :status"
        params["status"] = filters.status
    return joins, " AND ".join(clauses), params
