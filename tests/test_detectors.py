"""Detectors and questions on a generated borough, through the real pipeline, in a real embedded FalkorDB.

One borough per module (generate -> link -> facts -> load costs ~30 s): each detector is checked against
the generator's truth (planted cases found, look-alikes not flagged) and every row must carry its
evidence and a plain-language reason. Access filtering and pseudonymisation are checked in the query
results themselves. Figures on a large borough: bench/bench_queries.py and docs/detectors.md.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.access import load_policy
from graph.library import Forbidden, load_library, run_saved

ROOT = Path(__file__).resolve().parent.parent
PEOPLE, SEED = 2500, 3
TODAY = dt.date(2025, 12, 31)  # the generator's extract date

_spec = importlib.util.spec_from_file_location("bench_queries", ROOT / "bench" / "bench_queries.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bench_queries", bench)
assert _spec.loader is not None
_spec.loader.exec_module(bench)

# Minimum recall on planted cases, and look-alikes allowed, on this borough (measured: recall 1.0 for all
# but supporting_families, no look-alike flagged). The benchmark (30k people) reports the exact figures;
# the margins absorb linkage changes elsewhere in the pipeline. Shortfalls are explained in
# docs/detectors.md. A look-alike the truth itself contradicts (bench_queries._justified) is not counted.
EXPECT: dict[str, tuple[float, int]] = {
    "illegal_subletting": (0.6, 0),
    "spd_other_adults": (0.6, 0),
    "school_address_fraud": (0.6, 0),
    "empty_exemption_occupied": (0.6, 0),
    "supporting_families": (0.85, 0),  # 13/13 here; at 30k misses are protected dwellings etc. (see docs)
    "safeguarding_da_child": (0.8, 0),
    "repeat_999_callers": (0.6, 0),
    "multi_agency_family": (0.6, 0),
    "overcrowding": (0.8, 0),
}


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    from graph.falkor import FalkorStore
    from graph.load import load_index
    from loaders.facts import run_facts
    from loaders.link import run_link
    from loaders.synthetic import generate

    root = tmp_path_factory.mktemp("detector-borough")
    generate(PEOPLE, SEED, root / "sources")
    run_link(root / "sources", root / "index")
    run_facts(root / "sources", root / "index")
    store = FalkorStore(root / "data")
    load_index(store, root / "index", key_dir=root)
    truth = bench.load_truth(root / "sources", root / "index")
    try:
        yield store, truth
    finally:
        store.close()


@pytest.fixture(scope="module")
def results(borough: tuple[Any, Any]) -> dict[str, list[dict[str, Any]]]:
    store, _ = borough
    return {name: rows for name, (rows, _secs) in bench.run_detectors(store, today=TODAY).items()}


def ctx(role: str, purpose: str | None = None, case_ref: str = "C-1"):
    policy = load_policy()
    basis = policy.purposes[purpose].legal_bases[0] if purpose else ""  # a purpose needs one of its bases
    return policy.context(user="t", role=role, purpose=purpose, legal_basis=basis, case_ref=case_ref, today=TODAY)


def run(store: Any, name: str, role: str = "ig_officer", purpose: str | None = None, **params: Any):
    return run_saved(store, load_library().get(name), {k: str(v) for k, v in params.items()}, ctx(role, purpose))


def _assert_evidence(name: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert isinstance(row["reason"], str) and len(row["reason"]) > 20, (name, row)
        assert not re.fullmatch(r"[A-Z]?\d+", row["reason"].strip()), "a reason must not be a bare ID"
        assert row.get("resident_id") or row.get("uprn"), (name, row)
        ev = row["evidence"]
        assert isinstance(ev, list) and ev, (name, "no evidence", row)
        for item in ev:
            assert set(item) >= {"source_system", "record_id", "fact", "date"}, (name, item)
            assert item["source_system"] and item["record_id"] and item["fact"], (name, item)


@pytest.mark.parametrize("name", list(EXPECT))
def test_detector_against_truth(name: str, borough: tuple[Any, Any], results: dict) -> None:
    _, truth = borough
    rows = results[name]
    s = bench.score(name, rows, truth)
    min_recall, lookalikes_allowed = EXPECT[name]
    assert s.planted > 0, f"the generated borough has no planted {s.scenario_type} case"
    assert s.recall >= min_recall, f"{name}: found {s.found}/{s.planted}; missed: {s.missed[:5]}"
    assert s.lookalikes_flagged <= lookalikes_allowed, f"{name}: flagged look-alikes {s.flagged_lookalikes}"
    assert not s.withheld_shown, f"{name}: flagged cases at a protected dwelling {s.withheld_shown}"
    _assert_evidence(name, rows)


def test_supporting_families_matrix_names_criteria_and_agencies(results: dict) -> None:
    rows = results["supporting_families"]
    assert rows
    known = {"crime_asb", "domestic_abuse", "education", "children_need_help", "worklessness"}
    for row in rows:
        assert row["criteria_met"] >= 2 and len(row["matrix"]) == row["criteria_met"]
        for cell in row["matrix"]:
            assert cell["criterion"] in known and cell["agencies"] and cell["facts"] >= 1
        assert row["children"] >= 1


def test_supporting_families_education_comes_from_school_attendance(results: dict) -> None:
    """Attendance and exclusions reach the school_place claim, so the education criterion is met."""
    cells = [e for row in results["supporting_families"] for e in row["evidence"]
             if e["fact"].startswith("education: school_place")]
    assert cells, "no family meets the education criterion: attendance never reached the graph"
    for e in cells:
        m = re.search(r"attendance (\d+)%, exclusions (\d+)", e["fact"])
        assert m and (int(m.group(1)) < 90 or int(m.group(2)) > 0), e


def test_supporting_families_counts_an_open_social_care_case(borough: tuple[Any, Any], results: dict) -> None:
    """A children's social care case is an episode claim (referral to closure) the query counts."""
    store, _ = borough
    n = store.read("MATCH ()-[x:CLAIMS]->() WHERE x.claim_type = 'csc_case' RETURN count(x) AS n")[0]["n"]
    assert n > 0
    assert any(e["source_system"] == "childrens_social_care" and "csc_case" in e["fact"]
               for row in results["supporting_families"] for e in row["evidence"])


