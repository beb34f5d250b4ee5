"""Reading the running counts (fact_count) for one summary: each read asked for once, and
what is known to be wanted fetched in one statement."""

from __future__ import annotations


class CountReads:
    """The running counts one summary reads (fact_count rows: dim_value, kind, month, key,
    value, band, n), asked for as (dim, value, months, kinds, summed over months) and kept.
    What is known to be wanted is fetched together, in one statement (`fetch`): on a server
    each statement is a round trip, and a filtered view wants five of them."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.kept: dict[tuple, list] = {}

    def fetch(self, wanted: list[tuple]) -> None:
        wanted = [w for w in dict.fromkeys(wanted) if w not in self.kept]
        if not wanted:
            return
        parts, params = [], {}
        for i, (dim, value, months, kinds, summed) in enumerate(wanted):
            months = months or (None, None)
            clauses = [f"dim = :dim{i}", f"kind IN ({', '.join(repr(k) for k in kinds)})"]
            params[f"dim{i}"] = dim
            if value is not None:
                clauses.append(f"dim_value = :value{i}")
                params[f"value{i}"] = value
            if months[0]:
                clauses.append(f"month >= :m0_{i}")
                params[f"m0_{i}"] = months[0]
            if months[1]:
                clauses.append(f"month <= :m1_{i}")
                params[f"m1_{i}"] = months[1]
            where_ = " AND ".join(clauses)
            parts.append(
                f"SELECT {i}, dim_value, kind, '', key, value, band, sum(n) FROM fact_count "
                f"WHERE {where_} GROUP BY dim_value, kind, key, value, band" if summed else
                f"SELECT {i}, dim_value, kind, month, key, value, band, n FROM fact_count "
                f"WHERE {where_}")
            self.kept[wanted[i]] = []
        for row in self.conn.exec_driver_sql(" UNION ALL ".join(parts), params).all():
            self.kept[wanted[row[0]]].append(tuple(row[1:]))

    def rows(self, dim: str, value: str | None, months, kinds: tuple[str, ...],
             summed: bool = False) -> list:
        wanted = (dim, value, months, kinds, summed)
        self.fetch([wanted])
        return self.kept[wanted]
