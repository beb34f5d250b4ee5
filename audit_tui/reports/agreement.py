"""Agreement between auditors and moderators: the share of exact agreement and the linearly
weighted Cohen's kappa, per criterion and per auditor, with the number of pairs.

The pure functions take (auditor grade, moderator grade) pairs; `agreement_rows` reads the pairs
from the `moderation` table with SQLAlchemy Core (portable between SQLite and PostgreSQL).

Weighted kappa (Cohen 1968), k ordered categories, linear weights w_ij = 1 - |i - j| / (k - 1):
    po = sum_ij w_ij p_ij,  pe = sum_ij w_ij r_i c_j,  kappa = (po - pe) / (1 - pe)
where p_ij is the share of pairs graded i by the auditor and j by the moderator, r_i and c_j
the two raters' shares. It is undefined (None) when pe = 1 (both always gave one same grade).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

import sqlalchemy as sa

from .filters import Filters

Pair = tuple[int, int]
OVERALL_LABEL = "Overall grade"


def exact_agreement(pairs: Sequence[Pair]) -> float | None:
    if not pairs:
        return None
    return sum(1 for a, m in pairs if a == m) / len(pairs)


def weighted_kappa(pairs: Sequence[Pair], categories: Sequence[int] | None = None
                   ) -> float | None:
    """Linearly weighted Cohen's kappa over `categories` (default 1..max(4, highest grade):
    the Ofsted scale, widened for a longer scale)."""
    if not pairs:
        return None
    if categories is None:
        top = max(4, *(max(a, m) for a, m in pairs))
        low = min(1, *(min(a, m) for a, m in pairs))
        categories = range(low, top + 1)
    cats = list(categories)
    index = {c: i for i, c in enumerate(cats)}
    k, n = len(cats), len(pairs)
    if k < 2:
        return None
    observed = [[0.0] * k for _ in range(k)]
    for a, m in pairs:
        observed[index[a]][index[m]] += 1 / n
    rows = [sum(observed[i]) for i in range(k)]
    cols = [sum(observed[i][j] for i in range(k)) for j in range(k)]

    def w(i: int, j: int) -> float:
        return 1 - abs(i - j) / (k - 1)

    po = sum(w(i, j) * observed[i][j] for i in range(k) for j in range(k))
    pe = sum(w(i, j) * rows[i] * cols[j] for i in range(k) for j in range(k))
    if abs(1 - pe) < 1e-12:
        return None
    return (po - pe) / (1 - pe)


@dataclass(frozen=True)
class AgreementRow:
    by: str  # 'criterion' or 'auditor'
    key: str  # the criterion ('' for the overall grade) or the auditor's name
    label: str
    pairs: int
    exact: float | None
    kappa: float | None


def rows_from_pairs(by: str, grouped: dict[str, list[Pair]],
                    name=lambda key: key) -> list[AgreementRow]:
    """`name`: the words for a key (a criterion's title), never the key itself on show."""
    out = []
    for key in sorted(grouped, key=lambda k: (k != "", k.casefold())):
        pairs = grouped[key]
        label = OVERALL_LABEL if (by == "criterion" and key == "") else (
            name(key) if key else "(no name)")
        out.append(AgreementRow(by, key, label, len(pairs), exact_agreement(pairs),
                                weighted_kappa(pairs)))
    return out


def read_pairs(conn, filters: Filters | None = None) -> list[tuple[str, str, int, int]]:
    """(criterion, auditor, auditor grade, moderator grade) for every moderated grade of an
    audit the filters keep (both grades given)."""
    md = sa.MetaData()
    mod = sa.Table("moderation", md, sa.Column("audit_id"), sa.Column("criterion"),
                   sa.Column("auditor_grade"), sa.Column("moderator_grade"))
    audit = sa.Table("audit", md, sa.Column("id"), sa.Column("auditor"), sa.Column("team"),
                     sa.Column("service_area"), sa.Column("template_key"),
                     sa.Column("audit_date", sa.Date), sa.Column("status"))
    q = (sa.select(mod.c.criterion, audit.c.auditor, mod.c.auditor_grade, mod.c.moderator_grade)
         .select_from(mod.join(audit, audit.c.id == mod.c.audit_id))
         .where(mod.c.auditor_grade.is_not(None), mod.c.moderator_grade.is_not(None)))
    f = filters or Filters()
    if f.date_from:
        q = q.where(audit.c.audit_date >= f.date_from)
    if f.date_to:
        q = q.where(audit.c.audit_date <= f.date_to)
    for name, column in (("team", "team"), ("service_area", "service_area"),
                         ("template", "template_key"), ("auditor", "auditor"),
                         ("status", "status")):
        if getattr(f, name):
            q = q.where(audit.c[column] == getattr(f, name))
    return [(r[0] or "", r[1] or "", int(r[2]), int(r[3])) for r in conn.execute(q)]


def agreement_rows(conn, filters: Filters | None = None) -> dict[str, list[AgreementRow]]:
    """{'criterion': rows, 'auditor': rows}: the overall grade first among the criteria."""
    by_criterion: dict[str, list[Pair]] = {}
    by_auditor: dict[str, list[Pair]] = {}
    for criterion, auditor, a, m in read_pairs(conn, filters):
        by_criterion.setdefault(criterion, []).append((a, m))
        by_auditor.setdefault(auditor, []).append((a, m))
    from .labels import labels_for

    labels = labels_for(conn)
    return {"criterion": rows_from_pairs("criterion", by_criterion, labels.criterion),
            "auditor": rows_from_pairs("auditor", by_auditor)}


def pct(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)}%"


def kappa_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def write(tables: dict[str, list[AgreementRow]], fmt: str, described: str = "",
          width: int = 0) -> str:
    """The agreement tables as text (table, within `width`), markdown, HTML, CSV or JSON."""
    if fmt == "json":
        return json.dumps({k: [asdict(r) for r in v] for k, v in tables.items()},
                          ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        import csv
        import io

        from .safe import neutralise

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["by", "key", "pairs", "exact_agreement", "weighted_kappa"])
        for rows in tables.values():
            for r in rows:
                writer.writerow([r.by, neutralise(r.label), r.pairs,
                                 "" if r.exact is None else f"{r.exact:.4f}",
                                 "" if r.kappa is None else f"{r.kappa:.4f}"])
        return out.getvalue()
    from .pages import render_page
    from .tables import Table

    parts = []
    for by, title in (("criterion", "Criterion"), ("auditor", "Auditor")):
        table = Table(f"By {by}", [title, "Pairs", "Exact", "Kappa"], key=by)
        table.rows = [[r.label, str(r.pairs), pct(r.exact), kappa_text(r.kappa)]
                      for r in tables.get(by, [])]
        if not table.rows:
            table.notes.append("No moderated grades.")
        parts.append(table)
    return render_page(
        fmt, f"Moderation: agreement between auditors and moderators ({described or 'all'})",
        ["Exact: share of grades the moderator agreed with; kappa: linearly weighted Cohen's "
         "kappa (1 full agreement, 0 no better than chance)."], parts, width=width)


def run_moderation_report(args) -> int:
    """`audit-tui report --by moderation`."""
    from .commands import run_filtered_page

    return run_filtered_page(args, agreement_rows, write)


def pairs_of(rows: Iterable[tuple[int, int]]) -> list[Pair]:
    return [(int(a), int(m)) for a, m in rows]
