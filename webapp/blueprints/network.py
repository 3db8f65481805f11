"""The network view: an ego network drawn with vis-network, expandable node by node."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from webapp import audit, network, services
from webapp.security import requires_view

bp = Blueprint("network", __name__)
KINDS = {"resident": "Resident", "address": "Address", "household": "Household"}


@bp.get("/network/<kind>/<key>")
@requires_view("network")
def ego(kind: str, key: str) -> Any:
    if kind not in KINDS:
        abort(404)
    try:
        depth = max(1, min(3, int(request.args.get("depth", 2))))
    except ValueError:
        depth = 2
    data = services.ego_network(KINDS[kind], key, depth=depth, cap=current_app.config["NETWORK_CAP"],
                                max_nodes=current_app.config["NETWORK_MAX_NODES"])
    vis = network.to_vis(data)
    history = services.address_history(key) if kind == "address" else []
    audit.record("view_network", resident_ids=data.resident_ids() + [h["resident_id"] for h in history],
                 centre=data.centre, depth=depth, nodes=len(vis["nodes"]), edges=len(vis["edges"]),
                 capped=[c["node"] for c in data.capped], address_history=len(history))
    return render_template("network.html", vis=vis, kind=kind, key=key, depth=depth, data=data, history=history)
