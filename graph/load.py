"""Load a resident index folder (written by ``residex link``) into the graph store.

Idempotent by construction: every node and relationship is written with ``MERGE`` on its model key
(relationships on their endpoints plus, where the model says so, their source record) and stamped with
this load's ``load_id``. Only after every table has been written are the facts the new index no longer
asserts swept away (residents merged away, records relinked, people who moved), so a load that is
killed part way leaves the previous graph plus some refreshed facts, and a re-run completes it without
duplicates.

A first load into an empty graph can skip MERGE: the same rows are deduplicated in Python into a
``BulkGraph`` (what MERGE would have merged, with the same ``load_id`` stamps) and handed to the store's
optional ``bulk_build`` (FalkorDB: ``GRAPH.BULK`` into a staging graph that is swapped in, see
graph/falkor_bulk.py). A store without it, or a graph that already has nodes, takes the MERGE path.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from graph.bulk_stream import StreamedPlan
from graph.model import GraphModel, load_model
from graph.pseudonym import household_ids, load_key, pseudonym, pseudonyms
from graph.search_keys import alt_surname_keys, fold, phonetic, phonetic_many
from graph.store import GraphStore, data_dir
from graph.tenure import superseded_by

Progress = Callable[[str], None]
BATCH = 5000
ADULT_AGE = 18


class LoadError(ValueError):
    """The index folder is missing a table or a column the loader needs; the message names both."""


@dataclass
class LoadReport:
    load_id: str
    rows: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    retired: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def as_dict(self) -> dict[str, Any]:
        total = sum(self.seconds.values())
        return {"load_id": self.load_id, "rows": self.rows, "skipped": self.skipped, "retired": self.retired,
                "seconds": self.seconds, "total_rows": self.total_rows,
                "rows_per_second": round(self.total_rows / total) if total else None}


# -- Cypher: labels and types below are checked against graph/model.yaml by _check_model ------------------
Q_ADDRESS = """
UNWIND $rows AS row
MERGE (a:Address {uprn: row.uprn})
SET a += row.props, a.load_id = $load_id
WITH a, row WHERE row.ward IS NOT NULL
MERGE (w:Ward {name: row.ward})
SET w.load_id = $load_id
MERGE (a)-[iw:IN_WARD]->(w)
SET iw.load_id = $load_id
"""

Q_RESIDENT = """
UNWIND $rows AS row
MERGE (r:Resident {resident_id: row.resident_id})
SET r += row.props, r.load_id = $load_id
"""

Q_RECORD = """
UNWIND $rows AS row
MERGE (s:SourceRecord {record_key: row.record_key})
SET s += row.props, s.load_id = $load_id
WITH s, row
MATCH (r:Resident {resident_id: row.resident_id})
MERGE (s)-[e:RESOLVES_TO]->(r)
SET e.match_probability = row.match_probability, e.load_id = $load_id
"""

Q_LIVES_AT = """
UNWIND $rows AS row
MATCH (r:Resident {resident_id: row.resident_id})
MATCH (a:Address {uprn: row.uprn})
MERGE (r)-[l:LIVES_AT {source_system: row.source_system, record_id: row.record_id}]->(a)
SET l.from_date = row.from_date, l.to_date = row.to_date, l.current = row.current,
    l.superseded_by = row.superseded_by, l.load_id = $load_id
"""

Q_CLAIMS = """
UNWIND $rows AS row
MATCH (r:Resident {resident_id: row.resident_id})
MATCH (a:Address {uprn: row.uprn})
MERGE (r)-[c:CLAIMS {claim_id: row.claim_id}]->(a)
SET c += row.props, c.load_id = $load_id
"""

Q_CONTACT = """
UNWIND $rows AS row
MATCH (r:Resident {resident_id: row.resident_id})
MERGE (c:AgencyContact {contact_id: row.contact_id})
SET c += row.props, c.load_id = $load_id
MERGE (r)-[h:HAD_CONTACT]->(c)
SET h.load_id = $load_id
MERGE (g:Agency {name: row.agency})
SET g.load_id = $load_id
MERGE (c)-[wa:WITH_AGENCY]->(g)
SET wa.load_id = $load_id
"""

# One statement per family type: relationship types cannot be parameters, and must come from the model.
Q_FAMILY = {
    rel_type: f"""
UNWIND $rows AS row
MATCH (a:Resident {{resident_id: row.from_resident_id}})
MATCH (b:Resident {{resident_id: row.to_resident_id}})
MERGE (a)-[f:{rel_type} {{source_system: row.source_system, record_id: row.record_id}}]->(b)
SET f.evidence = row.evidence, f.load_id = $load_id
"""
    for rel_type in ("PARENT_OF", "PARTNER_OF", "SIBLING_OF")
}

Q_HOUSEHOLD = """
UNWIND $rows AS row
MERGE (h:Household {household_id: row.household_id})
SET h += row.props, h.load_id = $load_id
WITH h, row
MATCH (a:Address {uprn: row.uprn})
MERGE (h)-[o:OCCUPIES]->(a)
SET o.load_id = $load_id
WITH h, row
UNWIND row.members AS rid
MATCH (r:Resident {resident_id: rid})
MERGE (r)-[m:MEMBER_OF]->(h)
SET m.load_id = $load_id
"""

SWEEP_NODE = "MATCH (n:{label}) WHERE n.load_id <> $load_id WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c"
SWEEP_REL = "MATCH ()-[e:{rtype}]->() WHERE e.load_id <> $load_id WITH e LIMIT 10000 DELETE e RETURN count(*) AS c"
# Addresses and wards are the gazetteer: never swept, only updated.
SWEPT_NODES = ("SourceRecord", "AgencyContact", "Household", "Resident")
SWEPT_RELS = ("RESOLVES_TO", "LIVES_AT", "CLAIMS", "HAD_CONTACT", "PARENT_OF", "PARTNER_OF", "SIBLING_OF",
              "MEMBER_OF", "OCCUPIES")


class BulkGraph:
    """The whole graph a first load writes, deduplicated in Python exactly as the MERGE path would merge it.

    Engine-neutral plan for a store's ``bulk_build``: nodes per label keyed by their model key (a repeat
    adds properties, like ``SET n += props``), relationships per type keyed by endpoints plus merge key (a
    repeat overwrites, like ``SET e.p = v``; a None value means the property is absent). A relationship
    is only added when both endpoints exist at that point, as the MERGE path's ``MATCH`` requires.
    """

    def __init__(self, model: GraphModel, schema: list[Any]) -> None:
        self.schema = schema
        self.key = {label: kind.key for label, kind in model.nodes.items()}
        self.ends = {rtype: (kind.start, kind.end) for rtype, kind in model.relationships.items()}
        self.nodes: dict[str, dict[Any, dict[str, Any]]] = {label: {} for label in model.nodes}
        self.rels: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {rtype: {} for rtype in model.relationships}

    def node(self, label: str, key: Any, props: dict[str, Any]) -> None:
        nodes = self.nodes[label]
        cur = nodes.get(key)
        if cur is None:
            nodes[key] = {self.key[label]: key, **props}
        else:
            cur.update(props)

    def has(self, label: str, key: Any) -> bool:
        return key in self.nodes[label]

    def rel(self, rtype: str, start: Any, end: Any, props: dict[str, Any], merge_key: tuple[Any, ...] = ()) -> bool:
        s_label, e_label = self.ends[rtype]
        if start not in self.nodes[s_label] or end not in self.nodes[e_label]:
            return False
        rels = self.rels[rtype]
        k = (start, end, merge_key)
        cur = rels.get(k)
        if cur is None:
            rels[k] = dict(props)
        else:
            cur.update(props)
        return True

    @property
    def size(self) -> int:
        return sum(map(len, self.nodes.values())) + sum(map(len, self.rels.values()))


def _check_model(model: GraphModel) -> None:
    """Fail at start-up, not mid-load, if the loader and the model file disagree."""
    for label in ("Resident", "SourceRecord", "Address", "Household", "AgencyContact", "Agency", "Ward"):
        model.node(label)
    for rtype in (*SWEPT_RELS, "WITH_AGENCY", "IN_WARD"):
        model.rel(rtype)


# -- reading the index ---------------------------------------------------------------------------------
def _table(index_dir: Path, name: str, required: tuple[str, ...], optional: bool = False) -> pq.ParquetFile | None:
    path = index_dir / name
    if not path.exists():
        if optional:
            return None
        raise LoadError(f"{path}: missing (is {index_dir} a folder written by `residex link`?)")
    pf = pq.ParquetFile(path)
    missing = [c for c in required if c not in pf.schema_arrow.names]
    if missing:
        raise LoadError(f"{path}: missing column(s) {', '.join(missing)}")
    return pf


def _rows(pf: pq.ParquetFile | None, batch: int = BATCH) -> Iterator[dict[str, Any]]:
    if pf is None:
        return
    for b in pf.iter_batches(batch_size=batch):
        yield from b.to_pylist()


def _as_date(v: Any) -> dt.date | None:
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def _pick(row: dict[str, Any], allowed: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Only properties the model declares reach the graph (nothing a mapping excluded can slip in)."""
    return {k: v for k, v in row.items() if k in allowed and k not in skip and v is not None}


