"""Network views rendered with pyvis (vis-network), served from webapp/static, never from a CDN.

pyvis builds the node and edge options; the page embeds them as JSON in a non-executable
``<script type="application/json">`` block and webapp/static/js/network.js draws them with the vendored
vis-network (pyvis' own HTML template pulls Bootstrap and vis from CDNs, so it is not used).
vis-network shows a node's ``title`` as a tooltip and pyvis treats titles as HTML: every value that goes
into a title is escaped here, and labels are plain canvas text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import escape
from pyvis.network import Network

from webapp.services import UNCERTAIN_BELOW, GraphData

STYLE = {  # node kind -> vis-network shape, colour, size
    "Resident": {"shape": "dot", "color": "#1f6fb2", "size": 16},
    "Address": {"shape": "square", "color": "#e08a1e", "size": 14},
    "Household": {"shape": "triangle", "color": "#4a8f3c", "size": 14},
    "AgencyContact": {"shape": "diamond", "color": "#b23a48", "size": 11},
    "SourceRecord": {"shape": "box", "color": "#8c8c8c", "size": 9},
}
EDGE_COLOUR = {"LIVES_AT": "#e08a1e", "CLAIMS": "#c0392b", "PARENT_OF": "#1f6fb2", "PARTNER_OF": "#7b3fa0",
               "SIBLING_OF": "#2c8c99", "MEMBER_OF": "#4a8f3c", "OCCUPIES": "#4a8f3c",
               "HAD_CONTACT": "#b23a48", "RESOLVES_TO": "#8c8c8c"}
OPTIONS = {
    "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False},
    "physics": {"solver": "forceAtlas2Based", "stabilization": {"iterations": 150},
                "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110}},
    "edges": {"font": {"size": 9, "align": "middle"}, "smooth": {"type": "dynamic"},
              "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}},
    "nodes": {"font": {"size": 12}},
}
HIERARCHY = {"layout": {"hierarchical": {"enabled": True, "direction": "UD", "sortMethod": "directed",
                                         "levelSeparation": 120, "nodeSpacing": 170}},
             "edges": {"font": {"size": 9, "align": "middle"}, "smooth": False,
                       "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}},
             "physics": {"enabled": False}}


def _fmt(v: Any) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, dt.date):
        return v.strftime("%d %b %Y")
    if isinstance(v, float):
        return f"{v:.0%}" if 0 <= v <= 1 else f"{v:g}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def _title(heading: str, fields: list[tuple[str, Any]]) -> str:
    """Tooltip HTML with every value escaped (names and addresses may hold markup)."""
    rows = "".join(f"<br><b>{escape(k)}</b>: {escape(_fmt(v))}" for k, v in fields if _fmt(v))
    return f"<b>{escape(heading)}</b>{rows}"


def _node_label(n: dict[str, Any]) -> tuple[str, str, list[tuple[str, Any]]]:
    p, kind, key = n["props"], n["kind"], n["key"]
    if kind == "Resident":
        name = p.get("name") or key
        born = p.get("dob")
        label = f"{name}\n{born.year}" if isinstance(born, dt.date) else name
        return label, name, [("resident", key), ("born", born), ("household", p.get("household")),
                             ("deceased", p.get("deceased") or None)]
    if kind == "Address":
        text = "Protected address" if p.get("protected") else (p.get("address_text") or f"UPRN {key}")
        return text, text, [("UPRN", key), ("postcode", p.get("postcode")), ("ward", p.get("ward"))]
    if kind == "Household":
        return f"Household ({p.get('size') or '?'})", "Household", [("household", key),
                                                                      ("members you may see", p.get("size"))]
    if kind == "AgencyContact":
        label = f"{p.get('agency') or ''}\n{p.get('contact_type') or ''}"
        return label, p.get("agency") or "Contact", [("type", p.get("contact_type")), ("date", p.get("contact_date")),
                                                     ("source", p.get("source_system")), ("contact", key)]
    if kind == "SourceRecord":
        return f"{p.get('source_system')}\n{p.get('record_id')}", "Source record", [
            ("source", p.get("source_system")), ("record", p.get("record_id")), ("name on record", p.get("name")),
            ("born", p.get("dob")), ("record date", p.get("record_date"))]
    return str(key), kind, []


def _edge_label(e: dict[str, Any]) -> tuple[str, list[tuple[str, Any]], bool]:
    p = e["props"]
    prob = p.get("match_probability")
    uncertain = prob is not None and prob < UNCERTAIN_BELOW
    parts = [e["type"].replace("_", " ").lower()]
    if p.get("claim_type"):
        parts = [str(p["claim_type"]).replace("_", " ")]
    start, end = p.get("from_date") or p.get("date"), p.get("to_date")
    if start:
        parts.append(f"{start.year if isinstance(start, dt.date) else start}–{end.year if isinstance(end, dt.date) else ''}"
                     if "from_date" in p else _fmt(start))
    if p.get("source_system"):
        parts.append(str(p["source_system"]))
    if prob is not None:
        parts.append(f"{prob:.0%}" + (" uncertain" if uncertain else ""))
    fields = [("type", e["type"]), ("claim", p.get("claim_type")), ("from", p.get("from_date")),
              ("to", p.get("to_date")), ("date", p.get("date")), ("source", p.get("source_system")),
              ("record", p.get("record_id")), ("match confidence", prob)]
    return " · ".join(parts), fields, uncertain


def to_vis(data: GraphData, *, hierarchical: bool = False) -> dict[str, Any]:
    """pyvis node/edge dicts and options for a GraphData, as one JSON-able document."""
    net = Network(directed=True, cdn_resources="local")
    for nid, n in data.nodes.items():
        label, heading, fields = _node_label(n)
        style = STYLE.get(n["kind"], {"shape": "dot", "color": "#777", "size": 10})
        size = style["size"] * (1.6 if nid == data.centre else 1)
        extra: dict[str, Any] = {}
        if n.get("capped"):
            fields = [*fields, ("shown", "links capped: too many to draw")]
            extra["borderWidth"] = 4
        if n["kind"] == "Address" and n["props"].get("protected"):
            extra["color"] = "#6b0f1a"
        if n.get("level") is not None:
            extra["level"] = n["level"]
        net.add_node(nid, label=label, title=_title(heading, fields), shape=style["shape"],
                     color=extra.pop("color", style["color"]), size=size, kind=n["kind"],
                     key=str(n["key"]), expandable=n["kind"] in ("Resident", "Address", "Household"),
                     centre=nid == data.centre, capped=bool(n.get("capped")), **extra)
    for eid, e in data.edges.items():
        if e["from"] not in data.nodes or e["to"] not in data.nodes:
            continue
        label, fields, uncertain = _edge_label(e)
        net.add_edge(e["from"], e["to"], id=eid, label=label, title=_title(e["type"], fields),
                     color=EDGE_COLOUR.get(e["type"], "#999"), dashes=uncertain, uncertain=uncertain,
                     type=e["type"], source_system=e["props"].get("source_system"),
                     match_probability=e["props"].get("match_probability"))
    options = {**OPTIONS, **(HIERARCHY if hierarchical else {})}
    nodes, edges, *_ = net.get_network_data()
    return {"nodes": nodes, "edges": edges, "options": options, "centre": data.centre,
            "capped": data.capped, "truncated": data.truncated}
