"""The data-quality report page: per source system, counts and rates from the linkage stage, so data
owners can correct their systems. No personal data (see webapp/quality.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from webapp import audit, quality
from webapp.quality import DISAGREE_FIELDS
from webapp.security import requires_view

bp = Blueprint("quality", __name__)


@bp.get("/quality")
@requires_view("quality")
def index() -> Any:
    try:
        rep = quality.load(current_app.config.get("INDEX_DIR"))
        error = None
    except quality.QualityError as e:
        rep, error = None, str(e)
    audit.record("view_quality", sources=len(rep.sources) if rep else 0,
                 index=str(rep.path.parent) if rep else None)
    return render_template("quality.html", rep=rep, error=error, disagree_fields=DISAGREE_FIELDS)
