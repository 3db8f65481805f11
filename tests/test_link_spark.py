"""The same model on Splink's Spark backend (engine='spark'); skips with a reason when Spark can't run."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest

from loaders.link import run_link
from loaders.synthetic import generate

pytestmark = pytest.mark.slow


def _spark_reason() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install pyspark); the engine='spark' path is untested here"
    if shutil.which("java") is None:
        return "no Java runtime on PATH (pyspark needs Java 17)"
    return None


@pytest.mark.skipif(_spark_reason() is not None, reason=_spark_reason() or "")
def test_spark_engine_matches_duckdb(tmp_path: Path) -> None:
    src = tmp_path / "src"
    generate(300, 5, src)
    duck = run_link(src, tmp_path / "duck")
    spark = run_link(src, tmp_path / "spark", engine="spark")
    assert spark["engine"] == "spark" and spark["records"] == duck["records"]
    a = pd.read_parquet(tmp_path / "duck" / "records.parquet", columns=["source_system", "record_id", "resident_id"])
    b = pd.read_parquet(tmp_path / "spark" / "records.parquet", columns=["source_system", "record_id", "resident_id"])
    # same clusters up to labels: compare co-membership of each record's resident size
    sa = a.groupby("resident_id").size().rename("n").reset_index().merge(a)
    sb = b.groupby("resident_id").size().rename("n").reset_index().merge(b)
    m = sa.merge(sb, on=["source_system", "record_id"])
    assert (m.n_x == m.n_y).mean() > 0.9
