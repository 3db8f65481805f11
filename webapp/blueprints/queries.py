"""Detectors and saved queries: the list a role may run, a form from each query's declared params,
results as a table with evidence, open-in-network per row, CSV export. Runs and exports are audited."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Blueprint, Response, abort, g, render_template, request

from graph.library import ParamError, QueryResult, SavedQuery
from webapp import audit, policy, services
from webapp.security import requires_view

bp = Blueprint("queries", __name__)


def _query(name: str) -> SavedQuery:
    q = services.library().get(name)
    if q.category == "app":
        abort(404)  # the web app's own view queries are not run from the query page
    if not q.visible_to(g.user.role):
        abort(403, description=f"the {g.user.role_title} role may not run {name!r}")
    return q


def _raw(q: SavedQuery) -> dict[str, Any]:
    src = request.form if request.method == "POST" else request.args
    raw: dict[str, Any] = {}
    for p in q.params:
        if p.type == "bool":
            if p.name in src:
                raw[p.name] = src.get(p.name)
        elif src.get(p.name, "").strip():
            raw[p.name] = src.get(p.name)
    return raw


def _resident_ids(result: QueryResult) -> list[str]:
    return [str(r["resident_id"]) for r in result.rows if r.get("resident_id")]


SUPPRESS_BELOW = 5


def aggregate(result: QueryResult) -> dict[str, Any]:
    """What an aggregates-only role sees of a result: the row count and counts per ward, small cells
    suppressed (None), never a row."""
    by_ward: dict[str, int] = {}
    for r in result.rows:
        if r.get("ward") is not None or "ward" in result.columns:
            key = str(r.get("ward") or "unknown")
            by_ward[key] = by_ward.get(key, 0) + 1
    return {"rows": len(result.rows),
            "by_ward": {k: (n if n >= SUPPRESS_BELOW else None) for k, n in sorted(by_ward.items())}}


@bp.get("/queries")
@requires_view("queries")
def index() -> Any:
    qs = services.library().visible_to(g.user.role)
    groups: dict[str, list[SavedQuery]] = {}
    for q in qs:
        groups.setdefault(q.category, []).append(q)
    return render_template("queries.html", groups=groups)


@bp.route("/queries/<name>", methods=["GET", "POST"])
@requires_view("queries")
def run(name: str) -> Any:
    q = _query(name)
    raw = _raw(q)
    if request.method == "GET":
        return render_template("query.html", q=q, raw=raw, result=None)
    try:
        result = services.run_query(q, raw)
    except ParamError as e:
        return render_template("query.html", q=q, raw=raw, result=None, error=str(e)), 400
    if not policy.rows_allowed(g.user.role):
        summary = aggregate(result)
        audit.record("run_query", query=q.name, params=result.params, rows=len(result.rows), shown="aggregates")
        return render_template("query.html", q=q, raw=raw, result=None, summary=summary, elapsed=result.elapsed_ms)
    audit.record("run_query", resident_ids=_resident_ids(result), query=q.name, params=result.params,
                 rows=len(result.rows), uprns=sorted({str(r["uprn"]) for r in result.rows if r.get("uprn")})[:200])
    return render_template("query.html", q=q, raw=raw, result=result,
                           can_network=policy.can(g.user.role, "network"))


def _cell(v: Any) -> str:
    if isinstance(v, (list, dict)):
        return json.dumps(v, default=str)
    return "" if v is None else str(v)


@bp.post("/queries/<name>/export")
@requires_view("queries")
def export(name: str) -> Any:
    q = _query(name)
    if not policy.rows_allowed(g.user.role):
        abort(403, description=f"the {g.user.role_title} role sees aggregates only and may not export rows")
    result = services.run_query(q, _raw(q))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(result.columns)
    for row in result.rows:
        # A leading = + - @ would make a spreadsheet run a formula: prefix it so it stays text.
        w.writerow(["'" + c if c[:1] in "=+-@" else c for c in (_cell(row.get(col)) for col in result.columns)])
    audit.record("export", resident_ids=_resident_ids(result), query=q.name, params=result.params,
                 rows=len(result.rows), format="csv")
    return Response(buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{q.name}.csv"'})
