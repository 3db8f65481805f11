"""Re-identification with a written justification, and the IG officer's review of every attempt.

Every attempt is written to the re-identification log (webapp/reidentify.py) and the audit log,
whatever its outcome: refused (role, justification, case reference), not found, or re-identified.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from graph.access import load_policy
from webapp import audit, policy, pseudonyms, reidentify
from webapp.security import requires, requires_view

bp = Blueprint("review", __name__)


def _may_reidentify() -> bool:
    role = load_policy().roles.get(g.user.role)
    return bool(role and role.reidentify and policy.can(g.user.role, "reidentify"))


def _log(outcome: str, pseudonym: str, justification: str, case_ref: str, resident_id: str = "",
         reason: str = "") -> None:
    a = g.access
    reidentify.record(username=g.user.username, role=g.user.role, team=g.user.team, purpose=a.purpose or "",
                      legal_basis=a.legal_basis, case_ref=case_ref, pseudonym=pseudonym, resident_id=resident_id,
                      justification=justification, ip=request.remote_addr or "", outcome=outcome, reason=reason)
    audit.record("reidentify", outcome="ok" if outcome == "reidentified" else outcome,
                 resident_ids=[resident_id] if resident_id else [], pseudonym=pseudonym,
                 justification=justification, reid_case_ref=case_ref, reason=reason)


@bp.route("/reidentify", methods=["GET", "POST"])
@requires(*load_policy().roles)  # every role reaches it, so a refused attempt is logged before the 403
def form() -> Any:
    form = {k: (request.form if request.method == "POST" else request.args).get(k, "")
            for k in ("pseudonym", "justification", "case_ref")}
    form["pseudonym"] = form["pseudonym"].strip()
    if not form["case_ref"]:
        form["case_ref"] = g.access.case_ref if g.access else ""
    if not _may_reidentify():
        if request.method == "POST":
            _log("refused", form["pseudonym"], form["justification"], form["case_ref"],
                 reason="role may not re-identify")
        abort(403, description=f"the {g.user.role_title} role may not re-identify anyone")
    if request.method == "GET":
        return render_template("reidentify.html", form=form)
    try:
        reidentify.check_justification(form["justification"], form["case_ref"])
        if not form["pseudonym"]:
            raise reidentify.JustificationError("give the pseudonym to re-identify")
    except reidentify.JustificationError as e:
        _log("refused", form["pseudonym"], form["justification"], form["case_ref"], reason=str(e))
        return render_template("reidentify.html", form=form, error=str(e)), 400
    rid = pseudonyms.lookup(form["pseudonym"])
    if rid is None:
        _log("not_found", form["pseudonym"], form["justification"], form["case_ref"],
             reason="no resident this session may see has that pseudonym")
        return render_template("reidentify.html", form=form,
                               error="nothing you may see has that pseudonym (the attempt is logged)"), 404
    _log("reidentified", form["pseudonym"], form["justification"], form["case_ref"], resident_id=rid)
    return redirect(url_for("people.resident", resident_id=rid))


@bp.get("/review")
@requires_view("review")
def index() -> Any:
    f = {k: request.args.get(k, "").strip() for k in ("username", "date_from", "date_to")}
    only_open = request.args.get("unreviewed") == "1"
    try:
        rows = reidentify.attempts(username=f["username"], date_from=f["date_from"], date_to=f["date_to"],
                                   unreviewed=only_open)
    except ValueError:
        abort(400, description="dates must be YYYY-MM-DD")
    audit.record("view_reidentifications", filters=f, rows=len(rows))
    return render_template("review.html", rows=rows, f=f, only_open=only_open,
                           unreviewed=reidentify.unreviewed_count(), outcomes=reidentify.REVIEW_OUTCOMES)


@bp.post("/review/<int:attempt_id>")
@requires_view("review")
def mark(attempt_id: int) -> Any:
    outcome = request.form.get("outcome", "")
    note = request.form.get("note", "").strip()
    if outcome not in reidentify.REVIEW_OUTCOMES:
        abort(400, description=f"the review outcome must be one of {', '.join(reidentify.REVIEW_OUTCOMES)}")
    try:
        a = reidentify.mark_reviewed(attempt_id, reviewer=g.user.username, outcome=outcome, note=note)
    except LookupError:
        abort(404)
    audit.record("review_reidentification", resident_ids=[a.resident_id] if a.resident_id else [],
                 attempt=attempt_id, review_outcome=outcome, note=note, reviewed_user=a.username)
    return redirect(url_for("review.index", **{k: v for k, v in request.args.items()}))
