"""Actions across every audit: the list the actions screen shows and `audit-tui actions` prints.

An action is 'done', 'overdue' (open and due before today), 'due' (open and due within
DUE_SOON_DAYS) or 'open'. Read with the ORM (portable between SQLite and PostgreSQL).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, timedelta

DUE_SOON_DAYS = 7
STATES = ("open", "due", "overdue", "done")
STATE_LABELS = {"open": "Open", "due": f"Due within {DUE_SOON_DAYS} days",
                "overdue": "Overdue", "done": "Done"}
FORMATS = ("table", "csv", "json")


@dataclass(frozen=True)
class ActionItem:
    id: str
    audit_id: str
    case_reference: str
    team: str
    description: str
    owner: str
    due_date: date | None
    state: str
    completed_date: date | None
    note: str


def state_of(status: str, due: date | None, today: date) -> str:
    if status == "done":
        return "done"
    if due is not None and due < today:
        return "overdue"
    if due is not None and due <= today + timedelta(days=DUE_SOON_DAYS):
        return "due"
    return "open"


def list_actions(*, session, today: date, owner: str | None = None, team: str | None = None,
                 states: tuple[str, ...] | None = None) -> list[ActionItem]:
    """Every action (of drafts too), overdue first, then by due date; owner and team match
    whole names, ignoring case."""
    from sqlalchemy import func
    from sqlmodel import select

    from ..db.models import Action, Audit

    q = select(Action, Audit.case_reference, Audit.team).join(Audit, Audit.id == Action.audit_id)
    # SQLite's lower() knows only ASCII letters, PostgreSQL's all of them: a name with other
    # letters is compared in Python, so both engines list the same actions.
    wanted = {}
    for column, name, value in ((Action.owner, "owner", owner), (Audit.team, "team", team)):
        value = (value or "").strip()
        if value and value.isascii():
            q = q.where(func.lower(column) == value.lower())
        elif value:
            wanted[name] = value.casefold()
    items = [ActionItem(a.id, a.audit_id, ref, team_name, a.description, a.owner, a.due_date,
                        state_of(a.status, a.due_date, today), a.completed_date, a.note)
             for a, ref, team_name in session.exec(q)]
    if wanted:
        items = [i for i in items if all(getattr(i, name).casefold() == value
                                         for name, value in wanted.items())]
    if states:
        items = [i for i in items if i.state in states]
    order = {"overdue": 0, "due": 1, "open": 2, "done": 3}
    return sorted(items, key=lambda i: (order[i.state], i.due_date or date.max,
                                        i.case_reference, i.id))


def overdue_count(*, session, today: date) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    from ..db.models import Action

    return session.exec(select(func.count()).select_from(Action).where(
        Action.status != "done", Action.due_date < today)).one()


def mark_done(*, session, action_id: str, who: str, note: str, on: date):
    """Mark an action done on a day with a note (through the store: the history records it)."""
    from ..db.store import StoreError, update_action

    if on > date.today() + timedelta(days=1):
        raise StoreError("The day the action was done cannot be in the future.")
    return update_action(session=session, action_id=action_id, who=who, status="done",
                         completed_date=on, note=note.strip())


COLUMNS = ("case_reference", "team", "description", "owner", "due_date", "state",
           "completed_date", "note")


def _cells(item: ActionItem) -> list[str]:
    return [item.case_reference, item.team, item.description, item.owner,
            item.due_date.isoformat() if item.due_date else "", item.state,
            item.completed_date.isoformat() if item.completed_date else "", item.note]


def render(items: list[ActionItem], fmt: str) -> str:
    from .safe import neutralise

    if fmt == "json":
        import json

        return json.dumps([dict(zip(COLUMNS, _cells(i))) for i in items], ensure_ascii=False,
                          indent=2) + "\n"
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for item in items:
            writer.writerow([neutralise(c) for c in _cells(item)])
        return out.getvalue()
    headers = ["Case", "Team", "Action", "Owner", "Due", "State"]
    rows = [[i.case_reference, i.team, i.description[:50], i.owner,
             i.due_date.strftime("%d/%m/%Y") if i.due_date else "", STATE_LABELS[i.state]]
            for i in items]
    widths = [max([len(h)] + [len(r[n]) for r in rows]) for n, h in enumerate(headers)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
             for r in [headers, ["-" * w for w in widths], *rows]]
    if not rows:
        lines.append("(no actions)")
    return "\n".join(lines) + "\n"


def run_actions(args) -> int:
    from ..db.engine import read_only
    from .commands import UsageError, _date, _fail, open_database, write_output

    try:
        today = _date(args.as_of, "--as-of") or date.today()
        engine = open_database(args)
    except UsageError as exc:
        return _fail(str(exc))
    from sqlmodel import Session

    try:
        with Session(read_only(engine)) as session:
            items = list_actions(session=session, today=today, owner=args.owner,
                                 team=args.team, states=("overdue",) if args.overdue else None)
    finally:
        engine.dispose()
    write_output(render(items, args.format), args.out, args.format)
    return 0


def register(commands) -> None:
    parser = commands.add_parser(
        "actions", help="actions across every audit (open, due soon, overdue, done)",
        description="Every action set by an audit, overdue first, with its case reference, "
                    "team, owner, due date and state: a list to send out.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--overdue", action="store_true", help="only overdue actions")
    parser.add_argument("--owner", metavar="NAME", help="only this owner's actions")
    parser.add_argument("--team", metavar="NAME", help="only actions of this team's audits")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (default), csv or json")
    parser.add_argument("--out", type=__import__("pathlib").Path, metavar="FILE",
                        help="write to FILE (readable by you only) instead of the screen")
    parser.add_argument("--as-of", dest="as_of", metavar="DATE",
                        help="count actions overdue as of this day (default: today)")
    parser.set_defaults(handler=run_actions)
