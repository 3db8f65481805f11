"""Embedded FalkorDB engine (falkordblite): the default for the demo, the tests and small councils.

The database is one Redis RDB file under the data directory. Reads go through ``GRAPH.RO_QUERY`` so
the engine itself refuses a write on the read path. Engine-specific parts: ``GRAPH.CONSTRAINT CREATE``
for uniqueness, integer node ids, and undirected shortest paths by iterative deepening (FalkorDB's
``shortestPath`` is directed-only and allowed only in WITH/RETURN).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path as FsPath
from typing import Any

from graph.errors import ConnectionFailed, QueryTimeout, ReadOnlyViolation, StoreError
from graph.store import DEFAULT_TIMEOUT_S, GraphStore, IndexSpec, Row, check_identifier
from graph.types import Node, Path, Relationship
from graph.values import from_stored

_json_str = json.JSONEncoder(ensure_ascii=False).encode
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

DB_FILE = "residex.rdb"
SOCKET_TIMEOUT_S = 5  # the embedded client's usual socket timeout
LONG_COMMAND_S = 900  # bulk inserts and snapshots of a big graph outlast the embedded client's 5 s socket timeout


class FalkorStore(GraphStore):
    engine = "falkordb"

    def __init__(self, data_dir: FsPath, graph_name: str = "residex", timeout: float = DEFAULT_TIMEOUT_S) -> None:
        from redislite.falkordb_client import FalkorDB

        self.data_dir = FsPath(data_dir)
        self.path = self.data_dir / DB_FILE
        self.timeout = timeout
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # Start-up reads the whole RDB before the first ping answers (~30 s for a 300k-resident
            # borough), so start with the long timeout, then go back to the client's usual one.
            self._db = FalkorDB(str(self.path), socket_timeout=LONG_COMMAND_S)
            pool = self._db.client.connection_pool
            pool.connection_kwargs["socket_timeout"] = SOCKET_TIMEOUT_S
            pool.disconnect()
        except Exception as e:  # noqa: BLE001 - redislite raises bare exceptions on start-up failures
            raise ConnectionFailed(f"cannot start the embedded FalkorDB at {self.path}: {e}") from None
        self._graph_name = graph_name
        self._graph = self._db.select_graph(graph_name)
        self._run(False, "RETURN 1", None, None)  # creates the graph key: reads on a new store see 0 rows

    # -- queries -------------------------------------------------------------------------------
    def _run(self, read_only: bool, query: str, params: Mapping[str, Any] | None,
             timeout: float | None) -> list[Row]:
        ms = int((timeout or self.timeout) * 1000)
        run = self._graph.ro_query if read_only else self._graph.query
        try:
            result = run(params_header(params) + query, None, timeout=ms)
        except Exception as e:  # noqa: BLE001 - the client raises redis ResponseError for engine errors
            msg = str(e)
            if read_only and "read-only" in msg.lower():
                raise ReadOnlyViolation(f"write refused on the read path: {msg}") from None
            if "timed out" in msg.lower() or "timeout" in msg.lower():
                raise QueryTimeout(f"query stopped after {ms / 1000:.0f}s: {msg}") from None
            raise StoreError(f"FalkorDB rejected the query: {msg}") from None
        header = [h[1] if isinstance(h, (list, tuple)) else h for h in result.header]
        return [{k: _convert(v) for k, v in zip(header, row, strict=True)} for row in result.result_set]

    def read(self, query: str, params: Mapping[str, Any] | None = None, *,
             timeout: float | None = None) -> list[Row]:
        return self._run(True, query, params, timeout)

    def write(self, query: str, params: Mapping[str, Any] | None = None, *,
              timeout: float | None = None) -> list[Row]:
        return self._run(False, query, params, timeout)

    # -- schema and paths ------------------------------------------------------------------------
    def ensure_schema(self, indexes: Sequence[IndexSpec]) -> None:
        self._ensure_schema(self._graph, indexes)

    def _ensure_schema(self, graph: Any, indexes: Sequence[IndexSpec]) -> None:
        self._await_schema(graph, self._create_schema(graph, indexes))

    def _create_schema(self, graph: Any, indexes: Sequence[IndexSpec]) -> list[tuple[str, str]]:
        """Create what is missing; the engine builds indexes and checks constraints in the background.
        Returns the constraints still to be awaited."""
        existing = {(c["label"], tuple(c["properties"])) for c in self._constraints(graph)}
        pending: list[tuple[str, str]] = []
        for spec in indexes:
            label, prop = check_identifier(spec.label), check_identifier(spec.property)
            try:
                if spec.relationship:
                    graph.create_edge_range_index(label, prop)
                else:
                    graph.create_node_range_index(label, prop)
            except Exception as e:  # noqa: BLE001
                if "already indexed" not in str(e).lower():
                    raise StoreError(f"could not index {label}.{prop}: {e}") from None
            if spec.unique and (label, (prop,)) not in existing:
                try:
                    graph.create_node_unique_constraint(label, prop)
                except Exception as e:  # noqa: BLE001
                    if "already exists" not in str(e).lower():
                        raise StoreError(f"could not make {label}.{prop} unique: {e}") from None
                pending.append((label, prop))
        return pending

    def _constraints(self, graph: Any) -> list[dict[str, Any]]:
        try:
            return graph.list_constraints()
        except Exception:  # noqa: BLE001 - a graph that does not exist yet has none
            return []

    def _await_schema(self, graph: Any, pending: list[tuple[str, str]], limit_s: float = 300) -> None:
        """Indexes and constraints build asynchronously; wait for both, so that a load never races an
        unbuilt constraint and no query scans for want of an index still being built."""
        deadline = time.monotonic() + limit_s
        while True:
            building = [r[0] for r in graph.query("CALL db.indexes() YIELD label, status RETURN label, status")
                        .result_set if r[1] != "OPERATIONAL"]
            if not building:
                break
            if time.monotonic() > deadline:
                raise StoreError(f"indexes still building after {limit_s}s: {building}")
            time.sleep(0.05)
        while pending:
            status = {(c["label"], tuple(c["properties"])): c["status"] for c in self._constraints(graph)}
            failed = [p for p in pending if status.get((p[0], (p[1],))) == "FAILED"]
            if failed:
                raise StoreError(f"uniqueness constraint failed on {failed}: duplicate values already stored")
            pending = [p for p in pending if status.get((p[0], (p[1],))) != "OPERATIONAL"]
            if pending and time.monotonic() > deadline:
                raise StoreError(f"constraints still building after {limit_s}s: {pending}")
            if pending:
                time.sleep(0.05)

    def shortest_path(self, start: tuple[str, str, Any], end: tuple[str, str, Any],
                      rel_types: Sequence[str], max_hops: int = 6) -> Path | None:
        (sl, sk, sv), (el, ek, ev) = start, end
        types = "|".join(check_identifier(t) for t in rel_types)
        rel = f":{types}" if types else ""
        head = (f"MATCH (a:{check_identifier(sl)} {{{check_identifier(sk)}: $a}}), "
                f"(b:{check_identifier(el)} {{{check_identifier(ek)}: $b}}) ")
        if not types:
            raise ValueError("shortest_path needs relationship types (untyped variable-length patterns "
                             "between bound nodes crash FalkorDB 4)")
        # Iterative deepening: no path within hops-1, so the first hit within hops is a shortest one.
        # (FalkorDB returns nothing for a fixed-length `*h..h` pattern, hence the `*1..h` range.)
        for hops in range(1, int(max_hops) + 1):
            rows = self.read(head + f"MATCH p = (a)-[{rel}*1..{hops}]-(b) RETURN p LIMIT 1",
                             {"a": sv, "b": ev})
            if rows:
                return rows[0]["p"]
        return None

    # -- bulk build (graph/falkor_bulk.py): the first load into an empty graph --------------------------
    def can_bulk_build(self) -> bool:
        """A bulk build replaces the graph wholesale, so it is offered only while the graph has no nodes."""
        return self.read("MATCH (n) RETURN count(n) AS c")[0]["c"] == 0

    def bulk_build(self, plan: Any, progress: Any = None) -> bool:
        """Build ``plan`` into a staging key with GRAPH.BULK, index it, swap it in. ``plan``: a
        graph.bulk_stream.StreamedPlan (Arrow tables, sent while the plan is still being prepared) or a
        graph.load.BulkGraph (rows).

        Redis ``RENAME`` of a FalkorDB graph key works (and is atomic), so the real graph is never seen
        half built: a build killed part way leaves the old empty graph and a stale staging key that the
        next build deletes first. Returns False (nothing changed) if the graph gained nodes meanwhile.
        """
        from graph import falkor_bulk as fb

        say = progress or (lambda _m: None)
        if not self.can_bulk_build():
            return False
        client, staging = self._long_client(), f"{self._graph_name}__bulk_staging"
        client.delete(staging)
        try:
            totals: list[int] = []
            if hasattr(plan, "node_tables"):  # graph.bulk_stream.StreamedPlan: Arrow tables as they are ready
                cmds = fb.prefetch(fb.table_commands(_checked_nodes(plan), _checked_edges(plan, totals),
                                                     flush_each_set=True))
            else:
                node_sets, edge_sets, n_nodes, n_edges = _bulk_sets(plan)
                totals += [n_nodes, n_edges]
                cmds = fb.commands(node_sets, edge_sets)
            # An empty graph first, indexed before any node arrives: the engine then indexes each node as
            # it is made (while the plan is still being prepared) instead of in one pass at the end, and
            # a uniqueness constraint on an empty label needs no check of existing nodes.
            self._bulk_send(staging, ["BEGIN", 0, 0, 0, 0])
            graph = self._db.select_graph(staging)
            pending = self._create_schema(graph, plan.schema)
            made = [0, 0]
            start = time.monotonic()
            for cmd in cmds:
                reply = self._bulk_send(staging, cmd.args(first=False))
                for j, part in enumerate(str(reply).split(",")[:2]):
                    made[j] += int(part.split()[0])
                done = made[0] + made[1]
                of = f" of {sum(totals):,}" if totals else ""
                say(f"  bulk: {made[0]:,} nodes, {made[1]:,} relationships{of} "
                    f"({done / max(time.monotonic() - start, 1e-6):,.0f}/s)")
            n_nodes, n_edges = totals
            if made != [n_nodes, n_edges]:
                raise StoreError(f"bulk build made {made[0]} nodes and {made[1]} relationships, "
                                 f"expected {n_nodes} and {n_edges}")
            say("  bulk: waiting for the indexes and constraints")
            self._await_schema(graph, pending)
            if not self.can_bulk_build():
                client.delete(staging)
                return False
            client.rename(staging, self._graph_name)  # atomic swap; replaces the empty graph
        except BaseException:
            if "cmds" in locals() and hasattr(cmds, "close"):
                cmds.close()  # stops the encoding thread
            try:
                client.delete(staging)
            except Exception:  # noqa: BLE001,S110 - the original error matters; the next build retries
                pass
            raise
        self._graph = self._db.select_graph(self._graph_name)
        return True

    def _bulk_send(self, key: str, args: list[Any]) -> Any:
        """One GRAPH.BULK command (its own method so a test can kill a build between commands)."""
        try:
            return self._long_client().execute_command("GRAPH.BULK", key, *args)
        except Exception as e:  # noqa: BLE001 - redis ResponseError
            raise StoreError(f"FalkorDB refused a bulk insert: {e}") from None

    def clear(self) -> None:
        while self.write("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS c")[0]["c"]:
            pass

    def checkpoint(self) -> None:
        """Write the RDB file now (after a load), rather than waiting for Redis' save schedule."""
        self._long_client().save()

    def _long_client(self) -> Any:
        """A second connection for commands that take minutes on a big graph (SAVE, GRAPH.BULK)."""
        client = getattr(self, "_long", None)
        if client is None:
            import redis

            client = self._long = redis.Redis(unix_socket_path=self._db.client.socket_file,
                                              socket_timeout=LONG_COMMAND_S, decode_responses=True)
        return client

    def close(self) -> None:
        long, self._long = getattr(self, "_long", None), None
        if long is not None:
            long.close()
        db, self._db = getattr(self, "_db", None), None
        if db is not None:
            db.close()


