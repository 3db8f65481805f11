"""True agency events before rendering: police occurrences, 999 calls, social care, benefits, school.

Each plan is a DataFrame of person indexes and datetime64 dates. Scenarios append to these plans, and
the rule-based scenario truth is computed from them, so labels are complete (planted or incidental).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import core
from .population import CHILD, ELDER, HEAD, PARTNER, RESIDENT

POLICE_TYPES = ["ASB", "Theft", "Criminal damage", "Violence", "Public order", "Missing person",
                "Concern for welfare"]
POLICE_P = np.array([0.30, 0.20, 0.12, 0.12, 0.10, 0.06, 0.10])
ROLES = ["Suspect", "Victim", "Witness", "Reporting person"]
ROLE_P = np.array([0.45, 0.30, 0.15, 0.10])


def _clip_life(b, p: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Move dates into the person's lifetime inside the window."""
    lo = np.maximum(b.dob[p] + core.D * 30, core.WINDOW_START)
    hi = np.where(np.isnat(b.death[p]), core.REF_DATE, b.death[p])
    return np.minimum(np.maximum(when, lo), hi)


class Plans:
    def __init__(self, rng: np.random.Generator, b):
        self.rng, self.b = rng, b
        self.age = b.age()
        self.police = pd.DataFrame(columns=["occ", "p", "date", "itype", "role"])
        self.calls = pd.DataFrame(columns=["p", "date", "service", "category", "at_d"])
        self.csc = []  # dicts: case members list of (p, role), referral, closed, reason, category
        self.asc = []  # dicts: p, referral, start, end, reason, service, carer
        self.next_occ = 1
        self.school_override: dict[int, tuple[int, np.datetime64]] = {}  # child -> (dwelling, admitted)
        self.attendance_low: set[int] = set()

    # ---------------------------------------------------------------- police
    def add_police(self, people: np.ndarray, dates: np.ndarray, itypes, roles, occ=None) -> np.ndarray:
        n = len(people)
        if occ is None:
            occ = np.arange(self.next_occ, self.next_occ + n)
            self.next_occ += n
        df = pd.DataFrame({"occ": occ, "p": people, "date": _clip_life(self.b, people, dates),
                           "itype": itypes, "role": roles})
        self.police = pd.concat([self.police, df], ignore_index=True) if len(self.police) else df
        return occ

    def add_da(self, suspect: np.ndarray, victim: np.ndarray, dates: np.ndarray) -> None:
        occ = np.arange(self.next_occ, self.next_occ + len(suspect))
        self.next_occ += len(suspect)
        self.add_police(suspect, dates, "Domestic abuse", "Suspect", occ)
        self.add_police(victim, dates, "Domestic abuse", "Victim", occ)

    def add_calls(self, people: np.ndarray, dates: np.ndarray, service, category) -> None:
        dates = _clip_life(self.b, people, dates)
        df = pd.DataFrame({"p": people, "date": dates, "service": service, "category": category,
                           "at_d": self.b.dwelling_at(people, dates)})
        self.calls = pd.concat([self.calls, df], ignore_index=True) if len(self.calls) else df

    def background(self) -> None:
        rng, b = self.rng, self.b
        n = b.n_people
        age = self.age
        alive = b.alive()
        # general police contacts
        el = np.flatnonzero((age >= 14) & (age <= 70) & (b.role != RESIDENT))
        who = el[rng.random(len(el)) < 0.07]
        who = np.repeat(who, rng.integers(1, 4, len(who)))
        itype = np.array(POLICE_TYPES, dtype=object)[rng.choice(7, len(who), p=POLICE_P)]
        role = np.array(ROLES, dtype=object)[rng.choice(4, len(who), p=ROLE_P)]
        role[np.isin(itype, ["Missing person", "Concern for welfare"])] = "Subject"
        self.add_police(who, core.rand_dates(rng, core.WINDOW_START, core.REF_DATE, len(who)), itype, role)
        # domestic abuse between partners
        h = np.flatnonzero((b.hh_head >= 0) & (b.hh_partner >= 0))
        h = h[rng.random(len(h)) < 0.02]
        k = rng.integers(1, 4, len(h))
        hh = np.repeat(h, k)
        sus = np.where(rng.random(len(hh)) < 0.85, b.hh_head[hh], b.hh_partner[hh])
        vic = np.where(sus == b.hh_head[hh], b.hh_partner[hh], b.hh_head[hh])
        self.add_da(sus, vic, core.rand_dates(rng, core.WINDOW_START, core.REF_DATE, len(hh)))
        # 999 calls
        adults = np.flatnonzero((age >= 18) & (b.role != RESIDENT))
        c = adults[rng.random(len(adults)) < 0.03]
        c = np.repeat(c, rng.integers(1, 3, len(c)))
        svc = np.array(["Police", "Ambulance", "Fire"], dtype=object)[rng.choice(3, len(c), p=[.45, .45, .10])]
        self.add_calls(c, core.rand_dates(rng, core.WINDOW_START, core.REF_DATE, len(c)), svc,
                       _categories(rng, svc))
        old = np.flatnonzero((age >= 75) & (b.role != RESIDENT))
        o = old[rng.random(len(old)) < 0.08]
        self.add_calls(o, core.rand_dates(rng, core.WINDOW_START, core.REF_DATE, len(o)), "Ambulance",
                       "Fall")
        care = np.flatnonzero(b.role == RESIDENT)
        cr = care[rng.random(len(care)) < 0.25]
        self.add_calls(cr, core.rand_dates(rng, core.REF_DATE - core.D * 365, core.REF_DATE, len(cr)), "Ambulance",
                       "Breathing problems")
        # children's social care: families with children
        fam = np.flatnonzero(np.bincount(b.hh[(b.role == CHILD) & (age < 18)], minlength=len(b.hh_type)) > 0)
        cases = fam[rng.random(len(fam)) < 0.015]
        da_hh = np.unique(b.hh[self.police.loc[self.police.itype == "Domestic abuse", "p"].to_numpy(int)])
        da_fam = np.intersect1d(da_hh, fam)
        cases = np.union1d(cases, da_fam[rng.random(len(da_fam)) < 0.6])
        for h in cases.tolist():
            reason = "Domestic abuse" if h in set(da_fam.tolist()) else None
            self.add_csc_case(h, None, reason)
        # adult social care
        el = np.flatnonzero((age >= 65) & (b.role != RESIDENT))
        el = el[rng.random(len(el)) < 0.08]
        for p in el.tolist():
            self.add_asc(p, None, None)
        for p in care[rng.random(len(care)) < 0.6].tolist():
            self.add_asc(p, None, None, service="Residential")
        _ = (n, alive)

    def add_csc_case(self, h: int, referral, reason, category=None, closed="auto") -> None:
        rng, b = self.rng, self.b
        members = np.flatnonzero(b.hh == h)
        kids = [m for m in members.tolist() if b.role[m] == CHILD and self.age[m] < 18]
        if not kids:
            return
        if referral is None:
            referral = core.rand_dates(rng, core.WINDOW_START, core.REF_DATE - core.D * 20, 1)[0]
            referral = max(referral, max(b.dob[k] for k in kids) + core.D * 1)
        out = []
        for i, k in enumerate(kids):
            out.append((k, "Child" if i == 0 else "Sibling"))
        for m in members.tolist():
            r = b.role[m]
            if r in (HEAD, PARTNER):
                role = "Father" if b.sex[m] == 0 else "Mother"
                if r == PARTNER and rng.random() < 0.1:
                    role = "Step-parent"
                out.append((m, role))
            elif r == ELDER:
                out.append((m, "Grandparent"))
            elif b.role[m] == CHILD and self.age[m] >= 18:
                out.append((m, "Other"))
        if closed == "auto":
            closed = referral + core.D * int(rng.integers(60, 900)) if rng.random() < 0.7 else core.NAT
            if not np.isnat(closed) and closed > core.REF_DATE:
                closed = core.NAT
        self.csc.append(dict(members=out, referral=referral, closed=closed,
                             reason=reason or str(rng.choice(["Neglect", "Parental substance misuse",
                                                              "Child mental health", "Emotional abuse",
                                                              "Exploitation"])),
                             category=category or str(rng.choice(["Early Help", "CIN", "CIN", "CP", "LAC"],
                                                                  p=[.35, .3, .15, .15, .05])), hh=h))

    def add_asc(self, p: int, start, end, service=None, reason=None) -> None:
        rng, b = self.rng, self.b
        if start is None:
            start = core.rand_dates(rng, core.WINDOW_START, core.REF_DATE - core.D * 30, 1)[0]
        start = max(start, b.dob[p] + core.D * 6570)
        if not np.isnat(b.death[p]):
            start = min(start, b.death[p] - core.D * 1)
        if end is None:
            end = start + core.D * int(rng.integers(90, 1500)) if rng.random() < 0.5 else core.NAT
            if not np.isnat(end) and end > core.REF_DATE:
                end = core.NAT
        if not np.isnat(b.death[p]) and (np.isnat(end) or end > b.death[p]):
            end = b.death[p]
        self.asc.append(dict(p=p, referral=start - core.D * int(rng.integers(5, 60)), start=start, end=end,
                             service=service or str(rng.choice(["Home care", "Day care", "Direct payment",
                                                                "Assessment only", "Reablement"])),
                             reason=reason or str(rng.choice(["Physical support", "Memory and cognition",
                                                              "Mental health support", "Learning disability",
                                                              "Sensory support"]))))


def _categories(rng, svc: np.ndarray) -> np.ndarray:
    cats = {"Police": ["Disturbance", "Suspicious person", "Assault", "Burglary in progress", "Domestic"],
            "Ambulance": ["Fall", "Chest pain", "Breathing problems", "Unconscious", "Mental health"],
            "Fire": ["Kitchen fire", "Smoke alarm", "Rubbish fire", "Gas leak", "Flooding"]}
    out = np.empty(len(svc), dtype=object)
    for s, lst in cats.items():
        m = svc == s
        out[m] = np.array(lst, dtype=object)[rng.integers(0, len(lst), int(m.sum()))]
    return out
