"""Graph layer: the store interface, its engines, the model, loading, saved queries and analytics."""

from graph.store import GraphStore, IndexSpec, open_store

__all__ = ["GraphStore", "IndexSpec", "open_store"]
