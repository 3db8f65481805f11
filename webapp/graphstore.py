"""The one owner of the graph store's lifecycle in the web app.

The store opens on first use (starting embedded FalkorDB costs seconds, so not at import), is shared by
every request thread (the engines' clients pool their connections) and closes when the app shuts down.
A store passed in ``config["STORE"]`` (tests, benchmarks) is used as-is and left open for its owner.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

from flask import Flask, current_app

from graph.store import GraphStore, open_store

_EXT = "residex_store"


class StoreHolder:
    def __init__(self, data_dir: Path, store: GraphStore | None = None) -> None:
        self.data_dir = data_dir
        self._store = store
        self._owned = store is None
        self._lock = threading.Lock()

    def get(self) -> GraphStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = open_store(data=self.data_dir)
                    atexit.register(self.close)
        return self._store

    def close(self) -> None:
        with self._lock:
            store, self._store = self._store, None
        if store is not None and self._owned:
            store.close()


def init_app(app: Flask) -> None:
    app.extensions[_EXT] = StoreHolder(Path(app.config["DATA_DIR"]), app.config.get("STORE"))


def get_store() -> GraphStore:
    return current_app.extensions[_EXT].get()


def close(app: Flask) -> None:
    app.extensions[_EXT].close()
