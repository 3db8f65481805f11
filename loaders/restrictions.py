"""Resolve restriction lists (national data opt-out, sealed records, protected addresses) to the index.

The lists come from outside the line-of-business extracts (NHS England, children's services, housing
and police) and name people by an NHS number or by one of their source records, never by resident ID,
so they are resolved through ``records.parquet`` after linking. A sealed record seals the whole
resident it links to; an NHS number flags every resident holding a record with that number (if linkage
left a person split in two, both halves are flagged: a missed opt-out is the worse error).

Input, all optional, under ``SOURCES/restrictions/`` (UTF-8 CSV with a header; see docs/governance.md):
``national_data_opt_out.csv`` (nhs_number), ``sealed_records.csv`` (source_system, record_key, reason),
``protected_addresses.csv`` (uprn, reason). Output in the index folder: ``restrictions.parquet``
(resident_id, flag in {opt_out, sealed}, source, reason, evidence) and ``protected_addresses.parquet``
(uprn, reason, source). Both are always written, empty when there is nothing to apply, so a restriction
withdrawn from a list is withdrawn from the index at the next run.

A malformed list is never half-applied: every row is validated first and the first error raises
:class:`RestrictionError` naming the file, the data row (1-based, as in ``quarantine.csv``) and the
field; the previous outputs stay untouched. Outputs are replaced atomically.
"""

from __future__ import annotations

import csv
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from loaders.errors import SourceError
from loaders.mapping import MAPPINGS_DIR

Progress = Callable[[str], None]
OPT_OUT_FILE = "national_data_opt_out.csv"
SEALED_FILE = "sealed_records.csv"
PROTECTED_FILE = "protected_addresses.csv"
COLUMNS = {OPT_OUT_FILE: ("nhs_number",), SEALED_FILE: ("source_system", "record_key", "reason"),
           PROTECTED_FILE: ("uprn", "reason")}
FLAGS = ("opt_out", "sealed")
_UPRN = re.compile(r"^\d{1,12}$")
_REASON = re.compile(r"^[A-Za-z][A-Za-z0-9 _\-/().,']{0,79}$")

RESTRICTIONS_SCHEMA = pa.schema([("resident_id", pa.string()), ("flag", pa.string()), ("source", pa.string()),
                                 ("reason", pa.string()), ("evidence", pa.string())])
PROTECTED_SCHEMA = pa.schema([("uprn", pa.string()), ("reason", pa.string()), ("source", pa.string())])


class RestrictionError(SourceError):
    """A restriction list is malformed: names the file, the data row and the field."""


@dataclass(frozen=True)
class Row:
    file: str
    row: int  # 1-based data row (the header is row 0)
    values: dict[str, str]


