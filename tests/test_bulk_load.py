"""The bulk first-load path (GRAPH.BULK into a staging key, then swapped in) against the MERGE path.

Real embedded FalkorDB throughout: the same small linked borough is loaded both ways and the two graphs
are compared through read queries, then re-loaded, checked for schema, and killed mid-build.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.falkor import FalkorStore
from graph.load import load_index
from graph.model import load_model
from graph.store import GraphStore

MERGE_ROWS: dict[str, int] = {}  # per-table rows of the reference MERGE load


@pytest.fixture(scope="module")
def index_dir(linked_borough: Path) -> Path:
    return linked_borough  # tests/conftest.py: generated and linked once per session


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("key")  # one pseudonym key for both paths


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory, index_dir: Path, key_dir: Path) -> Iterator[FalkorStore]:
    """The reference graph: loaded by the MERGE path."""
    s = FalkorStore(tmp_path_factory.mktemp("merge"))
    report = load_index(s, index_dir, key_dir=key_dir, bulk=False)
    assert "bulk build" not in report.seconds
    MERGE_ROWS.update(report.rows)
    yield s
    s.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FalkorStore]:
    s = FalkorStore(tmp_path / "data")
    yield s
    s.close()


def _keys(store: GraphStore) -> dict[str, Any]:
    model = load_model()
    out: dict[str, Any] = {}
    for label, kind in model.nodes.items():
        rows = store.read(f"MATCH (n:{label}) RETURN n.{kind.key} AS k")
        out[label] = sorted(r["k"] for r in rows)
    for rtype, kind in model.relationships.items():
        a, b = model.node(kind.start).key, model.node(kind.end).key
        extra = ", ".join(f"e.{k}" for k in kind.key) or "null"
        rows = store.read(f"MATCH (x)-[e:{rtype}]->(y) RETURN x.{a} AS a, y.{b} AS b, [{extra}] AS k")
        out[rtype] = sorted((r["a"], r["b"], tuple(r["k"])) for r in rows)
    return out


def _props(store: GraphStore, load_id: bool = False) -> dict[str, Any]:
    """Every node's and relationship's properties by key (load_id dropped: it differs per load)."""
    def clean(p: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in p.items() if load_id or k != "load_id"}

    model = load_model()
    out: dict[str, Any] = {}
    for label, kind in model.nodes.items():
        rows = store.read(f"MATCH (n:{label}) RETURN n.{kind.key} AS k, properties(n) AS p")
        out[label] = {r["k"]: clean(r["p"]) for r in rows}
    for rtype, kind in model.relationships.items():
        a, b = model.node(kind.start).key, model.node(kind.end).key
        rows = store.read(f"MATCH (x)-[e:{rtype}]->(y) RETURN x.{a} AS a, y.{b} AS b, properties(e) AS p")
        out[rtype] = sorted((r["a"], r["b"], sorted(clean(r["p"]).items(), key=lambda kv: kv[0])) for r in rows)
    return out


def _counts(store: GraphStore) -> tuple[dict[str, int], dict[str, int]]:
    nodes = {r["l"]: r["c"] for r in store.read("MATCH (n) RETURN labels(n)[0] AS l, count(*) AS c")}
    rels = {r["t"]: r["c"] for r in store.read("MATCH ()-[e]->() RETURN type(e) AS t, count(*) AS c")}
    return nodes, rels


def test_bulk_graph_equals_merge_graph(store: FalkorStore, merged: FalkorStore, index_dir: Path,
                                       key_dir: Path) -> None:
    report = load_index(store, index_dir, key_dir=key_dir, bulk=True)
    assert "bulk build" in report.seconds  # an empty FalkorDB graph takes the bulk path
    assert _counts(store) == _counts(merged)
    assert _keys(store) == _keys(merged)
    bulk, ref = _props(store), _props(merged)
    assert bulk == ref
    # the sample really exercises typed values: dates, booleans, lists, floats and ints
    residents = list(ref["Resident"].values())
    assert any(isinstance(p.get("dob"), type(residents[0]["dob"])) for p in residents)
    assert {type(p["opt_out"]) for p in residents} == {bool}
    assert all(isinstance(p["sources"], list) for p in residents)
    lives = [dict(p) for _, _, p in ref["LIVES_AT"]]
    assert {type(p["current"]) for p in lives} == {bool} and any("from_date" in p for p in lives)
    assert any(isinstance(dict(p).get("match_probability"), float) for _, _, p in ref["RESOLVES_TO"])
    # every node and relationship carries this load's stamp
    (n,) = store.read("MATCH (n) WHERE n.load_id <> $l OR n.load_id IS NULL RETURN count(n) AS c",
                      {"l": report.load_id})
    (e,) = store.read("MATCH ()-[e]->() WHERE e.load_id <> $l OR e.load_id IS NULL RETURN count(e) AS c",
                      {"l": report.load_id})
    assert n["c"] == 0 and e["c"] == 0
    assert report.rows == MERGE_ROWS  # the same rows read per table as the MERGE path


def test_reload_after_bulk_is_idempotent(store: FalkorStore, index_dir: Path, key_dir: Path) -> None:
    load_index(store, index_dir, key_dir=key_dir, bulk=True)
    before_counts, before = _counts(store), _props(store)
    again = load_index(store, index_dir, key_dir=key_dir, bulk=True)
    assert "bulk build" not in again.seconds  # the graph is no longer empty: the MERGE path runs
    assert again.retired == {}
    assert _counts(store) == before_counts
    assert _props(store) == before
    (stale,) = store.read("MATCH (n) WHERE n.load_id <> $l RETURN count(n) AS c", {"l": again.load_id})
    assert stale["c"] == 0  # every node was re-asserted by the MERGE re-load


def test_bulk_load_creates_the_schema(store: FalkorStore, index_dir: Path, key_dir: Path) -> None:
    load_index(store, index_dir, key_dir=key_dir, bulk=True)
    constraints = {(c["label"], tuple(c["properties"]), c["status"]) for c in store._graph.list_constraints()}
    indexes = {(r["label"], p) for r in store.read("CALL db.indexes() YIELD label, properties "
                                                   "RETURN label, properties") for p in r["properties"]}
    for spec in load_model().schema():
        assert (spec.label, spec.property) in indexes
        if spec.unique:
            assert (spec.label, (spec.property,), "OPERATIONAL") in constraints
    # and the constraint is enforced on the swapped-in graph
    rid = store.read("MATCH (r:Resident) RETURN r.resident_id AS r LIMIT 1")[0]["r"]
    with pytest.raises(Exception, match="(?i)constraint|unique"):
        store.write("CREATE (:Resident {resident_id: $r})", {"r": rid})


class _Killed(RuntimeError):
    pass


class KilledBulkStore(FalkorStore):
    """The real store, killed inside the bulk build after its first GRAPH.BULK command went through."""

    def __init__(self, real: FalkorStore) -> None:  # noqa: D107 - shares the real connection
        self.__dict__.update(real.__dict__)
        self.sent = 0

    def _bulk_send(self, key: str, args: list[Any]) -> Any:
        if self.sent >= 1:
            raise _Killed("killed after the first bulk command")
        self.sent += 1
        return super()._bulk_send(key, args)

    def close(self) -> None:  # the real store owns the server
        pass


def test_killed_bulk_load_leaves_the_graph_empty_and_rerun_completes(
        store: FalkorStore, merged: FalkorStore, index_dir: Path, key_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import graph.falkor_bulk as fb

    monkeypatch.setattr(fb, "CHUNK", 500)  # many small commands, so there is a second one to kill
    killed = KilledBulkStore(store)
    with pytest.raises(_Killed):
        load_index(killed, index_dir, key_dir=key_dir, bulk=True)
    assert killed.sent == 1
    assert store.read("MATCH (n) RETURN count(n) AS c") == [{"c": 0}]
    assert store._db.client.execute_command("GRAPH.LIST") == [store._graph_name]  # no staging key left
    monkeypatch.undo()
    report = load_index(store, index_dir, key_dir=key_dir, bulk=True)
    assert "bulk build" in report.seconds
    assert _counts(store) == _counts(merged)
    assert _props(store) == _props(merged)


def test_a_stale_staging_key_is_replaced(store: FalkorStore, merged: FalkorStore, index_dir: Path,
                                         key_dir: Path) -> None:
    """A process killed outright (no cleanup) leaves a staging key; the next build starts afresh."""
    store._db.client.execute_command("GRAPH.QUERY", f"{store._graph_name}__bulk_staging", "CREATE (:Junk)")
    load_index(store, index_dir, key_dir=key_dir, bulk=True)
    assert store.read("MATCH (n:Junk) RETURN count(n) AS c") == [{"c": 0}]
    assert _counts(store) == _counts(merged)


def test_bulk_built_graph_survives_a_restart(tmp_path: Path, merged: FalkorStore, index_dir: Path,
                                             key_dir: Path) -> None:
    """The renamed graph is saved under its real name: a restarted store reads and writes it."""
    first = FalkorStore(tmp_path / "data")
    try:
        load_index(first, index_dir, key_dir=key_dir, bulk=True)
    finally:
        first.close()
    again = FalkorStore(tmp_path / "data")
    try:
        assert _counts(again) == _counts(merged)
        assert again._db.client.execute_command("GRAPH.LIST") == [again._graph_name]
        report = load_index(again, index_dir, key_dir=key_dir, bulk=True)
        assert "bulk build" not in report.seconds and report.retired == {}
    finally:
        again.close()
