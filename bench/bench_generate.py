"""Benchmark `loaders.synthetic.generate`: seconds and peak RSS (median of runs).

Usage: .venv/bin/python bench/bench_generate.py [--people 300000] [--runs 1] [--seed 7]
Each run is a fresh subprocess so peak RSS is that run's own; figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from loaders.synthetic import generate
t = time.perf_counter()
r = generate({people}, {seed}, Path({out!r}))
r["wall"] = time.perf_counter() - t
r["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(r))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=300_000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    root = str(Path(__file__).resolve().parents[1])
    results = []
    for i in range(a.runs):
        with tempfile.TemporaryDirectory() as tmp:
            code = CHILD.format(root=root, people=a.people, seed=a.seed, out=tmp)
            out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(r)
            print(f"run {i + 1}: {r['wall']:.1f} s, peak RSS {r['peak_rss_mib']:.0f} MiB, "
                  f"{r['source_records']} source records", flush=True)
    last = results[-1]
    print(json.dumps({
        "people": a.people, "runs": a.runs,
        "median_seconds": round(statistics.median(r["wall"] for r in results), 1),
        "median_peak_rss_mib": round(statistics.median(r["peak_rss_mib"] for r in results)),
        "source_records": last["source_records"], "counts": last["counts"], "scenarios": last["scenarios"],
        "targets": {"seconds": 180, "peak_rss_mib": 4096},
    }, indent=1))


if __name__ == "__main__":
    main()