def nhs_number_valid(number: str) -> bool:
    """Ten digits whose last is the modulus-11 check digit of the first nine."""
    if len(number) != 10 or not number.isdigit():
        return False
    check = 11 - sum(int(c) * w for c, w in zip(number[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(number[9])


def _read_list(path: Path) -> list[Row]:
    """All rows of one list, header checked; a missing file is an empty list."""
    if not path.exists():
        return []
    required = COLUMNS[path.name]
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise RestrictionError(str(path), "empty file (expected a header row: " + ", ".join(required) + ")")
            names = [h.strip().lower() for h in header]
            for col in required:
                if col not in names:
                    raise RestrictionError(str(path), f"missing column (header has: {', '.join(header) or 'nothing'})",
                                           field=col)
            at = {c: names.index(c) for c in required}
            rows = []
            for n, raw in enumerate(reader, start=1):
                if not any(v.strip() for v in raw):
                    continue  # blank line
                if len(raw) != len(header):
                    raise RestrictionError(str(path), f"has {len(raw)} fields, the header has {len(header)}", row=n)
                rows.append(Row(str(path), n, {c: raw[i].strip() for c, i in at.items()}))
            return rows
    except UnicodeDecodeError as e:
        raise RestrictionError(str(path), f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    except csv.Error as e:
        raise RestrictionError(str(path), f"not valid CSV ({e})") from None


def _need(r: Row, col: str) -> str:
    v = r.values[col]
    if not v:
        raise RestrictionError(r.file, "empty", row=r.row, field=col)
    return v


def _reason(r: Row) -> str:
    v = _need(r, "reason")
    if not _REASON.match(v):
        raise RestrictionError(r.file, f"{v!r} is not a reason code (letters, digits and spaces, up to 80)",
                               row=r.row, field="reason")
    return v.lower().replace(" ", "_")


def _validate(sources: Path, known_systems: set[str]) -> tuple[list[tuple[Row, str]], list[tuple[Row, str, str, str]],
                                                               list[tuple[Row, str, str]]]:
    folder = sources / "restrictions"
    opt = []
    for r in _read_list(folder / OPT_OUT_FILE):
        v = re.sub(r"[\s-]", "", _need(r, "nhs_number"))
        if not nhs_number_valid(v):
            raise RestrictionError(r.file, f"{r.values['nhs_number']!r} is not a valid NHS number "
                                   "(10 digits with a modulus-11 check digit)", row=r.row, field="nhs_number")
        opt.append((r, v))
    sealed = []
    for r in _read_list(folder / SEALED_FILE):
        system = _need(r, "source_system")
        if system not in known_systems:
            raise RestrictionError(r.file, f"unknown source system {system!r} (known: {', '.join(sorted(known_systems))})",
                                   row=r.row, field="source_system")
        key = _need(r, "record_key")
        if key.startswith(system + ":"):  # accept the index's own 'system:record_id' form too
            key = key[len(system) + 1:]
        sealed.append((r, system, key, _reason(r)))
    protected = []
    for r in _read_list(folder / PROTECTED_FILE):
        uprn = _need(r, "uprn")
        if not _UPRN.match(uprn):
            raise RestrictionError(r.file, f"{uprn!r} is not a UPRN (up to 12 digits)", row=r.row, field="uprn")
        protected.append((r, str(int(uprn)), _reason(r)))
    return opt, sealed, protected


def _records(out: Path) -> pa.Table:
    path = out / "records.parquet"
    if not path.exists():
        raise RestrictionError(str(path), "missing (run `residex link` first: restrictions resolve through it)")
    pf = pq.ParquetFile(path)
    missing = [c for c in ("source_system", "record_id", "resident_id") if c not in pf.schema_arrow.names]
    if missing:
        raise RestrictionError(str(path), "missing column", field=missing[0])
    cols = ["source_system", "record_id", "resident_id"] + (["nhs_number"] if "nhs_number" in pf.schema_arrow.names else [])
    return pf.read(columns=cols)


def _known_systems(sources: Path, recs: pa.Table) -> set[str]:
    known = {p.stem for d in (MAPPINGS_DIR, sources / "mappings") if d.is_dir() for p in d.glob("*.y*ml")}
    return known | {s for s in pc.unique(recs["source_system"]).to_pylist() if s}


def _matches(recs: pa.Table, column: pa.ChunkedArray, wanted: set[str]) -> list[tuple[str, str]]:
    """(value, resident_id) for the records whose ``column`` value is wanted, filtered in Arrow: the
    index can hold millions of records, the lists a few thousand."""
    if not wanted:
        return []
    mask = pc.fill_null(pc.is_in(column, value_set=pa.array(sorted(wanted), pa.string())), False)
    values = pc.filter(column, mask).to_pylist()
    rids = pc.filter(recs["resident_id"], mask).to_pylist()
    return [(v, str(r)) for v, r in zip(values, rids, strict=True) if r is not None]


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _where(r: Row) -> str:
    return f"{Path(r.file).name} row {r.row}"


def apply_restrictions(sources: Path, out: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Resolve ``SOURCES/restrictions/*.csv`` to residents; write the index's restriction tables.

    Returns counts per list: rows read, residents flagged, and rows that resolved to nobody.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _m: None)
    sources, out = Path(sources), Path(out)
    recs = _records(out)
    opt, sealed, protected = _validate(sources, _known_systems(sources, recs))
    say(f"restrictions: {len(opt)} opt-out, {len(sealed)} sealed, {len(protected)} protected-address rows")

    by_nhs: dict[str, set[str]] = {}
    if "nhs_number" in recs.column_names:
        digits = pc.replace_substring_regex(recs["nhs_number"].cast(pa.string()), pattern=r"\D", replacement="")
        for number, rid in _matches(recs, digits, {n for _, n in opt}):
            by_nhs.setdefault(number, set()).add(rid)
    keys = pc.binary_join_element_wise(recs["source_system"].cast(pa.string()), recs["record_id"].cast(pa.string()),
                                       ":")
    by_key = dict(_matches(recs, keys, {f"{system}:{key}" for _, system, key, _ in sealed}))

    flagged: dict[tuple[str, str], dict[str, str]] = {}
    unresolved = {"opt_out": 0, "sealed": 0}
    for r, number in opt:
        rids = by_nhs.get(number, set())
        unresolved["opt_out"] += not rids
        for rid in sorted(rids):
            flagged.setdefault((rid, "opt_out"), {"source": OPT_OUT_FILE, "reason": "national_data_opt_out",
                                                  "evidence": _where(r)})
    for r, system, key, reason in sealed:
        rid = by_key.get(f"{system}:{key}")
        unresolved["sealed"] += rid is None
        if rid is not None:
            flagged.setdefault((rid, "sealed"), {"source": SEALED_FILE, "reason": reason,
                                                 "evidence": f"{_where(r)}: {system}:{key}"})
    rows = [{"resident_id": rid, "flag": flag, **v} for (rid, flag), v in sorted(flagged.items())]
    addr: dict[str, dict[str, str]] = {}
    for r, uprn, reason in protected:
        a = addr.setdefault(uprn, {"uprn": uprn, "reasons": [], "source": _where(r)})
        if reason not in a["reasons"]:
            a["reasons"].append(reason)
    addr_rows = [{"uprn": u, "reason": ";".join(a["reasons"]), "source": a["source"]} for u, a in sorted(addr.items())]

    gazetteer = out / "addresses.parquet"
    not_in_gazetteer = None
    if gazetteer.exists():
        known = {str(u) for u in pq.ParquetFile(gazetteer).read(columns=["uprn"]).column("uprn").to_pylist()}
        not_in_gazetteer = sum(1 for u in addr if u not in known)

    out.mkdir(parents=True, exist_ok=True)
    _write_atomic(pa.Table.from_pylist(rows, schema=RESTRICTIONS_SCHEMA), out / "restrictions.parquet")
    _write_atomic(pa.Table.from_pylist(addr_rows, schema=PROTECTED_SCHEMA), out / "protected_addresses.parquet")
    summary = {
        "opt_out": {"rows": len(opt), "residents": sum(1 for r in rows if r["flag"] == "opt_out"),
                    "unresolved_rows": unresolved["opt_out"]},
        "sealed": {"rows": len(sealed), "residents": sum(1 for r in rows if r["flag"] == "sealed"),
                   "unresolved_rows": unresolved["sealed"]},
        "protected_addresses": {"rows": len(protected), "dwellings": len(addr_rows),
                                "not_in_gazetteer": not_in_gazetteer},
        "seconds": round(time.perf_counter() - t0, 3),
    }
    say(f"restrictions: {summary['opt_out']['residents']} residents opted out "
        f"({unresolved['opt_out']} NHS numbers matched no record), {summary['sealed']['residents']} sealed "
        f"({unresolved['sealed']} records not in the index), {len(addr_rows)} protected dwellings")
    return summary
