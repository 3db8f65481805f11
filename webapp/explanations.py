"""Why two records were linked: reads the index folder's match_explanations.parquet.

The loader does not put pair-level explanations in the graph, so the web app reads them from the index
folder written by `residex link`. Pairs are filtered to the source systems the session may see before
anything is shown: a pair with a hidden side is never returned.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE = "match_explanations.parquet"


@dataclass(frozen=True)
class Comparison:
    name: str
    level: str
    weight: float | None


@dataclass(frozen=True)
class PairExplanation:
    source_l: str
    record_id_l: str
    source_r: str
    record_id_r: str
    match_probability: float | None
    match_weight: float | None
    rules: str
    comparisons: tuple[Comparison, ...]


class Explanations:
    """Loaded once on first use and indexed by resident (a 30k borough's file is a few MB)."""

    def __init__(self, index_dir: Path | None) -> None:
        self.path = Path(index_dir) / FILE if index_dir else None
        self._by_resident: dict[str, list[dict[str, Any]]] | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return bool(self.path and self.path.exists())

    def _load(self) -> dict[str, list[dict[str, Any]]]:
        if self._by_resident is None:
            with self._lock:
                if self._by_resident is None:
                    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
                    if self.available:
                        import pyarrow.parquet as pq

                        for row in pq.read_table(self.path).to_pylist():
                            by[str(row.get("resident_id"))].append(row)
                    self._by_resident = dict(by)
        return self._by_resident

    def warm(self) -> None:
        """Load in a background thread at start-up, so the first person page does not wait for it."""
        if self.available:
            threading.Thread(target=self._load, name="residex-explanations", daemon=True).start()

    def for_resident(self, resident_id: str, visible_sources: frozenset[str] | set[str]) -> list[PairExplanation]:
        out = []
        for row in self._load().get(resident_id, []):
            if row.get("source_l") not in visible_sources or row.get("source_r") not in visible_sources:
                continue
            out.append(PairExplanation(
                row.get("source_l", ""), str(row.get("record_id_l", "")), row.get("source_r", ""),
                str(row.get("record_id_r", "")), row.get("match_probability"), row.get("match_weight"),
                _rules(row.get("rules")), _comparisons(row.get("comparisons"))))
        return sorted(out, key=lambda p: (p.match_probability is None, -(p.match_probability or 0)))


def _rules(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, (list, tuple)):
        return ", ".join(str(r) for r in raw)
    return str(raw)


def _comparisons(raw: Any) -> tuple[Comparison, ...]:
    try:
        data = json.loads(raw) if isinstance(raw, str) else (raw or {})
    except ValueError:
        return ()
    out = []
    for name, spec in (data or {}).items():
        if isinstance(spec, dict):
            out.append(Comparison(str(name), str(spec.get("level") or ""), spec.get("match_weight")))
    return tuple(sorted(out, key=lambda c: -(c.weight or 0)))
