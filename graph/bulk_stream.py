"""A columnar bulk plan prepared in a background thread and handed to the store a label at a time.

Why: preparing the plan (reading the index, pseudonyms, endpoint positions, merging repeats) took a
quarter of a first load while the server sat idle, and the server then built everything while Python
sat idle. A node table is final as soon as the plan adds it, so the store can send it while the rest
of the plan is prepared; relationships follow once the plan is finished (every node must exist before
the first relationship refers to it, and their endpoint ids need every label's offset).

The consumer (``FalkorStore.bulk_build``) iterates ``node_tables()`` then ``edge_sets()``; an error in
the plan is raised there, in the consumer's thread, and ``close()`` stops an abandoned plan.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

Emit = Callable[[str, Any], None]
_DONE = object()


class PlanCancelled(RuntimeError):
    """The consumer gave up (the store declined or failed); the plan thread stops at its next table."""


class StreamedPlan:
    """Runs ``prepare(emit)`` in a thread; ``emit(label, table)`` hands over each final node table.

    ``prepare`` returns ``(graph, counts)`` where ``graph`` is the finished ``ColumnarGraph`` (its
    ``bulk_sets`` give the relationships, with endpoint ids in the order the labels were emitted)."""

    def __init__(self, prepare: Callable[[Emit], tuple[Any, dict[str, int]]], schema: list[Any],
                 progress: Callable[[str], None] | None = None) -> None:
        self.schema = schema
        self._prepare = prepare
        self._say = progress or (lambda _m: None)
        self._q: queue.Queue[tuple[Any, Any]] = queue.Queue()
        self._cancel = threading.Event()
        self._sent: list[tuple[str, int]] = []
        self.result: tuple[Any, dict[str, int]] | None = None
        self.prepare_s: float | None = None
        self._thread = threading.Thread(target=self._run, name="bulk-plan", daemon=True)
        self._thread.start()

    def _emit(self, label: str, table: Any) -> None:
        if self._cancel.is_set():
            raise PlanCancelled("bulk build abandoned")
        self._q.put((label, table))

    def _run(self) -> None:
        start = time.monotonic()
        try:
            self.result = self._prepare(self._emit)
            self.prepare_s = time.monotonic() - start
            self._say(f"prepared {self.result[0].size:,} nodes and relationships in {self.prepare_s:.1f}s")
            self._q.put((_DONE, None))
        except BaseException as e:  # noqa: BLE001 - re-raised in the consumer's thread
            self._q.put((_DONE, e))

    def node_tables(self) -> Iterator[tuple[str, Any]]:
        """Each label's final node table, as soon as the plan has it (empty ones are skipped)."""
        while True:
            label, table = self._q.get()
            if label is _DONE:
                if table is not None:
                    raise table
                return
            if table.num_rows:
                self._sent.append((label, table.num_rows))
                yield label, table

    def edge_sets(self) -> tuple[list[Any], int, int]:
        """(type, table, src ids, dst ids) per relationship type, plus the node and edge totals.
        Only after ``node_tables`` is exhausted (the plan is then finished)."""
        if self.result is None:
            raise RuntimeError("edge_sets() before the plan finished")
        node_sets, edge_sets, n_nodes, n_edges = self.result[0].bulk_sets()
        order = [(label, t.num_rows) for label, t in node_sets]
        if order != self._sent:  # endpoint ids assume this order; a mismatch would misconnect edges
            raise RuntimeError(f"bulk plan emitted nodes as {self._sent}, but numbers them as {order}")
        return edge_sets, n_nodes, n_edges

    def close(self) -> None:
        """Stop the plan thread if it is still running (it ends at its next emitted table)."""
        self._cancel.set()
        while self._thread.is_alive():
            try:  # unblock nothing (the queue is unbounded); just drain so memory can be freed
                self._q.get(timeout=0.1)
            except queue.Empty:
                pass
        self._thread.join()
