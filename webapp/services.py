"""The web app's only way to the graph: it runs saved queries (graph/library) for the session.

Views call these functions and never hold Cypher. Every query gets the session's access context, so
the filtering by source system and personal detail happens in the store.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g

from graph.library import QueryLibrary, QueryResult, SavedQuery, run_saved
from graph.search_keys import fold, phonetic
from webapp import policy
from webapp.graphstore import get_store

SEARCH_LIMIT = 50
UNCERTAIN_BELOW = 0.9  # a link whose match probability is under this is "uncertain" in the views
EXPANDABLE = {"Resident": ("app_expand_resident", "resident_id"), "Address": ("app_expand_address", "uprn"),
              "Household": ("app_expand_household", "household_id")}
GOLDEN_FIELDS = {"first_name": "First name", "last_name": "Last name", "dob": "Date of birth", "sex": "Sex",
                 "postcode": "Postcode", "uprn": "UPRN (dwelling)", "nhs_number": "NHS number",
                 "ni_number": "NI number"}
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class NotFound(LookupError):
    """Nothing the session may see has that key (absent and hidden look the same, by design)."""


class BadInput(ValueError):
    """A search or form value cannot be read; the message is fit for the user."""


def library() -> QueryLibrary:
    return current_app.extensions["residex_library"]


def run(name: str, params: dict[str, Any] | None = None) -> QueryResult:
    """Run one saved query as the current session (role check, typed params, access params)."""
    return run_saved(get_store(), library().get(name), params or {}, g.access,
                     timeout=current_app.config["QUERY_TIMEOUT_S"])


def run_query(query: SavedQuery, raw: dict[str, Any]) -> QueryResult:
    return run_saved(get_store(), query, raw, g.access, timeout=current_app.config["QUERY_TIMEOUT_S"])


# -- search -------------------------------------------------------------------------------------------
def normalise_postcode(text: str) -> str | None:
    t = " ".join(text.upper().split())
    m = _POSTCODE.match(t.replace(" ", "")) or _POSTCODE.match(t)
    if not m:
        return None
    return f"{m.group(1)} {m.group(2)}"


def parse_dob(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    m = _DMY.match(text)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{text!r} is not a date (use 31/12/1980 or 1980-12-31)") from None


def split_name(text: str) -> tuple[str, str]:
    """(forename, surname) from "Forename Surname" or "Surname, Forename"; one word is a surname."""
    text = " ".join(text.split())
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    parts = text.split(" ")
    if len(parts) == 1:
        return "", parts[0]
    return parts[0], " ".join(parts[1:])


@dataclass
class SearchResult:
    rows: list[dict[str, Any]]
    criteria: dict[str, Any]


def search(name: str = "", dob: str = "", postcode: str = "", source_id: str = "") -> SearchResult:
    if source_id.strip():
        criteria = {"source_id": source_id.strip()}
        return SearchResult(run("app_search_record", {"record_id": source_id.strip()}).rows, criteria)
    first, last = split_name(name)
    params: dict[str, Any] = {}
    criteria: dict[str, Any] = {}
    if last:
        if not phonetic(last):
            raise BadInput(f"{name!r} has no letters to search by")
        params["last_key"] = phonetic(last)
        criteria["surname"] = last
    if first:
        params["first_key"] = phonetic(first)
        params["first_initial"] = fold(first)[:1] or None
        criteria["forename"] = first
    d = parse_dob(dob)
    if d:
        params["dob"] = d
        criteria["dob"] = d.isoformat()
    if postcode.strip():
        pc = normalise_postcode(postcode)
        if pc is None:
            raise BadInput(f"{postcode!r} is not a UK postcode")
        params["postcode"] = pc
        criteria["postcode"] = pc
    if not params:
        raise BadInput("give a name, a date of birth, a postcode or a source record ID")
    rows = run("app_search" if "last_key" in params else "app_search_attrs", params).rows
    best: dict[str, dict[str, Any]] = {}
    for r in rows:  # the UNION of two lookups can return a resident twice
        if r["resident_id"] not in best or r["score"] > best[r["resident_id"]]["score"]:
            best[r["resident_id"]] = r
    ranked = sorted(best.values(), key=lambda r: (-r["score"], r["name"] or "", r["resident_id"]))
    return SearchResult(ranked[:SEARCH_LIMIT], criteria)


# -- resident page --------------------------------------------------------------------------------------
@dataclass
class ProvenanceItem:
    field: str
    value: Any
    sources: list[dict[str, Any]]
    rule: str = ""

    @property
    def label(self) -> str:
        return GOLDEN_FIELDS.get(self.field, self.field)


@dataclass
class ResidentPage:
    resident: dict[str, Any]
    provenance: list[ProvenanceItem]
    records: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    household: dict[str, Any] | None
    claims: list[dict[str, Any]]
    explanations: list[Any]
    explanations_available: bool
    uncertain_below: float = UNCERTAIN_BELOW

    def resident_ids(self) -> list[str]:
        ids = [self.resident["resident_id"]]
        if self.household:
            ids += [m["resident_id"] for m in self.household["members"] if m.get("resident_id")]
        return ids


def resident_page(resident_id: str) -> ResidentPage:
    rows = run("app_resident", {"resident_id": resident_id}).rows
    if not rows:
        raise NotFound(resident_id)
    res = rows[0]
    records = run("app_resident_records", {"resident_id": resident_id}).rows
    households = run("app_resident_household", {"resident_id": resident_id}).rows
    household = households[0] if households else None
    if household:
        household["members"] = sorted((m for m in household["members"] if m.get("resident_id")),
                                      key=lambda m: (m.get("dob") or dt.date.min))
    expl = current_app.extensions["residex_explanations"]
    return ResidentPage(
        resident=res, provenance=_provenance(res, records), records=records,
        addresses=run("app_resident_addresses", {"resident_id": resident_id}).rows, household=household,
        claims=run("app_resident_claims", {"resident_id": resident_id}).rows,
        explanations=expl.for_resident(resident_id, g.access.sources), explanations_available=expl.available)


def _provenance(res: dict[str, Any], records: list[dict[str, Any]]) -> list[ProvenanceItem]:
    """The source of each shown value: the golden record's provenance for fields whose source system is
    visible (cut per field in the store), otherwise the visible source records carrying the same value."""
    prov: dict[str, dict[str, Any]] = {}
    for part in res.get("provenance") or []:
        try:
            item = json.loads("{" + part["obj"] + "}")
        except (ValueError, TypeError, KeyError):
            continue  # a value holding a brace cannot be cut as text: fall back to the records below
        if isinstance(item, dict):
            prov[part["field"]] = item
    out = []
    for f in GOLDEN_FIELDS:
        value = res.get(f)
        if value in (None, ""):
            continue
        p = prov.get(f)
        if p and p.get("source_system") in g.access.sources:
            out.append(ProvenanceItem(f, value, [{"source_system": p.get("source_system"),
                                                  "record_id": p.get("record_id"), "date": p.get("date")}],
                                      str(p.get("rule") or "")))
            continue
        same = [{"source_system": r["source_system"], "record_id": r["record_id"], "date": r.get("record_date")}
                for r in records if r.get(f) not in (None, "") and str(r.get(f)).lower() == str(value).lower()]
        out.append(ProvenanceItem(f, value, same, "agrees with these visible records" if same else ""))
    return out


# -- network --------------------------------------------------------------------------------------------
@dataclass
class GraphData:
    """Nodes and edges as plain dicts (kind, key, props), ready for webapp/network.py to style."""

    centre: str
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[str, dict[str, Any]] = field(default_factory=dict)
    capped: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    def resident_ids(self) -> list[str]:
        return [n["key"] for n in self.nodes.values() if n["kind"] == "Resident"]


def node_id(kind: str, key: Any) -> str:
    return f"{kind}:{key}"


def parse_node_id(text: str) -> tuple[str, str]:
    kind, sep, key = (text or "").partition(":")
    if not sep or kind not in EXPANDABLE or not key:
        raise BadInput(f"{text!r} is not a node that can be expanded (Resident:, Address: or Household:)")
    return kind, key


def _expand_into(data: GraphData, kind: str, key: str, cap: int) -> list[tuple[str, str]]:
    """Add one node's neighbours; returns newly added expandable neighbours (none past a supernode)."""
    qname, pname = EXPANDABLE[kind]
    kinds = list(policy.node_kinds(g.access.role))
    if kind not in kinds:
        return []
    src = node_id(kind, key)
    parts = sorted(run(qname, {pname: key, "kinds": kinds, "cap": cap}).rows, key=lambda p: p["part"] != "SELF")
    added: list[tuple[str, str]] = []
    capped = False
    for part in parts:
        if part["part"] == "SELF":  # the expanded node's own properties (address text, household size)
            for item in part["items"]:
                props = {k: v for k, v in item["node"].items() if k not in ("label", "key")}
                data.nodes[src]["props"] = {**data.nodes[src]["props"], **props}
            continue
        if part["total"] > cap:
            capped = True
            data.capped.append({"node": src, "label": data.nodes.get(src, {}).get("props", {}).get("name")
                                or data.nodes.get(src, {}).get("props", {}).get("address_text") or key,
                                "kind": kind, "link": part["part"], "total": part["total"], "shown": cap})
        for item in part["items"]:
            other = item["node"]
            okind = other.pop("label")
            okey = other.pop("key")
            if okind not in kinds or okey is None:
                continue
            oid = node_id(okind, okey)
            if oid not in data.nodes:
                data.nodes[oid] = {"id": oid, "kind": okind, "key": okey, "props": other}
                if okind in EXPANDABLE:
                    added.append((okind, okey))
            rel = item["rel"]
            out = rel.pop("out")
            a, b = (src, oid) if out else (oid, src)
            eid = "|".join(str(x) for x in (rel["type"], a, b, rel.get("source_system") or "",
                                              rel.get("record_id") or "", rel.get("claim_type") or ""))
            data.edges.setdefault(eid, {"id": eid, "from": a, "to": b, "type": rel.pop("type"), "props": rel})
    if capped:
        data.nodes[src]["capped"] = True
        return []
    return added


