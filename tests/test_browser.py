"""The web app in Debian's chromium through Playwright: each role logs in and the test checks what it
sees and cannot see, including inside the network view's data; a detector row opens in the network
view; a name holding a script tag renders as text; no page requests anything from another host."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
PASSWORD = "browser test password"
ROLES = ("fraud_investigator", "social_worker", "analyst", "ig_officer", "administrator")
CHROMIUM = shutil.which("chromium")
PURPOSES = {"fraud_investigator": ("fraud_investigation", "FRAUD-B-1"), "social_worker": ("safeguarding", "SG-B-1"),
            "analyst": ("service_planning", ""), "ig_officer": ("subject_access", "SAR-B-1")}


@pytest.fixture(scope="module")
def live(borough_store: Any, fixture_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from conftest import LiveServer, make_app

    app = make_app(tmp_path_factory.mktemp("webapp-browser"), borough_store, fixture_index, ROLES,
                   password=PASSWORD, LOCALHOST=True)
    server = LiveServer(app)
    yield server
    server.stop()


class Visit:
    """One browser context logged in as a role; records every request's URL."""

    def __init__(self, browser: Any, live: Any, role: str) -> None:
        self.live = live
        self.ctx = browser.new_context(viewport={"width": 1360, "height": 900})
        self.page = self.ctx.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     and "status of 403" not in m.text and "status of 404" not in m.text else None)
        self.page.goto(live.url + "/login")
        self.page.fill("input[name=username]", role)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        if role in PURPOSES:
            self.state_purpose(*PURPOSES[role])

    def state_purpose(self, purpose: str, case_ref: str = "") -> None:
        """Issue 7: state the session's purpose, legal basis and case reference on /purpose."""
        from test_webapp import basis_for

        if "/purpose" not in self.page.url:
            self.go("/purpose")
        self.page.check(f"input[name=purpose][value={purpose}]")
        self.page.select_option("#legal-basis", basis_for(purpose))
        self.page.fill("#case-ref", case_ref)
        self.page.click("#purpose-form button[type=submit]")
        self.page.wait_for_load_state()

    def go(self, path: str) -> Any:
        return self.page.goto(self.live.url + path)

    def network_data(self) -> dict[str, Any]:
        self.page.wait_for_selector("#network[data-ready='1']", timeout=15000)
        return self.page.evaluate("""() => ({
            nodes: residexNetwork.nodes.get().map(n => ({id: n.id, kind: n.kind, title: n.titleHtml, label: n.label})),
            edges: residexNetwork.edges.get().map(e => ({id: e.id, type: e.type, source_system: e.source_system,
                                                       label: e.label, uncertain: e.uncertain, hidden: !!e.hidden}))})""")

    def close(self) -> None:
        foreign = [u for u in self.requests if not u.startswith(self.live.url) and not u.startswith("data:")]
        assert not foreign, f"requests to other hosts: {foreign}"
        assert not self.errors, f"JavaScript errors: {self.errors}"
        self.ctx.close()


@pytest.fixture
def visit(browser: Any, live: Any) -> Iterator[Any]:
    opened: list[Visit] = []

    def open_as(role: str) -> Visit:
        v = Visit(browser, live, role)
        opened.append(v)
        return v

    yield open_as
    for v in opened:
        v.close()


def _text(v: Visit) -> str:
    return v.page.inner_text("body")


def test_fraud_investigator(visit: Any) -> None:
    v = visit("fraud_investigator")
    assert v.page.url.endswith("/search")
    nav = v.page.inner_text("header nav")
    assert "Search" in nav and "Audit log" not in nav and "Accounts" not in nav
    v.page.fill("input[name=name]", "Amira Khan")
    v.page.click("#search-form button")
    v.page.click("a.person:has-text('Amira Khan')")
    body = _text(v)
    assert "CT-1001" in body and "single person discount" in body
    assert "CSC-4001" not in body and "childrens_social_care" not in body
    v.go("/network/resident/R001")
    data = v.network_data()
    sources = {e["source_system"] for e in data["edges"]}
    assert "council_tax" in sources
    assert not sources & {"childrens_social_care", "adult_social_care", "police_contacts", "blue_light_callouts"}
    assert not [n for n in data["nodes"] if n["kind"] == "AgencyContact" and "Police" in (n["title"] or "")]
    v.go("/audit")
    assert "403" in _text(v)


def test_social_worker(visit: Any) -> None:
    v = visit("social_worker")
    v.go("/residents/R001")
    body = _text(v)
    assert "CSC-4001" in body and "CT-1001" not in body and "council_tax" not in body
    v.go("/network/resident/R001")
    data = v.network_data()
    sources = {e["source_system"] for e in data["edges"]}
    assert "childrens_social_care" in sources or "school_census" in sources
    assert not sources & {"council_tax", "dwp_benefits", "housing_benefit"}
    assert not any(e["type"] == "CLAIMS" and "single person" in e["label"] for e in data["edges"])
    v.go("/residents/R003/timeline?family=1")
    assert "domestic incident" in _text(v)


