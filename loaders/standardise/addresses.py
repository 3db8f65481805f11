"""Addresses: flat / house-number extraction and street normalisation, as DuckDB macros.

`Flat 4, 12 High St`, `4/12 High Street`, `12 High Street Flat 4` all give flat `4`, number `12`,
street `HIGH STREET`; `12a High Street` and `Flat A, 12 High Street` both give flat `A`, number `12`
(the gazetteer writes flat A as 12a in some systems). `GFF` and `Ground Floor Flat` give flat `GF`.
Street types are expanded (`St` -> `STREET`, `Rd` -> `ROAD`) so styles compare equal; the town and
the postcode are removed from the street text. The combined comparison in
``loaders.linkage.comparisons`` uses these parts together so one address is one piece of evidence.
"""

from __future__ import annotations

import duckdb

STREET_TYPES = {
    "ST": "STREET", "RD": "ROAD", "AVE": "AVENUE", "AV": "AVENUE", "LN": "LANE", "CL": "CLOSE",
    "CRES": "CRESCENT", "CR": "CRESCENT", "DR": "DRIVE", "GDNS": "GARDENS", "GRDNS": "GARDENS",
    "PL": "PLACE", "SQ": "SQUARE", "CT": "COURT", "TER": "TERRACE", "TERR": "TERRACE", "GRN": "GREEN",
    "PK": "PARK", "GR": "GROVE", "GRV": "GROVE", "HL": "HILL", "WY": "WAY", "PDE": "PARADE",
    "MWS": "MEWS", "RISE": "RISE", "WLK": "WALK", "BLVD": "BOULEVARD", "HSE": "HOUSE", "CTS": "COURTS",
}
_TYPE_WORDS = sorted(set(STREET_TYPES.values()) | {"ROW", "END", "YARD", "VIEW", "CHASE", "DRIVE"})
FLOOR_FLATS = [
    ("(?:GROUND FLOOR FLAT|GROUND FLOOR|GFF|GRD FLR FLAT|GF FLAT)", "GF"),
    ("(?:FIRST FLOOR FLAT|FIRST FLOOR|1ST FLOOR FLAT|1ST FLOOR|FFF)", "1F"),
    ("(?:SECOND FLOOR FLAT|SECOND FLOOR|2ND FLOOR FLAT|2ND FLOOR|SFF)", "2F"),
    ("(?:TOP FLOOR FLAT|TOP FLOOR|TFF)", "TF"),
    ("(?:BASEMENT FLAT|BASEMENT|LOWER GROUND FLOOR FLAT|LGF)", "B"),
]
_FLAT_WORD = "(?:FLAT|FLT|APARTMENT|APT|ROOM|RM|UNIT|STUDIO)"


def _expand_types_sql(x: str) -> str:
    # one regexp per abbreviation, word-bounded; applied to cleaned upper-case text
    for abbr, full in STREET_TYPES.items():
        if abbr == full:
            continue
        if abbr == "ST":  # a leading ST is SAINT (St Johns Road); only a later one is STREET
            x = f"regexp_replace({x}, '([A-Z])\\s+ST\\b', '\\1 STREET', 'g')"
            continue
        x = f"regexp_replace({x}, '\\b{abbr}\\b', '{full}', 'g')"
    return x


def _floor_sql(x: str) -> str:
    cases = " ".join(f"WHEN regexp_matches({x}, '\\b{p}\\b') THEN '{code}'" for p, code in FLOOR_FLATS)
    return f"CASE {cases} END"


def _strip_floor_sql(x: str) -> str:
    for p, _ in FLOOR_FLATS:
        x = f"regexp_replace({x}, '\\b{p}\\b', ' ', 'g')"
    return x


_types_re = "|".join(_TYPE_WORDS)

