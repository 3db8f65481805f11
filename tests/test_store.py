"""The graph store contract, run against the real embedded FalkorDB and, when NEO4J_URI is set, Neo4j."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.errors import ConnectionFailed, ReadOnlyViolation, StoreError
from graph.store import GraphStore, IndexSpec
from graph.types import Node, Relationship
from graph.types import Path as GPath

ENGINES = ["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)]


def _open(engine: str, tmp_path: Path) -> GraphStore:
    if engine == "falkordb":
        from graph.falkor import FalkorStore

        return FalkorStore(tmp_path / "data")
    if not os.environ.get("NEO4J_URI"):
        pytest.skip("NEO4J_URI is not set: Neo4j store tests need a real Neo4j 5 server")
    from graph.neo4j_store import Neo4jStore

    return Neo4jStore.from_env()


@pytest.fixture(scope="module", params=ENGINES)
def engine_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    """One real server per engine for the module (starting FalkorDB costs seconds); cleared per test."""
    s = _open(request.param, tmp_path_factory.mktemp(request.param))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def store(engine_store: GraphStore) -> GraphStore:
    engine_store.clear()
    return engine_store


def test_write_then_read_back(store: GraphStore) -> None:
    store.write("CREATE (:Resident {resident_id: $id, name: $name, age: 41})", {"id": "R1", "name": "Ann O'Neil"})
    rows = store.read("MATCH (r:Resident {resident_id: $id}) RETURN r.name AS name, r.age AS age", {"id": "R1"})
    assert rows == [{"name": "Ann O'Neil", "age": 41}]


def test_batches_write_every_row_once(store: GraphStore) -> None:
    rows = ({"id": f"R{i}", "n": i} for i in range(2500))
    seen: list[int] = []
    sent = store.write_batches("UNWIND $rows AS row MERGE (r:Resident {resident_id: row.id}) SET r.n = row.n",
                               rows, batch_size=1000, progress=seen.append)
    assert sent == 2500 and seen == [1000, 2000, 2500]
    # MERGE on the same keys again must not duplicate
    store.write_batches("UNWIND $rows AS row MERGE (r:Resident {resident_id: row.id}) SET r.n = row.n",
                        ({"id": f"R{i}", "n": i} for i in range(2500)), batch_size=700)
    assert store.read("MATCH (r:Resident) RETURN count(r) AS c, sum(r.n) AS s") == [
        {"c": 2500, "s": sum(range(2500))}]


def test_read_path_refuses_writes(store: GraphStore) -> None:
    with pytest.raises(ReadOnlyViolation):
        store.read("CREATE (:Resident {resident_id: 'X'})")
    assert store.read("MATCH (r:Resident) RETURN count(r) AS c") == [{"c": 0}]


def test_value_conversion(store: GraphStore) -> None:
    store.write(
        "CREATE (a:Resident {resident_id: 'A', dob: $dob, tags: $tags})-[:PARENT_OF {since: $since}]->"
        "(b:Resident {resident_id: 'B'})",
        {"dob": dt.date(1980, 2, 29), "tags": ["x", "y"], "since": dt.date(2010, 1, 5)},
    )
    rows = store.read(
        "MATCH p = (a:Resident {resident_id: 'A'})-[r:PARENT_OF]->(b) "
        "RETURN a, r, p, a.dob AS dob, a.tags AS tags, {who: b.resident_id, when: r.since} AS m"
    )
    (row,) = rows
    assert row["dob"] == dt.date(1980, 2, 29)
    assert row["tags"] == ["x", "y"]
    assert row["m"] == {"who": "B", "when": dt.date(2010, 1, 5)}
    a, r, p = row["a"], row["r"], row["p"]
    assert isinstance(a, Node) and a.labels == ("Resident",) and a.get("dob") == dt.date(1980, 2, 29)
    assert isinstance(r, Relationship) and r.type == "PARENT_OF" and r.start == a.id
    assert isinstance(p, GPath) and len(p) == 1 and [n.get("resident_id") for n in p.nodes] == ["A", "B"]


def test_dates_compare_and_sort_as_dates(store: GraphStore) -> None:
    store.write_batches("UNWIND $rows AS row CREATE (:Contact {d: row.d})",
                        [{"d": dt.date(2020, 5, 1)}, {"d": dt.date(2019, 12, 31)}, {"d": dt.date(2021, 1, 1)}])
    rows = store.read("MATCH (c:Contact) WHERE c.d >= $since RETURN c.d AS d ORDER BY d",
                      {"since": dt.date(2020, 1, 1)})
    assert [r["d"] for r in rows] == [dt.date(2020, 5, 1), dt.date(2021, 1, 1)]


def test_schema_makes_keys_unique(store: GraphStore) -> None:
    store.ensure_schema([IndexSpec("Unique", "key", unique=True), IndexSpec("Address", "postcode")])
    store.ensure_schema([IndexSpec("Unique", "key", unique=True)])  # twice is fine
    store.write("CREATE (:Unique {key: 'U1'})")
    with pytest.raises(StoreError):
        store.write("CREATE (:Unique {key: 'U1'})")
    assert store.read("MATCH (r:Unique) RETURN count(r) AS c") == [{"c": 1}]


def test_schema_indexes_a_relationship_property(store: GraphStore) -> None:
    """A relationship index is made on both engines (twice is fine) and answers like a scan."""
    store.ensure_schema([IndexSpec("CLAIMS", "claim_type", relationship=True)])
    store.ensure_schema([IndexSpec("CLAIMS", "claim_type", relationship=True)])
    store.write("CREATE (r:Resident {resident_id: 'R'}), (a:Address {uprn: 'U'}), "
                "(r)-[:CLAIMS {claim_type: 'tenancy'}]->(a), (r)-[:CLAIMS {claim_type: 'spd'}]->(a)")
    rows = store.read("MATCH ()-[c:CLAIMS]->() WHERE c.claim_type = $t RETURN startNode(c).resident_id AS r",
                      {"t": "tenancy"})
    assert rows == [{"r": "R"}]


def test_shortest_path_ignores_direction(store: GraphStore) -> None:
    store.write("CREATE (a:Resident {resident_id:'A'})-[:LIVES_AT]->(:Address {uprn:'U'})"
                "<-[:LIVES_AT]-(b:Resident {resident_id:'B'}), (b)-[:PARENT_OF]->(:Resident {resident_id:'C'})")
    p = store.shortest_path(("Resident", "resident_id", "A"), ("Resident", "resident_id", "C"),
                            ["LIVES_AT", "PARENT_OF"], max_hops=4)
    assert p is not None and len(p) == 3
    assert [n.get("resident_id") or n.get("uprn") for n in p.nodes] == ["A", "U", "B", "C"]
    assert store.shortest_path(("Resident", "resident_id", "A"), ("Resident", "resident_id", "C"),
                               ["PARENT_OF"], max_hops=4) is None


def test_reopen_after_close_keeps_data(tmp_path: Path) -> None:
    from graph.falkor import FalkorStore

    s = FalkorStore(tmp_path / "data")
    s.write("CREATE (:Resident {resident_id: 'KEEP', dob: $d})", {"d": dt.date(2001, 7, 4)})
    s.close()
    s2 = FalkorStore(tmp_path / "data")
    try:
        assert s2.read("MATCH (r:Resident) RETURN r.resident_id AS id, r.dob AS dob") == [
            {"id": "KEEP", "dob": dt.date(2001, 7, 4)}]
    finally:
        s2.close()


def test_bad_neo4j_uri_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.neo4j_store import Neo4jStore

    with pytest.raises(ConnectionFailed, match="not-a-scheme://x"):
        Neo4jStore("not-a-scheme://x", "neo4j", "pw")
    with pytest.raises(ConnectionFailed, match="127.0.0.1:1"):
        Neo4jStore("bolt://127.0.0.1:1", "neo4j", "pw")