def _checked_nodes(plan: Any) -> Iterator[tuple[str, Any]]:
    """The streamed plan's node tables, with label and property names checked as identifiers."""
    for label, table in plan.node_tables():
        for name in (label, *table.column_names):
            check_identifier(name)
        yield label, table


def _checked_edges(plan: Any, totals: list[int]) -> Iterator[tuple[str, Any, Any, Any]]:
    """The streamed plan's relationship sets (once its nodes are all out); fills ``totals``."""
    edge_sets, n_nodes, n_edges = plan.edge_sets()
    totals += [n_nodes, n_edges]
    for rtype, table, *_ in edge_sets:
        for name in (rtype, *table.column_names):
            check_identifier(name)
    yield from edge_sets


def _bulk_sets(plan: Any) -> tuple[list[Any], list[Any], int, int]:
    """Plan -> per-label node rows and per-type edge rows with endpoints as node insertion order."""
    node_sets, ids, offset = [], {}, 0
    for label, nodes in plan.nodes.items():
        if not nodes:
            continue
        rows = list(nodes.values())
        ids[label] = {k: offset + i for i, k in enumerate(nodes)}
        offset += len(rows)
        node_sets.append((check_identifier(label), _prop_names(rows), rows))
    edge_sets, n_edges = [], 0
    for rtype, rels in plan.rels.items():
        if not rels:
            continue
        s_label, e_label = plan.ends[rtype]
        s_ids, e_ids = ids[s_label], ids[e_label]
        src = [s_ids[k[0]] for k in rels]
        dst = [e_ids[k[1]] for k in rels]
        rows = list(rels.values())
        n_edges += len(rows)
        edge_sets.append((check_identifier(rtype), _prop_names(rows), src, dst, rows))
    return node_sets, edge_sets, offset, n_edges


