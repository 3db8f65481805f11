"""UK postcodes: validate, normalise to `AA9A 9AA`, and derive outward code and sector.

Staged macros (``*_of`` take the compact form) so the pipeline computes the compact form once.
A value that is not a valid UK postcode is kept compact (overseas data still compares exactly) but
gets no outward code or sector.
"""

from __future__ import annotations

import duckdb

UK_POSTCODE_RE = "^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2}$"

MACROS = [
    "CREATE OR REPLACE MACRO rx_pc_compact(x) AS upper(regexp_replace(coalesce(x, ''), '[^A-Za-z0-9]', '', 'g'))",
    # a common keying slip in the inward code: letter O for zero in the digit position
    """CREATE OR REPLACE MACRO rx_pc_fix(c) AS (
        CASE WHEN length(c) BETWEEN 5 AND 7
             THEN substr(c, 1, length(c) - 3) || replace(substr(c, length(c) - 2, 1), 'O', '0')
                  || substr(c, length(c) - 1) ELSE c END)""",
    "CREATE OR REPLACE MACRO rx_pc_c(x) AS rx_pc_fix(rx_pc_compact(x))",
    f"CREATE OR REPLACE MACRO rx_pc_valid_of(c) AS regexp_matches(c, '{UK_POSTCODE_RE}')",
    """CREATE OR REPLACE MACRO rx_postcode_of(c) AS (
        CASE WHEN rx_pc_valid_of(c) THEN substr(c, 1, length(c) - 3) || ' ' || right(c, 3)
             ELSE nullif(c, '') END)""",
    """CREATE OR REPLACE MACRO rx_pc_outward_of(c) AS (
        CASE WHEN rx_pc_valid_of(c) THEN substr(c, 1, length(c) - 3) END)""",
    """CREATE OR REPLACE MACRO rx_pc_sector_of(c) AS (
        CASE WHEN rx_pc_valid_of(c) THEN substr(c, 1, length(c) - 3) || ' ' || substr(right(c, 3), 1, 1) END)""",
    "CREATE OR REPLACE MACRO rx_pc_valid(x) AS rx_pc_valid_of(rx_pc_c(x))",
    "CREATE OR REPLACE MACRO rx_postcode(x) AS rx_postcode_of(rx_pc_c(x))",
    "CREATE OR REPLACE MACRO rx_pc_outward(x) AS rx_pc_outward_of(rx_pc_c(x))",
    "CREATE OR REPLACE MACRO rx_pc_sector(x) AS rx_pc_sector_of(rx_pc_c(x))",
]


def register(con: duckdb.DuckDBPyConnection) -> None:
    for sql in MACROS:
        con.execute(sql)
