"""Network analytics Cypher is poor at, with networkx, on subgraphs pulled from the store.

Why here: components, communities, centrality and weighted shortest paths need the whole (small)
subgraph in memory. Each function pulls only a bounded neighbourhood (around a seed person, or one
ward) through read queries that filter on the session's visible sources in the query itself, so a
session never computes over facts it may not see. Everything returned is plain data (dicts, lists,
strings, numbers) for the web app and the CLI; names appear only when the session may see them.

Nodes are ``R:<resident_id>`` (people) and ``A:<uprn>`` (dwellings); edges are family links
(PARENT_OF, PARTNER_OF, SIBLING_OF) and registrations or claims at dwellings (LIVES_AT, CLAIMS).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from graph.access import AccessContext

FAMILY = ("PARENT_OF", "PARTNER_OF", "SIBLING_OF")
LINKS = ("LIVES_AT", "CLAIMS", *FAMILY)
MAX_WARD_RESIDENTS = 20_000

# Co-residence and family inside one ward: people living there now (a current registration in a visible
# source), the dwellings, and the family links among them. Bounded by $max_residents.
_WARD_SUBGRAPH = """
MATCH (r:Resident)-[l:LIVES_AT]->(a:Address)
WHERE a.ward = $ward AND l.current AND l.source_system IN $access_sources
WITH DISTINCT r, a LIMIT $max_residents
WITH collect(DISTINCT r) AS people, collect({r: r.resident_id, a: a.uprn}) AS homes,
     collect(DISTINCT a) AS dwellings
UNWIND people AS p
OPTIONAL MATCH (p)-[f:PARENT_OF|PARTNER_OF|SIBLING_OF]->(q:Resident)
WHERE f.source_system IN $access_sources AND q IN people
WITH people, homes, dwellings, collect(CASE WHEN q IS NULL THEN null
                                            ELSE {a: p.resident_id, b: q.resident_id, type: type(f)} END) AS fam
RETURN [p IN people | {id: p.resident_id,
                       label: CASE WHEN $access_personal THEN p.full_name ELSE p.pseudonym END}] AS people,
       [d IN dwellings | {id: d.uprn, label: CASE WHEN $access_personal THEN d.address_text ELSE d.ward END,
                          property_type: d.property_type}] AS dwellings,
       homes, [x IN fam WHERE x IS NOT NULL] AS family
