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
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from loaders.linkage import comparisons

logging.getLogger("splink").setLevel(logging.WARNING)

POPULATE_PRIOR = True
PRIOR_RECALL = 0.6  # share of true pairs the deterministic prior rules find (measured ~0.6-0.7)

LINK_COLUMNS = (
    "unique_id", "source_system", "first_name_key", "last_name_key", "first_nicks", "surname_tokens",
    "first_initial", "dob", "dob_str", "sex", "flat", "house_number", "street", "building", "town",
    "postcode", "postcode_sector", "uprn", "nhs_number", "ni_number", "pupil_number", "other_id",
    "email", "phone", "hh_names", "addr_from", "addr_to",
)


# (columns, pairs-per-record budget): a rule is used only when the data makes it cheap enough, so small
# files get wide blocking and a million records keep to rules that scale. Name-only blocking (the last
# rule) finds movers without a DOB; at borough scale those pairs are mostly namesakes anyway (see
# docs/linkage.md), and the co-resident rule finds the movers that evidence can support.
LOOSE_RULES = ((("dob",), 5), (("last_name_key",), 20), (("first_name_key",), 5), (("postcode",), 5),
               (("town", "first_initial"), 10), (("town", "last_name_key"), 5),
               (("postcode_sector", "first_initial"), 5), (("last_name_key", "first_nicks"), 5),
               (("other_id",), 5), (("email",), 5), (("first_name_key", "last_name_key"), 5))
KEYED_FACTOR = 10  # pairs per record having the rule's columns: at most this times the rule's budget
ARRAY_COLUMNS = {"first_nicks"}  # blocked on any shared element (Splink explodes the array)


def loose_rules(con: Any, table: str, present: set[str], n: int) -> list[tuple[str, ...]]:
    """Rules cheap enough for this data, by their pair count (small files get wide blocking).

    The budget is pairs per record, so the same list scales: a surname-only rule is used on a
    50k historical file (15 pairs a record) and dropped on a borough where a town is one value.
    A rule must also stay within KEYED_FACTOR times the budget per record that has its columns: a key
    only one small source fills (a borough's one town, on 0.7% of a million records) makes blocks of
    nearly all pairs of those records (town + initial: 2M pairs at 1M, 300 a keyed record, a fifth of
    all blocked pairs). historical_50k's town + initial (11 a keyed record) stays.
    """
    out = []
    for cols, budget in LOOSE_RULES:
        if not set(cols) <= present:
            continue
        sel = ", ".join(f"unnest({c}) AS {c}" if c in ARRAY_COLUMNS else c for c in cols)
        key = ", ".join(cols)
        where = " AND ".join(f"{c} IS NOT NULL" for c in cols)
        pairs, keyed = con.execute(
            f"SELECT coalesce(sum(c * (c - 1) / 2), 0), coalesce(sum(c), 0) FROM (SELECT {key}, count(*) AS c "
            f"FROM (SELECT {sel} FROM {table} WHERE {where}) GROUP BY {key})").fetchall()[0]
        if set(cols) & ARRAY_COLUMNS:  # sum(c) counted exploded rows
            keyed = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchall()[0][0]
        if pairs <= budget * n and pairs <= KEYED_FACTOR * budget * keyed:
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
    rules: list[BlockingRuleCreator] = [
        block_on(*cols, arrays_to_explode=[c for c in cols if c in ARRAY_COLUMNS] or None)
        for cols in loose if cols != ("hh_names",)]
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
    if {"addr_from", "addr_to", "first_initial"} <= present:  # a move: one address left the day the other began
        rules += [CustomRule(f"l.{a} = r.{b} AND l.first_initial = r.first_initial")
                  for a, b in (("addr_to", "addr_from"), ("addr_from", "addr_to"))]
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


# the names EM session also blocks on these when present: among all same-name pairs of a large
# borough namesakes outnumber matches and EM settled on a class with half its DOBs disagreeing
NAMES_EM_EXTRA: tuple[str, ...] = ("postcode_sector",)
STEP_SECONDS: dict[str, float] = {}
PRIOR: dict[str, float] = {}  # the trained prior and the one re-estimated from scanned pairs (engine)


