"""Opt-outs, sealed records and protected addresses in what the web app sends: HTML pages, the network
view's JSON, search JSON, query results and their CSV/JSON exports, and aggregates.

Same restricted borough as tests/test_restrictions_flags.py (real embedded FalkorDB); each session
states its purpose like a user would, then every page is fetched and searched for what it must not hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

import pytest
from conftest import make_app
from flask import Flask
from test_restrictions_flags import OPTED_OUT, REFUGE, SEALED, restricted_store
from test_webapp import PASSWORD, ROLES, Session

from graph.library import load_library

PEOPLE = ("R001", "R004", "R010", "S001", "O001", "R009")
SESSIONS = {  # name: (role, purpose, case reference)
    "fraud": ("fraud_investigator", "fraud_investigation", "FR-9"),
    "safeguarding": ("social_worker", "safeguarding", "SG-9"),
    "sw_planning": ("social_worker", "service_planning", ""),
    "analyst": ("analyst", "service_planning", ""),
    "ig_sar": ("ig_officer", "subject_access", "SAR-9"),
}
PLANNING = frozenset({"sw_planning", "analyst"})


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with restricted_store(tmp_path_factory.mktemp("falkor-web-restricted")) as store:
        yield make_app(tmp_path_factory.mktemp("webapp-restricted"), store, None, ROLES, password=PASSWORD,
                       TESTING=True)


def _paths(role: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(method, path, form) for every page a role may open that could show a person or a dwelling."""
    out: list[tuple[str, str, dict[str, Any] | None]] = []
    for q in ("name=Adopted", "name=Sealy+Adopted", "name=Outer", "name=Victim", "name=Perp",
              "postcode=AB8+8QQ", "dob=2016-02-02", "dob=1980-05-05", "source_id=ER-R010-OLD", "source_id=CSC-S001"):
        out += [("GET", f"/search?{q}", None), ("GET", f"/api/search?{q}", None)]
    for rid in PEOPLE:
        out += [("GET", f"/residents/{rid}", None), ("GET", f"/residents/{rid}/family", None),
                ("GET", f"/residents/{rid}/timeline?family=1", None), ("GET", f"/network/resident/{rid}", None),
                ("GET", f"/api/network/resident/{rid}?depth=3", None),
                ("GET", f"/api/network/expand?node=Resident:{rid}", None)]
    for node in ("Address:100011", "Address:100002", "Household:HH-100011", "Household:HH-100002"):
        out.append(("GET", f"/api/network/expand?node={node}", None))
    for q in load_library():
        if q.category == "detector" and role in q.roles:
            out += [("POST", f"/queries/{q.name}", {}), ("POST", f"/queries/{q.name}/export", {})]
    out += [("GET", "/insights", None)]
    return out


def shows(path: str, body: str, secrets: tuple[str, ...]) -> list[str]:
    """The secrets a page holds, leaving out what the request itself asked for (a search form and the
    network's centre node echo the typed key back; that comes from the user, not from the store)."""
    asked = unquote_plus(path)
    return [x for x in secrets if x in body and x not in asked]


@pytest.fixture(scope="module")
def pages(app: Flask) -> list[tuple[str, str, int, str]]:
    """(session, path, status, body) for every page above that answered 200, fetched as each session (a
    refusal or not-found page may echo the key that was asked for; it holds nothing from the store)."""
    got = []
    for name, (role, purpose, case_ref) in SESSIONS.items():
        s = Session(app, role, purpose=(purpose, case_ref))
        for method, path, form in _paths(role):
            r = s.get(path) if method == "GET" else s.post(path, form)
            assert r.status_code < 500, (name, path, r.status_code)
            if r.status_code == 200:
                got.append((name, path, r.status_code, r.get_data(as_text=True)))
    return got


def test_pages_answer(pages: list) -> None:
    ok = {(s, p) for s, p, c, _ in pages}
    assert ("fraud", "/residents/R010") in ok and ("analyst", "/queries/spd_other_adults") in ok


def test_sealed_resident_is_in_no_page(pages: list) -> None:
    bad = sorted({(s, p, x) for s, p, _, body in pages if s != "ig_sar" for x in shows(p, body, SEALED)})
    assert not bad, bad


def test_opted_out_resident_is_in_no_planning_page(pages: list) -> None:
    bad = sorted({(s, p, x) for s, p, _, body in pages if s in PLANNING for x in shows(p, body, OPTED_OUT)})
    assert not bad, bad
    # casework still finds them: the opt-out is for research and planning
    assert any("Opty" in body for s, p, c, body in pages if s == "fraud" and p == "/search?name=Outer")


def test_refuge_is_in_no_other_persons_page(pages: list) -> None:
    own = {f"/residents/{OCC}" for OCC in ("R009",)}  # her own person page shows her dwelling, marked protected
    bad = sorted({(s, p, x) for s, p, _, body in pages if p not in own for x in shows(p, body, REFUGE[:3])})
    assert not bad, bad


def test_the_page_check_can_fail(pages: list) -> None:
    """The refuge's UPRN really is on its occupant's own page, so the search above looks at real HTML."""
    assert any("100011" in body for s, p, c, body in pages if p == "/residents/R009" and c == 200)