MACROS = [
    # upper case, punctuation (except / and ,) to space, postcode removed
    """CREATE OR REPLACE MACRO rx_addr_clean(x) AS trim(regexp_replace(regexp_replace(regexp_replace(
        upper(strip_accents(coalesce(x, ''))), '[^A-Z0-9/, ]', ' ', 'g'),
        '\\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\\s*$', ''), '\\s+', ' ', 'g'))""",
    f"CREATE OR REPLACE MACRO rx_addr_floor(a) AS {_floor_sql('a')}",
    f"CREATE OR REPLACE MACRO rx_addr_nofloor(a) AS {_strip_floor_sql('a')}",
    # flat: explicit word (Flat 4 / Flat A), else n/m form, else floor flat, else letter suffix 12a
    f"""CREATE OR REPLACE MACRO rx_addr_flat(a) AS coalesce(
        nullif(regexp_extract(a, '\\b{_FLAT_WORD}\\s*([0-9]+[A-Z]?|[A-Z])\\b', 1), ''),
        nullif(regexp_extract(a, '\\b([0-9]+[A-Z]?)\\s*/\\s*[0-9]+', 1), ''),
        rx_addr_floor(a),
        nullif(regexp_extract(a, '^\\s*([0-9]+[A-Z]?)\\s+[A-Z][A-Z ]*,\\s*[0-9]+', 1), ''),
        nullif(regexp_extract(regexp_replace(a, '\\b{_FLAT_WORD}\\s*([0-9]+[A-Z]?|[A-Z])\\b', ' ', 'g'),
               '\\b[0-9]+([A-Z])\\b', 1), ''))""",
    # text with the flat part removed (so the first remaining number is the building number)
    f"""CREATE OR REPLACE MACRO rx_addr_rest(a) AS trim(regexp_replace(regexp_replace(rx_addr_nofloor(
        regexp_replace(a, '\\b{_FLAT_WORD}\\s*([0-9]+[A-Z]?|[A-Z])\\b', ' ', 'g')),
        '\\b[0-9]+[A-Z]?\\s*/\\s*([0-9]+)', '\\1', 'g'), '\\s+', ' ', 'g'))""",
    # the building number is the last number followed by words (`13 Oak Tower, 32 Albert Rd` -> 32)
    """CREATE OR REPLACE MACRO rx_addr_number(a) AS coalesce(
        nullif(regexp_extract(rx_addr_rest(a), '^.*\\b([0-9]+)[A-Z]?\\s+[A-Z]', 1), ''),
        nullif(regexp_extract(rx_addr_rest(a), '\\b([0-9]+)[A-Z]?\\b', 1), ''))""",
    # street: words after the building number, cut after the street-type word when there is one
    f"""CREATE OR REPLACE MACRO rx_addr_street_raw(a) AS trim(coalesce(
        nullif(regexp_extract(rx_addr_rest(a), '^.*\\b[0-9]+[A-Z]?\\s+([A-Z][A-Z ]*)', 1), ''),
        nullif(regexp_extract(rx_addr_rest(a), '([A-Z][A-Z ]*\\b(?:{_types_re}))\\b', 1), ''), ''))""",
    f"""CREATE OR REPLACE MACRO rx_addr_street(a) AS nullif(trim(coalesce(
        nullif(regexp_extract({_expand_types_sql('rx_addr_street_raw(a)')},
               '^(.*\\b(?:{_types_re}))\\b', 1), ''),
        {_expand_types_sql('rx_addr_street_raw(a)')})), '')""",
    # building name: the first comma part with letters only that is not a street or flat part
    f"""CREATE OR REPLACE MACRO rx_addr_building(a) AS nullif(trim(coalesce(list_filter(
        string_split(rx_addr_nofloor(regexp_replace(a, '\\b{_FLAT_WORD}\\s*([0-9]+[A-Z]?|[A-Z])\\b', ' ', 'g')), ','),
        lambda p: regexp_matches(trim(p), '^[A-Z][A-Z ]+$')
              AND regexp_matches(trim(p), '\\b(COURT|HOUSE|LODGE|MANSIONS|TOWER|HALL|HOME|BUILDINGS|COTTAGES?|VILLA|PLACE)$')
        )[1], '')), '')""",
]


def register(con: duckdb.DuckDBPyConnection) -> None:
    for sql in MACROS:
        con.execute(sql)
