"""`audit-tui report --by conversation`: how many audits were collaborative, by team and month.

For the submitted audits the filters keep (their team and month as recorded at submission, in
`fact_audit`): how many there are, and the share with the worker's reflection recorded and with
feedback from the child or family. Counted afresh from the conversation tables on every run
(both engines; plain SQL with named parameters).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from .filters import Filters, where


@dataclass(frozen=True)
class ConversationRow:
    team: str
    month: str  # '' for the total
    audits: int
    with_reflection: int
    with_feedback: int

    def share(self, n: int) -> float | None:
        return None if not self.audits else n / self.audits


def conversation_rows(conn, filters: Filters | None = None) -> list[ConversationRow]:
    """One row per team and month, then one per team ('' month), then the total ('' both)."""
    import sqlalchemy as sa

    joins, clause, params = where(filters or Filters())
    sql = (f"SELECT f.team, f.month, count(*), "
           f"sum(CASE WHEN w.audit_id IS NULL THEN 0 ELSE 1 END), "
           f"sum(CASE WHEN EXISTS (SELECT 1 FROM family_feedback ff "
           f"WHERE ff.audit_id = f.audit_id) THEN 1 ELSE 0 END) "
           f"FROM fact_audit f{joins} LEFT JOIN worker_conversation w "
           f"ON w.audit_id = f.audit_id AND w.reflection <> '' "
           f"WHERE {clause} GROUP BY f.team, f.month ORDER BY f.team, f.month")
    rows = [ConversationRow(r[0] or "", r[1], int(r[2]), int(r[3] or 0), int(r[4] or 0))
            for r in conn.execute(sa.text(sql), params)]
    out: list[ConversationRow] = []
    teams: dict[str, list[ConversationRow]] = {}
    for r in rows:
        teams.setdefault(r.team, []).append(r)
    for team, items in teams.items():
        out += items
        out.append(_sum(team, items))
    out.append(_sum("", rows))
    return out


def _sum(team: str, rows: list[ConversationRow]) -> ConversationRow:
    return ConversationRow(team, "", sum(r.audits for r in rows),
                           sum(r.with_reflection for r in rows),
                           sum(r.with_feedback for r in rows))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)}%"


def write(rows: list[ConversationRow], fmt: str, described: str = "", width: int = 0) -> str:
    """The rows as text (table, within `width`), markdown, HTML, CSV or JSON."""
    if fmt == "json":
        return json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        import csv
        import io

        from .safe import neutralise

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["team", "month", "audits", "with_reflection", "reflection_share",
                         "with_feedback", "feedback_share"])
        for r in rows:
            writer.writerow([neutralise(r.team), r.month, r.audits, r.with_reflection,
                             f"{r.share(r.with_reflection) or 0:.4f}", r.with_feedback,
                             f"{r.share(r.with_feedback) or 0:.4f}"])
        return out.getvalue()
    from .pages import render_page
    from .tables import Table

    table = Table("By team and month", ["Team", "Month", "Audits", "Worker's reflection",
                                        "Family feedback"], key="conversation", numeric_from=2)
    table.rows = [[r.team or "All teams", r.month or ("All months" if r.team else ""),
                   str(r.audits), f"{r.with_reflection} ({_pct(r.share(r.with_reflection))})",
                   f"{r.with_feedback} ({_pct(r.share(r.with_feedback))})"] for r in rows]
    return render_page(fmt, "Collaborative audits: the worker's reflection and family "
                       f"feedback ({described or 'all submitted audits'})", [], [table],
                       width=width)


def run_conversation_report(args) -> int:
    """`audit-tui report --by conversation`."""
    from .commands import run_filtered_page

    return run_filtered_page(args, conversation_rows, write)
