"""Search, the resident page, family and timeline: person views, audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from webapp import audit, network, services
from webapp.security import requires_view

bp = Blueprint("people", __name__)


@bp.get("/search")
@requires_view("search")
def search() -> Any:
    a = request.args
    fields = {k: a.get(k, "") for k in ("name", "dob", "postcode", "source_id")}
    if not any(v.strip() for v in fields.values()):
        return render_template("search.html", form=fields, result=None)
    try:
        result = services.search(**fields)
    except services.BadInput as e:
        return render_template("search.html", form=fields, result=None, error=str(e)), 400
    audit.record("search", resident_ids=[r["resident_id"] for r in result.rows], criteria=result.criteria,
                 results=len(result.rows))
    return render_template("search.html", form=fields, result=result)


@bp.get("/residents/<resident_id>")
@requires_view("resident")
def resident(resident_id: str) -> Any:
    page = services.resident_page(resident_id)
    audit.record("view_person", resident_ids=page.resident_ids(), resident=resident_id,
                 shown={"records": len(page.records), "addresses": len(page.addresses),
                        "claims": len(page.claims), "explanations": len(page.explanations),
                        "household_members": len(page.household["members"]) if page.household else 0})
    return render_template("resident.html", page=page, r=page.resident)


@bp.get("/residents/<resident_id>/family")
@requires_view("resident")
def family(resident_id: str) -> Any:
    fam = services.family(resident_id)
    vis = network.to_vis(services.family_graph(fam), hierarchical=True)
    audit.record("view_family", resident_ids=list(fam.people), resident=resident_id, links=len(fam.links))
    return render_template("family.html", fam=fam, vis=vis, centre=fam.people[resident_id])


@bp.get("/residents/<resident_id>/timeline")
@requires_view("resident")
def timeline(resident_id: str) -> Any:
    with_family = request.args.get("family") == "1"
    tl = services.timeline(resident_id, with_family=with_family)
    audit.record("view_timeline", resident_ids=list(tl.people), resident=resident_id, family=with_family,
                 contacts=tl.count())
    return render_template("timeline.html", tl=tl, resident_id=resident_id, name=tl.people[resident_id],
                           with_family=with_family)
