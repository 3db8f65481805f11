"""The graph model and the access policy are data files checked at load time."""

from __future__ import annotations

import pytest

from graph.access import AccessError, load_policy, parse_policy
from graph.model import ModelError, load_model, parse_model


def test_shipped_model_and_policy_are_valid() -> None:
    model = load_model()
    assert {"Resident", "SourceRecord", "Address", "Household", "AgencyContact", "Agency", "Ward"} <= set(model.nodes)
    assert model.rel("RESOLVES_TO").start == "SourceRecord"
    assert all(model.rel(t).source for t in ("LIVES_AT", "CLAIMS", "PARENT_OF", "PARTNER_OF", "SIBLING_OF"))
    policy = load_policy()
    assert set(policy.roles) >= {"fraud_investigator", "social_worker", "analyst", "ig_officer", "administrator"}


@pytest.mark.parametrize(("raw", "message"), [
    ({}, "needs a 'nodes' mapping"),
    ({"nodes": {"Bad Label": {"key": "k", "properties": {"k": {"type": "string"}}}}}, "not a plain identifier"),
    ({"nodes": {"A": {"key": "k", "properties": {"x": {"type": "string"}}}}}, "nodes.A.key 'k' must be one of"),
    ({"nodes": {"A": {"key": "k", "properties": {"k": {"type": "text"}}}}}, "nodes.A.properties.k.type"),
    ({"nodes": {"A": {"key": "k", "properties": {"k": {"type": "string"}}}},
      "relationships": {"R": {"from": "A", "to": "B"}}}, "relationships.R.to 'B' is not a node kind"),
    ({"nodes": {"A": {"key": "k", "colour": 1, "properties": {"k": {"type": "string"}}}}}, "unknown keys"),
])
def test_malformed_model_names_the_key(raw: dict, message: str) -> None:
    with pytest.raises(ModelError, match=message) as e:
        parse_model(raw, "my-model.yaml")
    assert "my-model.yaml" in str(e.value)


def test_purpose_narrows_the_role() -> None:
    policy = load_policy()
    sw = policy.context(user="u", role="social_worker")
    planning = policy.context(user="u", role="social_worker", purpose="service_planning",
                              legal_basis=policy.purposes["service_planning"].legal_bases[0])
    assert "police_contacts" in sw.sources and "police_contacts" not in planning.sources
    assert planning.sources < sw.sources
    with pytest.raises(AccessError, match="not open to"):
        policy.context(user="u", role="analyst", purpose="safeguarding", case_ref="C1")
    with pytest.raises(AccessError, match="case reference"):
        policy.context(user="u", role="social_worker", purpose="safeguarding",
                       legal_basis=policy.purposes["safeguarding"].legal_bases[0])
    assert policy.context(user="u", role="analyst").query_params()["access_personal"] is False


def test_malformed_policy_names_the_key() -> None:
    with pytest.raises(AccessError, match=r"p.yaml: roles.x.sources: unknown source systems \['nope'\]"):
        parse_policy({"sources": ["a"], "roles": {"x": {"personal": "full", "sources": ["nope"]}}}, "p.yaml")
    with pytest.raises(AccessError, match="roles.x.personal"):
        parse_policy({"sources": ["a"], "roles": {"x": {"personal": "some", "sources": "all"}}}, "p.yaml")