def test_deceased_residents_are_flagged_from_gp_deaths(borough: tuple[Any, Any]) -> None:
    """GP deregistrations for death make Resident.deceased (accuracy vs truth: tests/test_facts.py), and
    the detectors that count occupants leave them out."""
    store, _ = borough
    dead = store.read("MATCH (r:Resident) WHERE r.deceased RETURN r.resident_id AS id, r.provenance AS p")
    assert dead, "no resident flagged deceased: GP deaths did not reach the graph"
    for r in dead:
        prov = json.loads(r["p"]) if isinstance(r["p"], str) else r["p"]
        assert prov["deceased"]["source_system"] == "gp_registration", prov.get("deceased")
    alive = store.read("MATCH (r:Resident) WHERE r.deceased = false RETURN count(r) AS n")[0]["n"]
    assert alive > 10 * len(dead)


def _family_member(results: dict) -> tuple[str, str]:
    """(uprn, resident_id) of a flagged family's member whose facts alone meet one criterion."""
    for row in results["supporting_families"]:
        for cell in row["matrix"]:
            if len(cell["resident_ids"]) == 1:
                return row["uprn"], cell["resident_ids"][0]
    raise AssertionError("no family with a single-member criterion")


@pytest.mark.parametrize("prop", ["deceased", "sealed", "opt_out", "protected"])
def test_supporting_families_leaves_out_restricted_people_and_dwellings(
        borough: tuple[Any, Any], results: dict, prop: str) -> None:
    """A deceased, sealed or opted-out member's facts do not count (opt-out: for a role or purpose that
    honours it); a protected dwelling is never listed."""
    store, _ = borough
    uprn, rid = _family_member(results)
    target = ("MATCH (x:Address {uprn: $id})" if prop == "protected"
              else "MATCH (x:Resident {resident_id: $id})")
    key = uprn if prop == "protected" else rid
    store.write(f"{target} SET x.{prop} = true", {"id": key})
    try:
        role = "analyst" if prop == "opt_out" else "ig_officer"  # the analyst role honours the opt-out
        rows = run(store, "supporting_families", role=role, min_criteria=1).rows
        if role == "ig_officer":
            hit = [r for r in rows if r["uprn"] == uprn]
            assert not hit or rid not in {i for c in hit[0]["matrix"] for i in c["resident_ids"]}, hit
            if prop == "protected":
                assert not hit
        else:
            pseud = store.read("MATCH (r:Resident {resident_id: $id}) RETURN r.pseudonym AS p", {"id": rid})[0]["p"]
            assert all(pseud not in c["people"] for r in rows for c in r["matrix"])
        # and without the restriction the member counts again
        store.write(f"{target} SET x.{prop} = false", {"id": key})
        rows = run(store, "supporting_families", role=role, min_criteria=1).rows
        if role == "ig_officer":
            assert any(rid in c["resident_ids"] for r in rows if r["uprn"] == uprn for c in r["matrix"])
        else:
            assert any(pseud in c["people"] for r in rows for c in r["matrix"])
    finally:
        store.write(f"{target} REMOVE x.{prop}", {"id": key})


