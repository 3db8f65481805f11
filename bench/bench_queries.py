"""Saved-query benchmark: detector precision/recall against the generator's truth, and query latency.

    .venv/bin/python bench/bench_queries.py --people 30000 --work /tmp/residex-bench-30k
    .venv/bin/python bench/bench_queries.py --people 300000 --work /tmp/residex-bench-300k --skip-quality
    .venv/bin/python bench/bench_queries.py --people 300000 --index bench/out/borough-300000-11/index \
        --work /tmp/residex-lat-300k --skip-quality --json /tmp/residex-lat-300k/latency.json

Builds (or reuses, when the work folder already has it) a generated borough, links it, derives the
facts, loads it into an embedded FalkorDB, then runs every detector as the IG officer role (all
sources, full detail) with ``$today`` = the extract's reference date (2025-12-31). Prints, per
detector: planted cases found (recall), look-alikes flagged, rows flagged, and precision against the
truth (rows that match a planted case of that type; rows explained by another planted scenario are
counted separately; a planted case at a protected dwelling, which detectors skip by design, is listed as
withheld and not counted). Then latency: each detector's median of 3 runs, and the ego network (depth 2) over
a sample of residents, p50/p95. The scoring functions are shared with tests/test_detectors.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import server_cpu_s  # noqa: E402

REFERENCE_DATE = dt.date(2025, 12, 31)  # the generator's extract date (docs/synthetic-data.md)

# detector query -> (truth scenario_type, how a row is matched to a scenario: by dwelling or by person)
DETECTORS: dict[str, tuple[str, str]] = {
    "illegal_subletting": ("illegal_subletting", "uprn"),
    "spd_other_adults": ("spd_other_adults", "uprn"),
    "school_address_fraud": ("school_address_fraud", "person"),
    "empty_exemption_occupied": ("empty_exemption_occupied", "uprn"),
    "supporting_families": ("supporting_families", "uprn"),
    "safeguarding_da_child": ("safeguarding_da_child", "uprn"),
    "repeat_999_callers": ("repeat_999_caller", "person"),
    "multi_agency_family": ("multi_agency_family", "uprn"),
    "overcrowding": ("overcrowding", "uprn"),
}
ROW_PERSON_COLUMNS = ("resident_id", "resident_ids", "other_resident_ids", "child_resident_ids",
                      "parent_resident_ids")


@dataclass
class Truth:
    scenarios: list[dict[str, Any]]
    residents_of: dict[str, set[str]]  # truth person_id -> resident_ids its records resolved to
    adults_at: dict[str, set[str]] = field(default_factory=dict)  # uprn -> adults living there now (truth)
    protected: set[str] = field(default_factory=set)  # protected dwellings (refuges): detectors skip them

    def of_type(self, stype: str) -> list[dict[str, Any]]:
        return [s for s in self.scenarios if s["scenario_type"] == stype]


@dataclass
class Score:
    query: str
    scenario_type: str
    planted: int = 0
    found: int = 0
    lookalikes: int = 0
    lookalikes_flagged: int = 0
    lookalikes_justified: int = 0
    rows: int = 0
    rows_verified: int = 0
    rows_planted: int = 0
    rows_other_scenario: int = 0
    seconds: float = 0.0
    missed: list[str] = field(default_factory=list)
    flagged_lookalikes: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)  # planted at a protected dwelling: not findable by design
    withheld_shown: list[str] = field(default_factory=list)  # ... and flagged anyway: a governance breach

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        return self.rows_planted / self.rows if self.rows else 1.0

    @property
    def verified_precision(self) -> float | None:
        return self.rows_verified / self.rows if self.rows and self.scenario_type == "spd_other_adults" else None

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query, "planted": self.planted, "found": self.found, "recall": round(self.recall, 3),
                "lookalikes": self.lookalikes, "lookalikes_flagged": self.lookalikes_flagged,
                "lookalikes_justified": self.lookalikes_justified, "rows": self.rows,
                "precision": round(self.precision, 3), "rows_other_scenario": self.rows_other_scenario,
                "verified_precision": None if self.verified_precision is None else round(self.verified_precision, 3),
                "seconds": round(self.seconds, 3), "missed": self.missed, "withheld": self.withheld,
                "withheld_shown": self.withheld_shown,
                "flagged_lookalikes": self.flagged_lookalikes}


def load_truth(sources: Path, index: Path) -> Truth:
    """Scenarios plus the person -> resident mapping (through each source record's truth person)."""
    import pandas as pd

    sc = pd.read_csv(sources / "truth" / "scenarios.csv", dtype=str, keep_default_na=False)
    rt = pd.read_csv(sources / "truth" / "record_truth.csv", dtype=str, keep_default_na=False,
                     usecols=["source_system", "record_key", "person_id", "is_bad_row"])
    rt = rt[rt.is_bad_row == "0"].drop_duplicates(["source_system", "record_key"])
    rec = pd.read_parquet(index / "records.parquet", columns=["source_system", "record_id", "resident_id"])
    m = rec.merge(rt, left_on=["source_system", "record_id"], right_on=["source_system", "record_key"])
    residents_of: dict[str, set[str]] = defaultdict(set)
    for pid, rid in zip(m.person_id, m.resident_id, strict=True):
        if pid and rid:
            residents_of[pid].add(str(rid))
    people = pd.read_csv(sources / "truth" / "people.csv", dtype=str, keep_default_na=False,
                         usecols=["person_id", "dob", "death_date", "uprn"])
    adult_dob = (REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 18)).isoformat()
    adults_at: dict[str, set[str]] = defaultdict(set)
    for pid, dob, death, uprn in zip(people.person_id, people.dob, people.death_date, people.uprn, strict=True):
        if uprn and not death and dob and dob <= adult_dob:
            adults_at[uprn].add(pid)
    scenarios = []
    for r in sc.to_dict("records"):
        r["persons"] = [p for p in r["person_ids"].split(";") if p]
        r["uprn_list"] = [u for u in r["uprns"].split(";") if u]
        r["is_lookalike"] = r["is_lookalike"] == "1"
        scenarios.append(r)
    prot = index / "protected_addresses.parquet"
    protected = set(pd.read_parquet(prot, columns=["uprn"]).uprn.astype(str)) if prot.exists() else set()
    return Truth(scenarios, dict(residents_of), dict(adults_at), protected)


