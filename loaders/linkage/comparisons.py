"""Splink comparisons tuned to council data.

One combined address comparison (UPRN, postcode + number + flat, street, sector) so that several
columns describing the same dwelling are counted once; one combined identifier comparison (NHS,
NI, UPN) for the same reason. Name comparisons have term-frequency adjustments on the exact level.
Comparisons are only included when the data has the columns filled (``present`` set).
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import ColumnExpression


def _lvl(sql: str, label: str, tf_col: str | None = None, null: bool = False,
         m: float | None = None, fix_m: bool = False) -> dict[str, Any]:
    """A level; ``m`` is the starting m probability (kept if the data is too small to train, and
    always when ``fix_m``: EM does not re-estimate it)."""
    d: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        d["is_null_level"] = True
    if m is not None:
        d["m_probability"] = m
    if fix_m:
        d["fix_m_probability"] = True
    if tf_col:
        d["tf_adjustment_column"] = tf_col
        d["tf_adjustment_weight"] = 1.0
    return d


def first_name() -> dict[str, Any]:
    return {
        "output_column_name": "first_name",
        "comparison_levels": [
            _lvl("first_name_key_l IS NULL OR first_name_key_r IS NULL", "null", null=True),
            # an initial first: two bare initials are not a rare exact "name" (the TF adjustment made
            # `A` = `A` outweigh `A` = `ANDREW` at one address and pulled initial-only records to namesakes)
            _lvl("(length(first_name_key_l) = 1 OR length(first_name_key_r) = 1) "
                 "AND first_initial_l = first_initial_r", "initial", m=0.01),
            _lvl("first_name_key_l = first_name_key_r", "exact", tf_col="first_name_key", m=0.85),
            _lvl("list_has_any(first_nicks_l, first_nicks_r)", "nickname"),
            _lvl("jaro_winkler_similarity(first_name_key_l, first_name_key_r) >= 0.92", "jw>=0.92"),
            _lvl("jaro_winkler_similarity(first_name_key_l, first_name_key_r) >= 0.80", "jw>=0.80"),
            _lvl("first_name_key_l = last_name_key_r AND last_name_key_l = first_name_key_r", "swapped"),
            {"sql_condition": "ELSE", "label_for_charts": "else"},
        ],
    }


def last_name() -> dict[str, Any]:
    return {
        "output_column_name": "last_name",
        "comparison_levels": [
            _lvl("last_name_key_l IS NULL OR last_name_key_r IS NULL", "null", null=True),
            _lvl("last_name_key_l = last_name_key_r", "exact", tf_col="last_name_key"),
            _lvl("jaro_winkler_similarity(last_name_key_l, last_name_key_r) >= 0.92", "jw>=0.92"),
            # double-barrelled or changed surname: one surname token in common
            _lvl("list_has_any(surname_tokens_l, surname_tokens_r)", "shared tokens"),
            _lvl("jaro_winkler_similarity(last_name_key_l, last_name_key_r) >= 0.80", "jw>=0.80"),
            {"sql_condition": "ELSE", "label_for_charts": "else"},
        ],
    }


def dob_one_edit() -> str:
    """``damerau_levenshtein(dob_str_l, dob_str_r) <= 1``, computed only where it can hold.

    One edit (or one transposition) of a formatted ``Y-MM-DD`` date that leaves a formatted date
    changes a single field, so two of year, month and day are equal; the cheap date parts screen out
    most blocked pairs before the string distance (~10M pairs at 1M records; same levels as before).
    """
    same = " + ".join(f"CAST({f}(dob_l) = {f}(dob_r) AS INTEGER)" for f in ("year", "month", "day"))
    return f"CASE WHEN {same} >= 2 THEN damerau_levenshtein(dob_str_l, dob_str_r) <= 1 ELSE FALSE END"


def dob() -> dict[str, Any]:
    d = "date_diff('day', dob_l, dob_r)"
    return {
        "output_column_name": "dob",
        "comparison_levels": [
            _lvl("dob_l IS NULL OR dob_r IS NULL", "null", null=True),
            _lvl("dob_l = dob_r", "exact"),
            # day/month swap kept as evidence: 03/02 for 02/03
            _lvl("day(dob_l) = month(dob_r) AND month(dob_l) = day(dob_r) AND year(dob_l) = year(dob_r)",
                 "day/month swap"),
            _lvl(f"abs({d}) <= 1 OR {dob_one_edit()}", "one digit or day"),
            _lvl("month(dob_l) = month(dob_r) AND day(dob_l) = day(dob_r) AND abs(year(dob_l) - year(dob_r)) <= 1",
                 "year off by one"),
            _lvl(f"abs({d}) <= 31", "within a month"),
            {"sql_condition": "ELSE", "label_for_charts": "else"},
        ],
    }


def sex() -> dict[str, Any]:
    return cl.ExactMatch("sex").configure(term_frequency_adjustments=False)


MOVE_DAYS = 7  # one record's address ended within this many days of the other's starting: a move
# m of the move level, fixed: the records that carry an address end date (closed council tax accounts)
# mostly have no DOB, so the DOB-blocked EM session never sees a move, and the name + sector session
# does not train the address (on names alone EM put it at 0.016 at 100k, swamped by namesakes).
# Share of true pairs in the level on the generated borough: 0.055 (5k and 100k).
MOVE_M = 0.05
# m of "moved within a week" (the period ended 1-7 days from the other's start), fixed: a lagging
# registration. Split from the same-day level (Dec-4): on the generated borough the true moves are all
# on the day (77,965 of 77,980 true pairs at 1M), while chance coincidences of two people's dates
# spread over the 15-day window (the same day is 7% of them), so one 7-day level had 15x the u of the
# evidence it carried: at 1M a same-day move with an exact name scored 0.5-0.8 yet was 95% the same person.
MOVE_WEEK_M = 0.005


def moved_sql(days: int = MOVE_DAYS) -> str:
    """One record's address period ends when the other's begins (either way round)."""
    if days == 0:  # equality: the same condition as the move blocking rules
        return " OR ".join(f"addr_to_{a} = addr_from_{b}" for a, b in (("l", "r"), ("r", "l")))
    return " OR ".join(f"abs(date_diff('day', addr_to_{a}, addr_from_{b})) <= {int(days)}"
                       for a, b in (("l", "r"), ("r", "l")))


def address(with_town: bool = False, households: bool = False, moves: bool = False) -> dict[str, Any]:
    same_flat = "coalesce(flat_l, '') = coalesce(flat_r, '')"
    levels = [
        _lvl("(postcode_l IS NULL AND street_l IS NULL AND uprn_l IS NULL"
             + (" AND town_l IS NULL" if with_town else "") + ") OR "
             "(postcode_r IS NULL AND street_r IS NULL AND uprn_r IS NULL"
             + (" AND town_r IS NULL" if with_town else "") + ")", "null", null=True),
        # one dwelling, by UPRN or by its parsed address: one level, so that the UPRN (carried by two
        # sources, mostly undated ones) is not weighed on the few DOB-blocked training pairs that have it
        _lvl(f"uprn_l = uprn_r OR (postcode_l = postcode_r AND house_number_l = house_number_r AND {same_flat})",
             "same UPRN or postcode+number+flat"),
        _lvl(f"house_number_l = house_number_r AND street_l = street_r AND {same_flat}",
             "number+flat+street"),
    ]
    if moves:
        # another dwelling, but the one address was left when the other was taken up (council tax
        # liability closed and opened, GP re-registration): the same person moving house
        levels.append(_lvl(moved_sql(0), "moved on the day", m=MOVE_M, fix_m=True))
        levels.append(_lvl(moved_sql(), "moved within a week", m=MOVE_WEEK_M, fix_m=True))
    levels += [
        _lvl("postcode_l = postcode_r AND house_number_l = house_number_r", "same building, other flat"),
        _lvl("postcode_l = postcode_r AND building_l = building_r", "same named building"),
        _lvl("postcode_l = postcode_r", "postcode"),
        # one character off in the unit (TQ13 8DF / TQ13 8DG): a typo or the next street
        _lvl("postcode_sector_l = postcode_sector_r", "postcode sector"),
    ]
    if households:
        # a different address, but people who lived with one record also lived with the other
        levels += [
            _lvl("length(list_intersect(hh_names_l, hh_names_r)) >= 2", "moved with 2+ co-residents"),
            # exactly one in common, the level above having taken 2+ (list_has_any: no list built)
            _lvl("list_has_any(hh_names_l, hh_names_r)", "moved with a co-resident"),
        ]
    if with_town:
        levels.append(_lvl("town_l = town_r", "town", tf_col="town"))
    levels.append({"sql_condition": "ELSE", "label_for_charts": "else"})
    return {"output_column_name": "address", "comparison_levels": levels}


def identifiers(cols: list[str]) -> dict[str, Any]:
    """Equal valid NHS / UPN / NI numbers; a conflict on any of them is strong evidence against."""
    eq = " OR ".join(f"{c}_l = {c}_r" for c in cols)
    both = " OR ".join(f"({c}_l IS NOT NULL AND {c}_r IS NOT NULL)" for c in cols)
    return {
        "output_column_name": "identifiers",
        "comparison_levels": [
            _lvl(f"NOT ({both})", "none comparable", null=True),
            _lvl(eq, "identifier equal"),
            {"sql_condition": "ELSE", "label_for_charts": "identifier conflict"},
        ],
    }


def other_id() -> dict[str, Any]:
    return cl.CustomComparison(
        output_column_name="other_id",
        comparison_levels=[
            cll.NullLevel("other_id"),
            cll.ExactMatchLevel("other_id"),
            cll.LevenshteinLevel("other_id", 2),
            cll.ElseLevel(),
        ],
    )


def email() -> Any:
    return cl.CustomComparison(
        output_column_name="email",
        comparison_levels=[cll.NullLevel("email"), cll.ExactMatchLevel("email"),
                           cll.ExactMatchLevel(ColumnExpression("email").regex_extract("^[^@]+")),
                           cll.JaroWinklerLevel("email", 0.88), cll.ElseLevel()],
    )


def phone() -> Any:
    return cl.ExactMatch("phone")


def _default_m(comp: Any) -> Any:
    """Starting m probabilities (most mass on the top level) for levels that have none."""
    if not isinstance(comp, dict):
        return comp
    levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
    k = len(levels)
    for pos, lv in enumerate(levels):
        if "m_probability" in lv:
            continue
        if pos == 0:
            lv["m_probability"] = 0.85
        elif pos == k - 1:
            lv["m_probability"] = 0.02
        else:
            lv["m_probability"] = 0.13 / max(1, k - 2)
    return comp


SPARK_SQL = (("jaro_winkler_similarity(", "jaro_winkler("), ("list_has_any(", "arrays_overlap("),
             ("length(list_intersect(", "size(array_intersect("),
             ("date_diff('day', dob_l, dob_r)", "datediff(dob_r, dob_l)"),
             ("date_diff('day', addr_to_l, addr_from_r)", "datediff(addr_from_r, addr_to_l)"),
             ("date_diff('day', addr_to_r, addr_from_l)", "datediff(addr_from_l, addr_to_r)"))


def _dialect(comp: Any, dialect: str) -> Any:
    """Our level SQL is written for DuckDB; Spark spells a few functions differently."""
    if dialect != "spark" or not isinstance(comp, dict):
        return comp
    for lv in comp["comparison_levels"]:
        sql = lv["sql_condition"]
        for a, b in SPARK_SQL:
            sql = sql.replace(a, b)
        lv["sql_condition"] = sql
    return comp


def build(present: set[str], dialect: str = "duckdb") -> list[Any]:
    """The comparison list for the columns that are filled in this run's data."""
    return [_dialect(_default_m(c), dialect) for c in _build(present)]


def _build(present: set[str]) -> list[Any]:
    comps: list[Any] = [first_name(), last_name()]
    if "dob" in present:
        comps.append(dob())
    if "sex" in present:
        comps.append(sex())
    addr_cols = {"postcode", "street", "uprn", "town"} & present
    if addr_cols - {"town"}:
        comps.append(address(with_town="town" in present, households="hh_names" in present,
                             moves={"addr_from", "addr_to"} <= present))
    elif "town" in present:
        comps.append(address(with_town=True))
    ids = [c for c in ("nhs_number", "pupil_number", "ni_number") if c in present]
    if ids:
        comps.append(identifiers(ids))
    if "other_id" in present:
        comps.append(other_id())
    if "email" in present:
        comps.append(email())
    if "phone" in present:
        comps.append(phone())
    return comps
