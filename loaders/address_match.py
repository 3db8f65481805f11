"""Address matching: resolve each source record's address to a UPRN in the council's LLPG.

Both sides are parsed by the same standardisation macros (``loaders.standardise.addresses``), so
``Flat 4, 12 High Street``, ``4/12 High St``, ``12 High Street Flat 4`` and ``FLAT 4 12 HIGH ST``
all become flat ``4``, number ``12``, street ``HIGH STREET``; ``12a High Street`` and the gazetteer's
``Flat A`` (or its house ``12a``) both become flat ``A``; ``GFF`` and ``Ground Floor Flat`` both
become ``GF``. The gazetteer text is rebuilt from its columns in canonical style and parsed the same
way, so a parser quirk cannot make the two sides disagree.

Matching is one set of SQL statements over the distinct (address text, postcode) pairs:

1. candidates: gazetteer rows with the same building number and street (exact after expansion), or
   the same number, same postcode sector and a street within Jaro-Winkler 0.88 (street typos), or,
   when the text has no number, the same named building;
2. each candidate is scored on the flat (must be equal, both empty for a house) and the postcode
   (3 exact, 2 one edit away / a typo, 1 same sector, 0 otherwise); the unique best candidate wins;
   ties are ``ambiguous`` and get no UPRN (a wrong dwelling is worse than none);
3. a room or flat in a building the gazetteer holds only as one HMO or care home resolves to the
   building; a house number without the flat of a building of flats is ``flat_missing``;
4. a valid postcode outside the gazetteer's outward codes (and not one edit from the candidate) is
   ``outside_area``: the same street name exists in the neighbouring borough.

A UPRN the source carries is checked: kept when it is in the gazetteer and the text agrees or the
text resolves to nothing; the text wins when both resolve and disagree (``status`` says so).
"""

# ruff: noqa: S608 -- SQL text is built only from code constants and table names chosen by the caller in code

from __future__ import annotations

from pathlib import Path

import duckdb

from loaders.errors import SourceError
from loaders.read import lit
from loaders.standardise import addresses, postcodes

LLPG_COLUMNS = ("uprn", "sao_text", "pao_number", "pao_text", "street", "town", "postcode", "ward",
                "council_owned", "bedrooms", "property_type")
STREET_JW = 0.88  # street similarity for the fuzzy-street tier (same number and postcode sector)
WHOLE_BUILDING_TYPES = ("HMO", "Care home")  # a room in one of these resolves to the building
REASONS = ("matched", "no_address", "outside_area", "no_candidate", "flat_missing", "flat_not_found",
           "ambiguous")


def register(con: duckdb.DuckDBPyConnection) -> None:
    """The standardisation macros this module calls (idempotent)."""
    postcodes.register(con)
    addresses.register(con)