def _row_people(row: Mapping[str, Any]) -> set[str]:
    out: set[str] = set()
    for col in ROW_PERSON_COLUMNS:
        v = row.get(col)
        if isinstance(v, str):
            out.add(v)
        elif isinstance(v, list):
            out.update(x for x in v if isinstance(x, str))
    return out


def _scenario_key(s: Mapping[str, Any], how: str, truth: Truth) -> set[str]:
    if how == "uprn":
        # the dwelling the scenario is about: for subletting/school fraud the first listed is the subject
        return set(s["uprn_list"][:1]) if s["scenario_type"] in ("illegal_subletting",) else set(s["uprn_list"])
    people: set[str] = set()
    persons = s["persons"]
    if s["scenario_type"] == "school_address_fraud":
        persons = persons[1:] or persons  # the pupils (the first listed is the parent)
    for p in persons:
        people |= truth.residents_of.get(p, set())
    return people


def _row_key(row: Mapping[str, Any], how: str) -> set[str]:
    if how == "uprn":
        return {row["uprn"]} if row.get("uprn") else set()
    return _row_people(row)


def score(query: str, rows: list[dict[str, Any]], truth: Truth, seconds: float = 0.0) -> Score:
    stype, how = DETECTORS[query]
    sc = Score(query, stype, seconds=seconds, rows=len(rows))
    keys = [_row_key(r, how) for r in rows]
    flagged: set[str] = set().union(*keys) if keys else set()
    planted_keys: set[str] = set()
    for s in truth.of_type(stype):
        k = _scenario_key(s, how, truth)
        if s["is_lookalike"]:
            sc.lookalikes += 1
            if k & flagged:
                if _justified(s, truth):
                    sc.lookalikes_justified += 1
                    continue
                sc.lookalikes_flagged += 1
                sc.flagged_lookalikes.append(f"{s['scenario_id']} ({s['mimics']}): {s['reason']}")
        elif set(s["uprn_list"]) & truth.protected:
            # planted where a refuge now is: detectors skip protected dwellings (docs/governance.md), so the
            # case is reported apart and is not a miss; flagging it would be the breach
            sc.withheld.append(f"{s['scenario_id']}: uprns={s['uprns']}")
            if k & flagged:
                sc.withheld_shown.append(s["scenario_id"])
        else:
            sc.planted += 1
            planted_keys |= k
            if k & flagged:
                sc.found += 1
            else:
                sc.missed.append(f"{s['scenario_id']}: {s['reason']} persons={s['person_ids']} uprns={s['uprns']}")
    other: set[str] = set()
    for s in truth.scenarios:
        if s["scenario_type"] != stype and not s["is_lookalike"]:
            other |= {u for u in s["uprn_list"]}
            for p in s["persons"]:
                other |= truth.residents_of.get(p, set())
    for k, row in zip(keys, rows, strict=True):
        if stype == "spd_other_adults" and len(truth.adults_at.get(row.get("uprn") or "", ())) >= 2:
            sc.rows_verified += 1
        if k & planted_keys:
            sc.rows_planted += 1
        elif (_row_people(row) | ({row["uprn"]} if row.get("uprn") else set())) & other:
            sc.rows_other_scenario += 1
    return sc