def ego_network(kind: str, key: str, depth: int = 2, cap: int = 25, max_nodes: int = 250) -> GraphData:
    """The neighbourhood of a node to ``depth`` steps, breadth first, not walking through supernodes."""
    if kind not in EXPANDABLE:
        raise BadInput(f"cannot centre a network on a {kind}")
    data = GraphData(centre=node_id(kind, key))
    if kind == "Resident":
        rows = run("app_people", {"resident_ids": [key]}).rows
        if not rows:
            raise NotFound(key)
        r = rows[0]
        data.nodes[data.centre] = {"id": data.centre, "kind": "Resident", "key": key,
                                   "props": {"name": r["name"], "dob": r["dob"], "deceased": r["deceased"]}}
    else:
        data.nodes[data.centre] = {"id": data.centre, "kind": kind, "key": key, "props": {}}
    frontier, seen = [(kind, key)], set()
    for _ in range(max(1, min(int(depth), 3))):
        nxt: list[tuple[str, str]] = []
        for k, v in frontier:
            if (k, v) in seen:
                continue
            seen.add((k, v))
            nxt += _expand_into(data, k, v, cap)
            if len(data.nodes) >= max_nodes:
                data.truncated = True
                return data
        frontier = nxt
    if kind != "Resident" and len(data.nodes) == 1 and not data.edges:
        raise NotFound(key)
    return data


