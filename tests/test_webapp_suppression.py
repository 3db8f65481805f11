"""Small-number suppression on every web aggregate and export, on a borough with small ward cells: the
insights page and its CSVs and the analyst's per-ward counts hide counts under the configured threshold
and enough others that no hidden count equals a published total minus the published cells."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import build_fixture_borough
from flask import Flask

import webapp
from graph.access import load_policy
from webapp import accounts

PASSWORD = "correct horse battery"
# children aged 0-5 (today is late 2026 or after: born 2023 is under 6 until 2029)
SMALL = {"Northgate": 3, "Eastfield": 7, "Westbury": 6}


def _child(rid: str, ward: str) -> dict[str, Any]:
    return {"resident_id": rid, "first_name": "Kid" + rid, "last_name": "Smallward", "full_name": f"Kid{rid} Smallward",
            "dob": "2023-05-01", "birth_year": 2023, "sex": "F", "ward": ward, "pseudonym": f"P-{rid.lower()}",
            "sources": ["early_years", "gp_registration"], "opt_out": False, "sealed": False, "deceased": False,
            "uprn": f"U-{ward}", "postcode": "ZZ1 1ZZ"}


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from graph.falkor import FalkorStore

    store = FalkorStore(tmp_path_factory.mktemp("falkor-small"))
    build_fixture_borough(store)
    kids = [_child(f"K{w[:2].upper()}{i}", w) for w, n in SMALL.items() for i in range(n)]
    store.write("UNWIND $wards AS w CREATE (:Address {uprn: 'U-' + w, address_text: '1 ' + w + ' Road', "
                "postcode: 'ZZ1 1ZZ', ward: w, protected: false})", {"wards": list(SMALL)})
    store.write("UNWIND $rows AS row CREATE (r:Resident) SET r = row WITH r, row "
                "MATCH (a:Address {uprn: row.uprn}) CREATE (r)-[:LIVES_AT {from_date: '2023-05-01', current: true, "
                "source_system: 'early_years', record_id: 'EY-' + row.resident_id}]->(a)", {"rows": kids})
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def app(small_store: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = webapp.create_app({"DATA_DIR": tmp_path_factory.mktemp("webapp-supp"), "STORE": small_store,
                             "TESTING": True})
    with app.app_context():
        accounts.create_user("analyst", PASSWORD, "analyst", "Insight", approved=True, approved_by="test")
    yield app


@pytest.fixture(scope="module")
def analyst(app: Flask) -> Any:
    c = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    assert c.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": token}).status_code == 302
    token = c.get("/api/me").get_json()["csrf_token"]
    basis = load_policy().purposes["service_planning"].legal_bases[0]
    assert c.post("/purpose", data={"purpose": "service_planning", "legal_basis": basis, "case_ref": "",
                                    "next": "/", "csrf_token": token}).status_code == 302
    c.token = token  # type: ignore[attr-defined]
    return c


def html_table(page: str, table_id: str) -> dict[tuple[str, str], str]:
    """{(row, col): text} of a suppressed table rendered by templates/aggregates.html."""
    m = re.search(rf'<table class="results agg" id="{table_id}">(.*?)</table>', page, re.S)
    assert m, f"no table {table_id}"
    return {(r, c): html.unescape(v.strip()) for r, c, v in
            re.findall(r'data-row="([^"]*)" data-col="([^"]*)">([^<]*)<', m.group(1))}


def number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def assert_not_recoverable(cells: dict[tuple[str, str], str]) -> None:
    """In every line whose total is published, a hidden cell never stands alone (no subtraction recovers it)."""
    rows = sorted({r for r, _ in cells if r != "total"})
    cols = sorted({c for _, c in cells if c != "total"})
    lines = [([(r, c) for c in cols], (r, "total") if (r, "total") in cells else None) for r in rows]
    lines += [([(r, c) for r in rows], (("total", c) if len(cols) > 1 else ("total", "total"))) for c in cols]
    for members, total in lines:
        if total is None or number(cells[total]) is None:
            continue
        hidden = [k for k in members if number(cells[k]) is None]
        assert len(hidden) != 1, f"{hidden[0]} = {cells[total]} - published cells"


def test_insights_children_by_ward_primary_and_secondary(analyst: Any) -> None:
    page = analyst.get("/insights").text
    t = html_table(page, "children_0_5_by_ward")
    assert t[("Northgate", "count")] == "<5"  # 3 children: primary
    published = {w: number(t[(w, "count")]) for w in SMALL}
    total = number(t[("total", "total")])
    assert "3" not in [t[(w, "count")] for w in SMALL]
    assert_not_recoverable(t)
    if total is not None:
        hidden = [w for w, v in published.items() if v is None]
        assert len(hidden) >= 2, "a lone hidden cell could be recovered from the total"
        assert "suppressed" in page and "secondary suppression" in page
    assert "Smallward" not in page and "U-Northgate" not in page


def test_insights_csv_matches_the_page(analyst: Any) -> None:
    page = html_table(analyst.get("/insights").text, "children_0_5_by_ward")
    r = analyst.get("/insights/children_0_5_by_ward.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["ward", "count"]
    as_csv = {row[0]: row[1] for row in rows[1:]}
    assert as_csv["Northgate"] == "<5" and "3" not in as_csv.values()
    for w in SMALL:
        assert as_csv[w] == page[(w, "count")]
    assert as_csv["total"] == page[("total", "total")]


def test_every_insights_table_holds(analyst: Any) -> None:
    page = analyst.get("/insights").text
    ids = re.findall(r'<table class="results agg" id="([^"]+)"', page)
    assert {"residents_by_ward", "records_by_source", "children_0_5_by_ward"} <= set(ids)
    threshold = load_policy().disclosure_threshold
    for table_id in ids:
        cells = html_table(page, table_id)
        assert all(number(v) is None or number(v) == 0 or number(v) >= threshold for v in cells.values()), table_id
        assert_not_recoverable(cells)
    res = html_table(page, "residents_by_ward")
    assert res[("Northgate", "count")] == "<5"


def test_analyst_per_ward_counts_are_suppressed_and_ignore_a_request_threshold(analyst: Any) -> None:
    # the analyst asks for a threshold of 1: the configured one applies regardless
    r = analyst.post("/queries/children_0_5_by_ward", data={"suppress_below": "1", "csrf_token": analyst.token})
    assert r.status_code == 200, r.text
    body = r.text
    rows = re.findall(r"<tr><td>([A-Za-z]+)</td><td>([^<]*)</td>", body)
    assert rows, body[-2000:]
    assert ("Northgate", "3") not in rows
    t = html_table(body, "summary-by-ward")
    assert_not_recoverable(t)
    assert all(v == "<5" for (row, _), v in t.items() if row != "total")  # one row per ward: each count is 1
    csvr = analyst.post("/queries/children_0_5_by_ward/export-wards", data={"csrf_token": analyst.token})
    lines = list(csv.reader(io.StringIO(csvr.text)))
    assert lines[0] == ["ward", "count"] and all(v in ("<5", "suppressed") for _, v in lines[1:])


def test_a_count_hidden_by_the_store_hides_the_totals_that_would_reveal_it() -> None:
    from webapp.services import suppressed_table

    t = suppressed_table("t", "agency", {("a", "2020"): None, ("a", "2021"): 10, ("b", "2020"): 8,
                                         ("b", "2021"): 9})
    cells = {(r, c): t.cells[(r, c)].text for r in t.rows for c in t.columns}
    cells |= {(r, "total"): t.row_totals[r].text for r in t.rows}
    cells |= {("total", c): t.column_totals[c].text for c in t.columns}
    cells[("total", "total")] = t.total.text
    assert cells[("a", "2020")] == "<5" and cells[("a", "total")] == "suppressed"
    assert cells[("total", "2020")] == "suppressed" and cells[("total", "total")] == "suppressed"
    assert_not_recoverable(cells)
    rows = t.csv_rows()
    assert rows[0] == ["agency", "2020", "2021", "total"] and rows[1] == ["a", "<5", "10", "suppressed"]
