"""Pseudonymised analyst mode, re-identification with a justification and the IG review page, on the
real fixture borough (embedded FalkorDB): what an analyst's HTML and CSV may carry, that pseudonyms are
keyed and stable, and that every re-identification attempt is logged with its justification."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ADDRESSES, CLAIMS, CONTACTS, RECORDS, RESIDENTS, make_app
from flask import Flask
from flask.testing import FlaskClient

from graph.access import load_policy

PASSWORD = "correct horse battery"
ROLES = ("fraud_investigator", "social_worker", "analyst", "ig_officer")
PURPOSES = {"analyst": ("service_planning", ""), "fraud_investigator": ("fraud_investigation", "FR-1"),
            "social_worker": ("safeguarding", "SG-1"), "ig_officer": ("audit_review", "")}
GOOD_REASON = "Council tax reduction fraud referral FR-1: the claimant household composition must be verified."


def identifying() -> list[str]:
    """Every fixture value that identifies someone: names, DOBs, address text, postcodes, UPRNs, record
    IDs and keys, resident IDs."""
    out: set[str] = set()
    for r in RESIDENTS:
        out |= {r["first_name"], r["last_name"], r["dob"], r["resident_id"], r["ni_number"], r["nhs_number"]}
    for a in ADDRESSES:
        out |= {a["address_text"], a["postcode"], a["uprn"]}
    for s in RECORDS:
        out |= {s[1], f"{s[0]}:{s[1]}"}
    for c in CONTACTS:
        out |= {c[2]}
    for c in CLAIMS:
        out |= {c[2], c[7]}
    return sorted(x for x in out if x and len(x) > 2 and "<script>" not in x)


def leaks(text: str, allow: tuple[str, ...] = ()) -> list[str]:
    return [x for x in identifying() if x in text and x not in allow]


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)


class Session:
    def __init__(self, app: Flask, username: str) -> None:
        self.c: FlaskClient = app.test_client()
        token = csrf_of(self.c.get("/login").text)
        r = self.c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 302, r.text
        self.token = self.c.get("/api/me").get_json()["csrf_token"]
        purpose, case = PURPOSES[username]
        basis = load_policy().purposes[purpose].legal_bases[0]
        r = self.post("/purpose", {"purpose": purpose, "legal_basis": basis, "case_ref": case, "next": "/"})
        assert r.status_code == 302, r.text

    def get(self, path: str) -> Any:
        return self.c.get(path)

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.c.post(path, data={"csrf_token": self.token, **(data or {})})


@pytest.fixture(scope="module")
def app(borough_store: Any, fixture_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(tmp_path_factory.mktemp("webapp-pseud"), borough_store, fixture_index, ROLES, password=PASSWORD, TESTING=True)
    yield app


@pytest.fixture(scope="module")
def s(app: Flask) -> dict[str, Session]:
    return {role: Session(app, role) for role in ROLES}


def attempts(app: Flask, **kw: Any) -> list[Any]:
    from webapp import reidentify

    with app.app_context():
        return reidentify.attempts(**kw)


def audit_rows(app: Flask, **kw: Any) -> list[Any]:
    from webapp import audit

    with app.test_request_context():
        return audit.search(**kw)


# -- pseudonymised rows and pages ----------------------------------------------------------------------
def test_analyst_rows_are_pseudonymised_in_html_and_csv(app: Flask, s: dict[str, Session]) -> None:
    a = s["analyst"]
    r = a.post("/queries/spd_other_adults", {"min_sources": "2"})
    assert r.status_code == 200, r.text
    assert 'href="/pseudonym/P-r001"' in r.text and "Riverside" in r.text  # the claimant, as a pseudonym
    assert leaks(r.text) == [], leaks(r.text)
    assert "open in network" not in r.text
    csv = a.post("/queries/spd_other_adults/export", {"min_sources": "2"})
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "P-r001" in csv.text and "Riverside" in csv.text
    assert leaks(csv.text) == [], leaks(csv.text)
    entry = audit_rows(app, username="analyst", action="export")[0]
    assert entry.detail["shown"] == "pseudonymised" and entry.resident_ids == []


def test_a_detector_with_personal_columns_keeps_only_safe_ones(s: dict[str, Session]) -> None:
    r = s["analyst"].post("/queries/person_timeline", {"resident_id": "R002"})
    assert r.status_code == 200, r.text
    body = r.text.replace('value="R002"', "")  # the form echoes the parameter the analyst typed
    assert "P-r002" in body and leaks(body) == [], leaks(body)


def test_the_fraud_investigator_still_sees_named_rows(s: dict[str, Session]) -> None:
    r = s["fraud_investigator"].post("/queries/spd_other_adults", {"min_sources": "2"})
    assert "Amira Khan" in r.text and "open in network" in r.text


def test_pseudonym_page_identifies_nobody(app: Flask, s: dict[str, Session]) -> None:
    r = s["analyst"].get("/pseudonym/P-r001")
    assert r.status_code == 200, r.text
    page = r.text
    assert "Riverside" in page and "40-44" in page  # ward and age band (born 1985), never the DOB
    assert "single person discount" in page and "council tenancy" in page  # claims by type
    assert "Fire and rescue" in page and "call-out" in page  # contacts by agency and type
    for relative in ("P-r002", "P-r003", "P-r004", "P-r007"):  # family links as pseudonyms
        assert f'href="/pseudonym/{relative}"' in page
    assert leaks(page) == [], leaks(page)
    assert audit_rows(app, username="analyst", action="view_pseudonym")[0].detail["pseudonym"] == "P-r001"


def test_a_protected_address_withholds_even_the_ward(s: dict[str, Session]) -> None:
    page = s["analyst"].get("/pseudonym/P-r006").text
    assert "withheld" in page and "Central" not in page and leaks(page) == []


def test_unknown_or_malformed_pseudonym_is_not_found(s: dict[str, Session]) -> None:
    assert s["analyst"].get("/pseudonym/P-nobody").status_code == 404
    assert s["analyst"].get("/pseudonym/R001").status_code == 404


def test_pseudonyms_are_keyed_and_stable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.pseudonym import KEY_ENV, load_key, pseudonym, pseudonyms

    monkeypatch.delenv(KEY_ENV, raising=False)
    one, two = load_key(tmp_path / "a"), load_key(tmp_path / "a")  # two app instances, one key file
    assert one == two and pseudonym(one, "R001") == pseudonym(two, "R001")
    other = load_key(tmp_path / "b")  # another installation: another key
    assert other != one and pseudonym(other, "R001") != pseudonym(one, "R001")
    assert pseudonyms(one, ["R001", "R002"]) == [pseudonym(one, "R001"), pseudonym(one, "R002")]
    assert "R001" not in pseudonym(one, "R001") and re.fullmatch(r"P-[0-9a-f]{12}", pseudonym(one, "R001"))
    monkeypatch.setenv(KEY_ENV, "a key held outside the graph")
    assert pseudonym(load_key(tmp_path / "c"), "R001") == pseudonym(load_key(tmp_path / "d"), "R001")


# -- re-identification ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("justification", "message"), [
    ("", "justification is required"),
    ("because", "at least 30 characters"),
    ("a" * 45, "not repeated characters"),
    ("                                          ", "justification is required"),
])
def test_reidentify_needs_a_real_justification(app: Flask, s: dict[str, Session], justification: str,
                                               message: str) -> None:
    before = len(attempts(app, username="fraud_investigator"))
    r = s["fraud_investigator"].post("/reidentify", {"pseudonym": "P-r001", "case_ref": "FR-1",
                                                     "justification": justification})
    assert r.status_code == 400 and message in r.text
    logged = attempts(app, username="fraud_investigator")
    assert len(logged) == before + 1 and logged[0].outcome == "refused" and logged[0].resident_id == ""
    assert audit_rows(app, username="fraud_investigator", action="reidentify")[0].outcome == "refused"


def test_reidentify_needs_a_case_reference(app: Flask, s: dict[str, Session]) -> None:
    r = s["fraud_investigator"].post("/reidentify", {"pseudonym": "P-r001", "case_ref": " ",
                                                     "justification": GOOD_REASON})
    assert r.status_code == 400 and "case reference is required" in r.text
    assert attempts(app, username="fraud_investigator")[0].outcome == "refused"


def test_reidentify_with_justification_is_logged_and_reviewed(app: Flask, s: dict[str, Session]) -> None:
    r = s["fraud_investigator"].post("/reidentify", {"pseudonym": "P-r001", "case_ref": "FR-1",
                                                     "justification": GOOD_REASON})
    assert r.status_code == 302 and r.headers["Location"].endswith("/residents/R001")
    a = attempts(app, username="fraud_investigator")[0]
    assert (a.outcome, a.resident_id, a.pseudonym, a.justification, a.case_ref) == \
        ("reidentified", "R001", "P-r001", GOOD_REASON, "FR-1")
    assert a.purpose == "fraud_investigation" and a.legal_basis and a.role == "fraud_investigator"
    assert a.team == "Team fraud_investigator" and a.ts
    entry = audit_rows(app, username="fraud_investigator", action="reidentify")[0]
    assert entry.outcome == "ok" and entry.resident_ids == ["R001"] and entry.detail["justification"] == GOOD_REASON

    ig = s["ig_officer"]
    page = ig.get("/review").text
    assert GOOD_REASON in page and "P-r001" in page and "fraud_investigation" in page and "FR-1" in page
    unreviewed = int(re.search(r'id="unreviewed-count"><strong>(\d+)', page).group(1))
    assert unreviewed >= 1
    assert GOOD_REASON not in ig.get("/review?username=social_worker").text  # filter by user
    assert GOOD_REASON not in ig.get("/review?date_to=2000-01-01").text  # filter by date
    r = ig.post(f"/review/{a.id}", {"outcome": "concern", "note": "case FR-1 closed a month ago"})
    assert r.status_code == 302
    page = ig.get("/review").text
    assert int(re.search(r'id="unreviewed-count"><strong>(\d+)', page).group(1)) == unreviewed - 1
    assert "case FR-1 closed a month ago" in page
    review = audit_rows(app, username="ig_officer", action="review_reidentification")[0]
    assert review.detail["attempt"] == a.id and review.detail["review_outcome"] == "concern"
    assert review.resident_ids == ["R001"]
    assert ig.post(f"/review/{a.id}", {"outcome": "fine"}).status_code == 400


def test_hidden_resident_is_not_found_and_logged(app: Flask, s: dict[str, Session]) -> None:
    # R007 is only in council tax, which the social worker cannot see: absent and hidden look the same
    r = s["social_worker"].post("/reidentify", {"pseudonym": "P-r007", "case_ref": "SG-1",
                                                "justification": "Safeguarding strategy meeting needs "
                                                                 "this sibling identified for checks."})
    assert r.status_code == 404 and "Councilonly" not in r.text
    a = attempts(app, username="social_worker")[0]
    assert a.outcome == "not_found" and a.resident_id == "" and a.pseudonym == "P-r007"


def test_analyst_cannot_reidentify(app: Flask, s: dict[str, Session]) -> None:
    r = s["analyst"].post("/reidentify", {"pseudonym": "P-r001", "case_ref": "X",
                                          "justification": GOOD_REASON})
    assert r.status_code == 403 and "Khan" not in r.text and "R001" not in r.text
    a = attempts(app, username="analyst")[0]
    assert a.outcome == "refused" and a.resident_id == "" and a.justification == GOOD_REASON
    assert audit_rows(app, username="analyst", action="refused")
    assert s["analyst"].get("/review").status_code == 403
    assert s["fraud_investigator"].get("/review").status_code == 403
