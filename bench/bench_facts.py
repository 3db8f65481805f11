"""Benchmark and accuracy check of address matching and the fact tables (``loaders.facts``).

    .venv/bin/python bench/bench_facts.py --people 20000            # generate, run_link, run_facts, score
    .venv/bin/python bench/bench_facts.py --sources S --out O       # score an existing index folder
    .venv/bin/python bench/bench_facts.py --sources S --truth-link  # time at scale without Splink

``--truth-link`` builds ``records.parquet`` with link's own read + standardise stage and gives each
record its true person as resident_id (timing and address accuracy only: it skips Splink, which is
benchmarked in bench/linkeval.py). Prints seconds per stage (median of ``--repeat`` runs) and
precision/recall of UPRN assignment, relationships and current address against ``truth/``.
"""

# ruff: noqa: S608 -- SQL text is built from benchmark folder paths and fixed column names

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loaders.facts import run_facts  # noqa: E402

EXTRACT_DATE = "2025-12-31"


def truth_linked_records(sources: Path, out: Path) -> int:
    """``records.parquet`` from link's read/standardise stage, resident_id = true person (no Splink)."""
    from loaders.link import _connect, _finalise_records
    from loaders.mapping import discover_mappings
    from loaders.quarantine import validate_rows
    from loaders.read import create_quarantine, read_source
    from loaders.standardise import pipeline

    out.mkdir(parents=True, exist_ok=True)
    con = _connect(Path(tempfile.mkdtemp()), None, None)
    create_quarantine(con)
    pipeline.register_macros(con)
    pipeline.create_records(con)
    for m in discover_mappings(sources):
        rr = read_source(con, m, sources)
        validate_rows(con, m, rr)
        pipeline.standardise_source(con, m, rr.table)
    if hasattr(pipeline, "parse_addresses"):  # the read stage of run_link, as it is now
        pipeline.parse_addresses(con)
    _finalise_records(con)
    con.execute(f"""
        COPY (SELECT r.source_system, r.record_id, coalesce(t.person_id, r.unique_id) AS resident_id,
                     1.0 AS match_probability, r.first_name, r.last_name, r.dob, r.sex, r.postcode, r.uprn,
                     r.address_text, r.flat, r.house_number, r.street, r.building, r.town, r.nhs_number,
                     r.ni_number, r.record_date, r.row_number, r.attributes
              FROM records r LEFT JOIN read_csv('{sources / "truth" / "record_truth.csv"}', all_varchar = true) t
                ON t.source_system = r.source_system AND CAST(t.row_number AS BIGINT) = r.row_number)
        TO '{out / "records.parquet"}' (FORMAT parquet)""")
    n = con.execute("SELECT count(*) FROM records").fetchall()[0][0]
    con.close()
    return int(n)


