"""Aggregates only (no person): what analysts see until pseudonymised views arrive."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from webapp import audit, services
from webapp.security import requires_view

bp = Blueprint("insights", __name__)


@bp.get("/insights")
@requires_view("insights")
def index() -> Any:
    stats = services.stats()
    audit.record("view_aggregates", measures=sorted(stats))
    years = sorted({r["sub"] for r in stats.get("contacts_by_agency_year", []) if r["sub"]})
    grid: dict[str, dict[str, Any]] = {}
    for r in stats.get("contacts_by_agency_year", []):
        grid.setdefault(r["key"], {})[r["sub"]] = r["n"]
    return render_template("insights.html", stats=stats, years=years, grid=grid)