def _justified(s: Mapping[str, Any], truth: Truth) -> bool:
    """A flagged look-alike the truth itself contradicts: an SPD 'disregarded student' household where a
    further adult (not the claimant, not the student) lives, per truth/people.csv."""
    if s["scenario_type"] != "spd_other_adults":
        return False
    others = set().union(*(truth.adults_at.get(u, set()) for u in s["uprn_list"])) - set(s["persons"])
    return bool(others)


def access_context(today: dt.date = REFERENCE_DATE, role: str = "ig_officer"):
    from graph.access import load_policy

    return load_policy().context(user="bench", role=role, today=today)


def run_detectors(store: Any, truth: Truth | None = None, today: dt.date = REFERENCE_DATE,
                  names: Iterable[str] = DETECTORS,
                  cpu: dict[str, list[float]] | None = None) -> dict[str, tuple[list[dict[str, Any]], float]]:
    """Each detector once as the IG officer; ``cpu`` (if given) collects the server CPU seconds of each."""
    from graph.library import load_library, run_saved

    lib = load_library()
    ctx = access_context(today)
    out = {}
    for name in names:
        t, c = time.perf_counter(), server_cpu_s(store)
        res = run_saved(store, lib.get(name), {"limit": "100000"} if any(p.name == "limit" for p in lib.get(name).params)
                        else {}, ctx)
        out[name] = (res.rows, time.perf_counter() - t)
        if cpu is not None:
            cpu.setdefault(name, []).append(server_cpu_s(store) - c)
    return out


# ---------------------------------------------------------------------------------------------------
def build(people: int, seed: int, work: Path, say=print, index: Path | None = None) -> tuple[Path, Path, Path]:
    """Generate, link, derive facts and load, skipping any stage whose output is already there.

    ``index``: an existing linked index folder (its sources beside it) to load as is, so a latency run
    on a big borough need not regenerate or relink it.
    """
    from loaders.facts import run_facts
    from loaders.link import run_link
    from loaders.restrictions import apply_restrictions
    from loaders.synthetic import generate

    src, idx, db = work / "sources", work / "index", work / "db"
    if index is not None:
        src, idx = index.parent / "sources", index
    t = time.perf_counter()
    if not (src / "manifest.json").exists():
        generate(people, seed, src)
        say(f"generated {people:,} people in {time.perf_counter() - t:.0f}s")
    t = time.perf_counter()
    if not (idx / "residents.parquet").exists():
        run_link(src, idx)
        say(f"linked in {time.perf_counter() - t:.0f}s")
    t = time.perf_counter()
    if not (idx / "lives_at.parquet").exists():
        run_facts(src, idx)
        say(f"facts in {time.perf_counter() - t:.0f}s")
    if not (idx / "restrictions.parquet").exists():  # opt-outs, sealed records, refuges (as build_index)
        apply_restrictions(src, idx)
    if not (db / "LOADED").exists():
        from graph.falkor import FalkorStore
        from graph.load import load_index

        t = time.perf_counter()
        store = FalkorStore(db)
        store.clear()
        rep = load_index(store, idx, key_dir=db)
        store.close()
        (db / "LOADED").write_text(json.dumps(rep.as_dict(), default=str))
        say(f"loaded {rep.total_rows:,} rows in {time.perf_counter() - t:.0f}s")
    return src, idx, db


