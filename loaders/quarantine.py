"""Row-level validation: rows that cannot be used go to quarantine with a reason, never dropped.

Parse-level rejects (wrong column count, bad encoding, bad quoting) come from the reader; this module
adds the semantic ones: empty record key, duplicate record key (the first row keeps the key), and an
unparseable date of birth. ``accepted + quarantined == rows_read`` is checked per source.
"""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
from __future__ import annotations

from pathlib import Path

import duckdb

from loaders.errors import SourceError
from loaders.mapping import SourceMapping
from loaders.read import ReadResult, q
from loaders.standardise.dates import unparseable_sql


def key_sql(m: SourceMapping) -> str:
    """The record key as one string (composite keys joined with '|')."""
    parts = [f"nullif(trim({q(k)}), '')" for k in m.record_key]
    return parts[0] if len(parts) == 1 else "concat_ws('|', " + ", ".join(parts) + ")"


def validate_rows(con: duckdb.DuckDBPyConnection, m: SourceMapping, rr: ReadResult) -> int:
    """Move unusable rows of ``rr.table`` to quarantine; return the number of accepted rows."""
    t = q(rr.table)
    empty = " OR ".join(f"nullif(trim({q(k)}), '') IS NULL" for k in m.record_key)
    dob = m.dates.get("dob")
    bad_dob = unparseable_sql(q(dob.column), dob) if dob else "FALSE"
    raw_cols = ", ".join(f"{q(c)} := {q(c)}" for c in m.used_columns())
    key_field = ",".join(m.record_key)
    # duplicate keys by hash aggregation (no sort of the whole extract); only flagged rows are kept
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _dups AS
        SELECT {key_sql(m)} AS k, min(_row) AS first_row FROM {t}
        WHERE NOT ({empty}) GROUP BY 1 HAVING count(*) > 1
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _flag AS
        SELECT _row, reason, first_row FROM (
            SELECT t._row, d.first_row, CASE
                WHEN {empty} THEN 'empty_key'
                WHEN d.first_row IS NOT NULL AND t._row > d.first_row THEN 'duplicate_key'
                WHEN {bad_dob} THEN 'unparseable_dob'
              END AS reason
            FROM {t} t LEFT JOIN _dups d ON d.k = {key_sql(m)})
        WHERE reason IS NOT NULL
    """)
    con.execute("DROP TABLE _dups")
    con.execute(f"""
        INSERT INTO quarantine
        SELECT {_s(m.source_system)}, {_s(m.file)}, r._row,
               CASE f.reason WHEN 'unparseable_dob' THEN {_s(dob.column if dob else '')}
                    ELSE {_s(key_field)} END,
               f.reason, to_json(struct_pack({raw_cols})),
               CASE WHEN f.reason = 'duplicate_key' THEN '{{"first_row": ' || f.first_row || '}}'
                    ELSE '{{}}' END
        FROM {t} r JOIN _flag f USING (_row) WHERE f.reason IS NOT NULL
    """)
    con.execute(f"DELETE FROM {t} WHERE _row IN (SELECT _row FROM _flag WHERE reason IS NOT NULL)")
    con.execute("DROP TABLE _flag")
    accepted = con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
    quarantined = con.execute("SELECT count(*) FROM quarantine WHERE source_system = ?",
                              [m.source_system]).fetchall()[0][0]
    if accepted + quarantined != rr.rows_read:
        raise SourceError(m.file, f"row accounting failed: {accepted} accepted + {quarantined} "
                          f"quarantined != {rr.rows_read} read")
    return int(accepted)


def _s(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def write_quarantine(con: duckdb.DuckDBPyConnection, out: Path) -> dict[str, dict[str, int]]:
    """Write quarantine.csv and return counts per source and reason."""
    con.execute(
        f"COPY (SELECT source_system, file, row_number, field, reason, raw FROM quarantine "
        f"ORDER BY source_system, row_number) TO {_s(str(out / 'quarantine.csv'))} (HEADER, DELIMITER ',')"
    )
    counts: dict[str, dict[str, int]] = {}
    for s, reason, n in con.execute(
        "SELECT source_system, reason, count(*) FROM quarantine GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        counts.setdefault(s, {})[reason] = int(n)
    return counts
