"""graph/access.py: the policy file's new keys are validated at parse time (naming file and key), and a
stated purpose needs one of its own legal bases. No database needed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from graph.access import RESERVED_PARAMS, AccessError, load_policy, parse_policy

PT = "UK GDPR Art 6(1)(e) public task"
LO = "UK GDPR Art 6(1)(c) legal obligation"

BASE: dict[str, Any] = {
    "sources": ["a", "b"],
    "legal_bases": [PT, LO],
    "roles": {"analyst": {"personal": "pseudonymised", "sources": "all", "opt_out": "honour"},
              "ig": {"personal": "full", "sources": "all", "reidentify": True}},
    "purposes": {"planning": {"roles": ["analyst"], "sources": ["a"], "legal_bases": [PT], "opt_out": "honour"},
                 "subject_access": {"roles": ["ig"], "sources": "all", "legal_bases": [LO], "case_reference": "required"},
                 "audit": {"roles": ["ig"], "sources": [], "legal_bases": [LO], "personal_data": False}},
    "disclosure": {"threshold": 7, "suppress_zero": True},
}


def _with(path: tuple, value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    node = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return raw


def test_parses_the_new_keys() -> None:
    p = parse_policy(BASE, "p.yaml")
    assert p.disclosure_threshold == 7 and p.suppress_zero is True
    assert p.roles["ig"].reidentify is True and p.roles["analyst"].reidentify is False
    assert p.roles["analyst"].opt_out == "honour" and p.roles["ig"].opt_out == "not_applicable"
    assert p.purposes["planning"].legal_bases == (PT,) and p.purposes["planning"].opt_out == "honour"
    assert p.purposes["audit"].personal_data is False and p.purposes["subject_access"].personal_data is True


@pytest.mark.parametrize(("path", "value", "message"), [
    (("purposes", "planning", "legal_bases"), ["Made-up Act 2099"],
     r"p.yaml: purposes.planning.legal_bases: unknown legal bases \['Made-up Act 2099'\]"),
    (("purposes", "planning", "legal_bases"), [], r"p.yaml: purposes.planning.legal_bases must be a non-empty"),
    (("purposes", "planning", "opt_out"), "sometimes", r"p.yaml: purposes.planning.opt_out must be one of"),
    (("purposes", "audit", "personal_data"), "no", r"p.yaml: purposes.audit.personal_data must be true or false"),
    (("roles", "ig", "reidentify"), "yes", r"p.yaml: roles.ig.reidentify must be true or false"),
    (("roles", "analyst", "opt_out"), "always", r"p.yaml: roles.analyst.opt_out must be one of"),
    (("disclosure", "threshold"), 1, r"p.yaml: disclosure.threshold must be an integer of at least 2"),
    (("disclosure", "threshold"), "5", r"p.yaml: disclosure.threshold must be an integer"),
    (("disclosure", "threshold"), True, r"p.yaml: disclosure.threshold must be an integer"),
])
def test_bad_values_name_the_file_and_key(path: tuple, value: Any, message: str) -> None:
    with pytest.raises(AccessError, match=message):
        parse_policy(_with(path, value), "p.yaml")


def test_a_purpose_needs_one_of_its_own_legal_bases() -> None:
    p = parse_policy(BASE, "p.yaml")
    with pytest.raises(AccessError, match=r"needs a legal basis, one of: UK GDPR Art 6\(1\)\(e\) public task"):
        p.context(user="u", role="analyst", purpose="planning")
    with pytest.raises(AccessError, match=r"does not cover the purpose 'planning'; allowed: UK GDPR Art 6\(1\)\(e\)"):
        p.context(user="u", role="analyst", purpose="planning", legal_basis=LO)
    ok = p.context(user="u", role="analyst", purpose="planning", legal_basis=PT)
    assert ok.legal_basis == PT and ok.sources == frozenset({"a"})
    with pytest.raises(AccessError, match="case reference"):
        p.context(user="u", role="ig", purpose="subject_access", legal_basis=LO)


def test_context_flags_and_params() -> None:
    p = parse_policy(BASE, "p.yaml")
    plain = p.context(user="u", role="ig")  # no purpose: works as before, plus the new params
    assert plain.query_params()["access_sealed"] is False and plain.query_params()["access_opt_out"] is True
    analyst = p.context(user="u", role="analyst")  # the role's opt-out rule applies without a purpose
    assert analyst.includes_opt_out is False and analyst.query_params()["access_opt_out"] is False
    sar = p.context(user="u", role="ig", purpose="subject_access", legal_basis=LO, case_ref="SAR-1")
    assert sar.sees_sealed is True and sar.includes_opt_out is True
    assert sar.query_params()["access_sealed"] is True
    assert sar.audit_fields() == {"purpose": "subject_access", "purpose_title": "subject_access", "legal_basis": LO, "case_ref": "SAR-1"}
    audit = p.context(user="u", role="ig", purpose="audit", legal_basis=LO)
    assert audit.personal == "none" and audit.sources == frozenset() and not audit.sees_personal
    assert {"access_sealed", "access_opt_out"} <= RESERVED_PARAMS


def test_shipped_policy() -> None:
    p = load_policy()
    assert p.disclosure_threshold == 5 and p.suppress_zero is False
    assert {r for r, role in p.roles.items() if role.reidentify} == {"fraud_investigator", "social_worker", "ig_officer"}
    honour = {n for n, x in p.purposes.items() if x.opt_out == "honour"}
    assert honour == {"service_planning", "supporting_families"}
    assert not p.purposes["audit_review"].personal_data
    for purpose in p.purposes.values():
        assert purpose.legal_bases and set(purpose.legal_bases) <= set(p.legal_bases)
    sar = p.context(user="u", role="ig_officer", purpose="subject_access",
                    legal_basis=p.purposes["subject_access"].legal_bases[0], case_ref="SAR-1")
    assert sar.sees_sealed and sar.purpose_title == "Subject access request"
    planning = p.context(user="u", role="analyst", purpose="service_planning",
                         legal_basis=p.purposes["service_planning"].legal_bases[0])
    assert not planning.includes_opt_out and not planning.sees_sealed
