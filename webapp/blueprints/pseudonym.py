"""The pseudonymised person page: what an analyst may know of one keyed pseudonym, audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from webapp import audit, pseudonyms
from webapp.security import requires_view

bp = Blueprint("pseudonym", __name__)


@bp.get("/pseudonym/<pseudonym>")
@requires_view("pseudonym")
def page(pseudonym: str) -> Any:
    p = pseudonyms.pseudonym_page(pseudonym)
    audit.record("view_pseudonym", pseudonym=p.pseudonym,
                 shown={"claims": len(p.claims), "contacts": len(p.contacts), "family": len(p.family)})
    return render_template("pseudonym.html", p=p)
