"""Subject access requests for the web app and the command line: the one path from a view to
``graph/subject_access.py`` (no Cypher here either: the report runs the saved ``gov_subject_access*``
queries), joined with the audit trail of who looked at the person and why, from the audit log.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, g

from graph.subject_access import SubjectNotFound, subject_access_report, to_csv_zip, to_json
from webapp import audit
from webapp.graphstore import get_store
from webapp.services import BadInput, NotFound

AUDIT_LIMIT = 100_000  # a person's whole trail; the log is indexed by resident
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_LINK = re.compile(r"/(?:residents|network/resident)/([^/?#\s]+)")
EXPORTS = {"json": ("application/json", "json"), "zip": ("application/zip", "zip")}


def parse_subject(text: str) -> str:
    """A resident ID from what the officer typed or pasted: the ID itself or a person-page link."""
    text = (text or "").strip()
    m = _LINK.search(text)
    rid = m.group(1) if m else text
    if not _ID.match(rid):
        raise BadInput(f"{text[:80]!r} is not a resident ID (e.g. the ID on the person page, or its link)")
    return rid


def trail(resident_id: str) -> list[audit.Entry]:
    """Every audit entry that showed this resident, with its purpose, legal basis and case reference."""
    return audit.search(resident_id=resident_id, limit=AUDIT_LIMIT)


def report(resident_id: str) -> dict[str, Any]:
    """The subject access report for the current session (IG officer, purpose subject_access)."""
    try:
        return subject_access_report(get_store(), resident_id, g.access, trail(resident_id),
                                     library=current_app.extensions["residex_library"])
    except SubjectNotFound as e:
        raise NotFound(resident_id) from e


def export(rep: dict[str, Any], fmt: str) -> tuple[bytes, str, str]:
    """(body, mimetype, filename) of a report in ``fmt`` (json or zip of CSVs)."""
    if fmt not in EXPORTS:
        raise BadInput(f"format {fmt!r}: choose json or zip")
    mimetype, ext = EXPORTS[fmt]
    body = to_json(rep).encode("utf-8") if fmt == "json" else to_csv_zip(rep)
    meta = rep["report"]
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"SAR-{meta['case_ref']}-{meta['resident_id']}")
    return body, mimetype, f"{safe}.{ext}"


def counts(rep: dict[str, Any]) -> dict[str, int]:
    """Section counts, for the audit entry and the command line's one-line summary."""
    s = rep["summary"]
    return {k: s[k] for k in ("source_records", "addresses", "claims", "contacts", "family_links",
                              "household_members", "audit_entries")} | {
        "withheld": sum(int(v or 0) for v in rep["withheld"].values())}
