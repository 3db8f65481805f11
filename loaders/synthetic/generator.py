"""Orchestrates one synthetic borough: population -> scenarios -> events -> extracts -> truth files."""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from . import core, population, scenarios, sources
from .extract import Addresses
from .plans import Plans
from .restrictions import write_restrictions  # issue 7

GENERATOR_VERSION = "1.0.0"


def _write(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _truth_people(b) -> pd.DataFrame:
    return pd.DataFrame({
        "person_id": b.pid(np.arange(b.n_people)), "first_name": b.first, "middle_name": b.middle,
        "last_name": b.last, "birth_surname": b.birth_last, "sex": np.where(b.sex == 0, "M", "F"),
        "dob": core.fmt_dates(b.dob, "YYYY-MM-DD"), "death_date": core.fmt_dates(b.death, "YYYY-MM-DD"),
        "nhs_number": b.nhs, "ni_number": b.nino, "nickname": b.nickname,
        "household_id": np.array([f"H{h + 1:06d}" for h in b.hh.tolist()], dtype=object),
        "uprn": b.uprn[b.cur_d],
    })


def _truth_residence(b) -> pd.DataFrame:
    uprn = np.concatenate([b.uprn, [""]]).astype(object)
    pid = b.pid(np.arange(b.n_people))
    end = core.fmt_dates(b.death, "YYYY-MM-DD")
    cur = pd.DataFrame({"person_id": pid, "uprn": uprn[b.cur_d], "from_date": core.fmt_dates(b.cur_from, "YYYY-MM-DD"),
                        "to_date": end})
    m = b.prev_d >= -1
    prev = pd.DataFrame({"person_id": pid[m], "uprn": uprn[b.prev_d[m]],
                         "from_date": core.fmt_dates(b.prev_from[m], "YYYY-MM-DD"),
                         "to_date": core.fmt_dates(b.cur_from[m], "YYYY-MM-DD")})
    return pd.concat([prev, cur]).sort_values(["person_id", "from_date"], kind="stable").reset_index(drop=True)


def _truth_households(b) -> pd.DataFrame:
    uprn = np.concatenate([b.uprn, [""]]).astype(object)
    pid = b.pid(np.arange(b.n_people))
    df = pd.DataFrame({"h": b.hh, "pid": pid, "d": b.cur_d, "f": b.cur_from, "pd": b.prev_d, "pf": b.prev_from})
    here = df[df.d == b.hh_dwelling[b.hh]]
    cur = here.groupby("h", sort=True).agg(f=("f", "min"), ids=("pid", ";".join)).reset_index()
    cur["d"] = b.hh_dwelling[cur.h.to_numpy()]
    cur["fs"] = core.fmt_dates(cur.f.to_numpy("datetime64[D]"), "YYYY-MM-DD")
    cur["ts"] = ""
    prev = df[df.pd >= -1].groupby(["h", "pd"], sort=True).agg(f=("pf", "min"), t=("f", "min"),
                                                               ids=("pid", ";".join)).reset_index()
    prev["d"] = prev.pd
    prev["fs"] = core.fmt_dates(prev.f.to_numpy("datetime64[D]"), "YYYY-MM-DD")
    prev["ts"] = core.fmt_dates(prev.t.to_numpy("datetime64[D]"), "YYYY-MM-DD")
    cols = ["h", "d", "fs", "ts", "ids"]
    allr = pd.concat([cur[cols], prev[cols]]).sort_values(["h", "fs"], kind="stable")
    h = allr.h.to_numpy()
    types = np.array(population.HH_TYPES, dtype=object)
    return pd.DataFrame({
        "household_id": np.array([f"H{x + 1:06d}" for x in h.tolist()], dtype=object),
        "uprn": uprn[allr.d.to_numpy(np.int64)], "household_type": types[b.hh_type[h]],
        "from_date": allr.fs.to_numpy(object), "to_date": allr.ts.to_numpy(object),
        "person_ids": allr.ids.to_numpy(object)})


def _truth_relationships(b) -> pd.DataFrame:
    r = pd.DataFrame(b.rels, columns=["f", "t", "type"]).drop_duplicates()
    r = r.sort_values(["type", "f", "t"], kind="stable")
    return pd.DataFrame({"person_id_from": b.pid(r.f.to_numpy()), "person_id_to": b.pid(r.t.to_numpy()),
                         "type": r.type.to_numpy()})


def _keys_of(truths: list[pd.DataFrame]) -> dict:
    """(system, person_id) -> final record keys, for the scenario evidence lists."""
    out: dict = {}
    for t in truths:
        ok = t.record_key != ""
        for s, p, k in zip(t.source_system[ok].tolist(), t.person_id[ok].tolist(), t.record_key[ok].tolist(), strict=False):
            out.setdefault((s, p), []).append(k)
    return out


def _llpg(b) -> pd.DataFrame:
    return pd.DataFrame({"uprn": b.uprn, "sao_text": b.sao, "pao_number": b.pao_number, "pao_text": b.pao_text,
                         "street": b.street, "town": "Ashmere", "postcode": b.postcode, "ward": b.ward,
                         "council_owned": np.where(b.council_owned, "Y", "N"), "bedrooms": b.bedrooms,
                         "property_type": b.ptype})


def generate(people: int, seed: int, out_dir: Path,
             progress: Callable[[str], None] | None = None) -> dict:
    """Write a synthetic borough of `people` residents to out_dir; same seed -> identical bytes."""
    t0 = time.perf_counter()
    say = progress or (lambda s: None)
    if people < 200:
        raise ValueError("people must be at least 200 so that every scenario can be planted")
    out_dir = Path(out_dir)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    say(f"population: {people} people")
    b = population.build(rng, people)
    k = max(3, people // 3000)
    pl = scenarios.Planter(rng, b, k)
    pl.plant_residence()
    plans = Plans(rng, b)
    say("agency events")
    plans.background()
    pl.plant_events(plans)
    ctx = sources.Ctx(b=b, plans=plans, addr=Addresses(b, rng), rng=rng, sc=pl.sc)
    ctx.awards = sources.dwp_awards(ctx)
    counts: dict[str, int] = {}
    truths = []
    for fn in sources.SOURCES:
        name = fn.__name__
        say(f"extract {name}")
        df, truth = fn(ctx)
        _write(df, out_dir / f"{name}.csv")
        counts[f"{name}.csv"] = len(df)
        truths.append(truth)
    _write(_llpg(b), out_dir / "llpg.csv")
    counts["llpg.csv"] = len(b.uprn)
    say("scenario labels")
    scenarios.label(pl, plans, ctx.awards, ctx.school_att, ctx.ct_empty)
    makers = {
        "record_truth": lambda: pd.concat(truths, ignore_index=True),
        "people": lambda: _truth_people(b),
        "residence": lambda: _truth_residence(b),
        "households": lambda: _truth_households(b),
        "relationships": lambda: _truth_relationships(b),
        "scenarios": lambda: scenarios.table(pl, _keys_of(truths)),
        "events": lambda: pd.concat(ctx.events, ignore_index=True),
    }
    for name, make in makers.items():
        say(f"truth {name}")
        df = make()
        _write(df, out_dir / "truth" / f"{name}.csv")
        counts[f"truth/{name}.csv"] = len(df)
        if name == "scenarios":
            sc = df
    scen = {f"{t}{'/lookalike' if lk else ''}": int(n)
            for (t, lk), n in sc.groupby(["scenario_type", "is_lookalike"]).size().items()}
    manifest = {"seed": seed, "people": people, "generator_version": GENERATOR_VERSION,
                "reference_date": str(core.REF_DATE), "counts": counts, "scenarios": scen}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    write_restrictions(out_dir, seed, say)  # issue 7: restriction lists + truth (loaders/synthetic/restrictions.py)
    secs = round(time.perf_counter() - t0, 2)
    say(f"done in {secs}s")
    return {"counts": counts, "scenarios": scen, "seconds": secs,
            "source_records": int(sum(v for kk, v in counts.items() if not kk.startswith(("truth/", "llpg"))))}
