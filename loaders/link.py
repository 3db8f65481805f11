"""``residex link``: read every declared source, standardise, link with Splink, write the index.

Public entry point: :func:`run_link`. Stages (timed in the summary): read, standardise, train,
predict, cluster, ids, golden, write. Bad mappings or unreadable extracts raise
:class:`loaders.errors.MappingError` / :class:`loaders.errors.SourceError` with a one-line message.
"""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from loaders import golden, quality, stable_ids
from loaders.errors import SourceError
from loaders.linkage import cluster as clustering
from loaders.linkage import explain
from loaders.linkage.deterministic import deterministic_edges
from loaders.linkage.engine import LinkEngine
from loaders.mapping import SourceMapping, discover_mappings
from loaders.quarantine import validate_rows, write_quarantine
from loaders.read import create_quarantine, read_source
from loaders.read import memory_limit as duckdb_memory_limit
from loaders.standardise import pipeline

Progress = Callable[[str], None]
MATCH_THRESHOLD = 0.80  # pairs at or above this join a cluster (tuned with bench/bench_link.py --threshold)
EXPLAIN_THRESHOLD = 0.50  # pairs kept from predict for explanations and the quality report
# DOBs systems use when the real one is unknown: treated as missing, not as evidence
PLACEHOLDER_DOBS = ("1900-01-01", "1901-01-01", "1800-01-01", "1899-12-31", "1111-11-11", "1850-01-01")


