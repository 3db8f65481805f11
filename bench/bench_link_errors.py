"""Benchmark: why true pairs were missed (false negatives) on a linked generated borough.

    RESIDEX_KEEP_PAIRS=1 .venv/bin/python bench/bench_link.py --sources SRC --out OUT
    .venv/bin/python bench/bench_link_errors.py SRC OUT [--top 25]

Reads OUT/link_input.parquet, OUT/records.parquet, OUT/model.json and SRC/truth/record_truth.csv.
Every true pair split over two residents is re-scored with the trained model (blocked on the pair
itself) and put in one bucket: ``not_blocked`` (no prediction rule produces it), ``below_0.5``,
``0.5-threshold``, ``over_threshold`` (scored high enough but cut by a veto or the household guards),
with what differs (DOB on both / one / no side, name exact or a variant, same or other dwelling).
Prints JSON: counts per bucket, per source pair and per difference, and the false positives likewise.
"""

# ruff: noqa: S608 -- SQL text is built only from fixed column names; values are bound parameters.
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loaders.link import MATCH_THRESHOLD  # noqa: E402


def _rule_sql(rule: dict) -> str:
    """A prediction blocking rule as a condition on the pair ``l``/``r`` (exploded arrays: any shared)."""
    sql = rule["blocking_rule"]
    for c in rule.get("arrays_to_explode") or []:
        sql = sql.replace(f'(l."{c}" = r."{c}")', f'list_has_any(l."{c}", r."{c}")')
        sql = sql.replace(f'l."{c}" = r."{c}"', f'list_has_any(l."{c}", r."{c}")')
    return f"coalesce(({sql}), FALSE)"


