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
from graph.load import BulkGraph, Loader, load_index
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


def test_bulk_built_indexes_answer_like_a_scan(store: FalkorStore, index_dir: Path, key_dir: Path) -> None:
    """The bulk build indexes nodes as they are made (the indexes exist before the first node): every
    index must find exactly the nodes a full scan finds, the last nodes made included."""
    from collections import Counter

    from graph.falkor import params_header

    load_index(store, index_dir, key_dir=key_dir, bulk=True)
    for spec in load_model().schema():
        label, prop = spec.label, spec.property
        if spec.relationship:
            scanned = [r["v"] for r in store.read(f"MATCH ()-[n:{label}]->() RETURN n.{prop} AS v ORDER BY id(n)")]
            query = f"MATCH ()-[n:{label}]->() WHERE n.{prop} = $v RETURN count(n) AS c"
        else:
            scanned = [r["v"] for r in store.read(f"MATCH (n:{label}) RETURN n.{prop} AS v ORDER BY id(n)")]
            query = f"MATCH (n:{label} {{{prop}: $v}}) RETURN count(n) AS c"
        counts = Counter(v for v in scanned if v is not None)
        assert counts, f"{label}.{prop}: no values to look up"
        present = [v for v in scanned if v is not None]
        sample = {present[i] for i in range(0, len(present), max(1, len(present) // 15))} | set(present[-3:])
        plan = str(store._graph.explain(params_header({"v": present[0]}) + query))
        assert "Index Scan" in plan, f"{label}.{prop} not indexed: {plan}"
        for v in sample:
            assert store.read(query, {"v": v})[0]["c"] == counts[v], f"{label}.{prop} = {v!r}"


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


# -- the columnar preparation against the per-row one ---------------------------------------------------
def _plan_dicts(g: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Either plan as {label: {key: props}} and {type: sorted [(start, end, props)]} (null = absent)."""
    def clean(p: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in p.items() if v is not None and k != "load_id"}

    if isinstance(g, BulkGraph):
        nodes = {lb: {k: clean(p) for k, p in d.items()} for lb, d in g.nodes.items() if d}
        rels = {t: sorted((k[0], k[1], sorted(clean(p).items())) for k, p in d.items()) for t, d in g.rels.items() if d}
        return nodes, rels
    nodes = {lb: {r[g.key[lb]]: clean(r) for r in t.to_pylist()} for lb, t in g.nodes.items() if t.num_rows}
    rels = {}
    for rtype, t in g.rels.items():
        if t.num_rows:
            rels[rtype] = sorted((r.pop("_s"), r.pop("_e"), sorted(clean(r).items()))
                                 for r in t.drop_columns(["_si", "_ei"]).to_pylist())
    return nodes, rels


def _plans(store: FalkorStore, index: Path, key_dir: Path) -> tuple[Any, Any, Loader, Loader]:
    a, b = Loader(store, index, key_dir=key_dir), Loader(store, index, key_dir=key_dir)
    rows, rows_counts = a._plan_rows(*a._open())
    cols, col_counts = b._plan_columnar(*b._open())
    assert rows_counts == col_counts
    assert a.report.skipped == b.report.skipped
    return rows, cols, a, b


def test_columnar_plan_equals_row_plan(store: FalkorStore, index_dir: Path, key_dir: Path) -> None:
    rows, cols, _, _ = _plans(store, index_dir, key_dir)
    assert _plan_dicts(cols) == _plan_dicts(rows)
    assert cols.size == rows.size


@pytest.fixture(scope="module")
def awkward_index(tmp_path_factory: pytest.TempPathFactory, index_dir: Path) -> Path:
    """A copy of the linked borough with what the columnar path must treat exactly as the row path does:
    repeated keys (merged), blank and odd dates, blank uprns, text flags, control characters, nulls."""
    return _awkward(index_dir, tmp_path_factory.mktemp("awkward") / "index", repeats=True)


@pytest.fixture(scope="module")
def awkward_unique_index(tmp_path_factory: pytest.TempPathFactory, index_dir: Path) -> Path:
    """The same without repeated keys: MERGE keeps the first of two rows with one key in one UNWIND
    batch (FalkorDB) but the last across batches, so only unique keys have one MERGE answer. The linker
    writes none (no repeated key in any table of the 300k bench borough)."""
    return _awkward(index_dir, tmp_path_factory.mktemp("awkward-unique") / "index", repeats=False)


def _awkward(index_dir: Path, out: Path, repeats: bool) -> Path:
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    shutil.copytree(index_dir, out)

    def edit(name: str, fn: Any) -> None:
        t = pq.read_table(out / name)
        pq.write_table(fn(t), out / name)

    def dup_changed(t: pa.Table, col: str, values: list[Any]) -> pa.Table:
        if not repeats:
            return t
        head = t.slice(0, len(values))
        i = head.column_names.index(col)
        field = head.schema.field(col)
        return pa.concat_tables([t, head.set_column(i, field, pa.array(values, field.type))])

    def claims(t: pa.Table) -> pa.Table:
        t = dup_changed(t, "attr_address_source", ["later"] * 5)  # a repeated claim: later values win
        i = t.column_names.index("to_date")
        dates, uprns = t.column("to_date").to_pylist(), t.column("uprn").to_pylist()
        odd = ["", "2024-02-30", "20240105", "2024-01-05T09:30:00", "garbage", None, "2024-1-5"]
        for j, d in zip([j for j, u in enumerate(uprns) if u][:len(odd)], odd, strict=True):
            dates[j] = d  # on claims that are loaded (they have a dwelling)
        t = t.set_column(i, "to_date", pa.array(dates, pa.string()))
        i = t.column_names.index("uprn")
        return t.set_column(i, "uprn", pa.array(uprns[:-1] + [""], pa.string()))

    def lives(t: pa.Table) -> pa.Table:
        t = dup_changed(t, "to_date", [None, "2020-01-01", None])  # repeats: the last row wins outright
        i = t.column_names.index("from_date")
        d = t.column("from_date").to_pylist()
        d[:5] = ["", " 2020-01-01", "2020-13-01", "2021-02-29", "20200102"]
        return t.set_column(i, "from_date", pa.array(d, pa.string()))

    def addresses(t: pa.Table) -> pa.Table:
        t = dup_changed(t, "address_text", ["RENAMED\x01 1", "RENAMED 2"])
        i = t.column_names.index("council_owned")
        return t.set_column(i, "council_owned", pa.array(
            [["Y", "no", None, "TRUE", "1"][j % 5] for j in range(t.num_rows)], pa.string()))

    def contacts(t: pa.Table) -> pa.Table:
        t = dup_changed(t, "role", [None, "witness"])  # a null does not erase the earlier value
        i = t.column_names.index("resident_id")
        return t.set_column(i, "resident_id", pa.array(["R-NOBODY"] + t.column("resident_id").to_pylist()[1:]))

    def family(t: pa.Table) -> pa.Table:
        t = dup_changed(t, "evidence", ["restated"])
        i = t.column_names.index("to_resident_id")
        to = t.column("to_resident_id").to_pylist()
        to[1] = t.column("from_resident_id")[1].as_py()  # a self-loop is skipped
        return t.set_column(i, "to_resident_id", pa.array(to, pa.string()))

    def residents(t: pa.Table) -> pa.Table:
        for col, vals in (("first_name", ["", None, "Zoë-Anne"]), ("last_name", ["Smith-Jones", "", None]),
                          ("uprn", ["", None, t.column("uprn")[3].as_py()])):
            i = t.column_names.index(col)
            v = t.column(col).to_pylist()
            v[:3] = vals
            t = t.set_column(i, col, pa.array(v, pa.string()))
        return t

    for name, fn in (("claims.parquet", claims), ("lives_at.parquet", lives), ("addresses.parquet", addresses),
                     ("contacts.parquet", contacts), ("relationships.parquet", family),
                     ("residents.parquet", residents)):
        edit(name, fn)
    return out


def test_columnar_plan_equals_row_plan_on_awkward_data(store: FalkorStore, awkward_index: Path,
                                                       key_dir: Path) -> None:
    rows, cols, a, _ = _plans(store, awkward_index, key_dir)
    assert a.report.skipped["claims"] >= 1 and a.report.skipped["relationships"] >= 1  # the edits bite
    assert _plan_dicts(cols) == _plan_dicts(rows)


def test_columnar_bulk_equals_merge_on_awkward_data(store: FalkorStore, tmp_path: Path,
                                                    awkward_unique_index: Path, key_dir: Path) -> None:
    ref = FalkorStore(tmp_path / "merge")
    try:
        load_index(ref, awkward_unique_index, key_dir=key_dir, bulk=False)
        report = load_index(store, awkward_unique_index, key_dir=key_dir, bulk=True)
        assert "bulk build" in report.seconds
        assert _props(store) == _props(ref)
    finally:
        ref.close()


def test_arrow_encoder_gives_the_python_encoders_bytes() -> None:
    import datetime as dt

    import pyarrow as pa

    from graph import falkor_bulk as fb

    columns = [["a", None, "b\x01c", "é", ""], [1, None, -5, 2**62], [1.5, float("nan"), None, float("inf"), 2.0],
               [True, None, False], [dt.date(2020, 1, 2), None], [["x", "y"], [], None, ["z", None]], [3, 4], [0.5]]
    for values in columns:
        assert fb.encode_arrow(pa.array(values)).to_pylist() == fb.encode_column(values), values
    t = pa.table({"a": ["x", None], "b": [1, None], "c": [[], ["q"]]})
    assert fb.table_blob("L", t) == fb.node_blob("L", ["a", "b", "c"], t.to_pylist())
    assert fb.table_blob("T", t, ([0, 7], [1, 0])) == fb.edge_blob("T", ["a", "b", "c"], [0, 7], [1, 0], t.to_pylist())


def test_column_helpers_agree_with_the_scalar_ones(key_dir: Path) -> None:
    from graph.pseudonym import load_key, pseudonym, pseudonyms
    from graph.search_keys import alt_surname_key, alt_surname_keys, fold, phonetic, phonetic_many

    names = ["Smith", "Smyth", None, "", "Smith-Jones", "O'Brien Kelly", "Zoë", "Smith", "H", "van der Berg"]
    assert phonetic_many(names) == [phonetic(n) for n in names]
    expected = [phonetic(fold(n).split()[-1]) if len(fold(n).split()) > 1 else None for n in names]
    assert alt_surname_keys(names) == [alt_surname_key(n) for n in names] == expected
    key = load_key(key_dir)
    ids = ["R-1", "R-2", "R-1", "é"]
    assert pseudonyms(key, ids) == [pseudonym(key, i) for i in ids]


def test_bulk_rows_path_still_equals_merge(store: FalkorStore, merged: FalkorStore, index_dir: Path,
                                           key_dir: Path) -> None:
    report = load_index(store, index_dir, key_dir=key_dir, bulk="rows")
    assert "bulk build" in report.seconds
    assert _props(store) == _props(merged)


def test_table_commands_pack_nodes_before_edges_within_the_size_limit() -> None:
    """Small chunks and a small command limit: many commands, none over the limit unless one blob is,
    every node command before the first relationship command, and every entity sent exactly once."""
    import numpy as np
    import pyarrow as pa

    from graph import falkor_bulk as fb

    people = pa.table({"name": [f"p{i}" for i in range(50)], "age": list(range(50))})
    places = pa.table({"uprn": [f"u{i}" for i in range(20)]})
    lives = pa.table({"since": [f"2020-01-{i % 28 + 1:02d}" for i in range(40)]})
    src, dst = np.arange(40, dtype=np.uint64) % 50, 50 + np.arange(40, dtype=np.uint64) % 20
    cmds = list(fb.table_commands([("Person", people), ("Place", places)], [("LIVES_AT", lives, src, dst)],
                                  max_bytes=300, chunk=7))
    assert len(cmds) > 4
    kinds = ["nodes" if c.nodes else "edges" for c in cmds]
    assert kinds == sorted(kinds, key=lambda k: k != "nodes")  # all node commands first
    assert all(not (c.nodes and c.edges) for c in cmds)
    assert sum(c.nodes for c in cmds) == 70 and sum(c.edges for c in cmds) == 40
    assert all(c.size <= 300 or len(c.labels) + len(c.types) == 1 for c in cmds)
