"""UK postcodes: validate, normalise to `AA9A 9AA`, and derive outward code and sector."""

from __future__ import annotations

import duckdb

UK_POSTCODE_RE = "^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2}$"

MACROS = [
    "CREATE OR REPLACE MACRO rx_pc_compact(x) AS upper(regexp_replace(coalesce(x, ''), '[^A-Za-z0-9]', '', 'g'))",
    # common keying slips in the inward code: O for 0 in the digit position
    """CREATE OR REPLACE MACRO rx_pc_fix(c) AS (
        CASE WHEN length(c) BETWEEN 5 AND 7
             THEN substr(c, 1, length(c) - 3) || replace(substr(c, length(c) - 2, 1), 'O', '0')
                  || substr(c, length(c) - 1) ELSE c END)""",
    f"""CREATE OR REPLACE MACRO rx_pc_valid(x) AS
        regexp_matches(rx_pc_fix(rx_pc_compact(x)), '{UK_POSTCODE_RE}')""",
    """CREATE OR REPLACE MACRO rx_postcode(x) AS (
        CASE WHEN rx_pc_valid(x) THEN substr(rx_pc_fix(rx_pc_compact(x)), 1, length(rx_pc_compact(x)) - 3)
                  || ' ' || right(rx_pc_fix(rx_pc_compact(x)), 3)
             ELSE nullif(rx_pc_compact(x), '') END)""",
    """CREATE OR REPLACE MACRO rx_pc_outward(x) AS (
        CASE WHEN rx_pc_valid(x) THEN substr(rx_pc_compact(x), 1, length(rx_pc_compact(x)) - 3) END)""",
    """CREATE OR REPLACE MACRO rx_pc_sector(x) AS (
        CASE WHEN rx_pc_valid(x) THEN substr(rx_pc_compact(x), 1, length(rx_pc_compact(x)) - 3)
                  || ' ' || substr(right(rx_pc_fix(rx_pc_compact(x)), 3), 1, 1) END)""",
]


def register(con: duckdb.DuckDBPyConnection) -> None:
    for sql in MACROS:
        con.execute(sql)
