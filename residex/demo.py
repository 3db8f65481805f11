"""`residex demo`: the whole product on a small synthetic borough, on the embedded store.

Until the later stages land this writes a handful of example nodes so a newcomer can see the store work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from graph.store import data_dir, open_store

EXAMPLE = [
    {"resident_id": "DEMO-1", "name": "Amira Khan", "uprn": "100023001", "address": "Flat 4, 12 High Street"},
    {"resident_id": "DEMO-2", "name": "Tom Khan", "uprn": "100023001", "address": "Flat 4, 12 High Street"},
    {"resident_id": "DEMO-3", "name": "Grace Obi", "uprn": "100023002", "address": "12a High Street"},
]


def run_demo(data: Path | None, progress: Callable[[str], None] = print) -> None:
    where = data or data_dir()
    with open_store(data=where) as store:
        store.write_batches(
            "UNWIND $rows AS row MERGE (r:Resident {resident_id: row.resident_id}) SET r.name = row.name "
            "MERGE (a:Address {uprn: row.uprn}) SET a.address_text = row.address MERGE (r)-[:LIVES_AT]->(a)",
            EXAMPLE,
        )
        store.checkpoint()
        (counts,) = store.read("MATCH (r:Resident)-[:LIVES_AT]->(a:Address) "
                               "RETURN count(DISTINCT r) AS residents, count(DISTINCT a) AS addresses")
        progress(f"demo graph on {store.engine}: {counts['residents']} residents at {counts['addresses']} addresses")
        path = getattr(store, "path", None)
        print(f"data lives in {path.resolve() if path else 'the Neo4j database at NEO4J_URI'}")