def ego_latency(store: Any, sample: int = 200, depth: int = 2, seed: int = 1) -> dict[str, float]:
    from graph.library import load_library, run_saved

    q = load_library().get("ego_network")
    ctx = access_context()
    ids = [r["id"] for r in store.read("MATCH (r:Resident)-[:MEMBER_OF]->() RETURN r.resident_id AS id")]
    random.Random(seed).shuffle(ids)
    times, sizes, capped = [], [], 0
    for rid in ids[:sample]:
        t = time.perf_counter()
        row = run_saved(store, q, {"resident_id": rid, "depth": str(depth)}, ctx).rows[0]
        times.append((time.perf_counter() - t) * 1000)
        sizes.append(row["node_count"])
        capped += bool(row["capped"]) or row["truncated"]
    times.sort()
    return {"n": len(times), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1), "max_ms": round(times[-1], 1),
            "median_nodes": statistics.median(sizes), "max_nodes": max(sizes), "capped_or_truncated": capped}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--work", type=Path, default=None, help="work folder (reused when present)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per detector for the latency median")
    ap.add_argument("--ego-sample", type=int, default=200)
    ap.add_argument("--skip-quality", action="store_true", help="latency only")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--only", default="", help="comma-separated detectors to run (default: all)")
    ap.add_argument("--no-ego", action="store_true", help="skip the ego-network latency sample")
    ap.add_argument("--index", type=Path, default=None,
                    help="an existing linked index (e.g. bench/out/borough-300000-11/index): load it into "
                         "<work>/db as is, without generating or relinking")
    args = ap.parse_args(argv)
    work = args.work or Path(f"/tmp/residex-bench-{args.people}-{args.seed}")
    src, idx, db = build(args.people, args.seed, work, index=args.index)

    from graph.falkor import FalkorStore

    store = FalkorStore(db)
    n_res = store.read("MATCH (r:Resident) RETURN count(r) AS n")[0]["n"]
    print(f"borough: {args.people:,} people generated, {n_res:,} residents in the graph ({work})")
    figures: dict[str, Any] = {"people": args.people, "seed": args.seed, "residents": n_res}
    runs: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = {}
    results = {}
    for _ in range(max(1, args.repeat)):
        for name, (rows, secs) in run_detectors(store, names=[n for n in DETECTORS
                                                              if not args.only or n in args.only.split(",")],
                                                cpu=cpu).items():
            runs[name].append(secs)
            results[name] = rows
    if not args.skip_quality:
        truth = load_truth(src, idx)
        print(f"\n{'detector':<26}{'planted':>8}{'found':>7}{'recall':>8}{'look-al':>8}{'flagged':>8}{'just.':>6}"
              f"{'rows':>6}{'prec':>7}{'other':>6}{'median s':>10}")
        figures["detectors"] = {}
        for name, rows in results.items():
            s = score(name, rows, truth, statistics.median(runs[name]))
            figures["detectors"][name] = s.as_dict()
            print(f"{name:<26}{s.planted:>8}{s.found:>7}{s.recall:>8.2f}{s.lookalikes:>8}{s.lookalikes_flagged:>8}"
                  f"{s.lookalikes_justified:>6}{s.rows:>6}{s.precision:>7.2f}{s.rows_other_scenario:>6}{s.seconds:>10.3f}")
            if s.verified_precision is not None:
                print(f"{'':<26}  rows the truth confirms (another adult lives there): {s.rows_verified}/{s.rows}"
                      f" = {s.verified_precision:.2f}")
        for name, d in figures["detectors"].items():
            for m in d["missed"][:10]:
                print(f"  MISSED {name}: {m}")
            for m in d["flagged_lookalikes"][:10]:
                print(f"  LOOK-ALIKE FLAGGED {name}: {m}")
            for m in d["withheld"][:10]:
                print(f"  WITHHELD (protected dwelling, not counted) {name}: {m}")
            for m in d["withheld_shown"]:
                print(f"  PROTECTED DWELLING FLAGGED {name}: {m}")
    else:
        figures["detectors"] = {n: {"seconds": round(statistics.median(t), 3),
                                    "server_cpu_s": round(statistics.median(cpu[n]), 3)} for n, t in runs.items()}
        for n, t in runs.items():
            print(f"{n:<26} median {statistics.median(t):.3f}s  max {max(t):.3f}s  "
                  f"server CPU median {statistics.median(cpu[n]):.3f}s")
    if not args.no_ego:
        ego = ego_latency(store, args.ego_sample)
        figures["ego_network_depth2"] = ego
        print(f"\nego_network depth 2 over {ego['n']} residents: p50 {ego['p50_ms']} ms, p95 {ego['p95_ms']} ms, "
              f"max {ego['max_ms']} ms; median {ego['median_nodes']} nodes, max {ego['max_nodes']}, "
              f"{ego['capped_or_truncated']} capped/truncated")
    slowest = max(statistics.median(t) for t in runs.values())
    print(f"slowest detector median: {slowest:.3f}s (target < 5s); ego p95 target < 50 ms")
    store.close()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
