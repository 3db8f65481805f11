"""Issue 7, the data-quality page: per-source figures that match data_quality.json of a real linked
index (the session's 1,500-person `linked_borough`), counts only, and a note when no index exists."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from test_webapp import PASSWORD, Session, audit_rows

import webapp
from webapp import accounts

pytestmark = pytest.mark.slow


def _app(store: Any, data: Path, index: Path | None) -> Flask:
    app = webapp.create_app({"DATA_DIR": data, "STORE": store, "INDEX_DIR": index, "TESTING": True})
    with app.app_context():
        for role in ("analyst", "ig_officer", "fraud_investigator"):
            accounts.create_user(role, PASSWORD, role, "Team", approved=True, approved_by="test")
    return app


def _cell(row: str, cls: str) -> str:
    m = re.search(rf'class="n {cls}">([^<]*)', row)
    assert m, cls
    return m.group(1).strip()


def test_page_shows_each_sources_figures_from_the_index(borough_store: Any, linked_borough: Path,
                                                        tmp_path: Path) -> None:
    app = _app(borough_store, tmp_path, linked_borough)
    dq = json.loads((linked_borough / "data_quality.json").read_text())
    assert len(dq) >= 10 and sum(d["quarantined"] for d in dq.values()) > 0
    for role in ("analyst", "ig_officer"):
        page = Session(app, role).get("/quality")
        assert page.status_code == 200, role
        html = page.text
        for system, d in dq.items():
            row = re.search(rf'<tr data-source="{system}">(.*?)</tr>', html, re.S)
            assert row, system
            r = row.group(1)
            assert _cell(r, "rows-read") == str(d["rows_read"]) and _cell(r, "accepted") == str(d["accepted"])
            assert _cell(r, "quarantined") == str(d["quarantined"])
            assert _cell(r, "duplicates") == f'{d["within_source_duplicates"]["records"]} ' \
                                             f'({d["within_source_duplicates"]["residents"]})'
            for f in ("dob", "last_name", "postcode"):
                assert _cell(r, f"disagree-{f}").startswith(str(d["disagrees_with_golden"][f]["records"]))
            section = html.split(f'id="quality-{system}"')[1].split("</section>")[0]
            for reason, n in d["quarantined_by_reason"].items():
                assert re.search(rf'data-reason="{reason}">.*?<td class="n">{n}</td>', section, re.S), (system, reason)
            for field, rate in d.get("missing_rate", {}).items():
                assert f'data-field="{field}"><td>{field}</td><td class="n">{rate * 100:.1f}%' in section
        # counts only: no example from the JSON (resident or record IDs, names, dates of birth) is on the page
        for d in dq.values():
            for ex in d["within_source_duplicates"]["examples"][:3]:
                assert ex["resident_id"] not in html
            for f in ("dob", "last_name"):
                for ex in d["disagrees_with_golden"][f]["examples"][:3]:
                    assert ex["record_id"] not in html and f'>{ex["source_value"]}<' not in html
    assert audit_rows(app, username="analyst", action="view_quality")[0].purpose == "service_planning"
    assert Session(app, "fraud_investigator").get("/quality").status_code == 403


def test_a_note_when_no_index_is_available(borough_store: Any, tmp_path: Path) -> None:
    app = _app(borough_store, tmp_path, None)
    page = Session(app, "analyst").get("/quality").text
    assert 'id="quality-none"' in page and "quality-table" not in page
