"""The project's own small graph value types, so nothing outside graph/ sees a driver's objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Node:
    """A node as returned by a query: engine id (opaque, per engine), labels and properties."""

    id: str
    labels: tuple[str, ...]
    properties: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.properties.get(key, default)


@dataclass(frozen=True)
class Relationship:
    """A relationship; start and end are the engine ids of its nodes."""

    id: str
    type: str
    start: str
    end: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Path:
    """An alternating walk: len(nodes) == len(relationships) + 1."""

    nodes: tuple[Node, ...]
    relationships: tuple[Relationship, ...]

    def __len__(self) -> int:
        return len(self.relationships)