def _connect(tmp: Path, memory_limit: str | None, threads: int | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    if os.environ.get("RESIDEX_COMPRESS") == "1":
        # tables compressed in memory: the wide records table, link_input and the scored pairs fit the
        # buffer pool instead of being spilled to temp files and read back at every stage (1M records)
        con.execute("ATTACH ':memory:' AS link (COMPRESS)")
        con.execute("USE link")
    con.execute("SET memory_limit = ?", [duckdb_memory_limit(memory_limit)])
    con.execute(f"SET threads = {int(threads or os.cpu_count() or 2)}")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET temp_directory = ?", [str(tmp)])
    return con


def run_link(sources: Path, out: Path, engine: str = "duckdb", progress: Progress | None = None,
             *, match_threshold: float = MATCH_THRESHOLD, memory_limit: str | None = None,
             threads: int | None = None, mappings_dir: Path | None = None) -> dict[str, Any]:
    """Link the extracts in ``sources`` into the resident index in ``out``; return a summary."""
    say = progress or (lambda _msg: None)
    sources, out = Path(sources), Path(out)
    if engine not in ("duckdb", "spark"):
        raise SourceError("--engine", f"unknown engine {engine!r} (use duckdb or spark)")
    if not sources.is_dir():
        raise SourceError(str(sources), "sources folder not found")
    mappings = discover_mappings(sources, mappings_dir)
    if not mappings:
        raise SourceError(str(sources), "no extract with a mapping found (expected e.g. council_tax.csv)")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".residex-link-", dir=out))
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def lap(stage: str, start: float) -> float:
        now = time.perf_counter()
        timings[stage] = round(now - start, 3)
        return now

    detail: dict[str, float] = {}  # sub-steps of the stages, for benchmarks (link_summary.json)

    def mark(step: str, start: float) -> float:
        now = time.perf_counter()
        detail[step] = round(now - start, 3)
        return now

    con = _connect(tmp, memory_limit, threads)
    try:
        # 1. read + validate + standardise each source
        t = time.perf_counter()
        create_quarantine(con)
        pipeline.register_macros(con)
        pipeline.create_records(con)
        counts: dict[str, dict] = {}
        for k, m in enumerate(mappings, 1):
            say(f"read {m.file} ({k}/{len(mappings)})")
            rr = read_source(con, m, sources)
            accepted = validate_rows(con, m, rr)
            pipeline.standardise_source(con, m, rr.table)
            con.execute(f'DROP TABLE "{rr.table}"')
            counts[m.source_system] = {"rows_read": rr.rows_read, "accepted": accepted,
                                       "quarantined": rr.rows_read - accepted}
            say(f"  {m.source_system}: {rr.rows_read} rows, {accepted} accepted, "
                f"{rr.rows_read - accepted} quarantined")
        say("parsing addresses and postcodes")
        pipeline.parse_addresses(con)
        _finalise_records(con)
        t = lap("read_standardise", t)
        con.execute("SET preserve_insertion_order = false")  # row order only mattered while reading
        n = con.execute("SELECT count(*) FROM records").fetchall()[0][0]
        say(f"standardised {n} records from {len(mappings)} sources")

        # 2. model
        eng = LinkEngine(engine, con, tmp)
        present = eng.present()
        say(f"training Splink model ({engine}) on {n} records")
        eng.train(present, n)
        t = lap("train", t)
        say("predicting pairwise match probabilities")
        eng.predict(EXPLAIN_THRESHOLD)
        eng.save_model(out / "model.json")
        if engine == "duckdb" and not os.environ.get("RESIDEX_KEEP_PAIRS"):
            con.execute("DROP TABLE link_input")  # the model's copy of the records: not needed after predict
        t = lap("predict", t)

        # 3. edges + clustering
        say("clustering into residents")
        deterministic_edges(con)
        _edges(con, match_threshold)
        nodes = con.execute("SELECT nhs_number, pupil_number, suffix, dob_str FROM records ORDER BY idx").df()
        # python dates (not pandas timestamps, which stop at 1677: historical data has older DOBs)
        nodes["dob"] = [date.fromisoformat(d) if isinstance(d, str) else None for d in nodes.pop("dob_str")]
        edges = con.execute("SELECT i, j, weight, strong FROM edges ORDER BY i, j").df()
        u = mark("cluster: edges and node tables", t)
        labels, cstats = clustering.cluster(nodes, edges)
        t = lap("cluster", t)

        # 4. stable IDs
        uids = con.execute("SELECT unique_id FROM records ORDER BY idx").df()
        uids["cluster"] = labels
        registry, events, _ = stable_ids.assign(uids, stable_ids.load_previous(out))
        u = mark("ids: assign", t)
        del uids, nodes, edges  # the DuckDB side needs the memory from here on
        con.register("_registry", registry[["unique_id", "resident_id"]])
        con.execute("CREATE TABLE rid AS SELECT * FROM _registry")
        con.unregister("_registry")
        # the registry (a million Python strings at 1M records) is written now to the work folder and
        # moved into the index with the other outputs; freed, the heap goes back to the OS for DuckDB
        registry_file = stable_ids.write_registry(tmp, registry)
        del registry
        _release_heap()
        # one rewrite of the wide records table for both the resident IDs and the LLPG dwellings
        # (the match outcome is kept on the record, so `facts` need not match the addresses again and
        # can report each source's own UPRN against the text)
        if _resolve_uprns(con, sources, say):
            cols = ("r.* REPLACE (am.uprn AS uprn), r.uprn AS source_uprn, am.method AS uprn_method, "
                    "am.reason AS uprn_reason, am.status AS uprn_status")
            join = "LEFT JOIN _am am ON am.key = r.unique_id"
        else:
            cols = ("r.*, r.uprn AS source_uprn, CAST(NULL AS VARCHAR) AS uprn_method, "
                    "CAST(NULL AS VARCHAR) AS uprn_reason, CAST(NULL AS VARCHAR) AS uprn_status")
            join = ""
        u = mark("ids: LLPG address match", u)
        con.execute(f"""CREATE OR REPLACE TABLE records AS SELECT {cols}, rid.resident_id FROM records r
                        JOIN rid USING (unique_id) {join}""")
        con.execute("DROP TABLE IF EXISTS _am")
        t = lap("ids", t)

        # 5. golden records, explanations, quality
        say("building golden records")
        golden.trust_table(con, mappings)
        golden.build(con)
        u = mark("golden: build", t)
        explain.build(con, eng.labels())
        u = mark("golden: explanations", u)
        _record_probability(con)
        t = lap("golden", t)

        say(f"writing index to {out}")
        qcounts = write_quarantine(con, out)
        _write(con, out)
        u = mark("write: parquet", t)
        if os.environ.get("RESIDEX_KEEP_PAIRS"):  # for benchmarks and threshold tuning only
            # with the records' own string unique_ids (the model ran on their integer index)
            con.execute(f"COPY (SELECT li.* REPLACE (r.unique_id AS unique_id) FROM link_input li "
                        f"JOIN records r ON r.idx = li.unique_id) TO '{(out / 'link_input.parquet').as_posix()}' "
                        f"(FORMAT parquet)")
            con.execute(f"COPY (SELECT l.unique_id AS unique_id_l, r.unique_id AS unique_id_r, p.* EXCLUDE (idx_l, idx_r), "
                        f"l.source_system AS source_l, r.source_system AS source_r FROM predictions p "
                        f"JOIN records l ON l.idx = p.idx_l JOIN records r ON r.idx = p.idx_r) "
                        f"TO '{(out / 'pairs.parquet').as_posix()}' (FORMAT parquet)")
        stable_ids.write(out, registry_file, events)
        u = mark("write: id registry", u)
        quality.report(con, mappings, counts, qcounts, out)
        mark("write: quality report", u)
        t = lap("write", t)

        summary = _summary(con, mappings, counts, qcounts, cstats, events, timings, engine)
        summary["training_warnings"] = eng.warnings
        from loaders.linkage.model import PRIOR, STEP_SECONDS

        summary["train_steps_seconds"] = dict(STEP_SECONDS)
        summary["prior"] = dict(PRIOR)
        summary["seconds_detail"] = detail
        summary["seconds_total"] = round(time.perf_counter() - t0, 3)
        (out / "link_summary.json").write_text(json.dumps(summary, indent=1))
        say(f"done: {summary['records']} records -> {summary['residents']} residents "
            f"in {summary['seconds_total']:.1f}s")
        return summary
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _release_heap() -> None:
    """Hand freed Python/pandas heap back to the OS (glibc keeps it otherwise, counted in the RSS)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


HOUSEHOLD_CAP = 30  # addresses with more names (care homes, hostels) give no co-resident evidence


def _finalise_records(con: duckdb.DuckDBPyConnection) -> None:
    """One pass to the final ``records`` table: parsed address parts, placeholder/future DOBs to NULL,
    a dense sorted index for the clustering arrays, and ``hh_names``.

    ``hh_names``: the other full names seen at a record's address (any source). Records of one person
    at different addresses that share co-residents (a family that moved together) is evidence the
    address comparison uses; names alone at different addresses are not (common names repeat).
    Everything but the final write works on narrow tables.
    """
    bad = f"(r.dob_str IN ({', '.join(repr(d) for d in PLACEHOLDER_DOBS)}) OR r.dob > current_date)"
    con.execute("""CREATE OR REPLACE TEMP TABLE _idx AS
                   SELECT unique_id, CAST(row_number() OVER (ORDER BY unique_id) - 1 AS BIGINT) AS idx
                   FROM records_raw""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _hh AS
        WITH k AS (
            SELECT p.unique_id, p.postcode || '|' || p.house_number || '|' || coalesce(p.flat, '') AS ak,
                   r.first_name_key || ' ' || r.last_name_key AS nk
            FROM _parts p JOIN records_raw r USING (unique_id)
            WHERE p.postcode IS NOT NULL AND p.house_number IS NOT NULL
              AND r.first_name_key IS NOT NULL AND r.last_name_key IS NOT NULL),
        a AS (SELECT ak, list(DISTINCT nk) AS names FROM k GROUP BY ak
              HAVING count(DISTINCT nk) BETWEEN 2 AND {HOUSEHOLD_CAP})
        SELECT k.unique_id, list_filter(a.names, lambda x: x <> k.nk) AS hh_names FROM k JOIN a USING (ak)
    """)
    con.execute(f"""
        CREATE TABLE records AS
        SELECT r.* REPLACE (CASE WHEN {bad} THEN NULL ELSE r.dob END AS dob,
                            CASE WHEN {bad} THEN NULL ELSE r.dob_str END AS dob_str,
                            p.flat AS flat, p.house_number AS house_number, p.street AS street,
                            p.building AS building, p.postcode AS postcode,
                            p.postcode_outward AS postcode_outward, p.postcode_sector AS postcode_sector),
               i.idx, h.hh_names
        FROM records_raw r JOIN _idx i USING (unique_id) JOIN _parts p USING (unique_id)
        LEFT JOIN _hh h USING (unique_id)
    """)
    for t in ("records_raw", "_idx", "_hh", "_parts"):
        con.execute(f"DROP TABLE {t}")


def _resolve_uprns(con: duckdb.DuckDBPyConnection, sources: Path, say: Callable[[str], None]) -> bool:
    """Table ``_am`` (key = unique_id, uprn): the dwelling each record's address resolves to in the
    LLPG, for records to take before survivorship, so a golden record's current UPRN (which households
    are built from) is known for every source, not only the two that carry a property reference.
    False (no table) without a gazetteer: the sources' own UPRNs stand."""
    from loaders import address_match

    llpg = sources / "llpg.csv"
    if not llpg.exists():
        return False
    say("matching addresses to the LLPG")
    address_match.load_llpg(con, llpg)
    con.execute("""CREATE OR REPLACE TEMP TABLE _am_in AS
                   SELECT unique_id AS key, address_text, postcode, uprn AS given_uprn, flat, house_number,
                          street, building FROM records""")
    address_match.match(con, "_am_in", "_am", parsed=True)
    con.execute("DROP TABLE _am_in")
    return True


