"""Match explanations: per linked pair, each comparison's level and match weight (the waterfall)."""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
from __future__ import annotations

import json

import duckdb

from loaders.read import lit


def build(con: duckdb.DuckDBPyConnection, labels: dict[str, dict[int, str]]) -> None:
    """View ``match_explanations`` for the edges that ended inside one resident.

    A view: it is only written out (sorted) once, so the 1.2M JSON rows at 1M records are not
    materialised (and compressed by DuckDB's checkpoint) in between."""
    cols = set(con.execute("SELECT * FROM predictions LIMIT 0").df().columns)
    parts = []
    for c in labels:
        if f"gamma_{c}" not in cols:
            continue
        tf = f"p.mw_tf_adj_{c}" if f"mw_tf_adj_{c}" in cols else "NULL"
        # the level label inline (a lookup subquery per comparison was one join each on a million pairs)
        whens = " ".join(f"WHEN {int(g)} THEN {lit(lab)}" for g, lab in labels[c].items())
        level = f"CASE p.gamma_{c} {whens} END" if whens else "CAST(NULL AS VARCHAR)"
        parts.append(f"""'{c}', struct_pack(level := {level},
                          gamma := p.gamma_{c}, match_weight := round(p.mw_{c}, 3),
                          tf_adjustment := round({tf}, 3))""")
    comp = f"to_json(json_object({', '.join(parts)}))" if parts else "'{}'"
    con.execute(f"""
        CREATE OR REPLACE VIEW match_explanations AS
        SELECT a.record_id AS record_id_l, a.source_system AS source_l,
               b.record_id AS record_id_r, b.source_system AS source_r, a.resident_id,
               e.probability AS match_probability, coalesce(p.match_weight, e.weight) AS match_weight,
               e.rules AS rules,
               CASE WHEN p.idx_l IS NULL THEN '{{}}' ELSE {comp} END AS comparisons
        FROM edges e
        JOIN records a ON a.idx = e.i JOIN records b ON b.idx = e.j
        LEFT JOIN predictions p ON p.idx_l = e.i AND p.idx_r = e.j
        WHERE a.resident_id = b.resident_id
    """)


def parse(comparisons_json: str) -> dict:
    return json.loads(comparisons_json)
