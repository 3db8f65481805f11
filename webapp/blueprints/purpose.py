"""Stating the session's purpose, legal basis and case reference (issue 7).

``GET /purpose`` shows the purposes open to the user's role; ``POST /purpose`` validates the choice
through ``graph.access.AccessPolicy.context`` (the same rule the command line uses), stores it in the
session and audits it (``purpose_stated``). Every later audit entry carries it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, g, redirect, render_template, request

from graph.access import AccessError, Purpose, load_policy
from webapp import audit, security
from webapp.blueprints.auth import _safe_next

bp = Blueprint("purpose", __name__)


def legal_bases(p: Purpose) -> tuple[str, ...]:
    """The bases a purpose allows (``Purpose.legal_bases``; the policy's whole list if it names none)."""
    return tuple(getattr(p, "legal_bases", None) or load_policy().legal_bases)


def _form(error: str | None = None, form: dict[str, str] | None = None, status: int = 200) -> Any:
    purposes = load_policy().purposes_for(g.user.role)
    cur = security.current_purpose() or {}
    form = form or {"purpose": request.args.get("purpose") or cur.get("name", ""),
                    "legal_basis": cur.get("legal_basis", ""), "case_ref": cur.get("case_ref", ""),
                    "next": request.args.get("next", "")}
    return render_template("purpose.html", purposes=purposes, bases={p.name: legal_bases(p) for p in purposes},
                           form=form, error=error, current=security.current_purpose()), status


def _validate(purpose: str, basis: str, case_ref: str) -> None:
    policy = load_policy()
    if not purpose:
        raise AccessError("choose the purpose of this session")
    p = policy.purposes.get(purpose)
    if p is None or g.user.role not in p.roles:
        raise AccessError(f"purpose {purpose!r} is not open to the {g.user.role_title} role")
    if not basis:
        raise AccessError(f"choose the legal basis for {p.title!r}")
    if basis not in legal_bases(p):
        raise AccessError(f"{basis!r} is not a legal basis for {p.title!r}")
    # the policy's own rules (case reference, role, basis): the same check as `residex query`
    policy.context(user=g.user.username, role=g.user.role, team=g.user.team, purpose=purpose,
                   legal_basis=basis, case_ref=case_ref)


@bp.route("/purpose", methods=["GET", "POST"])
@security.requires(*load_policy().roles, purpose=False)
def state() -> Any:
    if request.method == "GET":
        return _form()
    f = {k: request.form.get(k, "").strip() for k in ("purpose", "legal_basis", "case_ref", "next")}
    try:
        _validate(f["purpose"], f["legal_basis"], f["case_ref"])
    except AccessError as e:
        audit.record("purpose_refused", outcome="refused", reason=str(e), purpose_asked=f["purpose"],
                     legal_basis_asked=f["legal_basis"], case_ref_asked=f["case_ref"])
        return _form(str(e), f, 400)
    before = security.current_purpose()
    security.set_purpose(f["purpose"], f["legal_basis"], f["case_ref"],
                         dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    g.access = security.access_for(g.user)
    previous = {k: before[k] for k in ("name", "legal_basis", "case_ref")} if before else None
    audit.record("purpose_stated", purpose=f["purpose"], legal_basis=f["legal_basis"], case_ref=f["case_ref"],
                 previous=previous, changed=previous is not None)
    return redirect(_safe_next(f["next"]))
