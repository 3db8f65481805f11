"""Neo4j 5 engine through the official driver: managed transactions, READ access for reads.

Engine-specific parts: element ids, ``CREATE CONSTRAINT ... REQUIRE`` DDL, ``shortestPath`` and the
driver's temporal types (converted to ``datetime.date``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from graph.errors import ConnectionFailed, QueryTimeout, ReadOnlyViolation, StoreError
from graph.store import DEFAULT_TIMEOUT_S, GraphStore, IndexSpec, Row, check_identifier
from graph.types import Node, Path, Relationship
from graph.values import from_stored, to_param


class Neo4jStore(GraphStore):
    engine = "neo4j"

    def __init__(self, uri: str, user: str | None, password: str | None, database: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        import neo4j
        from neo4j import exceptions as nx

        self._neo4j = neo4j
        self._nx = nx
        self.uri = uri
        self.database = database
        self.timeout = timeout
        auth = (user, password or "") if user else None
        try:
            self._driver = neo4j.GraphDatabase.driver(uri, auth=auth)
            self._driver.verify_connectivity()
        except (ValueError, nx.ConfigurationError) as e:
            raise ConnectionFailed(f"NEO4J_URI {uri!r} is not a valid Neo4j URI: {e}") from None
        except nx.AuthError:
            raise ConnectionFailed(f"Neo4j at {uri!r} refused the credentials in NEO4J_USER/NEO4J_PASSWORD") from None
        except Exception as e:  # noqa: BLE001 - the driver raises many kinds; the user needs one line
            raise ConnectionFailed(f"cannot connect to Neo4j at {uri!r}: {type(e).__name__}: {e}") from None

    @classmethod
    def from_env(cls) -> Neo4jStore:
        return cls(os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"),
                   os.environ.get("NEO4J_PASSWORD"), os.environ.get("NEO4J_DATABASE") or None)

    # -- queries -------------------------------------------------------------------------------
    def _run(self, mode: str, query: str, params: Mapping[str, Any] | None, timeout: float | None) -> list[Row]:
        neo4j, nx = self._neo4j, self._nx
        access = neo4j.READ_ACCESS if mode == "read" else neo4j.WRITE_ACCESS

        @neo4j.unit_of_work(timeout=timeout or self.timeout)
        def work(tx: Any) -> list[Row]:
            result = tx.run(query, to_param(dict(params or {})))
            return [{k: self._convert(v) for k, v in record.items()} for record in result]

        try:
            with self._driver.session(database=self.database, default_access_mode=access) as session:
                return session.execute_read(work) if mode == "read" else session.execute_write(work)
        except nx.ClientError as e:
            code = e.code or ""
            if "ForbiddenDueToTransactionType" in code or "AccessMode" in code or "WriteOnReadOnly" in code:
                raise ReadOnlyViolation(f"write refused on the read path: {e.message}") from None
            if "TransactionTimedOut" in code or "Timeout" in code:
                raise QueryTimeout(f"query stopped after {timeout or self.timeout:.0f}s") from None
            raise StoreError(f"Neo4j rejected the query: {e.message}") from None
        except nx.ServiceUnavailable as e:
            raise ConnectionFailed(f"lost connection to Neo4j at {self.uri!r}: {e}") from None

    def read(self, query: str, params: Mapping[str, Any] | None = None, *,
             timeout: float | None = None) -> list[Row]:
        return self._run("read", query, params, timeout)

    def write(self, query: str, params: Mapping[str, Any] | None = None, *,
              timeout: float | None = None) -> list[Row]:
        return self._run("write", query, params, timeout)

    def _convert(self, value: Any) -> Any:
        g = self._neo4j.graph
        if isinstance(value, g.Node):
            return _node(value)
        if isinstance(value, g.Relationship):
            return _rel(value)
        if isinstance(value, g.Path):
            return Path(tuple(_node(n) for n in value.nodes), tuple(_rel(r) for r in value.relationships))
        if isinstance(value, list):
            return [self._convert(v) for v in value]
        if isinstance(value, dict):
            return {k: self._convert(v) for k, v in value.items()}
        return _scalar(value)

    # -- schema and paths ------------------------------------------------------------------------
    def ensure_schema(self, indexes: Sequence[IndexSpec]) -> None:
        for spec in indexes:
            label, prop = check_identifier(spec.label), check_identifier(spec.property)
            if spec.relationship:
                ddl = (f"CREATE INDEX rel_{label.lower()}_{prop} IF NOT EXISTS "
                       f"FOR ()-[r:{label}]-() ON (r.{prop})")
            elif spec.unique:
                ddl = (f"CREATE CONSTRAINT {label.lower()}_{prop}_unique IF NOT EXISTS "
                       f"FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE")
            else:
                ddl = f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
            self.write(ddl)
        self.write("CALL db.awaitIndexes(300)")

    def shortest_path(self, start: tuple[str, str, Any], end: tuple[str, str, Any],
                      rel_types: Sequence[str], max_hops: int = 6) -> Path | None:
        (sl, sk, sv), (el, ek, ev) = start, end
        types = "|".join(check_identifier(t) for t in rel_types)
        rel = f":{types}" if types else ""
        q = (f"MATCH (a:{check_identifier(sl)} {{{check_identifier(sk)}: $a}}), "
             f"(b:{check_identifier(el)} {{{check_identifier(ek)}: $b}}) "
             f"MATCH p = shortestPath((a)-[{rel}*..{int(max_hops)}]-(b)) RETURN p")
        rows = self.read(q, {"a": sv, "b": ev})
        return rows[0]["p"] if rows else None

    def clear(self) -> None:
        while self.write("MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c")[0]["c"]:
            pass

    def close(self) -> None:
        self._driver.close()


def _scalar(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    if callable(to_native):
        return to_native()
    return from_stored(value)


def _node(n: Any) -> Node:
    return Node(n.element_id, tuple(sorted(n.labels)), {k: _scalar(v) for k, v in n.items()})


def _rel(r: Any) -> Relationship:
    return Relationship(r.element_id, r.type, r.start_node.element_id, r.end_node.element_id,
                        {k: _scalar(v) for k, v in r.items()})
