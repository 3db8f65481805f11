"""Shared fixtures: one real embedded FalkorDB per session holding a small borough built from
graph/model.yaml (no mocks), and helpers to build apps and live servers on it.

The fixture borough is deliberately small and hand-written so that tests can name what each role
must and must not see; the larger generated borough is for benchmarks (bench/).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from graph.model import load_model
from graph.search_keys import phonetic

XSS_NAME = '<script>window.__xss=1</script>'


def _resident(rid: str, first: str, last: str, dob: str, sex: str, uprn: str, postcode: str, ward: str,
              sources: list[str], **extra: Any) -> dict[str, Any]:
    parts = [p for p in last.replace("-", " ").split() if p]
    prov = {f: {"value": v, "source_system": sources[0], "record_id": f"{sources[0][:3].upper()}-{rid}",
                "date": "2024-01-01", "rule": "most recent"}
            for f, v in (("first_name", first), ("last_name", last), ("dob", dob), ("postcode", postcode))}
    prov["sex"] = {"value": sex, "source_system": sources[-1], "record_id": f"{sources[-1][:3].upper()}-{rid}",
                   "date": None, "rule": "most trusted source"}
    return {"resident_id": rid, "first_name": first, "last_name": last, "full_name": f"{first} {last}",
            "last_key": phonetic(last), "alt_last_key": phonetic(parts[-1]) if len(parts) > 1 else None,
            "first_key": phonetic(first), "dob": dob, "birth_year": int(dob[:4]), "sex": sex,
            "nhs_number": extra.get("nhs_number", f"94{rid[-3:].zfill(3)}12345"[:10]),
            "ni_number": extra.get("ni_number", f"QQ{rid[-3:].zfill(6)}C"), "postcode": postcode, "uprn": uprn,
            "ward": ward, "pseudonym": f"P-{rid.lower()}", "n_records": len(sources), "sources": sources,
            "provenance": json.dumps(prov, separators=(",", ":")), "opt_out": False, "sealed": False,
            "deceased": extra.get("deceased", False)}


# The borough: the Khan household (a council tenancy with a single-person discount claimed by Amira
# although her partner Tom is registered there), Amira's mother Fatima across the road, a hostel that
# is a supernode, a resident whose name is a script tag, and source records with one uncertain match.
ADDRESSES = [
    {"uprn": "100001", "address_text": "Flat 4, 12 High Street", "postcode": "AB1 2CD", "ward": "Riverside",
     "council_owned": True, "bedrooms": 2, "property_type": "flat", "protected": False},
    {"uprn": "100002", "address_text": "3 Mill Lane", "postcode": "AB1 3EF", "ward": "Riverside",
     "council_owned": False, "bedrooms": 3, "property_type": "house", "protected": False},
    {"uprn": "100009", "address_text": "St Bride's Hostel, 1 Station Road", "postcode": "AB2 9XY", "ward": "Central",
     "council_owned": True, "bedrooms": 80, "property_type": "hostel", "protected": False},
    {"uprn": "100010", "address_text": "Refuge, secret street", "postcode": "AB9 9ZZ", "ward": "Central",
     "council_owned": False, "bedrooms": 6, "property_type": "refuge", "protected": True},
]
SOC = ["childrens_social_care"]
RESIDENTS = [
    _resident("R001", "Amira", "Khan", "1985-03-02", "F", "100001", "AB1 2CD", "Riverside",
              ["council_tax", "housing_tenancy", "electoral_register", "childrens_social_care", "gp_registration"]),
    _resident("R002", "Tom", "Khan", "1983-11-20", "M", "100001", "AB1 2CD", "Riverside",
              ["electoral_register", "police_contacts", "dwp_benefits"]),
    _resident("R003", "Zara", "Khan", "2015-06-09", "F", "100001", "AB1 2CD", "Riverside",
              ["school_census", "childrens_social_care", "gp_registration"]),
    _resident("R004", "Fatima", "Khan", "1958-01-30", "F", "100002", "AB1 3EF", "Riverside",
              ["council_tax", "adult_social_care", "electoral_register"]),
    _resident("R005", XSS_NAME, "O'Neil", "1990-07-07", "M", "100002", "AB1 3EF", "Riverside",
              ["council_tax", "electoral_register", "childrens_social_care"]),
    _resident("R006", "Kathryn", "Smyth-Jones", "1979-04-12", "F", "100010", "AB9 9ZZ", "Central",
              ["adult_social_care", "gp_registration"]),
    _resident("R007", "Hidden", "Councilonly", "1970-01-01", "M", "100002", "AB1 3EF", "Riverside",
              ["council_tax"]),
] + [_resident(f"H{i:03d}", f"Guest{i}", "Hostelresident", "1975-01-01", "M", "100009", "AB2 9XY", "Central",
               ["housing_benefit", "electoral_register", "adult_social_care"]) for i in range(60)]

RECORDS = [  # (source_system, record_id, resident_id, match_probability, first, last)
    ("council_tax", "CT-1001", "R001", 0.99, "Amira", "Khan"),
    ("housing_tenancy", "HT-2001", "R001", 0.97, "Amira", "Khan"),
    ("electoral_register", "ER-3001", "R001", 0.62, "Amirah", "Kahn"),  # uncertain link
    ("childrens_social_care", "CSC-4001", "R001", 0.98, "Amira", "Khan"),
    ("electoral_register", "ER-3002", "R002", 0.99, "Tom", "Khan"),
    ("dwp_benefits", "DWP-8002", "R002", 0.97, "Tom", "Khan"),
    ("police_contacts", "PC-5002", "R002", 0.93, "Thomas", "Khan"),
    ("school_census", "SC-6003", "R003", 0.99, "Zara", "Khan"),
    ("childrens_social_care", "CSC-4003", "R003", 0.99, "Zara", "Khan"),
    ("council_tax", "CT-1004", "R004", 0.99, "Fatima", "Khan"),
    ("adult_social_care", "ASC-7004", "R004", 0.96, "Fatima", "Khan"),
    ("council_tax", "CT-1005", "R005", 0.99, XSS_NAME, "O'Neil"),
    ("childrens_social_care", "CSC-4005", "R005", 0.99, XSS_NAME, "O'Neil"),
    ("adult_social_care", "ASC-7006", "R006", 0.99, "Kathryn", "Smyth-Jones"),
    ("council_tax", "CT-1007", "R007", 0.99, "Hidden", "Councilonly"),
]
LIVES_AT = [  # (resident, uprn, from, to, source, record_id, current)
    ("R001", "100001", "2016-04-01", None, "housing_tenancy", "HT-2001", True),
    ("R001", "100001", "2016-04-01", None, "council_tax", "CT-1001", True),
    ("R001", "100002", "2005-01-01", "2016-03-31", "electoral_register", "ER-3001", False),
    ("R002", "100001", "2018-09-01", None, "electoral_register", "ER-3002", True),
    ("R002", "100001", "2019-02-01", None, "dwp_benefits", "DWP-8002", True),
    ("R003", "100001", "2016-04-01", None, "school_census", "SC-6003", True),
    ("R004", "100002", "1990-01-01", None, "council_tax", "CT-1004", True),
    ("R005", "100002", "2020-01-01", None, "council_tax", "CT-1005", True),
    ("R006", "100010", "2023-01-01", None, "adult_social_care", "ASC-7006", True),
    ("R007", "100002", "2021-01-01", None, "council_tax", "CT-1007", True),
] + [(f"H{i:03d}", "100009", "2024-01-01", None, "housing_benefit", f"HB-{i}", True) for i in range(60)]
FAMILY = [  # (type, from, to, source, record_id)
    ("PARTNER_OF", "R001", "R002", "electoral_register", "ER-3002"),
    ("PARENT_OF", "R001", "R003", "school_census", "SC-6003"),
    ("PARENT_OF", "R002", "R003", "childrens_social_care", "CSC-4003"),
    ("PARENT_OF", "R004", "R001", "adult_social_care", "ASC-7004"),
    ("SIBLING_OF", "R001", "R007", "council_tax", "CT-1007"),
]
CONTACTS = [  # (resident, source, record_id, agency, type, date, uprn)
    ("R003", "childrens_social_care", "CSC-C1", "Children's social care", "referral", "2019-05-01", "100001"),
    ("R003", "childrens_social_care", "CSC-C2", "Children's social care", "child in need plan", "2019-07-15", "100001"),
    ("R002", "police_contacts", "PC-C1", "Police", "domestic incident", "2021-02-11", "100001"),
    ("R002", "police_contacts", "PC-C2", "Police", "domestic incident", "2023-08-30", "100001"),
    ("R003", "school_census", "SC-C1", "School", "exclusion", "2022-03-03", "100001"),
    ("R004", "adult_social_care", "ASC-C1", "Adult social care", "care assessment", "2020-10-10", "100002"),
    ("R001", "blue_light_callouts", "BL-C1", "Fire and rescue", "call-out", "2017-12-24", "100001"),
]
CLAIMS = [  # (resident, uprn, claim_id, type, from, to, source, record_id)
    ("R001", "100001", "CL-1", "single_person_discount", "2017-04-01", None, "council_tax", "CT-1001"),
    ("R001", "100001", "CL-2", "council_tenancy", "2016-04-01", None, "housing_tenancy", "HT-2001"),
] + [(f"H{i:03d}", "100009", f"CL-H{i}", "housing_benefit", "2024-01-01", None, "housing_benefit", f"HB-{i}")
     for i in range(60)]
HOUSEHOLDS = [("HH-100001", "100001", ["R001", "R002", "R003"]), ("HH-100002", "100002", ["R004", "R005", "R007"]),
              ("HH-100009", "100009", [f"H{i:03d}" for i in range(60)])]


def build_fixture_borough(store: Any) -> None:
    """Write the fixture borough into an (empty) store, following graph/model.yaml."""
    store.clear()
    store.ensure_schema(load_model().schema())
    store.write("UNWIND $rows AS row CREATE (a:Address) SET a = row", {"rows": ADDRESSES})
    store.write("UNWIND $rows AS row MERGE (w:Ward {name: row}) WITH w "
                "MATCH (a:Address {ward: w.name}) MERGE (a)-[:IN_WARD]->(w)",
                {"rows": sorted({a["ward"] for a in ADDRESSES})})
    store.write("UNWIND $rows AS row CREATE (r:Resident) SET r = row",
                {"rows": [{k: v for k, v in r.items() if v is not None} for r in RESIDENTS]})
    store.write("UNWIND $rows AS row MATCH (r:Resident {resident_id: row.rid}) "
                "CREATE (s:SourceRecord {record_key: row.sys + ':' + row.id, source_system: row.sys, "
                "record_id: row.id, match_probability: row.p, first_name: row.f, last_name: row.l, "
                "record_date: '2024-01-01'})-[:RESOLVES_TO {match_probability: row.p}]->(r)",
                {"rows": [dict(zip(("sys", "id", "rid", "p", "f", "l"), r, strict=True)) for r in RECORDS]})
    store.write("UNWIND $rows AS row MATCH (r:Resident {resident_id: row.rid}), (a:Address {uprn: row.uprn}) "
                "CREATE (r)-[l:LIVES_AT {from_date: row.f, source_system: row.sys, record_id: row.id, "
                "current: row.cur}]->(a) SET l.to_date = row.t",
                {"rows": [dict(zip(("rid", "uprn", "f", "t", "sys", "id", "cur"), r, strict=True)) for r in LIVES_AT]})
    for rtype in ("PARTNER_OF", "PARENT_OF", "SIBLING_OF"):
        rows = [{"a": a, "b": b, "sys": s, "id": i} for t, a, b, s, i in FAMILY if t == rtype]
        store.write(f"UNWIND $rows AS row MATCH (a:Resident {{resident_id: row.a}}), (b:Resident {{resident_id: row.b}}) "
                    f"CREATE (a)-[:{rtype} {{source_system: row.sys, record_id: row.id}}]->(b)", {"rows": rows})
    store.write("UNWIND $rows AS row MATCH (r:Resident {resident_id: row.rid}) "
                "MERGE (g:Agency {name: row.agency}) "
                "CREATE (r)-[:HAD_CONTACT]->(c:AgencyContact {contact_id: row.sys + ':' + row.id, agency: row.agency, "
                "contact_type: row.type, contact_date: row.date, source_system: row.sys, record_id: row.id, "
                "uprn: row.uprn})-[:WITH_AGENCY]->(g)",
                {"rows": [dict(zip(("rid", "sys", "id", "agency", "type", "date", "uprn"), c, strict=True))
                          for c in CONTACTS]})
    store.write("UNWIND $rows AS row MATCH (r:Resident {resident_id: row.rid}), (a:Address {uprn: row.uprn}) "
                "CREATE (r)-[c:CLAIMS {claim_id: row.cid, claim_type: row.type, from_date: row.f, "
                "source_system: row.sys, record_id: row.id}]->(a) SET c.to_date = row.t",
                {"rows": [dict(zip(("rid", "uprn", "cid", "type", "f", "t", "sys", "id"), c, strict=True))
                          for c in CLAIMS]})
    for hid, uprn, members in HOUSEHOLDS:
        store.write("MATCH (a:Address {uprn: $uprn}) CREATE (h:Household {household_id: $hid, uprn: $uprn, "
                    "size: $size, adults: $size, children: 0})-[:OCCUPIES]->(a) WITH h "
                    "UNWIND $members AS rid MATCH (r:Resident {resident_id: rid}) CREATE (r)-[:MEMBER_OF]->(h)",
                    {"hid": hid, "uprn": uprn, "size": len(members), "members": members})


def write_fixture_index(index_dir: Path) -> Path:
    """A match_explanations.parquet for the fixture borough (what `residex link` writes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    index_dir.mkdir(parents=True, exist_ok=True)
    by_res: dict[str, list[tuple]] = {}
    for r in RECORDS:
        by_res.setdefault(r[2], []).append(r)
    rows = []
    for rid, recs in by_res.items():
        for left, right in zip(recs, recs[1:], strict=False):
            rows.append({"record_id_l": left[1], "source_l": left[0], "record_id_r": right[1], "source_r": right[0],
                         "resident_id": rid, "match_probability": min(left[3], right[3]), "match_weight": 7.5,
                         "rules": None,
                         "comparisons": json.dumps({
                             "first_name": {"level": "exact match" if left[4] == right[4] else "jaro-winkler > 0.9",
                                            "gamma": 3, "match_weight": 4.1, "tf_adjustment": 0.2},
                             "dob": {"level": "exact match", "gamma": 2, "match_weight": 6.3, "tf_adjustment": None},
                             "postcode": {"level": "different", "gamma": 0, "match_weight": -2.9,
                                          "tf_adjustment": None}})})
    pq.write_table(pa.Table.from_pylist(rows), index_dir / "match_explanations.parquet")
    return index_dir


@contextmanager
def fixture_borough_store(folder: Path) -> Iterator[Any]:
    """A real embedded FalkorDB in ``folder`` holding the fixture borough; closed on exit."""
    from graph.falkor import FalkorStore

    store = FalkorStore(folder)
    try:
        build_fixture_borough(store)
        yield store
    finally:
        store.close()


@pytest.fixture(scope="session")
def borough_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The fixture borough, shared by the whole session (read-only use)."""
    with fixture_borough_store(tmp_path_factory.mktemp("falkor-borough")) as store:
        yield store


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fixture_index(tmp_path_factory.mktemp("index"))


PASSWORD = "correct horse battery"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def make_app(data_dir: Path, store: Any, index: Path | None = None, roles: tuple[str, ...] = (), *,
             password: str = PASSWORD, **config: Any) -> Any:
    """A fresh web app on a real store (Flask tutorial style: one app per test module), with one
    approved account per role, named after the role."""
    import webapp
    from webapp import accounts

    app = webapp.create_app({"DATA_DIR": data_dir, "STORE": store, "INDEX_DIR": index, **config})
    with app.app_context():
        for role in roles:
            accounts.create_user(role, password, role, "Team " + role, approved=True, approved_by="test")
    return app


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (its own browser download cannot work offline)."""
    import shutil

    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("Debian chromium is not installed (run `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


class LiveServer:
    """A werkzeug server for one app on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, app: Any) -> None:
        from werkzeug.serving import make_server

        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def generated_borough(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    """A small borough through the real pipeline (generate -> link -> facts -> load) in embedded FalkorDB:
    (store, index folder). Costs ~30 s, so only tests marked slow use it."""
    from graph.falkor import FalkorStore
    from graph.load import load_index
    from loaders.facts import run_facts
    from loaders.link import run_link
    from loaders.synthetic import generate

    root = tmp_path_factory.mktemp("generated-borough")
    generate(400, 5, root / "sources")
    run_link(root / "sources", root / "index")
    run_facts(root / "sources", root / "index")
    store = FalkorStore(root / "data")
    load_index(store, root / "index", key_dir=root)
    try:
        yield store, root / "index"
    finally:
        store.close()


@pytest.fixture(scope="session")
def linked_borough(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,500-person generated borough through the whole link stage (facts and restrictions too), built
    once per session for the loader tests; a test that changes it works on a copy."""
    from loaders.pipeline import build_index
    from loaders.synthetic import generate

    root = tmp_path_factory.mktemp("linked-borough")
    generate(1500, 7, root / "sources")
    build_index(root / "sources", root / "index")
    return root / "index"
