"""Golden records: one row per resident, each value chosen by a survivorship rule, with provenance.

Rules (documented in docs/linkage.md):
- identity fields (names, DOB, sex, NHS/NI numbers): the most trusted source for that field wins
  (``trust:`` in the mapping YAML, default 50), then the value most records agree on, then the most
  recent record date.
- address fields (postcode, UPRN, address text): the most recent record date wins, then trust.
- ``deceased`` / ``date_of_death``: any record a mapping's ``facts.death`` declaration says records a
  death (GP deregistration for death, or a date of death); the latest such date wins. Detectors skip
  deceased residents, whose stale registrations elsewhere would otherwise count them as occupants.
Every value carries ``{value, source_system, record_id, date, rule}`` in ``provenance``.
"""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
from __future__ import annotations

import json

import duckdb

from loaders.mapping import SourceMapping
from loaders.read import lit
from loaders.standardise.dates import parse_date_sql

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
    death_evidence(con, mappings)


def death_evidence(con: duckdb.DuckDBPyConnection, mappings: list[SourceMapping]) -> None:
    """Table ``death_ev`` (source_system, record_id, death_date): records that say their person died.

    Built with the trust table because both come from the mappings; ``build`` turns it into the
    golden ``deceased`` flag. A death reason without a parseable date still counts (date null).
    """
    con.execute("""CREATE OR REPLACE TABLE death_ev (source_system VARCHAR, record_id VARCHAR,
                   death_date DATE)""")
    def attr(col: str) -> str:  # a declared source column kept in the record's attributes JSON
        return f"nullif(trim(json_extract_string(attributes, {lit('$.' + json.dumps(col))})), '')"

    for m in mappings:
        d = m.facts.death
        if d is None:
            continue
        date = parse_date_sql(attr(d.date.column), d.date) if d.date else "CAST(NULL AS DATE)"
        tests = [f"{date} IS NOT NULL"] if d.date else []
        if d.when_column:
            vals = ", ".join(lit(v.upper()) for v in d.when_values)
            tests.append(f"upper({attr(d.when_column)}) IN ({vals})")
        con.execute(f"""INSERT INTO death_ev SELECT source_system, CAST(record_id AS VARCHAR), {date}
                        FROM records WHERE source_system = {lit(m.source_system)} AND ({' OR '.join(tests)})""")


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
    has_deaths = bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'death_ev'").fetchall()[0][0])
    death_src = ("death_ev" if has_deaths else
                 "(SELECT NULL::VARCHAR AS source_system, NULL::VARCHAR AS record_id, NULL::DATE AS death_date LIMIT 0)")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE g_deceased AS
        SELECT r.resident_id, max(e.death_date) AS date_of_death,
               arg_max(struct_pack(value := 'true', source_system := e.source_system, record_id := e.record_id,
                                   date := CAST(e.death_date AS VARCHAR),
                                   rule := 'a record of death (mapping facts.death)'),
                       struct_pack(d := coalesce(e.death_date, DATE '1900-01-01'), r := e.record_id)) AS p
        FROM {death_src} e JOIN records r
          ON r.source_system = e.source_system AND CAST(r.record_id AS VARCHAR) = e.record_id
        GROUP BY r.resident_id""")
    fields_p = (*fields, "deceased")
    joins = " ".join(f"LEFT JOIN g_{f} USING (resident_id)" for f in fields_p)
    prov = ", ".join(f"'{f}', g_{f}.p" for f in fields_p)
    cols = ", ".join(f"g_{f}.p.value AS {f}" for f in fields if f != "dob")
    con.execute(f"""
        CREATE OR REPLACE TABLE residents AS
        WITH n AS (SELECT resident_id, count(*) AS n_records,
                          -- sorted distinct sources (an ordered aggregate sorts each group on its own)
                          list_sort(list_distinct(list(source_system))) AS source_systems
                   FROM records GROUP BY resident_id)
        SELECT resident_id, {cols}, CAST(g_dob.p.value AS DATE) AS dob, n_records, source_systems,
               g_deceased.resident_id IS NOT NULL AS deceased, g_deceased.date_of_death,
               to_json(json_object({prov})) AS provenance
        FROM n {joins}
    """)
    for f in fields_p:
        con.execute(f"DROP TABLE g_{f}")


def provenance_fields(provenance_json: str) -> dict:
    """Parse one resident's provenance (for callers and tests)."""
    return {k: v for k, v in json.loads(provenance_json).items() if v is not None}
