"""networkx analytics on subgraphs pulled from the real embedded FalkorDB (the shared fixture borough).

The fixture (tests/conftest.py) holds the Khan family across two dwellings, a 60-resident hostel (a
supernode) and records from sources some roles may not see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph import analytics
from graph.access import load_policy
from graph.library import Forbidden


def ctx(role: str, purpose: str | None = None):
    return load_policy().context(user="t", role=role, purpose=purpose, case_ref="C-1", today=dt.date(2025, 12, 31))


def test_ego_graph_is_a_networkx_graph_with_source_and_confidence(borough_store: Any) -> None:
    g = analytics.ego_graph(borough_store, ctx("ig_officer"), "R001", depth=2)
    assert "R:R001" in g and "A:100001" in g and "R:R004" in g  # her mother, through a family link
    for _, _, d in g.edges(data=True):
        assert d["type"] in analytics.LINKS and d["source_system"]
    assert any(d.get("confidence") for _, _, d in g.edges(data=True) if d["type"] == "LIVES_AT")


def test_centrality_ranks_the_shared_dwelling_and_caps_the_hostel(borough_store: Any) -> None:
    out = analytics.centrality(borough_store, ctx("ig_officer"), "R001", depth=2)
    assert out["nodes"] >= 4 and out["ranking"]
    top = out["ranking"][0]
    assert top["id"] in {"R:R001", "A:100001", "A:100002"} and top["betweenness"] > 0
    assert {"degree", "betweenness", "pagerank", "ties", "label"} <= set(top)
    hostel = analytics.centrality(borough_store, ctx("ig_officer"), "H001", depth=2, max_degree=10)
    assert "A:100009" in hostel["capped"] and hostel["nodes"] < 20


def test_shortest_connection_through_family(borough_store: Any) -> None:
    out = analytics.shortest_connection(borough_store, ctx("ig_officer"), "R003", "R004")
    assert out["found"] and out["hops"] == 2
    assert [s["type"] for s in out["steps"]] == ["PARENT_OF", "PARENT_OF"]
    assert out["steps"][0]["from"]["label"] == "Zara Khan"


def test_shortest_connection_never_uses_hidden_sources(borough_store: Any) -> None:
    # Zara -> Fatima runs through an adult social care record and a school record; service planning can
    # see both, but a fraud investigator cannot see social care, so any answer must avoid that link
    out = analytics.shortest_connection(borough_store, ctx("fraud_investigator"), "R003", "R004")
    visible = set(ctx("fraud_investigator").sources)
    assert all(s["source_system"] in visible for s in out["steps"])
    assert not out["found"] or out["method"] == "networkx"


def test_pseudonymised_session_gets_pseudonyms(borough_store: Any) -> None:
    out = analytics.centrality(borough_store, ctx("analyst"), "R001", depth=2)
    labels = [r["label"] for r in out["ranking"] if r["kind"] == "resident"]
    assert labels and all(lbl.startswith("p-") or lbl.startswith("P-") for lbl in labels)
    path = analytics.shortest_connection(borough_store, ctx("analyst"), "R003", "R004")
    assert all(not s["from"]["label"] or "Khan" not in s["from"]["label"] for s in path["steps"])


def test_household_clusters_components_and_communities(borough_store: Any) -> None:
    out = analytics.household_clusters(borough_store, ctx("ig_officer"), "Riverside")
    assert out["nodes"] > 0 and out["components"]
    biggest = out["components"][0]
    assert {"R001", "R002", "R003"} <= set(biggest["resident_ids"]) and "100001" in biggest["uprns"]
    assert out["communities"] and all(c["size"] >= 2 for c in out["communities"])
    greedy = analytics.household_clusters(borough_store, ctx("ig_officer"), "Riverside", method="greedy")
    assert greedy["communities"]
    with pytest.raises(ValueError):
        analytics.household_clusters(borough_store, ctx("ig_officer"), "Riverside", method="nope")


def test_busy_dwellings_do_not_glue_strangers(borough_store: Any) -> None:
    out = analytics.household_clusters(borough_store, ctx("ig_officer"), "Central", skip_busy=30)
    assert "100009" in out["busy_dwellings_skipped"]
    assert all(c["size"] < 60 for c in out["components"])


def test_roles_the_query_does_not_allow_are_refused(borough_store: Any) -> None:
    with pytest.raises(Forbidden):
        analytics.centrality(borough_store, ctx("administrator"), "R001")
