"""NHS number (modulus 11), NI number (HMRC format) and UPN (DfE check letter), as DuckDB macros.

Invalid identifiers become NULL: a typo that breaks the check digit must not become evidence for or
against a match. python-stdnum implements the same checks and the tests compare against it.
"""

from __future__ import annotations

import duckdb

_UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ0123456789"

MACROS = [
    # digits only, then the modulus-11 check on the first nine digits
    "CREATE OR REPLACE MACRO rx_digits(x) AS regexp_replace(coalesce(x, ''), '[^0-9]', '', 'g')",
    """CREATE OR REPLACE MACRO rx_nhs_check(d) AS (
        11 - (list_sum(list_transform(range(1, 10), lambda i: CAST(substr(d, i, 1) AS INTEGER) * (11 - i))) % 11))""",
    """CREATE OR REPLACE MACRO rx_nhs(x) AS (
        CASE WHEN length(rx_digits(x)) = 10
              AND (CASE WHEN rx_nhs_check(rx_digits(x)) = 11 THEN 0 ELSE rx_nhs_check(rx_digits(x)) END)
                  = CAST(substr(rx_digits(x), 10, 1) AS INTEGER)
             THEN rx_digits(x) END)""",
    # NI number: two prefix letters (D, F, I, Q, U, V never; O never second), six digits, optional A-D.
    # Matching uses prefix + digits: the suffix letter is often left off.
    "CREATE OR REPLACE MACRO rx_ni_raw(x) AS upper(regexp_replace(coalesce(x, ''), '[^A-Za-z0-9]', '', 'g'))",
    """CREATE OR REPLACE MACRO rx_ni(x) AS (
        CASE WHEN regexp_matches(rx_ni_raw(x), '^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?$')
              AND substr(rx_ni_raw(x), 1, 2) NOT IN ('BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ')
             THEN substr(rx_ni_raw(x), 1, 8) END)""",
    # UPN: check letter = alphabet[sum(i * index(c) for c in chars 2..13, i from 2) mod 23]
    "CREATE OR REPLACE MACRO rx_upn_raw(x) AS upper(regexp_replace(coalesce(x, ''), '[^A-Za-z0-9]', '', 'g'))",
    f"""CREATE OR REPLACE MACRO rx_upn(x) AS (
        CASE WHEN regexp_matches(rx_upn_raw(x), '^[A-Z][0-9]{{11}}[0-9A-Z]$')
              AND substr('{_UPN_ALPHABET}', CAST(1 + (list_sum(list_transform(range(2, 14),
                    lambda i: i * (strpos('{_UPN_ALPHABET}', substr(rx_upn_raw(x), i, 1)) - 1))) % 23) AS BIGINT), 1)
                  = substr(rx_upn_raw(x), 1, 1)
             THEN rx_upn_raw(x) END)""",
    """CREATE OR REPLACE MACRO rx_phone(x) AS (
        CASE WHEN length(regexp_replace(regexp_replace(coalesce(x, ''), '[^0-9]', '', 'g'), '^44', '0')) >= 10
             THEN regexp_replace(regexp_replace(coalesce(x, ''), '[^0-9]', '', 'g'), '^44', '0')
             WHEN length(trim(coalesce(x, ''))) > 0 AND NOT regexp_matches(x, '[0-9]')
             THEN lower(trim(x)) END)""",
    "CREATE OR REPLACE MACRO rx_email(x) AS nullif(lower(trim(coalesce(x, ''))), '')",
]


def register(con: duckdb.DuckDBPyConnection) -> None:
    for sql in MACROS:
        con.execute(sql)