def _score(con: duckdb.DuckDBPyConnection, model: dict, pairs: str) -> None:
    """Table ``scored(unique_id_l, unique_id_r, match_probability, gammas...)`` for the pairs in ``pairs``."""
    from splink import DuckDBAPI, Linker, block_on

    con.execute(f"""CREATE OR REPLACE TABLE _keys AS
        WITH p AS (SELECT l, r, CAST(row_number() OVER () AS VARCHAR) AS k FROM {pairs})
        SELECT uid, list(k) AS pair_keys FROM (SELECT l AS uid, k FROM p UNION ALL SELECT r, k FROM p)
        GROUP BY uid""")
    con.execute("""CREATE OR REPLACE TABLE _li AS SELECT li.*, k.pair_keys FROM li
                   JOIN _keys k ON k.uid = li.unique_id""")
    settings = dict(model)
    settings["blocking_rules_to_generate_predictions"] = [
        block_on("pair_keys", arrays_to_explode=["pair_keys"]).get_blocking_rule("duckdb").as_dict()]
    settings["retain_intermediate_calculation_columns"] = True
    linker = Linker(DuckDBAPI(connection=con).register("_li", table_name="records_for_errors"), settings,
                    log_level=None)
    pred = linker.inference.predict(warning_mode="never")
    gam = [c["output_column_name"] for c in model["comparisons"]]
    cols = ", ".join(f"gamma_{c}" for c in gam)
    con.execute(f"""CREATE OR REPLACE TABLE scored AS SELECT unique_id_l, unique_id_r, match_probability,
                    match_weight, {cols} FROM {pred.physical_name}""")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--examples", type=int, default=0, help="print this many missed pairs per bucket")
    a = ap.parse_args()
    con = duckdb.connect()
    con.execute("CREATE TABLE li AS SELECT * FROM read_parquet(?)", [str(a.out / "link_input.parquet")])
    con.execute("""CREATE TABLE rec AS SELECT source_system || ':' || record_id AS unique_id, resident_id
                   FROM read_parquet(?)""", [str(a.out / "records.parquet")])
    con.execute("""CREATE TABLE t AS SELECT source_system || ':' || record_key AS unique_id, person_id,
                          true_uprn, coalesce(noise, '') AS noise
                   FROM read_csv(?, all_varchar = true) WHERE is_bad_row <> '1'""",
                [str(a.src / "truth" / "record_truth.csv")])
    con.execute("""CREATE TABLE x AS SELECT li.*, t.person_id, t.true_uprn, t.noise, rec.resident_id
                   FROM li JOIN t USING (unique_id) JOIN rec USING (unique_id)""")
    con.execute("""CREATE TABLE fn AS SELECT a.unique_id AS l, b.unique_id AS r FROM x a JOIN x b
                   ON a.person_id = b.person_id AND a.unique_id < b.unique_id AND a.resident_id <> b.resident_id""")
    con.execute("""CREATE TABLE fp AS SELECT a.unique_id AS l, b.unique_id AS r FROM x a JOIN x b
                   ON a.resident_id = b.resident_id AND a.unique_id < b.unique_id AND a.person_id <> b.person_id""")
    n_true = con.execute("""SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM x GROUP BY person_id)""").fetchall()[0][0]
    model = json.loads((a.out / "model.json").read_text())
    rules = model["blocking_rules_to_generate_predictions"]
    blocked = re.sub(r"\br\.", "b.", re.sub(r"\bl\.", "a.", " OR ".join(_rule_sql(r) for r in rules)))
    con.execute("CREATE TABLE both_ AS SELECT l, r FROM fn UNION ALL SELECT l, r FROM fp")
    _score(con, model, "both_")
    con.execute("""CREATE TABLE kept AS SELECT least(unique_id_l, unique_id_r) AS lo,
                          greatest(unique_id_l, unique_id_r) AS hi, match_probability FROM
                   read_parquet(?)""", [str(a.out / "pairs.parquet")])
    con.execute("""CREATE OR REPLACE TABLE scored AS SELECT *, least(unique_id_l, unique_id_r) AS lo,
                          greatest(unique_id_l, unique_id_r) AS hi FROM scored""")
    thr = float(MATCH_THRESHOLD)

    def describe(table: str) -> None:
        con.execute(f"""
        CREATE OR REPLACE TABLE d_{table} AS
        SELECT f.l, f.r, least(a.source_system, b.source_system) || '~' || greatest(a.source_system, b.source_system) AS sources,
               CASE WHEN a.dob IS NOT NULL AND b.dob IS NOT NULL THEN 'both'
                    WHEN a.dob IS NULL AND b.dob IS NULL THEN 'none' ELSE 'one' END AS dob,
               CASE WHEN a.first_name_key = b.first_name_key AND a.last_name_key = b.last_name_key THEN 'exact'
                    WHEN a.last_name_key = b.last_name_key THEN 'first differs'
                    WHEN a.first_name_key = b.first_name_key THEN 'last differs' ELSE 'both differ' END AS name,
               CASE WHEN a.true_uprn = b.true_uprn THEN 'same dwelling' ELSE 'other dwelling' END AS dwelling,
               CASE WHEN a.postcode = b.postcode AND a.house_number = b.house_number THEN 'same pc+number'
                    WHEN a.postcode = b.postcode THEN 'same postcode' ELSE 'other' END AS address,
               CASE WHEN len(list_intersect(a.hh_names, b.hh_names)) > 0 THEN 'shared co-resident'
                    WHEN a.hh_names IS NULL OR b.hh_names IS NULL THEN 'no hh_names' ELSE 'no shared' END AS hh,
               CASE WHEN {blocked} THEN 'blocked' ELSE 'not blocked' END AS blocking,
               s.match_probability AS p, s.match_weight AS w, k.match_probability AS kept_p,
               s.gamma_address AS g_address, s.gamma_first_name AS g_first, s.gamma_last_name AS g_last,
               CASE WHEN NOT ({blocked}) THEN 'not_blocked'
                    WHEN s.match_probability < 0.5 THEN 'below_0.5'
                    WHEN s.match_probability < {thr} THEN '0.5-threshold' ELSE 'over_threshold' END AS bucket,
               a.noise AS noise_l, b.noise AS noise_r,
               a.first_name_key || ' ' || a.last_name_key || ' ' || coalesce(a.dob_str, '-') || ' ' ||
                   coalesce(a.postcode, '-') || ' ' || coalesce(a.house_number, '-') AS rec_l,
               b.first_name_key || ' ' || b.last_name_key || ' ' || coalesce(b.dob_str, '-') || ' ' ||
                   coalesce(b.postcode, '-') || ' ' || coalesce(b.house_number, '-') AS rec_r
        FROM {table} f JOIN x a ON a.unique_id = f.l JOIN x b ON b.unique_id = f.r
        -- pairs oriented l < r on both sides: equality joins (an OR join is a nested loop at 1M)
        LEFT JOIN scored s ON s.lo = f.l AND s.hi = f.r
        LEFT JOIN kept k ON k.lo = f.l AND k.hi = f.r
        """)

    res: dict = {"true_pairs": int(n_true)}
    for table in ("fn", "fp"):
        describe(table)
        n = con.execute(f"SELECT count(*) FROM d_{table}").fetchall()[0][0]
        part: dict = {"pairs": int(n)}
        for col in ("bucket", "dob", "name", "dwelling", "address", "hh", "sources", "g_address"):
            rows = con.execute(f"SELECT {col}, count(*) c FROM d_{table} GROUP BY 1 ORDER BY 2 DESC LIMIT {a.top}").fetchall()
            part[col] = {str(k): int(c) for k, c in rows}
        rows = con.execute(f"""SELECT bucket || ' | dob ' || dob || ' | ' || name || ' | ' || dwelling || ' | ' || hh, count(*) c
                               FROM d_{table} GROUP BY 1 ORDER BY 2 DESC LIMIT {a.top}""").fetchall()
        part["combined"] = {str(k): int(c) for k, c in rows}
        if table == "fn":  # per split person and pair of fragments: the best cross pair decides
            rows = con.execute("""
                WITH j AS (SELECT d.*, a.person_id, least(a.resident_id, b.resident_id) AS ra,
                                  greatest(a.resident_id, b.resident_id) AS rb
                           FROM d_fn d JOIN x a ON a.unique_id = d.l JOIN x b ON b.unique_id = d.r),
                g AS (SELECT person_id, ra, rb, count(*) AS n,
                             arg_max(bucket || ' | dob ' || dob || ' | ' || name || ' | ' || dwelling || ' | ' || hh,
                                     coalesce(p, -1)) AS best FROM j GROUP BY ALL)
                SELECT best, count(*) AS fragments, sum(n) AS pairs FROM g GROUP BY 1 ORDER BY 3 DESC""").fetchall()
            part["fragments_by_best_pair"] = {str(k): [int(f), int(c)] for k, f, c in rows[:a.top]}
        res[table] = part
        if a.examples:
            ex = con.execute(f"""SELECT bucket, sources, round(p, 3) p, noise_l, noise_r, rec_l, rec_r FROM (
                SELECT *, row_number() OVER (PARTITION BY bucket ORDER BY hash(l || r)) rn FROM d_{table})
                WHERE rn <= {a.examples} ORDER BY bucket""").df()
            print(ex.to_string(), file=sys.stderr)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
