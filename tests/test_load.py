"""Loading a real linked borough into the real embedded FalkorDB: idempotent, updates, crash-safe."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from graph.falkor import FalkorStore
from graph.load import LoadError, load_index
from graph.store import GraphStore


@pytest.fixture(scope="module")
def index_dir(linked_borough: Path) -> Path:
    return linked_borough  # tests/conftest.py: generated and linked once per session


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FalkorStore]:
    s = FalkorStore(tmp_path_factory.mktemp("graph"))
    yield s
    s.close()


@pytest.fixture
def store(server: FalkorStore) -> FalkorStore:
    server.clear()
    return server


def snapshot(store: GraphStore) -> dict[str, object]:
    """Counts by label and type plus a digest of keys: two equal snapshots mean the same graph."""
    nodes = {r["l"]: r["c"] for r in store.read("MATCH (n) RETURN labels(n)[0] AS l, count(*) AS c")}
    rels = {r["t"]: r["c"] for r in store.read("MATCH ()-[e]->() RETURN type(e) AS t, count(*) AS c")}
    resolves = store.read("MATCH (s:SourceRecord)-[:RESOLVES_TO]->(r:Resident) "
                          "RETURN s.record_key AS k, r.resident_id AS r ORDER BY k")
    return {"nodes": nodes, "rels": rels, "resolves": [(x["k"], x["r"]) for x in resolves]}


def test_load_writes_the_model(store: GraphStore, index_dir: Path, tmp_path: Path) -> None:
    report = load_index(store, index_dir, key_dir=tmp_path)
    residents = pq.read_table(index_dir / "residents.parquet").num_rows
    records = pq.read_table(index_dir / "records.parquet").num_rows
    snap = snapshot(store)
    assert snap["nodes"]["Resident"] == residents == report.rows["residents"]
    assert snap["nodes"]["SourceRecord"] == records
    assert snap["rels"]["RESOLVES_TO"] == records  # every record resolves to exactly one resident
    (one,) = store.read("MATCH (r:Resident) WHERE r.pseudonym IS NOT NULL RETURN count(r) AS c")
    assert one["c"] == residents
    # every household member lives at the household's dwelling
    bad = store.read("MATCH (r:Resident)-[:MEMBER_OF]->(h:Household) WHERE r.uprn <> h.uprn RETURN count(*) AS c")
    assert bad == [{"c": 0}]
    # registered_now is the count of residents registered there now in any source (the bound detectors use)
    counted = store.read("MATCH (a:Address) OPTIONAL MATCH (m:Resident)-[l:LIVES_AT]->(a) WHERE l.current "
                         "WITH a, count(DISTINCT m) AS n RETURN a.registered_now AS bound, n")
    assert counted and all(r["bound"] == r["n"] for r in counted), [r for r in counted if r["bound"] != r["n"]][:5]
    assert any(r["n"] > 1 for r in counted)


def test_loading_twice_gives_the_same_graph(store: GraphStore, index_dir: Path, tmp_path: Path) -> None:
    load_index(store, index_dir, key_dir=tmp_path)
    first = snapshot(store)
    second_report = load_index(store, index_dir, key_dir=tmp_path)
    assert snapshot(store) == first
    assert second_report.retired == {}


def test_reload_after_a_new_link_run_moves_and_retires(store: GraphStore, index_dir: Path, tmp_path: Path) -> None:
    load_index(store, index_dir, key_dir=tmp_path)
    changed = tmp_path / "changed"
    shutil.copytree(index_dir, changed)
    records = pq.read_table(changed / "records.parquet").to_pylist()
    residents = pq.read_table(changed / "residents.parquet").to_pylist()
    # a later run merged resident B into A: B's records now resolve to A and B is gone
    a, b = residents[0]["resident_id"], residents[1]["resident_id"]
    moved = [r["record_id"] for r in records if r["resident_id"] == b]
    for r in records:
        if r["resident_id"] == b:
            r["resident_id"] = a
    pq.write_table(pa.Table.from_pylist(records, schema=pq.read_schema(index_dir / "records.parquet")),
                   changed / "records.parquet")
    pq.write_table(pa.Table.from_pylist(residents[:1] + residents[2:], schema=pq.read_schema(
        index_dir / "residents.parquet")), changed / "residents.parquet")

    report = load_index(store, changed, key_dir=tmp_path)
    assert report.retired.get("Resident") == 1
    assert store.read("MATCH (r:Resident {resident_id: $b}) RETURN r", {"b": b}) == []
    got = store.read("MATCH (s:SourceRecord)-[:RESOLVES_TO]->(r:Resident) WHERE s.record_id IN $ids "
                     "RETURN DISTINCT r.resident_id AS r", {"ids": moved})
    assert got == [{"r": a}]
    (n,) = store.read("MATCH (s:SourceRecord) WHERE s.record_id IN $ids RETURN count(s) AS c", {"ids": moved})
    assert n["c"] == len(moved)  # moved, not duplicated


class _Crash(RuntimeError):
    pass


class CrashingStore(FalkorStore):
    """The real store, killed after a number of write batches (a crash mid-load, not a fake database)."""

    def __init__(self, real: FalkorStore, after: int) -> None:  # noqa: D107 - shares the real connection
        self.__dict__.update(real.__dict__)
        self.after = after

    def write(self, query, params=None, *, timeout=None):  # type: ignore[override]
        if "UNWIND $rows" in query:
            self.after -= 1
            if self.after < 0:
                raise _Crash("killed")
        return super().write(query, params, timeout=timeout)

    def close(self) -> None:  # the real store owns the server
        pass


def test_killed_load_rerun_completes_without_duplicates(store: FalkorStore, index_dir: Path, tmp_path: Path) -> None:
    load_index(store, index_dir, key_dir=tmp_path)
    clean = snapshot(store)
    store.clear()
    with pytest.raises(_Crash):
        # the MERGE path's crash safety (the bulk path's: tests/test_bulk_load.py)
        load_index(CrashingStore(store, after=2), index_dir, key_dir=tmp_path, batch_size=500, bulk=False)
    partial = snapshot(store)
    assert partial != clean
    load_index(store, index_dir, key_dir=tmp_path)
    assert snapshot(store) == clean


def test_missing_table_or_column_is_named(store: GraphStore, tmp_path: Path, index_dir: Path) -> None:
    with pytest.raises(LoadError, match="residents.parquet"):
        load_index(store, tmp_path, key_dir=tmp_path)
    broken = tmp_path / "broken"
    shutil.copytree(index_dir, broken)
    t = pq.read_table(broken / "records.parquet").drop(["resident_id"])
    pq.write_table(t, broken / "records.parquet")
    with pytest.raises(LoadError, match=r"records.parquet: missing column\(s\) resident_id"):
        load_index(store, broken, key_dir=tmp_path)
