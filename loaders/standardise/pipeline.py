"""Turn one validated raw source table into rows of the common ``records`` table, in one SQL pass."""

from __future__ import annotations

import duckdb

from loaders.mapping import SourceMapping
from loaders.read import q
from loaders.standardise import addresses, identifiers, names, postcodes
from loaders.standardise.dates import parse_date_sql

# Placeholder names that are not evidence of identity.
NON_NAMES = ("ANONYMOUS", "UNKNOWN", "NOT GIVEN", "NOTGIVEN", "NK", "REFUSED", "NONE", "NA", "TBC",
             "WITHHELD", "CALLER", "BABY", "INFANT", "UNBORN")

RECORD_COLUMNS = """
    unique_id VARCHAR, source_system VARCHAR, record_id VARCHAR, row_number BIGINT,
    title VARCHAR, first_name VARCHAR, middle_names VARCHAR, last_name VARCHAR, suffix VARCHAR,
    first_name_key VARCHAR, last_name_key VARCHAR, first_nicks VARCHAR[], surname_tokens VARCHAR[],
    first_initial VARCHAR, dob DATE, dob_str VARCHAR, sex VARCHAR,
    address_text VARCHAR, flat VARCHAR, house_number VARCHAR, street VARCHAR, building VARCHAR,
    town VARCHAR, postcode VARCHAR, postcode_outward VARCHAR, postcode_sector VARCHAR,
    property_ref VARCHAR, uprn VARCHAR, nhs_number VARCHAR, ni_number VARCHAR, pupil_number VARCHAR,
    phone VARCHAR, email VARCHAR, person_ref VARCHAR, other_id VARCHAR, record_date DATE,
    attributes VARCHAR
"""


def register_macros(con: duckdb.DuckDBPyConnection) -> None:
    names.register(con)
    postcodes.register(con)
    identifiers.register(con)
    addresses.register(con)
    non = ", ".join(f"'{n}'" for n in NON_NAMES)
    con.execute(f"CREATE OR REPLACE MACRO rx_real_name(x) AS CASE WHEN x IN ({non}) THEN NULL ELSE x END")


def parse_addresses(con: duckdb.DuckDBPyConnection, table: str = "records_raw") -> None:
    """Address parts and postcode forms, computed once per distinct value and joined back.

    Addresses and postcodes repeat heavily across sources (one dwelling, many records), so parsing
    the distinct values is several times faster than parsing every row.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _addr AS
        WITH d AS (SELECT DISTINCT address_text FROM {table} WHERE address_text IS NOT NULL),
        s1 AS (SELECT address_text, rx_addr_clean(address_text) AS a FROM d),
        s2 AS (SELECT *, rx_addr_noflat(a) AS nf FROM s1),
        s3 AS (SELECT *, rx_addr_rest_of(nf) AS ar FROM s2)
        SELECT address_text, rx_addr_flat_of(a, nf) AS flat, rx_addr_number_of(ar) AS house_number,
               rx_addr_street_of(rx_addr_expand(rx_addr_street_raw_of(ar))) AS street,
               rx_addr_building_of(nf) AS building
        FROM s3""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _pc AS
        WITH d AS (SELECT DISTINCT postcode AS c FROM {table} WHERE postcode IS NOT NULL)
        SELECT c, rx_postcode_of(c) AS postcode, rx_pc_outward_of(c) AS outward, rx_pc_sector_of(c) AS sector
        FROM d""")
    con.execute(f"""
        CREATE OR REPLACE TABLE {table} AS
        SELECT r.* REPLACE (a.flat AS flat, a.house_number AS house_number, a.street AS street,
                            a.building AS building, p.postcode AS postcode, p.outward AS postcode_outward,
                            p.sector AS postcode_sector)
        FROM {table} r LEFT JOIN _addr a USING (address_text) LEFT JOIN _pc p ON p.c = r.postcode
        ORDER BY r.unique_id""")
    con.execute("DROP TABLE _addr")
    con.execute("DROP TABLE _pc")


