"""Which current registrations are superseded, and by which sources: computed once at load time.

Several detectors ask "where does this person live now?": a current registration counts unless the same
person has a *later* current registration at another dwelling. Asked in Cypher, that is a second
expansion over every registration of every person (``OPTIONAL MATCH (m)-[l2:LIVES_AT]->...``), which
was most of the Supporting Families detector's time on a big borough. The answer depends on which
sources the session may see, so it cannot be a single precomputed "current address"; instead each
current LIVES_AT carries ``superseded_by``, the source systems of later current registrations at other
dwellings, and a query keeps a registration when none of those sources is in ``$access_sources``.
That is exactly the old test, with the per-session part left to the query.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa


def superseded_by(resident_id: Any, uprn: Any, source_system: Any, from_date: Any, current: Any) -> pa.Array:
    """Per row, the sorted source systems of the same resident's later current registrations elsewhere.

    A registration is later when both from-dates are known and the other's is greater (a missing date is
    never later nor earlier, as in Cypher). Null where nothing supersedes the row, and for rows that are
    not current themselves.
    """
    import duckdb

    t = pa.table({"rid": resident_id, "uprn": uprn, "src": source_system, "f": from_date, "cur": current})
    t = t.append_column("i", pa.array(range(t.num_rows), pa.int64()))
    con = duckdb.connect()
    try:
        con.register("t", t)
        out = con.sql("""
            SELECT l.i, list(DISTINCT l2.src ORDER BY l2.src) AS by
            FROM t l JOIN t l2 ON l.rid = l2.rid AND l2.uprn <> l.uprn AND l2.f > l.f AND l2.cur
            WHERE l.cur
            GROUP BY l.i
        """).to_arrow_table()
    finally:
        con.close()
    result: list[list[str] | None] = [None] * t.num_rows
    for i, by in zip(out.column("i").to_pylist(), out.column("by").to_pylist(), strict=True):
        result[i] = by
    return pa.array(result, pa.list_(pa.string()))
