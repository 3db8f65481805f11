"""Subject access requests (UK GDPR Art 15): the IG officer, under the subject access purpose with the
SAR reference as the case reference, previews everything held on one person and downloads it as JSON
or a zip of CSVs. Each step is audited (``sar_preview``, ``sar_export``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from webapp import audit, sar
from webapp.security import requires_purpose, requires_view
from webapp.services import BadInput

bp = Blueprint("subject_access", __name__)


@bp.get("/subject-access")
@requires_view("subject_access")
@requires_purpose("subject_access")
def index() -> Any:
    raw = request.args.get("resident_id", "").strip()
    if not raw:
        return render_template("subject_access.html", rep=None, raw="")
    try:
        rid = sar.parse_subject(raw)
    except BadInput as e:
        return render_template("subject_access.html", rep=None, raw=raw, error=str(e)), 400
    rep = sar.report(rid)
    audit.record("sar_preview", resident_ids=[rid], resident=rid, shown=sar.counts(rep))
    return render_template("subject_access.html", rep=rep, raw=raw, rid=rid)


@bp.post("/subject-access/<resident_id>/export")
@requires_view("subject_access")
@requires_purpose("subject_access")
def export(resident_id: str) -> Any:
    fmt = request.form.get("format", "json")
    if fmt not in sar.EXPORTS:
        raise BadInput(f"format {fmt!r}: choose json or zip")
    rid = sar.parse_subject(resident_id)
    rep = sar.report(rid)
    body, mimetype, filename = sar.export(rep, fmt)
    audit.record("sar_export", resident_ids=[rid], resident=rid, format=fmt, bytes=len(body), shown=sar.counts(rep))
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