def load_llpg(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Read ``llpg.csv`` into table ``llpg`` (typed) and its parsed keys into ``llpg_keys``.

    Raises SourceError naming the file, row and field for a missing column, an empty or repeated
    UPRN, or a non-integer bedrooms value.
    """
    path = Path(path)
    if not path.exists():
        raise SourceError(path.name, "gazetteer not found (expected llpg.csv in the sources folder)")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE llpg_raw AS SELECT *, CAST(row_number() OVER () AS BIGINT) "
                    f"AS _row FROM read_csv({lit(str(path))}, header = true, all_varchar = true)")
    except duckdb.Error as e:
        raise SourceError(path.name, f"cannot read CSV: {str(e).splitlines()[0]}") from None
    have = {r[0] for r in con.execute("DESCRIBE llpg_raw").fetchall()}
    for c in LLPG_COLUMNS:
        if c not in have:
            raise SourceError(path.name, "column missing from header", row=0, field=c)
    bad = con.execute("""
        SELECT _row, 'uprn', 'empty or not a number' FROM llpg_raw
        WHERE NOT regexp_matches(coalesce(trim(uprn), ''), '^[0-9]{1,12}$')
        UNION ALL
        SELECT max(_row), 'uprn', 'repeated UPRN ' || trim(uprn) FROM llpg_raw GROUP BY trim(uprn) HAVING count(*) > 1
        UNION ALL
        SELECT _row, 'bedrooms', 'not an integer' FROM llpg_raw
        WHERE nullif(trim(bedrooms), '') IS NOT NULL AND try_cast(trim(bedrooms) AS INTEGER) IS NULL
        ORDER BY 1 LIMIT 1""").fetchall()
    bad = bad[0] if bad else None
    if bad:
        raise SourceError(path.name, bad[2], row=int(bad[0]), field=bad[1])
    register(con)
    con.execute("""
        CREATE OR REPLACE TABLE llpg AS
        SELECT trim(uprn) AS uprn, nullif(trim(sao_text), '') AS sao_text,
               nullif(trim(pao_number), '') AS pao_number, nullif(trim(pao_text), '') AS pao_text,
               nullif(trim(street), '') AS street, nullif(trim(town), '') AS town,
               rx_postcode(postcode) AS postcode, nullif(trim(ward), '') AS ward,
               upper(trim(council_owned)) IN ('Y', 'YES', 'TRUE', '1') AS council_owned,
               try_cast(trim(bedrooms) AS INTEGER) AS bedrooms,
               nullif(trim(property_type), '') AS property_type,
               concat_ws(', ', nullif(trim(sao_text), ''), nullif(trim(pao_text), ''),
                         nullif(trim(concat_ws(' ', nullif(trim(pao_number), ''), nullif(trim(street), ''))), ''),
                         nullif(trim(town), '')) AS address_text, _row
        FROM llpg_raw""")
    con.execute("DROP TABLE llpg_raw")
    con.execute("""
        CREATE OR REPLACE TABLE llpg_keys AS
        WITH p AS (SELECT uprn, property_type, postcode, street AS l_street, rx_addr_clean(address_text) AS a
                   FROM llpg)
        SELECT uprn, property_type, postcode, rx_pc_compact(postcode) AS pc, rx_pc_sector(postcode) AS sector,
               rx_pc_outward(postcode) AS outward, rx_addr_flat(a) AS flat, rx_addr_number(a) AS number,
               rx_addr_street(a) AS street, rx_addr_building(a) AS building,
               rx_addr_expand(rx_addr_clean(l_street)) AS street_full
        FROM p""")
    # towns the gazetteer covers: an address naming another town is outside the area
    con.execute("""CREATE OR REPLACE TABLE llpg_towns AS
                   SELECT DISTINCT upper(town) AS town FROM llpg WHERE town IS NOT NULL""")
    return int(con.execute("SELECT count(*) FROM llpg").fetchall()[0][0])


def match(con: duckdb.DuckDBPyConnection, input_table: str, out_table: str = "addr_match",
          parsed: bool = False) -> None:
    """Resolve ``input_table(key, address_text, postcode, given_uprn)`` into ``out_table``.

    ``out_table`` has one row per input key: ``key, uprn, method, reason, status`` where ``reason`` is
    one of :data:`REASONS` and ``status`` says what happened to a source-given UPRN. ``load_llpg``
    must have run on ``con``. With ``parsed``, the input also has the parts the standardiser already
    extracted with the same macros (``flat, house_number, street, building``), so the address text is
    not parsed twice. Table names come from code, never from users.
    """
    register(con)
    if parsed:
        parts = "SELECT DISTINCT address_text, postcode, flat, house_number AS number, street, building"
        src = f"{parts} FROM {input_table}"
    else:
        src = f"""SELECT address_text, postcode, rx_addr_flat(a) AS flat, rx_addr_number(a) AS number,
                         rx_addr_street(a) AS street, rx_addr_building(a) AS building
                  FROM (SELECT address_text, postcode, rx_addr_clean(address_text) AS a
                        FROM (SELECT DISTINCT address_text, postcode FROM {input_table}))"""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _am_addr AS
        SELECT row_number() OVER () AS aid, address_text, postcode, flat, number, street, building,
               CASE WHEN rx_pc_valid(postcode) THEN rx_pc_compact(rx_postcode(postcode)) END AS pc,
               rx_pc_sector(postcode) AS sector, rx_pc_outward(postcode) AS outward
        FROM ({src})""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _am_c0 AS
        SELECT a.aid, k.uprn, TRUE AS street_exact FROM _am_addr a
        JOIN llpg_keys k ON k.number = a.number AND k.street = a.street""")
    # street typos: same number and postcode sector, similar street; only where no exact street matched
    con.execute(f"""
        INSERT INTO _am_c0
        SELECT a.aid, k.uprn, FALSE FROM (SELECT * FROM _am_addr x WHERE street IS NOT NULL AND sector IS NOT NULL
                                           AND NOT EXISTS (SELECT 1 FROM _am_c0 c WHERE c.aid = x.aid)) a
        JOIN llpg_keys k ON k.number = a.number AND k.sector = a.sector
        WHERE k.street <> a.street AND jaro_winkler_similarity(k.street, a.street) >= {STREET_JW}""")
    # a named building without a number (`Flat 2, Oak Court, Mill Road`)
    con.execute("""
        INSERT INTO _am_c0
        SELECT a.aid, k.uprn, a.street IS NOT NULL AND k.street = a.street FROM _am_addr a
        JOIN llpg_keys k ON k.building = a.building
        WHERE a.number IS NULL AND a.building IS NOT NULL
          AND (k.street = a.street OR k.sector = a.sector OR a.street IS NULL)""")
    # streets whose names differ only after the street type (`Rowan Crescent` / `Rowan Crescent 2`) parse
    # alike: where candidates span such streets, keep those whose full street name the text contains
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _am_tail AS
        WITH multi AS (SELECT c.aid FROM _am_c0 c JOIN llpg_keys l USING (uprn) GROUP BY c.aid
                       HAVING count(DISTINCT l.street_full) > 1),
        t AS (SELECT aid, ' ' || regexp_replace(rx_addr_expand(rx_addr_clean(address_text)), '\\s*,\\s*', ' , ', 'g')
                          || ' ' AS txt
              FROM _am_addr WHERE aid IN (SELECT aid FROM multi)),
        p AS (SELECT c.aid, c.uprn, t.txt, strpos(t.txt, ' ' || l.street_full || ' ') AS pos, length(l.street_full) AS n
              FROM _am_c0 c JOIN t USING (aid) JOIN llpg_keys l USING (uprn))
        SELECT aid, uprn, pos > 0 AND NOT regexp_matches(substr(txt, pos + n + 2, 1), '[0-9]') AS ok FROM p""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _am_cand AS
        SELECT c.aid, c.uprn, c.street_exact, k.flat AS l_flat, k.property_type,
               a.flat IS NOT DISTINCT FROM k.flat AS flat_ok,
               CASE WHEN a.pc IS NULL THEN 0 WHEN a.pc = k.pc THEN 3
                    WHEN levenshtein(a.pc, k.pc) <= 1 THEN 2 WHEN a.sector = k.sector THEN 1 ELSE 0 END AS pc_score
        FROM _am_c0 c JOIN llpg_keys k USING (uprn) JOIN _am_addr a USING (aid)
        LEFT JOIN _am_tail t USING (aid, uprn)
        LEFT JOIN (SELECT DISTINCT aid FROM _am_tail WHERE ok) h USING (aid)
        WHERE h.aid IS NULL OR t.ok""")
    # outside the area: a valid postcode of another district (unless one edit from a candidate), or the
    # last comma part names a town the gazetteer does not hold (`..., ELSEWHERE`) without an exact postcode
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _am_out AS
        WITH best AS (SELECT aid, max(pc_score) AS top_any FROM _am_cand GROUP BY aid),
        x AS (SELECT a.*, coalesce(b.top_any, 0) AS top_any FROM _am_addr a LEFT JOIN best b USING (aid)
              WHERE coalesce(b.top_any, 0) < 3),
        t AS (SELECT *, trim(regexp_extract(rx_addr_clean(address_text), ',\\s*([A-Z][A-Z ]*)$', 1)) AS last_part FROM x)
        SELECT aid FROM t
        WHERE (pc IS NOT NULL AND top_any < 2
               AND outward NOT IN (SELECT DISTINCT outward FROM llpg_keys WHERE outward IS NOT NULL))
           OR (last_part <> '' AND EXISTS (SELECT 1 FROM llpg_towns)
               AND NOT regexp_matches(last_part, '\\b(ROAD|STREET|LANE|AVENUE|CLOSE|COURT|HOUSE|TOWER|MANSIONS|LODGE|HOME|PLACE|WAY|DRIVE|GARDENS|HILL|GROVE|TERRACE|CRESCENT|SQUARE|PARK|GREEN|RISE|WALK|MEWS|PARADE|ROW|FLAT|FLOOR)$')
               AND last_part NOT IN (SELECT town FROM llpg_towns))""")
    whole = ", ".join(f"'{t}'" for t in WHOLE_BUILDING_TYPES)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _am_best AS
        WITH s AS (
            SELECT aid, count(*) AS n_cand,
                   count(*) FILTER (WHERE flat_ok) AS n_flat,
                   max(pc_score) FILTER (WHERE flat_ok) AS top,
                   max(pc_score) AS top_any,
                   bool_or(l_flat IS NOT NULL) AS any_flats,
                   count(*) FILTER (WHERE l_flat IS NULL AND property_type IN ({whole})) AS n_whole
            FROM _am_cand GROUP BY aid
        ), win AS (
            SELECT c.aid, min(c.uprn) AS uprn, count(*) AS n_top, bool_and(c.street_exact) AS street_exact
            FROM _am_cand c JOIN s USING (aid) WHERE c.flat_ok AND c.pc_score = s.top GROUP BY c.aid
        ), whole AS (
            SELECT c.aid, min(c.uprn) AS uprn, count(*) AS n FROM _am_cand c
            WHERE c.l_flat IS NULL AND c.property_type IN ({whole}) GROUP BY c.aid
        )
        , v AS (
            SELECT a.aid, a.flat, a.number, a.pc, s.top, win.uprn AS win_uprn, win.street_exact,
                   whole.uprn AS whole_uprn,
                   CASE WHEN a.address_text IS NULL OR trim(a.address_text) = '' THEN 'no_address'
                        WHEN a.out_area THEN 'outside_area'
                        WHEN s.aid IS NULL THEN 'no_candidate'
                        -- the postcode points at another building with this number and street
                        WHEN win.n_top = 1 AND a.pc IS NOT NULL AND s.top < s.top_any
                             THEN CASE WHEN a.flat IS NULL THEN 'flat_missing' ELSE 'flat_not_found' END
                        -- no postcode evidence: a house number could also be a building of flats
                        WHEN win.n_top = 1 AND s.top = 0 AND a.flat IS NULL AND s.any_flats THEN 'ambiguous'
                        WHEN win.n_top = 1 THEN 'matched'
                        WHEN win.n_top > 1 THEN 'ambiguous'
                        WHEN coalesce(s.n_flat, 0) = 0 AND a.flat IS NOT NULL AND s.n_cand = whole.n AND whole.n = 1
                             THEN 'matched_room'
                        WHEN a.flat IS NULL AND s.any_flats THEN 'flat_missing'
                        ELSE 'flat_not_found' END AS verdict
            FROM (SELECT x.*, x.aid IN (SELECT aid FROM _am_out) AS out_area FROM _am_addr x) a
            LEFT JOIN s USING (aid) LEFT JOIN win USING (aid) LEFT JOIN whole USING (aid)
        )
        SELECT aid,
               CASE verdict WHEN 'matched' THEN win_uprn WHEN 'matched_room' THEN whole_uprn END AS uprn,
               CASE verdict WHEN 'matched_room' THEN 'room_in_building'
                    WHEN 'matched' THEN concat_ws('+', CASE WHEN number IS NULL THEN 'building' ELSE 'number_street' END,
                        CASE WHEN street_exact THEN NULL ELSE 'fuzzy_street' END,
                        CASE top WHEN 3 THEN 'postcode' WHEN 2 THEN 'postcode_typo' WHEN 1 THEN 'sector'
                                 ELSE CASE WHEN pc IS NULL THEN 'no_postcode' ELSE 'postcode_differs' END END) END AS method,
               CASE WHEN verdict LIKE 'matched%' THEN 'matched' ELSE verdict END AS reason
        FROM v
        """)
    con.execute(f"""
        CREATE OR REPLACE TABLE {out_table} AS
        WITH j AS (
            SELECT i.key, b.uprn AS text_uprn, b.method, b.reason,
                   nullif(regexp_replace(coalesce(CAST(i.given_uprn AS VARCHAR), ''), '[^0-9]', '', 'g'), '') AS given,
            FROM {input_table} i
            LEFT JOIN _am_addr a ON a.address_text IS NOT DISTINCT FROM i.address_text
                                AND a.postcode IS NOT DISTINCT FROM i.postcode
            LEFT JOIN _am_best b ON b.aid = a.aid
        ), g AS (
            SELECT j.*, l.uprn IS NOT NULL AS given_known FROM j LEFT JOIN llpg l ON l.uprn = j.given
        )
        SELECT key,
               CASE WHEN text_uprn IS NOT NULL THEN text_uprn WHEN given_known THEN given END AS uprn,
               CASE WHEN text_uprn IS NOT NULL THEN method WHEN given_known THEN 'source_uprn' END AS method,
               CASE WHEN text_uprn IS NULL AND given_known THEN 'matched' ELSE coalesce(reason, 'no_address') END
                   AS reason,
               CASE WHEN given IS NULL THEN NULL
                    WHEN NOT given_known THEN 'given_not_in_llpg'
                    WHEN text_uprn IS NULL THEN 'given_used'
                    WHEN text_uprn = given THEN 'given_confirmed'
                    ELSE 'given_conflicts_text' END AS status
        FROM g""")
    for t in ("_am_addr", "_am_c0", "_am_tail", "_am_cand", "_am_out", "_am_best"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


def match_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str | None, str | None, str | None]]
               ) -> dict[str, tuple[str | None, str]]:
    """Convenience for tests and one-off checks: ``[(key, text, postcode, given_uprn)]`` -> key -> (uprn, reason)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _am_in (key VARCHAR, address_text VARCHAR, postcode VARCHAR, "
                "given_uprn VARCHAR)")
    con.executemany("INSERT INTO _am_in VALUES (?, ?, ?, ?)", rows)
    match(con, "_am_in", "_am_out")
    got = {k: (u, r) for k, u, r in con.execute("SELECT key, uprn, reason FROM _am_out").fetchall()}
    con.execute("DROP TABLE _am_in")
    con.execute("DROP TABLE _am_out")
    return got
