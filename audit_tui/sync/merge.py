"""The three-way merge of one audit, field by field: the value both sides last agreed on (the
base), this database's value (mine) and the bundle's (theirs).

- the same on both sides: agreed, nothing to do;
- only theirs changed since the base: theirs is taken;
- only mine changed: mine is kept;
- both changed, to different values (or there is no base to tell): a conflict. Both values
  are kept (mine in the audit, theirs in `sync_conflict`) until the QA user keeps one.
A field already in conflict stays so until it is resolved, or both sides come to agree; a
newer value from the other side replaces the one kept for it.

A moderated grade (`moderation:` fields) is never removed by a merge: the app has no way to
remove one, so its absence on one side only says that side never had it (or was made by a
version of audit-tui that did not carry them): the side that has it wins.

Pure: no database. `merge_audit.py` applies the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ABSENT = object()  # a field missing on one side (an answer never given, an action removed)
LASTING = ("moderation",)  # kinds of field a merge never removes


@dataclass
class Plan:
    take: list[str] = field(default_factory=list)  # fields to set to theirs
    new_conflicts: list[str] = field(default_factory=list)
    changed_conflicts: list[str] = field(default_factory=list)  # theirs moved on
    dissolved: list[str] = field(default_factory=list)  # conflicts the two sides now agree on
    base: dict[str, Any] = field(default_factory=dict)  # the new agreed values

    @property
    def changes(self) -> bool:
        return bool(self.take or self.new_conflicts or self.changed_conflicts or self.dissolved)

    @property
    def conflicting(self) -> bool:
        return bool(self.new_conflicts or self.changed_conflicts)


def plan_merge(base: dict[str, Any] | None, mine: dict[str, Any], theirs: dict[str, Any],
               conflicts: dict[str, Any]) -> Plan:
    """`base` None: the two sides never agreed on this audit. `conflicts`: field -> theirs as
    kept for a conflict still open."""
    plan = Plan()
    keys = list(mine)
    keys += [k for k in theirs if k not in mine]
    if base is not None:
        keys += [k for k in base if k not in mine and k not in theirs]
    keys += [k for k in conflicts if k not in mine and k not in theirs
             and (base is None or k not in base)]
    for key in keys:
        m, t = mine.get(key, ABSENT), theirs.get(key, ABSENT)
        b = ABSENT if base is None else base.get(key, ABSENT)
        if key in conflicts:
            if m == t:
                plan.dissolved.append(key)
                _keep(plan.base, key, t)
            else:
                if conflicts[key] != t:
                    plan.changed_conflicts.append(key)
                _keep(plan.base, key, b)
            continue
        if m == t:
            _keep(plan.base, key, t)
        elif (t is ABSENT or m is ABSENT) and key.partition(":")[0] in LASTING:
            if m is ABSENT:
                plan.take.append(key)
                _keep(plan.base, key, t)
            else:
                _keep(plan.base, key, b)  # kept here; what was agreed stays as it was
        elif base is not None and t == b:
            _keep(plan.base, key, b)  # only mine changed: kept
        elif base is not None and m == b:
            plan.take.append(key)
            _keep(plan.base, key, t)
        else:
            plan.new_conflicts.append(key)
            _keep(plan.base, key, b)
    return plan


def _keep(base: dict, key: str, value) -> None:
    if value is not ABSENT:
        base[key] = value
