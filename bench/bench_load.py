"""Load throughput: a linked borough into a fresh embedded FalkorDB, then an idempotent re-load.

    .venv/bin/python bench/bench_load.py --people 30000      # ~100k source records
    .venv/bin/python bench/bench_load.py --people 300000     # 0.9M source records
    .venv/bin/python bench/bench_load.py --index DIR         # an index `residex link` wrote, e.g. from
        `residex generate --people 336000 --seed 1`: 1.02M source records (target: <= 60 s)
    .venv/bin/python bench/bench_load.py --people 30000 --merge-only   # force the MERGE path
    .venv/bin/python bench/bench_load.py --people 30000 --bulk-rows    # bulk, per-row preparation

The first load into an empty graph takes the bulk path (GRAPH.BULK into a staging graph, swapped in);
``--merge-only`` forces the MERGE path for comparison. Prints the median first-load seconds and rows/s
over ``--repeat`` fresh stores, the CPU seconds of the loader and of the embedded server (steadier than
wall time on a busy machine), the per-phase seconds, the re-load (always MERGE) and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import borough, peak_rss_mib, report, server_cpu_s  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--repeat", type=int, default=1, help="first loads into fresh stores (median reported)")
    ap.add_argument("--merge-only", action="store_true", help="force the MERGE path for the first load")
    ap.add_argument("--bulk-rows", action="store_true",
                    help="bulk path with the per-row (BulkGraph) preparation instead of the columnar one")
    ap.add_argument("--no-reload", action="store_true", help="skip the idempotent re-load")
    ap.add_argument("--index", type=Path, help="load this linked index folder instead of a generated borough")
    args = ap.parse_args()
    from graph.falkor import FalkorStore
    from graph.load import load_index

    index = args.index or borough(args.people, args.seed)[1]
    import pyarrow.parquet as pq

    records = pq.ParquetFile(index / "records.parquet").metadata.num_rows
    firsts, cpus, server_cpus, again, again_s, first = [], [], [], None, None, None
    mode: bool | str = False if args.merge_only else ("rows" if args.bulk_rows else True)
    load_before = os.getloadavg()
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            store = FalkorStore(Path(tmp) / "data")
            try:
                t, c, sc = time.perf_counter(), time.process_time(), server_cpu_s(store)
                first = load_index(store, index, key_dir=Path(tmp), bulk=mode)
                firsts.append(time.perf_counter() - t)
                cpus.append(time.process_time() - c)
                server_cpus.append(server_cpu_s(store) - sc)
                print(f"first load {i + 1}/{args.repeat}: {firsts[-1]:.1f}s {first.seconds}", file=sys.stderr)
                if i == args.repeat - 1 and not args.no_reload:
                    t = time.perf_counter()
                    again = load_index(store, index, key_dir=Path(tmp))
                    again_s = time.perf_counter() - t
            finally:
                store.close()
    assert first is not None
    first_s = statistics.median(firsts)
    report("load", {
        "index": str(index), "people": None if args.index else args.people, "source_records": records, "rows_written": first.total_rows,
        "path": "merge" if args.merge_only else (("bulk-rows" if args.bulk_rows else "bulk-columnar")
                                                 if "bulk build" in first.seconds else "merge"),
        "first_load_s": round(first_s, 1), "first_load_runs_s": [round(x, 1) for x in firsts],
        "first_rows_per_s": round(first.total_rows / first_s),
        "first_load_python_cpu_s": round(statistics.median(cpus), 1),  # steadier on a busy machine
        "first_load_server_cpu_s": round(statistics.median(server_cpus), 1),
        "reload_s": round(again_s, 1) if again_s else None,
        "reload_rows_per_s": round(again.total_rows / again_s) if again and again_s else None,
        "per_table_s": first.seconds, "retired_on_reload": again.retired if again else None,
        "peak_rss_mib": peak_rss_mib(), "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
    })


if __name__ == "__main__":
    main()
