"""The browser on a borough built by the real pipeline (generate -> link -> facts -> load): each person
role opens residents' network views in chromium, and the data drawn holds only visible source systems."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import PASSWORD, Visit

import webapp
from graph.access import load_policy
from webapp import accounts

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PERSON_ROLES = ("fraud_investigator", "social_worker", "ig_officer")


@pytest.fixture(scope="module")
def live(generated_borough: tuple[Any, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from conftest import LiveServer

    store, index = generated_borough
    app = webapp.create_app({"DATA_DIR": tmp_path_factory.mktemp("browser-e2e"), "STORE": store,
                             "INDEX_DIR": index, "LOCALHOST": True})
    with app.app_context():
        for role in PERSON_ROLES:
            accounts.create_user(role, PASSWORD, role, approved=True)
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.mark.parametrize("role", PERSON_ROLES)
def test_network_data_holds_only_visible_sources(browser: Any, live: Any,  # noqa: F811
                                                 generated_borough: tuple[Any, Path], role: str) -> None:
    store, _ = generated_borough
    visible = load_policy().role(role).sources
    rows = store.read("MATCH (r:Resident) WHERE size(r.sources) >= 4 RETURN r.resident_id AS id, r.sources AS s "
                      "ORDER BY id")
    mine = [r["id"] for r in rows if set(r["s"]) & visible]
    v = Visit(browser, live, role)
    try:
        drawn = 0
        for rid in random.Random(role).sample(mine, 4):
            v.go(f"/network/resident/{rid}")
            data = v.network_data()
            sources = {e["source_system"] for e in data["edges"] if e["source_system"]}
            assert sources <= visible, (role, rid, sources - visible)
            drawn += len(data["nodes"])
        assert drawn > 4
    finally:
        v.close()
