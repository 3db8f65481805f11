"""Subject access (UK GDPR Art 15): everything Residex holds on one person, with provenance and audit.

Why a module of its own: a subject access report is the one export that gathers a person's data
across every source at once, so it is where a slip would disclose most. Everything is read through
the saved queries ``cypher/gov_subject_access*.cypher`` (role ``ig_officer``, read-only), which do the
protective filtering in the store: another person's protected address (refuge) never leaves it (the
subject's own current address is theirs and is shown, marked protected), relatives are named but never
located, and relatives or household members with a sealed record (e.g. adoption) are left out and only
counted under ``withheld`` for the IG officer's review. The report also carries the audit trail of who
viewed the person and why, as supplied by the caller (the web app's audit log lives outside the graph).

The report is a working copy for the IG officer, who reviews it (third-party data, exemptions) before
anything is disclosed; see docs/governance.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from graph.access import AccessContext
from graph.library import Forbidden, QueryLibrary, load_library, run_saved

PURPOSE = "subject_access"
REPORT_VERSION = 1
SECTIONS = {  # report section -> saved query
    "source_records": "gov_subject_access_records",
    "addresses": "gov_subject_access_addresses",
    "claims": "gov_subject_access_claims",
    "contacts": "gov_subject_access_contacts",
    "family": "gov_subject_access_family",
}
RELATION = {("PARENT_OF", True): "parent of", ("PARENT_OF", False): "child of",
            ("PARTNER_OF", True): "partner of", ("PARTNER_OF", False): "partner of",
            ("SIBLING_OF", True): "sibling of", ("SIBLING_OF", False): "sibling of"}
GOLDEN_FIELDS = ("first_name", "last_name", "dob", "sex", "nhs_number", "ni_number", "postcode", "uprn",
                 "address_text")
AUDIT_FIELDS = ("ts", "username", "role", "team", "action", "outcome", "purpose", "legal_basis", "case_ref")


class SubjectNotFound(LookupError):
    """No resident with that ID is visible to the session."""


def _audit_entry(entry: Mapping[str, Any] | Any) -> dict[str, Any]:
    """One audit entry, reduced to who, when, what and why (other people's IDs and paths dropped)."""
    e = dict(entry) if isinstance(entry, Mapping) else dict(vars(entry))
    detail = e.get("detail") or {}
    if isinstance(detail, str):
        try:
            detail = json.loads(detail)
        except ValueError:
            detail = {}
    out = {}
    for f in AUDIT_FIELDS:
        v = e.get(f)
        if v in (None, "") and isinstance(detail, Mapping):
            v = detail.get(f)
        if f == "username" and v in (None, ""):
            v = e.get("user")
        out[f] = v if v is not None else ""
    return out


def _provenance(raw: Any) -> dict[str, Any]:
    if not raw:
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def subject_access_report(store: Any, resident_id: str, access: AccessContext,
                          audit_entries: Iterable[Mapping[str, Any]] = (), *,
                          library: QueryLibrary | None = None, generated_at: dt.datetime | None = None) -> dict:
    """Everything held on ``resident_id`` across sources, with provenance, plus the supplied audit trail.

    The session must be an IG officer (the queries' role check) working under the ``subject_access``
    purpose with a case reference (the SAR reference), so that the report itself is accountable.
    """
    if access.purpose != PURPOSE or not access.case_ref.strip():
        raise Forbidden("a subject access report needs the 'subject_access' purpose and a case reference")
    lib = library or load_library()

    def run(name: str) -> list[dict[str, Any]]:
        return run_saved(store, lib.get(name), {"resident_id": resident_id}, access).rows

    person = run("gov_subject_access")
    if not person:
        raise SubjectNotFound(f"no resident {resident_id!r} visible to this session")
    p = person[0]
    prov = _provenance(p.get("provenance"))
    fields = []
    for f in GOLDEN_FIELDS + tuple(k for k in prov if k not in GOLDEN_FIELDS):
        pv = prov.get(f) if isinstance(prov.get(f), Mapping) else {}
        value = p.get(f) if p.get(f) is not None else pv.get("value")
        if value is None and not pv:
            continue
        fields.append({"field": f, "value": value, "source_system": pv.get("source_system"),
                       "record_id": pv.get("record_id"), "date": pv.get("date"), "rule": pv.get("rule")})
    sections = {name: run(q) for name, q in SECTIONS.items()}
    for link in sections["family"]:
        link["relation"] = RELATION.get((link["type"], bool(link.pop("subject_is_from"))), link["type"].lower())
    household_rows = run("gov_subject_access_household")
    household = None
    if household_rows:
        household = dict(household_rows[0])
        household["members"] = sorted((m for m in household.get("members") or [] if m.get("resident_id")),
                                      key=lambda m: m["resident_id"])
    counts = run("gov_subject_access_withheld")[0]
    withheld = {
        "addresses_of_other_protected_people": sum(1 for k in ("source_records", "addresses", "claims", "contacts")
                                                   for row in sections[k] if row.get("address_withheld")),
        "sealed_family_links": counts.get("sealed_family_links") or 0,
        "sealed_household_members": counts.get("sealed_household_members") or 0,
    }
    trail = sorted((_audit_entry(e) for e in audit_entries), key=lambda e: str(e["ts"]))
    notes = []
    if p.get("sealed"):
        notes.append("The subject has a sealed record (e.g. adoption): disclosure of adoption records is restricted "
                     "by other law (DPA 2018 Schedule 4); take advice before disclosing.")
    if p.get("address_protected"):
        notes.append("The subject lives at a protected address (refuge): send the response only by a safe route "
                     "agreed with them.")
    if p.get("hidden_sources"):
        notes.append(f"{p['hidden_sources']} source system(s) of this person are outside the session's view: "
                     "the report is incomplete.")
    when = generated_at or dt.datetime.now(dt.UTC)
    return {
        "report": {"type": "subject_access", "version": REPORT_VERSION, "resident_id": p["resident_id"],
                   "generated_at": when.isoformat(timespec="seconds"), "generated_by": access.user,
                   "role": access.role, "purpose": access.purpose, "legal_basis": access.legal_basis,
                   "case_ref": access.case_ref},
        "subject": {
            "resident_id": p["resident_id"], "full_name": p.get("full_name"), "pseudonym": p.get("pseudonym"),
            "ward": p.get("ward"), "n_records": p.get("n_records"), "sources": p.get("sources") or [],
            "current_uprns": sorted(p.get("current_uprns") or []),
            "restrictions": {"opt_out": bool(p.get("opt_out")), "sealed": bool(p.get("sealed")),
                             "address_protected": bool(p.get("address_protected")),
                             "deceased": bool(p.get("deceased"))},
            "fields": fields,
        },
        **sections,
        "household": household,
        "audit_trail": trail,
        "withheld": withheld,
        "notes": notes,
        "summary": {
            "source_records": len(sections["source_records"]),
            "by_source": dict(sorted(Counter(r["source_system"] for r in sections["source_records"]).items())),
            "addresses": len(sections["addresses"]), "claims": len(sections["claims"]),
            "contacts": len(sections["contacts"]), "family_links": len(sections["family"]),
            "household_members": len(household["members"]) if household else 0,
            "audit_entries": len(trail),
        },
    }


# -- exports -------------------------------------------------------------------------------------------
def _plain(v: Any) -> Any:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, (set, frozenset, tuple)):
        return list(v)
    raise TypeError(f"cannot export {type(v).__name__}")


