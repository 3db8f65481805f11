"""The IG officer's audit log: filter by user, person, date, action, purpose and case reference; export
the filtered view as CSV (the export is itself audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, render_template, request

from graph.access import load_policy
from webapp import audit
from webapp.security import requires_view

bp = Blueprint("auditlog", __name__)
FILTERS = ("username", "resident_id", "date_from", "date_to", "action", "purpose", "case_ref")
EXPORT_LIMIT = 100_000


def _filters() -> tuple[dict[str, str], str | None]:
    f = {k: request.args.get(k, "").strip() for k in FILTERS}
    for k in ("date_from", "date_to"):
        if f[k]:
            try:
                dt.date.fromisoformat(f[k])
            except ValueError:
                return f, "dates are YYYY-MM-DD"
    return f, None


@bp.get("/audit")
@requires_view("audit")
def index() -> Any:
    f, error = _filters()
    entries = [] if error else audit.search(**f)
    audit.record("view_audit", filters={k: v for k, v in f.items() if v}, entries=len(entries))
    return render_template("audit.html", entries=entries, f=f, actions=audit.actions(), error=error,
                           purposes=load_policy().purposes), (400 if error else 200)


@bp.get("/audit/export")
@requires_view("audit")
def export() -> Any:
    f, error = _filters()
    if error:
        return render_template("audit.html", entries=[], f=f, actions=audit.actions(), error=error,
                               purposes=load_policy().purposes), 400
    entries = audit.search(**f, limit=EXPORT_LIMIT)
    body = audit.to_csv(entries)
    audit.record("export_audit", filters={k: v for k, v in f.items() if v}, entries=len(entries), format="csv")
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="residex-audit.csv"'})
