"""Load throughput: a linked borough into a fresh embedded FalkorDB, then an idempotent re-load.

    .venv/bin/python bench/bench_load.py --people 30000      # ~100k source records
    .venv/bin/python bench/bench_load.py --people 300000     # ~1M source records (target: <= 60 s)

Prints rows/s per table, total seconds for the first load and for a re-load of the same index.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import borough, peak_rss_mib, report  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    from graph.falkor import FalkorStore
    from graph.load import load_index

    _, index = borough(args.people, args.seed)
    import pyarrow.parquet as pq

    records = pq.ParquetFile(index / "records.parquet").metadata.num_rows
    with tempfile.TemporaryDirectory() as tmp:
        store = FalkorStore(Path(tmp) / "data")
        try:
            t = time.perf_counter()
            first = load_index(store, index, key_dir=Path(tmp))
            first_s = time.perf_counter() - t
            t = time.perf_counter()
            again = load_index(store, index, key_dir=Path(tmp))
            again_s = time.perf_counter() - t
        finally:
            store.close()
    report("load", {
        "people": args.people, "source_records": records, "rows_written": first.total_rows,
        "first_load_s": round(first_s, 1), "first_rows_per_s": round(first.total_rows / first_s),
        "reload_s": round(again_s, 1), "reload_rows_per_s": round(again.total_rows / again_s),
        "per_table_s": first.seconds, "retired_on_reload": again.retired, "peak_rss_mib": peak_rss_mib(),
    })


if __name__ == "__main__":
    main()