def expand(text: str, cap: int = 25) -> GraphData:
    kind, key = parse_node_id(text)
    data = GraphData(centre=node_id(kind, key))
    data.nodes[data.centre] = {"id": data.centre, "kind": kind, "key": key, "props": {}}
    _expand_into(data, kind, key, cap)
    return data


# -- family and timeline -------------------------------------------------------------------------------
@dataclass
class Family:
    centre: str
    people: dict[str, dict[str, Any]]
    links: list[dict[str, Any]]
    relatives: list[dict[str, Any]] = field(default_factory=list)

    def households(self) -> dict[str, list[dict[str, Any]]]:
        by: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in self.people.values():
            by[p.get("household_id") or ""].append(p)
        return dict(sorted(by.items()))


def family(resident_id: str) -> Family:
    """Drawing: app_family's evidenced links up to three steps; table: the library's family_genealogy
    (relation names, generations and evidence, up to grandparents and grandchildren)."""
    people = {r["resident_id"]: r for r in run("app_people", {"resident_ids": [resident_id]}).rows}
    if resident_id not in people:
        raise NotFound(resident_id)
    links = run("app_family", {"resident_id": resident_id}).rows
    relatives = run("family_genealogy", {"resident_id": resident_id}).rows
    ids = sorted(({x for link in links for x in (link["from_id"], link["to_id"])}
                  | {r["resident_id"] for r in relatives}) - set(people))
    if ids:
        people.update({r["resident_id"]: r for r in run("app_people", {"resident_ids": ids}).rows})
    return Family(resident_id, people, [lk for lk in links if lk["from_id"] in people and lk["to_id"] in people],
                  [r for r in relatives if r["resident_id"] in people])


