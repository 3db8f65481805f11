"""Noise model: per-source rates and the vectorised functions that apply them.

Each applied noise is recorded as a tag in the record's truth row, so tests can measure the realised
rates and a reader can judge how hard each extract is. `NOISE` is the single source of the rates that
docs/synthetic-data.md states.
"""
from __future__ import annotations

import numpy as np

from . import core

DEFAULT = dict(
    typo_first=0.02, typo_last=0.02, nickname=0.03, initial=0.0, missing_first=0.0, maiden=0.0,
    dob_swap=0.01, dob_placeholder=0.003, dob_typo=0.01, dob_missing=0.005,
    pc_nospace=0.05, pc_lower=0.03, pc_missing=0.01, stale=0.05, duplicate=0.01, bad=0.0005,
)
_S = {
    "council_tax": dict(typo_first=0.02, typo_last=0.015, nickname=0.06, initial=0.10, stale=0.0,
                        duplicate=0.003, pc_nospace=0.02),
    "housing_tenancy": dict(typo_first=0.015, typo_last=0.01, nickname=0.02, stale=0.0, duplicate=0.002,
                            dob_placeholder=0.01),
    "electoral_register": dict(typo_first=0.01, typo_last=0.01, nickname=0.01, stale=0.08, duplicate=0.004,
                               pc_nospace=0.01, maiden=0.03),
    "housing_benefit": dict(typo_first=0.01, typo_last=0.01, nickname=0.01, stale=0.02, duplicate=0.004),
    "dwp_benefits": dict(typo_first=0.005, typo_last=0.005, nickname=0.0, stale=0.10, duplicate=0.002, maiden=0.10,
                         dob_placeholder=0.001, pc_nospace=0.15, pc_lower=0.0),
    "gp_registration": dict(typo_first=0.01, typo_last=0.01, nickname=0.01, stale=0.12, duplicate=0.006, maiden=0.15,
                            dob_placeholder=0.002),
    "school_census": dict(typo_first=0.01, typo_last=0.01, nickname=0.0, stale=0.03, duplicate=0.003,
                          dob_placeholder=0.0, dob_swap=0.005),
    "early_years": dict(typo_first=0.03, typo_last=0.03, nickname=0.02, stale=0.05, duplicate=0.01),
    "childrens_social_care": dict(typo_first=0.03, typo_last=0.03, nickname=0.05, stale=0.0, duplicate=0.02,
                                  dob_missing=0.05, dob_placeholder=0.01),
    "adult_social_care": dict(typo_first=0.02, typo_last=0.02, nickname=0.04, stale=0.0, duplicate=0.015,
                              dob_placeholder=0.01),
    "police_contacts": dict(typo_first=0.05, typo_last=0.05, nickname=0.10, initial=0.03, stale=0.0, maiden=0.05,
                            duplicate=0.03, dob_swap=0.03, dob_placeholder=0.02, dob_missing=0.06,
                            dob_typo=0.03, pc_missing=0.08, pc_lower=0.08),
    "blue_badge": dict(typo_first=0.01, typo_last=0.01, nickname=0.01, stale=0.04, duplicate=0.004),
    "blue_light_callouts": dict(typo_first=0.06, typo_last=0.06, nickname=0.12, initial=0.25,
                                missing_first=0.10, stale=0.0, duplicate=0.0, pc_missing=0.05,
                                pc_nospace=0.20, pc_lower=0.10),
}
NOISE: dict[str, dict[str, float]] = {k: {**DEFAULT, **v} for k, v in _S.items()}
NO_DOB = {"council_tax", "electoral_register", "blue_light_callouts"}  # these extracts carry no DOB

PLACEHOLDER_DOBS = np.array(["1900-01-01", "1901-01-01", "1800-01-01"], dtype="datetime64[D]")
BAD_DOB_TEXT = ["unknown", "N/K", "32/13/1985", "19850230", "??/??/19", "not given"]
_KEYB = "qwertyuiopasdfghjklzxcvbnm"


def _typo(rng: np.random.Generator, s: str) -> str:
    if len(s) < 3:
        return s + s[-1:] if s else s
    i = int(rng.integers(1, len(s) - 1))
    k = int(rng.integers(0, 4))
    if k == 0:  # transpose
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    if k == 1:  # drop
        return s[:i] + s[i + 1:]
    if k == 2:  # double
        return s[:i] + s[i] + s[i:]
    c = _KEYB[int(rng.integers(0, 26))]
    c = c.upper() if s[i].isupper() else c
    return s[:i] + c + s[i + 1:] if c.lower() != s[i].lower() else s[:i] + s[i + 1] + s[i] + s[i + 2:]


