"""The one interface the rest of Residex uses to talk to a graph, and the choice of engine.

Production runs on Neo4j 5 (``NEO4J_URI`` set); the demo and tests use embedded FalkorDB in a file
under the data directory. Engine differences stay in ``graph/falkor.py`` and ``graph/neo4j_store.py``.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from graph.types import Path as GraphPath

Row = dict[str, Any]
Progress = Callable[[int], None]

DEFAULT_DATA_DIR = Path("residex-data")
DEFAULT_TIMEOUT_S = 30.0
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_identifier(name: str) -> str:
    """Labels, types and property names are spliced into DDL, so only plain identifiers pass."""
    if not _IDENT.match(name):
        raise ValueError(f"not a valid graph identifier: {name!r}")
    return name


@dataclass(frozen=True)
class IndexSpec:
    """A property index or uniqueness constraint on one node label, or (``relationship``) a property index
    on one relationship type, which ``label`` then names."""

    label: str
    property: str
    unique: bool = False
    relationship: bool = False

    def __post_init__(self) -> None:
        if self.unique and self.relationship:  # neither engine path makes one; refuse rather than index silently
            raise ValueError(f"{self.label}.{self.property}: a uniqueness constraint needs a node label")


class GraphStore(ABC):
    """Read, write, batch-write, ensure schema, close. Results are lists of plain dict rows."""

    engine: str = "abstract"

    @abstractmethod
    def read(self, query: str, params: Mapping[str, Any] | None = None, *,
             timeout: float | None = None) -> list[Row]:
        """Run a query that must not write; the engine refuses a write."""

    @abstractmethod
    def write(self, query: str, params: Mapping[str, Any] | None = None, *,
              timeout: float | None = None) -> list[Row]:
        """Run one write query in its own transaction."""

    @abstractmethod
    def ensure_schema(self, indexes: Sequence[IndexSpec]) -> None:
        """Create the given indexes and uniqueness constraints if they do not exist yet."""

    @abstractmethod
    def shortest_path(self, start: tuple[str, str, Any], end: tuple[str, str, Any],
                      rel_types: Sequence[str], max_hops: int = 6) -> GraphPath | None:
        """Shortest undirected path between two nodes given as (label, key property, value)."""

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship (tests and full reloads)."""

    def can_bulk_build(self) -> bool:
        """Whether ``bulk_build`` can build the whole graph now (engines without a bulk path: never)."""
        return False

    def bulk_build(self, plan: Any, progress: Callable[[str], None] | None = None) -> bool:
        """Build the whole graph from a ``graph.load.BulkGraph`` plan at once; False when unsupported."""
        return False

    def checkpoint(self) -> None:
        """Make what was written durable now (embedded engines snapshot; servers already are)."""
        return None  # noqa: B027 - a no-op default is right for servers

    @abstractmethod
    def close(self) -> None:
        """Release connections (and the embedded server)."""

    def write_batches(self, query: str, rows: Iterable[Mapping[str, Any]], *, batch_size: int = 2000,
                      param: str = "rows", extra: Mapping[str, Any] | None = None,
                      progress: Progress | None = None) -> int:
        """Send rows in batches as ``$rows`` to an ``UNWIND $rows AS row ...`` query; returns rows sent.

        Each batch is its own transaction, so a killed load loses at most the batch in flight and a
        re-run of an idempotent MERGE query completes it without duplicates.
        """
        sent = 0
        for batch in _chunks(rows, batch_size):
            self.write(query, {**(extra or {}), param: batch})
            sent += len(batch)
            if progress:
                progress(sent)
        return sent

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _chunks(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while batch := [dict(r) for r in islice(it, size)]:
        yield batch


def data_dir() -> Path:
    """Where embedded data lives: ``$RESIDEX_DATA`` or ``./residex-data``."""
    return Path(os.environ.get("RESIDEX_DATA", DEFAULT_DATA_DIR))


def open_store(*, data: Path | None = None, graph_name: str = "residex") -> GraphStore:
    """Neo4j when ``NEO4J_URI`` is set, otherwise embedded FalkorDB under the data directory."""
    uri = os.environ.get("NEO4J_URI")
    if uri:
        from graph.neo4j_store import Neo4jStore

        return Neo4jStore.from_env()
    from graph.falkor import FalkorStore

    return FalkorStore(data or data_dir(), graph_name=graph_name)