def to_json(report: Mapping[str, Any]) -> str:
    """The whole report as UTF-8 JSON (dates as ISO strings)."""
    return json.dumps(report, default=_plain, indent=2, ensure_ascii=False) + "\n"


def _cell(v: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (names and aliases are free text)."""
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        v = ";".join(str(_plain(x) if isinstance(x, (dt.date, dt.datetime)) else x) for x in v)
    elif isinstance(v, (dt.date, dt.datetime)):
        v = v.isoformat()
    elif isinstance(v, bool):
        v = "true" if v else "false"
    elif isinstance(v, dict):
        v = json.dumps(v, default=_plain, ensure_ascii=False, sort_keys=True)
    s = str(v)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def _csv(rows: list[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    cols = columns or list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in cols])
    return buf.getvalue()


README = """Residex subject access report {case_ref} for resident {resident_id}
Generated {generated_at} by {generated_by} ({role}), purpose {purpose}, legal basis: {legal_basis}.

subject.csv         the golden record: each value with the source record it was taken from and the rule
flags.csv           national data opt-out, sealed record, protected address, deceased
source_records.csv  every source-system record linked to the person, with the match probability
addresses.csv       addresses over time, with the record that places the person there
claims.csv          discounts, exemptions, tenancies, school places and benefits claimed at a dwelling
contacts.csv        agency contact events
family.csv          family links and the record that evidences each (relatives are not located)
household.csv       the other members of the person's current household
audit_trail.csv     who viewed this person's data in Residex, when, for what purpose and on what basis
withheld.csv        what was left out to protect other people (for the IG officer's review)
report.json         all of the above in one file

Review before disclosure: third-party information and exemptions are the IG officer's decision.
"""


def to_csv_zip(report: Mapping[str, Any]) -> bytes:
    """The report as a zip of CSV files (one per section) plus report.json and a README."""
    meta = report["report"]
    stamp = dt.datetime.fromisoformat(meta["generated_at"]).timetuple()[:6]
    household = report.get("household") or {}
    files = {
        "README.txt": README.format(**{k: meta.get(k) or "" for k in ("case_ref", "resident_id", "generated_at",
                                                                        "generated_by", "role", "purpose",
                                                                        "legal_basis")}),
        "subject.csv": _csv(report["subject"]["fields"], ["field", "value", "source_system", "record_id", "date", "rule"]),
        "flags.csv": _csv([{"flag": k, "value": v} for k, v in report["subject"]["restrictions"].items()]),
        "source_records.csv": _csv(report["source_records"]),
        "addresses.csv": _csv(report["addresses"]),
        "claims.csv": _csv(report["claims"]),
        "contacts.csv": _csv(report["contacts"]),
        "family.csv": _csv(report["family"], ["relation", "type", "relative_id", "relative_name", "source_system",
                                              "record_id"]),
        "household.csv": _csv([{"household_id": household.get("household_id"), "uprn": household.get("uprn"),
                                "address_text": household.get("address_text"), **m}
                               for m in household.get("members", [])],
                              ["household_id", "uprn", "address_text", "resident_id", "name"]),
        "audit_trail.csv": _csv(report["audit_trail"], list(AUDIT_FIELDS)),
        "withheld.csv": _csv([{"item": k, "count": v} for k, v in report["withheld"].items()]),
        "report.json": to_json(report),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()