def _edges(con: duckdb.DuckDBPyConnection, threshold: float) -> None:
    """Edges that may join a cluster: Splink pairs over the threshold without a veto, plus rules.

    Vetoes: two different valid NHS numbers or UPNs, different generational suffixes, and DOBs in
    strong disagreement (not a swap, not one digit or transposition, over ~a year apart) unless the
    pair shares a strong identifier (then the DOB is the typo). ``strong`` edges skip the cluster DOB
    check for the same reason.
    """
    tol = clustering.DOB_TOLERANCE_DAYS
    con.execute(f"""
        CREATE OR REPLACE TABLE edges AS
        WITH p AS (
            SELECT p.idx_l, p.idx_r, l.unique_id AS unique_id_l, r.unique_id AS unique_id_r,
                   p.match_probability, p.match_weight,
                   coalesce(l.nhs_number = r.nhs_number, FALSE) OR coalesce(l.ni_number = r.ni_number, FALSE)
                   OR coalesce(l.pupil_number = r.pupil_number, FALSE)
                   OR coalesce(l.other_id = r.other_id, FALSE) AS strong,
                   coalesce(abs(date_diff('day', l.dob, r.dob)) > {tol}
                      AND NOT (day(l.dob) = month(r.dob) AND month(l.dob) = day(r.dob)
                               AND year(l.dob) = year(r.dob))
                      AND damerau_levenshtein(l.dob_str, r.dob_str) > 1, FALSE) AS dob_conflict
            FROM predictions p
            JOIN records l ON l.idx = p.idx_l
            JOIN records r ON r.idx = p.idx_r
            WHERE p.match_probability >= {float(threshold)}
              AND NOT coalesce(l.nhs_number <> r.nhs_number, FALSE)
              AND NOT coalesce(l.pupil_number <> r.pupil_number, FALSE)
              AND NOT coalesce(l.suffix <> r.suffix, FALSE)
        ), allp AS (
            SELECT idx_l AS i, idx_r AS j, unique_id_l, unique_id_r, match_probability, match_weight, strong,
                   'splink' AS rule
            FROM p WHERE strong OR NOT dob_conflict
            UNION ALL
            SELECT l.idx, r.idx, d.unique_id_l, d.unique_id_r, 1.0, 50.0, TRUE, d.rule FROM det_edges d
            JOIN records l ON l.unique_id = d.unique_id_l JOIN records r ON r.unique_id = d.unique_id_r
        )
        SELECT i, j, max(match_weight) AS weight, max(match_probability) AS probability,
               bool_or(strong) AS strong,
               -- sorted distinct rules (an ordered string_agg sorts per group: seconds on a million pairs)
               array_to_string(list_sort(list_distinct(list(rule))), ',') AS rules, unique_id_l, unique_id_r
        FROM allp GROUP BY i, j, unique_id_l, unique_id_r
    """)