"""


def _node_id(kind: str, key: str) -> str:
    return f"{'A' if kind == 'address' else 'R'}:{key}"


def ego_graph(store: Any, access: AccessContext, resident_id: str, depth: int = 2, *,
              max_degree: int = 40, max_nodes: int = 500) -> nx.MultiGraph:
    """The network around a person as a networkx graph, pulled through the ``ego_network`` saved query
    (so the role check, the source filter and pseudonymisation are the query's own)."""
    from graph.library import load_library, run_saved

    q = load_library().get("ego_network")
    rows = run_saved(store, q, {"resident_id": resident_id, "depth": depth, "max_degree": max_degree,
                                "max_nodes": max_nodes}, access).rows
    g = nx.MultiGraph()
    if not rows:
        return g
    row = rows[0]
    g.graph.update(truncated=row["truncated"], capped=[c["id"] for c in row["capped"]], centre=f"R:{resident_id}")
    for n in row["nodes"]:
        g.add_node(n["id"], **{k: v for k, v in n.items() if k != "id"})
    for e in row["edges"]:
        g.add_edge(e["source"], e["target"], key=f"{e['source_system']}:{e['record_id']}:{e['type']}",
                   **{k: v for k, v in e.items() if k not in ("source", "target")})
    return g


def _simple(g: nx.MultiGraph) -> nx.Graph:
    """Collapse parallel edges (one per source record) into one weighted edge per pair."""
    s = nx.Graph(**g.graph)
    s.add_nodes_from(g.nodes(data=True))
    for u, v, d in g.edges(data=True):
        if s.has_edge(u, v):
            s[u][v]["records"] += 1
            s[u][v]["types"].add(d.get("type"))
        else:
            s.add_edge(u, v, records=1, types={d.get("type")})
    for _, _, d in s.edges(data=True):
        d["types"] = sorted(t for t in d["types"] if t)
        d["weight"] = 1.0 / d["records"]  # more corroborating records = a shorter, stronger tie
    return s


def _describe(g: nx.Graph, node: str) -> dict[str, Any]:
    d = g.nodes[node]
    return {"id": node, "kind": d.get("kind", "address" if node.startswith("A:") else "resident"),
            "label": d.get("label"), "resident_id": d.get("resident_id"), "uprn": d.get("uprn")}


def centrality(store: Any, access: AccessContext, seed_resident_id: str, depth: int = 2, *,
               top: int = 10, max_degree: int = 40) -> dict[str, Any]:
    """Who and which dwellings hold a fraud network together, around a seed person.

    Degree (how many ties), betweenness (how often on the shortest route between others: brokers and
    shared addresses) and PageRank, on the seed's ego network. Busy nodes above ``max_degree`` are not
    expanded (listed in ``capped``) so a care home does not swamp the picture.
    """
    g = _simple(ego_graph(store, access, seed_resident_id, depth, max_degree=max_degree))
    if g.number_of_nodes() == 0:
        return {"seed": seed_resident_id, "nodes": 0, "edges": 0, "ranking": [], "capped": [], "truncated": False}
    deg = nx.degree_centrality(g) if g.number_of_nodes() > 1 else {n: 0.0 for n in g}
    btw = nx.betweenness_centrality(g, weight="weight", normalized=True)
    pr = nx.pagerank(g, weight="records") if g.number_of_edges() else {n: 1.0 / len(g) for n in g}
    ranking = sorted(g.nodes, key=lambda n: (-btw[n], -deg[n], n))[:top]
    return {
        "seed": seed_resident_id, "nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
        "ranking": [{**_describe(g, n), "degree": round(deg[n], 4), "betweenness": round(btw[n], 4),
                     "pagerank": round(pr[n], 4), "ties": g.degree(n)} for n in ranking],
        "capped": list(g.graph.get("capped", [])),
        "truncated": bool(g.graph.get("truncated", False)),
    }


def ward_network(store: Any, access: AccessContext, ward: str, *,
                 max_residents: int = MAX_WARD_RESIDENTS) -> nx.Graph:
    """People living in one ward now, their dwellings and the family links among them."""
    rows = store.read(_WARD_SUBGRAPH, {"ward": ward, "max_residents": int(max_residents), **access.query_params()})
    g = nx.Graph(ward=ward)
    if not rows:
        return g
    row = rows[0]
    for p in row["people"]:
        g.add_node(_node_id("resident", p["id"]), kind="resident", resident_id=p["id"], label=p["label"])
    for d in row["dwellings"]:
        g.add_node(_node_id("address", d["id"]), kind="address", uprn=d["id"], label=d["label"],
                   property_type=d.get("property_type"))
    for h in row["homes"]:
        g.add_edge(_node_id("resident", h["r"]), _node_id("address", h["a"]), type="LIVES_AT")
    for f in row["family"]:
        g.add_edge(_node_id("resident", f["a"]), _node_id("resident", f["b"]), type=f["type"])
    return g


def household_clusters(store: Any, access: AccessContext, ward: str, *, method: str = "louvain",
                       min_size: int = 2, max_residents: int = MAX_WARD_RESIDENTS, seed: int = 1,
                       skip_busy: int = 30) -> dict[str, Any]:
    """Connected components and communities of linked households in a ward.

    Households are linked by shared dwellings and family ties. Dwellings with more than ``skip_busy``
    residents (care homes, hostels) are left out so they do not glue unrelated people together.
    ``method`` is ``louvain`` or ``greedy`` (greedy modularity).
    """
    g = ward_network(store, access, ward, max_residents=max_residents)
    busy = [n for n, d in g.nodes(data=True) if d.get("kind") == "address" and g.degree(n) > skip_busy]
    g.remove_nodes_from(busy)
    comps = [c for c in nx.connected_components(g) if len(c) >= min_size]
    if g.number_of_edges() == 0:
        communities: list[set[str]] = []
    elif method == "greedy":
        communities = [set(c) for c in nx.community.greedy_modularity_communities(g)]
    elif method == "louvain":
        communities = [set(c) for c in nx.community.louvain_communities(g, seed=seed)]
    else:
        raise ValueError(f"unknown community method {method!r} (use louvain or greedy)")
    communities = [c for c in communities if len(c) >= min_size]
    modularity = nx.community.modularity(g, communities + [{n} for n in g if not any(n in c for c in communities)]) \
        if communities else 0.0

    def summary(nodes: Iterable[str]) -> dict[str, Any]:
        nodes = sorted(nodes)
        people = [n for n in nodes if n.startswith("R:")]
        homes = [n for n in nodes if n.startswith("A:")]
        sub = g.subgraph(nodes)
        return {"size": len(nodes), "people": len(people), "dwellings": len(homes),
                "family_links": sum(1 for _, _, d in sub.edges(data=True) if d.get("type") in FAMILY),
                "resident_ids": [n[2:] for n in people], "uprns": [n[2:] for n in homes],
                "labels": [g.nodes[n].get("label") for n in people[:20]]}

    comps_out = sorted((summary(c) for c in comps), key=lambda c: (-c["size"], c["resident_ids"][:1]))
    comm_out = sorted((summary(c) for c in communities), key=lambda c: (-c["size"], c["resident_ids"][:1]))
    return {"ward": ward, "method": method, "nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
            "busy_dwellings_skipped": [b[2:] for b in busy], "components": comps_out,
            "communities": comm_out, "modularity": round(modularity, 4)}


def shortest_connection(store: Any, access: AccessContext, from_resident: str, to_resident: str, *,
                        max_hops: int = 6, neighbourhood: int = 3) -> dict[str, Any]:
    """The shortest chain of links between two people that the session may see.

    First asks the store for a shortest path (``store.shortest_path``, fast on both engines); if that
    path uses a fact from a source the session may not see, or there is none, falls back to networkx
    on the two people's visible neighbourhoods (each ``neighbourhood`` hops), so hidden facts never
    form part of an answer.
    """
    path = store.shortest_path(("Resident", "resident_id", from_resident), ("Resident", "resident_id", to_resident),
                               LINKS, max_hops=max_hops)
    visible = set(access.sources)
    if path is not None and all(r.properties.get("source_system") in visible for r in path.relationships):
        steps = []
        for i, rel in enumerate(path.relationships):
            a, b = path.nodes[i], path.nodes[i + 1]
            steps.append({"from": _label_node(a, access), "to": _label_node(b, access), "type": rel.type,
                          "source_system": rel.properties.get("source_system"),
                          "record_id": rel.properties.get("record_id"),
                          "from_date": rel.properties.get("from_date"), "to_date": rel.properties.get("to_date")})
        return {"found": True, "hops": len(path), "method": "store", "steps": steps}
    # fallback: visible neighbourhoods of both people, joined in networkx
    g = nx.MultiGraph()
    for rid in (from_resident, to_resident):
        g = nx.compose(g, ego_graph(store, access, rid, min(3, neighbourhood), max_degree=200, max_nodes=2000))
    a, b = f"R:{from_resident}", f"R:{to_resident}"
    if a not in g or b not in g:
        return {"found": False, "hops": None, "method": "networkx", "steps": []}
    s = _simple(g)
    try:
        nodes = nx.shortest_path(s, a, b)
    except nx.NetworkXNoPath:
        return {"found": False, "hops": None, "method": "networkx", "steps": []}
    if len(nodes) - 1 > max_hops:
        return {"found": False, "hops": None, "method": "networkx", "steps": []}
    steps = []
    for u, v in zip(nodes, nodes[1:], strict=False):
        data = min(g.get_edge_data(u, v).values(), key=lambda d: (d.get("source_system") or ""))
        steps.append({"from": _describe(s, u), "to": _describe(s, v), "type": data.get("type"),
                      "source_system": data.get("source_system"), "record_id": data.get("record_id"),
                      "from_date": data.get("from_date"), "to_date": data.get("to_date")})
    return {"found": True, "hops": len(steps), "method": "networkx", "steps": steps}


def _label_node(node: Any, access: AccessContext) -> dict[str, Any]:
    props: Mapping[str, Any] = node.properties
    if "Address" in node.labels:
        return {"id": f"A:{props.get('uprn')}", "kind": "address", "uprn": props.get("uprn"),
                "label": props.get("address_text") if access.sees_personal else props.get("ward"),
                "resident_id": None}
    return {"id": f"R:{props.get('resident_id')}", "kind": "resident", "resident_id": props.get("resident_id"),
            "label": props.get("full_name") if access.sees_personal else props.get("pseudonym"), "uprn": None}
