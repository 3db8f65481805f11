"""Clustering linked pairs into residents, with household guards.

Plain connected components chain father -> undated record -> son. So components are checked for
conflicts (two different valid NHS numbers or UPNs, different generational suffixes, dates of birth
in strong disagreement); only conflicting components are re-clustered greedily, strongest edge first,
refusing any merge that would put a conflict inside one resident.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

DOB_TOLERANCE_DAYS = 400
AMBIGUITY_BITS = 0.0  # an undated record at least as close (match weight) to a conflicting resident joins neither


def dob_compatible(a: date, b: date) -> bool:
    """Not in strong disagreement: within ~a year, a day/month swap, one digit or one transposition."""
    if abs((a - b).days) <= DOB_TOLERANCE_DAYS:
        return True
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return True
    sa, sb = a.isoformat(), b.isoformat()
    diff = [k for k, (x, y) in enumerate(zip(sa, sb, strict=True)) if x != y]
    if len(diff) <= 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and sa[diff[0]] == sb[diff[1]] and sa[diff[1]] == sb[diff[0]]


class _Cluster:
    __slots__ = ("nhs", "upn", "suffix", "dobs")

    def __init__(self, nhs: str | None, upn: str | None, suffix: str | None, dob: date | None) -> None:
        self.nhs, self.upn, self.suffix = nhs, upn, suffix
        self.dobs: list[date] = [dob] if dob is not None else []

    def conflicts(self, o: _Cluster, check_dob: bool = True) -> bool:
        for a, b in ((self.nhs, o.nhs), (self.upn, o.upn), (self.suffix, o.suffix)):
            if a is not None and b is not None and a != b:
                return True
        if not check_dob or not self.dobs or not o.dobs:
            return False
        # corrupted DOBs in one resident need not agree with each other (1630-08-11 and 1638-08-01
        # are both typos of 1630-08-01); two residents conflict when no DOB of one fits any of the other
        return not any(dob_compatible(x, y) for x in self.dobs for y in o.dobs)

    def absorb(self, o: _Cluster) -> None:
        self.nhs = self.nhs or o.nhs
        self.upn = self.upn or o.upn
        self.suffix = self.suffix or o.suffix
        for d in o.dobs:
            if d not in self.dobs:
                self.dobs.append(d)


def cluster(nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, dict[str, int]]:
    """Cluster labels (one per node row) from edges.

    nodes: columns nhs_number, pupil_number, suffix, dob (python date or None), in index order 0..n-1.
    edges: columns i, j (node positions), weight (higher = stronger), optional strong (the pair shares a
    strong identifier, so a DOB disagreement is a typo and does not block the merge).
    Returns labels and stats (components checked, conflicting components, merges refused).
    """
    n = len(nodes)
    stats = {"components": 0, "conflicting_components": 0, "merges_refused": 0}
    if n == 0:
        return np.zeros(0, dtype=np.int64), stats
    i = edges["i"].to_numpy(np.int64)
    j = edges["j"].to_numpy(np.int64)
    g = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    ncomp, labels = connected_components(g, directed=False)
    stats["components"] = int(ncomp)
    # conflict check per component, vectorised
    df = pd.DataFrame({"c": labels, "nhs": nodes["nhs_number"].to_numpy(), "upn": nodes["pupil_number"].to_numpy(),
                       "suf": nodes["suffix"].to_numpy(),
                       # ordinal days, not datetime64[ns]: historical DOBs (1529) are out of its range
                       "dob": [d.toordinal() if isinstance(d, date) else np.nan for d in nodes["dob"]]})
    sizes = np.bincount(labels)
    multi = df[sizes[labels] > 1]
    if multi.empty:
        return labels, stats
    agg = multi.groupby("c").agg(nhs=("nhs", "nunique"), upn=("upn", "nunique"), suf=("suf", "nunique"),
                                 dmin=("dob", "min"), dmax=("dob", "max"))
    span = (agg["dmax"] - agg["dmin"]).fillna(0)
    bad = agg.index[(agg["nhs"] > 1) | (agg["upn"] > 1) | (agg["suf"] > 1) | (span > DOB_TOLERANCE_DAYS)]
    stats["conflicting_components"] = int(len(bad))
    if len(bad) == 0:
        return labels, stats
    in_bad = np.isin(labels, bad.to_numpy())
    e = edges[in_bad[i]].assign(weight=lambda d: d["weight"].round(6)).sort_values(["weight", "i", "j"], ascending=[False, True, True], kind="stable")
    parent = np.arange(n, dtype=np.int64)
    info: dict[int, _Cluster] = {}
    nhs, upn, suf, dobs = (nodes["nhs_number"].to_numpy(), nodes["pupil_number"].to_numpy(),
                           nodes["suffix"].to_numpy(), nodes["dob"].to_numpy())

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def node_info(x: int) -> _Cluster:
        c = info.get(x)
        if c is None:
            d = dobs[x]
            c = info[x] = _Cluster(nhs[x] if isinstance(nhs[x], str) else None,
                                   upn[x] if isinstance(upn[x], str) else None,
                                   suf[x] if isinstance(suf[x], str) else None,
                                   d if isinstance(d, date) else None)
        return c

    ea, eb = e["i"].to_numpy(), e["j"].to_numpy()
    ew = e["weight"].to_numpy()
    strong = e["strong"].to_numpy() if "strong" in e.columns else np.zeros(len(e), dtype=bool)
    for a, b, st in zip(ea.tolist(), eb.tolist(), strong.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        ca, cb = node_info(ra), node_info(rb)
        if ca.conflicts(cb, check_dob=not st):
            stats["merges_refused"] += 1
            continue
        parent[rb] = ra
        ca.absorb(cb)
        info.pop(rb, None)
    # ambiguity guard: an undated record whose link to another, conflicting resident is at least as
    # strong as its link to its own, less AMBIGUITY_BITS (the son's electoral entry, equally like father
    # and son), is detached
    undated = np.array([not isinstance(d, date) for d in dobs], dtype=bool)
    sel = undated[ea] | undated[eb]
    best: dict[tuple[int, int], float] = {}
    for a, b, w in zip(ea[sel].tolist(), eb[sel].tolist(), ew[sel].tolist(), strict=True):
        for x, y in ((a, b), (b, a)):
            if undated[x]:
                k = (x, find(y))
                if w > best.get(k, -1e9):
                    best[k] = w
    by_node: dict[int, list[tuple[int, float]]] = {}
    for (x, root), w in best.items():
        by_node.setdefault(x, []).append((root, w))
    detached: set[int] = set()
    for x, cand in by_node.items():
        if len(cand) < 2:
            continue
        own = find(x)
        w_own = max((w for r, w in cand if r == own), default=None)
        if w_own is None:
            continue
        for r, w in cand:
            if r != own and w >= w_own - AMBIGUITY_BITS and r in info and own in info \
                    and info[own].conflicts(info[r]):
                detached.add(x)
                break
    stats["ambiguous_detached"] = len(detached)
    # relabel nodes of bad components: root position becomes the label (offset past ncomp)
    new = labels.copy()
    idx = np.nonzero(in_bad)[0]
    for x in idx.tolist():
        new[x] = ncomp + find(x)
    for x in detached:
        new[x] = ncomp + n + x
    return new, stats
