"""Account administration: approve requests, change role and team, unlock, create accounts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from webapp import accounts, audit
from webapp.security import requires_view

bp = Blueprint("admin", __name__)


@bp.get("/admin/accounts")
@requires_view("accounts")
def accounts_page() -> Any:
    return render_template("accounts.html", users=accounts.list_users(), roles=accounts.roles(),
                           teams=accounts.TEAMS, is_locked=accounts.is_locked)


@bp.post("/admin/accounts/<username>")
@requires_view("accounts")
def change(username: str) -> Any:
    user = accounts.get_user(username)
    if user is None:
        flash(f"no account {username!r}")
        return redirect(url_for("admin.accounts_page"))
    action = request.form.get("action")
    try:
        if action == "approve":
            accounts.approve(username, g.user.username)
        elif action == "unlock":
            accounts.unlock(username)
        elif action == "update":
            accounts.set_role(username, request.form.get("role", user.role), request.form.get("team", user.team))
        else:
            raise accounts.AccountError(f"unknown action {action!r}")
    except accounts.AccountError as e:
        flash(str(e))
        return redirect(url_for("admin.accounts_page"))
    audit.record(f"account_{action}", account=username, role_now=request.form.get("role", user.role))
    flash(f"{username}: {action} done")
    return redirect(url_for("admin.accounts_page"))


@bp.post("/admin/accounts")
@requires_view("accounts")
def create() -> Any:
    f = request.form
    try:
        accounts.create_user(f.get("username", ""), f.get("password", ""), f.get("role", ""), f.get("team", ""),
                             approved=True, approved_by=g.user.username)
    except accounts.AccountError as e:
        flash(str(e))
        return redirect(url_for("admin.accounts_page"))
    audit.record("account_created", account=f.get("username"), new_role=f.get("role"))
    flash(f"created {f.get('username')}")
    return redirect(url_for("admin.accounts_page"))