def test_analyst_sees_aggregates_only(visit: Any) -> None:
    v = visit("analyst")
    assert v.page.url.endswith("/insights")
    body = _text(v)
    assert "Riverside" in body and "Khan" not in body
    for path in ("/search?name=Khan", "/residents/R001", "/network/resident/R001"):
        resp = v.go(path)
        assert resp.status == 403 and "Khan" not in _text(v)
    v.go("/queries/spd_other_adults")
    v.page.click(".run-form button")
    body = _text(v)
    assert "1 row matched" in body  # pseudonymised analyst mode (issue 7): pseudonyms and wards, no names
    assert "Khan" not in body and "R001" not in body and "open in network" not in body and "Riverside" in body


def test_ig_officer_reads_the_audit_log(visit: Any) -> None:
    sw = visit("social_worker")
    sw.go("/residents/R004")
    v = visit("ig_officer")
    v.go("/audit")
    v.page.fill("input[name=resident_id]", "R004")
    v.page.fill("input[name=username]", "social_worker")
    v.page.click("#audit-filter button")
    rows = v.page.inner_text("#audit-entries")
    assert "view_person" in rows and "social_worker" in rows


def test_administrator_sees_accounts_only(visit: Any) -> None:
    v = visit("administrator")
    assert v.page.url.endswith("/admin/accounts")
    assert "fraud_investigator" in v.page.inner_text("#accounts")
    assert v.go("/residents/R001").status == 403


def test_detector_row_opens_in_network_and_expands(visit: Any) -> None:
    v = visit("fraud_investigator")
    v.go("/queries")
    v.page.click("a.query-link[data-query=spd_other_adults]")
    v.page.click(".run-form button")
    assert "single-person discount claimed" in v.page.inner_text("#query-results")
    v.page.click("#query-results a.open-network >> nth=0")
    data = v.network_data()
    ids = {n["id"] for n in data["nodes"]}
    assert "Resident:R001" in ids and "Address:100001" in ids
    v.page.select_option("#depth", "1")  # one step out, then grow the view by clicking
    v.page.wait_for_url("**depth=1")
    data = v.network_data()
    before = len(data["nodes"])
    assert "Resident:R005" not in {n["id"] for n in data["nodes"]}
    # click Amira's old address, which expands it on the canvas
    pos = v.page.evaluate("""() => { const id = 'Address:100002';
        if (!residexNetwork.nodes.get(id)) { return null; }
        const p = residexNetwork.network.getPositions([id])[id];
        return residexNetwork.network.canvasToDOM(p); }""")
    box = v.page.locator("#network").bounding_box()
    assert pos is not None and box is not None
    v.page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    v.page.wait_for_selector("#network[data-expanded]", timeout=10000)
    after = v.network_data()["nodes"]
    assert len(after) > before and "Resident:R005" in {n["id"] for n in after}


def test_hide_uncertain_links(visit: Any) -> None:
    v = visit("ig_officer")
    v.go("/network/resident/R001")
    data = v.network_data()
    uncertain = [e for e in data["edges"] if e["uncertain"]]
    assert uncertain and not any(e["hidden"] for e in uncertain)
    v.page.check("#hide-uncertain")
    after = v.network_data()
    assert all(e["hidden"] for e in after["edges"] if e["uncertain"])
    assert not any(e["hidden"] for e in after["edges"] if not e["uncertain"])


def test_supernode_cap_message(visit: Any) -> None:
    v = visit("fraud_investigator")
    v.go("/network/address/100009")
    assert "has 60" in v.page.inner_text("#cap-warning")


def test_script_in_a_name_renders_as_text(visit: Any) -> None:
    v = visit("social_worker")
    v.go("/residents/R005")
    assert "<script>window.__xss=1</script>" in v.page.inner_text("#resident-name")
    assert v.page.evaluate("() => window.__xss") is None
    v.go("/network/resident/R005")
    v.network_data()
    tip = v.page.evaluate("""() => { const t = residexNetwork.nodes.get('Resident:R005').title;
        return {scripts: t.querySelectorAll('script').length, text: t.textContent}; }""")
    assert tip["scripts"] == 0 and "<script>window.__xss=1</script>" in tip["text"]
    v.go("/residents/R005/family")
    v.network_data()
    v.go("/search?name=O%27Neil")
    assert "<script>" in v.page.inner_text("#search-results")
    assert v.page.evaluate("() => window.__xss") is None
