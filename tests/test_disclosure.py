"""Small-number suppression: no hidden cell can be recovered from what is published."""

from __future__ import annotations

import itertools
import random

import pytest

from graph.disclosure import suppress_counts, suppress_table


def recoverable(t) -> set:
    """Hidden cells an attacker can compute exactly from published cells and totals (line by line)."""
    found = set()
    changed = True
    known = {k: v for k, v in t.cells.items() if v is not None}
    rt, ct = dict(t.row_totals), dict(t.column_totals)
    while changed:
        changed = False
        for r in t.rows:  # row totals recoverable from the grand total
            if rt[r] is None and t.total is not None and sum(v is None for v in rt.values()) == 1:
                rt[r] = t.total - sum(v for v in rt.values() if v is not None)
                changed = True
        for c in t.columns:
            if ct[c] is None and t.total is not None and sum(v is None for v in ct.values()) == 1:
                ct[c] = t.total - sum(v for v in ct.values() if v is not None)
                changed = True
        lines = [([(r, c) for c in t.columns], rt[r]) for r in t.rows] + \
                [([(r, c) for r in t.rows], ct[c]) for c in t.columns]
        for cells, total in lines:
            unknown = [k for k in cells if k not in known]
            if total is not None and len(unknown) == 1:
                known[unknown[0]] = total - sum(known[k] for k in cells if k in known)
                found.add(unknown[0])
                changed = True
    return found & {k for k, v in t.cells.items() if v is None}


def test_primary_hides_small_counts_and_keeps_zeros() -> None:
    t = suppress_table({("A", "0-5"): 3, ("A", "6-10"): 40, ("B", "0-5"): 0, ("B", "6-10"): 12})
    assert t.cells[("A", "0-5")] is None and ("A", "0-5") in t.primary
    assert t.cells[("B", "0-5")] == 0


def test_secondary_protects_a_lone_hidden_cell() -> None:
    t = suppress_table({("A", "x"): 3, ("A", "y"): 40, ("A", "z"): 9, ("B", "x"): 20, ("B", "y"): 30, ("B", "z"): 11})
    assert t.row_totals["A"] == 52  # totals stay published
    hidden_in_a = [c for c in t.columns if t.cells[("A", c)] is None]
    assert len(hidden_in_a) >= 2 and t.secondary
    assert recoverable(t) == set()


def test_one_way_table_with_total() -> None:
    cells, total = suppress_counts({"Riverside": 2, "Central": 30, "Hill": 11, "Park": 17})
    assert total == 60 and cells["Riverside"] is None
    assert sum(v is None for v in cells.values()) == 2  # its partner is hidden too
    assert cells["Hill"] is None  # the smallest other cell


def test_small_total_is_hidden() -> None:
    cells, total = suppress_counts({"Riverside": 1, "Central": 2})
    assert total is None and cells == {"Riverside": None, "Central": None}


@pytest.mark.parametrize("seed", range(300))
def test_random_tables_leak_nothing(seed: int) -> None:
    rng = random.Random(seed)
    rows, cols = [f"w{i}" for i in range(rng.randint(1, 6))], [f"a{j}" for j in range(rng.randint(1, 5))]
    counts = {(r, c): rng.choice([0, 1, 2, 3, 4, 5, 7, 12, 30]) for r, c in itertools.product(rows, cols)}
    t = suppress_table(counts, rows=rows, columns=cols, threshold=rng.choice([3, 5, 10]))
    assert all(t.cells[k] is None for k, n in counts.items() if 0 < n < t.threshold)
    assert recoverable(t) == set()
