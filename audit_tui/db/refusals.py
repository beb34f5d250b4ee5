"""A shared server's refusals in words: what the login's role cannot do, in one sentence.

PostgreSQL refuses a login's change in three ways: a missing privilege ("permission denied for
table moderation"), a row-level security policy the new row breaks ("new row violates
row-level security policy for table answer"), both SQLSTATE 42501, and a policy that hides the
row from an UPDATE or DELETE, which then changes nothing (the ORM's StaleDataError). Each
becomes `Refused`, a StoreError, so the app shows the sentence where it shows any other
refusal and the command line prints it.
"""

from __future__ import annotations

import re

from .engine import is_refused
from .store import StoreError


class Refused(StoreError):
    """The connected login's role may not do this (on a shared server)."""


_AUDIT = ("this audit: an auditor changes only their own drafts, and a submitted audit "
          "is reopened by QA")
WHAT = {
    "audit": _AUDIT, "answer": _AUDIT, "repeat_row": _AUDIT, "section_result": _AUDIT,
    "worker_conversation": "the conversation of an audit that is not their own",
    "family_feedback": "the family's feedback on an audit that is not their own",
    "action": ("this action: an auditor changes the actions of their own audits and those "
               "assigned to them"),
    "audit_event": _AUDIT,  # (and writes its history in the login's own name only)
    "moderation": ("moderate this audit: moderators moderate submitted audits they did not "
                   "write"),
    "escalation": "raise or acknowledge a concern on this audit",
    "sync_audit": "import bundles: QA does", "sync_conflict": "resolve conflicts: QA does",
    "sync_bundle": "import bundles: QA does", "trusted_key": "trust bundle signers: QA does",
    "login_team": "change who reads which team: the administrator does",
}
NOUNS = {
    "audit": "audits", "answer": "audits' answers", "section_result": "audits' sections",
    "repeat_row": "audits' rows", "action": "actions", "audit_event": "audits' history",
    "moderation": "moderations", "escalation": "safeguarding concerns",
    "worker_conversation": "conversations with workers", "family_feedback": "family feedback",
    "sync_audit": "bundles", "sync_bundle": "bundles", "sync_conflict": "conflicts",
    "trusted_key": "trusted signers",
}
_TABLE = re.compile(r'(?:for table|relation) "?([a-z_]+)"?')


def sentence(exc: BaseException, roles: frozenset[str]) -> str:
    """One sentence for the refusal `exc`, naming the login's roles."""
    label = ", ".join(sorted(roles))
    if not roles:
        return ("Your login has no audit-tui role on this database, so it cannot do this: ask "
                "your administrator (audit-tui server grant).")
    orig = getattr(exc, "orig", None) or exc
    text = str(orig)
    found = _TABLE.search(text)
    if text.startswith("permission denied") and found:
        # No privilege on the table at all: what the role never does.
        statement = (getattr(exc, "statement", None) or "").lstrip().upper()
        verb = ("read" if statement.startswith(("SELECT", "WITH"))
                else "add" if statement.startswith("INSERT") else "change")
        noun = NOUNS.get(found.group(1), found.group(1).replace("_", " "))
        extra = ": readers see the report figures only" if roles == {"reader"} else ""
        return f"Your role ({label}) cannot {verb} {noun}{extra}."
    table = found.group(1) if found else ("audit" if "audit-tui:" in text
                                          or not is_refused(exc) else "")
    what = WHAT.get(table)
    if what is None:
        what = f"read or change {table.replace('_', ' ')}" if table else "do this"
    verb = "" if what.startswith(("moderate", "raise", "import", "resolve", "trust", "read",
                                  "do ")) else "change "
    return f"Your role ({label}) cannot {verb}{what}."


def refusal(exc: BaseException, engine) -> Refused | None:
    """`exc` as a Refused with its sentence, if it is a server's refusal; else None."""
    if engine is None or engine.dialect.name != "postgresql":
        return None
    from sqlalchemy.orm.exc import StaleDataError

    if not is_refused(exc) and not isinstance(exc, StaleDataError):
        return None
    from .server_roles import roles_of

    try:
        with engine.connect() as conn:
            roles = roles_of(conn)
    except Exception:  # the sentence goes without the role rather than not at all
        roles = frozenset({"unknown"})
    if isinstance(exc, StaleDataError) and not roles:
        return None  # no policy hid the row: another program removed it
    return Refused(sentence(exc, roles))
