"""Data-quality report per source system, for data owners to correct their systems.

Per source: rows read/accepted/quarantined by reason, within-source duplicates (two records of the
source linked to one resident), fields that disagree with the golden record (DOB, surname, postcode)
with examples, and missing-value rates for each canonical field the mapping fills.
"""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from loaders.mapping import SourceMapping

FIELDS = ("first_name", "last_name", "dob", "sex", "postcode", "address_text", "nhs_number",
          "ni_number", "pupil_number", "uprn")
EXAMPLES = 10


def report(con: duckdb.DuckDBPyConnection, mappings: list[SourceMapping], counts: dict[str, dict],
           quarantine_counts: dict[str, dict[str, int]], out: Path) -> dict:
    res: dict[str, dict] = {}
    for m in mappings:
        s = m.source_system
        d: dict = {"file": m.file, **counts.get(s, {}), "quarantined_by_reason": quarantine_counts.get(s, {})}
        dup = con.execute("""
            SELECT resident_id, list(record_id ORDER BY record_id) FROM records WHERE source_system = ?
            GROUP BY resident_id HAVING count(*) > 1 ORDER BY resident_id""", [s]).fetchall()
        d["within_source_duplicates"] = {
            "residents": len(dup), "records": sum(len(r[1]) for r in dup),
            "examples": [{"resident_id": r[0], "record_ids": r[1]} for r in dup[:EXAMPLES]]}
        dis: dict[str, dict] = {}
        for f, cond in (("dob", "r.dob <> g.dob"),
                        ("last_name", "rx_name_key(r.last_name) <> rx_name_key(g.last_name)"),
                        ("first_name", "rx_name_key(r.first_name) <> rx_name_key(g.first_name)"),
                        ("postcode", "r.postcode <> g.postcode")):
            rows = con.execute(f"""
                SELECT r.record_id, r.resident_id, CAST(r.{f} AS VARCHAR), CAST(g.{f} AS VARCHAR)
                FROM records r JOIN residents g USING (resident_id)
                WHERE r.source_system = ? AND g.n_records > 1 AND {cond}
                ORDER BY r.record_id""", [s]).fetchall()
            dis[f] = {"records": len(rows), "examples": [
                {"record_id": a, "resident_id": b, "source_value": c, "golden_value": e} for a, b, c, e in rows[:EXAMPLES]]}
        d["disagrees_with_golden"] = dis
        filled = [f for f in FIELDS if _mapped(m, f)]
        if filled:
            exprs = ", ".join(f"avg(CASE WHEN {f} IS NULL THEN 1.0 ELSE 0.0 END)" for f in filled)
            vals = con.execute(f"SELECT {exprs} FROM records WHERE source_system = ?", [s]).fetchall()[0]
            d["missing_rate"] = {f: round(float(v or 0), 4) for f, v in zip(filled, vals, strict=True)}
        res[s] = d
    (out / "data_quality.json").write_text(json.dumps(res, indent=1, default=str))
    return res


def _mapped(m: SourceMapping, f: str) -> bool:
    if f in ("first_name", "last_name"):
        return f in m.columns or "full_name" in m.columns
    if f == "address_text":
        return any(k.startswith("address") for k in m.columns)
    if f == "dob":
        return "dob" in m.dates
    return f in m.columns
