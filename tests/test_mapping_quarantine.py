"""Quarantine of every bad-row kind, with nothing lost: accepted + quarantined == rows read."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import yaml

from loaders.link import run_link
from loaders.mapping import load_mapping
from loaders.quarantine import validate_rows
from loaders.read import create_quarantine, read_source

MAPPING = {
    "source_system": "test_src",
    "file": "test_src.csv",
    "record_key": "id",
    "fields": {"first_name": "first", "last_name": "last",
               "dob": {"column": "dob", "format": "%d/%m/%Y"}, "postcode": "pc"},
    "sensitive": ["notes"],
}


def make(tmp: Path) -> Path:
    (tmp / "mappings").mkdir()
    (tmp / "mappings" / "test_src.yaml").write_text(yaml.safe_dump(MAPPING))
    lines = [
        b"id,first,last,dob,pc,notes",
        b"1,Ann,Lee,01/02/1990,AM1 1AA,ok",         # row 1 good
        b",Bob,Ray,02/03/1980,AM1 1AB,x",           # row 2 empty key
        b"3,Cat,Fox,31/02/1985,AM1 1AC,x",          # row 3 unparseable dob (31 Feb)
        b"1,Dan,Ode,01/01/1970,AM1 1AD,x",          # row 4 duplicate key of row 1
        b"5,Eve,Orr",                                # row 5 too few columns
        b"6,Fay,Poe,01/01/1971,AM1 1AE,x,extra",    # row 6 too many columns
        b"7,G\xe9e,Roe,01/01/1972,AM1 1AF,x",       # row 7 bad encoding (latin-1 byte)
        b"8,Hal,Sim,,AM1 1AG,x",                     # row 8 good (no DOB is not an error)
        b"9,Ivy,Tan,unknown,AM1 1AH,secret",         # row 9 unparseable dob
        b"10,Jo,Ure,05/06/2001,am11ai,x",            # row 10 good
    ]
    (tmp / "test_src.csv").write_bytes(b"\n".join(lines) + b"\n")
    return tmp


def test_each_bad_row_kind_is_quarantined(tmp_path: Path) -> None:
    src = make(tmp_path)
    m = load_mapping(src / "mappings" / "test_src.yaml")
    con = duckdb.connect()
    create_quarantine(con)
    rr = read_source(con, m, src)
    accepted = validate_rows(con, m, rr)
    q = con.execute("SELECT row_number, reason, field FROM quarantine ORDER BY row_number").fetchall()
    assert rr.rows_read == 10
    assert accepted == 3
    assert accepted + len(q) == rr.rows_read
    got = {r: reason for r, reason, _ in q}
    assert got == {2: "empty_key", 3: "unparseable_dob", 4: "duplicate_key", 5: "wrong_column_count",
                   6: "wrong_column_count", 7: "bad_encoding", 9: "unparseable_dob"}
    fields = {r: f for r, _, f in q}
    assert fields[3] == "dob" and fields[2] == "id"
    ok_rows = [r[0] for r in con.execute("SELECT _row FROM raw_test_src ORDER BY _row").fetchall()]
    assert ok_rows == [1, 8, 10]  # row 1 keeps its key; undated and lower-case postcode rows are fine
    # sensitive text never reaches quarantine
    raws = " ".join(str(r[0]) for r in con.execute("SELECT raw FROM quarantine").fetchall())
    assert "secret" not in raws


def test_run_link_writes_quarantine_csv_and_counts(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    src = make(tmp_path / "src")
    out = tmp_path / "out"
    s = run_link(src, out)
    assert s["accepted"] + s["quarantined"] == s["rows_read"] == 10
    with (out / "quarantine.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["reason"] for r in rows} == {"empty_key", "unparseable_dob", "duplicate_key",
                                           "wrong_column_count", "bad_encoding"}
    assert set(rows[0]) == {"source_system", "file", "row_number", "field", "reason", "raw"}
    assert s["quarantine_by_reason"]["test_src"]["unparseable_dob"] == 2