def test_supporting_families_pseudonymised_for_analysts(borough: tuple[Any, Any], results: dict) -> None:
    store, _ = borough
    full = results["supporting_families"]
    names = {n for (n,) in [(r["name"],) for r in store.read(
        "MATCH (r:Resident) WHERE r.full_name IS NOT NULL RETURN r.full_name AS name LIMIT 2000")]}
    rows = run(store, "supporting_families", role="analyst").rows
    assert len(rows) == len(full)
    rids = {i for r in full for c in r["matrix"] for i in c["resident_ids"]}
    for row in rows:
        assert row["resident_id"] is None and row["uprn"] is None and row["address"] == row["ward"]
        assert row["pseudonym"].startswith("P-")
        assert all(c["resident_ids"] == [] and all(p.startswith("P-") for p in c["people"]) for c in row["matrix"])
        assert all(e["record_id"] is None for e in row["evidence"])
        text = str(row)
        assert not any(i in text for i in rids)
        assert not any(n in text for n in names if len(n) > 6)


def test_pseudonymised_role_gets_no_names_or_addresses(borough: tuple[Any, Any], results: dict) -> None:
    store, _ = borough
    names = {r["adult"] for r in results["safeguarding_da_child"]}
    analyst = run(store, "safeguarding_da_child", role="analyst").rows
    assert analyst, "the analyst sees the same cases, pseudonymised"
    assert len(analyst) == len(results["safeguarding_da_child"])
    for row in analyst:
        assert row["adult"].startswith("P-") and row["adult"] not in names
        assert all(c.startswith("P-") for c in row["child_names"])
        assert row["address"] == row["ward"]
        assert not any(n and n in str(row["evidence"]) for n in names)


def test_purpose_hides_sources_inside_the_query(borough: tuple[Any, Any], results: dict) -> None:
    store, _ = borough
    # service planning excludes police data: no safeguarding case can be built from it
    assert run(store, "safeguarding_da_child", role="analyst", purpose="service_planning").rows == []
    rows = run(store, "supporting_families", role="analyst", purpose="service_planning").rows
    for row in rows:
        assert all(e["source_system"] != "police_contacts" for e in row["evidence"])


def test_roles_not_listed_are_forbidden(borough: tuple[Any, Any]) -> None:
    store, _ = borough
    with pytest.raises(Forbidden):
        run(store, "safeguarding_da_child", role="fraud_investigator")
    with pytest.raises(Forbidden):
        run(store, "illegal_subletting", role="social_worker")


def _a_family_resident(store: Any) -> str:
    return store.read("MATCH (g:Resident)-[:PARENT_OF]->(p:Resident)-[:PARENT_OF]->(c:Resident) "
                      "RETURN c.resident_id AS id LIMIT 1")[0]["id"]


def test_family_genealogy_reaches_grandparents(borough: tuple[Any, Any]) -> None:
    store, _ = borough
    rid = _a_family_resident(store)
    rows = run(store, "family_genealogy", resident_id=rid).rows
    rels = {r["relation"] for r in rows}
    assert {"parent", "grandparent"} <= rels
    for r in rows:
        assert r["evidence"] and r["reason"] and r["resident_id"] != rid
        assert r["generation"] == {"grandparent": -2, "parent": -1, "step-parent": -1}.get(r["relation"], r["generation"])


