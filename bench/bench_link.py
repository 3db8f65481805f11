"""Benchmark: run_link on a generated borough; time and peak memory per stage, cluster accuracy.

    .venv/bin/python bench/bench_link.py --people 33600            # ~100k source records
    .venv/bin/python bench/bench_link.py --people 336000           # ~1M source records
    .venv/bin/python bench/bench_link.py --sources /tmp/borough1m  # reuse generated extracts

Prints one JSON line: records, residents, seconds per stage, peak RSS (MiB) per stage and overall,
pairwise precision / recall / F1 against truth/record_truth.csv. Memory is the whole process (DuckDB
runs in-process), sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_link_eval import borough_scores  # noqa: E402

from loaders.link import run_link  # noqa: E402

STAGE_OF = (("read ", "read_standardise"), ("parsing", "read_standardise"), ("standardised", "train"),
            ("training", "train"), ("predicting", "predict"), ("clustering", "cluster"),
            ("building golden", "golden"), ("writing", "write"))


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Sampler:
    """Peak RSS per stage, the stage being set from run_link's progress messages."""

    def __init__(self) -> None:
        self.stage = "start"
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            r = rss_mib()
            self.peak[self.stage] = max(self.peak.get(self.stage, 0.0), r)
            time.sleep(0.05)

    def progress(self, msg: str) -> None:
        for prefix, stage in STAGE_OF:
            if msg.startswith(prefix):
                self.stage = stage
                break
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr)

    def __enter__(self) -> Sampler:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=33600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sources", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--memory-limit", default=None)
    ap.add_argument("--threshold", type=float, default=None, help="match threshold (default: run_link's)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-link-"))
    src = args.sources
    if src is None:
        from loaders.synthetic import generate

        src = work / "src"
        t = time.perf_counter()
        generate(args.people, args.seed, src)
        print(f"generated {args.people} people in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    out = args.out or work / "index"
    if out.exists():
        shutil.rmtree(out)
    with Sampler() as s:
        kw = {} if args.threshold is None else {"match_threshold": args.threshold}
        summary = run_link(src, out, engine=args.engine, progress=s.progress, memory_limit=args.memory_limit, **kw)
    scores = borough_scores(out, src)
    print(json.dumps({
        "records": summary["records"], "residents": summary["residents"], "engine": args.engine,
        "seconds_total": summary["seconds_total"], "seconds": summary["seconds"],
        "peak_rss_mib": {k: round(v) for k, v in s.peak.items()},
        "peak_rss_mib_overall": round(max(s.peak.values())),
        "pairs_scored": summary["pairs_scored_over_0_5"], "clustering": summary["clustering"],
        **scores,
    }))
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
