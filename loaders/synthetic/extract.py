"""One source extract under construction: rows, keys, duplicates, stale addresses, bad rows, truth.

Sources build their base rows (who, which dwelling, record date, own fields) and hand them here; this
class applies the shared parts of the noise model the same way for every system.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import core
from .noise import BAD_DOB_TEXT, NOISE, Tags

ABBR = {"Road": "Rd", "Street": "St", "Avenue": "Ave", "Lane": "Ln", "Close": "Cl", "Gardens": "Gdns",
        "Crescent": "Cres", "Drive": "Dr", "Grove": "Gr", "Way": "Way"}
TOWN = "Ashmere"


class Addresses:
    """Per-dwelling address strings in each style, computed once; index -1 = outside the borough."""

    def __init__(self, b, rng: np.random.Generator):
        sao, pno, ptext, st = b.sao.tolist(), b.pao_number.tolist(), b.pao_text.tolist(), b.street.tolist()
        canon, abbr, suffix, l1, l2 = [], [], [], [], []
        for s, n, t, r in zip(sao, pno, ptext, st, strict=False):
            words = r.split(" ")
            short = " ".join(ABBR.get(w, w) for w in words)
            numst = f"{n} {r}"
            canon.append(", ".join(x for x in (s, t, numst) if x))
            if s.startswith("Flat ") and s[5:].isdigit():
                ab = f"{s[5:]}/{n} {short}" if not t else f"{s[5:]} {t}, {n} {short}"
                sf = f"{n} {r} Flat {s[5:]}" if not t else f"{t} Flat {s[5:]}, {n} {r}"
            elif s.startswith("Flat ") and len(s) == 6:
                ab = f"{n}{s[5].lower()} {short}"
                sf = f"{n}{s[5]} {r}"
            elif s.endswith("Floor Flat"):
                code = {"Ground": "GFF", "First": "FFF", "Second": "SFF"}[s.split()[0]]
                ab = f"{code} {n} {short}"
                sf = f"{n} {r} ({s})"
            else:
                ab = ", ".join(x for x in (t, f"{n} {short}") if x)
                sf = ", ".join(x for x in (t, numst) if x)
            abbr.append(ab)
            suffix.append(sf)
            l1.append(", ".join(x for x in (s, t) if x) or numst)
            l2.append(numst if (s or t) else "")
        k = 5000
        out_num = rng.integers(1, 200, k)
        out_st = rng.integers(0, len(core.street_stems()), k)
        towns = ["Otherton", "Kingsbridge", "Lowbury", "Hatfield Moor", "Eastwick"]
        self.out_line = np.array([f"{a} {core.street_stems()[s]} Road" for a, s in zip(out_num, out_st, strict=False)],
                                 dtype=object)
        self.out_town = np.array([towns[i % 5] for i in range(k)], dtype=object)
        L = "ABDEFGHJLNPQRSTUWXYZ"
        self.out_pc = np.array([f"OT{1 + i % 9} {i % 10}{L[i % 20]}{L[(i * 3) % 20]}" for i in range(k)],
                               dtype=object)
        self.styles = {
            "canonical": np.array(canon + [""], dtype=object),
            "abbrev": np.array(abbr + [""], dtype=object),
            "suffix": np.array(suffix + [""], dtype=object),
            "line1": np.array(l1 + [""], dtype=object),
            "line2": np.array(l2 + [""], dtype=object),
        }
        self.postcode = np.concatenate([b.postcode, [""]]).astype(object)
        self.rng = rng

    def render(self, d: np.ndarray, style: str, salt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(address text, postcode) for dwellings d; outside-borough rows get a non-borough address."""
        text = self.styles[style][d]
        pc = self.postcode[d]
        out = d < 0
        if out.any():
            j = salt[out] % len(self.out_line)
            text = text.copy()
            pc = pc.copy()
            text[out] = (self.out_line[j] if style != "line2" else "")
            pc[out] = self.out_pc[j]
        return text, pc

    def mixed(self, d: np.ndarray, weights: dict[str, float], salt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mix styles per row (systems whose users type addresses freely)."""
        names = sorted(weights)
        p = np.array([weights[k] for k in names])
        pick = self.rng.choice(len(names), size=len(d), p=p / p.sum())
        text = np.empty(len(d), dtype=object)
        pc = np.empty(len(d), dtype=object)
        for i, k in enumerate(names):
            m = pick == i
            text[m], pc[m] = self.render(d[m], k, salt[m])
        return text, pc


class Extract:
    """Rows of one source system plus their truth."""

    def __init__(self, system: str, rng: np.random.Generator, b, pidx: np.ndarray, d: np.ndarray,
                 when: np.ndarray | None = None, cols: dict | None = None, stale_ok: bool = True):
        self.system, self.rng, self.b = system, rng, b
        self.cfg = NOISE[system]
        n = len(pidx)
        cols = dict(cols or {})
        # within-system duplicates: same person entered twice; noise applied independently later
        dup = rng.random(n) < self.cfg["duplicate"]
        src = np.concatenate([np.arange(n), np.flatnonzero(dup)])
        order = rng.permutation(len(src))
        src = src[order]
        self.src = src
        first_pos = np.full(n, -1)
        is_dup = np.zeros(len(src), dtype=bool)
        for pos, s in enumerate(src.tolist()):
            if first_pos[s] < 0:
                first_pos[s] = pos
            else:
                is_dup[pos] = True
        self.is_dup = is_dup
        self.dup_of_pos = np.where(is_dup, first_pos[src], -1)
        self.pidx = pidx[src]
        self.d = d[src].copy()
        self.when = None if when is None else when[src]
        self.cols = {k: np.asarray(v)[src] for k, v in cols.items()}
        self.n = len(src)
        self.tags = Tags(self.n)
        self.stale = np.zeros(self.n, dtype=bool)
        if stale_ok and self.cfg["stale"] > 0:
            moved = b.prev_d[self.pidx] >= -1
            m = moved & (rng.random(self.n) < self.cfg["stale"])  # rate among people who moved
            self.d[m] = np.where(b.prev_d[self.pidx[m]] >= 0, b.prev_d[self.pidx[m]], -1)
            self.stale = m
            self.tags.add(m, "stale_address")
        self.salt = (self.pidx * 7919 + np.arange(self.n)) % 5000
        self.bad = np.full(self.n, "", dtype=object)
        self.extra_truth: dict[str, np.ndarray] = {}

    def keys(self, prefix: str, width: int, start: int = 1) -> np.ndarray:
        return core.ids(prefix, self.n, width, start)

    def finish(self, frame: dict[str, np.ndarray], key_col: str, dob_col: str | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Plant bad rows, then return (extract, record_truth)."""
        n = self.n
        keys = np.asarray(frame[key_col], dtype=object).copy()
        true_keys = keys.copy()
        k_bad = max(3, int(round(n * self.cfg["bad"]))) if n >= 50 else 0
        if k_bad:
            cand = np.flatnonzero(~self.is_dup)
            rows = self.rng.choice(cand, size=min(k_bad, len(cand)), replace=False)
            spare = np.setdiff1d(np.arange(n), rows)
            kinds = ["empty_key", "duplicate_key"] + (["unparseable_dob"] if dob_col else [])
            for j, r in enumerate(sorted(rows.tolist())):
                kind = kinds[j % len(kinds)]
                if kind == "empty_key":
                    keys[r] = ""
                elif kind == "duplicate_key":
                    other = int(spare[self.rng.integers(0, len(spare))])
                    keys[r] = true_keys[other]
                else:
                    col = np.asarray(frame[dob_col], dtype=object).copy()
                    col[r] = BAD_DOB_TEXT[j % len(BAD_DOB_TEXT)]
                    frame[dob_col] = col
                self.bad[r] = kind
        frame[key_col] = keys
        df = pd.DataFrame({k: np.asarray(v, dtype=object) for k, v in frame.items()})
        dup_key = np.where(self.dup_of_pos >= 0, true_keys[np.maximum(self.dup_of_pos, 0)], "")
        uprn = np.concatenate([self.b.uprn, [""]]).astype(object)
        truth = {
            "source_system": np.full(n, self.system, dtype=object),
            "record_key": keys,
            "row_number": np.arange(1, n + 1),
            "person_id": self.b.pid(self.pidx),
            "is_bad_row": (self.bad != "").astype(int),
            "bad_reason": self.bad,
            "is_duplicate": self.is_dup.astype(int),
            "duplicate_of": dup_key,
            "is_stale_address": self.stale.astype(int),
            "true_uprn": uprn[self.d],
            "noise": self.tags.joined(),
        }
        return df, pd.DataFrame(truth)