def test_timeline_is_in_date_order_with_sources(borough: tuple[Any, Any], results: dict) -> None:
    store, _ = borough
    rid = results["repeat_999_callers"][0]["resident_id"]
    rows = run(store, "person_timeline", resident_id=rid).rows
    dates = [r["date"] for r in rows if r["date"]]
    assert dates == sorted(dates) and any(r["source_system"] == "blue_light_callouts" for r in rows)
    assert all(r["evidence"][0]["record_id"] for r in rows)


def test_address_history_lists_past_and_current_people(borough: tuple[Any, Any], results: dict) -> None:
    store, _ = borough
    uprn = results["overcrowding"][0]["uprn"]
    rows = run(store, "address_history", uprn=uprn).rows
    assert len(rows) >= results["overcrowding"][0]["residents"]
    assert any(r["current"] for r in rows) and all(r["sources"] for r in rows)


def test_ego_network_nodes_edges_and_supernode_cap(borough: tuple[Any, Any]) -> None:
    store, _ = borough
    rid = _a_family_resident(store)
    row = run(store, "ego_network", resident_id=rid, depth=2).rows[0]
    ids = {n["id"] for n in row["nodes"]}
    assert f"R:{rid}" in ids and row["node_count"] == len(row["nodes"]) and row["edges"]
    for e in row["edges"]:
        assert e["source"] in ids and e["target"] in ids
        assert e["type"] in {"LIVES_AT", "CLAIMS", "PARENT_OF", "PARTNER_OF", "SIBLING_OF"} and e["source_system"]
    assert any(e["confidence"] is not None for e in row["edges"] if e["type"] == "LIVES_AT")
    # a busy dwelling (HMO, care home) is drawn but not expanded when it has more links than max_degree
    busy = store.read("MATCH (r:Resident)-[:LIVES_AT]->(a:Address) WITH a, count(DISTINCT r) AS n, collect(r)[0] AS r "
                      "WHERE n >= 6 RETURN r.resident_id AS id ORDER BY n DESC LIMIT 1")[0]["id"]
    capped = run(store, "ego_network", resident_id=busy, depth=2, max_degree=3).rows[0]
    assert capped["capped"] and any(n["capped"] for n in capped["nodes"])
    small = run(store, "ego_network", resident_id=busy, depth=3, max_degree=1000, max_nodes=5).rows[0]
    assert small["truncated"] and small["node_count"] == 5 and small["total_nodes"] > 5
    assert all(e["source"] in {n["id"] for n in small["nodes"]} for e in small["edges"])


def test_ego_network_pseudonymised_and_source_filtered(borough: tuple[Any, Any]) -> None:
    store, _ = borough
    rid = _a_family_resident(store)
    row = run(store, "ego_network", role="analyst", purpose="service_planning", resident_id=rid, depth=2).rows[0]
    assert all(n["label"].startswith(("P-", "Dwelling in")) for n in row["nodes"])
    assert all(e["source_system"] != "police_contacts" for e in row["edges"])


def test_children_0_5_by_ward_is_a_suppressed_count(borough: tuple[Any, Any]) -> None:
    store, _ = borough
    rows = run(store, "children_0_5_by_ward", role="analyst").rows
    assert rows and all(set(r) >= {"ward", "children_0_5", "suppressed"} for r in rows)
    assert all((r["children_0_5"] is None) == r["suppressed"] for r in rows)
    assert all(r["children_0_5"] is None or r["children_0_5"] >= 5 for r in rows)
    # a caller cannot lower the configured threshold (graph/access.yaml disclosure.threshold)
    assert run(store, "children_0_5_by_ward", role="analyst", suppress_below=0).rows == rows
    big = run(store, "children_0_5_by_ward", role="analyst", suppress_below=10_000).rows
    assert all(r["children_0_5"] is None and r["suppressed"] for r in big)
    assert not any("resident_id" in r for r in rows)
