"""`audit-tui programme status | chase`: progress as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date

from .commands import EXIT_OK, open_engine
from .allocate import handle
from .status import Progress, completion_line, counts_by, progress

HEADER = ("id", "month", "case_reference", "team", "template_key", "auditor", "due", "state",
          "overdue", "extension_reason", "audit_id")


def _table(rows: list[Progress], today: date) -> str:
    lines = []
    shown = [(handle(r.id), r.month, r.case_reference, r.team, r.auditor or "-",
              f"{r.due:%d/%m/%Y}{'*' if r.extended else ''}",
              r.state + (f", overdue {(today - r.due).days} d" if r.overdue else ""))
             for r in rows]
    head = ("ALLOCATION", "MONTH", "CASE", "TEAM", "AUDITOR", "DUE", "STATE")
    widths = [max(len(x[i]) for x in [head, *shown]) for i in range(len(head))]
    for line in [head, *shown]:
        lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(line)).rstrip())
    if any(r.extended for r in rows):
        lines.append("* extended")
    for what in ("auditor", "team"):
        lines.append("")
        lines.append(f"By {what}: allocated, started, submitted, overdue")
        for name, c in counts_by(rows, what).items():
            extra = f" ({c['unallocated']} not allocated yet)" if c["unallocated"] else ""
            lines.append(f"  {name}: {c['allocated']}, {c['started']}, {c['submitted']}, "
                         f"{c['overdue']}{extra}")
    line = completion_line(rows)
    if line:
        lines.extend(["", line + "."])
    return "\n".join(lines) + "\n"


def render(rows: list[Progress], fmt: str, today: date) -> str:
    if fmt == "json":
        return json.dumps({"allocations": [r.as_dict() for r in rows],
                           "by_auditor": counts_by(rows, "auditor"),
                           "by_team": counts_by(rows, "team"),
                           "completion": completion_line(rows)}, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for r in rows:
            d = r.as_dict()
            writer.writerow([d[h] if h != "overdue" else ("yes" if r.overdue else "no")
                             for h in HEADER])
        return out.getvalue()
    if not rows:
        return "No allocations.\n"
    return _table(rows, today)


def run_status(args) -> int:
    from ..db.engine import read_only
    from .commands_plan import _month

    month = _month(args.month) if args.month else None
    today = date.today()
    engine = open_engine(args)
    with read_only(engine).connect() as conn:
        rows = progress(conn, today=today, month=month, auditor=args.auditor)
    if getattr(args, "overdue", False):
        rows = [r for r in rows if r.overdue]
    sys.stdout.write(render(rows, args.format, today))
    return EXIT_OK
