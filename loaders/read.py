"""Streaming readers for CSV and Parquet extracts, into DuckDB tables.

DuckDB's CSV reader streams the file in parallel and keeps rows it cannot parse (wrong column
count, invalid UTF-8, unterminated quotes) in a rejects table instead of failing, so the raw text
is never held twice and no row is silently dropped. Only the columns the mapping declares are
materialised: sensitive columns (case notes, narratives) are never extracted.

Row numbers are 1-based data rows (the header is not counted), as a data owner would count them
in a spreadsheet. This assumes no quoted field spans lines; DuckDB's rejects report file lines.
"""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
from __future__ import annotations

import codecs
import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from loaders.errors import SourceError
from loaders.mapping import SourceMapping

REJECT_REASONS = {
    "MISSING COLUMNS": "wrong_column_count",
    "TOO MANY COLUMNS": "wrong_column_count",
    "INVALID ENCODING": "bad_encoding",
    "INVALID UNICODE": "bad_encoding",
    "UNQUOTED VALUE": "bad_quoting",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
    "CAST": "bad_value",
}


@dataclass
class ReadResult:
    source_system: str
    file: str
    table: str  # DuckDB table with the used columns (all VARCHAR) plus _row
    rows_read: int
    parse_rejects: int


# DuckDB's buffer pool for the link and facts stages. With Python's own heap on top, 1300MB keeps a
# 1M-record link at ~1.9 GiB peak (1500MB: ~2.0 GiB, at the 2 GiB target) at the same speed.
MEMORY_LIMIT = "1300MB"


def memory_limit(override: str | None = None) -> str:
    """The DuckDB memory limit: an explicit one, else ``$RESIDEX_MEMORY_LIMIT``, else ``MEMORY_LIMIT``."""
    return override or os.environ.get("RESIDEX_MEMORY_LIMIT", MEMORY_LIMIT)


def q(name: str) -> str:
    """Quote an identifier for DuckDB (identifiers come from validated mappings, never from users)."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """A SQL string literal (for file paths and mapping-declared formats only)."""
    return "'" + value.replace("'", "''") + "'"


def read_header(path: Path, m: SourceMapping) -> list[str]:
    """The extract's column names, from the first line (CSV) or the schema (Parquet)."""
    if not path.exists():
        raise SourceError(str(path.name), "extract not found")
    if m.format == "parquet":
        import pyarrow.parquet as pq

        try:
            return list(pq.read_schema(path).names)
        except Exception as e:  # noqa: BLE001 - any pyarrow failure is an unreadable file
            raise SourceError(path.name, f"not a readable Parquet file ({e})") from None
    try:
        codecs.lookup(m.encoding)
    except LookupError:
        raise SourceError(path.name, f"unknown encoding {m.encoding!r}", field="encoding") from None
    with path.open("r", encoding=m.encoding, errors="replace", newline="") as fh:
        first = fh.readline()
    if not first.strip():
        raise SourceError(path.name, "empty file or no header row", row=0)
    header = next(csv.reader([first], delimiter=m.delimiter, quotechar=m.quote))
    header = [h.strip().lstrip("\ufeff") for h in header]
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise SourceError(path.name, "duplicate column name in header", row=0, field=dup)
    return header


def read_source(con: duckdb.DuckDBPyConnection, m: SourceMapping, sources: Path) -> ReadResult:
    """Load one extract's declared columns into ``raw_<system>`` and its parse rejects into quarantine."""
    path = sources / m.file
    header = read_header(path, m)
    m.check_columns(header)
    used = m.used_columns()
    table = f"raw_{m.source_system}"
    con.execute(f"DROP TABLE IF EXISTS {q(table)}")
    select_cols = ", ".join(q(c) for c in used)
    if m.format == "parquet":
        casts = ", ".join(f"CAST({q(c)} AS VARCHAR) AS {q(c)}" for c in used)
        try:
            con.execute(
                f"CREATE TABLE {q(table)} AS SELECT {casts}, CAST(file_row_number + 1 AS BIGINT) AS _row "
                f"FROM read_parquet({lit(str(path))}, file_row_number = true)"
            )
        except duckdb.Error as e:
            raise SourceError(m.file, f"cannot read Parquet: {str(e).splitlines()[0]}") from None
        n = con.execute(f"SELECT count(*) FROM {q(table)}").fetchall()[0][0]
        return ReadResult(m.source_system, m.file, table, int(n), 0)

    cols = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in header) + "}"
    rej, scan = f"rej_{m.source_system}", f"rejscan_{m.source_system}"
    enc = m.encoding.lower().replace("_", "-")
    enc_opt = "" if enc in ("utf-8", "utf8") else f", encoding = {lit(m.encoding)}"
    try:
        con.execute(
            f"CREATE TEMP TABLE _stage AS SELECT {select_cols} FROM read_csv({lit(str(path))}, "
            f"header = true, auto_detect = false, columns = {cols}, delim = {lit(m.delimiter)}, "
            f"quote = {lit(m.quote)}, escape = {lit(m.quote)}, strict_mode = true, null_padding = false, "
            f"store_rejects = true, rejects_table = {lit(rej)}, rejects_scan = {lit(scan)}, "
            f"max_line_size = 4000000{enc_opt})"
        )
    except duckdb.Error as e:
        raise SourceError(m.file, f"cannot read CSV: {str(e).splitlines()[0]}") from None
    # Rejected data-row numbers (file line minus the header), one per rejected row
    rejects = con.execute(
        f"SELECT line - 1 AS r, min(error_type) AS et, min(coalesce(column_name, '')) AS col, "
        f"min(csv_line) AS raw, min(error_message) AS msg FROM {q(rej)} GROUP BY line ORDER BY line"
    ).fetchall()
    # Accepted row k (1-based, in file order) is data row k + #{i : R_i - i <= k}
    con.execute("CREATE OR REPLACE TEMP TABLE _radj (a BIGINT)")
    if rejects:
        con.executemany("INSERT INTO _radj VALUES (?)", [(int(r[0]) - i,) for i, r in enumerate(rejects)])
    if rejects:
        con.execute(
            f"CREATE TABLE {q(table)} AS SELECT s.*, CAST(s.rowid + 1 + "
            f"(SELECT count(*) FROM _radj WHERE a <= s.rowid + 1) AS BIGINT) AS _row FROM _stage s"
        )
    else:
        con.execute(f"CREATE TABLE {q(table)} AS SELECT s.*, CAST(s.rowid + 1 AS BIGINT) AS _row FROM _stage s")
    con.execute("DROP TABLE _stage")
    con.execute(f"DROP TABLE IF EXISTS {q(rej)}")
    con.execute(f"DROP TABLE IF EXISTS {q(scan)}")
    n_ok = con.execute(f"SELECT count(*) FROM {q(table)}").fetchall()[0][0]
    withhold = bool(m.sensitive)
    rows = []
    for r, et, col, raw, msg in rejects:
        reason = REJECT_REASONS.get(et, et.lower().replace(" ", "_"))
        raw_out = "(withheld: row may hold sensitive columns)" if withhold else (raw or "")
        rows.append((m.source_system, m.file, int(r), col or "(row)", reason,
                     raw_out, json.dumps({"detail": (msg or "")[:200]})))
    if rows:
        con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return ReadResult(m.source_system, m.file, table, int(n_ok) + len(rejects), len(rejects))


def create_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS quarantine (source_system VARCHAR, file VARCHAR, row_number BIGINT, "
        "field VARCHAR, reason VARCHAR, raw VARCHAR, detail VARCHAR)"
    )
