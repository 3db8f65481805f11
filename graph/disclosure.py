"""Small-number suppression for every aggregate Residex shows or exports.

Primary suppression hides counts from 1 to ``threshold - 1`` (default 5): a count that small can
identify a family in a ward. Secondary suppression then hides further cells so that no hidden count can
be recovered by subtraction from a published total: in every row and column that has a published
total, a hidden cell never stands alone. Totals that are themselves small are hidden too.

Zero counts are published by default (a zero is disclosive only in rare designs; set
``suppress_zero=True`` to hide them too).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

DEFAULT_THRESHOLD = 5
SUPPRESSED = None  # how a hidden cell is represented


@dataclass
class SuppressedTable:
    """A two-way table of counts after suppression: ``None`` marks a hidden value."""

    rows: list[Hashable]
    columns: list[Hashable]
    cells: dict[tuple[Hashable, Hashable], int | None]
    row_totals: dict[Hashable, int | None]
    column_totals: dict[Hashable, int | None]
    total: int | None
    threshold: int
    primary: set[tuple[Hashable, Hashable]] = field(default_factory=set)
    secondary: set[tuple[Hashable, Hashable]] = field(default_factory=set)

    def as_rows(self, row_name: str = "row", total_name: str = "total") -> list[dict]:
        """One dict per row with a value per column and the row total, then a totals row."""
        out = []
        for r in self.rows:
            out.append({row_name: r, **{str(c): self.cells[(r, c)] for c in self.columns},
                        total_name: self.row_totals[r]})
        out.append({row_name: total_name, **{str(c): self.column_totals[c] for c in self.columns},
                    total_name: self.total})
        return out


def _small(n: int, threshold: int, suppress_zero: bool) -> bool:
    return (n == 0 and suppress_zero) or 0 < n < threshold


def suppress_table(counts: Mapping[tuple[Hashable, Hashable], int], *, rows: list[Hashable] | None = None,
                   columns: list[Hashable] | None = None, threshold: int = DEFAULT_THRESHOLD,
                   suppress_zero: bool = False) -> SuppressedTable:
    """Suppress a two-way table given as ``{(row, column): count}`` (missing cells count 0)."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    rows = list(rows) if rows is not None else sorted({r for r, _ in counts}, key=str)
    columns = list(columns) if columns is not None else sorted({c for _, c in counts}, key=str)
    value = {(r, c): int(counts.get((r, c), 0)) for r in rows for c in columns}
    row_total = {r: sum(value[(r, c)] for c in columns) for r in rows}
    col_total = {c: sum(value[(r, c)] for r in rows) for c in columns}
    grand = sum(row_total.values())

    hidden = {k for k, n in value.items() if _small(n, threshold, suppress_zero)}
    primary = set(hidden)
    hidden_rt = {r for r, n in row_total.items() if _small(n, threshold, suppress_zero)}
    hidden_ct = {c for c, n in col_total.items() if _small(n, threshold, suppress_zero)}
    grand_hidden = _small(grand, threshold, suppress_zero)

    def lines() -> list[tuple[list[tuple[Hashable, Hashable]], bool, set, Hashable]]:
        """Every row and column as (its cells, whether its total is published, its hidden set, its key)."""
        out = [([(r, c) for c in columns], r not in hidden_rt, hidden_rt, r) for r in rows]
        out += [([(r, c) for r in rows], c not in hidden_ct, hidden_ct, c) for c in columns]
        return out

    changed = True
    while changed:
        changed = False
        # a hidden total is recoverable from the grand total if it is the only hidden one of its kind
        for kind_hidden, keys, total_of in ((hidden_rt, rows, row_total), (hidden_ct, columns, col_total)):
            if len(kind_hidden) == 1 and not grand_hidden and len(keys) > 1:
                candidates = [k for k in keys if k not in kind_hidden]
                kind_hidden.add(min(candidates, key=lambda k, t=total_of: (t[k], str(k))))
                changed = True
        for cells, total_published, hidden_totals, line in lines():
            hidden_here = [k for k in cells if k in hidden]
            if total_published and len(hidden_here) == 1:
                candidates = [k for k in cells if k not in hidden]
                if not candidates:  # a one-cell line: its total is the hidden cell itself
                    hidden_totals.add(line)
                    changed = True
                    continue
                # the smallest published cell costs the least information; prefer non-zero, and
                # cells whose other line already has a hidden cell (one hide protects two lines)
                def cost(k: tuple[Hashable, Hashable]) -> tuple:
                    other_line_hidden = any(x in hidden for x in
                                            ([(k[0], c) for c in columns] + [(r, k[1]) for r in rows]) if x != k)
                    return (value[k] == 0, not other_line_hidden, value[k], str(k))

                hidden.add(min(candidates, key=cost))
                changed = True
    return SuppressedTable(
        rows=rows, columns=columns,
        cells={k: (SUPPRESSED if k in hidden else n) for k, n in value.items()},
        row_totals={r: (SUPPRESSED if r in hidden_rt else n) for r, n in row_total.items()},
        column_totals={c: (SUPPRESSED if c in hidden_ct else n) for c, n in col_total.items()},
        total=SUPPRESSED if grand_hidden else grand, threshold=threshold,
        primary=primary, secondary=hidden - primary)


def suppress_counts(counts: Mapping[Hashable, int], *, threshold: int = DEFAULT_THRESHOLD,
                    suppress_zero: bool = False) -> tuple[dict[Hashable, int | None], int | None]:
    """A one-way table (e.g. children 0-5 by ward) with its total: ``(cells, total)``."""
    t = suppress_table({(k, "count"): n for k, n in counts.items()}, rows=list(counts), columns=["count"],
                       threshold=threshold, suppress_zero=suppress_zero)
    return {k: t.cells[(k, "count")] for k in counts}, t.total
