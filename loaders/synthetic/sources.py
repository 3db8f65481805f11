"""The 13 source extracts, each in its own columns and formats (see docs/synthetic-data.md)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import core
from . import noise as nz
from .extract import TOWN, Addresses, Extract
from .population import CHILD, ELDER, HEAD, PARTNER, RESIDENT, SHARER

E = np.empty(0, dtype=np.int64)


@dataclass
class Ctx:
    b: object
    plans: object
    addr: Addresses
    rng: np.random.Generator
    sc: dict = field(default_factory=dict)  # scenario overrides, see scenarios.plant
    events: list = field(default_factory=list)
    keys_of: dict = field(default_factory=dict)  # (system, person) -> [record keys] for scenario truth


def _event(ctx: Ctx, system, keys, pidx, etype, dates, d) -> None:
    uprn = np.concatenate([ctx.b.uprn, [""]]).astype(object)
    ctx.events.append(pd.DataFrame({
        "person_id": ctx.b.pid(pidx), "source_system": system, "record_key": keys,
        "event_type": etype, "event_date": core.fmt_dates(dates, "YYYY-MM-DD"),
        "uprn": uprn[np.asarray(d, dtype=np.int64)]}))


def _remember(ctx: Ctx, system: str, x: Extract, keys: np.ndarray) -> None:
    """Scenario evidence keys are taken from record_truth after bad rows are planted (generator)."""


def _sname(first, last):
    """`SURNAME, Forename`."""
    return core.cat(core.upper(last), ", ", first)


def _occupants(b, by: np.ndarray, when=core.REF_DATE):
    """Alive people grouped by dwelling array `by` (declared or true). Returns sorted (dwelling, person)."""
    ok = (by >= 0) & b.alive(when)
    p = np.flatnonzero(ok)
    order = np.lexsort((-(core.REF_DATE - b.dob[p]).astype(np.int64), by[p]))
    return by[p][order], p[order]


def _nhs_fmt(rng, nhs: np.ndarray) -> np.ndarray:
    m = rng.random(len(nhs)) < 0.3
    out = nhs.copy()
    out[m] = [f"{s[:3]} {s[3:6]} {s[6:]}" for s in nhs[m].tolist()]
    return out


# ---------------------------------------------------------------- council tax
def council_tax(ctx: Ctx):
    b, rng, sc = ctx.b, ctx.rng, ctx.sc
    age = b.age()
    dd, pp = _occupants(b, b.declared_d)
    adult = age[pp] >= 18
    dd, pp = dd[adult], pp[adult]
    first_idx = np.flatnonzero(np.r_[True, dd[1:] != dd[:-1]])
    counts = np.diff(np.r_[first_idx, len(dd)])
    lead = pp[first_idx]
    dwell = dd[first_idx]
    second = np.where(counts >= 2, pp[np.minimum(first_idx + 1, len(pp) - 1)], -1)
    partner = np.where((second >= 0) & (b.role[np.maximum(second, 0)] == PARTNER)
                       & (b.hh[np.maximum(second, 0)] == b.hh[lead]), second, -1)
    joint = np.where(rng.random(len(lead)) < 0.7, partner, -1)
    care = b.ptype[dwell] == "Care home"
    keep = ~care
    lead, dwell, joint, counts = lead[keep], dwell[keep], joint[keep], counts[keep]
    frm = np.where(b.declared_d[lead] == b.prev_d[lead], b.prev_from[lead], b.cur_from[lead])
    to = np.full(len(lead), core.NAT, dtype="datetime64[D]")
    spd = counts == 1
    spd = spd & (rng.random(len(lead)) < 0.92)
    spd_start = np.maximum(frm, core.rand_dates(rng, frm, core.REF_DATE, len(lead)) if True else frm)
    spd_start = np.where(rng.random(len(lead)) < 0.7, frm, spd_start)
    disreg = np.full(len(lead), "", dtype=object)
    disreg_name = np.full(len(lead), "", dtype=object)
    ex_cls = np.full(len(lead), "", dtype=object)
    ex_start = np.full(len(lead), core.NAT, dtype="datetime64[D]")
    ex_end = ex_start.copy()
    pos = {int(d): i for i, d in enumerate(dwell.tolist())}
    for d, (kind, info) in sorted(sc.get("ct_dwelling", {}).items()):
        i = pos.get(d)
        if i is None:
            continue
        if kind in ("spd_fraud", "spd_disregard"):
            spd[i] = True
            spd_start[i] = info["start"]
            joint[i] = -1
            if kind == "spd_disregard":
                disreg[i] = info["type"]
                disreg_name[i] = b.first[info["p"]] + " " + b.last[info["p"]]
    # closed accounts at previous dwellings (stale history), empty dwellings with landlord accounts
    movers = lead[(b.prev_d[lead] >= 0) & (b.prev_d[lead] != b.declared_d[lead])]
    c_lead, c_dwell = movers, b.prev_d[movers]
    c_from, c_to = b.prev_from[movers], b.cur_from[movers]
    # heads who died: account closed at death, or left open (estate never notified) in 30% of cases
    dead = np.flatnonzero(~np.isnat(b.death) & (b.role == HEAD) & (b.declared_d >= 0)
                          & (b.ptype[np.maximum(b.declared_d, 0)] != "Care home"))
    d_to = np.where(rng.random(len(dead)) < 0.3, core.NAT, b.death[dead])
    c_lead = np.concatenate([c_lead, dead])
    c_dwell = np.concatenate([c_dwell, b.declared_d[dead]])
    c_from = np.concatenate([c_from, b.cur_from[dead]])
    c_to = np.concatenate([c_to, d_to])
    occupied = np.zeros(len(b.uprn), dtype=bool)
    occupied[dwell] = True
    occupied[b.cur_d[b.alive()]] = True
    empty = np.flatnonzero(~occupied & (b.ptype != "Care home"))
    landlords = np.flatnonzero((age >= 35) & (age < 80) & b.alive())
    e_lead = landlords[rng.integers(0, len(landlords), len(empty))]
    e_from = core.rand_dates(rng, core.REF_DATE - core.D * 900, core.REF_DATE - core.D * 40, len(empty))
    ctx.ct_empty = (empty, e_lead)
    extra = sc.get("ct_landlord", [])  # planted exemptions on occupied dwellings (+ look-alikes)
    x_dw = np.array([e["d"] for e in extra], dtype=np.int64)
    x_lead = np.array([e["landlord"] for e in extra], dtype=np.int64)
    x_from = np.array([e["start"] for e in extra], dtype="datetime64[D]")
    x_to = np.array([e["end"] for e in extra], dtype="datetime64[D]")
    nL, nC, nE, nX = len(lead), len(c_lead), len(empty), len(x_dw)
    P = np.concatenate([lead, c_lead, e_lead, x_lead]).astype(np.int64)
    D = np.concatenate([dwell, c_dwell, empty, x_dw]).astype(np.int64)
    FROM = np.concatenate([frm, c_from, e_from, x_from])
    TO = np.concatenate([to, c_to, np.full(nE, core.NAT, dtype="datetime64[D]"), x_to])
    J = np.concatenate([joint, np.full(nC + nE + nX, -1)])
    SPD = np.concatenate([spd, np.zeros(nC + nE + nX, bool)])
    SPDS = np.concatenate([spd_start, np.full(nC + nE + nX, core.NAT, dtype="datetime64[D]")])
    DIS = np.concatenate([disreg, np.full(nC + nE + nX, "", dtype=object)])
    DISN = np.concatenate([disreg_name, np.full(nC + nE + nX, "", dtype=object)])
    EXC = np.concatenate([ex_cls, np.full(nC, "", dtype=object), np.full(nE + nX, "C", dtype=object)])
    EXS = np.concatenate([ex_start, np.full(nC, core.NAT, dtype="datetime64[D]"), e_from, x_from])
    EXE = np.concatenate([ex_end, np.full(nC + nE, core.NAT, dtype="datetime64[D]"), x_to])
    kind = np.concatenate([np.zeros(nL, int), np.ones(nC, int), np.full(nE, 2), np.full(nX, 3)])
    x = Extract("council_tax", rng, b, P, D, FROM, dict(J=J, TO=TO, SPD=SPD, SPDS=SPDS, DIS=DIS, DISN=DISN,
                                                         EXC=EXC, EXS=EXS, EXE=EXE, kind=kind),
                stale_ok=False)
    c = x.cols
    first, _, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    j = c["J"]
    jn = np.full(x.n, "", dtype=object)
    hj = j >= 0
    jn[hj] = _sname(b.first[j[hj]], b.last[j[hj]])
    text, pc = ctx.addr.render(x.d, "canonical", x.salt)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    uprn = np.concatenate([b.uprn, [""]]).astype(object)[x.d]
    uprn = np.where(rng.random(x.n) < 0.03, "", uprn)
    keys = x.keys("CT", 8, 10000001)
    band = np.array(list("ABCDEFGH"), dtype=object)[np.clip(b.bedrooms[x.d] - 1 + rng.integers(-1, 2, x.n), 0, 7)]
    frame = {
        "account_ref": keys, "uprn": uprn, "property_address": core.upper(text), "postcode": pc,
        "lead_liable_name": _sname(first, last), "joint_liable_name": jn,
        "liable_from": core.fmt_dates(x.when, "DD/MM/YYYY"), "liable_to": core.fmt_dates(c["TO"], "DD/MM/YYYY"),
        "band": band, "spd_flag": np.where(c["SPD"], "Y", "N"),
        "spd_start": core.fmt_dates(np.where(c["SPD"], c["SPDS"], core.NAT), "DD/MM/YYYY"),
        "disregard_type": c["DIS"], "disregarded_name": c["DISN"], "exemption_class": c["EXC"],
        "exemption_start": core.fmt_dates(c["EXS"], "DD/MM/YYYY"),
        "exemption_end": core.fmt_dates(c["EXE"], "DD/MM/YYYY"),
    }
    _remember(ctx, "council_tax", x, keys)
    ctx.ct_rows = (x, keys)
    _event(ctx, "council_tax", keys, x.pidx, "council_tax_liability", x.when, x.d)
    s = c["SPD"]
    _event(ctx, "council_tax", keys[s], x.pidx[s], "single_person_discount", c["SPDS"][s], x.d[s])
    s = c["EXC"] == "C"
    _event(ctx, "council_tax", keys[s], x.pidx[s], "empty_property_exemption", c["EXS"][s], x.d[s])
    return x.finish(frame, "account_ref")


# ---------------------------------------------------------------- housing tenancy
REL = {HEAD: "Tenant", ELDER: "Parent", SHARER: "Other", RESIDENT: "Other"}


def housing_tenancy(ctx: Ctx):
    b, rng, sc = ctx.b, ctx.rng, ctx.sc
    dd, pp = _occupants(b, b.declared_d)
    co = b.council_owned[dd]
    dd, pp = dd[co], pp[co]
    # tenant = oldest person of the first household listed at the dwelling
    first_idx = np.flatnonzero(np.r_[True, dd[1:] != dd[:-1]])
    grp = np.cumsum(np.r_[True, dd[1:] != dd[:-1]]) - 1
    tenant = pp[first_idx][grp]
    lodgers = sc.get("lodgers", set())
    rel = np.empty(len(pp), dtype=object)
    for i, (p, t) in enumerate(zip(pp.tolist(), tenant.tolist(), strict=False)):
        if p == t:
            rel[i] = "Tenant"
        elif p in lodgers:
            rel[i] = "Lodger"
        elif b.hh[p] != b.hh[t]:
            rel[i] = "Other"
        elif b.role[p] == PARTNER:
            rel[i] = "Joint tenant" if (p * 7) % 2 else "Partner"
        elif b.role[p] == CHILD:
            rel[i] = ("Son" if b.sex[p] == 0 else "Daughter") if b.role[t] != ELDER else "Grandchild"
        elif b.role[p] == HEAD and b.role[t] == ELDER:
            rel[i] = "Son" if b.sex[p] == 0 else "Daughter"
        else:
            rel[i] = REL.get(int(b.role[p]), "Other")
    tref_n = grp + 1
    start = b.cur_from[tenant]
    start = np.where(b.declared_d[tenant] == b.prev_d[tenant], b.prev_from[tenant], start)
    x = Extract("housing_tenancy", rng, b, pp, dd, start, dict(rel=rel, tref=tref_n), stale_ok=False)
    first, _, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    dob = nz.dobs(rng, b, x.pidx, x.cfg, x.tags)
    l1, pc = ctx.addr.render(x.d, "line1", x.salt)
    l2, _ = ctx.addr.render(x.d, "line2", x.salt)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    tref = np.array([f"T{t:07d}" for t in x.cols["tref"].tolist()], dtype=object)
    seq: dict[str, int] = {}
    keys = np.empty(x.n, dtype=object)
    for i in np.lexsort((x.cols["rel"] != "Tenant", tref)).tolist():  # tenant is member -01
        t = tref[i]
        seq[t] = seq.get(t, 0) + 1
        keys[i] = f"{t}-{seq[t]:02d}"
    uprn = np.concatenate([b.uprn, [""]]).astype(object)[x.d]
    uprn = np.where(rng.random(x.n) < 0.10, "", uprn)
    title = np.where(b.sex[x.pidx] == 0, "Mr", np.where(rng.random(x.n) < 0.5, "Mrs", "Ms"))
    title = np.where(b.age()[x.pidx] < 16, "", title)
    nino = np.where((b.age()[x.pidx] >= 16) & (rng.random(x.n) < 0.6), b.nino[x.pidx], "")
    frame = {
        "tenancy_member_id": keys, "tenancy_ref": tref,
        "property_ref": np.array([f"HSG{d:06d}" for d in x.d.tolist()], dtype=object), "uprn": uprn,
        "address_line_1": l1, "address_line_2": l2, "address_line_3": TOWN, "postcode": pc,
        "title": title, "forename": first, "surname": last,
        "date_of_birth": core.fmt_dates(dob, "YYYY-MM-DD"), "relationship_to_tenant": x.cols["rel"],
        "ni_number": nino, "tenancy_type": np.where(x.when > core.REF_DATE - core.D * 365, "Introductory", "Secure"),
        "tenancy_start": core.fmt_dates(x.when, "YYYY-MM-DD"), "tenancy_end": "",
    }
    _remember(ctx, "housing_tenancy", x, keys)
    _event(ctx, "housing_tenancy", keys, x.pidx, "tenancy", x.when, x.d)
    return x.finish(frame, "tenancy_member_id", "date_of_birth")


# ---------------------------------------------------------------- electoral register
def electoral_register(ctx: Ctx):
    b, rng = ctx.b, ctx.rng
    age = b.age()
    alive = b.alive()
    dead_stale = ~alive & ~np.isnat(b.death) & (rng.random(b.n_people) < 0.10)
    elig = ((age >= 18) & (alive | dead_stale) & (rng.random(b.n_people) < 0.85)) | \
           ((age >= 16) & (age < 18) & (rng.random(b.n_people) < 0.4))
    elig &= b.role != RESIDENT
    p = np.flatnonzero(elig)
    p = p[np.argsort(b.cur_d[p], kind="stable")]
    x = Extract("electoral_register", rng, b, p, b.cur_d[p], np.maximum(b.cur_from[p], b.dob[p] + core.D * 6570))
    order = np.argsort(x.d, kind="stable")
    first, mid, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    first_names = np.where((mid != "") & (rng.random(x.n) < 0.5), core.cat(first, " ", mid), first)
    prop, pc = ctx.addr.render(x.d, "line1", x.salt)
    l2, _ = ctx.addr.render(x.d, "line2", x.salt)
    has_flat = l2 != ""
    street = np.where(has_flat, l2, prop)
    prop = np.where(has_flat, prop, "")
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    ward = np.concatenate([b.ward, ["Outside"]]).astype(object)[x.d]
    pd_code = np.array([f"AM{abs(hash_ward(w)) % 9 + 1}{'ABCD'[d % 4]}" for w, d in
                        zip(ward.tolist(), x.d.tolist(), strict=False)], dtype=object)
    seq: dict[str, int] = {}
    keys = np.empty(x.n, dtype=object)
    for i in order.tolist():
        c = pd_code[i]
        seq[c] = seq.get(c, 0) + 1
        keys[i] = f"{c}-{seq[c]:04d}"
    att = np.where(age[x.pidx] < 18, b.dob[x.pidx] + core.years(18), core.NAT)
    title = np.where(b.sex[x.pidx] == 0, "Mr", np.where(rng.random(x.n) < 0.5, "Mrs", "Ms"))
    frame = {
        "elector_number": keys, "polling_district": pd_code, "title": title, "first_names": first_names,
        "surname": last, "property": prop, "street_address": street, "postcode": pc,
        "attainment_date": core.fmt_dates(att, "DD/MM/YYYY"),
        "open_register": np.where(rng.random(x.n) < 0.4, "Y", "N"),
        "registered_date": core.fmt_dates(x.when, "YYYYMMDD"),
    }
    _remember(ctx, "electoral_register", x, keys)
    _event(ctx, "electoral_register", keys, x.pidx, "electoral_registration", x.when, x.d)
    return x.finish(frame, "elector_number")


def hash_ward(w: str) -> int:
    return sum(ord(c) * (i + 1) for i, c in enumerate(w))


# ---------------------------------------------------------------- DWP awards (also feeds HB)
def dwp_awards(ctx: Ctx) -> pd.DataFrame:
    """True benefit awards: person, benefit, start, end."""
    b, rng = ctx.b, ctx.rng
    age = b.age()
    alive = b.alive()
    n = b.n_people
    rows = []

    def add(mask, name, p_rate, start_lo):
        p = np.flatnonzero(mask & (rng.random(n) < p_rate))
        lo = np.maximum(b.dob[p] + core.years(start_lo), np.datetime64("2005-01-01"))
        st = core.rand_dates(rng, lo, np.maximum(lo + core.D * 30, core.REF_DATE - core.D * 30), len(p))
        en = np.where(np.isnat(b.death[p]), core.NAT, b.death[p])
        rows.append(pd.DataFrame({"p": p, "benefit": name, "start": st, "end": en}))

    hht = b.hh_type[b.hh]
    adult = (age >= 18) & (age < 66) & (b.role != CHILD)
    add((age >= 66) & (b.role != RESIDENT), "State Pension", 0.92, 66)
    add(adult & np.isin(hht, [3]), "Universal Credit", 0.45, 18)
    add(adult & np.isin(hht, [5]), "Universal Credit", 0.25, 18)
    add(adult & ~np.isin(hht, [3, 5]), "Universal Credit", 0.08, 18)
    add((age >= 16) & (age < 66), "PIP", 0.05, 16)
    add(adult, "ESA", 0.015, 18)
    add((age >= 75) & (b.role != RESIDENT), "Attendance Allowance", 0.10, 75)
    add(adult, "Carers Allowance", 0.012, 18)
    kids = np.bincount(b.hh[(b.role == CHILD) & (age < 16)], minlength=len(b.hh_type))
    cb = np.zeros(n, bool)
    hp = np.where(b.hh_partner >= 0, b.hh_partner, b.hh_head)
    ok = (kids > 0) & (hp >= 0)
    cb[hp[ok]] = True
    add(cb, "Child Benefit", 0.85, 18)
    for extra in ctx.sc.get("dwp_extra", []):
        rows.append(extra)
    df = pd.concat(rows, ignore_index=True)
    _ = alive
    return df


def dwp_benefits(ctx: Ctx):
    b, rng = ctx.b, ctx.rng
    aw = ctx.awards
    p = aw.p.to_numpy(np.int64)
    dates = aw.start.to_numpy("datetime64[D]")
    x = Extract("dwp_benefits", rng, b, p, b.dwelling_at(p, np.full(len(p), core.REF_DATE)), dates,
                dict(ben=aw.benefit.to_numpy(object), end=aw.end.to_numpy("datetime64[D]")))
    first, mid, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    forenames = core.upper(np.where(mid != "", core.cat(first, " ", mid), first))
    dob = nz.dobs(rng, b, x.pidx, x.cfg, x.tags)
    l1, pc = ctx.addr.render(x.d, "line1", x.salt)
    l2, _ = ctx.addr.render(x.d, "line2", x.salt)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    keys = x.keys("DWP", 9, 300000001)
    frame = {
        "dwp_record_id": keys, "nino": b.nino[x.pidx], "surname": core.upper(last), "forenames": forenames,
        "dob": core.fmt_dates(dob, "YYYYMMDD"), "sex": np.where(b.sex[x.pidx] == 0, "M", "F"),
        "address_line1": core.upper(l1), "address_line2": core.upper(l2),
        "address_line3": np.where(x.d >= 0, TOWN.upper(), "ELSEWHERE"), "postcode": core.upper(pc),
        "benefit_type": x.cols["ben"], "award_start": core.fmt_dates(x.when, "YYYYMMDD"),
        "award_end": core.fmt_dates(x.cols["end"], "YYYYMMDD"),
    }
    _remember(ctx, "dwp_benefits", x, keys)
    _event(ctx, "dwp_benefits", keys, x.pidx, core.cat("benefit:", x.cols["ben"]), x.when, x.d)
    return x.finish(frame, "dwp_record_id", "dob")


# ---------------------------------------------------------------- housing benefit / CTR
def housing_benefit(ctx: Ctx):
    b, rng = ctx.b, ctx.rng
    aw = ctx.awards
    low = aw[aw.benefit.isin(["Universal Credit", "State Pension", "ESA"])]
    cand = np.unique(low.p.to_numpy(np.int64))
    cand = cand[b.alive()[cand] & (b.role[cand] != RESIDENT) & (b.role[cand] != PARTNER)]
    co = b.council_owned[b.declared_d[cand].clip(0)] & (b.declared_d[cand] >= 0)
    take = np.where(co, 0.6, 0.3)
    p = cand[rng.random(len(cand)) < take]
    partner = b.hh_partner[b.hh[p]]
    partner = np.where((partner >= 0) & (partner != p), partner, -1)
    start = np.maximum(b.cur_from[p], core.rand_dates(rng, core.WINDOW_START, core.REF_DATE - core.D * 60, len(p)))
    x = Extract("housing_benefit", rng, b, p, b.cur_d[p], start, dict(partner=partner))
    first, _, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    dob = nz.dobs(rng, b, x.pidx, x.cfg, x.tags)
    pt = x.cols["partner"]
    hp = pt >= 0
    pname = np.full(x.n, "", dtype=object)
    pname[hp] = core.cat(b.first[pt[hp]], " ", core.upper(b.last[pt[hp]]))
    pdob = np.full(x.n, core.NAT, dtype="datetime64[D]")
    pdob[hp] = b.dob[pt[hp]]
    pnino = np.full(x.n, "", dtype=object)
    pnino[hp] = b.nino[pt[hp]]
    addr, pc = ctx.addr.render(x.d, "abbrev", x.salt)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    adults = np.bincount(b.cur_d[b.alive() & (b.age() >= 18)], minlength=len(b.uprn) + 1)
    nondep = np.maximum(adults[x.d] - 1 - hp, 0)
    co = b.council_owned[np.maximum(x.d, 0)]
    ctype = np.where(co, "HB+CTR", np.where(rng.random(x.n) < 0.5, "CTR", "HB+CTR"))
    keys = x.keys("HB", 7, 1000001)
    frame = {
        "claim_ref": keys, "claimant_nino": np.where(rng.random(x.n) < 0.97, b.nino[x.pidx], ""),
        "claimant_name": core.cat(first, " ", core.upper(last)),
        "claimant_dob": core.fmt_dates(dob, "DD-MM-YYYY"), "partner_name": pname,
        "partner_dob": core.fmt_dates(pdob, "DD-MM-YYYY"), "partner_nino": pnino, "address": addr,
        "postcode": pc, "claim_type": ctype, "claim_start": core.fmt_dates(x.when, "DD-MM-YYYY"),
        "claim_end": core.fmt_dates(np.where(np.isnat(b.death[x.pidx]), core.NAT, b.death[x.pidx]), "DD-MM-YYYY"),
        "non_dependants": nondep.astype(str),
        "weekly_rent": np.where(co, (95 + b.bedrooms[np.maximum(x.d, 0)] * 18).astype(str), "175"),
    }
    _remember(ctx, "housing_benefit", x, keys)
    _event(ctx, "housing_benefit", keys, x.pidx, "benefit_claim", x.when, x.d)
    return x.finish(frame, "claim_ref", "claimant_dob")


# ---------------------------------------------------------------- GP registration
PRACTICES = ["F84001", "F84002", "F84003", "F84005", "F84008", "F84011", "F84013", "F84017"]


def gp_registration(ctx: Ctx):
    b, rng = ctx.b, ctx.rng
    cover = rng.random(b.n_people) < 0.95
    p = np.flatnonzero(cover)
    reg = np.maximum(b.cur_from[p], b.dob[p] + core.D * 3)
    reg = np.where(rng.random(len(p)) < 0.3, b.dob[p] + core.D * 5, reg)
    x = Extract("gp_registration", rng, b, p, b.cur_d[p], reg)
    first, _, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    dob = nz.dobs(rng, b, x.pidx, x.cfg, x.tags)
    a1, pc = ctx.addr.render(x.d, "line1", x.salt)
    a2, _ = ctx.addr.render(x.d, "line2", x.salt)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    death = b.death[x.pidx]
    dead = ~np.isnat(death)
    # mother's NHS number for babies born in the window (birth notification)
    mother = np.full(b.n_people, -1)
    for f, t, ty in ctx.b.rels:
        if ty == "PARENT_OF" and b.sex[f] == 1:
            mother[t] = f
    mo = mother[x.pidx]
    newborn = (b.dob[x.pidx] >= core.WINDOW_START) & (mo >= 0)
    mnhs = np.where(newborn, b.nhs[np.maximum(mo, 0)], "")
    keys = x.keys("GPR", 8, 1)
    practice = np.array(PRACTICES, dtype=object)[np.maximum(x.d, 0) % len(PRACTICES)]
    frame = {
        "registration_id": keys, "nhs_number": _nhs_fmt(rng, b.nhs[x.pidx]), "practice_code": practice,
        "forename": first, "surname": last, "date_of_birth": core.fmt_dates(dob, "YYYY-MM-DD"),
        "gender": np.where(b.sex[x.pidx] == 0, "Male", "Female"), "address_1": a1, "address_2": a2,
        "address_3": np.where(x.d >= 0, TOWN, ""), "address_4": "", "postcode": pc,
        "registered_date": core.fmt_dates(x.when, "YYYY-MM-DD"),
        "deregistered_date": core.fmt_dates(np.where(dead, death, core.NAT), "YYYY-MM-DD"),
        "deregistration_reason": np.where(dead, "Death", ""),
        "date_of_death": core.fmt_dates(np.where(dead, death, core.NAT), "YYYY-MM-DD"),
        "mother_nhs_number": mnhs,
    }
    _remember(ctx, "gp_registration", x, keys)
    _event(ctx, "gp_registration", keys, x.pidx, "gp_registration", x.when, x.d)
    s = newborn
    _event(ctx, "gp_registration", keys[s], x.pidx[s], "birth", b.dob[x.pidx[s]], x.d[s])
    s = dead
    _event(ctx, "gp_registration", keys[s], x.pidx[s], "death", death[s], x.d[s])
    return x.finish(frame, "registration_id", "date_of_birth")


# ---------------------------------------------------------------- school census
SCHOOLS = [(2001, "Ashmere Primary"), (2002, "St Mary's C of E Primary"), (2003, "Millbank Primary"),
           (2004, "Riverside Infant & Junior"), (2005, "Thornton Primary"), (2006, "Castle Primary"),
           (4001, "Ashmere Academy"), (4002, "Highfield School"), (4003, "Priory High School")]


def school_census(ctx: Ctx):
    b, rng, plans = ctx.b, ctx.rng, ctx.plans
    age = b.age(np.datetime64("2025-09-01"))
    ok = (age >= 4) & (age <= 17) & b.alive() & (b.cur_d >= 0) & (rng.random(b.n_people) < 0.93)
    p = np.flatnonzero(ok)
    ncy = age[p] - 4
    yr_start = (b.dob[p] + core.years(4)).astype("datetime64[Y]").astype(int) + 1970
    sec = ncy >= 7
    adm = np.where(sec, np.array([f"{y + 7}-09-04" for y in yr_start.tolist()], dtype="datetime64[D]"),
                   np.array([f"{y}-09-04" for y in yr_start.tolist()], dtype="datetime64[D]"))
    adm = np.where(b.prev_d[p] == -1, np.maximum(adm, b.cur_from[p]), adm)
    adm_d = b.dwelling_at(p, adm)
    cur = b.cur_d[p].copy()
    for c, (d, when) in sorted(plans.school_override.items()):
        i = np.searchsorted(p, c)
        if i < len(p) and p[i] == c:
            adm_d[i] = d
            if when is not None:
                adm[i] = when
            if ctx.sc.get("school_fraud_kids") and c in ctx.sc["school_fraud_kids"]:
                cur[i] = d
    x = Extract("school_census", rng, b, p, cur, adm, dict(ncy=ncy, adm_d=adm_d, sec=sec))
    first, _, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    dob = nz.dobs(rng, b, x.pidx, x.cfg, x.tags)
    addr, pc = ctx.addr.render(x.d, "canonical", x.salt)
    aaddr, apc = ctx.addr.render(x.cols["adm_d"], "canonical", x.salt)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    sch = np.where(x.cols["sec"], 6 + (np.maximum(x.d, 0) % 3), np.maximum(x.d, 0) % 6)
    hh = b.hh[x.pidx]
    carer = np.where(b.hh_partner[hh] >= 0, b.hh_partner[hh], b.hh_head[hh])
    carer = np.where(carer == x.pidx, b.hh_elder[hh], carer)
    hc = carer >= 0
    cname = np.full(x.n, "", dtype=object)
    cname[hc] = core.cat(b.first[carer[hc]], " ", b.last[carer[hc]])
    crel = np.where(~hc, "", np.where(b.role[np.maximum(carer, 0)] == ELDER, "Grandparent",
                                      np.where(b.sex[np.maximum(carer, 0)] == 1, "Mother", "Father")))
    att = np.clip(rng.normal(95.5, 3.0, x.n), 60, 100).round(1)
    low = np.isin(x.pidx, list(plans.attendance_low))
    att[low] = rng.uniform(72, 88, int(low.sum())).round(1)
    excl = np.where(rng.random(x.n) < 0.01, 1, 0) + np.where(low & (rng.random(x.n) < 0.4), 1, 0)
    ctx.school_att = dict(zip(x.pidx.tolist(), zip(att.tolist(), excl.tolist(), strict=False), strict=False))
    keys = x.keys("SC25-", 6, 1)
    # UPN allocated by the first school (one of 60 establishments) in the entry year; serial unique
    estab = 2000 + (b.cur_d[p] * 7 + b.hh[p]) % 60
    seen: dict[tuple[int, int], int] = {}
    upn_of = []
    for e, y in zip(estab.tolist(), yr_start.tolist(), strict=True):
        seen[(e, y)] = seen.get((e, y), 0) + 1
        upn_of.append(core.upn(873, e, y, seen[(e, y)]))
    upns = np.array(upn_of, dtype=object)[x.src]
    pref = np.where(b.nickname[x.pidx] != "", np.where(rng.random(x.n) < 0.15, b.nickname[x.pidx], ""), "")
    frame = {
        "pupil_record_id": keys, "upn": upns, "legal_surname": last, "legal_forename": first,
        "preferred_forename": pref, "dob": core.fmt_dates(dob, "DD/MM/YYYY"),
        "gender": np.where(b.sex[x.pidx] == 0, "M", "F"),
        "school_urn": np.array([str(100000 + SCHOOLS[s][0]) for s in sch.tolist()], dtype=object),
        "school_name": np.array([SCHOOLS[s][1] for s in sch.tolist()], dtype=object),
        "ncy": x.cols["ncy"].astype(str), "address": addr, "postcode": pc, "address_at_admission": aaddr,
        "postcode_at_admission": apc, "admission_date": core.fmt_dates(x.when, "DD/MM/YYYY"),
        "parent_carer_name": cname, "parent_carer_relationship": crel, "attendance_pct": att.astype(str),
        "exclusions": excl.astype(str), "fsm_eligible": np.where(rng.random(x.n) < 0.22, "Y", "N"),
    }
    _remember(ctx, "school_census", x, keys)
    _event(ctx, "school_census", keys, x.pidx, "school_admission", x.when, x.cols["adm_d"])
    return x.finish(frame, "pupil_record_id", "dob")


# ---------------------------------------------------------------- early years
def early_years(ctx: Ctx):
    b, rng = ctx.b, ctx.rng
    age = b.age()
    p = np.flatnonzero((age >= 2) & (age <= 4) & b.alive() & (b.cur_d >= 0) & (rng.random(b.n_people) < 0.7))
    start = np.maximum(b.dob[p] + core.years(np.where(age[p] == 2, 2, 3)), b.cur_from[p])
    x = Extract("early_years", rng, b, p, b.cur_d[p], start)
    first, _, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    dob = nz.dobs(rng, b, x.pidx, x.cfg, x.tags)
    hh = b.hh[x.pidx]
    par = np.where(b.hh_partner[hh] >= 0, b.hh_partner[hh], b.hh_head[hh])
    hp = par >= 0
    pname = np.where(hp, core.cat(b.first[np.maximum(par, 0)], " ", b.last[np.maximum(par, 0)]), "")
    pdob = np.where(hp, b.dob[np.maximum(par, 0)], core.NAT)
    addr, pc = ctx.addr.mixed(x.d, {"canonical": .5, "abbrev": .3, "suffix": .2}, x.salt)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    keys = x.keys("EY", 6, 1)
    fund = np.where(age[x.pidx] == 2, "2YO", np.where(rng.random(x.n) < 0.5, "30 Hours", "3-4 Universal"))
    frame = {
        "ey_child_id": keys, "child_name": core.cat(first, " ", last), "child_dob": core.fmt_dates(dob, "Dx Mon YYYY"),
        "setting_name": np.array(["Little Acorns", "Ashmere Nursery", "Busy Bees Millbank", "Rainbow Pre-school"],
                                 dtype=object)[np.maximum(x.d, 0) % 4],
        "funding_type": fund, "start_date": core.fmt_dates(x.when, "Dx Mon YYYY"), "parent_name": pname,
        "parent_dob": core.fmt_dates(pdob, "Dx Mon YYYY"),
        "parent_nino": np.where(hp & (rng.random(x.n) < 0.8), b.nino[np.maximum(par, 0)], ""),
        "address": addr, "postcode": pc,
    }
    _remember(ctx, "early_years", x, keys)
    _event(ctx, "early_years", keys, x.pidx, "early_years_place", x.when, x.d)
    return x.finish(frame, "ey_child_id", "child_dob")


# ---------------------------------------------------------------- children's social care
NOTES = ["Home visit completed; concerns discussed with parent.", "Strategy discussion held & actions agreed.",
         "Child seen alone; presented as withdrawn.", "School report attendance concerns <90%.",
         "Mother disclosed incident; safety plan in place."]


def childrens_social_care(ctx: Ctx):
    b, rng = ctx.b, ctx.rng
    rows = []
    for ci, case in enumerate(ctx.plans.csc):
        for p, role in case["members"]:
            rows.append((ci, p, role))
    if not rows:
        rows = [(0, 0, "Other")]
    ci = np.array([r[0] for r in rows])
    p = np.array([r[1] for r in rows])
    role = np.array([r[2] for r in rows], dtype=object)
    ref = np.array([ctx.plans.csc[c]["referral"] for c in ci.tolist()], dtype="datetime64[D]")
    x = Extract("childrens_social_care", rng, b, p, b.dwelling_at(p, ref), ref, dict(ci=ci, role=role))
    first, _, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    dob = nz.dobs(rng, b, x.pidx, x.cfg, x.tags)
    addr, pc = ctx.addr.mixed(x.d, {"canonical": .6, "abbrev": .2, "suffix": .2}, x.salt)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    cases = [ctx.plans.csc[c] for c in x.cols["ci"].tolist()]
    closed = np.array([c["closed"] for c in cases], dtype="datetime64[D]")
    keys = x.keys("CSCM", 7, 1)
    frame = {
        "csc_member_id": keys, "case_id": np.array([f"CASE-{c + 1:06d}" for c in x.cols["ci"].tolist()], dtype=object),
        "person_ref": np.array([f"LCS{p_ * 3 + 100000}" for p_ in x.pidx.tolist()], dtype=object),
        "role": x.cols["role"], "forename": first, "surname": last, "dob": core.fmt_dates(dob, "DD/MM/YYYY"),
        "gender": np.where(b.sex[x.pidx] == 0, "Male", "Female"), "address": addr, "postcode": pc,
        "referral_date": core.fmt_dates(x.when, "DD/MM/YYYY"),
        "referral_source": np.array(["Police", "School", "Health", "Self", "Other LA"], dtype=object)[
            x.cols["ci"] % 5],
        "referral_reason": np.array([c["reason"] for c in cases], dtype=object),
        "category": np.array([c["category"] for c in cases], dtype=object),
        "case_status": np.where(np.isnat(closed), "Open", "Closed"),
        "case_closed_date": core.fmt_dates(closed, "DD/MM/YYYY"),
        "case_notes": np.array(NOTES, dtype=object)[rng.integers(0, len(NOTES), x.n)],
    }
    _remember(ctx, "childrens_social_care", x, keys)
    _event(ctx, "childrens_social_care", keys, x.pidx, core.cat("csc_referral:", frame["referral_reason"]),
           x.when, x.d)
    return x.finish(frame, "csc_member_id", "dob")


# ---------------------------------------------------------------- adult social care
def adult_social_care(ctx: Ctx):
    b, rng = ctx.b, ctx.rng
    eps = ctx.plans.asc or [dict(p=0, referral=core.REF_DATE, start=core.REF_DATE, end=core.NAT,
                                 service="Assessment only", reason="Physical support")]
    p = np.array([e["p"] for e in eps], dtype=np.int64)
    start = np.array([e["start"] for e in eps], dtype="datetime64[D]")
    # carer: a child (any household) or partner
    kids: dict[int, int] = {}
    age = b.age()
    for f, t, ty in b.rels:
        if ty == "PARENT_OF" and f not in kids and age[t] >= 25:
            kids[f] = t
    carer = np.array([kids.get(int(q), int(b.hh_partner[b.hh[q]]) if b.hh_partner[b.hh[q]] != q else -1)
                      for q in p.tolist()])
    carer = np.where(rng.random(len(p)) < 0.6, carer, -1)
    x = Extract("adult_social_care", rng, b, p, b.dwelling_at(p, start), start,
                dict(e=np.arange(len(eps)), carer=carer))
    first, _, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    dob = nz.dobs(rng, b, x.pidx, x.cfg, x.tags)
    addr, pc = ctx.addr.mixed(x.d, {"canonical": .5, "suffix": .5}, x.salt)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    ee = [eps[i] for i in x.cols["e"].tolist()]
    c = x.cols["carer"]
    hc = c >= 0
    cname = np.where(hc, core.cat(b.first[np.maximum(c, 0)], " ", b.last[np.maximum(c, 0)]), "")
    crel = np.where(~hc, "", np.where(b.hh[np.maximum(c, 0)] == b.hh[x.pidx], "Partner",
                                      np.where(b.sex[np.maximum(c, 0)] == 0, "Son", "Daughter")))
    keys = x.keys("EP", 7, 1)
    frame = {
        "episode_id": keys, "person_ref": np.array([f"ASC{q + 500000}" for q in x.pidx.tolist()], dtype=object),
        "name": _sname(first, last), "dob": core.fmt_dates(dob, "YYYY-MM-DD"),
        "nhs_number": np.where(rng.random(x.n) < 0.7, b.nhs[x.pidx], ""), "address": addr, "postcode": pc,
        "referral_date": core.fmt_dates(np.array([e["referral"] for e in ee], dtype="datetime64[D]"), "YYYY-MM-DD"),
        "primary_support_reason": np.array([e["reason"] for e in ee], dtype=object),
        "service_type": np.array([e["service"] for e in ee], dtype=object),
        "episode_start": core.fmt_dates(x.when, "YYYY-MM-DD"),
        "episode_end": core.fmt_dates(np.array([e["end"] for e in ee], dtype="datetime64[D]"), "YYYY-MM-DD"),
        "carer_name": cname, "carer_relationship": crel,
        "case_notes": np.array(["Lives alone; struggles with stairs.", "Daughter visits daily & manages meds.",
                                "Falls history; OT referral made."], dtype=object)[rng.integers(0, 3, x.n)],
    }
    _remember(ctx, "adult_social_care", x, keys)
    _event(ctx, "adult_social_care", keys, x.pidx, core.cat("asc:", frame["service_type"]), x.when, x.d)
    return x.finish(frame, "episode_id", "dob")


# ---------------------------------------------------------------- police
ALIASES = ["Jay <script>alert(1)</script>", "Smithy & Co", "Tom O'Neil", "Big <b>Dave</b>", "D & J"]
NARR = ["Officers attended; parties separated.", "Suspect left prior to arrival.",
        "Neighbour reported shouting & banging.", "Words of advice given.", "Victim declined to support <action>."]


def police_contacts(ctx: Ctx):
    b, rng = ctx.b, ctx.rng
    pol = ctx.plans.police.sort_values(["date", "occ"], kind="stable")
    p = pol.p.to_numpy(np.int64)
    when = pol.date.to_numpy("datetime64[D]")
    x = Extract("police_contacts", rng, b, p, b.dwelling_at(p, when), when,
                dict(occ=pol.occ.to_numpy(np.int64), itype=pol.itype.to_numpy(object), role=pol.role.to_numpy(object)))
    first, _, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    dob = nz.dobs(rng, b, x.pidx, x.cfg, x.tags)
    addr, pc = ctx.addr.mixed(x.d, {"canonical": .4, "abbrev": .4, "suffix": .2}, x.salt)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    susp = x.cols["role"] == "Suspect"
    has_alias = susp & (rng.random(x.n) < 0.15)
    alias = np.full(x.n, "", dtype=object)
    alias[has_alias] = core.cat(b.nickname[x.pidx[has_alias]], " ", b.last[x.pidx[has_alias]])
    alias[has_alias] = [a.strip() if a.strip() != b_ else a for a, b_ in
                        zip(alias[has_alias].tolist(), b.last[x.pidx[has_alias]].tolist(), strict=False)]
    x.tags.add(has_alias, "alias")
    html = np.flatnonzero(has_alias)[: max(5, len(ALIASES))]
    for j, i in enumerate(html.tolist()):
        alias[i] = (alias[i] + ";" if alias[i] else "") + ALIASES[j % len(ALIASES)]
    hm = np.zeros(x.n, bool)
    hm[html] = True
    x.tags.add(hm, "html_alias")
    tm = rng.integers(0, 24 * 60, x.n)
    dt = core.cat(core.fmt_dates(x.when, "YYYY-MM-DD"), " ",
                  np.array([f"{t // 60:02d}:{t % 60:02d}" for t in tm.tolist()], dtype=object))
    keys = x.keys("OP", 8, 1)
    loc, _ = ctx.addr.render(x.d, "abbrev", x.salt)
    frame = {
        "occurrence_person_id": keys, "occurrence_ref": np.array([f"OCC/{o:07d}" for o in x.cols["occ"].tolist()],
                                                                 dtype=object),
        "occurrence_date": dt, "incident_type": x.cols["itype"], "person_role": x.cols["role"],
        "surname": core.upper(last), "forename": first, "dob": core.fmt_dates(dob, "DD/MM/YYYY"),
        "aliases": alias, "home_address": addr, "home_postcode": pc,
        "location": np.where(rng.random(x.n) < 0.6, core.cat("Outside ", loc), "Town centre"),
        "narrative": np.array(NARR, dtype=object)[rng.integers(0, len(NARR), x.n)],
    }
    _remember(ctx, "police_contacts", x, keys)
    _event(ctx, "police_contacts", keys, x.pidx, core.cat("police:", x.cols["itype"], ":", x.cols["role"]),
           x.when, x.d)
    return x.finish(frame, "occurrence_person_id", "dob")


# ---------------------------------------------------------------- blue badge
def blue_badge(ctx: Ctx):
    b, rng = ctx.b, ctx.rng
    pip = np.unique(ctx.awards.loc[ctx.awards.benefit.isin(["PIP", "Attendance Allowance"]), "p"].to_numpy(np.int64))
    p = pip[rng.random(len(pip)) < 0.45]
    old = np.flatnonzero((b.age() >= 75) & (b.role != RESIDENT) & (rng.random(b.n_people) < 0.05))
    p = np.union1d(p, old)
    issue = core.rand_dates(rng, np.maximum(b.cur_from[p], core.REF_DATE - core.D * 3 * 365), core.REF_DATE - core.D * 10, len(p))
    x = Extract("blue_badge", rng, b, p, b.cur_d[p], issue)
    first, _, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    dob = nz.dobs(rng, b, x.pidx, x.cfg, x.tags)
    l1, pc = ctx.addr.render(x.d, "line1", x.salt)
    l2, _ = ctx.addr.render(x.d, "line2", x.salt)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    keys = np.array([f"AM{1000000 + i * 13:08d}" for i in range(x.n)], dtype=object)
    title = np.where(b.sex[x.pidx] == 0, "Mr", np.where(rng.random(x.n) < 0.5, "Mrs", "Miss"))
    frame = {
        "badge_number": keys, "applicant_title": title, "applicant_forename": first, "applicant_surname": last,
        "applicant_dob": core.fmt_dates(dob, "DD/MM/YYYY"), "nino": np.where(rng.random(x.n) < 0.7, b.nino[x.pidx], ""),
        "address_line_1": l1, "address_line_2": l2, "town": TOWN, "postcode": pc,
        "eligibility": np.array(["PIP", "Walking", "Visual"], dtype=object)[rng.integers(0, 3, x.n)],
        "issue_date": core.fmt_dates(x.when, "DD/MM/YYYY"),
        "expiry_date": core.fmt_dates(x.when + core.D * 3 * 365, "DD/MM/YYYY"),
        "status": np.where(x.when + core.D * 3 * 365 < core.REF_DATE, "Expired", "Active"),
    }
    _remember(ctx, "blue_badge", x, keys)
    _event(ctx, "blue_badge", keys, x.pidx, "blue_badge", x.when, x.d)
    return x.finish(frame, "badge_number", "applicant_dob")


# ---------------------------------------------------------------- 999 call-outs
def blue_light_callouts(ctx: Ctx):
    b, rng = ctx.b, ctx.rng
    calls = ctx.plans.calls.sort_values(["date", "p"], kind="stable")
    p = calls.p.to_numpy(np.int64)
    when = calls.date.to_numpy("datetime64[D]")
    x = Extract("blue_light_callouts", rng, b, p, calls.at_d.to_numpy(np.int64), when,
                dict(svc=calls.service.to_numpy(object), cat=calls.category.to_numpy(object)))
    first, _, last = nz.names(rng, b, x.pidx, x.cfg, x.tags)
    anon = rng.random(x.n) < 0.04
    caller = np.where(first == "", last, core.cat(first, " ", last))
    caller[anon] = "Anonymous"
    x.tags.add(anon, "anonymous")
    addr, pc = ctx.addr.mixed(x.d, {"canonical": .5, "abbrev": .5}, x.salt)
    addr = core.upper(addr)
    pc = nz.postcodes(rng, pc, x.cfg, x.tags)
    tm = rng.integers(0, 86400, x.n)
    dt = core.cat(core.fmt_dates(x.when, "DD/MM/YYYY"), " ",
                  np.array([f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}" for t in tm.tolist()], dtype=object))
    keys = x.keys("CAD", 8, 20000001)
    phone = np.array([f"{(q * 2654435761) % 4294967296:08x}" for q in x.pidx.tolist()], dtype=object)
    phone[anon] = ""
    frame = {
        "callout_id": keys, "call_datetime": dt, "service": x.cols["svc"], "incident_category": x.cols["cat"],
        "caller_name": caller, "caller_phone_hash": phone, "incident_address": addr, "incident_postcode": pc,
        "outcome": np.array(["Attended", "Conveyed to hospital", "Advice given", "No trace", "Attended"],
                            dtype=object)[rng.integers(0, 5, x.n)],
    }
    _remember(ctx, "blue_light_callouts", x, keys)
    _event(ctx, "blue_light_callouts", keys, x.pidx, core.cat("999:", x.cols["svc"]), x.when, x.d)
    return x.finish(frame, "callout_id")


SOURCES = [council_tax, housing_tenancy, electoral_register, housing_benefit, dwp_benefits, gp_registration,
           school_census, early_years, childrens_social_care, adult_social_care, police_contacts, blue_badge,
           blue_light_callouts]
