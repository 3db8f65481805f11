"""Issue 7 in chromium: a user logs in, is sent to the purpose page, states a purpose, sees it in the
header and runs a search; an IG officer previews a subject access report and downloads it."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import PASSWORD, Visit
from test_webapp import basis_for

import webapp
from webapp import accounts

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(borough_store: Any, fixture_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from conftest import LiveServer

    app = webapp.create_app({"DATA_DIR": tmp_path_factory.mktemp("webapp-governance"), "STORE": borough_store,
                             "INDEX_DIR": fixture_index, "LOCALHOST": True})
    with app.app_context():
        accounts.create_user("sw.browser", PASSWORD, "social_worker", "Children's services", approved=True)
        accounts.create_user("ig.browser", PASSWORD, "ig_officer", "IG", approved=True)
    server = LiveServer(app)
    yield server
    server.stop()


def test_user_states_a_purpose_then_searches(browser: Any, live: Any) -> None:  # noqa: F811
    v = Visit(browser, live, "sw.browser")  # not a role name: no purpose stated by the helper
    try:
        p = v.page
        assert "/purpose?next=" in p.url and p.is_visible("#purpose-form")
        assert p.locator("#session-purpose").count() == 0
        p.check("input[name=purpose][value=safeguarding]")
        bases = p.eval_on_selector_all("#legal-basis option[data-purpose]", "os => os.map(o => o.dataset.purpose)")
        assert bases and set(bases) == {"safeguarding"}  # the select offers only this purpose's bases
        p.select_option("#legal-basis", basis_for("safeguarding"))
        p.click("#purpose-form button[type=submit]")  # no case reference: the browser refuses to send it
        assert "/purpose" in p.url
        p.fill("#case-ref", "SG-BROWSER-1")
        p.click("#purpose-form button[type=submit]")
        p.wait_for_load_state()
        assert p.url.endswith("/search")
        header = p.inner_text("#session-purpose")
        assert "Safeguarding" in header and "SG-BROWSER-1" in header
        p.fill("input[name=name]", "Khan")
        p.press("input[name=name]", "Enter")
        p.wait_for_load_state()
        assert "Zara Khan" in p.inner_text("main")
        assert "SG-BROWSER-1" in p.inner_text("#session-purpose")
        p.click("#change-purpose")
        p.wait_for_load_state()
        assert p.is_visible("#purpose-current")
    finally:
        v.close()


def test_ig_officer_previews_and_downloads_a_sar(browser: Any, live: Any, tmp_path: Path) -> None:  # noqa: F811
    v = Visit(browser, live, "ig.browser")
    try:
        v.state_purpose("subject_access", "SAR-BROWSER-9")
        v.go("/subject-access")
        p = v.page
        p.fill("input[name=resident_id]", "R001")
        p.click("#sar-form button[type=submit]")
        p.wait_for_load_state()
        report = p.inner_text("#sar-report")
        assert "Amira Khan" in report and "CT-1001" in report and "SAR-BROWSER-9" in report
        with p.expect_download() as d:
            p.click("#sar-download-json")
        target = tmp_path / d.value.suggested_filename
        d.value.save_as(target)
        rep = json.loads(target.read_text())
        assert rep["report"]["case_ref"] == "SAR-BROWSER-9" and rep["report"]["resident_id"] == "R001"
        assert any(e["action"] == "sar_preview" for e in rep["audit_trail"])
        with p.expect_download() as d:
            p.click("#sar-download-zip")
        z = tmp_path / d.value.suggested_filename
        d.value.save_as(z)
        assert z.suffix == ".zip" and "source_records.csv" in zipfile.ZipFile(z).namelist()
    finally:
        v.close()
