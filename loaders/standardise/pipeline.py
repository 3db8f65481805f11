"""Turn one validated raw source table into rows of the common ``records`` table, in one SQL pass."""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
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
    attributes VARCHAR, addr_from DATE, addr_to DATE
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
    the distinct values is several times faster than parsing every row. Leaves ``_parts``
    (unique_id -> flat, house_number, street, building, postcode, outward, sector).
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _addr AS
        WITH d AS (SELECT DISTINCT address_text FROM {table} WHERE address_text IS NOT NULL),
        c AS (SELECT address_text, rx_addr_clean(address_text) AS a FROM d),
        s1 AS (SELECT DISTINCT a FROM c),
        s2 AS (SELECT *, rx_addr_noflat(a) AS nf FROM s1),
        s3 AS (SELECT *, rx_addr_rest_of(nf) AS ar FROM s2),
        parsed AS (
            SELECT a, rx_addr_flat_of(a, nf) AS flat, rx_addr_number_of(ar) AS house_number,
                   rx_addr_street_of(rx_addr_expand(rx_addr_street_raw_of(ar))) AS street,
                   rx_addr_building_of(nf) AS building
            FROM s3)
        SELECT c.address_text, parsed.* EXCLUDE (a) FROM c JOIN parsed USING (a)""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _pc AS
        WITH d AS (SELECT DISTINCT postcode AS c FROM {table} WHERE postcode IS NOT NULL)
        SELECT c, rx_postcode_of(c) AS postcode, rx_pc_outward_of(c) AS outward, rx_pc_sector_of(c) AS sector
        FROM d""")
    # narrow table of the parsed parts per record; the caller builds the final table in one pass
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _parts AS
        SELECT r.unique_id, a.flat, a.house_number, a.street, a.building, p.postcode,
               p.outward AS postcode_outward, p.sector AS postcode_sector
        FROM {table} r LEFT JOIN _addr a USING (address_text) LEFT JOIN _pc p ON p.c = r.postcode""")
    con.execute("DROP TABLE _addr")
    con.execute("DROP TABLE _pc")


def create_records(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS records_raw ({RECORD_COLUMNS})")


def _col(m: SourceMapping, canon: str) -> str:
    c = m.columns.get(canon)
    return f"nullif(trim({q(c)}), '')" if c else "CAST(NULL AS VARCHAR)"


def _s(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


_NICKS = "(SELECT name, list(canon ORDER BY canon) AS canons FROM nick GROUP BY name)"


def _first_dict(con: duckdb.DuckDBPyConnection, sql_from: str) -> None:
    """``_df``: raw forename text -> cleaned forenames, first name, key, nicknames, initial, middles."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _df AS
        WITH d AS ({sql_from}),
        c AS (SELECT raw, rx_real_name(rx_name_clean(rx_name_core(raw))) AS rest FROM d),
        f AS (SELECT *, nullif(split_part(rest, ' ', 1), '') AS first FROM c)
        SELECT raw, first, rx_name_key(first) AS fkey, left(first, 1) AS initial,
               nullif(trim(substr(rest, length(split_part(rest, ' ', 1)) + 1)), '') AS middle,
               CASE WHEN first IS NULL THEN NULL ELSE
                   list_distinct(list_concat([rx_name_key(first)], coalesce(nl.canons, []))) END AS nicks
        FROM f LEFT JOIN {_NICKS} nl ON nl.name = rx_name_key(first)""")


def _last_dict(con: duckdb.DuckDBPyConnection, sql_from: str) -> None:
    """``_dl``: raw surname text -> cleaned surname, key, tokens."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _dl AS
        WITH d AS ({sql_from}),
        c AS (SELECT raw, rx_real_name(rx_name_clean(rx_name_core(raw))) AS last FROM d)
        SELECT raw, last, rx_name_key(last) AS lkey, rx_name_tokens(last) AS tokens FROM c""")


