"""Detectors and saved queries: the list a role may run, a form from each query's declared params,
results as a table with evidence, open-in-network per row, CSV export. Runs and exports are audited.

Pseudonymised sessions (analysts) get pseudonymised rows (webapp/pseudonyms.py), each pseudonym linking
to its pseudonymised person page, and a per-ward count of the rows that goes through small-number
suppression (graph/disclosure.py, threshold from graph/access.yaml)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Blueprint, Response, abort, g, render_template, request

from graph.library import ParamError, QueryResult, SavedQuery
from webapp import audit, policy, pseudonyms, services
from webapp.security import requires_view

bp = Blueprint("queries", __name__)
# Parameters that set a suppression threshold: always the configured one, never a request value.
THRESHOLD_PARAMS = frozenset({"suppress_below"})


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
        if p.name in THRESHOLD_PARAMS:
            raw[p.name] = services.disclosure_settings()[0]
        elif p.type == "bool":
            if p.name in src:
                raw[p.name] = src.get(p.name)
        elif src.get(p.name, "").strip():
            raw[p.name] = src.get(p.name)
    return raw


def _resident_ids(result: QueryResult) -> list[str]:
    return [str(r["resident_id"]) for r in result.rows if r.get("resident_id")]


def _pseudonymised() -> bool:
    return policy.query_results(g.user.role) == "pseudonymised" or not g.access.sees_personal


def aggregate(result: QueryResult) -> dict[str, Any]:
    """What an aggregates-only caller (the JSON API) gets of a result: the row count and the rows per
    ward after primary and secondary suppression (None = hidden), never a row."""
    table = _ward_summary(result)
    by_ward = {w: table.cells[(w, "count")].value for w in table.rows} if table else {}
    return {"rows": len(result.rows), "by_ward": by_ward}


def _ward_summary(result: QueryResult) -> services.AggTable | None:
    return services.ward_summary(result.rows, "ward" in result.columns)


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
    shown_raw = {k: v for k, v in raw.items() if k not in THRESHOLD_PARAMS}
    if request.method == "GET":
        return render_template("query.html", q=q, raw=shown_raw, result=None)
    try:
        result = services.run_query(q, raw)
    except ParamError as e:
        return render_template("query.html", q=q, raw=shown_raw, result=None, error=str(e)), 400
    note = services.suppression_note()
    if policy.query_results(g.user.role) == "aggregates":
        summary = _ward_summary(result)
        audit.record("run_query", query=q.name, params=result.params, rows=len(result.rows), shown="aggregates")
        return render_template("query.html", q=q, raw=shown_raw, result=None, summary=summary, n_rows=len(result),
                               elapsed=result.elapsed_ms, note=note)
    if _pseudonymised():
        table = pseudonyms.pseudonymised_rows(result)
        audit.record("run_query", query=q.name, params=result.params, rows=len(result.rows), shown="pseudonymised",
                     pseudonyms=sorted({str(r["pseudonym"]) for r in table.rows if r.get("pseudonym")})[:200])
        return render_template("query.html", q=q, raw=shown_raw, result=None, pseudo=table,
                               summary=_ward_summary(result), n_rows=len(result), elapsed=result.elapsed_ms,
                               note=note, can_pseudonym=policy.can(g.user.role, "pseudonym"))
    audit.record("run_query", resident_ids=_resident_ids(result), query=q.name, params=result.params,
                 rows=len(result.rows), uprns=sorted({str(r["uprn"]) for r in result.rows if r.get("uprn")})[:200])
    return render_template("query.html", q=q, raw=shown_raw, result=result,
                           can_network=policy.can(g.user.role, "network"))


def _cell(v: Any) -> str:
    if isinstance(v, (list, dict)):
        return json.dumps(v, default=str)
    return "" if v is None else str(v)


def _csv(columns: list[str], rows: list[list[str]], filename: str) -> Response:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for row in rows:
        # A leading = + - @ would make a spreadsheet run a formula: prefix it so it stays text.
        w.writerow(["'" + c if c[:1] in "=+-@" else c for c in row])
    return Response(buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/queries/<name>/export")
@requires_view("queries")
def export(name: str) -> Any:
    q = _query(name)
    if policy.query_results(g.user.role) == "aggregates":
        abort(403, description=f"the {g.user.role_title} role sees aggregates only and may not export rows")
    result = services.run_query(q, _raw(q))
    if _pseudonymised():
        table = pseudonyms.pseudonymised_rows(result)
        audit.record("export", query=q.name, params=result.params, rows=len(table.rows), format="csv",
                     shown="pseudonymised")
        return _csv(table.columns, [[_cell(r.get(c)) for c in table.columns] for r in table.rows],
                    f"{q.name}-pseudonymised.csv")
    audit.record("export", resident_ids=_resident_ids(result), query=q.name, params=result.params,
                 rows=len(result.rows), format="csv")
    return _csv(result.columns, [[_cell(row.get(c)) for c in result.columns] for row in result.rows],
                f"{q.name}.csv")


@bp.post("/queries/<name>/export-wards")
@requires_view("queries")
def export_wards(name: str) -> Any:
    """The per-ward counts of a query's rows as CSV, suppressed exactly as on the page."""
    q = _query(name)
    result = services.run_query(q, _raw(q))
    table = _ward_summary(result)
    if table is None:
        abort(400, description=f"{q.name} has no ward column to count by")
    lines = table.csv_rows()
    audit.record("export_aggregates", query=q.name, params=result.params, measure="rows_by_ward", format="csv")
    return _csv(lines[0], lines[1:], f"{q.name}-by-ward.csv")
