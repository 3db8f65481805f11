"""Runs the Splink model on DuckDB (default, same connection as the rest of the run) or Spark.

The Spark path hands Splink the standardised records as Parquet and reads the scored pairs back
into DuckDB, so everything downstream (clustering, golden records) is the same for both engines.
"""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from loaders.errors import SourceError
from loaders.linkage import model

TRAIN_SAMPLE = 250_000  # records; larger inputs train on a sample of this size
PRED_FIXED = ["match_probability", "match_weight"]


def _sample_sql(rows: int, seed: int) -> str:
    """The records of a reservoir sample of link_input: the ids are sampled (the same rows as sampling
    the wide rows, which copies every list column through the reservoir: 4.5 s against 0.7 s at 1M)."""
    return (f"SELECT li.* FROM link_input li SEMI JOIN (SELECT unique_id FROM link_input "
            f"USING SAMPLE {int(rows)} ROWS (reservoir, {int(seed)})) s USING (unique_id)")


class LinkEngine:
    def __init__(self, engine: str, con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        self.engine, self.con, self.tmp = engine, con, tmp
        # Splink's unique_id is the record's dense index (records.idx, numbered in unique_id order, so
        # every pair keeps its l < r orientation): the ~10M blocked pairs at 1M records are joined and
        # compared on integers instead of strings (predict 102 -> 80 s CPU, less spilled to temp files)
        cols = ", ".join("idx AS unique_id" if c == "unique_id" else c for c in model.LINK_COLUMNS)
        con.execute(f"CREATE OR REPLACE TABLE link_input AS SELECT {cols} FROM records")
        self.linker: Any = None
        self._spark: Any = None

    def present(self) -> set[str]:
        self._present = model.present_columns(self.con, "link_input")
        return self._present

    def _make_linker(self, present: set[str], n: int) -> Any:
        from splink import Linker

        self.loose = model.loose_rules(self.con, "link_input", present, n)
        if model.household_rule_ok(self.con, "link_input", present, n):
            self.loose.append(("hh_names",))
        if self.engine == "duckdb":
            from splink import DuckDBAPI

            api = DuckDBAPI(connection=self.con)
            sdf = api.register("link_input", table_name="records_for_splink")
            return Linker(sdf, model.settings(present, self.loose), log_level=None)
        spark = spark_session(self.tmp)
        self._spark = spark
        pq = self.tmp / "link_input.parquet"
        self.con.execute(f"COPY link_input TO '{pq.as_posix()}' (FORMAT parquet)")
        from splink import SparkAPI

        api = SparkAPI(spark_session=spark)
        sdf = api.register(spark.read.parquet(str(pq)), table_name="records_for_splink")
        return Linker(sdf, model.settings(present, self.loose, dialect="spark"), log_level=None)

    def train(self, present: set[str], n: int) -> None:
        """Train on a record sample when the data is large, then predict on everything.

        Sampling records keeps the share of matching pairs (both sides thin out alike), so the
        trained m, u and prior carry over; term frequencies are computed on the full data at predict.
        """
        if n <= TRAIN_SAMPLE or self.engine != "duckdb":
            self.linker = self._make_linker(present, n)
            self.warnings = model.train(self.linker, present, n)
            if self.engine == "duckdb" and model.ESTIMATE_PRIOR:
                from splink import DuckDBAPI, Linker

                trained = self._with_scanned_prior(self.linker.misc.save_model_to_json(), n)
                self.linker._db_api.delete_tables_created_by_splink_from_db()
                api = DuckDBAPI(connection=self.con)
                self.linker = Linker(api.register("link_input", table_name="records_for_splink"), trained,
                                     log_level=None)
            return
        import time

        t = time.perf_counter()
        self.con.execute(f"CREATE OR REPLACE TABLE link_train AS {_sample_sql(TRAIN_SAMPLE, 42)}")
        from splink import DuckDBAPI, Linker

        api = DuckDBAPI(connection=self.con)
        self.loose = model.loose_rules(self.con, "link_input", present, n)
        if model.household_rule_ok(self.con, "link_input", present, n):
            self.loose.append(("hh_names",))
        model.STEP_SECONDS["sample and blocking rule sizes"] = round(time.perf_counter() - t, 2)
        train_linker = Linker(api.register("link_train", table_name="records_for_training"),
                              model.settings(present, self.loose), log_level=None)
        self.warnings = model.train(train_linker, present, TRAIN_SAMPLE)
        trained = train_linker.misc.save_model_to_json()
        # the EM sessions' comparison vectors and blocked pairs (millions of rows) would otherwise stay
        # in the database through predict and every later stage, spilling to temp files at 1M records
        api.delete_tables_created_by_splink_from_db()
        self.con.execute("DROP TABLE link_train")
        if model.ESTIMATE_PRIOR:
            trained = self._with_scanned_prior(trained, n)
        api = DuckDBAPI(connection=self.con)
        sdf = api.register("link_input", table_name="records_for_splink")
        self.linker = Linker(sdf, trained, log_level=None)

    def _with_scanned_prior(self, trained: dict[str, Any], n: int) -> dict[str, Any]:
        """``trained`` with its prior re-estimated from scored blocked pairs (model.prior_fixed_point).

        Scans a record sample (at most PRIOR_SAMPLE records; the prior is unchanged by record
        sampling) with a linker that keeps no pair columns, and only a weight histogram leaves DuckDB.
        """
        import time

        from splink import DuckDBAPI, Linker

        t = time.perf_counter()
        table = "link_input"
        if n > model.PRIOR_SAMPLE:
            self.con.execute(f"CREATE OR REPLACE TABLE link_prior AS {_sample_sql(model.PRIOR_SAMPLE, 7)}")
            table, n = "link_prior", model.PRIOR_SAMPLE
        api = DuckDBAPI(connection=self.con)
        linker = Linker(api.register(table, table_name="records_for_prior"), model.scan_settings(trained),
                        log_level=None)
        pred = linker.inference.predict(threshold_match_probability=model.PRIOR_SCAN_PROBABILITY,
                                        warning_mode="never")
        hist = self.con.execute(f"SELECT round(match_weight, 2) AS w, count(*) AS c FROM {pred.physical_name} "
                                "GROUP BY 1").fetchall()
        pred.drop_table_from_database_and_remove_from_cache()
        api.delete_tables_created_by_splink_from_db()
        if table == "link_prior":
            self.con.execute("DROP TABLE link_prior")
        lam0 = trained["probability_two_random_records_match"]
        lam = model.prior_fixed_point([h[0] for h in hist], [h[1] for h in hist], n, lam0)
        model.STEP_SECONDS["prior from blocked pairs"] = round(time.perf_counter() - t, 2)
        model.PRIOR.update(trained=lam0, scanned=lam)
        return {**trained, "probability_two_random_records_match": lam}

    def predict(self, threshold: float) -> None:
        pred = self.linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
        self.comparison_names = [c.output_column_name for c in self.linker._settings_obj.comparisons]
        keep = PRED_FIXED + [f"gamma_{c}" for c in self.comparison_names] + \
            [f"mw_{c}" for c in self.comparison_names]
        if self.engine == "duckdb":
            have = set(self.con.execute(f"SELECT * FROM {pred.physical_name} LIMIT 0").df().columns)
            extra = [c for c in have if c.startswith("mw_tf_adj_")]
            cols = ", ".join(["unique_id_l AS idx_l", "unique_id_r AS idx_r"] + [c for c in keep if c in have] + extra)
            self.con.execute(f"CREATE OR REPLACE TABLE predictions AS SELECT {cols} FROM {pred.physical_name}")
            pred.drop_table_from_database_and_remove_from_cache()
            self.linker._db_api.delete_tables_created_by_splink_from_db()  # tf tables, blocked pairs
        else:
            sdf = pred.as_spark_dataframe()
            have = set(sdf.columns)
            cols = ["unique_id_l", "unique_id_r"] + [c for c in keep if c in have] + \
                [c for c in have if c.startswith("mw_tf_adj_")]
            path = self.tmp / "predictions.parquet"
            sdf.select(*cols).write.mode("overwrite").parquet(str(path))
            self.con.execute(f"CREATE OR REPLACE TABLE predictions AS SELECT * RENAME (unique_id_l AS idx_l, "
                             f"unique_id_r AS idx_r) FROM read_parquet('{path.as_posix()}/*.parquet')")

    def labels(self) -> dict[str, dict[int, str]]:
        """comparison name -> gamma value -> level label (for explanations)."""
        out: dict[str, dict[int, str]] = {}
        for c in self.linker._settings_obj.comparisons:
            out[c.output_column_name] = {lv.comparison_vector_value: lv.label_for_charts
                                         for lv in c.comparison_levels}
        return out

    def save_model(self, path: Path) -> None:
        self.linker.misc.save_model_to_json(str(path), overwrite=True)


def spark_session(tmp: Path) -> Any:
    """A local Spark session sized for this machine, or a clear error if pyspark cannot run."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SourceError("--engine spark", "pyspark is not installed (pip install pyspark)") from None
    try:
        from splink.backends.spark import similarity_jar_location

        jar = similarity_jar_location()
    except Exception:  # noqa: BLE001 - the jar is optional (jaro-winkler UDFs)
        jar = None
    b = (SparkSession.builder.master("local[2]").appName("residex-link")
         .config("spark.driver.memory", "2g").config("spark.sql.shuffle.partitions", "8")
         .config("spark.local.dir", str(tmp)).config("spark.ui.enabled", "false"))
    if jar:
        b = b.config("spark.jars", jar)
    try:
        spark = b.getOrCreate()
    except Exception as e:  # noqa: BLE001 - Java missing or failing to start
        raise SourceError("--engine spark", f"cannot start Spark: {str(e).splitlines()[0]}") from None
    spark.sparkContext.setCheckpointDir(str(tmp / "spark-checkpoints"))
    return spark
