"""JSON routes for the pages' scripts and for other tools. Errors share one shape:
``{"error": {"status": 403, "code": "forbidden", "message": "..."}}``. POSTs need ``X-CSRF-Token``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from webapp import audit, network, services
from webapp.security import csrf_token, requires_view

bp = Blueprint("api", __name__, url_prefix="/api")


def _jsonable(v: Any) -> Any:
    import datetime as dt

    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


@bp.get("/me")
def me() -> Any:
    a = g.access
    return jsonify(username=g.user.username, role=g.user.role, team=g.user.team,
                   sources=sorted(a.sources), personal=a.personal, csrf_token=csrf_token())


@bp.get("/search")
@requires_view("search")
def search() -> Any:
    a = request.args
    result = services.search(**{k: a.get(k, "") for k in ("name", "dob", "postcode", "source_id")})
    audit.record("search", resident_ids=[r["resident_id"] for r in result.rows], criteria=result.criteria,
                 results=len(result.rows), via="api")
    return jsonify(rows=_jsonable(result.rows), criteria=result.criteria)


@bp.get("/network/expand")
@requires_view("network")
def expand() -> Any:
    data = services.expand(request.args.get("node", ""), cap=current_app.config["NETWORK_CAP"])
    vis = network.to_vis(data)
    audit.record("expand_network", resident_ids=data.resident_ids(), node=data.centre, nodes=len(vis["nodes"]))
    return jsonify(vis)


@bp.get("/network/<kind>/<key>")
@requires_view("network")
def ego(kind: str, key: str) -> Any:
    from webapp.blueprints.network import KINDS

    if kind not in KINDS:
        return jsonify(error={"status": 404, "code": "not_found", "message": "unknown node kind"}), 404
    depth = request.args.get("depth", "2")
    if not depth.isdigit():
        raise services.BadInput("depth is a whole number from 1 to 3")
    data = services.ego_network(KINDS[kind], key, depth=max(1, min(3, int(depth))),
                                cap=current_app.config["NETWORK_CAP"],
                                max_nodes=current_app.config["NETWORK_MAX_NODES"])
    vis = network.to_vis(data)
    audit.record("view_network", resident_ids=data.resident_ids(), centre=data.centre, nodes=len(vis["nodes"]),
                 via="api")
    return jsonify(vis)


@bp.post("/queries/<name>")
@requires_view("queries")
def run_query(name: str) -> Any:
    from webapp.blueprints.queries import _query

    q = _query(name)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error={"status": 400, "code": "bad_request", "message": "send a JSON object of params"}), 400
    result = services.run_query(q, body.get("params") or {})
    from webapp import policy
    from webapp.blueprints.queries import aggregate

    if not policy.rows_allowed(g.user.role):
        audit.record("run_query", query=q.name, params=result.params, rows=len(result.rows), shown="aggregates",
                     via="api")
        return jsonify(aggregate=aggregate(result))
    audit.record("run_query", resident_ids=[str(r["resident_id"]) for r in result.rows if r.get("resident_id")],
                 query=q.name, params=result.params, rows=len(result.rows), via="api")
    return jsonify(columns=result.columns, rows=_jsonable(result.rows))
