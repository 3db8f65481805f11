"""Pseudonymised views for analysts and re-identification for roles allowed it, through saved queries.

Why a whitelist on rows: a pseudonymised session must never get a name, date of birth, address,
postcode, UPRN, record key or resident ID. The saved queries already withhold those when
``$access_personal`` is false; the web layer keeps only columns known to be safe as a second line, and
turns any resident ID into its keyed pseudonym.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask import g

from graph.library import QueryResult
from webapp.services import NotFound, run

PSEUDONYM = re.compile(r"^P-[0-9a-z]{1,64}$")
# Columns a pseudonymised table may show: labels (strings or lists of strings), counts (numbers only)
# and dates (date-shaped values only). Anything else, including reason and evidence text, is dropped.
LABEL_COLUMNS = frozenset({"pseudonym", "ward", "kind", "relation", "agency", "agencies", "criteria",
                           "criteria_met", "claim_type", "contact_type", "source_system", "source_systems",
                           "property_type", "measure", "suppressed"})
COUNT_COLUMNS = frozenset({"generation", "bedrooms", "residents", "children", "incidents", "calls",
                           "agencies_at_once", "depth", "node_count", "edge_count", "total_nodes",
                           "children_0_5", "n", "count", "index_entries", "other_adults", "household_size"})
DATE_COLUMNS = frozenset({"date", "first_seen", "last_seen", "window_from", "window_to", "last_incident",
                          "admission_date", "discount_from", "exempt_from", "exempt_to", "tenancy_from",
                          "moved_from", "from_date", "to_date", "contact_date", "at"})
_DATEISH = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_SAFE_LABEL = re.compile(r"^[\w ,.()'/&+-]{0,80}$")


def is_pseudonym(text: str) -> bool:
    return bool(PSEUDONYM.match(text or ""))


def _safe(col: str, value: Any) -> tuple[bool, Any]:
    if value is None:
        return True, None
    if col in COUNT_COLUMNS:
        return isinstance(value, (int, float)), value  # a count, or a yes/no flag; never text
    if col in DATE_COLUMNS or col.endswith("_date"):
        if isinstance(value, dt.date):
            return True, value
        return bool(isinstance(value, str) and _DATEISH.match(value)), value
    if col in LABEL_COLUMNS:
        if isinstance(value, bool):
            return True, value
        if isinstance(value, str):
            return bool(_SAFE_LABEL.match(value)), value
        if isinstance(value, list) and all(isinstance(v, str) and _SAFE_LABEL.match(v) for v in value):
            return True, value
    return False, None


@dataclass
class PseudoTable:
    columns: list[str]
    rows: list[dict[str, Any]]
    dropped: list[str]


def pseudonymised_rows(result: QueryResult) -> PseudoTable:
    """The result as pseudonymised rows: safe columns only, a pseudonym per row where the query had a
    resident ID (looked up through the session's access), never the ID itself."""
    rids = sorted({str(r["resident_id"]) for r in result.rows if r.get("resident_id") and not r.get("pseudonym")})
    pseud = {r["resident_id"]: r["pseudonym"] for r in run("app_pseudonym_of", {"resident_ids": rids}).rows} \
        if rids else {}
    keep = [c for c in result.columns if c in LABEL_COLUMNS | COUNT_COLUMNS | DATE_COLUMNS or c.endswith("_date")]
    if "pseudonym" not in keep and rids:
        keep.insert(0, "pseudonym")
    rows = []
    for r in result.rows:
        out: dict[str, Any] = {}
        for c in keep:
            if c == "pseudonym" and not r.get("pseudonym"):
                value = pseud.get(str(r.get("resident_id")))
            else:
                value = r.get(c)
            ok, v = _safe(c, value)
            out[c] = v if ok else None
            if c == "pseudonym" and v is not None and not is_pseudonym(str(v)):
                out[c] = None
        rows.append(out)
    dropped = [c for c in result.columns if c not in keep]
    return PseudoTable(keep, rows, dropped)


def age_band(birth_year: Any, today: dt.date) -> str:
    """Five-year bands (0-4, 5-9, ... 85+): a band, not a date of birth, on a pseudonymised page."""
    if not isinstance(birth_year, int):
        return "unknown"
    age = today.year - birth_year
    if age < 0:
        return "unknown"
    if age >= 85:
        return "85+"
    low = age - age % 5
    return f"{low}-{low + 4}"


@dataclass
class PseudonymPage:
    pseudonym: str
    ward: str | None
    age_band: str
    sex: str | None
    source_systems: list[str]
    household_size: int | None
    deceased: bool
    claims: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    family: list[dict[str, Any]]


def pseudonym_page(pseudonym: str) -> PseudonymPage:
    if not is_pseudonym(pseudonym):
        raise NotFound(pseudonym)
    rows = run("app_pseudonym_person", {"pseudonym": pseudonym}).rows
    if not rows:
        raise NotFound(pseudonym)
    p = rows[0]
    return PseudonymPage(
        pseudonym=p["pseudonym"], ward=p.get("ward"), age_band=age_band(p.get("birth_year"), g.access.today),
        sex=p.get("sex"), source_systems=sorted(p.get("source_systems") or []),
        household_size=p.get("household_size"), deceased=bool(p.get("deceased")),
        claims=run("app_pseudonym_claims", {"pseudonym": pseudonym}).rows,
        contacts=run("app_pseudonym_contacts", {"pseudonym": pseudonym}).rows,
        family=[f for f in run("app_pseudonym_family", {"pseudonym": pseudonym}).rows if f.get("pseudonym")])


def lookup(pseudonym: str) -> str | None:
    """The resident ID behind a pseudonym as this session may see it, else None (hidden = absent)."""
    if not is_pseudonym(pseudonym):
        return None
    rows = run("app_reidentify", {"pseudonym": pseudonym}).rows
    return str(rows[0]["resident_id"]) if rows else None
