"""The home page: what this role can do."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, url_for

from webapp import policy

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> Any:
    role = g.user.role
    if policy.can(role, "search"):
        return redirect(url_for("people.search"))
    if policy.can(role, "insights"):
        return redirect(url_for("insights.index"))
    if policy.can(role, "accounts"):
        return redirect(url_for("admin.accounts_page"))
    return render_template("home.html")
