"""Opt-outs, sealed records and protected addresses are honoured inside every saved query.

A real embedded FalkorDB holds the fixture borough plus restricted people: a sealed (adopted) child
with a birth-family link, a resident who registered the national data opt-out, and a refuge where a
domestic-abuse victim lives now and her former partner once lived. Every saved query is run, with
every plausible key, as every role and purpose that may run it, and the serialised result (nested
evidence included) is searched for what that session must not see. (tests/test_restrictions_queries.py
is the companion sweep for pseudonymised sessions.)
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import _resident, fixture_borough_store

from graph.access import AccessContext, load_policy
from graph.library import load_library, run_saved
from graph.search_keys import phonetic

SEALED = ("Sealy", "Adopted", "S001", "CSC-S001", "P-s001")
OPTED_OUT = ("Opty", "Outer", "O001", "ER-O001", "P-o001")
REFUGE = ("100011", "Safe House", "AB8 8QQ", "Northfield")
AGGREGATES = frozenset({"app_stats", "children_0_5_by_ward"})
OCCUPANT = "R009"  # lives at the refuge now: her own page may show it, marked protected
OWN_VIEW_QUERIES = frozenset({"app_resident", "app_resident_addresses", "app_resident_claims",
                              "app_resident_records", "app_resident_household"})

EXTRA_RESIDENTS = [
    {**_resident("S001", "Sealy", "Adopted", "2016-02-02", "F", "100002", "AB1 3EF", "Riverside",
                 ["childrens_social_care", "school_census"]), "sealed": True},
    {**_resident("O001", "Opty", "Outer", "1980-05-05", "M", "100001", "AB1 2CD", "Riverside",
                 ["electoral_register", "gp_registration", "council_tax"]), "opt_out": True},
    _resident("R009", "Vicky", "Victim", "1990-09-09", "F", "100011", "AB8 8QQ", "Northfield",
              ["adult_social_care", "electoral_register", "police_contacts"]),
    _resident("R010", "Percy", "Perp", "1988-08-08", "M", "100002", "AB1 3EF", "Riverside",
              ["electoral_register", "police_contacts", "council_tax"]),
]


def _add_restricted(store: Any) -> None:
    store.write("CREATE (a:Address {uprn: '100011', address_text: 'Safe House, 9 Quiet Row', postcode: 'AB8 8QQ', "
                "ward: 'Northfield', council_owned: true, bedrooms: 1, property_type: 'flat', protected: true}) "
                "MERGE (w:Ward {name: 'Northfield'}) MERGE (a)-[:IN_WARD]->(w)")
    store.write("UNWIND $rows AS row CREATE (r:Resident) SET r = row",
                {"rows": [{k: v for k, v in r.items() if v is not None} for r in EXTRA_RESIDENTS]})
    records = [("childrens_social_care", "CSC-S001", "S001", None, None),
               ("school_census", "SC-S001", "S001", "100002", "3 Mill Lane"),
               ("electoral_register", "ER-O001", "O001", "100001", "Flat 4, 12 High Street"),
               ("council_tax", "CT-O001", "O001", "100001", "Flat 4, 12 High Street"),
               ("electoral_register", "ER-R009", "R009", "100011", "Safe House, 9 Quiet Row"),
               ("adult_social_care", "ASC-R009", "R009", "100011", "Safe House, 9 Quiet Row"),
               ("electoral_register", "ER-R010-OLD", "R010", "100011", "Safe House, 9 Quiet Row"),
               ("council_tax", "CT-R010", "R010", "100002", "3 Mill Lane")]
    store.write("UNWIND $rows AS row MATCH (r:Resident {resident_id: row.rid}) "
                "CREATE (s:SourceRecord {record_key: row.sys + ':' + row.id, source_system: row.sys, record_id: row.id, "
                "match_probability: 0.99, first_name: r.first_name, last_name: r.last_name, record_date: '2024-01-01'})"
                "-[:RESOLVES_TO {match_probability: 0.99}]->(r) SET s.uprn = row.uprn, s.address_text = row.addr, "
                "s.postcode = CASE WHEN row.uprn IS NULL THEN null ELSE r.postcode END",
                {"rows": [dict(zip(("sys", "id", "rid", "uprn", "addr"), r, strict=True)) for r in records]})
    # Percy's old record carries the refuge's postcode, though he has moved away
    store.write("MATCH (s:SourceRecord {record_id: 'ER-R010-OLD'}) SET s.postcode = 'AB8 8QQ'")
    lives = [("S001", "100002", "2020-01-01", None, "school_census", "SC-S001", True),
             ("O001", "100001", "2019-01-01", None, "electoral_register", "ER-O001", True),
             ("O001", "100001", "2019-01-01", None, "council_tax", "CT-O001", True),
             ("R009", "100011", "2024-02-01", None, "electoral_register", "ER-R009", True),
             ("R009", "100011", "2024-02-01", None, "adult_social_care", "ASC-R009", True),
             ("R010", "100011", "2021-01-01", "2023-12-31", "electoral_register", "ER-R010-OLD", False),
             ("R010", "100002", "2024-01-01", None, "council_tax", "CT-R010", True)]
    store.write("UNWIND $rows AS row MATCH (r:Resident {resident_id: row.rid}), (a:Address {uprn: row.uprn}) "
                "CREATE (r)-[l:LIVES_AT {from_date: row.f, source_system: row.sys, record_id: row.id, "
                "current: row.cur}]->(a) SET l.to_date = row.t",
                {"rows": [dict(zip(("rid", "uprn", "f", "t", "sys", "id", "cur"), r, strict=True)) for r in lives]})
    for rtype, a, b, sys, rec in [("PARENT_OF", "R004", "S001", "childrens_social_care", "CSC-S001"),
                                  ("SIBLING_OF", "R001", "O001", "electoral_register", "ER-O001"),
                                  ("PARTNER_OF", "R010", "R009", "electoral_register", "ER-R010-OLD")]:
        store.write(f"MATCH (a:Resident {{resident_id: $a}}), (b:Resident {{resident_id: $b}}) "
                    f"CREATE (a)-[:{rtype} {{source_system: $sys, record_id: $rec}}]->(b)",
                    {"a": a, "b": b, "sys": sys, "rec": rec})
    store.write("UNWIND $rows AS row MATCH (r:Resident {resident_id: row.rid}) MERGE (g:Agency {name: row.agency}) "
                "CREATE (r)-[:HAD_CONTACT]->(c:AgencyContact {contact_id: row.sys + ':' + row.id, agency: row.agency, "
                "contact_type: row.type, contact_date: row.date, source_system: row.sys, record_id: row.id, "
                "uprn: row.uprn})-[:WITH_AGENCY]->(g)",
                {"rows": [{"rid": "S001", "sys": "childrens_social_care", "id": "CSC-S001-C",
                           "agency": "Children's social care", "type": "referral", "date": "2024-01-05",
                           "uprn": "100002"},
                          {"rid": "R009", "sys": "police_contacts", "id": "PC-R009", "agency": "police",
                           "type": "Domestic abuse (victim)", "date": "2023-11-01", "uprn": "100011"},
                          {"rid": "R010", "sys": "police_contacts", "id": "PC-R010", "agency": "police",
                           "type": "Domestic abuse (suspect)", "date": "2023-11-01", "uprn": "100011"}]})
    store.write("MATCH (a:Address {uprn: '100001'}), (o:Resident {resident_id: 'O001'}) "
                "CREATE (o)-[:CLAIMS {claim_id: 'CL-O1', claim_type: 'single_person_discount', from_date: '2020-01-01', "
                "source_system: 'council_tax', record_id: 'CT-O001'}]->(a)")
    store.write("MATCH (a:Address {uprn: '100011'}) CREATE (h:Household {household_id: 'HH-100011', uprn: '100011', "
                "size: 1, adults: 1, children: 0})-[:OCCUPIES]->(a) WITH h "
                "MATCH (r:Resident {resident_id: 'R009'}) CREATE (r)-[:MEMBER_OF]->(h)")
    store.write("MATCH (h:Household {household_id: 'HH-100002'}), (r:Resident {resident_id: 'S001'}) "
                "CREATE (r)-[:MEMBER_OF]->(h)")
    store.write("MATCH (h:Household {household_id: 'HH-100001'}), (r:Resident {resident_id: 'O001'}) "
                "CREATE (r)-[:MEMBER_OF]->(h)")


@contextmanager
def restricted_store(folder: Path) -> Iterator[Any]:
    """A real embedded FalkorDB in ``folder`` holding the fixture borough and the restricted people."""
    with fixture_borough_store(folder) as s:
        _add_restricted(s)
        yield s


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with restricted_store(tmp_path_factory.mktemp("falkor-restricted")) as s:
        yield s


def ctx(role: str, purpose: str | None = None) -> AccessContext:
    policy = load_policy()
    basis = policy.purposes[purpose].legal_bases[0] if purpose else ""
    return policy.context(user="t", role=role, purpose=purpose, legal_basis=basis,
                          case_ref="CASE-1" if purpose else "")


SESSIONS = {
    "fraud": ("fraud_investigator", "fraud_investigation"),
    "safeguarding": ("social_worker", "safeguarding"),
    "sw_planning": ("social_worker", "service_planning"),
    "analyst_planning": ("analyst", "service_planning"),
    "analyst_sf": ("analyst", "supporting_families"),
    "ig_sar": ("ig_officer", "subject_access"),
    "ig_no_purpose": ("ig_officer", None),
}
CANDIDATES: dict[str, list[Any]] = {
    "resident_id": ["R001", "R004", "R010", "S001", "O001", OCCUPANT],
    "resident_ids": [["R001", "R004", "R010", "S001", "O001", OCCUPANT]],
    "uprn": ["100001", "100002", "100011"],
    "household_id": ["HH-100001", "HH-100002", "HH-100011"],
    "last_key": [phonetic(n) for n in ("Adopted", "Outer", "Victim", "Perp", "Khan")],
    "record_id": ["CSC-S001", "ER-O001", "ER-R010-OLD", "ER-R009"],
    "pseudonym": ["P-s001", "P-o001", "P-r009", "P-r010"],
    "kinds": [["Resident", "Address", "Household", "AgencyContact", "SourceRecord"]],
}
EXTRA_CALLS = {  # optional params worth setting: search by the refuge's postcode, by the restricted DOBs
    "app_search_attrs": [{"postcode": "AB8 8QQ"}, {"dob": "1980-05-05"}, {"dob": "2016-02-02"}],
    "app_search": [{"postcode": "AB8 8QQ", "last_key": phonetic("Victim")}],
}


def _calls(q: Any) -> list[dict[str, Any]]:
    required = [p for p in q.params if p.required]
    missing = [p.name for p in required if p.name not in CANDIDATES]
    assert not missing, f"{q.name}: no test values for {missing}; add them to CANDIDATES"
    combos = [dict(zip([p.name for p in required], vals, strict=True))
              for vals in itertools.product(*(CANDIDATES[p.name] for p in required))]
    return combos + EXTRA_CALLS.get(q.name, [])


@pytest.fixture(scope="module")
def outputs(store: Any) -> list[tuple[str, str, dict[str, Any], str]]:
    """(session, query, params, json of rows) for every read query each session may run."""
    out = []
    for q in load_library():
        if q.mode != "read":
            continue
        for sname, (role, purpose) in SESSIONS.items():
            if role not in q.roles:
                continue
            access = ctx(role, purpose)
            for params in _calls(q):
                rows = run_saved(store, q, params, access).rows
                out.append((sname, q.name, params, json.dumps(rows, default=str)))
    return out


def _leaks(text: str, secrets: tuple[str, ...]) -> list[str]:
    return [s for s in secrets if s in text]


def test_the_sweep_covers_every_query_and_every_session(outputs: list[tuple[str, str, dict, str]]) -> None:
    assert {q for _, q, _, _ in outputs} == {q.name for q in load_library() if q.mode == "read"}
    assert {s for s, _, _, _ in outputs} == set(SESSIONS)


def test_sealed_residents_appear_nowhere_but_a_subject_access_request(outputs: list) -> None:
    bad = [(s, q, p, _leaks(t, SEALED)) for s, q, p, t in outputs if s != "ig_sar" and _leaks(t, SEALED)]
    assert not bad, sorted({(q, tuple(x)) for _, q, _, x in bad})


def test_sealed_resident_is_reportable_under_subject_access(store: Any) -> None:
    lib = load_library()
    rows = run_saved(store, lib.get("app_resident"), {"resident_id": "S001"}, ctx("ig_officer", "subject_access")).rows
    assert rows and rows[0]["full_name"] == "Sealy Adopted"
    # ...and to nobody else, not even the IG officer outside a subject access request
    assert not run_saved(store, lib.get("app_resident"), {"resident_id": "S001"}, ctx("ig_officer")).rows


def test_opted_out_residents_are_left_out_of_planning(outputs: list) -> None:
    planning = {"sw_planning", "analyst_planning", "analyst_sf"}
    bad = [(s, q, p, _leaks(t, OPTED_OUT)) for s, q, p, t in outputs if s in planning and _leaks(t, OPTED_OUT)]
    assert not bad, sorted({(q, tuple(x)) for _, q, _, x in bad})


def test_opt_out_does_not_stop_fraud_or_safeguarding_work(store: Any) -> None:
    """The national data opt-out covers research and planning, not individual casework."""
    lib = load_library()
    found = run_saved(store, lib.get("app_search"), {"last_key": phonetic("Outer")},
                      ctx("fraud_investigator", "fraud_investigation")).rows
    assert [r["resident_id"] for r in found] == ["O001"]
    assert run_saved(store, lib.get("app_resident"), {"resident_id": "O001"}, ctx("social_worker", "safeguarding")).rows


def test_opt_out_is_left_out_of_aggregates(store: Any) -> None:
    q = load_library().get("app_stats")

    def riverside(access: AccessContext) -> int | None:
        rows = run_saved(store, q, {}, access).rows
        return next(r["n"] for r in rows if r["measure"] == "residents_by_ward" and r["key"] == "Riverside")

    # subject access sees the sealed child too; planning sees neither her nor the opted-out adult
    assert riverside(ctx("ig_officer", "subject_access")) == riverside(ctx("analyst", "service_planning")) + 2
    assert riverside(ctx("ig_officer")) == riverside(ctx("analyst", "service_planning")) + 1


def test_a_protected_address_never_appears_on_another_persons_view(outputs: list) -> None:
    def secrets(q: str) -> tuple[str, ...]:  # a ward total may include her (suppressed when small)
        return REFUGE[:-1] if q in AGGREGATES else REFUGE

    bad = [(s, q, p, _leaks(t, secrets(q))) for s, q, p, t in outputs
           if _leaks(t, secrets(q))
           and not (q in OWN_VIEW_QUERIES and p.get("resident_id") == OCCUPANT)
           and not q.startswith("gov_subject_access")]
    assert not bad, sorted({(q, tuple(x)) for _, q, _, x in bad})


def test_the_occupant_sees_her_own_protected_address_marked(store: Any) -> None:
    rows = run_saved(store, load_library().get("app_resident_addresses"), {"resident_id": OCCUPANT},
                     ctx("social_worker", "safeguarding")).rows
    assert rows and all(r["uprn"] == "100011" and r["protected"] for r in rows)
    assert all(r["address_text"] is None for r in rows)  # the text stays off screen even on her own page


def test_former_occupant_gets_no_trace_of_the_refuge(store: Any) -> None:
    lib = load_library()
    access = ctx("fraud_investigator", "fraud_investigation")
    addresses = run_saved(store, lib.get("app_resident_addresses"), {"resident_id": "R010"}, access).rows
    assert addresses and all(r["uprn"] != "100011" for r in addresses)
    records = run_saved(store, lib.get("app_resident_records"), {"resident_id": "R010"}, access).rows
    old = next(r for r in records if r["record_id"] == "ER-R010-OLD")
    assert old["address_withheld"] and old["uprn"] is None and old["postcode"] is None


def test_the_leak_check_can_fail() -> None:
    """The check sees nested values: a leak planted in evidence is caught."""
    text = json.dumps([{"evidence": [{"fact": "registered at Safe House, 9 Quiet Row"}]}])
    assert _leaks(text, REFUGE) == ["Safe House"]


def test_household_ids_do_not_locate_the_dwelling() -> None:
    """The loader names a household by a keyed HMAC of its UPRN, never the UPRN itself."""
    from graph.pseudonym import household_ids

    ids = household_ids(b"key-one", ["100011", "100002"])
    assert all(i.startswith("H-") and "100011" not in i and "100002" not in i for i in ids)
    assert household_ids(b"key-one", ["100011"]) == ids[:1]
    assert household_ids(b"key-two", ["100011"]) != ids[:1]