class Tags:
    """Per-row list of noise tags, joined at the end."""

    def __init__(self, n: int):
        self.t = np.full(n, "", dtype=object)

    def add(self, mask: np.ndarray, tag: str) -> None:
        self.t[mask] = self.t[mask] + (tag + ";")

    def joined(self) -> np.ndarray:
        return np.array([s[:-1] for s in self.t.tolist()], dtype=object)


def hit(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return rng.random(n) < rate


def names(rng, b, idx: np.ndarray, cfg: dict, tags: Tags, when=None):
    """Noisy first name and surname for people idx; returns (first, middle, last)."""
    n = len(idx)
    first = b.first[idx].copy()
    middle = b.middle[idx].copy()
    last = b.last[idx].copy()
    if cfg.get("maiden"):
        m = hit(rng, n, cfg["maiden"]) & (b.birth_last[idx] != last)
        last[m] = b.birth_last[idx][m]
        tags.add(m, "maiden_name")
    nick = b.nickname[idx]
    m = hit(rng, n, cfg["nickname"]) & (nick != "")
    first[m] = nick[m]
    tags.add(m, "nickname")
    m = hit(rng, n, cfg["typo_first"])
    first[m] = [_typo(rng, s) for s in first[m].tolist()]
    tags.add(m, "typo_first")
    m = hit(rng, n, cfg["typo_last"])
    last[m] = [_typo(rng, s) for s in last[m].tolist()]
    tags.add(m, "typo_last")
    m = hit(rng, n, cfg["initial"])
    first[m] = [s[:1] for s in first[m].tolist()]
    middle[m] = [s[:1] for s in middle[m].tolist()]
    tags.add(m, "initial_only")
    m = hit(rng, n, cfg["missing_first"])
    first[m] = ""
    middle[m] = ""
    tags.add(m, "missing_first")
    return first, middle, last


def dobs(rng, b, idx: np.ndarray, cfg: dict, tags: Tags) -> np.ndarray:
    """Noisy datetime64 DOBs (NaT = missing)."""
    n = len(idx)
    dob = b.dob[idx].copy()
    y = dob.astype("datetime64[Y]").astype(int) + 1970
    mo = dob.astype("datetime64[M]").astype(int) % 12 + 1
    d = (dob - dob.astype("datetime64[M]")).astype(int) + 1
    m = hit(rng, n, cfg["dob_swap"]) & (d <= 12) & (d != mo)
    if m.any():
        dob[m] = np.array([f"{a:04d}-{c:02d}-{e:02d}" for a, c, e in zip(y[m], d[m], mo[m], strict=False)],
                          dtype="datetime64[D]")
    tags.add(m, "dob_swap")
    m = hit(rng, n, cfg["dob_typo"]) & ~m
    shift = rng.choice([-366, -365, 365, 366, -10, 10, -1, 1, -30, 30], size=n)
    dob[m] = dob[m] + shift[m].astype("timedelta64[D]")
    tags.add(m, "dob_typo")
    m = hit(rng, n, cfg["dob_placeholder"])
    dob[m] = PLACEHOLDER_DOBS[rng.integers(0, len(PLACEHOLDER_DOBS), int(m.sum()))]
    tags.add(m, "dob_placeholder")
    m = hit(rng, n, cfg["dob_missing"])
    dob[m] = core.NAT
    tags.add(m, "dob_missing")
    return dob


def postcodes(rng, pc: np.ndarray, cfg: dict, tags: Tags) -> np.ndarray:
    pc = pc.copy()
    n = len(pc)
    m = hit(rng, n, cfg["pc_nospace"])
    pc[m] = [s.replace(" ", "") for s in pc[m].tolist()]
    tags.add(m, "postcode_nospace")
    m = hit(rng, n, cfg["pc_lower"])
    pc[m] = [s.lower() for s in pc[m].tolist()]
    tags.add(m, "postcode_lower")
    m = hit(rng, n, cfg["pc_missing"])
    pc[m] = ""
    tags.add(m, "postcode_missing")
    return pc


def markdown_table() -> str:
    """The noise table in docs/synthetic-data.md (regenerate it from here when rates change)."""
    cols = list(DEFAULT)
    lines = ["| system | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for s, cfg in NOISE.items():
        cells = ["n/a" if (c.startswith("dob") and s in NO_DOB) else f"{cfg[c]:g}" for c in cols]
        lines.append(f"| `{s}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
