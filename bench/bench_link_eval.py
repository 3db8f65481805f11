"""Pairwise precision / recall / F1 of resident clusters against truth (shared by the link benches)."""

from __future__ import annotations

import pandas as pd


def pairwise(pred: pd.Series, truth: pd.Series) -> dict[str, float]:
    """pred, truth: cluster labels aligned on the same records (index)."""
    df = pd.DataFrame({"p": pred.astype(str).to_numpy(), "t": truth.astype(str).to_numpy()})

    def pairs(counts: pd.Series) -> int:
        c = counts.to_numpy().astype("int64")
        return int((c * (c - 1) // 2).sum())

    tp = pairs(df.groupby(["p", "t"]).size())
    pp = pairs(df.groupby("p").size())
    tt = pairs(df.groupby("t").size())
    prec = tp / pp if pp else 1.0
    rec = tp / tt if tt else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
            "true_pairs": tt, "predicted_pairs": pp, "tp": tp}


def borough_scores(out, sources) -> dict[str, float]:
    """Score a run_link output folder against a generated borough's truth/record_truth.csv."""
    from pathlib import Path

    recs = pd.read_parquet(Path(out) / "records.parquet", columns=["source_system", "record_id", "resident_id"])
    truth = pd.read_csv(Path(sources) / "truth" / "record_truth.csv", dtype=str,
                        usecols=["source_system", "record_key", "person_id", "is_bad_row"])
    truth = truth[truth["is_bad_row"] != "1"].drop_duplicates(["source_system", "record_key"])
    m = recs.merge(truth, left_on=["source_system", "record_id"], right_on=["source_system", "record_key"])
    m["person_id"] = m["person_id"].fillna("none:" + m["source_system"] + m["record_id"])
    return pairwise(m["resident_id"], m["person_id"])
