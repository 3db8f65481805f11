"""Standardisation cases, run through the real DuckDB macros."""

from __future__ import annotations

import random

import duckdb
import pytest
import stdnum.gb.nhs
import stdnum.gb.upn

from loaders.linkage.cluster import dob_compatible
from loaders.standardise import pipeline


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    pipeline.register_macros(c)
    return c


def addr(con, text: str) -> tuple:
    return con.execute("SELECT rx_addr_flat(a), rx_addr_number(a), rx_addr_street(a) "
                       "FROM (SELECT rx_addr_clean(?) AS a)", [text]).fetchall()[0]


@pytest.mark.parametrize("text", ["Flat 4, 12 High St", "4/12 High Street", "12 HIGH STREET FLAT 4",
                                  "flat 4 12 high st.", "Flat 4, 12 High Street, Ashmere, AM3 4QT"])
def test_flat_four_twelve_high_street_variants_agree(con, text: str) -> None:
    assert addr(con, text) == ("4", "12", "HIGH STREET")


@pytest.mark.parametrize("text", ["12a High Street", "Flat A, 12 High St", "12A HIGH ST"])
def test_letter_suffix_is_flat(con, text: str) -> None:
    assert addr(con, text) == ("A", "12", "HIGH STREET")


@pytest.mark.parametrize("text, flat", [("GFF 12 High St", "GF"), ("Ground Floor Flat, 12 High Street", "GF"),
                                        ("First Floor Flat, 12 High St", "1F")])
def test_floor_flats(con, text: str, flat: str) -> None:
    assert addr(con, text) == (flat, "12", "HIGH STREET")


def test_whole_house_and_building_names(con) -> None:
    assert addr(con, "12 High Street") == (None, "12", "HIGH STREET")
    assert addr(con, "Flat 3, Oak Court, 5 Mill Rd") == ("3", "5", "MILL ROAD")
    assert addr(con, "13 Highfield Tower, 32 Albert Rd") == ("13", "32", "ALBERT ROAD")
    assert addr(con, "14 St Johns Road") == (None, "14", "ST JOHNS ROAD")
    assert addr(con, "7 MILL RD ASHMERE AM1 2AB") == (None, "7", "MILL ROAD")


@pytest.mark.parametrize("raw, norm, outward, sector", [
    ("am34qt", "AM3 4QT", "AM3", "AM3 4"), (" AM3  4QT ", "AM3 4QT", "AM3", "AM3 4"),
    ("SW1A1AA", "SW1A 1AA", "SW1A", "SW1A 1"), ("am3 4qt", "AM3 4QT", "AM3", "AM3 4"),
])
def test_postcodes(con, raw, norm, outward, sector) -> None:
    assert con.execute("SELECT rx_postcode(?), rx_pc_outward(?), rx_pc_sector(?), rx_pc_valid(?)",
                       [raw] * 4).fetchall()[0] == (norm, outward, sector, True)


def test_invalid_postcode_kept_compact_but_not_valid(con) -> None:
    assert con.execute("SELECT rx_postcode('2615'), rx_pc_valid('2615'), rx_pc_outward('2615')").fetchall()[0] == (
        "2615", False, None)


def test_nhs_numbers_match_stdnum(con) -> None:
    rnd = random.Random(7)
    nums = [f"{rnd.randrange(10**9, 10**10):010d}" for _ in range(400)] + ["9434765919", "943 476 5919"]
    got = dict(con.execute("SELECT x, rx_nhs(x) FROM unnest(?) t(x)", [nums]).fetchall())
    for n in nums:
        valid = stdnum.gb.nhs.is_valid(n)
        assert (got[n] is not None) == valid, n
    assert got["943 476 5919"] == "9434765919"


def test_upn_matches_stdnum(con) -> None:
    body = "801200112001"
    good = stdnum.gb.upn.calc_check_digit(body) + body
    bad = ("B" if good[0] != "B" else "C") + body
    assert con.execute("SELECT rx_upn(?), rx_upn(?)", [good, bad]).fetchall()[0] == (good, None)


@pytest.mark.parametrize("raw, out", [("AB 12 34 56 C", "AB123456"), ("ab123456", "AB123456"),
                                      ("QQ123456C", None), ("BG123456A", None), ("AB12345", None)])
def test_ni_numbers(con, raw, out) -> None:
    assert con.execute("SELECT rx_ni(?)", [raw]).fetchall()[0][0] == out


@pytest.mark.parametrize("raw, last, rest, suffix", [
    ("SMITH, John Paul", "SMITH", "JOHN PAUL", None),
    ("Mary Anne SMITH-JONES", "SMITH-JONES", "MARY ANNE", None),
    ("Mr John O'Brien Jnr", "OBRIEN", "JOHN", "JR"),
    ("José de la Cruz", "CRUZ", "JOSE DE LA", None),
    ("Dr. Amy Lee Sr.", "LEE", "AMY", "SR"),
    ("willie", None, "WILLIE", None),
])
def test_full_name_split(con, raw, last, rest, suffix) -> None:
    got = con.execute("SELECT rx_name_clean(rx_split_last(rx_name_core(?))), "
                      "rx_name_clean(rx_name_core(rx_split_rest(rx_name_core(?)))), rx_suffix(?)",
                      [raw, raw, raw]).fetchall()[0]
    assert got == (last, rest, suffix)


def test_name_key_and_tokens(con) -> None:
    assert con.execute("SELECT rx_name_key(rx_name_clean(?)), rx_name_tokens(rx_name_clean(?))",
                       ["Smith - Jones", "Smith-Jones"]).fetchall()[0] == ("SMITHJONES", ["SMITH", "JONES"])


def test_nicknames_share_a_canonical(con) -> None:
    canon = dict(con.execute("SELECT name, list(canon) FROM nick WHERE name IN ('BOB', 'ROB') GROUP BY name")
                 .fetchall())
    assert "ROBERT" in canon["BOB"] and "ROBERT" in canon["ROB"]


def test_dob_compatibility_keeps_swaps_and_vetoes_generations() -> None:
    from datetime import date

    assert dob_compatible(date(1980, 3, 2), date(1980, 2, 3))      # day/month swap
    assert dob_compatible(date(1980, 3, 2), date(1981, 3, 2))      # year typo
    assert dob_compatible(date(1980, 3, 2), date(1980, 3, 12))     # day typo
    assert not dob_compatible(date(1960, 5, 14), date(1988, 9, 1))  # father and son


def test_date_formats(con) -> None:
    from loaders.mapping import DateField
    from loaders.standardise.dates import parse_date_sql

    d = DateField("x", ("%d %b %Y",))
    assert str(con.execute(f"SELECT {parse_date_sql(repr('3 Mar 2022'), d)}").fetchall()[0][0]) == "2022-03-03"
    d2 = DateField("x", ("%d/%m/%Y", "%Y-%m-%d"))
    assert str(con.execute(f"SELECT {parse_date_sql(repr('2022-03-04'), d2)}").fetchall()[0][0]) == "2022-03-04"
