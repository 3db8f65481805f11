"""Issue 7, subject access in the web app and on the command line, on the fixture borough in a real
embedded FalkorDB: only an IG officer under the subject access purpose may use it; the preview holds
the subject's records with provenance and the audit trail (with purpose, basis and case); the JSON and
zip downloads hold the same; every step is audited; `residex subject-access` works and fails cleanly."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_app
from flask import Flask
from test_webapp import PASSWORD, ROLES, Session, audit_rows, basis_for

SAR_REF = "SAR-2025-123"


@pytest.fixture(scope="module")
def app(borough_store: Any, fixture_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(tmp_path_factory.mktemp("webapp-sar"), borough_store, fixture_index, ROLES, password=PASSWORD, TESTING=True)
    yield app


@pytest.fixture(scope="module")
def ig(app: Flask) -> Session:
    # someone looked at Amira Khan earlier, for a reason: that must be in her report
    Session(app, "social_worker", purpose=("safeguarding", "SG-SAR-1")).get("/residents/R001")
    return Session(app, "ig_officer", purpose=("subject_access", SAR_REF))


def test_only_ig_under_subject_access_may_use_it(app: Flask) -> None:
    for role in ("fraud_investigator", "social_worker", "analyst", "administrator"):
        s = Session(app, role)
        assert s.get("/subject-access?resident_id=R001").status_code == 403, role
        assert s.post("/subject-access/R001/export", {"format": "json"}).status_code == 403, role
        assert audit_rows(app, username=role, action="refused")[0].path.startswith("/subject-access")
    other = Session(app, "ig_officer", purpose=("audit_review", ""))
    r = other.get("/subject-access?resident_id=R001")
    assert r.status_code == 403 and "Subject access request" in r.text
    refused = audit_rows(app, username="ig_officer", action="refused")[0]
    assert refused.purpose == "audit_review" and "subject-access" in refused.path
    assert other.post("/subject-access/R001/export", {"format": "zip"}).status_code == 403
    assert Session(app, "ig_officer", purpose=None).get("/subject-access").status_code == 302


def test_preview_holds_records_with_provenance_and_the_audit_trail(app: Flask, ig: Session) -> None:
    page = ig.get("/subject-access?resident_id=R001").text
    assert 'id="sar-report"' in page and "Amira Khan" in page
    for rec in ("CT-1001", "HT-2001", "ER-3001", "CSC-4001"):  # every source, with its record
        assert rec in page
    assert "COU-R001" in page and "most recent" in page  # provenance of the golden record
    trail = page.split('id="sar-audit"')[1].split("</table>")[0]
    assert "social_worker" in trail and "safeguarding" in trail and "SG-SAR-1" in trail
    assert basis_for("safeguarding").split(" ")[0] in trail
    entry = audit_rows(app, username="ig_officer", action="sar_preview")[0]
    assert entry.resident_ids == ["R001"] and entry.case_ref == SAR_REF and entry.purpose == "subject_access"
    assert entry.detail["shown"]["source_records"] == 4


def test_a_pasted_person_link_works_and_bad_ids_are_400(ig: Session) -> None:
    assert 'data-resident="R003"' in ig.get("/subject-access?resident_id=http://x/residents/R003").text
    assert ig.get("/subject-access?resident_id=%3Cscript%3E").status_code == 400
    assert ig.get("/subject-access?resident_id=NOPE999").status_code == 404


def test_downloads_parse_and_hold_the_same(app: Flask, ig: Session) -> None:
    r = ig.post("/subject-access/R001/export", {"format": "json"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert "attachment" in r.headers["Content-Disposition"] and SAR_REF in r.headers["Content-Disposition"]
    rep = json.loads(r.data)
    assert rep["report"]["case_ref"] == SAR_REF and rep["report"]["resident_id"] == "R001"
    assert {x["record_id"] for x in rep["source_records"]} == {"CT-1001", "HT-2001", "ER-3001", "CSC-4001"}
    assert any(e["case_ref"] == "SG-SAR-1" and e["purpose"] == "safeguarding" for e in rep["audit_trail"])
    z = ig.post("/subject-access/R001/export", {"format": "zip"})
    assert z.status_code == 200 and z.mimetype == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(z.data))
    rows = list(csv.DictReader(io.StringIO(files.read("source_records.csv").decode())))
    assert {x["record_id"] for x in rows} == {x["record_id"] for x in rep["source_records"]}
    trail = list(csv.DictReader(io.StringIO(files.read("audit_trail.csv").decode())))
    assert any(t["case_ref"] == "SG-SAR-1" for t in trail)
    assert json.loads(files.read("report.json"))["source_records"] == rep["source_records"]
    exports = audit_rows(app, username="ig_officer", action="sar_export")
    assert [e.detail["format"] for e in exports[:2]] == ["zip", "json"]
    assert all(e.case_ref == SAR_REF and e.resident_ids == ["R001"] for e in exports[:2])
    assert ig.post("/subject-access/R001/export", {"format": "xlsx"}).status_code == 400


def test_command_line_writes_the_report_and_audits_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner
    from conftest import build_fixture_borough

    from graph.falkor import FalkorStore
    from residex.cli import main
    from webapp.audit import search_cli_trail

    data = tmp_path / "data"
    store = FalkorStore(data)
    build_fixture_borough(store)
    store.close()
    monkeypatch.setenv("RESIDEX_DATA", str(data))
    basis = basis_for("subject_access")
    runner = CliRunner()
    out = tmp_path / "sar.json"
    r = runner.invoke(main, ["subject-access", "R003", "--case-ref", "SAR-CLI-1", "--legal-basis", basis,
                             "--out", str(out), "--user", "ig.alice"])
    assert r.exit_code == 0, r.output
    assert str(out) in r.output and "source records" in r.output and len(r.output.strip().splitlines()) == 1
    rep = json.loads(out.read_text())
    assert {x["record_id"] for x in rep["source_records"]} == {"SC-6003", "CSC-4003"}
    assert rep["report"]["generated_by"] == "cli:ig.alice" and rep["report"]["case_ref"] == "SAR-CLI-1"
    z = tmp_path / "sar.zip"
    r = runner.invoke(main, ["subject-access", "R003", "--case-ref", "SAR-CLI-1", "--legal-basis", basis,
                             "--out", str(z)])
    assert r.exit_code == 0, r.output
    assert "family.csv" in zipfile.ZipFile(z).namelist()
    trail = search_cli_trail("R003", data_dir=data)
    assert [t["action"] for t in trail] == ["sar_export", "sar_export"]
    assert trail[1]["case_ref"] == "SAR-CLI-1" and trail[1]["purpose"] == "subject_access"
    assert trail[1]["username"] == "cli:ig.alice" and json.loads(trail[0]["detail"])["format"] == "zip"
    # the second report's trail holds the first export
    assert json.loads(zipfile.ZipFile(z).read("report.json"))["summary"]["audit_entries"] == 1

    r = runner.invoke(main, ["subject-access", "NOBODY", "--case-ref", "SAR-CLI-2", "--legal-basis", basis,
                             "--out", str(tmp_path / "x.json")])
    assert r.exit_code != 0 and "NOBODY" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1 and not (tmp_path / "x.json").exists()
    r = runner.invoke(main, ["subject-access", "R003", "--case-ref", "", "--legal-basis", basis,
                             "--out", str(tmp_path / "y.json")])
    assert r.exit_code != 0 and "case reference" in r.output
    r = runner.invoke(main, ["subject-access", "R003", "--case-ref", "S-1", "--legal-basis", "whim",
                             "--out", str(tmp_path / "y.json")])
    assert r.exit_code != 0 and "legal basis" in r.output and not (tmp_path / "y.json").exists()
