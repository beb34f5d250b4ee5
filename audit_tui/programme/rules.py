"""The programme's rules, from the [programme] table of the settings file.

    [programme]
    allow_own_team = false        # may an auditor audit their own team's cases?
    cap_per_auditor = 6           # at most this many allocations a month each (0: no cap)
    due_day = 0                   # allocations are due on this day of the month (0: its end)
    extra_columns = ["Missing episodes"]   # further columns kept, for themes
    [programme.teams]             # per team: a number a month, or a share of its open cases
    "Team A" = 2
    "Team B" = "10%"
    "*" = 1                       # every other team
    [programme.templates]         # which template audits a case on which list
    "8" = "children_in_care"
    "*" = "help_and_protection"
    [programme.auditors]          # who audits, and their own team
    "Sam Lee" = "Team C"
    [programme.themes.missing]    # a theme: only cases on these lists whose columns hold these
    lists = ["8"]
    where = { missing_episodes = "*" }   # "*": any value; or a value, or a list of values
    [programme.columns]           # plain lists: column key = the header it is under
    case_reference = "Child ID"

A team's rule may name a theme: "Team A" = { count = 2, theme = "missing" }.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

ANY = "*"


class RuleError(Exception):
    """A rule in the settings cannot be used (one sentence naming the setting)."""


@dataclass(frozen=True)
class TeamRule:
    count: int | None = None
    share: float | None = None  # of the team's open cases, each month
    theme: str = ""

    def wanted(self, open_cases: int) -> int:
        if self.count is not None:
            return self.count
        return math.ceil((self.share or 0) * open_cases)


@dataclass(frozen=True)
class Theme:
    lists: tuple[str, ...] = ()
    where: dict = field(default_factory=dict)

    def admits(self, list_name: str, details: dict) -> bool:
        if self.lists and list_name not in self.lists:
            return False
        for key, wanted in self.where.items():
            value = str(details.get(key, "")).strip()
            if wanted == ANY:
                if not value:
                    return False
            elif value.casefold() not in {str(w).casefold() for w in
                                          (wanted if isinstance(wanted, list) else [wanted])}:
                return False
        return True


@dataclass(frozen=True)
class Rules:
    teams: dict[str, TeamRule] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    themes: dict[str, Theme] = field(default_factory=dict)
    auditors: dict[str, str] = field(default_factory=dict)
    allow_own_team: bool = False
    cap_per_auditor: int = 0
    due_day: int = 0
    reaudit_months: int = 12
    extra_columns: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)

    def team_rule(self, team: str) -> TeamRule | None:
        return self.teams.get(team) or self.teams.get(ANY)

    def template_for(self, list_name: str) -> str:
        return self.templates.get(list_name) or self.templates.get(ANY, "")

    def snapshot(self) -> str:
        """The rules as JSON, recorded with a sample so it can be shown and redrawn."""
        return json.dumps(asdict(self), sort_keys=True, default=list)


def _where(key: str) -> str:
    return f"settings [programme] {key}"


def _team_rule(team: str, value) -> TeamRule:
    where = _where(f"teams.\"{team}\"")
    theme = ""
    if isinstance(value, dict):
        theme = str(value.get("theme", ""))
        value = value.get("count", value.get("share"))
    if isinstance(value, bool) or value is None:
        raise RuleError(f"{where} should be a number of cases or a share such as \"10%\".")
    if isinstance(value, int):
        if value < 0:
            raise RuleError(f"{where} cannot be below 0.")
        return TeamRule(count=value, theme=theme)
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            value = float(value.strip()[:-1]) / 100
        except ValueError:
            raise RuleError(f"{where} should be a share such as \"10%\".") from None
    if isinstance(value, float) and 0 <= value <= 1:
        return TeamRule(share=value, theme=theme)
    raise RuleError(f"{where} should be a number of cases or a share such as \"10%\".")


def _table(doc: dict, key: str) -> dict:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise RuleError(f"{_where(key)} should be a table.")
    return value


KNOWN = {"teams", "templates", "themes", "auditors", "allow_own_team", "cap_per_auditor",
         "due_day", "extra_columns", "columns"}


def load_rules(settings) -> Rules:
    """The Rules in `settings` (a Settings); RuleError for one that cannot be used."""
    doc = settings.programme or {}
    unknown = sorted(set(doc) - KNOWN)
    if unknown:
        raise RuleError(f"settings [programme] has '{unknown[0]}', which is not a programme "
                        f"setting; they are {', '.join(sorted(KNOWN))}.")
    teams = {str(team): _team_rule(str(team), value)
             for team, value in _table(doc, "teams").items()}
    themes = {}
    for name, theme in _table(doc, "themes").items():
        if not isinstance(theme, dict):
            raise RuleError(f"{_where('themes.' + name)} should be a table.")
        lists = theme.get("lists", [])
        where = theme.get("where", {})
        if not isinstance(lists, list) or not isinstance(where, dict):
            raise RuleError(f"{_where('themes.' + name)}: 'lists' should be a list and "
                            "'where' a table.")
        themes[name] = Theme(lists=tuple(str(x) for x in lists), where=dict(where))
    for team, rule in teams.items():
        if rule.theme and rule.theme not in themes:
            raise RuleError(f"{_where(f'teams.{team}')} names the theme '{rule.theme}', "
                            "which is not under [programme.themes].")
    numbers = {}
    for name, default in (("cap_per_auditor", 0), ("due_day", 0)):
        value = doc.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
            raise RuleError(f"{_where(name)} should be a whole number of 0 or more.")
        numbers[name] = value
    if numbers["due_day"] > 31:
        raise RuleError(f"{_where('due_day')} should be a day of the month (0 for its end).")
    allow = doc.get("allow_own_team", False)
    if not isinstance(allow, bool):
        raise RuleError(f"{_where('allow_own_team')} should be true or false.")
    extra = doc.get("extra_columns", [])
    if not isinstance(extra, list):
        raise RuleError(f"{_where('extra_columns')} should be a list of column headers.")
    return Rules(
        teams=teams, themes=themes,
        templates={str(k): str(v) for k, v in _table(doc, "templates").items()},
        auditors={str(k): str(v) for k, v in _table(doc, "auditors").items()},
        allow_own_team=allow, reaudit_months=settings.reaudit_months,
        extra_columns=tuple(str(x) for x in extra),
        columns={str(k): str(v) for k, v in _table(doc, "columns").items()}, **numbers)
