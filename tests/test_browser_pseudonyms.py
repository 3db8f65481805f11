"""Pseudonymised analyst mode and re-identification in Debian's chromium through Playwright: an analyst
runs a detector, sees pseudonyms (no names) and opens a pseudonym page; a fraud investigator re-identifies
that pseudonym with a justification; the IG officer sees the attempt on the review page and marks it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.access import load_policy

pytestmark = pytest.mark.browser
PASSWORD = "browser test password"
CHROMIUM = shutil.which("chromium")
PURPOSES = {"analyst": ("service_planning", ""), "fraud_investigator": ("fraud_investigation", "FR-B-2"),
            "ig_officer": ("audit_review", "")}
REASON = "Single person discount review FR-B-2: verify who else lives at the claimant address."


@pytest.fixture(scope="module")
def live(borough_store: Any, fixture_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from conftest import LiveServer, make_app

    app = make_app(tmp_path_factory.mktemp("webapp-browser-pseud"), borough_store, fixture_index, tuple(PURPOSES),
                   password=PASSWORD, LOCALHOST=True)
    server = LiveServer(app)
    yield server
    server.stop()


def login(browser: Any, live: Any, role: str) -> Any:
    ctx = browser.new_context(viewport={"width": 1360, "height": 900})
    page = ctx.new_page()
    page.goto(live.url + "/login")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    purpose, case = PURPOSES[role]
    if "/purpose" not in page.url:
        page.goto(live.url + "/purpose")
    page.check(f"input[name=purpose][value={purpose}]")
    page.select_option("#legal-basis", load_policy().purposes[purpose].legal_bases[0])
    page.fill("#case-ref", case)
    page.click("#purpose-form button[type=submit]")
    page.wait_for_load_state()
    return page


def test_analyst_pseudonyms_then_reidentify_then_review(browser: Any, live: Any) -> None:
    a = login(browser, live, "analyst")
    a.goto(live.url + "/queries/spd_other_adults")
    a.click(".run-form button")
    a.wait_for_selector("#pseudonymised-results")
    body = a.inner_text("body")
    assert "P-r001" in body and "Riverside" in body
    for personal in ("Khan", "Flat 4", "AB1 2CD", "100001", "CT-1001", "R001"):
        assert personal not in body, personal
    a.click("a.pseudonym-link >> text=P-r001")
    a.wait_for_selector("#pseudonym-summary")
    page = a.inner_text("body")
    assert "P-r001" in page and "Riverside" in page and "single person discount" in page and "Khan" not in page
    assert a.goto(live.url + "/reidentify").status == 403

    f = login(browser, live, "fraud_investigator")
    f.goto(live.url + "/reidentify")
    f.fill("input[name=pseudonym]", "P-r001")
    f.fill("textarea[name=justification]", "too short")
    f.evaluate("document.querySelector('textarea[name=justification]').removeAttribute('minlength')")
    f.click("#reidentify-form button[type=submit]")
    f.wait_for_selector("#reidentify-error")
    assert "at least 30 characters" in f.inner_text("#reidentify-error")
    f.fill("textarea[name=justification]", REASON)
    f.click("#reidentify-form button[type=submit]")
    f.wait_for_load_state()
    assert f.url.endswith("/residents/R001") and "Amira Khan" in f.inner_text("body")

    ig = login(browser, live, "ig_officer")
    ig.goto(live.url + "/review")
    row = ig.locator("tr.reid-row", has_text=REASON)
    assert row.count() == 1 and "fraud_investigator" in row.inner_text() and "FR-B-2" in row.inner_text()
    before = int(ig.inner_text("#unreviewed-count strong"))
    assert before >= 2  # the refused attempt (too short) and the re-identification, both logged
    row.locator("select[name=outcome]").select_option("appropriate")
    row.locator("input[name=note]").fill("matches open case FR-B-2")
    row.locator("button[type=submit]").click()
    ig.wait_for_load_state()
    assert int(ig.inner_text("#unreviewed-count strong")) == before - 1
    assert "matches open case FR-B-2" in ig.inner_text("tr.reid-row >> nth=0") or \
        "matches open case FR-B-2" in ig.inner_text("#reidentifications")
    for p in (a, f, ig):
        p.context.close()
