"""Benchmark: recall and pair count of each blocking rule on a linked generated borough.

    RESIDEX_KEEP_PAIRS=1 .venv/bin/python bench/bench_link.py --sources SRC --out OUT
    .venv/bin/python bench/bench_link_blocking.py SRC OUT

Reads OUT/link_input.parquet (the standardised link table, written when RESIDEX_KEEP_PAIRS is set)
and SRC/truth/record_truth.csv; prints per rule the candidate pairs it generates and the share of
true pairs it finds, and the same for the union of the rules run_link used.
"""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

RULES = {
    "dob+last": ["dob", "last_name_key"], "dob+first": ["dob", "first_name_key"],
    "postcode+last": ["postcode", "last_name_key"], "postcode+first": ["postcode", "first_name_key"],
    "postcode+dob": ["postcode", "dob"], "street+number+initial": ["street", "house_number", "first_initial"],
    "first+last": ["first_name_key", "last_name_key"], "nhs": ["nhs_number"], "ni": ["ni_number"],
    "upn": ["pupil_number"], "dob": ["dob"],
}


def main() -> None:
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    con = duckdb.connect()
    con.execute("CREATE TABLE r AS SELECT * FROM read_parquet(?)", [str(out / "link_input.parquet")])
    con.execute("""CREATE TABLE t AS SELECT source_system || ':' || record_key AS unique_id, person_id
                   FROM read_csv(?, all_varchar = true) WHERE is_bad_row <> '1'""",
                [str(src / "truth" / "record_truth.csv")])
    con.execute("CREATE TABLE rt AS SELECT r.*, t.person_id FROM r JOIN t USING (unique_id)")
    con.execute("""CREATE TABLE tp AS SELECT a.unique_id AS l, b.unique_id AS rr FROM rt a JOIN rt b
                   ON a.person_id = b.person_id AND a.unique_id < b.unique_id""")
    n_true = con.execute("SELECT count(*) FROM tp").fetchall()[0][0]
    res = {"true_pairs": n_true}
    conds = []
    for name, cols in RULES.items():
        cond = " AND ".join(f"a.{c} = b.{c}" for c in cols)
        conds.append(f"({cond})")
        pairs = con.execute(
            f"SELECT coalesce(sum(c * (c - 1) / 2), 0) FROM (SELECT count(*) AS c FROM r WHERE "
            f"{' AND '.join(f'{c} IS NOT NULL' for c in cols)} GROUP BY {', '.join(cols)})").fetchall()[0][0]
        found = con.execute(f"""SELECT count(*) FROM tp JOIN rt a ON a.unique_id = tp.l
                                JOIN rt b ON b.unique_id = tp.rr WHERE {cond}""").fetchall()[0][0]
        res[name] = {"pairs": int(pairs), "recall": round(found / n_true, 4) if n_true else None}
    hh = """(a.first_name_key = b.first_name_key AND a.last_name_key = b.last_name_key
             AND len(list_intersect(a.hh_names, b.hh_names)) > 0)"""
    # a move: one address ended the day the other began (two cross-column rules in model.blocking_rules)
    move = """((a.addr_to = b.addr_from OR a.addr_from = b.addr_to) AND a.first_initial = b.first_initial)"""
    if {"addr_from", "addr_to"} <= set(con.execute("SELECT * FROM r LIMIT 0").df().columns):
        found = con.execute(f"""SELECT count(*) FROM tp JOIN rt a ON a.unique_id = tp.l
                                JOIN rt b ON b.unique_id = tp.rr WHERE {move}""").fetchall()[0][0]
        res["move+initial"] = {"recall": round(found / n_true, 4) if n_true else None}
        conds.append(move)
    core = [c for c, name in zip(conds, [*RULES, "move"], strict=False) if name not in ("first+last", "dob")]
    found = con.execute(f"""SELECT count(*) FROM tp JOIN rt a ON a.unique_id = tp.l JOIN rt b
                            ON b.unique_id = tp.rr WHERE {' OR '.join(core + [hh])}""").fetchall()[0][0]
    res["union_core_rules_plus_coresident"] = round(found / n_true, 4)
    found = con.execute(f"""SELECT count(*) FROM tp JOIN rt a ON a.unique_id = tp.l JOIN rt b
                            ON b.unique_id = tp.rr WHERE {' OR '.join(conds + [hh])}""").fetchall()[0][0]
    res["union_all"] = round(found / n_true, 4)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