def evaluate(sources: Path, out: Path) -> dict:
    """Precision/recall of the facts in ``out`` against ``sources/truth``."""
    con = duckdb.connect()
    tr = sources / "truth"
    con.execute(f"CREATE TABLE rt AS SELECT * FROM read_csv('{tr / 'record_truth.csv'}', all_varchar = true)")
    con.execute(f"""CREATE TABLE rec AS SELECT r.source_system, r.record_id, r.resident_id, t.person_id, t.true_uprn
                    FROM '{out / 'records.parquet'}' r JOIN rt t
                    ON t.source_system = r.source_system AND CAST(t.row_number AS BIGINT) = r.row_number""")
    con.execute("""CREATE TABLE res_person AS SELECT resident_id, mode(person_id) AS person_id
                   FROM rec GROUP BY resident_id""")
    res: dict = {}
    # UPRN assignment
    u = con.execute(f"""
        SELECT count(*) FILTER (WHERE a.uprn IS NOT NULL),
               count(*) FILTER (WHERE a.uprn IS NOT NULL AND a.uprn = r.true_uprn),
               count(*) FILTER (WHERE r.true_uprn IS NOT NULL), count(*)
        FROM rec r JOIN '{out / 'address_matches.parquet'}' a USING (source_system, record_id)""").fetchall()[0]
    res["uprn"] = {"records": u[3], "assigned": u[0], "correct": u[1], "with_true_uprn": u[2],
                   "precision": round(u[1] / u[0], 4) if u[0] else None,
                   "recall": round(u[1] / u[2], 4) if u[2] else None}
    # relationships, mapped to persons; symmetric types as unordered pairs
    norm = """CASE WHEN type = 'PARENT_OF' THEN a ELSE least(a, b) END AS a,
              CASE WHEN type = 'PARENT_OF' THEN b ELSE greatest(a, b) END AS b, type"""
    con.execute(f"""CREATE TABLE tr AS SELECT DISTINCT {norm} FROM (SELECT person_id_from AS a, person_id_to AS b, type
                    FROM read_csv('{tr / 'relationships.csv'}', all_varchar = true))""")
    con.execute(f"""CREATE TABLE pr AS SELECT DISTINCT {norm} FROM (
                      SELECT f.person_id AS a, t.person_id AS b, r.type FROM '{out / 'relationships.parquet'}' r
                      JOIN res_person f ON f.resident_id = r.from_resident_id
                      JOIN res_person t ON t.resident_id = r.to_resident_id) WHERE a <> b""")
    con.execute("""CREATE TABLE seen AS SELECT DISTINCT person_id FROM rec""")
    rel = {}
    for typ in ("ALL", "PARENT_OF", "PARTNER_OF", "SIBLING_OF"):
        w = "" if typ == "ALL" else f"WHERE type = '{typ}'"
        p, ok = con.execute(f"SELECT count(*), count(*) FILTER (WHERE (a, b, type) IN (SELECT (a, b, type) FROM tr)) "
                            f"FROM pr {w}").fetchall()[0]
        t_all, t_seen = con.execute(f"""SELECT count(*), count(*) FILTER (WHERE a IN (SELECT person_id FROM seen)
                                        AND b IN (SELECT person_id FROM seen)) FROM tr {w}""").fetchall()[0]
        rel[typ] = {"predicted": p, "correct": ok, "truth": t_all, "truth_both_indexed": t_seen,
                    "precision": round(ok / p, 4) if p else None,
                    "recall": round(ok / t_all, 4) if t_all else None,
                    "recall_both_indexed": round(ok / t_seen, 4) if t_seen else None}
    res["relationships"] = rel
    # current address: each resident's open lives_at with the latest from_date vs the person's current uprn
    cur = con.execute(f"""
        WITH la AS (SELECT * FROM '{out / 'lives_at.parquet'}'
                    WHERE to_date IS NULL OR to_date >= '{EXTRACT_DATE}'),
        pick AS (SELECT resident_id, arg_max(uprn, coalesce(from_date, '0000')) AS uprn FROM la GROUP BY 1),
        truth AS (SELECT person_id, uprn FROM read_csv('{tr / 'residence.csv'}', all_varchar = true)
                  WHERE to_date IS NULL AND uprn IS NOT NULL),
        j AS (SELECT p.resident_id, p.uprn, t.uprn AS true_uprn FROM pick p JOIN res_person rp USING (resident_id)
              LEFT JOIN truth t ON t.person_id = rp.person_id)
        SELECT count(*), count(*) FILTER (WHERE uprn = true_uprn), count(*) FILTER (WHERE true_uprn IS NULL) FROM j
        """).fetchall()[0]
    res["current_address"] = {"residents_with_current": cur[0], "correct": cur[1],
                              "truth_not_in_borough_now": cur[2],
                              "accuracy": round(cur[1] / cur[0], 4) if cur[0] else None}
    con.close()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=0, help="generate a borough of this many people first")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sources", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--truth-link", action="store_true", help="skip Splink: resident_id = true person")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-facts-"))
    sources = args.sources or work / "sources"
    out = args.out or work / "index"
    if args.people:
        from loaders.synthetic import generate

        generate(args.people, args.seed, sources)
    if args.truth_link:
        t = time.perf_counter()
        n = truth_linked_records(sources, out)
        print(f"truth-linked records.parquet: {n:,} records in {time.perf_counter() - t:.1f}s")
    elif not (out / "records.parquet").exists():
        from loaders.link import run_link

        t = time.perf_counter()
        s = run_link(sources, out)
        print(f"run_link: {s['records']:,} records -> {s['residents']:,} residents in {time.perf_counter() - t:.1f}s")
    runs = [run_facts(sources, out) for _ in range(max(1, args.repeat))]
    stages = runs[0]["seconds"].keys()
    med = {k: round(statistics.median(r["seconds"][k] for r in runs), 3) for k in stages}
    total = statistics.median(r["seconds_total"] for r in runs)
    last = runs[-1]
    print(f"run_facts on {last['records']:,} records, {last['llpg_dwellings']:,} dwellings "
          f"(median of {len(runs)}): {total:.2f}s total; stages {json.dumps(med)}")
    print(f"  {last['records'] / total:,.0f} records/s; rows: " + json.dumps(
        {k: last[k] for k in ("lives_at", "relationships", "contacts", "claims", "uprn_resolved")}))
    print("  uprn reasons: " + json.dumps(last["uprn_reasons"]))
    if (sources / "truth").is_dir():
        print(json.dumps(evaluate(sources, out), indent=1))


if __name__ == "__main__":
    main()
