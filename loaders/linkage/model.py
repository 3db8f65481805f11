"""The Splink 5 model: settings, blocking rules, training and prediction, on DuckDB or Spark.

Training: the prior from a deterministic rule, u from random sampling, m from two EM sessions on
sampled pairs (``max_pairs``) blocked on different columns so every comparison is estimated once.
"""

# ruff: noqa: S608 -- SQL text is built only from validated mapping identifiers (quoted with q())
# and fixed column names; every value from data or a user is a bound parameter.
from __future__ import annotations

import logging
import time
from typing import Any

from splink import Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from loaders.linkage import comparisons

logging.getLogger("splink").setLevel(logging.WARNING)

POPULATE_PRIOR = True
PRIOR_RECALL = 0.6  # share of true pairs the deterministic prior rules find (measured ~0.6-0.7)

LINK_COLUMNS = (
    "unique_id", "source_system", "first_name_key", "last_name_key", "first_nicks", "surname_tokens",
    "first_initial", "dob", "dob_str", "sex", "flat", "house_number", "street", "building", "town",
    "postcode", "postcode_sector", "uprn", "nhs_number", "ni_number", "pupil_number", "other_id",
    "email", "phone", "hh_names",
)


# (columns, pairs-per-record budget): a rule is used only when the data makes it cheap enough, so small
# files get wide blocking and a million records keep to rules that scale. Name-only blocking (the last
# rule) finds movers without a DOB; at borough scale those pairs are mostly namesakes anyway (see
# docs/linkage.md), and the co-resident rule finds the movers that evidence can support.
LOOSE_RULES = ((("dob",), 5), (("last_name_key",), 5), (("first_name_key",), 5), (("postcode",), 5),
               (("town", "first_initial"), 5), (("other_id",), 5), (("email",), 5),
               (("first_name_key", "last_name_key"), 5))


def loose_rules(con: Any, table: str, present: set[str], n: int) -> list[tuple[str, ...]]:
    """Single-column rules cheap enough for this data (small files get wide blocking, big ones none)."""
    out = []
    for cols, budget in LOOSE_RULES:
        if not set(cols) <= present:
            continue
        if "town" in cols and "postcode" in present:
            continue
        key = ", ".join(cols)
        pairs = con.execute(
            f"SELECT coalesce(sum(c * (c - 1) / 2), 0) FROM (SELECT count(*) AS c FROM {table} "
            f"WHERE {' AND '.join(f'{c} IS NOT NULL' for c in cols)} GROUP BY {key})").fetchall()[0][0]
        if pairs <= budget * n:
            out.append(cols)
    return out


HOUSEHOLD_BUDGET = 5  # pairs per record for the co-resident rule (common names make it explode)


def household_rule_ok(con: Any, table: str, present: set[str], n: int) -> bool:
    if "hh_names" not in present:
        return False
    pairs = con.execute(f"""
        SELECT coalesce(sum(c * (c - 1) / 2), 0) FROM (
            SELECT f, l, h, count(*) AS c FROM (
                SELECT first_name_key AS f, last_name_key AS l, unnest(hh_names) AS h FROM {table}
                WHERE hh_names IS NOT NULL AND first_name_key IS NOT NULL AND last_name_key IS NOT NULL)
            GROUP BY f, l, h)""").fetchall()[0][0]
    return pairs <= HOUSEHOLD_BUDGET * n


def blocking_rules(present: set[str], loose: list[tuple[str, ...]] = ()) -> list[BlockingRuleCreator]:
    """Rules whose union finds the true pairs (recall measured in bench/bench_link_blocking.py)."""
    rules: list[BlockingRuleCreator] = [block_on(*cols) for cols in loose if cols != ("hh_names",)]
    if "dob" in present:
        rules += [block_on("dob", "last_name_key"), block_on("dob", "first_name_key")]
    if "postcode" in present:
        rules += [block_on("postcode", "last_name_key"), block_on("postcode", "first_name_key")]
        if "dob" in present:
            rules.append(block_on("postcode", "dob"))
    if "house_number" in present and "street" in present:
        rules.append(block_on("street", "house_number", "first_initial"))
    if ("hh_names",) in loose:  # same name and a shared co-resident: a household that moved together
        rules.append(block_on("first_name_key", "last_name_key", "hh_names", arrays_to_explode=["hh_names"]))
    if "town" in present and "dob" in present:
        rules.append(block_on("town", "dob"))
    if "other_id" in present:
        rules.append(block_on("other_id"))
    if "email" in present:
        rules.append(block_on("email"))
    for c in ("nhs_number", "ni_number", "pupil_number"):
        if c in present:
            rules.append(block_on(c))
    return rules


def settings(present: set[str], loose: list[tuple[str, ...]] = (), prior: float | None = None,
             dialect: str = "duckdb") -> SettingsCreator:
    kw: dict[str, Any] = {}
    if prior is not None:
        kw["probability_two_random_records_match"] = prior
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons.build(present, dialect),
        blocking_rules_to_generate_predictions=blocking_rules(present, loose),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        additional_columns_to_retain=["source_system"],
        max_iterations=15,
        em_convergence=0.001,
        **kw,
    )


STEP_SECONDS: dict[str, float] = {}


def train(linker: Linker, present: set[str], n_records: int, seed: int = 42) -> list[str]:
    """Estimate the prior, u and m; return warnings for steps the data was too small for.

    Sample sizes grow slowly with the data. A step that cannot run (tiny data: no pairs for an EM
    blocking rule) leaves the starting values in place rather than failing the run.
    """
    warnings: list[str] = []

    def step(name: str, fn: Any) -> None:
        t = time.perf_counter()
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - Splink raises several types for "no pairs"
            warnings.append(f"{name}: {str(e).splitlines()[0][:200]}")
        STEP_SECONDS[name] = round(time.perf_counter() - t, 2)

    # the prior: exact name plus DOB, or exact name plus postcode (many sources carry no DOB)
    det = [block_on("first_name_key", "last_name_key", c) for c in ("dob", "postcode") if c in present]
    det = det or [block_on("first_name_key", "last_name_key")]
    step("prior", lambda: linker.training.estimate_probability_two_random_records_match(
        det, recall=PRIOR_RECALL))
    if linker._settings_obj._probability_two_random_records_match in (None, 0):
        linker._settings_obj._probability_two_random_records_match = 1.0 / max(2, n_records)
    u_pairs = min(2e6, max(3e5, n_records * 2.0))
    step("u", lambda: linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed))
    em_pairs = min(2e6, max(2e5, n_records * 2.0))
    step("em names", lambda: linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name_key", "last_name_key"), max_pairs=em_pairs))
    second = ("dob",) if "dob" in present else (("postcode",) if "postcode" in present else ("first_initial",))
    # the second session also re-derives the prior from its blocked pairs (the deterministic estimate
    # assumes a rule recall that typo-heavy data does not reach)
    step(f"em {second[0]}", lambda: linker.training.estimate_parameters_using_expectation_maximisation(
        block_on(*second), max_pairs=em_pairs,
        populate_probability_two_random_records_match_from_trained_values=POPULATE_PRIOR))
    return warnings


def present_columns(con: Any, table: str) -> set[str]:
    """Canonical link columns with at least a few non-null values (DuckDB table)."""
    exprs = ", ".join(f"count({c})" for c in LINK_COLUMNS)
    counts = con.execute(f"SELECT {exprs} FROM {table}").fetchall()[0]
    n = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    floor = max(2, int(n * 0.001))
    return {c for c, k in zip(LINK_COLUMNS, counts, strict=True) if k >= floor}