def create_records(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS records_raw ({RECORD_COLUMNS})")


def _col(m: SourceMapping, canon: str) -> str:
    c = m.columns.get(canon)
    return f"nullif(trim({q(c)}), '')" if c else "CAST(NULL AS VARCHAR)"


def _s(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def standardise_source(con: duckdb.DuckDBPyConnection, m: SourceMapping, table: str) -> None:
    """Insert the standardised rows of ``table`` (validated raw) into ``records_raw``."""
    key = " || '|' || ".join(f"trim({q(k)})" for k in m.record_key)
    first_raw, last_raw = _col(m, "first_name"), _col(m, "last_name")
    full_raw = _col(m, "full_name")
    suffix = (f"coalesce(rx_suffix({last_raw}), rx_suffix({first_raw}), rx_suffix({full_raw}))")
    # address text: explicit one-line address, else the lines joined with ', '
    line_cols = [m.columns[c] for c in ("address_line_1", "address_line_2", "address_line_3",
                                        "address_line_4") if c in m.columns]
    if "address" in m.columns:
        addr_text = _col(m, "address")
        if line_cols:
            addr_text = f"coalesce({addr_text}, nullif(concat_ws(', ', {', '.join(q(c) for c in line_cols)}), ''))"
    elif line_cols:
        parts = ", ".join(f"nullif(trim({q(c)}), '')" for c in line_cols)
        addr_text = f"nullif(concat_ws(', ', {parts}), '')"
    else:
        addr_text = "CAST(NULL AS VARCHAR)"
    dob = parse_date_sql(q(m.dates["dob"].column), m.dates["dob"]) if "dob" in m.dates else "CAST(NULL AS DATE)"
    rdate = (parse_date_sql(q(m.dates["record_date"].column), m.dates["record_date"])
             if "record_date" in m.dates else "CAST(NULL AS DATE)")
    sex_cases = " ".join(f"WHEN {_s(k)} THEN {_s(v)}" for k, v in m.sex_values.items())
    sex = f"CASE upper(trim({q(m.columns['sex'])})) {sex_cases} END" if "sex" in m.columns else "CAST(NULL AS VARCHAR)"
    attr_cols = list(dict.fromkeys([*m.attributes, *m.fact_columns()]))
    attrs = (f"to_json(struct_pack({', '.join(f'{q(c)} := {q(c)}' for c in attr_cols)}))"
             if attr_cols else "'{}'")
    uprn = f"nullif(rx_digits({_col(m, 'uprn')}), '')"
    # Staged CTEs: each regex-heavy step runs once per row on the previous stage's column.
    sql = f"""
    INSERT INTO records_raw
    WITH base AS (
        SELECT {key} AS record_id, _row,
               rx_name_clean({_col(m, 'title')}) AS title,
               {first_raw} AS first_raw, {last_raw} AS last_raw, rx_name_core({full_raw}) AS full_core,
               rx_name_clean({_col(m, 'middle_names')}) AS middle_decl,
               {suffix} AS suffix,
               {dob} AS dob, {sex} AS sex, {addr_text} AS addr_text,
               rx_name_clean({_col(m, 'town')}) AS town,
               rx_pc_c({_col(m, 'postcode')}) AS pc_c,
               {_col(m, 'property_ref')} AS property_ref, {uprn} AS uprn,
               rx_digits({_col(m, 'nhs_number')}) AS nhs_digits, rx_ni({_col(m, 'ni_number')}) AS ni_number,
               rx_upn({_col(m, 'pupil_number')}) AS pupil_number,
               rx_phone({_col(m, 'phone')}) AS phone, rx_email({_col(m, 'email')}) AS email,
               {_col(m, 'person_ref')} AS person_ref, upper({_col(m, 'other_id')}) AS other_id,
               {rdate} AS record_date, {attrs} AS attributes
        FROM {q(table)}
    ), s0 AS (
        SELECT * EXCLUDE (first_raw, last_raw, full_core),
               coalesce(rx_name_core(first_raw), rx_split_rest(full_core)) AS rest_raw,
               coalesce(rx_name_core(last_raw), rx_split_last(full_core)) AS last_core
        FROM base
    ), s1 AS (
        SELECT * EXCLUDE (rest_raw, last_core),
               rx_real_name(rx_name_clean(rx_name_core(rest_raw))) AS rest_clean,
               rx_real_name(rx_name_clean(last_core)) AS last_clean
        FROM s0
    ), s2 AS (
        SELECT *, nullif(split_part(rest_clean, ' ', 1), '') AS first_clean FROM s1
    ), s4 AS (
        SELECT *, rx_name_key(first_clean) AS fkey FROM s2
    )
    SELECT {_s(m.source_system)} || ':' || record_id, {_s(m.source_system)}, record_id, _row,
           title, first_clean,
           coalesce(middle_decl, nullif(trim(substr(rest_clean, length(split_part(rest_clean, ' ', 1)) + 1)), '')),
           last_clean, suffix, fkey, rx_name_key(last_clean),
           CASE WHEN fkey IS NULL THEN NULL ELSE list_distinct(list_concat([fkey], coalesce(nl.canons, []))) END,
           rx_name_tokens(last_clean), left(first_clean, 1),
           dob, strftime(dob, '%Y-%m-%d'), sex,
           nullif(addr_text, ''), NULL, NULL, NULL, NULL,
           town, pc_c, NULL, NULL,
           property_ref, uprn, rx_nhs_of(nhs_digits), ni_number, pupil_number, phone, email,
           CASE WHEN person_ref IS NOT NULL THEN {_s(m.source_system)} || ':' || person_ref END, other_id,
           record_date, attributes
    FROM s4 LEFT JOIN (SELECT name, list(canon ORDER BY canon) AS canons FROM nick GROUP BY name) nl
      ON nl.name = fkey
    """
    con.execute(sql)
