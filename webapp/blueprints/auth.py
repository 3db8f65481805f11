"""Log in, log out, ask for an account (approved by an administrator before first use)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from webapp import accounts, audit, security

bp = Blueprint("auth", __name__)
FAILED = "Wrong username or password, or the account is locked or not approved yet."


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    user, outcome = accounts.authenticate(username, request.form.get("password", ""))
    if outcome != "ok" or user is None:
        audit.record("login", outcome=f"failed:{outcome}", username=username or "-",
                     role=user.role if user else "-", team=user.team if user else "")
        message = FAILED
        if outcome in ("locked", "locked_now"):
            message = (f"Too many failed attempts: the account is locked for {accounts.LOCK_MINUTES} minutes "
                       "(an administrator can unlock it).")
        elif outcome == "unapproved":
            message = "This account has not been approved by an administrator yet."
        return render_template("login.html", error=message, next=request.form.get("next", "")), 401
    security.login(user)
    g.user = user
    audit.record("login", username=user.username, role=user.role, team=user.team)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Any:
    if g.user:
        audit.record("logout")
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    roles = {k: v for k, v in accounts.roles().items() if k != "administrator"}
    if request.method == "GET":
        return render_template("register.html", roles=roles, teams=accounts.TEAMS)
    form = request.form
    try:
        if form.get("role") not in roles:
            raise accounts.AccountError("choose a role")
        if form.get("password") != form.get("password2"):
            raise accounts.AccountError("the passwords differ")
        user = accounts.create_user(form.get("username", ""), form.get("password", ""), form["role"],
                                    form.get("team", ""))
    except accounts.AccountError as e:
        return render_template("register.html", roles=roles, teams=accounts.TEAMS, error=str(e), form=form), 400
    audit.record("account_requested", username=user.username, role=user.role, team=user.team)
    return render_template("register.html", roles=roles, teams=accounts.TEAMS, done=user.username)