def train(linker: Linker, present: set[str], n_records: int, seed: int = 42) -> list[str]:
    """Estimate the prior, u and m; return warnings for steps the data was too small for.

    Sample sizes grow slowly with the data. A step that cannot run (tiny data: no pairs for an EM
    blocking rule) leaves the starting values in place rather than failing the run.
    """
    warnings: list[str] = []

    def step(name: str, fn: Any) -> None:
        t = time.perf_counter()
        # an EM session drops the comparisons its blocking rule uses from the linker's own settings and
        # only puts them back when it finishes: a failed one would leave the model without them
        saved = linker._settings_obj.core_model_settings.copy()
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - Splink raises several types for "no pairs"
            warnings.append(f"{name}: {str(e).splitlines()[0][:200]}")
            linker._settings_obj.core_model_settings = saved
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
    names = ("first_name_key", "last_name_key", *(c for c in NAMES_EM_EXTRA if c in present))
    step("em names", lambda: linker.training.estimate_parameters_using_expectation_maximisation(
        block_on(*names), max_pairs=em_pairs))
    second = ("dob",) if "dob" in present else (("postcode",) if "postcode" in present else ("first_initial",))
    # the second session also re-derives the prior from its blocked pairs (the deterministic estimate
    # assumes a rule recall that typo-heavy data does not reach)
    step(f"em {second[0]}", lambda: linker.training.estimate_parameters_using_expectation_maximisation(
        block_on(*second), max_pairs=em_pairs,
        populate_probability_two_random_records_match_from_trained_values=POPULATE_PRIOR))
    monotone_levels(linker)
    return warnings


ESTIMATE_PRIOR = True
PRIOR_SAMPLE = 60_000  # records scanned for the prior (the prior does not change when records are sampled)
PRIOR_SCAN_PROBABILITY = 1e-4  # pairs below this (at the trained prior) add nothing to the estimate


def scan_settings(trained: dict[str, Any]) -> dict[str, Any]:
    """The trained model, scoring pairs without carrying their columns (for the prior scan)."""
    out = dict(trained)
    out.update(retain_intermediate_calculation_columns=False, retain_matching_columns=False,
               additional_columns_to_retain=[])
    return out


def prior_fixed_point(weights: Any, counts: Any, n_records: int, lam0: float) -> float:
    """The prior that reproduces itself: expected matches among all pairs / all pairs.

    With m and u trained, each blocked pair's match probability depends only on the prior, and the
    self-consistent prior is its maximum-likelihood value given m and u. The deterministic and
    EM-derived priors assume a rule recall that corrupted or undated data does not reach
    (historical_50k: 1.5e-5 against a true 2.4e-4). Pairs outside the blocking count as non-matches,
    so the estimate errs low; it is never taken below the trained value.
    ``weights``/``counts``: a histogram of the scanned pairs' match weights at prior ``lam0``.
    """
    import math

    import numpy as np

    w = np.asarray(weights, dtype=np.float64)
    c = np.asarray(counts, dtype=np.float64)
    if len(w) == 0 or n_records < 2:
        return lam0
    bf = w - math.log2(lam0 / (1 - lam0))  # Bayes factor of each pair, prior removed
    total = n_records * (n_records - 1) / 2
    lam = lam0
    for _ in range(200):
        odds = np.exp2(np.minimum(bf, 60)) * (lam / (1 - lam))
        new = float((c * odds / (1 + odds)).sum() / total)
        done = abs(new - lam) <= 1e-4 * lam
        lam = new
        if done:
            break
    return min(0.5, max(lam0, lam))


def monotone_levels(linker: Linker) -> None:
    """No agreement level may count as more evidence against a match than the 'else' level.

    EM can drive a rarely seen level's m towards zero (a year off by one that the one-digit level
    already catches scored -50 bits), turning a near-agreement into a veto; such a level is raised
    to the else level's Bayes factor.
    """
    for comp in linker._settings_obj.comparisons:
        levels = [lv for lv in comp.comparison_levels if not lv.is_null_level]
        if len(levels) < 2:
            continue
        last = levels[-1]
        if not (last.m_probability and last.u_probability):
            continue
        floor = last.m_probability / last.u_probability
        for lv in levels[:-1]:
            m, u = lv.m_probability, lv.u_probability
            if m is not None and u and m / u < floor:
                lv.m_probability = min(1.0, u * floor)


def present_columns(con: Any, table: str) -> set[str]:
    """Canonical link columns with at least a few non-null values (DuckDB table)."""
    exprs = ", ".join(f"count({c})" for c in LINK_COLUMNS)
    counts = con.execute(f"SELECT {exprs} FROM {table}").fetchall()[0]
    n = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    floor = max(2, int(n * 0.001))
    return {c for c, k in zip(LINK_COLUMNS, counts, strict=True) if k >= floor}
