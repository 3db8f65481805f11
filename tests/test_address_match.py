"""Address matching against a hand-written gazetteer: every address style the sources use."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from loaders import address_match
from loaders.errors import SourceError

HEADER = "uprn,sao_text,pao_number,pao_text,street,town,postcode,ward,council_owned,bedrooms,property_type"
LLPG = [
    "100000000001,Flat 4,12,,High Street,Ashmere,AM3 4QT,Abbey,Y,1,Flat",
    "100000000002,Flat 5,12,,High Street,Ashmere,AM3 4QT,Abbey,Y,1,Flat",
    "100000000003,Flat A,12,,High Street,Ashmere,AM3 4QT,Abbey,N,2,Flat",
    "100000000004,Ground Floor Flat,12,,High Street,Ashmere,AM3 4QT,Abbey,N,2,Flat",
    "100000000005,,14,,High Street,Ashmere,AM3 4QT,Abbey,N,3,House",
    "100000000006,,16a,,High Street,Ashmere,AM3 4QU,Abbey,N,2,House",
    "100000000007,,16,,High Street,Ashmere,AM3 4QU,Abbey,N,3,House",
    "100000000008,,20,,Mill Road,Ashmere,AM4 1AB,Castle,N,6,HMO",
    "100000000009,Flat 2,3,Oak Court,Mill Road,Ashmere,AM4 1AD,Castle,Y,1,Flat",
    "100000000010,,12,,High Street,Ashmere,AM9 9ZZ,Orchard,N,3,House",
    "100000000011,,5,,St Johns Road,Ashmere,AM5 2DD,Castle,N,3,House",
    "100000000012,,52,,Warwick Crescent,Ashmere,AM6 1AB,Castle,N,3,House",
    "100000000013,,52,,Warwick Crescent 2,Ashmere,AM7 1AB,Castle,N,3,House",
]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    d = tmp_path_factory.mktemp("llpg")
    (d / "llpg.csv").write_text("\n".join([HEADER, *LLPG]) + "\n")
    c = duckdb.connect()
    assert address_match.load_llpg(c, d / "llpg.csv") == len(LLPG)
    return c


CASES = [
    # (address text, postcode, expected uprn or None, expected reason)
    ("Flat 4, 12 High Street", "AM3 4QT", "100000000001", "matched"),  # canonical
    ("4/12 High St", "am34qt", "100000000001", "matched"),  # n/m form, abbreviation, postcode case/spacing
    ("12 High Street Flat 4", "AM3 4QT", "100000000001", "matched"),  # flat after the street
    ("FLAT 4, 12 HIGH ST", "AM3  4QT", "100000000001", "matched"),  # upper case
    ("Flat 4, 12 High Street, Ashmere", None, "100000000001", "matched"),  # missing postcode
    ("12a High Street", "AM3 4QT", "100000000003", "matched"),  # Flat A written as 12a
    ("Flat A, 12 High Street", "AM3 4QT", "100000000003", "matched"),
    ("GFF 12 High St", "AM3 4QT", "100000000004", "matched"),  # Ground Floor Flat
    ("Ground Floor Flat, 12 High Street", "AM3 4QT", "100000000004", "matched"),
    ("Flat 5, 12 High Street", "AM3 4QY", "100000000002", "matched"),  # postcode typo
    ("Flat 5, 12 High Street", "AM3 4OT", "100000000002", "matched"),  # O for 0
    ("Flat 4, 12 Hihg Street", "AM3 4QT", "100000000001", "matched"),  # street typo
    ("16a High Street", "AM3 4QU", "100000000006", "matched"),  # a real house 12a, not Flat A of 16
    ("16 High Street", "AM3 4QU", "100000000007", "matched"),
    ("14 HIGH STREET", "AM34QT", "100000000005", "matched"),
    ("Room 3, 20 Mill Road", "AM4 1AB", "100000000008", "matched"),  # room in an HMO
    ("Flat 2, Oak Court, Mill Road", "AM4 1AD", "100000000009", "matched"),  # building name, no number
    ("Flat 2, Oak Court, 3 Mill Rd", "AM4 1AD", "100000000009", "matched"),
    ("5 St Johns Rd", "AM5 2DD", "100000000011", "matched"),  # leading St is Saint
    ("12 High Street", "AM9 9ZZ", "100000000010", "matched"),  # same number+street, other postcode
    ("52 Warwick Crescent", None, "100000000012", "matched"),  # streets that differ after the type word
    ("52 WARWICK CRES 2, Ashmere", None, "100000000013", "matched"),
    # no UPRN, with a reason
    ("12 Low Street", "AM3 4QT", None, "no_candidate"),  # wrong street
    ("99 High Street", "AM3 4QT", None, "no_candidate"),  # no such number
    ("12 High Street", "AM3 4QT", None, "flat_missing"),  # a building of flats, flat not given
    ("12 High Street", None, None, "ambiguous"),  # house at AM9 or a flat at AM3
    ("Flat 9, 12 High Street", "AM3 4QT", None, "flat_not_found"),
    ("12 High Street, Elsewhere", "OT1 2AB", None, "outside_area"),  # neighbouring borough
    ("14 High Street", "OT1 2AB", None, "outside_area"),
    ("14 High Street, Elsewhere", None, None, "outside_area"),  # another town, no postcode
    ("14 High Street, Ashmere", None, "100000000005", "matched"),  # the gazetteer's own town
    (None, None, None, "no_address"),
]


@pytest.mark.parametrize(("text", "postcode", "uprn", "reason"), CASES)
def test_address_variants(con: duckdb.DuckDBPyConnection, text: str | None, postcode: str | None,
                          uprn: str | None, reason: str) -> None:
    got = address_match.match_rows(con, [("k", text, postcode, None)])
    assert got["k"] == (uprn, reason)


def test_all_at_once_same_answers(con: duckdb.DuckDBPyConnection) -> None:
    """One batch (the production path) gives the same answers as one address at a time."""
    rows = [(str(i), t, p, None) for i, (t, p, _, _) in enumerate(CASES)]
    got = address_match.match_rows(con, rows)
    assert {k: v for k, v in got.items()} == {str(i): (u, r) for i, (_, _, u, r) in enumerate(CASES)}


def test_given_uprn_checked(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE gi (key VARCHAR, address_text VARCHAR, postcode VARCHAR, "
                "given_uprn VARCHAR)")
    con.executemany("INSERT INTO gi VALUES (?, ?, ?, ?)", [
        ("agree", "Flat 4, 12 High Street", "AM3 4QT", "100000000001"),
        ("conflict", "Flat 4, 12 High Street", "AM3 4QT", "100000000002"),  # text wins
        ("unknown", "Flat 4, 12 High Street", "AM3 4QT", "999999999999"),  # not in the gazetteer
        ("only", None, None, "100000000005"),  # no text: the given UPRN stands
        ("only_bad", None, None, "123"),
    ])
    address_match.match(con, "gi", "go")
    got = {k: (u, s) for k, u, s in con.execute("SELECT key, uprn, status FROM go").fetchall()}
    assert got == {"agree": ("100000000001", "given_confirmed"),
                   "conflict": ("100000000001", "given_conflicts_text"),
                   "unknown": ("100000000001", "given_not_in_llpg"),
                   "only": ("100000000005", "given_used"),
                   "only_bad": (None, "given_not_in_llpg")}


def test_bad_gazetteer_names_row_and_field(tmp_path: Path) -> None:
    c = duckdb.connect()
    with pytest.raises(SourceError, match="gazetteer not found"):
        address_match.load_llpg(c, tmp_path / "llpg.csv")
    (tmp_path / "llpg.csv").write_text("\n".join([HEADER, LLPG[0], LLPG[0]]) + "\n")
    with pytest.raises(SourceError, match=r"llpg.csv: row 2: field uprn: repeated UPRN"):
        address_match.load_llpg(c, tmp_path / "llpg.csv")
    (tmp_path / "llpg.csv").write_text("\n".join([HEADER, LLPG[0], LLPG[1].replace(",1,Flat", ",one,Flat")]) + "\n")
    with pytest.raises(SourceError, match=r"row 2: field bedrooms"):
        address_match.load_llpg(c, tmp_path / "llpg.csv")
    (tmp_path / "llpg.csv").write_text(HEADER.replace(",ward", "") + "\n")
    with pytest.raises(SourceError, match=r"field ward: column missing"):
        address_match.load_llpg(c, tmp_path / "llpg.csv")