def _generations(fam: Family) -> dict[str, int]:
    """Generation of each person relative to the centre (parents -1, children +1; partners and
    siblings level), walking the drawn links breadth first, so the tree is laid out by generation."""
    step: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for lk in fam.links:
        d = 1 if lk["type"] == "PARENT_OF" else 0
        step[lk["from_id"]].append((lk["to_id"], d))
        step[lk["to_id"]].append((lk["from_id"], -d))
    level = {fam.centre: 0}
    queue = [fam.centre]
    while queue:
        cur = queue.pop(0)
        for nxt, d in step[cur]:
            if nxt not in level:
                level[nxt] = level[cur] + d
                queue.append(nxt)
    return level


def family_graph(fam: Family) -> GraphData:
    data = GraphData(centre=node_id("Resident", fam.centre))
    levels = _generations(fam)
    low = min(levels.values(), default=0)
    for rid, p in fam.people.items():
        data.nodes[node_id("Resident", rid)] = {"id": node_id("Resident", rid), "kind": "Resident", "key": rid,
                                                "level": levels.get(rid, 0) - low,
                                                "props": {"name": p["name"], "dob": p["dob"],
                                                          "deceased": p["deceased"],
                                                          "household": p.get("household_id")}}
    for lk in fam.links:
        a, b = node_id("Resident", lk["from_id"]), node_id("Resident", lk["to_id"])
        eid = f"{lk['type']}|{a}|{b}|{lk['source_system']}|{lk['record_id']}"
        data.edges[eid] = {"id": eid, "from": a, "to": b, "type": lk["type"],
                           "props": {"source_system": lk["source_system"], "record_id": lk["record_id"]}}
    return data


@dataclass
class Timeline:
    since: dt.date
    until: dt.date
    people: dict[str, str]
    lanes: dict[str, list[dict[str, Any]]]

    def position(self, day: dt.date) -> float:
        """Percent across the timeline, for placing a marker."""
        span = (self.until - self.since).days or 1
        return round(100.0 * max(0, min(span, (day - self.since).days)) / span, 2)

    def years(self) -> list[tuple[int, float]]:
        return [(y, self.position(dt.date(y, 1, 1))) for y in range(self.since.year + 1, self.until.year + 1)]

    def count(self) -> int:
        return sum(len(v) for v in self.lanes.values())


