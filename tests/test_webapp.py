"""The web app on a real embedded FalkorDB: what each role sees and cannot see, authorisation on every
route (403 + audit entry), CSRF, lock-out, unapproved accounts, escaping and the audit log."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_app
from flask import Flask
from flask.testing import FlaskClient

import webapp
from webapp import accounts, policy

XSS = '<script>window.__xss=1</script>'
ROLES = ("fraud_investigator", "social_worker", "analyst", "ig_officer", "administrator")
PASSWORD = "correct horse battery"
# The purpose each role's test session states after logging in (issue 7): (purpose, case reference).
PURPOSES = {"fraud_investigator": ("fraud_investigation", "FRAUD-2025-001"),
            "social_worker": ("safeguarding", "SG-2025-042"), "analyst": ("service_planning", ""),
            "ig_officer": ("subject_access", "SAR-2025-007")}


def basis_for(purpose: str) -> str:
    """The first legal basis the policy allows for a purpose (all of them until bases are per purpose)."""
    from graph.access import load_policy

    p = load_policy().purposes[purpose]
    return (getattr(p, "legal_bases", None) or load_policy().legal_bases)[0]


@pytest.fixture(scope="module")
def app(borough_store: Any, fixture_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(tmp_path_factory.mktemp("webapp"), borough_store, fixture_index, ROLES, password=PASSWORD, TESTING=True)
    yield app


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)


class Session:
    """A test client logged in as one user, that knows its CSRF token."""

    def __init__(self, app: Flask, username: str | None = None, password: str = PASSWORD,
                 purpose: tuple[str, str] | None | str = "default") -> None:
        self.c: FlaskClient = app.test_client()
        self.token = csrf_of(self.c.get("/login").text)
        if username:
            r = self.login(username, password)
            assert r.status_code == 302, r.text
            chosen = PURPOSES.get(username) if purpose == "default" else purpose
            if chosen:
                self.state_purpose(*chosen)

    def state_purpose(self, purpose: str, case_ref: str = "", legal_basis: str | None = None,
                      next_path: str = "/") -> Any:
        r = self.post("/purpose", {"purpose": purpose, "legal_basis": legal_basis or basis_for(purpose),
                                   "case_ref": case_ref, "next": next_path})
        assert r.status_code == 302, r.text
        return r

    def login(self, username: str, password: str) -> Any:
        r = self.c.post("/login", data={"username": username, "password": password, "csrf_token": self.token})
        if r.status_code == 302:  # a new session on login, with a new CSRF token
            self.token = self.c.get("/api/me").get_json()["csrf_token"]
        return r

    def get(self, path: str, **kw: Any) -> Any:
        return self.c.get(path, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.c.post(path, data={"csrf_token": self.token, **(data or {})}, **kw)


@pytest.fixture(scope="module")
def as_role(app: Flask) -> dict[str, Session]:
    return {role: Session(app, role) for role in ROLES}


def audit_rows(app: Flask, **filters: Any) -> list[Any]:
    from webapp import audit

    with app.test_request_context():
        return audit.search(**filters)


def network_json(s: Session, rid: str) -> dict[str, Any]:
    r = s.get(f"/api/network/resident/{rid}?depth=2")
    assert r.status_code == 200, r.text
    return r.get_json()


# -- what each role sees --------------------------------------------------------------------------------
def test_social_worker_sees_care_but_no_council_tax(as_role: dict[str, Session]) -> None:
    page = as_role["social_worker"].get("/residents/R001").text
    assert "CSC-4001" in page and "childrens_social_care" in page
    assert "CT-1001" not in page and "council_tax" not in page and "single person discount" not in page
    assert "5 source records" not in page and "not shown" not in page  # not even a hint of hidden sources
    net = network_json(as_role["social_worker"], "R001")
    claim_types = {e["label"] for e in net["edges"] if e["type"] == "CLAIMS"}
    assert claim_types and not any("single person" in c for c in claim_types)
    assert not {e["source_system"] for e in net["edges"]} & {"council_tax", "dwp_benefits", "housing_benefit"}
    assert "council_tax" not in json.dumps(net)


def test_fraud_investigator_sees_claims_but_no_social_care(as_role: dict[str, Session]) -> None:
    s = as_role["fraud_investigator"]
    page = s.get("/residents/R001").text
    assert "CT-1001" in page and "single person discount" in page
    assert "CSC-4001" not in page and "childrens_social_care" not in page
    net = network_json(s, "R001")
    dump = json.dumps(net)
    for hidden in ("childrens_social_care", "adult_social_care", "police_contacts", "blue_light_callouts",
                   "Police", "domestic incident"):
        assert hidden not in dump
    assert any(e["type"] == "CLAIMS" and "single person discount" in e["label"] for e in net["edges"])
    timeline = s.get("/residents/R002/timeline?family=1").text
    assert "domestic incident" not in timeline and "referral" not in timeline


def test_social_worker_sees_contacts_on_the_family_timeline(as_role: dict[str, Session]) -> None:
    page = as_role["social_worker"].get("/residents/R003/timeline?family=1").text
    assert "domestic incident" in page and "referral" in page and "Zara Khan" in page and "Tom Khan" in page


def test_provenance_is_cut_per_field_by_source(as_role: dict[str, Session]) -> None:
    # R001's names come from council_tax (hidden from social workers), sex from gp_registration (visible)
    sw = as_role["social_worker"].get("/residents/R001").text
    assert "COU-R001" not in sw and "GP_-R001" in sw and "most trusted source" in sw
    fi = as_role["fraud_investigator"].get("/residents/R001").text
    assert "COU-R001" in fi and "most recent" in fi


def test_identifiers_follow_their_source_system(as_role: dict[str, Session]) -> None:
    # NI numbers come from DWP/housing benefit: the social worker role sees neither.
    assert "QQ000001C" not in as_role["social_worker"].get("/residents/R001").text
    assert "QQ000001C" in as_role["fraud_investigator"].get("/residents/R001").text


def test_resident_held_only_in_hidden_sources_is_not_found(as_role: dict[str, Session]) -> None:
    # R007 is only in council tax: a social worker cannot tell them apart from nobody.
    r = as_role["social_worker"].get("/residents/R007")
    assert r.status_code == 404
    assert "Hidden Councilonly" not in as_role["social_worker"].get("/search?name=Councilonly").text
    assert "Hidden Councilonly" in as_role["fraud_investigator"].get("/search?name=Councilonly").text


def test_analyst_sees_no_names(as_role: dict[str, Session]) -> None:
    s = as_role["analyst"]
    for path in ("/search?name=Khan", "/residents/R001", "/network/resident/R001", "/residents/R001/family",
                 "/residents/R001/timeline", "/api/search?name=Khan", "/api/network/resident/R001"):
        assert s.get(path).status_code == 403, path
    page = s.get("/insights").text
    assert "Riverside" in page and "Khan" not in page and "&lt;5" in page
    r = s.post("/queries/spd_other_adults", {"min_sources": "2"})
    assert r.status_code == 200 and 'id="query-summary"' in r.text and "1 row matched" in r.text
    # pseudonymised analyst mode (issue 7, tests/test_webapp_pseudonyms.py): pseudonyms and wards, no names
    for personal in ("Khan", "Flat 4", "R001", "open in network"):
        assert personal not in r.text
    api = s.c.post("/api/queries/spd_other_adults", json={"params": {}}, headers={"X-CSRF-Token": s.token})
    assert api.get_json() == {"aggregate": {"rows": 1, "by_ward": {"Riverside": None}}}
    export = s.post("/queries/spd_other_adults/export", {"min_sources": "2"})
    assert export.status_code == 200 and "Khan" not in export.text and "R001" not in export.text


def test_administrator_manages_accounts_only(as_role: dict[str, Session]) -> None:
    s = as_role["administrator"]
    assert s.get("/admin/accounts").status_code == 200
    for path in ("/search?name=Khan", "/residents/R001", "/queries", "/insights", "/audit"):
        assert s.get(path).status_code == 403, path


def test_search_is_typo_tolerant_and_by_every_key(as_role: dict[str, Session]) -> None:
    s = as_role["social_worker"]
    assert "Kathryn Smyth-Jones" in s.get("/search?name=Catherine+Smith-Jones").text
    assert "Kathryn Smyth-Jones" in s.get("/search?name=Jones").text
    assert "Zara Khan" in s.get("/search?dob=09/06/2015").text
    assert "Amira Khan" in s.get("/search?postcode=ab12cd").text
    assert "Zara Khan" in s.get("/search?source_id=SC-6003").text
    # a record ID from a source the role cannot see finds nobody
    assert "Amira Khan" not in s.get("/search?source_id=CT-1001").text
    assert s.get("/search?dob=not-a-date").status_code == 400


def test_resident_page_shows_provenance_confidence_and_why_linked(as_role: dict[str, Session]) -> None:
    page = as_role["ig_officer"].get("/residents/R001").text
    assert "most recent" in page  # the golden record's provenance (every source visible to IG)
    assert 'class="conf uncertain">62%' in page  # the uncertain electoral-register link
    assert "Why linked" in page and "jaro-winkler" in page
    assert "Flat 4, 12 High Street" in page and "3 Mill Lane" in page  # addresses over time
    assert "Tom Khan" in page and "Zara Khan" in page  # household


def test_protected_address_is_never_shown(as_role: dict[str, Session]) -> None:
    s = as_role["social_worker"]
    assert "secret street" not in s.get("/residents/R006").text
    assert "Protected address" in s.get("/residents/R006").text
    assert "secret street" not in json.dumps(network_json(s, "R006"))


# -- network view ---------------------------------------------------------------------------------------
def test_network_styles_labels_and_confidence(as_role: dict[str, Session]) -> None:
    net = network_json(as_role["ig_officer"], "R001")
    kinds = {n["kind"]: n["shape"] for n in net["nodes"]}
    assert kinds["Resident"] == "dot" and kinds["Address"] == "square" and kinds["Household"] == "triangle"
    uncertain = [e for e in net["edges"] if e["uncertain"]]
    assert uncertain and all(e["dashes"] for e in uncertain) and "62%" in uncertain[0]["label"]
    lives = [e for e in net["edges"] if e["type"] == "LIVES_AT"]
    assert any("2016" in e["label"] and "housing_tenancy" in e["label"] for e in lives)


def test_supernode_is_capped_with_a_message(app: Flask, as_role: dict[str, Session]) -> None:
    s = as_role["fraud_investigator"]
    page = s.get("/network/address/100009").text
    assert 'id="cap-warning"' in page and "has 60" in page
    data = json.loads(re.search(r'<script type="application/json" id="network-data">(.*?)</script>', page, re.S)[1])
    residents = [n for n in data["nodes"] if n["kind"] == "Resident"]
    assert len(residents) == app.config["NETWORK_CAP"]
    r = s.get("/api/network/expand?node=Address:100009").get_json()
    assert r["capped"][0]["total"] == 60


def test_expand_rejects_unknown_node_kinds(as_role: dict[str, Session]) -> None:
    r = as_role["ig_officer"].get("/api/network/expand?node=Agency:Police")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_input"


def test_network_page_loads_only_local_assets(as_role: dict[str, Session]) -> None:
    page = as_role["ig_officer"].get("/network/resident/R001").text
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "/static/vendor/vis-network.min.js" in page
    r = as_role["ig_officer"].get("/static/vendor/vis-network.min.js")
    assert r.status_code == 200 and len(r.data) > 100_000
    r.close()


# -- escaping -------------------------------------------------------------------------------------------
def test_script_in_a_name_is_escaped_everywhere(as_role: dict[str, Session]) -> None:
    s = as_role["social_worker"]
    for path in ("/search?name=O%27Neil", "/residents/R005", "/residents/R005/family", "/network/resident/R005",
                 "/residents/R004", "/residents/R005/timeline"):
        page = s.get(path).text
        assert XSS not in page, path
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in s.get("/residents/R005").text
    net = network_json(s, "R005")
    node = next(n for n in net["nodes"] if n["id"] == "Resident:R005")
    assert "<script>" not in node["title"] and "&lt;script&gt;" in node["title"]


# -- saved queries --------------------------------------------------------------------------------------
def test_detector_runs_with_evidence_and_opens_in_network(app: Flask, as_role: dict[str, Session]) -> None:
    s = as_role["fraud_investigator"]
    listing = s.get("/queries").text
    assert "spd_other_adults" in listing and "app_search" not in listing
    form = s.get("/queries/spd_other_adults").text
    default = app.extensions["residex_library"].get("spd_other_adults").param("min_sources").default
    assert 'name="min_sources"' in form and f'value="{default}"' in form  # the form comes from the header
    r = s.post("/queries/spd_other_adults", {"min_sources": "2"})
    assert r.status_code == 200
    assert "Amira Khan" in r.text and "single-person discount claimed" in r.text
    assert 'href="/network/resident/R001"' in r.text


def test_export_is_audited_and_formula_safe(app: Flask, as_role: dict[str, Session]) -> None:
    r = as_role["fraud_investigator"].post("/queries/spd_other_adults/export", {"min_sources": "2"})
    assert r.status_code == 200 and r.mimetype == "text/csv" and "R001" in r.text
    assert any(e.action == "export" for e in audit_rows(app, username="fraud_investigator"))


def test_bad_parameter_is_a_clear_400(as_role: dict[str, Session]) -> None:
    r = as_role["fraud_investigator"].post("/queries/spd_other_adults", {"min_sources": "two"})
    assert r.status_code == 400 and "min_sources" in r.text


def test_json_query_needs_csrf_header(as_role: dict[str, Session]) -> None:
    s = as_role["fraud_investigator"]
    body = {"params": {"min_sources": 2}}
    r = s.c.post("/api/queries/spd_other_adults", json=body)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf"
    r = s.c.post("/api/queries/spd_other_adults", json=body, headers={"X-CSRF-Token": s.token})
    assert r.status_code == 200 and r.get_json()["rows"][0]["resident_id"] == "R001"


def test_reserved_params_cannot_come_from_a_request(as_role: dict[str, Session]) -> None:
    s = as_role["social_worker"]
    r = s.c.post("/api/queries/overcrowding", json={"params": {"access_sources": ["council_tax"]}},
                 headers={"X-CSRF-Token": s.token})
    assert r.status_code == 400 and "access_sources" in r.get_json()["error"]["message"]


# -- authorisation on every route -----------------------------------------------------------------------
SAMPLE_ARGS = {"resident_id": "R001", "kind": "resident", "key": "R001", "name": "spd_other_adults",
               "username": "analyst", "measure": "residents_by_ward", "pseudonym": "P-r001", "attempt_id": 1}


def _guarded_routes(app: Flask) -> list[tuple[str, str, frozenset[str]]]:
    out = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        allowed = getattr(view, "allowed_roles", None)
        if allowed is None:
            continue
        url = rule.build({a: SAMPLE_ARGS[a] for a in rule.arguments})[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((method, url, allowed))
    return out


def test_every_route_is_guarded_or_public(app: Flask) -> None:
    public = {"auth.login", "auth.logout", "auth.register", "static", "health", "main.home", "api.me"}
    no_purpose = {"admin.accounts_page", "admin.change", "admin.create", "purpose.state"}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        guarded = hasattr(view, "allowed_roles")
        assert guarded or rule.endpoint in public, f"{rule.endpoint} has no role check"
        if guarded:  # every page of personal data or queries needs a stated purpose (issue 7)
            assert view.needs_purpose == (rule.endpoint not in no_purpose), rule.endpoint


def test_other_roles_get_403_and_an_audit_entry(app: Flask, as_role: dict[str, Session]) -> None:
    routes = _guarded_routes(app)
    assert len(routes) >= 15
    checked = 0
    for method, url, allowed in routes:
        for role in ROLES:
            if role in allowed:
                continue
            s = as_role[role]
            before = len(audit_rows(app, username=role, action="refused"))
            if method == "GET":
                r = s.get(url)
            elif url.startswith("/api/"):
                r = s.c.post(url, headers={"X-CSRF-Token": s.token}, json={})
            else:
                r = s.post(url)
            assert r.status_code == 403, (method, url, role, r.status_code)
            after = audit_rows(app, username=role, action="refused")
            assert len(after) == before + 1 and after[0].outcome == "refused", (method, url, role)
            if url.startswith("/api/"):
                assert r.get_json()["error"]["status"] == 403
            checked += 1
    assert checked > 30


def test_running_another_roles_query_is_refused_and_audited(app: Flask, as_role: dict[str, Session]) -> None:
    s = as_role["social_worker"]  # spd_other_adults is for fraud investigators, analysts and IG
    assert "spd_other_adults" not in s.get("/queries").text
    r = s.post("/queries/spd_other_adults", {"min_sources": "2"})
    assert r.status_code == 403
    r = s.c.post("/api/queries/spd_other_adults", json={"params": {}}, headers={"X-CSRF-Token": s.token})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    refused = audit_rows(app, username="social_worker", action="refused")
    assert any("spd_other_adults" in e.path for e in refused)


def test_app_queries_are_not_runnable_from_the_query_page(as_role: dict[str, Session]) -> None:
    assert as_role["ig_officer"].get("/queries/app_resident?resident_id=R001").status_code == 404


def test_anonymous_requests_go_to_login(app: Flask) -> None:
    c = app.test_client()
    r = c.get("/residents/R001")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = c.get("/api/search?name=Khan")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorised"


# -- CSRF, lock-out, approval, cookies ------------------------------------------------------------------
def test_forms_need_the_csrf_token(app: Flask, as_role: dict[str, Session]) -> None:
    c = app.test_client()
    r = c.post("/login", data={"username": "analyst", "password": PASSWORD})
    assert r.status_code == 400
    s = as_role["administrator"]
    r = s.c.post("/admin/accounts/analyst", data={"action": "unlock"})
    assert r.status_code == 400
    r = s.c.post("/admin/accounts/analyst", data={"action": "unlock", "csrf_token": "forged"})
    assert r.status_code == 400
    assert any(e.action == "csrf_refused" for e in audit_rows(app, username="administrator"))


def test_logout_needs_post_and_ends_the_session(app: Flask) -> None:
    s = Session(app, "ig_officer")
    assert s.get("/audit").status_code == 200
    assert s.get("/logout").status_code == 405
    assert s.post("/logout").status_code == 302
    assert s.get("/audit").status_code == 302


def test_lock_out_after_repeated_failures(app: Flask) -> None:
    with app.app_context():
        accounts.create_user("locky", PASSWORD, "social_worker", approved=True)
    s = Session(app)
    for _ in range(accounts.MAX_FAILURES):
        assert s.login("locky", "wrong password!").status_code == 401
    r = s.login("locky", PASSWORD)
    assert r.status_code == 401 and "locked" in r.text
    admin = Session(app, "administrator")
    assert "locked" in admin.get("/admin/accounts").text
    assert admin.post("/admin/accounts/locky", {"action": "unlock"}).status_code == 302
    assert s.login("locky", PASSWORD).status_code == 302
    outcomes = [e.outcome for e in audit_rows(app, username="locky", action="login")]
    assert "failed:locked_now" in outcomes and "failed:locked" in outcomes and outcomes[0] == "ok"


def test_unapproved_account_cannot_log_in_until_approved(app: Flask) -> None:
    s = Session(app)
    r = s.post("/register", {"username": "newbie", "password": PASSWORD, "password2": PASSWORD,
                             "role": "social_worker", "team": "Children's services"})
    assert r.status_code == 200 and "waits for an administrator" in r.text
    r = s.login("newbie", PASSWORD)
    assert r.status_code == 401 and "not been approved" in r.text
    admin = Session(app, "administrator")
    assert "awaiting approval" in admin.get("/admin/accounts").text
    admin.post("/admin/accounts/newbie", {"action": "approve"})
    assert s.login("newbie", PASSWORD).status_code == 302
    assert s.get("/search?name=Khan").status_code == 302  # to the purpose page first
    s.state_purpose("safeguarding", "SG-NEW-1")
    assert s.get("/search?name=Khan").status_code == 200


def test_register_cannot_ask_for_administrator(app: Flask) -> None:
    s = Session(app)
    r = s.post("/register", {"username": "sneaky", "password": PASSWORD, "password2": PASSWORD,
                             "role": "administrator"})
    assert r.status_code == 400
    with app.app_context():
        assert accounts.get_user("sneaky") is None


def test_passwords_are_hashed(app: Flask) -> None:
    db = app.extensions["residex_db"]
    hashes = [r[0] for r in db.query("SELECT password_hash FROM users")]
    assert hashes and all(PASSWORD not in h and h.startswith(("scrypt:", "pbkdf2:")) for h in hashes)


def test_session_cookie_flags(app: Flask, borough_store: Any, tmp_path: Path) -> None:
    r = Session(app).login("ig_officer", PASSWORD)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    local = webapp.create_app({"DATA_DIR": tmp_path, "STORE": borough_store, "LOCALHOST": True})
    with local.app_context():
        accounts.create_user("x", PASSWORD, "analyst", approved=True)
    r = Session(local).login("x", PASSWORD)
    assert "HttpOnly" in r.headers["Set-Cookie"] and "Secure" not in r.headers["Set-Cookie"]


def test_open_redirect_is_refused(app: Flask) -> None:
    s = Session(app)
    r = s.c.post("/login", data={"username": "ig_officer", "password": PASSWORD, "csrf_token": s.token,
                                 "next": "//evil.example/"})
    assert r.headers["Location"] == "/"


def test_security_headers(as_role: dict[str, Session]) -> None:
    r = as_role["ig_officer"].get("/residents/R001")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store" and r.headers["X-Frame-Options"] == "DENY"


# -- audit ----------------------------------------------------------------------------------------------
def test_person_views_searches_and_runs_are_audited(app: Flask, as_role: dict[str, Session]) -> None:
    s = as_role["ig_officer"]
    s.get("/residents/R004")
    s.get("/search?name=Khan")
    s.post("/queries/spd_other_adults", {"min_sources": "2"})
    entries = audit_rows(app, username="ig_officer")
    actions = {e.action for e in entries}
    assert {"view_person", "search", "run_query"} <= actions
    view = next(e for e in entries if e.action == "view_person" and e.detail.get("resident") == "R004")
    assert view.role == "ig_officer" and view.team == "Team ig_officer" and "R004" in view.resident_ids
    search = next(e for e in entries if e.action == "search")
    assert search.detail["criteria"] == {"surname": "Khan"} and "R001" in search.resident_ids


def test_ig_officer_filters_the_audit_log(app: Flask, as_role: dict[str, Session]) -> None:
    as_role["social_worker"].get("/residents/R003")
    page = as_role["ig_officer"].get("/audit?resident_id=R003&username=social_worker").text
    assert "view_person" in page and "social_worker" in page
    rows = re.findall(r"<tr class=\"[^\"]*\"><td>", page)
    assert rows
    page = as_role["ig_officer"].get("/audit?date_from=2000-01-01&date_to=2000-01-02").text
    assert "0 entries" in page
    assert as_role["ig_officer"].get("/audit?date_from=yesterday").status_code == 400


def test_audit_survives_a_restart(app: Flask, borough_store: Any) -> None:
    again = webapp.create_app({"DATA_DIR": app.config["DATA_DIR"], "STORE": borough_store})
    with again.test_request_context():
        from webapp import audit

        assert audit.search(action="view_person")


def test_views_policy_covers_every_role() -> None:
    views = policy.load_views()
    assert set(views) == set(ROLES)
    assert not views["analyst"].node_kinds and "search" not in views["analyst"].views


def test_demo_accounts_log_in(app: Flask) -> None:
    made = accounts.create_demo_accounts(app)
    assert {m[2] for m in made} == set(ROLES)
    user, password, role, _ = made[0]
    assert Session(app).login(user, password).status_code == 302
    again = accounts.create_demo_accounts(app)  # re-running gives fresh, working passwords
    assert Session(app).login(again[0][0], again[0][1]).status_code == 302


def test_timeline_claims_follow_the_role(as_role: dict[str, Session]) -> None:
    assert "single_person_discount" in as_role["fraud_investigator"].get("/residents/R001/timeline").text
    page = as_role["social_worker"].get("/residents/R001/timeline").text
    assert "single_person_discount" not in page and "council_tax" not in page
    assert "Fire and rescue" in page  # a blue-light call-out: social workers see it, fraud investigators do not
    assert "Fire and rescue" not in as_role["fraud_investigator"].get("/residents/R001/timeline").text


def test_family_view_names_relations_across_households(as_role: dict[str, Session]) -> None:
    page = as_role["social_worker"].get("/residents/R003/family").text
    assert "grandparent" in page and "Fatima Khan" in page and "3 Mill Lane" in page  # another household
    assert "Hidden Councilonly" not in page  # linked only by a council-tax record


def test_address_network_lists_everyone_over_time(as_role: dict[str, Session]) -> None:
    page = as_role["fraud_investigator"].get("/network/address/100002?depth=1").text
    assert 'id="address-history"' in page and "Fatima Khan" in page and "Amira Khan" in page


def test_command_line_query_runs_share_the_audit_log(app: Flask) -> None:
    from graph.access import load_policy
    from webapp.audit import record_cli_query

    access = load_policy().context(user="cli:alice", role="fraud_investigator", purpose="fraud_investigation",
                                   legal_basis=basis_for("fraud_investigation"), case_ref="CASE-9")
    record_cli_query(access, "spd_other_adults", {"min_sources": 2}, 1, ["R001"], data_dir=app.config["DATA_DIR"])
    entry = audit_rows(app, username="cli:alice")[0]
    assert entry.action == "run_query" and entry.detail["via"] == "cli" and entry.detail["case_ref"] == "CASE-9"
    assert entry.resident_ids == ["R001"] and audit_rows(app, resident_id="R001", username="cli:alice")
    assert (entry.purpose, entry.case_ref) == ("fraud_investigation", "CASE-9") and entry.legal_basis
