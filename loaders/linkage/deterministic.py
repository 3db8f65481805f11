"""Deterministic rules on strong identifiers, alongside the probabilistic model.

Records sharing a valid NHS number, UPN or NI number, or the same source's own person reference
(``person_ref``), are the same person unless their dates of birth strongly disagree. Each group is
linked as a star to its first record (O(n) edges, not n^2). Identifier values held by implausibly many
records (a shared or default number) are ignored.
"""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
from __future__ import annotations

import duckdb

RULES = ("nhs_number", "pupil_number", "ni_number", "person_ref")
MAX_GROUP = 20


def deterministic_edges(con: duckdb.DuckDBPyConnection) -> None:
    parts = []
    for col in RULES:
        parts.append(f"""
        SELECT h.unique_id AS unique_id_l, r.unique_id AS unique_id_r, 'rule:{col}' AS rule
        FROM (SELECT {col} AS v, min(unique_id) AS unique_id, count(*) AS n FROM records
              WHERE {col} IS NOT NULL GROUP BY {col} HAVING count(*) BETWEEN 2 AND {MAX_GROUP}) g
        JOIN records h ON h.unique_id = g.unique_id
        JOIN records r ON r.{col} = g.v AND r.unique_id <> h.unique_id
        WHERE NOT coalesce(abs(date_diff('day', h.dob, r.dob)) > 400
                           AND damerau_levenshtein(h.dob_str, r.dob_str) > 1
                           AND NOT (day(h.dob) = month(r.dob) AND month(h.dob) = day(r.dob)), FALSE)
          AND NOT coalesce(h.nhs_number <> r.nhs_number, FALSE)""")
    con.execute("CREATE OR REPLACE TABLE det_edges AS " + " UNION ALL ".join(parts))