def timeline(resident_id: str, with_family: bool = False, years: int = 10) -> Timeline:
    """Contacts and claims over ``years`` from the library's person_timeline, one lane per agency."""
    people = {r["resident_id"]: r["name"] for r in run("app_people", {"resident_ids": [resident_id]}).rows}
    if resident_id not in people:
        raise NotFound(resident_id)
    if with_family:
        fam = family(resident_id)
        people = {rid: p["name"] for rid, p in fam.people.items()}
    today = g.access.today
    since = today.replace(year=today.year - years) if not (today.month == 2 and today.day == 29) \
        else dt.date(today.year - years, 2, 28)
    lanes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rid, name in people.items():
        for r in run("person_timeline", {"resident_id": rid, "since": since, "include_addresses": False}).rows:
            if not isinstance(r.get("date"), dt.date):
                continue
            lane = r["agency"] if r["kind"] == "contact" else f"Claims: {r['source_system']}"
            lanes[lane or r["source_system"]].append({**r, "name": name, "contact_date": r["date"]})
    for items in lanes.values():
        items.sort(key=lambda r: r["contact_date"])
    return Timeline(since, today, people, dict(sorted(lanes.items(), key=lambda kv: (kv[0].startswith("Claims"), kv[0]))))


def address_history(uprn: str) -> list[dict[str, Any]]:
    return run("address_history", {"uprn": uprn}).rows


# -- aggregates ----------------------------------------------------------------------------------------
# Every count the web app shows or exports goes through graph/disclosure.py (primary and secondary
# suppression) with the threshold configured in graph/access.yaml, never a value from a request.
SUPPRESSION_NOTE = ("Counts from 1 to {low} are suppressed (shown as \u201c<{t}\u201d). Some larger counts are "
                    "suppressed too (secondary suppression, shown as \u201csuppressed\u201d) so that a hidden count "
                    "cannot be worked out by subtracting the published counts from a total.")


def disclosure_settings() -> tuple[int, bool]:
    from graph.access import load_policy

    pol = load_policy()
    return pol.disclosure_threshold, pol.suppress_zero


def suppression_note() -> str:
    t, _ = disclosure_settings()
    return SUPPRESSION_NOTE.format(low=t - 1, t=t)


@dataclass
class Cell:
    """One published or hidden count: ``value`` is None when hidden; ``why`` is primary or secondary."""

    value: int | None
    why: str = ""

    @property
    def text(self) -> str:
        if self.value is not None:
            return str(self.value)
        t, _ = disclosure_settings()
        return f"<{t}" if self.why == "primary" else "suppressed"


@dataclass
class AggTable:
    """A suppressed table ready to render or export: rows x columns of cells, row and column totals."""

    title: str
    row_name: str
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], Cell]
    row_totals: dict[str, Cell]
    column_totals: dict[str, Cell]
    total: Cell

    def csv_rows(self) -> list[list[str]]:
        one_way = self.columns == ["count"]
        head = [self.row_name] + (["count"] if one_way else [*self.columns, "total"])
        out = [head]
        for r in self.rows:
            line = [r] + [self.cells[(r, c)].text for c in self.columns]
            out.append(line if one_way else [*line, self.row_totals[r].text])
        out.append(["total"] + ([self.total.text] if one_way else
                                [*(self.column_totals[c].text for c in self.columns), self.total.text]))
        return out


