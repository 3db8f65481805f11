"""Shared set-up for benchmarks: boroughs are generated and linked once and cached under bench/out/."""

from __future__ import annotations

import json
import os
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

OUT = Path(os.environ.get("RESIDEX_BENCH_OUT", Path(__file__).parent / "out"))


def borough(people: int, seed: int = 11) -> tuple[Path, Path]:
    """(sources, index) for a borough of ``people``, generated and linked once, then reused."""
    from loaders.pipeline import build_index
    from loaders.synthetic import generate

    root = OUT / f"borough-{people}-{seed}"
    sources, index = root / "sources", root / "index"
    if not (sources / "manifest.json").exists():
        t = time.perf_counter()
        generate(people, seed, sources)
        print(f"generated {people:,} people in {time.perf_counter() - t:.1f}s")
    if not (index / "lives_at.parquet").exists():
        t = time.perf_counter()
        build_index(sources, index)
        print(f"linked (with facts and restrictions) in {time.perf_counter() - t:.1f}s")
    return sources, index


def server_cpu_s(store: object) -> float:
    """CPU seconds the embedded redis-server has used so far (Linux /proc), 0.0 if unknown."""
    try:
        pid = store._db.client.pid  # type: ignore[attr-defined]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (AttributeError, OSError, ValueError, IndexError):
        return 0.0


def timed(fn: Callable[[], object], repeat: int = 5) -> dict[str, float]:
    """Median, p95 and min of ``repeat`` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"median_ms": round(statistics.median(times), 2), "p95_ms": round(p95, 2), "min_ms": round(times[0], 2)}


def peak_rss_mib() -> float:
    """Peak resident memory of this process and its waited-for children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, kids) / 1024, 1)


def report(name: str, figures: dict) -> None:
    print(json.dumps({"bench": name, **figures}, indent=2, default=str))
