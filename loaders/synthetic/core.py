"""Shared helpers for the synthetic borough: dates, vectorised formatting and name tables.

Everything here is deterministic given the numpy Generator passed in; no global random state.
"""
from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
REF_DATE = np.datetime64("2025-12-31")
WINDOW_START = np.datetime64("2016-01-01")
NAT = np.datetime64("NaT", "D")
D = np.timedelta64(1, "D")
_BASE = np.datetime64("1880-01-01")
_END = np.datetime64("2031-01-01")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@cache
def _date_table(fmt: str) -> np.ndarray:
    """Every day 1880..2030 formatted once, so formatting 1M dates is one fancy index."""
    days = np.arange(_BASE, _END, dtype="datetime64[D]")
    y = days.astype("datetime64[Y]").astype(int) + 1970
    m = days.astype("datetime64[M]").astype(int) % 12 + 1
    d = (days - days.astype("datetime64[M]")).astype(int) + 1
    out = []
    for yy, mm, dd in zip(y.tolist(), m.tolist(), d.tolist(), strict=False):
        out.append(
            fmt.replace("YYYY", f"{yy:04d}").replace("MM", f"{mm:02d}").replace("DD", f"{dd:02d}")
            .replace("Mon", MONTHS[mm - 1]).replace("Dx", str(dd))
        )
    return np.array(out + [""], dtype=object)  # last slot = missing


def fmt_dates(arr: np.ndarray, fmt: str) -> np.ndarray:
    """Format datetime64[D] values with YYYY/MM/DD/Mon/Dx tokens; NaT -> ''."""
    table = _date_table(fmt)
    arr = np.asarray(arr, dtype="datetime64[D]")
    idx = (arr - _BASE).astype(np.int64)
    bad = np.isnat(arr) | (idx < 0) | (idx >= len(table) - 1)
    idx = np.where(bad, len(table) - 1, idx)
    return table[idx]


def rand_dates(rng: np.random.Generator, lo, hi, n: int) -> np.ndarray:
    """Uniform dates in [lo, hi) (broadcast arrays allowed)."""
    lo = np.asarray(lo, dtype="datetime64[D]")
    hi = np.asarray(hi, dtype="datetime64[D]")
    span = np.maximum((hi - lo).astype(np.int64), 1)
    off = (rng.random(n) * span).astype(np.int64)
    return lo + off.astype("timedelta64[D]")


def years(n) -> np.ndarray:
    return (np.asarray(n) * 365.25).astype(np.int64).astype("timedelta64[D]")


def age_at(dob: np.ndarray, when) -> np.ndarray:
    return ((np.asarray(when, dtype="datetime64[D]") - dob).astype(np.int64) / 365.25).astype(np.int64)


def upper(a: np.ndarray) -> np.ndarray:
    return np.array([s.upper() for s in a.tolist()], dtype=object)


def cat(*parts, sep: str = "") -> np.ndarray:
    """Element-wise string join of object arrays / scalars."""
    out = None
    for p in parts:
        p = np.asarray(p, dtype=object) if not isinstance(p, str) else p
        out = p if out is None else out + sep + p
    return out


def join_nonempty(cols: list[np.ndarray], sep: str = ", ") -> np.ndarray:
    rows = zip(*[c.tolist() for c in cols], strict=False)
    return np.array([sep.join(x for x in r if x) for r in rows], dtype=object)


def ids(prefix: str, n: int, width: int, start: int = 1) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(start, start + n)], dtype=object)


