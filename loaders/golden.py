"""Golden records: one row per resident, each value chosen by a survivorship rule, with provenance.

Rules (documented in docs/linkage.md):
- identity fields (names, DOB, sex, NHS/NI numbers): the most trusted source for that field wins
  (``trust:`` in the mapping YAML, default 50), then the value most records agree on, then the most
  recent record date.
- address fields (postcode, UPRN, address text): the most recent record date wins, then trust.
Every value carries ``{value, source_system, record_id, date, rule}`` in ``provenance``.
"""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
from __future__ import annotations

import json

import duckdb

from loaders.mapping import SourceMapping

IDENTITY = ("first_name", "last_name", "dob", "sex", "nhs_number", "ni_number")
ADDRESS = ("postcode", "uprn", "address_text")
DEFAULT_TRUST = 50


def trust_table(con: duckdb.DuckDBPyConnection, mappings: list[SourceMapping]) -> None:
    rows = []
    for m in mappings:
        for f in (*IDENTITY, *ADDRESS):
            rows.append((m.source_system, f, int(m.trust.get(f, m.trust.get("default", DEFAULT_TRUST)))))
    con.execute("CREATE OR REPLACE TABLE trust (source_system VARCHAR, field VARCHAR, rank INTEGER)")
    if rows:
        con.executemany("INSERT INTO trust VALUES (?, ?, ?)", rows)


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create table ``residents`` from ``records`` (which has resident_id).

    One narrow query per field (a temp table of winners), then one join: a single query with every
    field at once needs several times the memory on a million records.
    """
    fields = (*IDENTITY, *ADDRESS)
    for f in fields:
        val = f"CAST(r.{f} AS VARCHAR)"
        if f in ADDRESS:
            order = "struct_pack(d := coalesce(r.record_date, DATE '1900-01-01'), t := coalesce(t.rank, 50), u := r.unique_id)"
            rule = "most recent record date, then source trust"
            agree = ""
        else:
            order = ("struct_pack(t := coalesce(t.rank, 50), n := c.n, "
                     "d := coalesce(r.record_date, DATE '1900-01-01'), u := r.unique_id)")
            rule = "most trusted source, then most records agreeing, then most recent"
            agree = (f"JOIN (SELECT resident_id, CAST({f} AS VARCHAR) AS v, count(*) AS n FROM records "
                     f"WHERE {f} IS NOT NULL GROUP BY ALL) c ON c.resident_id = r.resident_id AND c.v = {val}")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE g_{f} AS
            SELECT r.resident_id,
                   arg_max(struct_pack(value := {val}, source_system := r.source_system,
                                       record_id := r.record_id, date := CAST(r.record_date AS VARCHAR),
                                       rule := '{rule}'), {order}) AS p
            FROM records r {agree}
            LEFT JOIN trust t ON t.source_system = r.source_system AND t.field = '{f}'
            WHERE r.{f} IS NOT NULL GROUP BY r.resident_id""")
    joins = " ".join(f"LEFT JOIN g_{f} USING (resident_id)" for f in fields)
    prov = ", ".join(f"'{f}', g_{f}.p" for f in fields)
    cols = ", ".join(f"g_{f}.p.value AS {f}" for f in fields if f != "dob")
    con.execute(f"""
        CREATE OR REPLACE TABLE residents AS
        WITH n AS (SELECT resident_id, count(*) AS n_records,
                          list(DISTINCT source_system ORDER BY source_system) AS source_systems
                   FROM records GROUP BY resident_id)
        SELECT resident_id, {cols}, CAST(g_dob.p.value AS DATE) AS dob, n_records, source_systems,
               to_json(json_object({prov})) AS provenance
        FROM n {joins}
    """)
    for f in fields:
        con.execute(f"DROP TABLE g_{f}")


def provenance_fields(provenance_json: str) -> dict:
    """Parse one resident's provenance (for callers and tests)."""
    return {k: v for k, v in json.loads(provenance_json).items() if v is not None}
