"""The IG officer's audit log: filter by user, person, date and action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template, request

from webapp import audit
from webapp.security import requires_view

bp = Blueprint("auditlog", __name__)


@bp.get("/audit")
@requires_view("audit")
def index() -> Any:
    f = {k: request.args.get(k, "").strip() for k in ("username", "resident_id", "date_from", "date_to", "action")}
    error = None
    try:
        for k in ("date_from", "date_to"):
            if f[k]:
                dt.date.fromisoformat(f[k])
        entries = audit.search(**f)
    except ValueError:
        error, entries = "dates are YYYY-MM-DD", []
    audit.record("view_audit", filters={k: v for k, v in f.items() if v}, entries=len(entries))
    return render_template("audit.html", entries=entries, f=f, actions=audit.actions(), error=error), \
        (400 if error else 200)
