"""Screenshots of the main pages for docs/webapp.md, taken with Playwright in Debian chromium.

Skipped unless RESIDEX_SCREENSHOTS=1 (they rewrite files under docs/screenshots/):
    RESIDEX_SCREENSHOTS=1 .venv/bin/python -m pytest -q tests/test_browser_screenshots.py
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from test_browser import PASSWORD, Visit, live  # noqa: F401 - module fixture reused

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(os.environ.get("RESIDEX_SCREENSHOTS") != "1",
                                 reason="set RESIDEX_SCREENSHOTS=1 to rewrite docs/screenshots/")]
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SHOTS = [  # (role, path, file, wait for the network to settle)
    ("fraud_investigator", "/search?name=Khan", "search.png", False),
    ("fraud_investigator", "/residents/R001", "resident.png", False),
    ("fraud_investigator", "/network/resident/R001", "network-fraud.png", True),
    ("social_worker", "/network/resident/R001", "network-social-worker.png", True),
    ("fraud_investigator", "/network/address/100009", "network-supernode.png", True),
    ("social_worker", "/residents/R003/family", "family.png", True),
    ("social_worker", "/residents/R003/timeline?family=1", "timeline.png", False),
    ("fraud_investigator", "/queries", "queries.png", False),
    ("analyst", "/insights", "insights.png", False),
    ("social_worker", "/queries/spd_other_adults", "forbidden.png", False),  # refused: audited
    ("ig_officer", "/audit", "audit.png", False),
    ("administrator", "/admin/accounts", "accounts.png", False),
]


def test_screenshots(browser: Any, live: Any) -> None:  # noqa: F811
    OUT.mkdir(parents=True, exist_ok=True)
    anon = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    anon.goto(live.url + "/login")
    anon.screenshot(path=str(OUT / "login.png"))
    anon.context.close()
    visits: dict[str, Visit] = {}
    for role, path, name, settle in SHOTS:
        v = visits.get(role) or visits.setdefault(role, Visit(browser, live, role))
        v.go(path)
        if settle:
            v.network_data()
            v.page.wait_for_timeout(1500)
        v.page.screenshot(path=str(OUT / name), full_page=not settle)
    v = visits["fraud_investigator"]
    v.go("/queries/spd_other_adults")
    v.page.click(".run-form button")
    v.page.screenshot(path=str(OUT / "detector.png"), full_page=True)
    for v in visits.values():
        v.close()
    assert len(list(OUT.glob("*.png"))) >= len(SHOTS) + 2
