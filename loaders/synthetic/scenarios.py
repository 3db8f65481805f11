"""Planted scenarios and look-alikes, and the rule-based truth labels computed from the true events.

`plant_residence` runs before agency events exist (it changes who lives where and some names/DOBs);
`plant_events` adds agency events; `label` runs after the extracts exist and writes every scenario row
with the record keys that evidence it. Rule-type scenarios (safeguarding, Supporting Families,
repeat 999 callers, multi-agency, overcrowding) are labelled from the true events, so incidental cases
are labelled too, not only planted ones.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import core
from .population import CHILD, HEAD, PARTNER, RESIDENT, SHARER

SYS_RES = ["gp_registration", "electoral_register", "dwp_benefits", "council_tax", "housing_tenancy"]


class Planter:
    def __init__(self, rng: np.random.Generator, b, k: int):
        self.rng, self.b, self.k = rng, b, k
        self.used: set[int] = set()
        self.rows: list[dict] = []
        self.sc: dict = {"ct_dwelling": {}, "ct_landlord": [], "lodgers": set(), "school_fraud_kids": set(),
                         "dwp_extra": []}
        self.members = core.group_lists(b.hh, np.arange(b.n_people))

    def row(self, stype, look, mimics, persons, dwellings, systems, reason):
        self.rows.append(dict(scenario_type=stype, is_lookalike=int(look), mimics=mimics,
                              persons=[int(p) for p in persons], dwellings=[int(d) for d in dwellings if d >= 0],
                              systems=systems, reason=reason))

    def pick(self, mask: np.ndarray, k: int | None = None) -> list[int]:
        """Up to k unused households from mask (deterministic order)."""
        k = self.k if k is None else k
        cand = np.flatnonzero(mask)
        cand = self.rng.permutation(cand)
        out = []
        for h in cand.tolist():
            if h not in self.used:
                out.append(h)
                self.used.add(h)
                if len(out) == k:
                    break
        return out

    def alive_members(self, h: int) -> list[int]:
        al = self.b.alive()
        return [p for p in self.members.get(h, []) if al[p] and self.b.hh[p] == h]

    # ------------------------------------------------------------ residence-changing scenarios
    def plant_residence(self) -> None:
        b, rng = self.b, self.rng
        t = b.hh_type
        head = b.hh_head
        al = b.alive()
        age = b.age()
        hd = np.maximum(head, 0)
        head_ok = (head >= 0) & al[hd]
        co = b.council_owned[b.hh_dwelling]
        stable = b.prev_d[hd] == -2
        nkids = np.bincount(b.hh[(b.role == CHILD) & (age < 18)], minlength=len(t))
        hsize = np.bincount(b.hh[al], minlength=len(t))
        # illegal subletting
        tens = self.pick((t == 0) & head_ok & co & stable & (age[hd] >= 25) & (age[hd] < 60))
        dests = self.pick(np.isin(t, [0, 1]) & head_ok & ~co, len(tens))
        shares = self.pick((t == 5) & (hsize >= 2) & ~co, len(tens))
        for T_h, D_h, S_h in zip(tens, dests, shares, strict=False):
            p = int(head[T_h])
            T, D = int(b.hh_dwelling[T_h]), int(b.hh_dwelling[D_h])
            X = core.rand_dates(rng, np.datetime64("2019-01-01"), np.datetime64("2024-06-01"), 1)[0]
            b.prev_d[p], b.prev_from[p], b.cur_d[p], b.cur_from[p] = T, b.cur_from[p], D, X
            b.hh[p] = D_h
            b.role[p] = SHARER
            sm = self.alive_members(S_h)
            old = int(b.hh_dwelling[S_h])
            for s in sm:
                b.prev_d[s], b.prev_from[s], b.cur_d[s], b.cur_from[s] = old, b.cur_from[s], T, X + core.D * 60
                b.declared_d[s] = -3
            b.hh_dwelling[S_h] = T
            self.row("illegal_subletting", 0, "", [p] + sm, [T, D], SYS_RES,
                     f"Council tenant registered at another address from {X}; {len(sm)} unrelated adults "
                     "registered at the tenancy, none on the tenancy or council tax account.")
        # look-alike: a lodger declared properly on the tenancy
        tens = self.pick((t == 0) & head_ok & co & stable & (age[hd] >= 40) & (age[hd] < 70))
        shares = self.pick((t == 5) & (hsize >= 3), len(tens))
        for T_h, S_h in zip(tens, shares, strict=False):
            sm = [s for s in self.alive_members(S_h) if age[s] < age[head[T_h]]][:1]
            if not sm:
                continue
            s = sm[0]
            T = int(b.hh_dwelling[T_h])
            Y = core.rand_dates(rng, np.datetime64("2018-01-01"), np.datetime64("2025-01-01"), 1)[0]
            b.prev_d[s], b.prev_from[s], b.cur_d[s], b.cur_from[s] = b.cur_d[s], b.cur_from[s], T, Y
            b.declared_d[s] = T
            self.sc["lodgers"].add(s)
            self.row("illegal_subletting", 1, "illegal_subletting", [int(head[T_h]), s], [T], SYS_RES,
                     "Unrelated adult at a council tenancy, but declared as a lodger and the tenant lives there.")
        # SPD with another adult; look-alike: other adult is a disregarded student
        for h in self.pick((t == 1) & head_ok & (b.hh_partner >= 0) & al[np.maximum(b.hh_partner, 0)]):
            d = int(b.hh_dwelling[h])
            st = np.maximum(b.cur_from[head[h]], np.datetime64("2017-04-01"))
            self.sc["ct_dwelling"][d] = ("spd_fraud", {"start": st})
            self.row("spd_other_adults", 0, "", [int(head[h]), int(b.hh_partner[h])], [d],
                     ["council_tax", "electoral_register", "gp_registration"],
                     "Single-person discount claimed while a partner is registered at the dwelling.")
        teen = np.zeros(len(t), bool)
        teen[b.hh[(b.role == CHILD) & (age >= 10) & (age < 18) & al]] = True
        for h in self.pick((t == 3) & head_ok & teen):
            members = self.alive_members(h)
            kids = [p for p in members if b.role[p] == CHILD and 10 <= age[p] < 18]
            if not kids:
                continue
            c = kids[0]
            # the look-alike must hold: the student is the only other adult (no grown-up sibling at home)
            if any(age[p] >= 18 for p in members if p not in (int(head[h]), c)):
                continue
            b.dob[c] = core.REF_DATE - core.years(19) - core.D * int(rng.integers(10, 300))
            d = int(b.hh_dwelling[h])
            self.sc["ct_dwelling"][d] = ("spd_disregard", {"start": b.dob[c] + core.years(18), "type": "Student",
                                                           "p": c})
            self.row("spd_other_adults", 1, "spd_other_adults", [int(head[h]), c], [d],
                     ["council_tax", "electoral_register", "gp_registration"],
                     "Second adult is a full-time student, disregarded for council tax: SPD is correct.")
        # overcrowding: swap a large family into a small flat
        big = (t == 2) & (hsize >= 5) & stable & (b.bedrooms[b.hh_dwelling] >= 3)
        small = (t == 0) & stable & (b.bedrooms[b.hh_dwelling] == 1) & head_ok
        for H, S in zip(self.pick(big), self.pick(small), strict=False):
            dH, dS = int(b.hh_dwelling[H]), int(b.hh_dwelling[S])
            for h, dn in ((H, dS), (S, dH)):
                for p in self.members[h]:
                    if b.hh[p] == h:
                        b.cur_d[p] = dn
                        b.declared_d[p] = dn
                b.hh_dwelling[h] = dn
        # twins; father and son with the same name at one address
        for h in self.pick((t == 2) & (nkids >= 2)):
            kids = [p for p in self.members[h] if b.role[p] == CHILD and age[p] < 18][:2]
            a, c = kids
            b.dob[c] = b.dob[a]
            b.cur_from[c] = b.cur_from[a]
            b.prev_d[c] = b.prev_d[a]
            if b.first[c] == b.first[a]:
                b.first[c] = b.first[c] + "-Rose" if b.sex[c] else "Samuel"
            self.row("twins", 1, "duplicate_person", [a, c], [int(b.hh_dwelling[h])],
                     ["gp_registration", "school_census", "early_years", "housing_tenancy"],
                     "Twins: same surname, DOB and address, different people.")
        sons = (b.role == CHILD) & (b.sex == 0) & (age >= 16)
        fam_son = np.zeros(len(t), bool)
        fam_son[b.hh[sons]] = True
        for h in self.pick((t == 2) & fam_son & head_ok & (b.sex[hd] == 0)):
            s = [p for p in self.members[h] if sons[p]][0]
            f = int(head[h])
            b.first[s] = b.first[f]
            b.nickname[s] = b.nickname[f]
            b.middle[s] = "James" if b.middle[f] != "James" else "Edward"
            self.row("father_son_same_name", 1, "duplicate_person", [f, s], [int(b.hh_dwelling[h])],
                     SYS_RES, "Father and son share forename and surname at one address; DOBs differ.")
        # school address fraud; look-alike: moved after admission
        skid = (b.role == CHILD) & (age >= 5) & (age <= 15)
        has_sk = np.zeros(len(t), bool)
        has_sk[b.hh[skid]] = True
        self._school_fraud = []
        for h in self.pick(np.isin(t, [2, 3]) & has_sk & stable & head_ok):
            hp = b.parent_hh_of[head[h]]
            if hp >= 0:
                X, why = int(b.hh_dwelling[hp]), "a grandparent's address"
            else:
                X = int(rng.integers(0, len(b.uprn)))
                why = "an unrelated address"
            if X == b.hh_dwelling[h]:
                continue
            kids = [p for p in self.members[h] if skid[p]]
            self._school_fraud.append((h, X, kids, why))
        self._school_moved = self.pick(np.isin(t, [2, 3]) & has_sk & (b.prev_d[hd] >= 0) & head_ok)
        # empty-property exemption on an occupied dwelling; look-alike: ended before move-in
        recent = b.cur_from[hd] > np.datetime64("2018-01-01")
        landlords = np.flatnonzero((age >= 40) & (age < 80) & al & (b.role == HEAD))
        for h in self.pick(np.isin(t, [0, 1, 2]) & head_ok & ~co & recent):
            d = int(b.hh_dwelling[h])
            L = int(landlords[rng.integers(0, len(landlords))])
            ms = self.alive_members(h)
            for p in ms:
                b.declared_d[p] = -3
            st = b.cur_from[head[h]] - core.D * int(rng.integers(30, 300))
            self.sc["ct_landlord"].append(dict(d=d, landlord=L, start=st, end=core.NAT))
            self.row("empty_exemption_occupied", 0, "", [L] + ms, [d],
                     ["council_tax", "gp_registration", "electoral_register"],
                     "Class C empty-property exemption open while residents are registered at the dwelling.")
        for h in self.pick(np.isin(t, [0, 1, 2]) & head_ok & ~co & recent):
            d = int(b.hh_dwelling[h])
            L = int(landlords[rng.integers(0, len(landlords))])
            mi = b.cur_from[head[h]]
            self.sc["ct_landlord"].append(dict(d=d, landlord=L, start=mi - core.D * 400, end=mi - core.D * 20))
            self.row("empty_exemption_occupied", 1, "empty_exemption_occupied", [L] + self.alive_members(h), [d],
                     ["council_tax", "gp_registration", "electoral_register"],
                     "Exemption ended before the current residents moved in.")

    # ------------------------------------------------------------ event scenarios
    def plant_events(self, plans) -> None:
        b, rng, t = self.b, self.rng, self.b.hh_type
        age = plans.age
        al = b.alive()
        head, partner = b.hh_head, b.hh_partner
        hd, pt = np.maximum(head, 0), np.maximum(partner, 0)
        nkids = np.bincount(b.hh[(b.role == CHILD) & (age < 18) & al], minlength=len(t))
        both = (head >= 0) & (partner >= 0) & al[hd] & al[pt]
        for h, X, kids, why in self._school_fraud:
            for c in kids:
                plans.school_override[c] = (X, None)
                self.sc["school_fraud_kids"].add(c)
            self.row("school_address_fraud", 0, "", [int(head[h])] + kids, [int(b.hh_dwelling[h]), X],
                     ["school_census", "gp_registration", "council_tax"],
                     f"School census admission address is {why}; the family has lived elsewhere throughout.")
        for h in self._school_moved:
            kids = [p for p in self.members[h] if b.role[p] == CHILD and 5 <= age[p] <= 15]
            pd_ = int(b.prev_d[head[h]])
            for c in kids:
                plans.school_override[c] = (pd_, max(b.cur_from[head[h]] - core.D * 200, b.dob[c] + core.years(4)))
            self.row("school_address_fraud", 1, "school_address_fraud", [int(head[h])] + kids,
                     [pd_, int(b.hh_dwelling[h])], ["school_census", "gp_registration", "council_tax"],
                     "Admission address was the family's true address at the time; they moved later.")
        da_hh = set(b.hh[plans.police.loc[plans.police.itype == "Domestic abuse", "p"].to_numpy(int)].tolist())
        # safeguarding: DA suspect living with children
        for h in self.pick((t == 2) & both & (nkids >= 1)):
            youngest = max(b.dob[p] for p in self.members[h] if b.role[p] == CHILD)
            lo = max(youngest + core.D * 30, b.cur_from[head[h]], core.REF_DATE - core.D * 1000)
            dates = core.rand_dates(rng, lo, core.REF_DATE - core.D * 5, int(rng.integers(1, 4)))
            plans.add_da(np.full(len(dates), head[h]), np.full(len(dates), partner[h]), dates)
            da_hh.add(h)
        # namesake look-alike
        singles = np.flatnonzero((t == 0) & (head >= 0) & al[hd] & (b.sex[hd] == 0) & (age[hd] >= 25) & (age[hd] < 55))
        fams = [h for h in self.pick((t == 2) & both & (nkids >= 1) & (b.sex[hd] == 0)) if h not in da_hh]
        singles = [s for s in rng.permutation(singles).tolist() if b.hh[head[s]] not in self.used][:len(fams)]
        victims = np.flatnonzero((b.sex == 1) & (age >= 20) & (age < 60) & al)
        for h, sh in zip(fams, singles, strict=False):
            self.used.add(sh)
            s, f = int(head[sh]), int(head[h])
            b.first[s], b.last[s], b.birth_last[s], b.nickname[s] = b.first[f], b.last[f], b.last[f], b.nickname[f]
            v = victims[rng.integers(0, len(victims), 1)]
            plans.add_da(np.array([s]), v, core.rand_dates(rng, core.REF_DATE - core.D * 900, core.REF_DATE - core.D * 5, 1))
            self.row("safeguarding_da_child", 1, "safeguarding_da_child", [s, f], [int(b.cur_d[s]), int(b.cur_d[f])],
                     ["police_contacts", "gp_registration", "electoral_register"],
                     "DA suspect lives alone; a different man with the same name (other DOB) lives with children.")
        # repeat 999 callers and look-alikes
        adults = np.flatnonzero((age >= 25) & al & (b.role != RESIDENT) & (b.cur_d >= 0))
        pool = [p for p in rng.permutation(adults).tolist() if b.hh[p] not in self.used][: 2 * self.k]
        for i, p in enumerate(pool):
            n = int(rng.integers(5, 11)) if i < self.k else 3
            start = core.rand_dates(rng, np.datetime64("2024-01-01"), np.datetime64("2024-12-01"), 1)[0]
            dates = np.sort(core.rand_dates(rng, start, start + core.D * 300, n))
            svc = np.array(["Police", "Ambulance"], dtype=object)[rng.integers(0, 2, n)]
            plans.add_calls(np.full(n, p), dates, svc, np.where(svc == "Police", "Disturbance", "Mental health"))
            self.used.add(int(b.hh[p]))
            if i >= self.k:
                self.row("repeat_999_caller", 1, "repeat_999_caller", [p], [int(b.cur_d[p])],
                         ["blue_light_callouts"], "Three 999 calls in a year: below the repeat-caller threshold.")
        # Supporting Families: crime/ASB + school attendance + worklessness
        skid = (b.role == CHILD) & (age >= 5) & (age <= 15) & al
        has_sk = np.zeros(len(t), bool)
        has_sk[b.hh[skid]] = True
        for h in self.pick(np.isin(t, [2, 3]) & has_sk & (head >= 0) & al[hd] & (b.cur_d[hd] >= 0)):
            p = int(head[h])
            plans.add_police(np.array([p]), core.rand_dates(rng, core.REF_DATE - core.D * 600, core.REF_DATE - core.D * 5, 1),
                             "ASB", "Suspect")
            c = [q for q in self.members[h] if skid[q] and b.hh[q] == h][0]
            plans.attendance_low.add(c)
            self.sc["dwp_extra"].append(pd.DataFrame({"p": [p], "benefit": ["Universal Credit"],
                                                      "start": np.array([core.REF_DATE - core.D * 700]),
                                                      "end": np.array([core.NAT])}))
        # multi-agency family and its non-overlapping look-alike
        el = b.hh_elder
        mg = (t == 4) & (el >= 0) & al[np.maximum(el, 0)] & (head >= 0) & al[hd] & (nkids >= 1)
        mg_h = self.pick(mg, 2 * self.k)
        self._ma_look = []
        for i, h in enumerate(mg_h):
            e, p = int(el[h]), int(head[h])
            if i % 2 == 0:
                t0 = core.rand_dates(rng, np.datetime64("2023-01-01"), np.datetime64("2025-06-01"), 1)[0]
                plans.add_asc(e, t0 - core.D * 100, core.NAT)
                plans.add_csc_case(h, t0 - core.D * 50, "Neglect", "CIN", closed=core.NAT)
                plans.add_police(np.array([p]), np.array([t0]), "Concern for welfare", "Victim")
            else:
                plans.add_asc(e, np.datetime64("2016-03-01"), np.datetime64("2016-12-01"))
                plans.add_csc_case(h, np.datetime64("2019-05-01"), "Neglect", "Early Help",
                                   closed=np.datetime64("2019-10-01"))
                plans.add_police(np.array([p]), np.array([np.datetime64("2023-03-01")]), "Concern for welfare",
                                 "Victim")
                self._ma_look.append(h)


# ---------------------------------------------------------------- rule-based truth
def _hh_children_at(b, h_of_p: np.ndarray, when: np.ndarray, members: dict) -> list[list[int]]:
    out = []
    for h, w in zip(h_of_p.tolist(), when.tolist(), strict=False):
        out.append([q for q in members.get(h, []) if b.role[q] == CHILD and b.hh[q] == h
                    and b.dob[q] < w and core.age_at(b.dob[q:q + 1], w)[0] < 18])
    return out


def label(pl: Planter, plans, awards: pd.DataFrame, school_att: dict, ct_empty) -> None:
    b, rng, k = pl.b, pl.rng, pl.k
    members = pl.members
    pol = plans.police
    # safeguarding: DA suspects with a child in their household at the time
    da = pol[(pol.itype == "Domestic abuse") & (pol.role == "Suspect")].sort_values(["p", "date"], kind="stable")
    if len(da):
        last = da.groupby("p", sort=True).date.max()
        ps = last.index.to_numpy(np.int64)
        when = last.to_numpy("datetime64[D]")
        kids = _hh_children_at(b, b.hh[ps], when, members)
        for p, w, ks in zip(ps.tolist(), when.tolist(), kids, strict=False):
            if ks and b.cur_from[p] <= w:
                pl.row("safeguarding_da_child", 0, "", [p] + ks, [int(b.cur_d[p])],
                       ["police_contacts", "gp_registration", "school_census", "childrens_social_care"],
                       f"Domestic-abuse suspect (last incident {w}) lives with {len(ks)} child(ren).")
    # Supporting Families criteria per household with children (last 3 years)
    recent = core.REF_DATE - core.D * 3 * 365
    age = b.age()
    fam = np.flatnonzero(np.bincount(b.hh[(b.role == CHILD) & (age < 18) & b.alive()], minlength=len(b.hh_type)))
    crit: dict[int, set] = {int(h): set() for h in fam.tolist()}
    r = pol[(pol.date >= recent)]
    for p, it, ro in zip(r.p.tolist(), r.itype.tolist(), r.role.tolist(), strict=False):
        h = int(b.hh[p])
        if h in crit:
            if it == "Domestic abuse":
                crit[h].add("domestic_abuse")
            elif ro == "Suspect":
                crit[h].add("crime_asb")
    for p, (att, ex) in school_att.items():
        if (att < 90 or ex > 0) and int(b.hh[p]) in crit:
            crit[int(b.hh[p])].add("education")
    for c in plans.csc:
        if (np.isnat(c["closed"]) or c["closed"] >= recent) and c["hh"] in crit:
            crit[c["hh"]].add("children_need_help")
    wl = awards[awards.benefit.isin(["Universal Credit", "ESA"]) & awards.end.isna()]
    for p in wl.p.tolist():
        h = int(b.hh[p])
        if h in crit and age[p] >= 18:
            crit[h].add("worklessness")
    one = []
    for h in sorted(crit):
        c = crit[h]
        ms = [q for q in members.get(h, []) if b.hh[q] == h]
        if len(c) >= 2:
            pl.row("supporting_families", 0, "", ms, [int(b.hh_dwelling[h])],
                   ["police_contacts", "school_census", "childrens_social_care", "dwp_benefits"],
                   "Meets Supporting Families criteria: " + ", ".join(sorted(c)))
        elif len(c) == 1:
            one.append((h, ms, c))
    for i in rng.permutation(len(one))[:k].tolist():
        h, ms, c = one[i]
        pl.row("supporting_families", 1, "supporting_families", ms, [int(b.hh_dwelling[h])],
               ["police_contacts", "school_census", "childrens_social_care", "dwp_benefits"],
               "Meets only one criterion (" + next(iter(c)) + "): not eligible.")
    # repeat 999 callers: >= 5 calls in 365 days by one person
    calls = plans.calls.sort_values(["p", "date"], kind="stable")
    cp = calls.p.to_numpy(np.int64)
    cd = calls.date.to_numpy("datetime64[D]")
    if len(cp) >= 5:
        same = cp[4:] == cp[:-4]
        span = (cd[4:] - cd[:-4]).astype(np.int64) <= 365
        hit = np.unique(cp[4:][same & span])
        hs = set(hit.tolist())
        pl.rows = [r for r in pl.rows if not (r["scenario_type"] == "repeat_999_caller" and r["is_lookalike"]
                                              and r["persons"][0] in hs)]
        for p in hit.tolist():
            n = int((cp == p).sum())
            pl.row("repeat_999_caller", 0, "", [p], [int(b.cur_d[p])], ["blue_light_callouts"],
                   f"{n} 999 calls, at least 5 within 12 months.")
    care = np.flatnonzero(b.ptype == "Care home")
    at = calls.at_d.to_numpy(np.int64)
    for d in care.tolist()[:k]:
        m = at == d
        if m.sum() >= 5:
            callers = sorted(set(cp[m].tolist()))
            if max(np.bincount(cp[m])) < 5:
                pl.row("repeat_999_caller", 1, "repeat_999_caller", callers, [d], ["blue_light_callouts"],
                       f"Care home: {int(m.sum())} calls from {len(callers)} different residents.")
    # multi-agency: >= 3 agencies involved at the same time
    iv: dict[int, list] = {}
    for p, dte in zip(pol.p.tolist(), pol.date.tolist(), strict=False):
        iv.setdefault(int(b.hh[p]), []).append(("police_contacts", dte, dte + np.timedelta64(180, "D")))
    for c in plans.csc:
        iv.setdefault(int(c["hh"]), []).append(("childrens_social_care", c["referral"],
                                                core.REF_DATE if np.isnat(c["closed"]) else c["closed"]))
    for e in plans.asc:
        iv.setdefault(int(b.hh[e["p"]]), []).append(("adult_social_care", e["start"],
                                                     core.REF_DATE if np.isnat(e["end"]) else e["end"]))
    flagged = set()
    for h in sorted(iv):
        lst = iv[h]
        if len({a for a, _, _ in lst}) < 3:
            continue
        for _, s, _ in lst:
            ag = {a for a, s2, e2 in lst if s2 <= s <= e2}
            if len(ag) >= 3:
                flagged.add(h)
                ms = [q for q in members.get(h, []) if b.hh[q] == h]
                pl.row("multi_agency_family", 0, "", ms, [int(b.hh_dwelling[h])], sorted(ag),
                       f"{len(ag)} agencies involved at once around {s}.")
                break
    for h in pl._ma_look:
        if h not in flagged:
            ms = [q for q in members.get(h, []) if b.hh[q] == h]
            pl.row("multi_agency_family", 1, "multi_agency_family", ms, [int(b.hh_dwelling[h])],
                   ["police_contacts", "childrens_social_care", "adult_social_care"],
                   "Three agencies involved, but at different, non-overlapping times.")
    # overcrowding: residents > 2 x bedrooms (not care homes)
    al = b.alive()
    res = np.bincount(b.cur_d[al & (b.cur_d >= 0)], minlength=len(b.uprn))
    ok = b.ptype != "Care home"
    over = np.flatnonzero(ok & (res > 2 * b.bedrooms))
    occ = core.group_lists(b.cur_d[al & (b.cur_d >= 0)], np.flatnonzero(al & (b.cur_d >= 0)))
    for d in over.tolist():
        pl.row("overcrowding", 0, "", occ.get(d, []), [d], ["gp_registration", "electoral_register", "council_tax"],
               f"{int(res[d])} residents in {int(b.bedrooms[d])} bedroom(s).")
    at_lim = np.flatnonzero(ok & (res == 2 * b.bedrooms) & (res > 0))
    for d in rng.permutation(at_lim)[:k].tolist():
        pl.row("overcrowding", 1, "overcrowding", occ.get(d, []), [d], ["gp_registration", "electoral_register"],
               f"{int(res[d])} residents in {int(b.bedrooms[d])} bedroom(s): at, not over, the threshold.")
    # genuinely empty dwellings with an exemption
    empty, lead = ct_empty
    for d, L in list(zip(empty.tolist(), lead.tolist(), strict=False))[:k]:
        pl.row("empty_exemption_occupied", 1, "empty_exemption_occupied", [int(L)], [int(d)], ["council_tax"],
               "Exemption on a dwelling that is genuinely empty.")
    _ = (HEAD, PARTNER)


def table(pl: Planter, keys_of: dict) -> pd.DataFrame:
    b = pl.b
    out = []
    for i, r in enumerate(pl.rows):
        rk = []
        for s in r["systems"]:
            for p in b.pid(r["persons"]).tolist():
                rk += [f"{s}:{k}" for k in keys_of.get((s, p), [])]
        out.append(dict(scenario_id=f"S{i + 1:05d}", scenario_type=r["scenario_type"], is_lookalike=r["is_lookalike"],
                        mimics=r["mimics"], person_ids=";".join(b.pid(r["persons"]).tolist()),
                        uprns=";".join(b.uprn[r["dwellings"]].tolist()) if r["dwellings"] else "",
                        record_keys=";".join(rk), reason=r["reason"]))
    return pd.DataFrame(out, columns=["scenario_id", "scenario_type", "is_lookalike", "mimics", "person_ids",
                                      "uprns", "record_keys", "reason"])