def group_lists(keys: np.ndarray, values: np.ndarray) -> dict[int, list[int]]:
    """{key: [values...]} in value order, without pandas groupby-apply (slow for 100k groups)."""
    order = np.argsort(keys, kind="stable")
    k, v = keys[order], values[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if len(k) else np.empty(0, int)
    ends = np.r_[starts[1:], len(k)]
    vl = v.tolist()
    return {int(k[s]): vl[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)}


# ---------------------------------------------------------------- name tables
def _read(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def surname_table() -> tuple[np.ndarray, np.ndarray]:
    rows = _read("surnames.csv")
    w = np.array([float(r["weight"]) for r in rows])
    return np.array([r["surname"] for r in rows], dtype=object), w / w.sum()


@cache
def first_name_table() -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """(decade, sex 0=M 1=F) -> (names, Zipf-like weights by rank)."""
    out = {}
    for r in _read("first_names.csv"):
        names = np.array(r["names"].split("|"), dtype=object)
        w = 1.0 / (np.arange(len(names)) + 2.0)
        out[(int(r["decade"]), 0 if r["sex"] == "M" else 1)] = (names, w / w.sum())
    return out


@cache
def nickname_map() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in _read("nicknames.csv"):
        out.setdefault(r["name"], []).append(r["nickname"])
    return out


@cache
def street_stems() -> list[str]:
    return [r["stem"] for r in _read("streets.csv")]


def sample_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    names, w = surname_table()
    return names[rng.choice(len(names), size=n, p=w)]


def sample_first_names(rng: np.random.Generator, sex: np.ndarray, dob: np.ndarray) -> np.ndarray:
    table = first_name_table()
    yr = dob.astype("datetime64[Y]").astype(int) + 1970
    dec = np.clip((yr // 10) * 10, 1920, 2020)
    out = np.empty(len(sex), dtype=object)
    for (d, s), (names, w) in sorted(table.items()):
        m = (dec == d) & (sex == s)
        k = int(m.sum())
        if k:
            out[m] = names[rng.choice(len(names), size=k, p=w)]
    return out


# ---------------------------------------------------------------- identifiers
def nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """10-digit NHS numbers with a valid modulus-11 check digit, unique."""
    out: list[str] = []
    seen: set[str] = set()
    weights = np.arange(10, 1, -1)
    while len(out) < n:
        k = (n - len(out)) * 12 // 10 + 10
        digits = rng.integers(0, 10, size=(k, 9))
        digits[:, 0] = rng.integers(4, 7, size=k)  # 4xx-6xx like real ranges
        check = 11 - (digits * weights).sum(axis=1) % 11
        check = np.where(check == 11, 0, check)
        ok = check != 10
        for row, c in zip(digits[ok].tolist(), check[ok].tolist(), strict=False):
            s = "".join(map(str, row)) + str(c)
            if s not in seen:
                seen.add(s)
                out.append(s)
                if len(out) == n:
                    break
    return np.array(out, dtype=object)


def nhs_valid(s: str) -> bool:
    s = s.replace(" ", "")
    if len(s) != 10 or not s.isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(s[:9], range(10, 1, -1), strict=False))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(s[9])


_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"


def ni_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique NI numbers in the valid prefix/suffix format (e.g. `JK123456C`)."""
    a = rng.integers(0, len(_NINO_FIRST), n)
    b = rng.integers(0, len(_NINO_SECOND), n)
    num = rng.permutation(1_000_000)[:n] if n <= 1_000_000 else rng.integers(0, 1_000_000, n)
    suf = rng.integers(0, 4, n)
    return np.array([f"{_NINO_FIRST[x]}{_NINO_SECOND[y]}{z:06d}{'ABCD'[s]}"
                     for x, y, z, s in zip(a.tolist(), b.tolist(), num.tolist(), suf.tolist(), strict=False)],
                    dtype=object)


_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn(la: int, school: int, year: int, serial: int) -> str:
    """DfE Unique Pupil Number: check letter + LA(3) + school(4) + year(2) + serial(3)."""
    body = f"{la:03d}{school:04d}{year % 100:02d}{serial % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(body, range(2, 14), strict=False))
    return _UPN_LETTERS[total % 23] + body


def upn_valid(s: str) -> bool:
    return len(s) == 13 and s[1:].isdigit() and upn(int(s[1:4]), int(s[4:8]), int(s[8:10]),
                                                     int(s[10:13])) == s