def _age(dob: dt.date | None, on: dt.date) -> int | None:
    if dob is None:
        return None
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


# -- the load ------------------------------------------------------------------------------------------
class Loader:
    """One load of one index folder into one store.

    ``bulk``: True (default) builds a first load into an empty graph in bulk when the store can, with
    column-wise (Arrow) preparation; ``"rows"`` the same through the per-row ``BulkGraph`` (the
    reference the columnar path is tested against); False never.
    """

    def __init__(self, store: GraphStore, index_dir: Path, progress: Progress | None = None,
                 batch_size: int = BATCH, model: GraphModel | None = None, key_dir: Path | None = None,
                 bulk: bool | str = True) -> None:
        self.store = store
        self.index_dir = Path(index_dir)
        self.say = progress or (lambda _m: None)
        self.batch_size = batch_size
        self.model = model or load_model()
        _check_model(self.model)
        self.key = load_key(key_dir or data_dir())
        self.report = LoadReport(load_id=uuid.uuid4().hex[:12])
        self.wards: dict[str, str] = {}
        self.bulk = bulk

    def _write(self, table: str, query: str, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> None:
        start = time.monotonic()
        last = [start]

        def tick(sent: int) -> None:
            now = time.monotonic()
            if now - last[0] > 2:
                last[0] = now
                self.say(f"  {table}: {sent:,} rows ({sent / (now - start):,.0f}/s)")

        n = self.store.write_batches(query, rows, batch_size=self.batch_size,
                                     extra={"load_id": self.report.load_id}, progress=tick)
        secs = time.monotonic() - start
        self.report.rows[table] = self.report.rows.get(table, 0) + n
        self.report.seconds[table] = round(self.report.seconds.get(table, 0) + secs, 2)
        self.say(f"loaded {n:,} {table} in {secs:.1f}s" + (f" ({n / secs:,.0f} rows/s)" if secs > 0 else ""))

    def run(self) -> LoadReport:
        tables = self._open()
        if self.bulk and self.store.can_bulk_build():
            run_bulk = self._run_bulk if self.bulk == "rows" else self._run_columnar
            if run_bulk(*tables):
                self.store.checkpoint()
                return self.report
            self.report = LoadReport(load_id=self.report.load_id)
            self.wards.clear()
        self._run_merge(*tables)
        self.store.checkpoint()
        return self.report

    def _open(self) -> tuple[pq.ParquetFile | None, ...]:
        """Open and check the index tables; read the reference date, restrictions and protected addresses."""
        idx = self.index_dir
        residents = _table(idx, "residents.parquet", ("resident_id",))
        records = _table(idx, "records.parquet", ("source_system", "record_id", "resident_id"))
        addresses = _table(idx, "addresses.parquet", ("uprn",), optional=True)
        lives_at = _table(idx, "lives_at.parquet", ("resident_id", "uprn", "source_system", "record_id"), True)
        claims = _table(idx, "claims.parquet", ("resident_id", "uprn", "claim_type", "source_system", "record_id"), True)
        contacts = _table(idx, "contacts.parquet", ("resident_id", "source_system", "record_id", "agency",
                                                    "contact_type", "contact_date"), True)
        family = _table(idx, "relationships.parquet", ("from_resident_id", "to_resident_id", "type",
                                                       "source_system", "record_id"), True)
        self.as_of = self._as_of(records)
        self.flags = self._restrictions(_table(idx, "restrictions.parquet", ("resident_id", "flag"), True))
        self.protected = {str(r["uprn"]) for r in _rows(_table(idx, "protected_addresses.parquet", ("uprn",), True))}
        self.registered_now = self._registered_now(lives_at)

        return addresses, residents, records, lives_at, claims, contacts, family

    # -- the MERGE path: any store, any existing graph --------------------------------------------------
    def _run_merge(self, addresses: pq.ParquetFile | None, residents: pq.ParquetFile, records: pq.ParquetFile,
                   lives_at: pq.ParquetFile | None, claims: pq.ParquetFile | None,
                   contacts: pq.ParquetFile | None, family: pq.ParquetFile | None) -> None:
        self.say(f"schema: {len(self.model.schema())} indexes and constraints")
        self.store.ensure_schema(self.model.schema())
        self._write("addresses", Q_ADDRESS, self._address_rows(addresses))
        resident_rows = list(self._resident_rows(residents))
        self._write("residents", Q_RESIDENT, resident_rows)
        self._write("source records", Q_RECORD, self._record_rows(records))
        self._write("lives_at", Q_LIVES_AT, self._lives_at_rows(lives_at, addresses))
        self._write("claims", Q_CLAIMS, self._claim_rows(claims))
        self._write("contacts", Q_CONTACT, self._contact_rows(contacts))
        by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self._family_rows(family):
            by_type[row["type"]].append(row)
        for rtype, rows in by_type.items():
            self._write(f"family {rtype}", Q_FAMILY[rtype], rows)
        self._write("households", Q_HOUSEHOLD, self._household_rows(resident_rows))
        self._sweep()

    def _family_rows(self, family: pq.ParquetFile | None) -> Iterator[dict[str, Any]]:
        for row in _rows(family):
            if row["type"] in Q_FAMILY and row["from_resident_id"] != row["to_resident_id"]:
                row["record_id"] = str(row["record_id"])
                row.setdefault("evidence", None)
                yield row
            else:
                self.report.skipped["relationships"] = self.report.skipped.get("relationships", 0) + 1

    # -- the bulk path: a first load into an empty graph on a store that can build one in bulk -----------
    def _run_bulk(self, addresses: pq.ParquetFile | None, residents: pq.ParquetFile, records: pq.ParquetFile,
                  lives_at: pq.ParquetFile | None, claims: pq.ParquetFile | None,
                  contacts: pq.ParquetFile | None, family: pq.ParquetFile | None) -> bool:
        """Build the same graph as the MERGE queries would, in Python, and hand it to the store at once."""
        return self._bulk(self._plan_rows, addresses, residents, records, lives_at, claims, contacts, family)

    def _bulk(self, plan: Callable[..., tuple[Any, dict[str, int]]], *tables: pq.ParquetFile | None) -> bool:
        """Prepare the plan, then hand it to the store's bulk build (False: the store declined)."""
        start = time.monotonic()
        g, counts = plan(*tables)
        prepared = time.monotonic()
        self.report.seconds["prepare"] = round(prepared - start, 2)
        self.say(f"prepared {g.size:,} nodes and relationships in {prepared - start:.1f}s; bulk building")
        if not self.store.bulk_build(g, progress=self.say):
            self.say("the store declined the bulk build; loading with MERGE")
            return False
        self.report.rows.update(counts)
        self.report.seconds["bulk build"] = round(time.monotonic() - prepared, 2)
        self.say(f"bulk built {g.size:,} nodes and relationships in {time.monotonic() - start:.1f}s")
        return True

    def _plan_rows(self, addresses: pq.ParquetFile | None, residents: pq.ParquetFile, records: pq.ParquetFile,
                   lives_at: pq.ParquetFile | None, claims: pq.ParquetFile | None,
                   contacts: pq.ParquetFile | None, family: pq.ParquetFile | None) -> tuple[BulkGraph, dict[str, int]]:
        """The per-row plan: each block below mirrors one ``Q_*`` statement (same keys, properties,
        ``load_id`` stamps and MATCH conditions); tests/test_bulk_load.py checks it against MERGE."""
        g = BulkGraph(self.model, self.model.schema())
        lid = self.report.load_id
        counts: dict[str, int] = defaultdict(int)
        for row in self._address_rows(addresses):  # Q_ADDRESS
            counts["addresses"] += 1
            g.node("Address", row["uprn"], {**row["props"], "load_id": lid})
            if row["ward"] is not None:
                g.node("Ward", row["ward"], {"load_id": lid})
                g.rel("IN_WARD", row["uprn"], row["ward"], {"load_id": lid})
        resident_rows = list(self._resident_rows(residents))
        for row in resident_rows:  # Q_RESIDENT
            g.node("Resident", row["resident_id"], {**row["props"], "load_id": lid})
        counts["residents"] = len(resident_rows)
        for row in self._record_rows(records):  # Q_RECORD
            counts["source records"] += 1
            g.node("SourceRecord", row["record_key"], {**row["props"], "load_id": lid})
            g.rel("RESOLVES_TO", row["record_key"], row["resident_id"],
                  {"match_probability": row["match_probability"], "load_id": lid})
        for row in self._lives_at_rows(lives_at, addresses):  # Q_LIVES_AT
            counts["lives_at"] += 1
            g.rel("LIVES_AT", row["resident_id"], row["uprn"],
                  {"source_system": row["source_system"], "record_id": row["record_id"],
                   "from_date": row["from_date"], "to_date": row["to_date"], "current": row["current"],
                   "superseded_by": row["superseded_by"], "load_id": lid}, (row["source_system"], row["record_id"]))
        for row in self._claim_rows(claims):  # Q_CLAIMS
            counts["claims"] += 1
            g.rel("CLAIMS", row["resident_id"], row["uprn"], {"claim_id": row["claim_id"], **row["props"],
                                                              "load_id": lid}, (row["claim_id"],))
        for row in self._contact_rows(contacts):  # Q_CONTACT
            counts["contacts"] += 1
            if not g.has("Resident", row["resident_id"]):
                continue
            g.node("AgencyContact", row["contact_id"], {**row["props"], "load_id": lid})
            g.rel("HAD_CONTACT", row["resident_id"], row["contact_id"], {"load_id": lid})
            g.node("Agency", row["agency"], {"load_id": lid})
            g.rel("WITH_AGENCY", row["contact_id"], row["agency"], {"load_id": lid})
        for row in self._family_rows(family):  # Q_FAMILY
            counts[f"family {row['type']}"] += 1
            g.rel(row["type"], row["from_resident_id"], row["to_resident_id"],
                  {"source_system": row["source_system"], "record_id": row["record_id"],
                   "evidence": row["evidence"], "load_id": lid}, (row["source_system"], row["record_id"]))
        for row in self._household_rows(resident_rows):  # Q_HOUSEHOLD
            counts["households"] += 1
            g.node("Household", row["household_id"], {**row["props"], "load_id": lid})
            if g.rel("OCCUPIES", row["household_id"], row["uprn"], {"load_id": lid}):
                for rid in row["members"]:
                    g.rel("MEMBER_OF", rid, row["household_id"], {"load_id": lid})
        return g, dict(counts)

    def _run_columnar(self, addresses: pq.ParquetFile | None, residents: pq.ParquetFile, records: pq.ParquetFile,
                      lives_at: pq.ParquetFile | None, claims: pq.ParquetFile | None,
                      contacts: pq.ParquetFile | None, family: pq.ParquetFile | None) -> bool:
        """``_run_bulk`` with column-wise preparation: the same graph, no per-row Python dicts. The plan
        is prepared in a thread and its node tables are sent while it runs (graph/bulk_stream.py)."""
        tables = (addresses, residents, records, lives_at, claims, contacts, family)
        start = time.monotonic()
        self.say("preparing the bulk plan; nodes are sent as each label is ready")
        stream = StreamedPlan(lambda emit: self._plan_columnar(*tables, emit=emit), self.model.schema(),
                              progress=self.say)
        try:
            built = self.store.bulk_build(stream, progress=self.say)
        finally:
            stream.close()
        if not built:
            self.say("the store declined the bulk build; loading with MERGE")
            return False
        assert stream.result is not None and stream.prepare_s is not None
        g, counts = stream.result
        self.report.rows.update(counts)
        total = time.monotonic() - start
        self.report.seconds["prepare"] = round(stream.prepare_s, 2)  # overlapped with sending nodes
        self.report.seconds["bulk build"] = round(total - stream.prepare_s, 2)  # after the plan was ready
        self.say(f"bulk built {g.size:,} nodes and relationships in {total:.1f}s")
        return True

    def _plan_columnar(self, addresses: pq.ParquetFile | None, residents: pq.ParquetFile, records: pq.ParquetFile,
                       lives_at: pq.ParquetFile | None, claims: pq.ParquetFile | None, contacts: pq.ParquetFile | None,
                       family: pq.ParquetFile | None, emit: Callable[[str, Any], None] | None = None,
                       ) -> tuple[ColumnarGraph, dict[str, int]]:
        """The plan with Arrow kernels: each block mirrors one row generator plus its ``_plan_rows``
        block (same keys, conversions, skips and MATCH conditions); tests/test_bulk_load.py compares.
        ``emit``: hand each node table over as soon as it is final (each label is added once)."""
        g = ColumnarGraph(self.model, self.model.schema(), emit=emit)
        lid = self.report.load_id
        counts: dict[str, int] = {}

        def stamp(n: int) -> Any:
            return pa.repeat(pa.scalar(lid, pa.string()), n)

        # Q_ADDRESS (_address_rows)
        if addresses is not None:
            t = _read(addresses, self.model.node("Address").properties, ("uprn", "ward", "council_owned"))
            n = t.num_rows
            counts["addresses"] = n
            uprn = _col(t, "uprn").cast(pa.string())
            ward = _col(t, "ward")
            wards = pc.fill_null(_truthy(ward), False)
            self.wards = dict(zip(uprn.filter(wards).to_pylist(), ward.filter(wards).to_pylist(), strict=True))
            cols = _picked(t, self.model.node("Address").properties, ("uprn",))
            cols["protected"] = pc.is_in(uprn, value_set=pa.array(sorted(self.protected), pa.string()))
            cols["registered_now"] = self._registered_now_of(uprn)
            if "council_owned" in cols and pa.types.is_string(cols["council_owned"].type):
                cols["council_owned"] = pc.is_in(pc.utf8_upper(cols["council_owned"]),
                                                 value_set=pa.array(["Y", "YES", "TRUE", "1"]))
                cols["council_owned"] = pc.if_else(pc.is_null(_col(t, "council_owned")), None, cols["council_owned"])
            g.add_nodes("Address", _arrow_table({"uprn": uprn, **cols, "load_id": stamp(n)}))
            has_ward = pc.is_valid(ward)
            w = ward.filter(has_ward)
            g.add_nodes("Ward", _arrow_table({"name": pc.unique(w), "load_id": stamp(len(pc.unique(w)))}))
            g.add_rels("IN_WARD", _arrow_table({"_s": uprn.filter(has_ward), "_e": w, "load_id": stamp(len(w))}))
        # Q_RECORD (_record_rows); before the residents, so the server builds the biggest label while
        # the residents (pseudonyms, phonetic keys) are prepared
        t = _read(records, self.model.node("SourceRecord").properties,
                  ("source_system", "record_id", "resident_id", "match_probability", "uprn"))
        n = t.num_rows
        counts["source records"] = n
        cols = _picked(t, self.model.node("SourceRecord").properties, ("record_key", "match_probability"))
        cols["record_id"] = _col(t, "record_id").cast(pa.string())
        if "uprn" in cols:
            cols["uprn"] = cols["uprn"].cast(pa.string())
        key = pc.binary_join_element_wise(_str(_col(t, "source_system")), _str(_col(t, "record_id")), ":")
        g.add_nodes("SourceRecord", _arrow_table({"record_key": key, **cols, "load_id": stamp(n)}))
        g.add_rels("RESOLVES_TO", _arrow_table({"_s": key, "_e": _str(_col(t, "resident_id")),
                                          "match_probability": _col(t, "match_probability", pa.float64()),
                                          "load_id": stamp(n)}))
        del t, cols, key
        # Q_RESIDENT (_resident_rows)
        t = _read(residents, self.model.node("Resident").properties,
                  ("resident_id", "dob", "first_name", "last_name", "uprn", "source_systems", "sources"))
        n = t.num_rows
        counts["residents"] = n
        rid = _col(t, "resident_id").cast(pa.string())
        rids = rid.to_pylist()
        dob = _dates(_col(t, "dob", pa.date32()))
        first, last = _col(t, "first_name"), _col(t, "last_name")
        firsts, lasts = first.to_pylist(), last.to_pylist()
        full = pa.array([" ".join(p for p in (f or "", s or "") if p) or None for f, s in zip(firsts, lasts, strict=True)],
                        pa.string())
        up = _col(t, "uprn")
        uprn = pc.if_else(_truthy(up), up.cast(pa.string()), None)
        uprns = uprn.to_pylist()
        sources = _col(t, "source_systems", pa.list_(pa.string()))
        if "sources" in t.column_names or not pa.types.is_list(sources.type):
            alt = _col(t, "sources", pa.list_(pa.string())).to_pylist()
            sources = pa.array([list(a or b or []) for a, b in zip(sources.to_pylist(), alt, strict=True)],
                               pa.list_(pa.string()))
        else:
            sources = pc.fill_null(sources, pa.scalar([], sources.type))
        flags = {f: pa.array(sorted(r for r, fs in self.flags.items() if f in fs), pa.string())
                 for f in ("opt_out", "sealed")}
        cols = _picked(t, self.model.node("Resident").properties, ("resident_id", "sources", "uprn"))
        cols.update({
            "full_name": full,
            "first_key": pa.array([k or None for k in phonetic_many(firsts)], pa.string()),
            "last_key": pa.array([k or None for k in phonetic_many(lasts)], pa.string()),
            "alt_last_key": pa.array(alt_surname_keys(lasts), pa.string()),
            "birth_year": pc.year(dob),
            "pseudonym": pa.array(pseudonyms(self.key, rids), pa.string()),
            "sources": sources,
            "uprn": uprn,
            "ward": pa.array([self.wards.get(u) if u else None for u in uprns], pa.string()),
            "opt_out": pc.is_in(rid, value_set=flags["opt_out"]),
            "sealed": pc.is_in(rid, value_set=flags["sealed"]),
        })
        g.add_nodes("Resident", _arrow_table({"resident_id": rid, **cols, "load_id": stamp(n)}))
        resident_set = rid
        # Q_LIVES_AT (_lives_at_rows)
        if lives_at is not None:
            t = self._lives_at_table(lives_at, addresses)
            n = t.num_rows
            counts["lives_at"] = n
            ss, rec = t.column("source_system"), t.column("record_id")
            g.add_rels("LIVES_AT", _arrow_table({
                "_s": t.column("resident_id"), "_e": t.column("uprn"), "source_system": ss, "record_id": rec,
                "from_date": t.column("from_date"), "to_date": t.column("to_date"), "current": t.column("current"),
                "superseded_by": t.column("superseded_by"), "load_id": stamp(n),
                "_k1": _str(ss), "_k2": rec}), ("_k1", "_k2"))
        # Q_CLAIMS (_claim_rows)
        if claims is not None:
            t = self._placed("claims", claims.read())
            n = t.num_rows
            counts["claims"] = n
            rec = _str(_col(t, "record_id"))
            claim_id = pc.binary_join_element_wise(_str(_col(t, "source_system")), rec,
                                                   _str(_col(t, "claim_type")), ":")
            cols = _picked(t, self.model.rel("CLAIMS").properties, ("claim_id",))
            cols.update({"record_id": rec, "from_date": _dates(_col(t, "from_date")),
                         "to_date": _dates(_col(t, "to_date"))})
            cols.update({c: _col(t, c) for c in t.column_names if c.startswith("attr_")})
            g.add_rels("CLAIMS", _arrow_table({"_s": _str(_col(t, "resident_id")), "_e": _str(_col(t, "uprn")),
                                         "claim_id": claim_id, **cols, "load_id": stamp(n)}),
                       ("claim_id",), last_row=False)
        # Q_CONTACT (_contact_rows)
        if contacts is not None:
            t = contacts.read()
            counts["contacts"] = t.num_rows
            when = _dates(_col(t, "contact_date"))
            up = _col(t, "uprn")
            rec = _str(_col(t, "record_id"))
            cid = pc.binary_join_element_wise(_str(_col(t, "source_system")), rec,
                                              pc.fill_null(when.cast(pa.string()), ""),
                                              _str(_col(t, "contact_type")), ":")
            who = _str(_col(t, "resident_id"))
            ok = pc.is_in(who, value_set=resident_set)
            cols = _picked(t, self.model.node("AgencyContact").properties, ("contact_id",))
            cols.update({"record_id": rec, "contact_date": when, "uprn": pc.if_else(_truthy(up), up.cast(pa.string()),
                                                                                  None)})
            t2 = _arrow_table({"contact_id": cid, **cols, "load_id": stamp(t.num_rows), "_who": who,
                         "_agency": _col(t, "agency")}).filter(ok)
            n = t2.num_rows
            g.add_nodes("AgencyContact", t2.drop_columns(["_who", "_agency"]))
            g.add_rels("HAD_CONTACT", _arrow_table({"_s": t2.column("_who"), "_e": t2.column("contact_id"),
                                              "load_id": stamp(n)}))
            agencies = pc.unique(t2.column("_agency"))
            g.add_nodes("Agency", _arrow_table({"name": agencies, "load_id": stamp(len(agencies))}))
            g.add_rels("WITH_AGENCY", _arrow_table({"_s": t2.column("contact_id"), "_e": t2.column("_agency"),
                                              "load_id": stamp(n)}))
            del t2
        # Q_FAMILY (_family_rows)
        if family is not None:
            t = family.read()
            typ = _col(t, "type")
            a, b = _col(t, "from_resident_id"), _col(t, "to_resident_id")
            ok = pc.and_(pc.is_in(typ, value_set=pa.array(list(Q_FAMILY))), pc.fill_null(pc.not_equal(a, b), True))
            ok = pc.fill_null(ok, False)
            self._skip("relationships", t.num_rows - pc.sum(ok.cast(pa.int64())).as_py() if t.num_rows else 0)
            t = t.filter(ok)
            for rtype in Q_FAMILY:
                ft = t.filter(pc.equal(_col(t, "type"), rtype))
                if not ft.num_rows:
                    continue
                n = ft.num_rows
                counts[f"family {rtype}"] = n
                ss, rec = _col(ft, "source_system"), _str(_col(ft, "record_id"))
                g.add_rels(rtype, _arrow_table({"_s": _col(ft, "from_resident_id"), "_e": _col(ft, "to_resident_id"),
                                          "source_system": ss, "record_id": rec, "evidence": _col(ft, "evidence"),
                                          "load_id": stamp(n), "_k1": _str(ss), "_k2": rec}), ("_k1", "_k2"))
        # Q_HOUSEHOLD (_household_rows): residents grouped by golden current address
        members = pa.table({"uprn": uprn, "rid": rid, "age": self._ages(dob)}).filter(pc.is_valid(uprn))
        if members.num_rows:
            age = members.column("age")
            members = members.append_column("adult", pc.fill_null(pc.greater_equal(age, ADULT_AGE), True)
                                            .cast(pa.int64()))
            members = members.append_column("child", pc.fill_null(pc.less(age, ADULT_AGE), False).cast(pa.int64()))
            hh = members.group_by("uprn", use_threads=False).aggregate(
                [("rid", "count"), ("adult", "sum"), ("child", "sum")]).sort_by("uprn")
            hu = hh.column("uprn").combine_chunks()
            hid = pa.array(household_ids(self.key, hu.to_pylist()), pa.string())
            counts["households"] = hh.num_rows
            g.add_nodes("Household", _arrow_table({"household_id": hid, "uprn": hu, "size": hh.column("rid_count"),
                                             "adults": hh.column("adult_sum"), "children": hh.column("child_sum"),
                                             "load_id": stamp(hh.num_rows)}))
            occupied = g.has("Address", hu)
            g.add_rels("OCCUPIES", _arrow_table({"_s": hid, "_e": hu, "load_id": stamp(hh.num_rows)}).filter(occupied))
            m = members.filter(pc.is_in(members.column("uprn"), value_set=hu.filter(occupied)))
            g.add_rels("MEMBER_OF", _arrow_table({"_s": m.column("rid"),
                                            "_e": pc.take(hid, pc.index_in(m.column("uprn"), value_set=hu)),
                                            "load_id": stamp(m.num_rows)}))
        g.finish()
        return g, counts

    def _skip(self, table: str, n: int) -> None:
        if n:
            self.report.skipped[table] = self.report.skipped.get(table, 0) + n

    def _placed(self, table: str, t: pa.Table) -> pa.Table:
        """The rows that name a dwelling; the others are counted as skipped (a fact needs its place)."""
        ok = _truthy(_col(t, "uprn"))
        self._skip(table, t.num_rows - pc.sum(ok.cast(pa.int64())).as_py() if t.num_rows else 0)
        return t.filter(ok)

    def _registered_now(self, lives_at: pq.ParquetFile | None) -> pa.Table:
        """Per dwelling, the residents with a current registration there in any source (``registered_now``).

        A session sees a subset of the sources, so this bounds what any session can count: the overcrowding
        detector skips dwellings under the bound instead of counting every registration in the borough."""
        if lives_at is None:
            return pa.table({"uprn": pa.array([], pa.string()), "n": pa.array([], pa.int64())})
        t = lives_at.read(columns=["resident_id", "uprn", "to_date"])
        t = t.filter(_truthy(_col(t, "uprn")))
        current = pc.fill_null(pc.greater_equal(_dates(_col(t, "to_date")), pa.scalar(self.as_of, pa.date32())), True)
        t = pa.table({"uprn": _str(_col(t, "uprn")), "rid": _str(_col(t, "resident_id"))}).filter(current)
        g = t.group_by("uprn", use_threads=False).aggregate([("rid", "count_distinct")])
        return pa.table({"uprn": g.column("uprn"), "n": g.column("rid_count_distinct").cast(pa.int64())})

    def _registered_now_of(self, uprn: Any) -> Any:
        """``registered_now`` for a column of UPRNs (0 where no one is registered now)."""
        at = pc.index_in(uprn, value_set=self.registered_now.column("uprn"))
        return pc.fill_null(pc.take(self.registered_now.column("n"), at), 0)

    def _ages(self, dob: Any) -> Any:
        """``_age`` over a date32 column on the reference date (null where the birth date is unknown)."""
        on = self.as_of
        y, m, d = pc.year(dob), pc.month(dob), pc.day(dob)
        before = pc.or_(pc.greater(m, on.month), pc.and_(pc.equal(m, on.month), pc.greater(d, on.day)))
        return pc.subtract(pc.subtract(pa.scalar(on.year, pa.int64()), y), before.cast(pa.int64()))

    def _as_of(self, records: pq.ParquetFile) -> dt.date:
        """The index's reference date: the latest record date (ages and 'current' are measured on it)."""
        if "record_date" not in records.schema_arrow.names:
            return dt.date.today()
        import pyarrow.compute as pc

        latest = None
        for b in records.iter_batches(columns=["record_date"], batch_size=200_000):
            m = pc.max(b.column(0)).as_py()
            d = _as_date(m)
            if d and (latest is None or d > latest):
                latest = d
        return latest or dt.date.today()

    @staticmethod
    def _restrictions(pf: pq.ParquetFile | None) -> dict[str, set[str]]:
        """Governance flags per resident (national data opt-out, sealed record) from the index."""
        flags: dict[str, set[str]] = defaultdict(set)
        for row in _rows(pf):
            flags[str(row["resident_id"])].add(str(row["flag"]))
        return flags

    def _address_rows(self, pf: pq.ParquetFile | None) -> Iterator[dict[str, Any]]:
        allowed = self.model.node("Address").properties
        registered = dict(zip(self.registered_now.column("uprn").to_pylist(),
                              self.registered_now.column("n").to_pylist(), strict=True))
        for row in _rows(pf):
            if row.get("ward"):
                self.wards[str(row["uprn"])] = row["ward"]
            row["uprn"] = str(row["uprn"])
            row["protected"] = row["uprn"] in self.protected
            row["registered_now"] = registered.get(row["uprn"], 0)
            if "council_owned" in row and isinstance(row["council_owned"], str):
                row["council_owned"] = row["council_owned"].upper() in ("Y", "YES", "TRUE", "1")
            yield {"uprn": row["uprn"], "ward": row.get("ward"), "props": _pick(row, allowed, ("uprn",))}

    def _resident_rows(self, pf: pq.ParquetFile) -> Iterator[dict[str, Any]]:
        allowed = self.model.node("Resident").properties
        for row in _rows(pf):
            rid = str(row["resident_id"])
            dob = _as_date(row.get("dob"))
            first, last = row.get("first_name") or "", row.get("last_name") or ""
            parts = fold(last).split()
            uprn = str(row["uprn"]) if row.get("uprn") else None
            props = _pick(row, allowed, ("resident_id", "sources", "uprn"))
            props.update({
                "full_name": " ".join(p for p in (first, last) if p) or None,
                "first_key": phonetic(first) or None,
                "last_key": phonetic(last) or None,
                "alt_last_key": phonetic(parts[-1]) if len(parts) > 1 else None,
                "birth_year": dob.year if dob else None,
                "pseudonym": pseudonym(self.key, rid),
                "sources": list(row.get("source_systems") or row.get("sources") or []),
                "uprn": uprn,
                "ward": self.wards.get(uprn) if uprn else None,
                "opt_out": "opt_out" in self.flags.get(rid, ()),
                "sealed": "sealed" in self.flags.get(rid, ()),
            })
            yield {"resident_id": rid, "props": {k: v for k, v in props.items() if v is not None},
                   "_dob": dob, "_uprn": uprn}

    def _record_rows(self, pf: pq.ParquetFile) -> Iterator[dict[str, Any]]:
        allowed = self.model.node("SourceRecord").properties
        for row in _rows(pf):
            row["record_id"] = str(row["record_id"])
            if row.get("uprn") is not None:
                row["uprn"] = str(row["uprn"])
            yield {"record_key": f"{row['source_system']}:{row['record_id']}", "resident_id": str(row["resident_id"]),
                   "match_probability": row.get("match_probability"),
                   "props": _pick(row, allowed, ("record_key", "match_probability"))}

    def _lives_at_table(self, pf: pq.ParquetFile, addresses: pq.ParquetFile | None) -> pa.Table:
        """The placed registrations with ``current`` (on the reference date) and ``superseded_by``.

        Only registrations that become relationships (their dwelling is in the gazetteer) can supersede
        another, as only those are in the graph for a query to see.
        """
        t = self._placed("lives_at", pf.read())
        to_date = _dates(_col(t, "to_date"))
        from_date = _dates(_col(t, "from_date"))
        current = pc.fill_null(pc.greater_equal(to_date, pa.scalar(self.as_of, pa.date32())), True)
        rid, uprn, ss = _str(_col(t, "resident_id")), _str(_col(t, "uprn")), _col(t, "source_system")
        known = (pc.is_in(uprn, value_set=pc.unique(_str(_col(addresses.read(columns=["uprn"]), "uprn"))))
                 if addresses is not None else pa.array([False] * t.num_rows))
        return pa.table({"resident_id": rid, "uprn": uprn, "source_system": ss,
                         "record_id": _str(_col(t, "record_id")), "from_date": from_date, "to_date": to_date,
                         "current": current,
                         "superseded_by": superseded_by(rid, uprn, ss, from_date, pc.and_(current, known))})

    def _lives_at_rows(self, pf: pq.ParquetFile | None, addresses: pq.ParquetFile | None) -> Iterator[dict[str, Any]]:
        if pf is None:
            return
        for b in self._lives_at_table(pf, addresses).to_batches(BATCH):
            yield from b.to_pylist()

    def _claim_rows(self, pf: pq.ParquetFile | None) -> Iterator[dict[str, Any]]:
        allowed = self.model.rel("CLAIMS").properties
        for row in _rows(pf):
            if not row.get("uprn"):
                self.report.skipped["claims"] = self.report.skipped.get("claims", 0) + 1
                continue
            claim_id = f"{row['source_system']}:{row['record_id']}:{row['claim_type']}"
            row.update(claim_id=claim_id, record_id=str(row["record_id"]),
                       from_date=_as_date(row.get("from_date")), to_date=_as_date(row.get("to_date")))
            extra = {k: v for k, v in row.items() if k.startswith("attr_") and v is not None}
            yield {"resident_id": str(row["resident_id"]), "uprn": str(row["uprn"]), "claim_id": claim_id,
                   "props": {**_pick(row, allowed, ("claim_id",)), **extra}}

    def _contact_rows(self, pf: pq.ParquetFile | None) -> Iterator[dict[str, Any]]:
        allowed = self.model.node("AgencyContact").properties
        for row in _rows(pf):
            when = _as_date(row.get("contact_date"))
            row.update(record_id=str(row["record_id"]), contact_date=when,
                       uprn=str(row["uprn"]) if row.get("uprn") else None)
            cid = f"{row['source_system']}:{row['record_id']}:{when.isoformat() if when else ''}:{row['contact_type']}"
            yield {"resident_id": str(row["resident_id"]), "contact_id": cid, "agency": row["agency"],
                   "props": _pick(row, allowed, ("contact_id",))}

    def _household_rows(self, residents: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """A household is the residents whose golden current address is one dwelling."""
        by_uprn: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in residents:
            if r["_uprn"]:
                by_uprn[r["_uprn"]].append(r)
        for uprn, members in sorted(by_uprn.items()):
            ages = [_age(m["_dob"], self.as_of) for m in members]
            yield {"household_id": household_ids(self.key, [uprn])[0], "uprn": uprn, "members": [m["resident_id"] for m in members],
                   "props": {"uprn": uprn, "size": len(members),
                             "adults": sum(1 for a in ages if a is None or a >= ADULT_AGE),
                             "children": sum(1 for a in ages if a is not None and a < ADULT_AGE)}}

    def _sweep(self) -> None:
        """Retire what this load did not re-assert: merged-away residents, relinked records, old moves."""
        start = time.monotonic()
        params = {"load_id": self.report.load_id}
        for rtype in SWEPT_RELS:
            n = 0
            while c := self.store.write(SWEEP_REL.format(rtype=rtype), params)[0]["c"]:
                n += c
            if n:
                self.report.retired[rtype] = n
        for label in SWEPT_NODES:
            n = 0
            while c := self.store.write(SWEEP_NODE.format(label=label), params)[0]["c"]:
                n += c
            if n:
                self.report.retired[label] = n
        self.report.seconds["sweep"] = round(time.monotonic() - start, 2)
        if self.report.retired:
            self.say("retired " + ", ".join(f"{n:,} {k}" for k, n in self.report.retired.items()))


def load_index(store: GraphStore, index_dir: Path, progress: Progress | None = None, **kw: Any) -> LoadReport:
    """Load (or re-load) one index folder; returns what was written, skipped and retired."""
    return Loader(store, index_dir, progress, **kw).run()


# -- the columnar bulk path: the same graph as BulkGraph, built with Arrow kernels -----------------------
class ColumnarGraph:
    """The bulk plan as Arrow tables: nodes per label (key column first), relationships per type.

    Same content as ``BulkGraph`` (tests/test_bulk_load.py compares them): a null cell is an absent
    property, repeated keys are merged the way MERGE would merge them (``_dedupe``), and a relationship
    is kept only when both endpoints exist. Endpoints are resolved to node insertion order with
    ``index_in``, so no per-row Python objects are made for the big tables.
    """

    def __init__(self, model: GraphModel, schema: list[Any], emit: Callable[[str, Any], None] | None = None) -> None:
        self.schema = schema
        self.key = {label: kind.key for label, kind in model.nodes.items()}
        self.ends = {rtype: (kind.start, kind.end) for rtype, kind in model.relationships.items()}
        self._nodes: dict[str, list[Any]] = defaultdict(list)
        self._rels: dict[str, list[Any]] = defaultdict(list)
        self.nodes: dict[str, Any] = {}
        self.rels: dict[str, Any] = {}  # type -> (table with _s, _e and properties)
        self._emit = emit

    def add_nodes(self, label: str, table: Any) -> None:
        """``table``: the key column (named as the model key) then properties; null = absent.

        With ``emit`` (graph.bulk_stream), the label is final at once and handed over: it may be added
        only once, so that its nodes can be sent while the rest of the plan is prepared."""
        if self._emit is None:
            self._nodes[label].append(table)
            return
        if label in self.nodes:
            raise ValueError(f"{label} nodes added twice to a streamed bulk plan")
        self.nodes[label] = final = self._final_nodes(label, [table])
        self._emit(label, final)

    def _final_nodes(self, label: str, parts: list[Any]) -> Any:
        return _drop_all_null(_dedupe(_concat(parts), [self.key[label]], last_row=False))

    def add_rels(self, rtype: str, table: Any, merge_key: tuple[str, ...] = (), last_row: bool = True) -> None:
        """``table``: ``_s``, ``_e`` endpoint keys then properties. ``last_row``: a repeat replaces every
        property (``SET e.p = v``, null removes); else only non-null ones (``SET e += props``)."""
        self._rels[rtype].append((table, merge_key, last_row))

    def finish(self) -> None:
        """Deduplicate, drop relationships with a missing endpoint, and fix node order."""
        for label, parts in self._nodes.items():
            self.nodes[label] = self._final_nodes(label, parts)
        self._nodes.clear()
        for rtype, parts in self._rels.items():
            s_label, e_label = self.ends[rtype]
            kept = []
            for table, merge_key, last_row in parts:
                # endpoint positions within their label (null: no such node, so no relationship)
                si, ei = self._position(s_label, table.column("_s")), self._position(e_label, table.column("_e"))
                t = table.append_column("_si", si).append_column("_ei", ei)
                t = t.filter(pc.and_(pc.is_valid(si), pc.is_valid(ei)))
                # endpoints by position (ints, unique per node key): the same grouping as by key text, cheaper
                t = _dedupe(t, ["_si", "_ei", *merge_key], last_row=last_row)
                kept.append(t.drop_columns([k for k in merge_key if k.startswith("_")]))
            self.rels[rtype] = _drop_all_null(_concat(kept))
        self._rels.clear()

    def _position(self, label: str, keys: Any) -> Any:
        node = self.nodes.get(label)
        if node is None or not node.num_rows:
            return pa.nulls(len(keys), pa.int32())
        col = node.column(self.key[label])
        keys = keys.cast(col.type)
        if len(keys) == len(col) and keys.equals(col):  # the nodes' own key column (RESOLVES_TO, contacts)
            return pa.array(np.arange(len(keys), dtype=np.int32))
        return pc.index_in(keys, value_set=col)

    def has(self, label: str, keys: Any) -> Any:
        """Per key: does a node of ``label`` have it (only labels already added count)."""
        node = self.nodes.get(label)
        if node is None:
            node = _concat(self._nodes[label]) if self._nodes.get(label) else None
        if node is None:
            return pa.array([False] * len(keys))
        return pc.is_in(keys, value_set=node.column(self.key[label]).cast(keys.type))

    def bulk_sets(self) -> tuple[list[Any], list[Any], int, int]:
        """(label, table) node sets and (type, table, src ids, dst ids) edge sets for falkor_bulk."""
        node_sets, offsets, offset = [], {}, 0
        for label, t in self.nodes.items():
            if t.num_rows:
                offsets[label] = offset
                offset += t.num_rows
                node_sets.append((label, t))
        edge_sets, n_edges = [], 0
        for rtype, t in self.rels.items():
            if not t.num_rows:
                continue
            s_label, e_label = self.ends[rtype]
            ids = [t.column(col).to_numpy().astype(np.uint64) + np.uint64(offsets[label])
                   for col, label in (("_si", s_label), ("_ei", e_label))]
            edge_sets.append((rtype, t.drop_columns(["_s", "_e", "_si", "_ei"]), ids[0], ids[1]))
            n_edges += t.num_rows
        return node_sets, edge_sets, offset, n_edges

    @property
    def size(self) -> int:
        return sum(t.num_rows for t in self.nodes.values()) + sum(t.num_rows for t in self.rels.values())


def _read(pf: pq.ParquetFile, allowed: dict[str, Any], needed: tuple[str, ...]) -> Any:
    """Only the columns the graph can use (model properties plus what the loader derives from)."""
    names = pf.schema_arrow.names
    return pf.read(columns=[c for c in names if c in allowed or c in needed])


def _concat(tables: list[Any]) -> Any:
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")


def _drop_all_null(t: Any) -> Any:
    """A property null on every entity is not sent at all (BulkGraph never saw it either)."""
    return t.drop_columns([c for c in t.column_names if t.num_rows and t.column(c).null_count == t.num_rows])


def _dedupe(t: Any, keys: list[str], last_row: bool) -> Any:
    """Merge rows sharing ``keys`` as BulkGraph does; only the repeated keys go through Python."""
    if not t.num_rows:
        return t
    if len(keys) == 1:
        if pc.count_distinct(t.column(keys[0]), mode="all").as_py() == t.num_rows:
            return t
    elif t.select(keys).group_by(keys, use_threads=False).aggregate([]).num_rows == t.num_rows:
        return t
    key = t.column(keys[0]) if len(keys) == 1 else pc.binary_join_element_wise(
        *[pc.fill_null(t.column(k).cast(pa.string()), "\x00") for k in keys], "\x1f")
    g = pa.table({"k": key, "i": pa.array(np.arange(t.num_rows))}).group_by("k", use_threads=False).aggregate(
        [("i", "count")])
    dup = pc.is_in(key, value_set=g.filter(pc.greater(g.column("i_count"), 1)).column("k"))
    if len(keys) == 1 and key.null_count:
        dup = pc.fill_null(pc.or_(dup, pc.is_null(key)), True)
    merged: dict[Any, dict[str, Any]] = {}
    for k, r in zip(key.filter(dup).to_pylist(), t.filter(dup).to_pylist(), strict=True):
        cur = merged.get(k)
        if cur is None:
            merged[k] = r
        elif last_row:
            cur.update(r)
        else:
            cur.update({a: v for a, v in r.items() if v is not None})
    return pa.concat_tables([t.filter(pc.invert(dup)), pa.Table.from_pylist(list(merged.values()), schema=t.schema)])


def _col(t: Any, name: str, typ: Any = None) -> Any:
    """Column ``name`` (combined into one array), or all nulls when the table has no such column."""
    if name not in t.column_names:
        return pa.nulls(t.num_rows, typ or pa.string())
    c = t.column(name).combine_chunks()
    return c.storage if isinstance(c, pa.ExtensionArray) else c


def _str(a: Any) -> Any:
    """``str(v)`` of a key part, as the row path's f-strings give (None -> "None")."""
    return pc.fill_null(a.cast(pa.string()), "None")


def _truthy(a: Any) -> Any:
    """Python truthiness of a column's values (None, "" and 0 are false), as a non-null bool array."""
    if pa.types.is_string(a.type) or pa.types.is_large_string(a.type):
        return pc.fill_null(pc.greater(pc.utf8_length(a), 0), False)
    if pa.types.is_null(a.type):
        return pa.array([False] * len(a))
    if pa.types.is_boolean(a.type):
        return pc.fill_null(a, False)
    if pa.types.is_integer(a.type) or pa.types.is_floating(a.type):
        return pc.fill_null(pc.not_equal(a, 0), False)
    return pc.is_valid(a)


def _dates(a: Any) -> Any:
    """``_as_date`` over a column, as date32: vectorised for dates and ISO strings, Python for the rest."""
    if pa.types.is_date32(a.type):
        return a
    if pa.types.is_date64(a.type) or pa.types.is_timestamp(a.type):
        return a.cast(pa.date32()) if not pa.types.is_timestamp(a.type) else pc.cast(pc.floor_temporal(
            a, unit="day"), pa.timestamp(a.type.unit, a.type.tz)).cast(pa.date32())
    if pa.types.is_null(a.type):
        return pa.nulls(len(a), pa.date32())
    if pa.types.is_string(a.type) or pa.types.is_large_string(a.type):
        head = pc.utf8_slice_codeunits(a, 0, 10)
        iso = pc.match_substring_regex(head, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        parsed = pc.strptime(pc.if_else(iso, head, pa.scalar(None, pa.string())), format="%Y-%m-%d",
                             unit="s", error_is_null=True).cast(pa.date32())
        # strptime rolls 2024-02-30 over to 2024-03-01; the scalar parser refuses it
        parsed = pc.if_else(pc.fill_null(pc.equal(parsed.cast(pa.string()), head), False), parsed,
                            pa.scalar(None, pa.date32()))
        rest = pc.and_(pc.is_null(parsed), _truthy(a))  # odd forms: the scalar parser decides
        if not pc.any(rest).as_py():
            return parsed
        out = parsed.to_pylist()
        for i in pc.indices_nonzero(rest).to_pylist():
            out[i] = _as_date(a[i].as_py())
        return pa.array(out, pa.date32())
    return pa.array([_as_date(v) for v in a.to_pylist()], pa.date32())


def _picked(t: Any, allowed: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The columns ``_pick`` would keep (nulls are absent properties)."""
    return {c: _col(t, c) for c in t.column_names if c in allowed and c not in skip}


def _arrow_table(cols: dict[str, Any]) -> Any:
    return pa.table({k: v.combine_chunks() if isinstance(v, pa.ChunkedArray) else v for k, v in cols.items()})
