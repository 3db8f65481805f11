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
    # explicit weighted sum (a list lambda here is several times slower over millions of rows)
    "CREATE OR REPLACE MACRO rx_nhs_check(d) AS (11 - (((ascii(substr(d, 1, 1)) - 48) * 10 + (ascii(substr(d, 2, 1)) - 48) * 9 + (ascii(substr(d, 3, 1)) - 48) * 8 + (ascii(substr(d, 4, 1)) - 48) * 7 + (ascii(substr(d, 5, 1)) - 48) * 6 + (ascii(substr(d, 6, 1)) - 48) * 5 + (ascii(substr(d, 7, 1)) - 48) * 4 + (ascii(substr(d, 8, 1)) - 48) * 3 + (ascii(substr(d, 9, 1)) - 48) * 2) % 11))",
    """CREATE OR REPLACE MACRO rx_nhs_of(d) AS (
        CASE WHEN length(d) = 10 AND (rx_nhs_check(d) % 11) = CAST(substr(d, 10, 1) AS INTEGER)
             THEN d END)""",
    "CREATE OR REPLACE MACRO rx_nhs(x) AS rx_nhs_of(rx_digits(x))",
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
