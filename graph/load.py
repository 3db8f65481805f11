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

import pyarrow.parquet as pq

from graph.model import GraphModel, load_model
from graph.pseudonym import load_key, pseudonym
from graph.search_keys import fold, phonetic
from graph.store import GraphStore, data_dir

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
SET l.from_date = row.from_date, l.to_date = row.to_date, l.current = row.current, l.load_id = $load_id
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

    ``bulk``: True (default) builds a first load into an empty graph in bulk when the store can (it
    holds the whole graph in memory while it does: about 5 GB for a 1M-record borough); False never.
    """

    def __init__(self, store: GraphStore, index_dir: Path, progress: Progress | None = None,
                 batch_size: int = BATCH, model: GraphModel | None = None, key_dir: Path | None = None,
                 bulk: bool = True) -> None:
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

        tables = (addresses, residents, records, lives_at, claims, contacts, family)
        if self.bulk and self.store.can_bulk_build():
            if self._run_bulk(*tables):
                self.store.checkpoint()
                return self.report
            self.report = LoadReport(load_id=self.report.load_id)
            self.wards.clear()
        self._run_merge(*tables)
        self.store.checkpoint()
        return self.report

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
        self._write("lives_at", Q_LIVES_AT, self._lives_at_rows(lives_at))
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
        """Build the same graph as the MERGE queries would, in Python, and hand it to the store at once.

        Each block below mirrors one ``Q_*`` statement (same keys, properties, ``load_id`` stamps and
        MATCH conditions); tests/test_bulk_load.py checks that both paths give the same graph.
        """
        start = time.monotonic()
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
        for row in self._lives_at_rows(lives_at):  # Q_LIVES_AT
            counts["lives_at"] += 1
            g.rel("LIVES_AT", row["resident_id"], row["uprn"],
                  {"source_system": row["source_system"], "record_id": row["record_id"],
                   "from_date": row["from_date"], "to_date": row["to_date"], "current": row["current"],
                   "load_id": lid}, (row["source_system"], row["record_id"]))
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
        del resident_rows
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
        for row in _rows(pf):
            if row.get("ward"):
                self.wards[str(row["uprn"])] = row["ward"]
            row["uprn"] = str(row["uprn"])
            row["protected"] = row["uprn"] in self.protected
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

    def _lives_at_rows(self, pf: pq.ParquetFile | None) -> Iterator[dict[str, Any]]:
        for row in _rows(pf):
            if not row.get("uprn"):
                self.report.skipped["lives_at"] = self.report.skipped.get("lives_at", 0) + 1
                continue
            to_date = _as_date(row.get("to_date"))
            yield {"resident_id": str(row["resident_id"]), "uprn": str(row["uprn"]),
                   "source_system": row["source_system"], "record_id": str(row["record_id"]),
                   "from_date": _as_date(row.get("from_date")), "to_date": to_date,
                   "current": to_date is None or to_date >= self.as_of}

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
            yield {"household_id": f"H-{uprn}", "uprn": uprn, "members": [m["resident_id"] for m in members],
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