def suppressed_table(title: str, row_name: str, counts: dict[tuple[str, str], int | None],
                     rows: list[str] | None = None, columns: list[str] | None = None) -> AggTable:
    """Primary and secondary suppression of a table of counts. A count already hidden by the store
    (None) stays hidden and so do the totals of its row, its column and the grand total, which cannot
    be computed without it."""
    from graph.disclosure import suppress_table

    threshold, zero = disclosure_settings()
    rows = rows if rows is not None else sorted({r for r, _ in counts}, key=str)
    columns = columns if columns is not None else sorted({c for _, c in counts}, key=str)
    upstream = {k for k, v in counts.items() if v is None}
    t = suppress_table({k: (0 if v is None else int(v)) for k, v in counts.items()}, rows=rows, columns=columns,
                       threshold=threshold, suppress_zero=zero)
    hidden = set(t.primary | t.secondary | upstream)
    # An upstream-hidden cell's line totals are unknown: hide them; then make sure no visible line
    # total has a single hidden cell (the disclosure pass did this for its own hides; redo with ours).
    row_hidden = {r for r in rows if t.row_totals[r] is None or any((r, c) in upstream for c in columns)}
    col_hidden = {c for c in columns if t.column_totals[c] is None or any((r, c) in upstream for r in rows)}
    grand_hidden = t.total is None or bool(upstream)
    changed = True
    while changed:
        changed = False
        for line, cells, tot_hidden in ([(r, [(r, c) for c in columns], r in row_hidden) for r in rows]
                                        + [(c, [(r, c) for r in rows], c in col_hidden) for c in columns]):
            h = [k for k in cells if k in hidden]
            if not tot_hidden and len(h) == 1:
                (row_hidden if line in rows and cells[0][0] == line else col_hidden).add(line)
                changed = True
        if not grand_hidden and (len(row_hidden) == 1 or len(col_hidden) == 1):
            grand_hidden = True
            changed = True
    val = {k: (None if v is None else int(v)) for k, v in counts.items()}

    def cell(k: tuple[str, str]) -> Cell:
        if k in hidden:
            return Cell(None, "primary" if (k in t.primary or k in upstream) else "secondary")
        return Cell(val.get(k) or 0)

    return AggTable(
        title, row_name, [str(r) for r in rows], [str(c) for c in columns],
        {(str(r), str(c)): cell((r, c)) for r in rows for c in columns},
        {str(r): Cell(None, "secondary") if r in row_hidden else Cell(t.row_totals[r]) for r in rows},
        {str(c): Cell(None, "secondary") if c in col_hidden else Cell(t.column_totals[c]) for c in columns},
        Cell(None, "secondary") if grand_hidden else Cell(t.total))


def one_way(title: str, row_name: str, counts: dict[str, int | None]) -> AggTable:
    return suppressed_table(title, row_name, {(k, "count"): v for k, v in counts.items()},
                            rows=sorted(counts, key=str), columns=["count"])


def stats() -> dict[str, list[dict[str, Any]]]:
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in run("app_stats").rows:
        by[r["measure"]].append(r)
    for rows in by.values():
        rows.sort(key=lambda r: (str(r["key"]), str(r["sub"])))
    return dict(by)


def children_by_ward() -> dict[str, int | None]:
    """Children aged 0-5 per ward. Counts under the configured threshold come back hidden (None) from the
    store, whatever is asked (graph/library floors the query's threshold); the caller adds secondary
    suppression through graph/disclosure.py."""
    if not library().get("children_0_5_by_ward").visible_to(g.access.role):
        return {}
    return {str(r["ward"]): r.get("children_0_5") for r in run("children_0_5_by_ward").rows}


def insights() -> dict[str, AggTable]:
    """Every table on the insights page, suppressed: one-way tables with a total, and the 2-way
    agency-by-year table with row, column and grand totals."""
    st = stats()
    out = {
        "residents_by_ward": one_way("Residents by ward", "ward",
                                     {str(r["key"]): r["n"] for r in st.get("residents_by_ward", [])}),
        "records_by_source": one_way("Records by source system", "source system",
                                     {str(r["key"]): r["n"] for r in st.get("records_by_source", [])}),
    }
    grid = {(str(r["key"]), str(r["sub"] or "unknown")): r["n"] for r in st.get("contacts_by_agency_year", [])}
    if grid:
        out["contacts_by_agency_year"] = suppressed_table("Agency contacts by year", "agency", grid)
    kids = children_by_ward()
    if kids:
        out["children_0_5_by_ward"] = one_way("Children aged 0-5 by ward", "ward", kids)
    return out


def ward_summary(rows: list[dict[str, Any]], has_ward: bool) -> AggTable | None:
    """A query's matching rows counted per ward, suppressed (the analyst's per-ward view)."""
    if not has_ward:
        return None
    by: dict[str, int] = defaultdict(int)
    for r in rows:
        by[str(r.get("ward") or "unknown")] += 1
    return one_way("Matching rows per ward", "ward", dict(by))
