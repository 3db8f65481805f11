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


_types_re = "|".join(_TYPE_WORDS)
_ABBR = {k: v for k, v in STREET_TYPES.items() if k != v and k != "ST"}
_MAP = "MAP {" + ", ".join(f"'{k}': '{v}'" for k, v in _ABBR.items()) + "}"
_FLAT_RE = f"\\b{_FLAT_WORD}\\s*([0-9]+[A-Z]?|[A-Z])\\b"


def _floor_sql(x: str) -> str:
    cases = " ".join(f"WHEN regexp_matches({x}, '\\b{p}\\b') THEN '{code}'" for p, code in FLOOR_FLATS)
    return f"CASE {cases} END"


_FLOOR_ANY = "|".join(p for p, _ in FLOOR_FLATS)

# Staged macros: each takes the previous stage's column, so the pipeline evaluates every regex once
# per row (nesting macros would inline and repeat them). The one-argument macros at the end compose
# the stages for tests and single values.
MACROS = [
    # upper case, punctuation (except / and ,) to space, trailing postcode removed
    """CREATE OR REPLACE MACRO rx_addr_clean(x) AS trim(regexp_replace(regexp_replace(regexp_replace(
        upper(strip_accents(coalesce(x, ''))), '[^A-Z0-9/, ]', ' ', 'g'),
        '\\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\\s*$', ''), '\\s+', ' ', 'g'))""",
    # stage 2: text without `Flat 4` / floor-flat words
    f"""CREATE OR REPLACE MACRO rx_addr_noflat(a) AS regexp_replace(regexp_replace(a, '{_FLAT_RE}', ' ', 'g'),
        '\\b(?:{_FLOOR_ANY})\\b', ' ', 'g')""",
    # stage 3: `4/12` -> `12`, spaces tidied: the first remaining number is the building number
    """CREATE OR REPLACE MACRO rx_addr_rest_of(nf) AS trim(regexp_replace(regexp_replace(nf,
        '\\b[0-9]+[A-Z]?\\s*/\\s*([0-9]+)', '\\1', 'g'), '\\s+', ' ', 'g'))""",
    # flat: explicit word (Flat 4 / Flat A), n/m form, floor flat, `13 Oak Tower, 32 ...`, letter suffix 12a
    f"""CREATE OR REPLACE MACRO rx_addr_flat_of(a, nf) AS coalesce(
        nullif(regexp_extract(a, '{_FLAT_RE}', 1), ''),
        nullif(regexp_extract(a, '\\b([0-9]+[A-Z]?)\\s*/\\s*[0-9]+', 1), ''),
        {_floor_sql('a')},
        nullif(regexp_extract(a, '^\\s*([0-9]+[A-Z]?)\\s+[A-Z][A-Z ]*,\\s*[0-9]+', 1), ''),
        nullif(regexp_extract(nf, '\\b[0-9]+([A-Z])\\b', 1), ''))""",
    # the building number is the last number followed by words (`13 Oak Tower, 32 Albert Rd` -> 32)
    """CREATE OR REPLACE MACRO rx_addr_number_of(r) AS coalesce(
        nullif(regexp_extract(r, '^.*\\b([0-9]+)[A-Z]?\\s+[A-Z]', 1), ''),
        nullif(regexp_extract(r, '\\b([0-9]+)[A-Z]?\\b', 1), ''))""",
    f"""CREATE OR REPLACE MACRO rx_addr_street_raw_of(r) AS trim(coalesce(
        nullif(regexp_extract(r, '^.*\\b[0-9]+[A-Z]?\\s+([A-Z][A-Z ]*)', 1), ''),
        nullif(regexp_extract(r, '([A-Z][A-Z ]*\\b(?:{_types_re}))\\b', 1), ''), ''))""",
    # street types expanded word by word (a leading ST is SAINT: St Johns Road)
    f"""CREATE OR REPLACE MACRO rx_addr_expand(s) AS array_to_string(list_transform(
        string_split(s, ' '), lambda w, i: CASE WHEN w = 'ST' AND i > 1 THEN 'STREET'
                                               ELSE coalesce({_MAP}[w], w) END), ' ')""",
    f"""CREATE OR REPLACE MACRO rx_addr_street_of(e) AS nullif(trim(coalesce(
        nullif(regexp_extract(e, '^(.*\\b(?:{_types_re}))\\b', 1), ''), e)), '')""",
    # building name: a comma part of letters only ending in a building word
    """CREATE OR REPLACE MACRO rx_addr_building_of(nf) AS nullif(trim(coalesce(list_filter(
        string_split(nf, ','),
        lambda p: regexp_matches(trim(p), '^[A-Z][A-Z ]+$')
              AND regexp_matches(trim(p), '\\b(COURT|HOUSE|LODGE|MANSIONS|TOWER|HALL|HOME|BUILDINGS|COTTAGES?|VILLA|PLACE)$')
        )[1], '')), '')""",
    # one-argument forms (tests, single values)
    "CREATE OR REPLACE MACRO rx_addr_flat(a) AS rx_addr_flat_of(a, rx_addr_noflat(a))",
    "CREATE OR REPLACE MACRO rx_addr_number(a) AS rx_addr_number_of(rx_addr_rest_of(rx_addr_noflat(a)))",
    """CREATE OR REPLACE MACRO rx_addr_street(a) AS
        rx_addr_street_of(rx_addr_expand(rx_addr_street_raw_of(rx_addr_rest_of(rx_addr_noflat(a)))))""",
    "CREATE OR REPLACE MACRO rx_addr_building(a) AS rx_addr_building_of(rx_addr_noflat(a))",
]


def register(con: duckdb.DuckDBPyConnection) -> None:
    for sql in MACROS:
        con.execute(sql)