def _prop_names(rows: list[dict[str, Any]]) -> list[str]:
    """Every property any row carries (a row without one sends NULL, which FalkorDB stores as absent)."""
    return [check_identifier(n) for n in sorted(set().union(*rows))]


def params_header(params: Mapping[str, Any] | None) -> str:
    """``CYPHER k=v ...`` prefix that FalkorDB parses its parameters from.

    Our own encoder rather than the client's: one pass that also turns dates into ISO strings, about
    three times faster, which matters when a load sends millions of rows. Strings are JSON-quoted
    (FalkorDB reads the same escapes); control characters FalkorDB would keep literally are dropped.
    """
    if not params:
        return ""
    return "CYPHER " + " ".join(f"{_key(k)}={_encode(v)}" for k, v in params.items()) + " "


def _key(k: Any) -> str:
    return "`" + str(k).replace("`", "``") + "`"


def _encode(v: Any) -> str:
    t = type(v)
    if t is str:
        return _json_str(_CONTROL.sub("", v) if _CONTROL.search(v) else v)
    if t is dict:
        return "{" + ",".join([f"{_key(k)}:{_encode(x)}" for k, x in v.items()]) + "}"
    if t is list or t is tuple:
        return "[" + ",".join([_encode(x) for x in v]) + "]"
    if v is None:
        return "null"
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return repr(v) if math.isfinite(v) else "null"
    if isinstance(v, dt.datetime):
        return '"' + v.isoformat(timespec="seconds") + '"'
    if isinstance(v, dt.date):
        return '"' + v.isoformat() + '"'
    if isinstance(v, Mapping):
        return _encode(dict(v))
    if isinstance(v, (set, frozenset)):
        return _encode(sorted(v))
    if isinstance(v, str):
        return _encode(str(v))
    if isinstance(v, (int, float)):
        return _encode(float(v) if isinstance(v, float) else int(v))
    if hasattr(v, "item"):  # numpy scalars
        return _encode(v.item())
    raise TypeError(f"cannot send a {t.__name__} to FalkorDB as a query parameter")


def _convert(value: Any) -> Any:
    from falkordb import Edge as FEdge
    from falkordb import Node as FNode
    from falkordb import Path as FPath

    if isinstance(value, FNode):
        return _node(value)
    if isinstance(value, FEdge):
        return _edge(value)
    if isinstance(value, FPath):
        return Path(tuple(_node(n) for n in value.nodes()), tuple(_edge(e) for e in value.edges()))
    if isinstance(value, list):
        return [_convert(v) for v in value]
    if isinstance(value, dict):
        return {k: _convert(v) for k, v in value.items()}
    return from_stored(value)


def _node(n: Any) -> Node:
    labels = n.labels if isinstance(n.labels, list) else [n.labels] if n.labels else []
    return Node(str(n.id), tuple(sorted(labels)), {k: from_stored(v) for k, v in (n.properties or {}).items()})


def _edge(e: Any) -> Relationship:
    src = e.src_node.id if hasattr(e.src_node, "id") else e.src_node
    dst = e.dest_node.id if hasattr(e.dest_node, "id") else e.dest_node
    return Relationship(str(e.id), e.relation, str(src), str(dst),
                        {k: from_stored(v) for k, v in (e.properties or {}).items()})
