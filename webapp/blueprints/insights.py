"""Aggregates only (no person): borough counts, every table through small-number suppression
(primary and secondary, graph/disclosure.py, threshold from graph/access.yaml), on screen and as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, render_template

from webapp import audit, services
from webapp.security import requires_view

bp = Blueprint("insights", __name__)


@bp.get("/insights")
@requires_view("insights")
def index() -> Any:
    tables = services.insights()
    audit.record("view_aggregates", measures=sorted(tables))
    return render_template("insights.html", tables=tables, note=services.suppression_note())


@bp.get("/insights/<measure>.csv")
@requires_view("insights")
def export(measure: str) -> Any:
    tables = services.insights()
    if measure not in tables:
        abort(404)
    buf = io.StringIO()
    csv.writer(buf).writerows(tables[measure].csv_rows())
    audit.record("export_aggregates", measure=measure, format="csv")
    return Response(buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{measure}.csv"'})
