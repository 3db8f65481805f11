"""Subject access reports (issue 7) on a real linked borough in the real embedded FalkorDB.

The borough is generated, linked and loaded for real, with its restriction lists applied. To make the
"a protected address never appears on any other person's view" rule bite, the fixture also flags as
protected a few dwellings that other people are connected to (former occupants, claimants, relatives
of the occupants), as a council's list could: the generated refuges alone have no such visitors.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from graph.access import load_policy
from graph.falkor import FalkorStore
from graph.library import Forbidden
from graph.load import load_index
from graph.subject_access import SubjectNotFound, subject_access_report, to_csv_zip, to_json
from loaders.restrictions import apply_restrictions

PEOPLE = 1200
SEED = 3
BASIS = "UK GDPR Art 6(1)(c) legal obligation"
OCCUPANTS = """
MATCH (a:Address) WHERE a.protected
OPTIONAL MATCH (o:Resident)-[l:LIVES_AT]->(a) WHERE l.current
WITH a, collect(DISTINCT o.resident_id) AS cur
OPTIONAL MATCH (h:Resident {uprn: a.uprn})
WITH a, cur, collect(DISTINCT h.resident_id) AS home
RETURN a.uprn AS uprn, a.address_text AS address_text, cur + home AS occupants
"""
# every way a resident's own data can reach a dwelling
TOUCHES = """
MATCH (x:Resident)-[:LIVES_AT|CLAIMS]->(a:Address {uprn: $uprn}) RETURN DISTINCT x.resident_id AS x
UNION MATCH (x:Resident)-[:HAD_CONTACT]->(:AgencyContact {uprn: $uprn}) RETURN DISTINCT x.resident_id AS x
UNION MATCH (x:Resident)<-[:RESOLVES_TO]-(:SourceRecord {uprn: $uprn}) RETURN DISTINCT x.resident_id AS x
UNION MATCH (x:Resident)-[:PARENT_OF|PARTNER_OF|SIBLING_OF]-(o:Resident) WHERE o.resident_id IN $occupants
      RETURN DISTINCT x.resident_id AS x
