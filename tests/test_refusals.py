"""A shared server's refusals in words, and which of the app's actions a role is offered
(no server needed: the server's part is in test_postgres_roles*.py)."""

from __future__ import annotations

import pytest

from audit_tui.db.refusals import sentence
from audit_tui.services import allowed


class ServerError(Exception):
    """Stands for psycopg's error: a message and a SQLSTATE."""

    def __init__(self, message: str, sqlstate: str = "42501") -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class Wrapped(Exception):
    """Stands for SQLAlchemy's DBAPIError: the driver's error and the statement."""

    def __init__(self, orig: Exception, statement: str) -> None:
        super().__init__(str(orig))
        self.orig, self.statement = orig, statement


@pytest.mark.parametrize("message, statement, roles, expected", [
    ('new row violates row-level security policy for table "answer"', "INSERT INTO answer",
     {"auditor"}, "Your role (auditor) cannot change this audit: an auditor changes only "
                  "their own drafts, and a submitted audit is reopened by QA."),
    ("audit-tui: an auditor changes only their own drafts", "UPDATE audit", {"auditor"},
     "Your role (auditor) cannot change this audit: an auditor changes only their own "
     "drafts, and a submitted audit is reopened by QA."),
    ("permission denied for table audit", "SELECT a.id FROM audit", {"reader"},
     "Your role (reader) cannot read audits: readers see the report figures only."),
    ("permission denied for table moderation", "INSERT INTO moderation", {"auditor"},
     "Your role (auditor) cannot add moderations."),
    ("permission denied for table action", "UPDATE action SET", {"moderator"},
     "Your role (moderator) cannot change actions."),
    ('new row violates row-level security policy for table "moderation"', "INSERT",
     {"moderator"}, "Your role (moderator) cannot moderate this audit: moderators moderate "
                    "submitted audits they did not write."),
    ("permission denied for table audit", "SELECT", set(),
     "Your login has no audit-tui role on this database, so it cannot do this: ask your "
     "administrator (audit-tui server grant)."),
])
def test_each_refusal_is_one_sentence_naming_the_role(message, statement, roles, expected):
    assert sentence(Wrapped(ServerError(message), statement), frozenset(roles)) == expected


@pytest.mark.parametrize("action, roles, offered", [
    ("new_audit", set(), True),  # a file, or the administrator: everything
    ("reopen", set(), True),
    ("new_audit", {"auditor"}, True),
    ("new_audit", {"moderator"}, False),
    ("reopen", {"auditor"}, False),
    ("reopen", {"qa"}, True),
    ("moderation_queue", {"auditor"}, False),
    ("moderation_queue", {"auditor", "moderator"}, True),
    ("conflicts", {"moderator"}, False),
    ("dashboard", {"reader"}, True),  # not bound to a role
])
def test_the_app_offers_a_role_its_actions_only(action, roles, offered):
    assert allowed(action, frozenset(roles)) is offered