def _record_probability(con: duckdb.DuckDBPyConnection) -> None:
    """Each record's match probability: the strongest accepted edge that joined it to its resident."""
    con.execute("""
        CREATE OR REPLACE TABLE rec_prob AS
        WITH e AS (
            SELECT e.i, e.j, e.probability FROM edges e
            JOIN records a ON a.idx = e.i JOIN records b ON b.idx = e.j
            WHERE a.resident_id = b.resident_id)
        SELECT idx, max(probability) AS p FROM (
            SELECT i AS idx, probability FROM e UNION ALL SELECT j, probability FROM e)
        GROUP BY idx
    """)


def _write(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    def copy(sql: str, name: str) -> None:
        con.execute(f"COPY ({sql}) TO '{(out / name).as_posix()}' (FORMAT parquet, COMPRESSION zstd)")

    copy("""SELECT r.source_system, r.record_id, r.resident_id, rp.p AS match_probability,
                   r.title, r.first_name, r.middle_names, r.last_name, r.suffix, r.dob, r.sex,
                   r.postcode, r.uprn, r.address_text, r.flat, r.house_number, r.street, r.building, r.town,
                   r.property_ref, r.nhs_number, r.ni_number, r.pupil_number, r.phone, r.email,
                   r.record_date, r.row_number, r.attributes,
                   r.source_uprn, r.uprn_method, r.uprn_reason, r.uprn_status
            FROM records r LEFT JOIN rec_prob rp ON rp.idx = r.idx
            ORDER BY r.source_system, r.record_id""", "records.parquet")
    copy("SELECT * FROM residents ORDER BY resident_id", "residents.parquet")
    copy("SELECT * FROM match_explanations ORDER BY resident_id, source_l, record_id_l, source_r, record_id_r",
         "match_explanations.parquet")


def _summary(con, mappings: list[SourceMapping], counts, qcounts, cstats, events, timings, engine) -> dict:
    n_rec = con.execute("SELECT count(*) FROM records").fetchall()[0][0]
    n_res = con.execute("SELECT count(*) FROM residents").fetchall()[0][0]
    n_pairs = con.execute("SELECT count(*) FROM predictions").fetchall()[0][0]
    read = sum(c["rows_read"] for c in counts.values())
    acc = sum(c["accepted"] for c in counts.values())
    return {
        "engine": engine, "sources": len(mappings), "rows_read": read, "accepted": acc,
        "quarantined": read - acc, "records": int(n_rec), "residents": int(n_res),
        "pairs_scored_over_0_5": int(n_pairs), "per_source": counts, "quarantine_by_reason": qcounts,
        "clustering": cstats, "id_events": events["event"].value_counts().to_dict() if len(events) else {},
        "seconds": timings,
    }