def standardise_source(con: duckdb.DuckDBPyConnection, m: SourceMapping, table: str) -> None:
    """Insert the standardised rows of ``table`` (validated raw) into ``records_raw``.

    Names repeat heavily (a few thousand forenames), so they are cleaned once per distinct text in
    small dictionary tables and joined back; full names are split first, per distinct full name.
    """
    key = " || '|' || ".join(f"trim({q(k)})" for k in m.record_key)
    first_raw, last_raw = _col(m, "first_name"), _col(m, "last_name")
    full_raw = _col(m, "full_name")
    t = q(table)
    # full names: split per distinct value into forename part and surname part
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _du AS
        WITH d AS (SELECT DISTINCT {full_raw} AS raw FROM {t} WHERE {full_raw} IS NOT NULL),
        c AS (SELECT raw, rx_name_core(raw) AS core FROM d)
        SELECT raw, rx_split_rest(core) AS rest_raw, rx_split_last(core) AS last_raw, rx_suffix(raw) AS suffix
        FROM c""")
    _first_dict(con, f"SELECT DISTINCT {first_raw} AS raw FROM {t} WHERE {first_raw} IS NOT NULL "
                     f"UNION SELECT DISTINCT rest_raw FROM _du WHERE rest_raw IS NOT NULL")
    _last_dict(con, f"SELECT DISTINCT {last_raw} AS raw FROM {t} WHERE {last_raw} IS NOT NULL "
                    f"UNION SELECT DISTINCT last_raw FROM _du WHERE last_raw IS NOT NULL")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _dsuf AS
        SELECT DISTINCT {last_raw} AS l, {first_raw} AS f,
               coalesce(rx_suffix({last_raw}), rx_suffix({first_raw})) AS suffix
        FROM {t} WHERE regexp_matches(coalesce({last_raw}, '') || ' ' || coalesce({first_raw}, ''),
                                      '(?i)\\s(jr|jnr|junior|sr|snr|senior|ii|iii|iv)\\.?\\s*$')""")
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
    # the period the record's address was current (facts.address): a move ends one and starts the next
    a_from, a_to = (parse_date_sql(q(d.column), d) if d else "CAST(NULL AS DATE)"
                    for d in (m.facts.address_from, m.facts.address_to))
    sex_cases = " ".join(f"WHEN {_s(k)} THEN {_s(v)}" for k, v in m.sex_values.items())
    sex = f"CASE upper(trim({q(m.columns['sex'])})) {sex_cases} END" if "sex" in m.columns else "CAST(NULL AS VARCHAR)"
    attr_cols = list(dict.fromkeys([*m.attributes, *m.fact_columns()]))
    attrs = (f"to_json(struct_pack({', '.join(f'{q(c)} := {q(c)}' for c in attr_cols)}))"
             if attr_cols else "'{}'")
    uprn = f"nullif(rx_digits({_col(m, 'uprn')}), '')"
    sql = f"""
    INSERT INTO records_raw
    WITH base AS (
        SELECT {key} AS record_id, _row,
               rx_name_clean({_col(m, 'title')}) AS title,
               {first_raw} AS first_raw, {last_raw} AS last_raw, {full_raw} AS full_raw,
               rx_name_clean({_col(m, 'middle_names')}) AS middle_decl,
               {dob} AS dob, {sex} AS sex, {addr_text} AS addr_text,
               rx_name_clean({_col(m, 'town')}) AS town,
               rx_pc_c({_col(m, 'postcode')}) AS pc_c,
               {_col(m, 'property_ref')} AS property_ref, {uprn} AS uprn,
               rx_digits({_col(m, 'nhs_number')}) AS nhs_digits, rx_ni({_col(m, 'ni_number')}) AS ni_number,
               rx_upn({_col(m, 'pupil_number')}) AS pupil_number,
               rx_phone({_col(m, 'phone')}) AS phone, rx_email({_col(m, 'email')}) AS email,
               {_col(m, 'person_ref')} AS person_ref, upper({_col(m, 'other_id')}) AS other_id,
               {rdate} AS record_date, {attrs} AS attributes, {a_from} AS addr_from, {a_to} AS addr_to
        FROM {t}
    ), named AS (
        SELECT b.*, u.suffix AS suffix_u, coalesce(b.first_raw, u.rest_raw) AS fr,
               coalesce(b.last_raw, u.last_raw) AS lr
        FROM base b LEFT JOIN _du u ON u.raw = b.full_raw
    )
    SELECT {_s(m.source_system)} || ':' || record_id, {_s(m.source_system)}, record_id, _row,
           title, f.first, coalesce(middle_decl, f.middle), l.last, coalesce(sx.suffix, suffix_u),
           f.fkey, l.lkey, f.nicks, l.tokens, f.initial,
           dob, strftime(dob, '%Y-%m-%d'), sex,
           nullif(addr_text, ''), NULL, NULL, NULL, NULL,
           town, pc_c, NULL, NULL,
           property_ref, uprn, rx_nhs_of(nhs_digits), ni_number, pupil_number, phone, email,
           CASE WHEN person_ref IS NOT NULL THEN {_s(m.source_system)} || ':' || person_ref END, other_id,
           record_date, attributes, addr_from, addr_to
    FROM named n LEFT JOIN _df f ON f.raw = n.fr LEFT JOIN _dl l ON l.raw = n.lr
    LEFT JOIN _dsuf sx ON sx.l IS NOT DISTINCT FROM n.last_raw AND sx.f IS NOT DISTINCT FROM n.first_raw
    """
    con.execute(sql)
    for tmp in ("_du", "_df", "_dl", "_dsuf"):
        con.execute(f"DROP TABLE {tmp}")
