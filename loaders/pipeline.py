"""The whole `residex link` stage in one call: person linkage, then addresses and facts, then the
governance restrictions, all written into one index folder that `residex load` reads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Progress = Callable[[str], None]


def build_index(sources: Path, out: Path, engine: str = "duckdb", progress: Progress | None = None) -> dict[str, Any]:
    """Link ``sources`` into the index folder ``out``; returns each step's summary."""
    from loaders.facts import run_facts
    from loaders.link import run_link
    from loaders.restrictions import apply_restrictions

    summary: dict[str, Any] = dict(run_link(sources, out, engine=engine, progress=progress))
    summary["facts"] = run_facts(sources, out, progress=progress)
    summary["restrictions"] = apply_restrictions(sources, out, progress=progress)
    return summary
