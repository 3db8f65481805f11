"""The web app on a borough built by the real pipeline (generate -> link -> facts -> load): for every
role, nothing from a source system it may not see reaches a page or the network view's data."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import webapp
from graph.access import load_policy
from webapp import accounts

pytestmark = pytest.mark.slow
PASSWORD = "e2e password 1234"
PERSON_ROLES = ("fraud_investigator", "social_worker", "ig_officer")


@pytest.fixture(scope="module")
def app(generated_borough: tuple[Any, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    store, index = generated_borough
    app = webapp.create_app({"DATA_DIR": tmp_path_factory.mktemp("e2e"), "STORE": store, "INDEX_DIR": index,
                             "TESTING": True})
    with app.app_context():
        for role in (*PERSON_ROLES, "analyst"):
            accounts.create_user(role, PASSWORD, role, approved=True)
    yield app


def _client(app: Flask, role: str) -> Any:
    c = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)[1]
    assert c.post("/login", data={"username": role, "password": PASSWORD, "csrf_token": token}).status_code == 302
    from test_webapp import PURPOSES, basis_for

    purpose, case_ref = PURPOSES[role]  # issue 7: a purpose before any personal data
    token = c.get("/api/me").get_json()["csrf_token"]
    assert c.post("/purpose", data={"purpose": purpose, "legal_basis": basis_for(purpose), "case_ref": case_ref,
                                    "csrf_token": token}).status_code == 302
    return c


@pytest.fixture(scope="module")
def sample(generated_borough: tuple[Any, Path]) -> list[str]:
    store, _ = generated_borough
    rows = store.read("MATCH (r:Resident) WHERE size(r.sources) >= 3 RETURN r.resident_id AS id ORDER BY id")
    return random.Random(3).sample([r["id"] for r in rows], 15)


@pytest.mark.parametrize("role", PERSON_ROLES)
def test_no_hidden_source_reaches_a_role(app: Flask, role: str, sample: list[str]) -> None:
    visible = load_policy().role(role).sources
    hidden = set(load_policy().sources) - visible
    c = _client(app, role)
    shown = 0
    for rid in sample:
        page = c.get(f"/residents/{rid}")
        if page.status_code == 404:
            continue  # held only in sources this role may not see
        assert page.status_code == 200
        shown += 1
        for src in hidden:
            assert f'class="src">{src}<' not in page.text, (role, rid, src)
        net = c.get(f"/api/network/resident/{rid}?depth=2").get_json()
        assert {e["source_system"] for e in net["edges"] if e["source_system"]} <= visible, (role, rid)
        dump = json.dumps(net)
        assert not any(f'"{src}' in dump or f"{src}:" in dump for src in hidden), (role, rid)
        tl = c.get(f"/residents/{rid}/timeline?family=1").text
        assert not any(f'class="src">{src}<' in tl for src in hidden)
    assert shown >= 5


def test_search_finds_generated_residents_with_typos(app: Flask, generated_borough: tuple[Any, Path]) -> None:
    store, _ = generated_borough
    r = store.read("MATCH (r:Resident) WHERE r.last_name IS NOT NULL AND 'gp_registration' IN r.sources "
                   "RETURN r.resident_id AS id, r.first_name AS f, r.last_name AS l LIMIT 1")[0]
    c = _client(app, "ig_officer")
    page = c.get("/search", query_string={"name": f"{r['f']} {r['l'].lower()}"}).text
    assert f"/residents/{r['id']}" in page


def test_detectors_run_for_their_roles(app: Flask) -> None:
    lib = app.extensions["residex_library"]
    for role in ("fraud_investigator", "social_worker", "analyst"):
        c = _client(app, role)
        token = c.get("/api/me").get_json()["csrf_token"]
        for q in lib.visible_to(role):
            r = c.post(f"/api/queries/{q.name}", json={"params": {}}, headers={"X-CSRF-Token": token})
            if any(p.required for p in q.params):
                assert r.status_code == 400
                continue
            assert r.status_code == 200, (role, q.name, r.get_json())
            if role == "analyst":  # aggregates only: no row, so no name, ever
                assert set(r.get_json()) == {"aggregate"}