"""


def _ctx(role: str = "ig_officer", purpose: str | None = "subject_access", case_ref: str = "SAR-2025-017"):
    return load_policy().context(user="ig.officer", role=role, purpose=purpose, legal_basis=BASIS, case_ref=case_ref)


def _occupants(store: FalkorStore) -> dict[str, dict]:
    return {r["uprn"]: {"address_text": r["address_text"], "occupants": set(r["occupants"])}
            for r in store.read(OCCUPANTS)}


def _visitors(store: FalkorStore, uprn: str, occupants: set[str]) -> set[str]:
    rows = store.read(TOUCHES, {"uprn": uprn, "occupants": sorted(occupants)})
    return {r["x"] for r in rows} - occupants


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from loaders.facts import run_facts
    from loaders.link import run_link
    from loaders.synthetic import generate

    root = tmp_path_factory.mktemp("sar")
    generate(PEOPLE, SEED, root / "sources")
    run_link(root / "sources", root / "index")
    run_facts(root / "sources", root / "index")
    return root / "sources", root / "index"


@pytest.fixture(scope="module")
def store(borough: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[FalkorStore]:
    sources, index = borough
    s = FalkorStore(tmp_path_factory.mktemp("graph"))
    key_dir = tmp_path_factory.mktemp("key")
    # first pass: which dwellings have residents connected to them who do not live there now?
    apply_restrictions(sources, index)
    load_index(s, index, key_dir=key_dir)
    s.write("MATCH (a:Address) SET a.protected = true")
    candidates = []
    for uprn, info in sorted(_occupants(s).items()):
        if info["occupants"] and _visitors(s, uprn, info["occupants"]):
            candidates.append(uprn)
    assert candidates, "the borough has no dwelling that other residents are connected to"
    extra = candidates[:: max(1, len(candidates) // 6)][:6]
    with open(sources / "restrictions" / "protected_addresses.csv", "a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([u, "refuge"] for u in extra)
    apply_restrictions(sources, index)
    load_index(s, index, key_dir=key_dir)
    yield s
    s.close()


def _texts(report: dict) -> list[str]:
    """The report as exported, both ways, to search for what must not be in it."""
    z = zipfile.ZipFile(io.BytesIO(to_csv_zip(report)))
    return [to_json(report)] + [z.read(n).decode("utf-8") for n in z.namelist()]


def test_loader_sets_the_flags_from_the_restriction_tables(store: FalkorStore, borough: tuple[Path, Path]) -> None:
    _, index = borough
    flags = pq.read_table(index / "restrictions.parquet").to_pandas()
    prot = pq.read_table(index / "protected_addresses.parquet").to_pandas()
    for flag in ("opt_out", "sealed"):
        (row,) = store.read(f"MATCH (r:Resident) WHERE r.{flag} RETURN collect(r.resident_id) AS ids")
        assert sorted(row["ids"]) == sorted(flags[flags.flag == flag].resident_id), flag
    (row,) = store.read("MATCH (a:Address) WHERE a.protected RETURN collect(a.uprn) AS u")
    assert sorted(row["u"]) == sorted(prot.uprn) and len(prot) >= 4


def test_report_holds_every_source_record_with_provenance(store: FalkorStore, borough: tuple[Path, Path]) -> None:
    _, index = borough
    records = pq.read_table(index / "records.parquet", columns=["source_system", "record_id", "resident_id"]).to_pandas()
    residents = pq.read_table(index / "residents.parquet").to_pandas().set_index("resident_id")
    lives_at = pq.read_table(index / "lives_at.parquet").to_pandas()
    busiest = records.resident_id.value_counts()
    subjects = list(busiest.index[:3]) + [busiest.index[len(busiest) // 2]]
    for rid in subjects:
        report = subject_access_report(store, rid, _ctx(), [])
        mine = records[records.resident_id == rid]
        got = {(r["source_system"], r["record_id"]) for r in report["source_records"]}
        assert got == set(zip(mine.source_system, mine.record_id, strict=True)), rid
        assert all(r["match_probability"] is not None and r["record_key"] == f"{r['source_system']}:{r['record_id']}"
                   for r in report["source_records"])
        assert report["summary"]["source_records"] == len(mine)
        prov = json.loads(residents.provenance[rid])
        fields = {f["field"]: f for f in report["subject"]["fields"]}
        for name, p in prov.items():
            if p:
                assert (fields[name]["source_system"], fields[name]["record_id"]) == (p["source_system"], p["record_id"])
        la = lives_at[(lives_at.resident_id == rid) & lives_at.uprn.notna()]
        assert {(a["source_system"], a["record_id"]) for a in report["addresses"]} == \
            set(zip(la.source_system, la.record_id, strict=True))
        for section in ("addresses", "claims", "contacts", "family"):
            assert all(row["source_system"] and row["record_id"] for row in report[section]), section
        assert report["report"]["case_ref"] == "SAR-2025-017" and report["report"]["legal_basis"] == BASIS


def test_no_other_persons_protected_address_appears(store: FalkorStore) -> None:
    checked = withheld = 0
    for uprn, info in sorted(_occupants(store).items()):
        for rid in sorted(_visitors(store, uprn, info["occupants"]))[:4]:
            report = subject_access_report(store, rid, _ctx(), [])
            assert uprn not in report["subject"]["current_uprns"]
            # the gazetteer's text as a whole cell ("Flat 1, 12 High Road" does not count for "12 High Road")
            address = re.compile(r'(?:^|(?<=[",\n]))' + re.escape(info["address_text"]), re.IGNORECASE)
            for text in _texts(report):
                assert uprn not in text, (rid, uprn)
                assert not address.search(text), (rid, uprn)
            withheld += report["withheld"]["addresses_of_other_protected_people"]
            checked += 1
    assert checked >= 3 and withheld >= 1


def test_own_protected_address_is_shown_and_marked(store: FalkorStore) -> None:
    occ = _occupants(store)
    uprn, info = next((u, i) for u, i in sorted(occ.items()) if i["occupants"])
    rid = sorted(info["occupants"])[0]
    report = subject_access_report(store, rid, _ctx(), [])
    assert report["subject"]["restrictions"]["address_protected"]
    assert any(a["uprn"] == uprn and a["protected"] for a in report["addresses"])
    assert any("protected address" in n for n in report["notes"])


def test_sealed_relatives_are_left_out_and_counted(store: FalkorStore) -> None:
    rows = store.read("MATCH (x:Resident)-[:PARENT_OF|PARTNER_OF|SIBLING_OF]-(o:Resident) "
                      "WHERE o.sealed AND NOT coalesce(x.sealed, false) "
                      "RETURN x.resident_id AS x, collect(DISTINCT o.resident_id) AS sealed ORDER BY x")
    assert rows, "no relative of a sealed resident in the borough"
    for row in rows[:4]:
        report = subject_access_report(store, row["x"], _ctx(), [])
        assert report["withheld"]["sealed_family_links"] >= 1
        for text in _texts(report):
            assert not any(s in text for s in row["sealed"]), row


def test_audit_trail_is_included_without_other_peoples_ids(store: FalkorStore, borough: tuple[Path, Path]) -> None:
    _, index = borough
    rid = pq.read_table(index / "residents.parquet", columns=["resident_id"]).column(0)[0].as_py()
    entries = [
        {"id": 2, "ts": "2025-03-02T09:00:00.000+00:00", "username": "sw.jones", "role": "social_worker", "team": "MASH",
         "action": "view_resident", "outcome": "ok", "path": "/resident/R99999999?x", "resident_ids": [rid, "R99999999"],
         "detail": json.dumps({"purpose": "safeguarding", "legal_basis": "Children Act 1989 s47 / Children Act 2004 s11",
                               "case_ref": "CP-881"}), "ip": "10.0.0.9"},
        {"id": 1, "ts": "2025-01-15T14:30:00.000+00:00", "username": "fi.patel", "role": "fraud_investigator",
         "team": "Counter-fraud", "action": "view_resident", "outcome": "ok", "resident_ids": [rid],
         "purpose": "fraud_investigation", "legal_basis": BASIS, "case_ref": "FR-12", "detail": {}},
    ]
    report = subject_access_report(store, rid, _ctx(), entries)
    trail = report["audit_trail"]
    assert [e["username"] for e in trail] == ["fi.patel", "sw.jones"]
    assert trail[1]["purpose"] == "safeguarding" and trail[1]["case_ref"] == "CP-881"
    assert trail[0]["legal_basis"] == BASIS
    for text in _texts(report):
        assert "R99999999" not in text and "10.0.0.9" not in text
    z = zipfile.ZipFile(io.BytesIO(to_csv_zip(report)))
    rows = list(csv.DictReader(io.StringIO(z.read("audit_trail.csv").decode())))
    assert [r["purpose"] for r in rows] == ["fraud_investigation", "safeguarding"]


def test_only_an_ig_officer_under_the_subject_access_purpose(store: FalkorStore, borough: tuple[Path, Path]) -> None:
    _, index = borough
    rid = pq.read_table(index / "residents.parquet", columns=["resident_id"]).column(0)[0].as_py()
    with pytest.raises(Forbidden):
        subject_access_report(store, rid, _ctx(role="social_worker", purpose=None), [])
    with pytest.raises(Forbidden):
        subject_access_report(store, rid, _ctx(purpose="audit_review"), [])
    with pytest.raises(Forbidden):
        subject_access_report(store, rid, _ctx(purpose=None), [])
    with pytest.raises(SubjectNotFound):
        subject_access_report(store, "R-NOBODY", _ctx(), [])


def test_exports_round_trip(store: FalkorStore, borough: tuple[Path, Path]) -> None:
    _, index = borough
    rid = pq.read_table(index / "records.parquet", columns=["resident_id"]).to_pandas().resident_id.mode()[0]
    report = subject_access_report(store, rid, _ctx(), [{"ts": "2025-01-01T00:00:00", "username": "=HYPERLINK(1)",
                                                       "action": "search"}])
    data = json.loads(to_json(report))
    assert data["report"]["resident_id"] == rid and data["summary"] == report["summary"]
    z = zipfile.ZipFile(io.BytesIO(to_csv_zip(report)))
    assert {"README.txt", "subject.csv", "source_records.csv", "addresses.csv", "claims.csv", "contacts.csv",
            "family.csv", "household.csv", "audit_trail.csv", "withheld.csv", "report.json"} <= set(z.namelist())
    recs = list(csv.DictReader(io.StringIO(z.read("source_records.csv").decode())))
    assert len(recs) == report["summary"]["source_records"]
    assert "'=HYPERLINK(1)" in z.read("audit_trail.csv").decode()  # no formula for a spreadsheet to run
    assert to_csv_zip(report) == to_csv_zip(report)
