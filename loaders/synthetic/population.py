"""The true borough: dwellings (LLPG), households, people, relationships and moves.

All arrays are aligned numpy arrays; person i is `P{i+1:07d}`. Residence is at most two periods per
person (previous dwelling, current dwelling), which is enough to make stale addresses real.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import core

HH_TYPES = ["single", "couple", "family", "lone_parent", "multi_generation", "shared_hmo", "care_home"]
HH_P = np.array([0.30, 0.24, 0.25, 0.10, 0.04, 0.07])  # care homes placed separately
# roles within a household
HEAD, PARTNER, CHILD, ELDER, SHARER, RESIDENT = range(6)
WARDS = ["Abbey", "Brookside", "Castle", "Fairfield", "Highfield", "Millbank", "Northgate",
         "Orchard", "Priory", "Riverside", "St Marys", "Thornton", "Victoria", "Westcliff"]
SUFFIX = ["Road", "Street", "Avenue", "Lane", "Close", "Gardens", "Way", "Crescent", "Drive", "Grove"]
BLOCK = ["Court", "House", "Tower", "Lodge", "Mansions"]


@dataclass
class Borough:
    # dwellings
    uprn: np.ndarray = field(default=None)
    sao: np.ndarray = None
    pao_number: np.ndarray = None
    pao_text: np.ndarray = None
    street: np.ndarray = None
    postcode: np.ndarray = None
    ward: np.ndarray = None
    council_owned: np.ndarray = None
    bedrooms: np.ndarray = None
    ptype: np.ndarray = None
    # households
    hh_type: np.ndarray = None  # index into HH_TYPES
    hh_dwelling: np.ndarray = None
    # people
    hh: np.ndarray = None
    role: np.ndarray = None
    sex: np.ndarray = None
    dob: np.ndarray = None
    death: np.ndarray = None
    first: np.ndarray = None
    middle: np.ndarray = None
    last: np.ndarray = None
    birth_last: np.ndarray = None
    nickname: np.ndarray = None
    nhs: np.ndarray = None
    nino: np.ndarray = None
    cur_d: np.ndarray = None
    cur_from: np.ndarray = None
    prev_d: np.ndarray = None  # -1 = outside borough, -2 = none in window
    prev_from: np.ndarray = None
    declared_d: np.ndarray = None  # what the person tells housing / council tax
    rels: list = field(default_factory=list)  # (from, to, type)
    n_people: int = 0

    def pid(self, i) -> np.ndarray:
        return np.array([f"P{x + 1:07d}" for x in np.asarray(i).tolist()], dtype=object)

    def alive(self, when=core.REF_DATE) -> np.ndarray:
        return (self.dob <= when) & (np.isnat(self.death) | (self.death > when))

    def age(self, when=core.REF_DATE) -> np.ndarray:
        return core.age_at(self.dob, when)

    def dwelling_at(self, idx: np.ndarray, when: np.ndarray) -> np.ndarray:
        """True dwelling of people idx on dates when (-1 outside borough)."""
        use_prev = when < self.cur_from[idx]
        return np.where(use_prev, np.where(self.prev_d[idx] >= 0, self.prev_d[idx], -1), self.cur_d[idx])


def _households(rng: np.random.Generator, n: int):
    """Draw household types and member roles/ages until n people exist."""
    n_care = max(1, n // 6000)
    care_sizes = rng.integers(15, 41, n_care)
    m = int(n / 2.3 * 1.1) + 10
    t = rng.choice(6, size=m, p=HH_P / HH_P.sum())
    kids = np.select([t == 2, t == 3, t == 4], [rng.integers(1, 5, m), rng.integers(1, 4, m),
                                                 rng.integers(0, 4, m)], 0)
    sharers = rng.integers(3, 7, m)
    size = np.select([t == 0, t == 1, t == 2, t == 3, t == 4, t == 5],
                     [1, 2, 2 + kids, 1 + kids, 3 + kids, sharers])
    budget = n - int(care_sizes.sum())
    cs = np.cumsum(size)
    keep = int(np.searchsorted(cs, budget)) + 1
    t, kids, size = t[:keep], kids[:keep], size[:keep].copy()
    size[-1] -= int(cs[keep - 1] - budget)
    t = np.concatenate([t, np.full(n_care, 6)])
    size = np.concatenate([size, care_sizes])
    kids = np.concatenate([kids, np.zeros(n_care, int)])
    size = np.maximum(size, 1)
    # trim any overshoot from the last ordinary household
    over = int(size.sum()) - n
    if over > 0:
        size[keep - 1] = max(1, size[keep - 1] - over)
    hh = np.repeat(np.arange(len(t)), size)[:n]
    pos = np.arange(len(hh)) - np.repeat(np.cumsum(size) - size, size)[:n]
    tt = t[hh]
    role = np.full(len(hh), SHARER)
    role[(tt == 0) | (tt == 3)] = HEAD
    role[(tt == 1) & (pos == 0)] = HEAD
    role[(tt == 1) & (pos == 1)] = PARTNER
    role[(tt == 2) & (pos == 0)] = HEAD
    role[(tt == 2) & (pos == 1)] = PARTNER
    role[(tt == 2) & (pos >= 2)] = CHILD
    role[(tt == 3) & (pos >= 1)] = CHILD
    role[(tt == 4) & (pos == 0)] = ELDER
    role[(tt == 4) & (pos == 1)] = HEAD
    role[(tt == 4) & (pos == 2)] = PARTNER
    role[(tt == 4) & (pos >= 3)] = CHILD
    role[tt == 6] = RESIDENT
    return t, hh, role


def _llpg(rng: np.random.Generator, need: dict[str, int], b: Borough) -> None:
    """Build streets of houses, converted flats, blocks, HMOs and care homes; postcodes per street run."""
    stems = core.street_stems()
    rows = []  # (sao, pao_number, pao_text, street, ptype, bedrooms)
    houses, flats, hmo, care = need["House"], need["Flat"], need["HMO"], need["Care home"]
    made = {"House": 0, "Flat": 0, "HMO": 0, "Care home": 0}
    street_names: list[str] = []
    s_i = 0
    while made["House"] < houses or made["Flat"] < flats or made["HMO"] < hmo or made["Care home"] < care:
        name = f"{stems[s_i % len(stems)]} {SUFFIX[(s_i // len(stems)) % len(SUFFIX)]}"
        if s_i >= len(stems) * len(SUFFIX):
            name = f"{stems[s_i % len(stems)]} {SUFFIX[s_i % len(SUFFIX)]} {s_i // 750 + 1}"
        street_names.append(name)
        s_i += 1
        n_numbers = int(rng.integers(20, 90))
        for num in range(1, n_numbers + 1):
            r = rng.random()
            if made["Care home"] < care and r < 0.004:
                rows.append(("", str(num), f"{stems[(s_i * 7) % len(stems)]} Care Home", name, "Care home",
                             int(rng.integers(20, 45))))
                made["Care home"] += 1
            elif made["HMO"] < hmo and r < 0.06:
                rows.append(("", str(num), "", name, "HMO", int(rng.integers(4, 8))))
                made["HMO"] += 1
            elif made["Flat"] < flats and r < 0.20:  # converted house
                style = rng.integers(0, 3)
                k = int(rng.integers(2, 4))
                for j in range(k):
                    if style == 0:
                        sao = f"Flat {j + 1}"
                    elif style == 1:
                        sao = ["Ground Floor Flat", "First Floor Flat", "Second Floor Flat"][j]
                    else:
                        sao = f"Flat {'ABC'[j]}"
                    rows.append((sao, str(num), "", name, "Flat", int(rng.integers(1, 3))))
                made["Flat"] += k
            elif made["Flat"] < flats and r < 0.27:  # purpose-built block
                k = int(rng.integers(6, 30))
                bname = f"{stems[(s_i * 3 + num) % len(stems)]} {BLOCK[num % len(BLOCK)]}"
                for j in range(k):
                    rows.append((f"Flat {j + 1}", str(num), bname, name, "Flat", int(rng.integers(1, 4))))
                made["Flat"] += k
            elif made["House"] < houses:
                sfx = "a" if rng.random() < 0.02 else ""
                rows.append(("", f"{num}{sfx}", "", name, "House", int(rng.choice([2, 3, 3, 3, 4, 4, 5]))))
                made["House"] += 1
    nd = len(rows)
    sao, pno, ptext, street, ptype, beds = (np.array(c, dtype=object) for c in zip(*rows, strict=False))
    b.sao, b.pao_number, b.pao_text, b.street, b.ptype = sao, pno, ptext, street, ptype
    b.bedrooms = beds.astype(np.int64)
    b.uprn = np.array([f"{100023000000 + i * 7 + 1:012d}" for i in range(nd)], dtype=object)
    # ward per street (contiguous), postcode per run of ~15 dwellings within a street
    st_index = {s: i for i, s in enumerate(street_names)}
    st = np.array([st_index[s] for s in street.tolist()])
    b.ward = np.array(WARDS, dtype=object)[(st * len(WARDS)) // max(1, len(street_names))]
    run = np.concatenate([[0], np.cumsum((np.diff(st) != 0) | (rng.random(nd - 1) < 1 / 15))])
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    pcs = []
    for r in range(int(run[-1]) + 1):
        district = 1 + (r * 9) // (int(run[-1]) + 1)
        sector = r % 10
        pcs.append(f"AM{district} {sector}{letters[(r // 10) % 20]}{letters[(r * 7 + r // 200) % 20]}")
    b.postcode = np.array(pcs, dtype=object)[run]
    co = np.zeros(nd, dtype=bool)
    co[ptype == "Flat"] = rng.random(int((ptype == "Flat").sum())) < 0.40
    co[ptype == "House"] = rng.random(int((ptype == "House").sum())) < 0.12
    b.council_owned = co


def build(rng: np.random.Generator, n: int) -> Borough:
    b = Borough(n_people=n)
    t, hh, role = _households(rng, n)
    nh = len(t)
    b.hh_type, b.hh, b.role = t, hh, role
    # ---- ages and sex
    head_age = np.select([t == 0, t == 1, t == 2, t == 3, t == 4, t == 5],
                         [rng.integers(19, 92, nh), rng.integers(21, 88, nh), rng.integers(24, 56, nh),
                          rng.integers(18, 52, nh), rng.integers(30, 50, nh), rng.integers(18, 40, nh)], 70)
    ha = head_age[hh]
    age = np.where(role == HEAD, ha, 0).astype(np.int64)
    age = np.where(role == PARTNER, np.clip(ha + rng.normal(-2, 3, n).round().astype(int), 18, 95), age)
    kid_max = np.clip(ha - 18, 1, 25)
    age = np.where(role == CHILD, (rng.random(n) * kid_max).astype(int), age)
    age = np.where(role == ELDER, ha + rng.integers(22, 36, n), age)
    age = np.where(role == SHARER, rng.integers(18, 45, n), age)
    age = np.where(role == RESIDENT, rng.integers(72, 101, n), age)
    sex = (rng.random(n) < 0.5).astype(np.int64)
    sex[(role == HEAD) & np.isin(t[hh], [1, 2, 4])] = 0
    sex[(role == PARTNER)] = 1
    same = (role == PARTNER) & (rng.random(n) < 0.04)
    sex[same] = 0
    sex[(role == HEAD) & (t[hh] == 3)] = (rng.random(int(((role == HEAD) & (t[hh] == 3)).sum())) < 0.1)
    sex[(role == RESIDENT)] = (rng.random(int((role == RESIDENT).sum())) < 0.68)
    b.sex = sex
    dob = core.REF_DATE - core.years(age) - rng.integers(0, 365, n).astype("timedelta64[D]")
    b.dob = dob
    # ---- deaths in the window (older people)
    death = np.full(n, core.NAT, dtype="datetime64[D]")
    p_die = np.where(age >= 90, 0.35, np.where(age >= 80, 0.18, np.where(age >= 70, 0.06, 0.003)))
    dies = (rng.random(n) < p_die) & (role != CHILD)
    death[dies] = core.rand_dates(rng, core.WINDOW_START, core.REF_DATE, int(dies.sum()))
    b.death = death
    # ---- dwellings: one per household plus ~4% empty
    is_care = t == 6
    is_hmo = t == 5
    ordinary = ~(is_care | is_hmo)
    n_ord = int(ordinary.sum())
    need = {"House": int(n_ord * 0.58 * 1.04) + 2, "Flat": int(n_ord * 0.42 * 1.04) + 2,
            "HMO": int(is_hmo.sum() * 1.03) + 1, "Care home": int(is_care.sum())}
    _llpg(rng, need, b)
    nd = len(b.uprn)
    dwell = np.full(nh, -1)
    for kind, mask in (("Care home", is_care), ("HMO", is_hmo)):
        pool = np.flatnonzero(b.ptype == kind)
        hs = np.flatnonzero(mask)
        dwell[hs] = rng.permutation(pool)[: len(hs)]
    pool = np.flatnonzero((b.ptype == "House") | (b.ptype == "Flat"))
    hs = np.flatnonzero(ordinary)
    hsize = np.bincount(hh, minlength=nh)
    # larger households to larger dwellings, with noise so some are overcrowded
    pool = pool[np.argsort(-(b.bedrooms[pool] + rng.random(len(pool)) * 2.5), kind="stable")]
    pool = pool[: len(hs)]
    hs = hs[np.argsort(-(hsize[hs] + rng.random(len(hs)) * 3.0), kind="stable")]
    dwell[hs] = pool
    b.hh_dwelling = dwell
    _ = nd
    # ---- moves: household move-in dates and previous dwellings (chain => real stale addresses)
    adult18 = dob + core.years(18)
    hh_head_dob = np.full(nh, core.REF_DATE, dtype="datetime64[D]")
    np.minimum.at(hh_head_dob, hh, dob)
    moved = (rng.random(nh) < 0.45) & ~is_care
    move_in = np.where(moved, core.rand_dates(rng, core.WINDOW_START, core.REF_DATE - core.D * 30, nh),
                       core.rand_dates(rng, np.maximum(hh_head_dob + core.years(20), np.datetime64("1975-01-01")),
                                       core.WINDOW_START, nh))
    prev = np.full(nh, -2)
    prev[moved] = -1
    chain = np.flatnonzero(moved & (rng.random(nh) < 0.55))
    chain = chain[np.argsort(move_in[chain], kind="stable")]
    prev[chain[:-1]] = dwell[chain[1:]]
    prev_from = move_in - rng.integers(365, 3650, nh).astype("timedelta64[D]")
    b.cur_d = dwell[hh]
    cur_from = move_in[hh]
    cur_from = np.maximum(cur_from, dob)  # born after the move
    b.cur_from = cur_from
    b.prev_d = np.where(dob < move_in[hh], prev[hh], -2)
    b.prev_from = np.maximum(prev_from[hh], dob)
    b.declared_d = b.cur_d.copy()
    _ = adult18
    _names_and_links(rng, b)
    b.nhs = core.nhs_numbers(rng, n)
    b.nino = core.ni_numbers(rng, n)
    return b


def _names_and_links(rng: np.random.Generator, b: Borough) -> None:
    n, t, hh, role = b.n_people, b.hh_type, b.hh, b.role
    nh = len(t)
    age = b.age()
    fam = core.sample_surnames(rng, nh)
    dbl = rng.random(nh) < 0.01
    fam[dbl] = fam[dbl] + "-" + core.sample_surnames(rng, int(dbl.sum()))
    head = np.full(nh, -1)
    head[hh[role == HEAD]] = np.flatnonzero(role == HEAD)
    partner = np.full(nh, -1)
    partner[hh[role == PARTNER]] = np.flatnonzero(role == PARTNER)
    elder = np.full(nh, -1)
    elder[hh[role == ELDER]] = np.flatnonzero(role == ELDER)
    rels: list[tuple[int, int, str]] = []
    # cross-household parents: young households' heads/partners are children of older households
    h_age = np.where(head >= 0, age[np.maximum(head, 0)], 0)
    older = np.flatnonzero((head >= 0) & (h_age >= 55) & np.isin(t, [0, 1]))
    older = older[np.argsort(h_age[older], kind="stable")]
    older_age = h_age[older]
    parent_hh_of = np.full(n, -1)
    for who, p_link in ((head, 0.45), (partner, 0.35)):
        cand = np.flatnonzero((who >= 0) & (h_age < 55) & np.isin(t, [0, 1, 2, 3]) & (rng.random(nh) < p_link))
        pa = age[who[cand]]
        lo = np.searchsorted(older_age, pa + 20)
        hi = np.searchsorted(older_age, pa + 40)
        ok = hi > lo
        cand, lo, hi = cand[ok], lo[ok], hi[ok]
        pick = older[lo + (rng.random(len(cand)) * (hi - lo)).astype(int)]
        parent_hh_of[who[cand]] = pick
    # surnames: household family name, married partners, children, parent households propagate
    hp = parent_hh_of[np.maximum(head, 0)]
    fam = np.where((head >= 0) & (hp >= 0) & (b.sex[np.maximum(head, 0)] == 0), fam[np.maximum(hp, 0)], fam)
    last = fam[hh].copy()
    birth = last.copy()
    m_partner = role == PARTNER
    own = core.sample_surnames(rng, n)
    pp = parent_hh_of
    own = np.where(pp >= 0, fam[np.maximum(pp, 0)], own)
    birth[m_partner] = own[m_partner]
    u = rng.random(n)
    last[m_partner & (u < 0.12)] = own[m_partner & (u < 0.12)]  # kept maiden name
    dbm = m_partner & (u >= 0.12) & (u < 0.17)
    last[dbm] = own[dbm] + "-" + fam[hh[dbm]]
    solo = np.isin(role, [SHARER, RESIDENT]) | ((role == HEAD) & (t[hh] == 0) & (pp < 0))
    last[solo] = own[solo]
    birth[solo] = own[solo]
    # lone parents: some children carry an absent father's surname; fathers elsewhere
    lone_kids = (role == CHILD) & (t[hh] == 3)
    single_men = np.flatnonzero((role == HEAD) & (t[hh] == 0) & (b.sex == 0) & (age < 60) & (age > 20))
    lk = np.flatnonzero(lone_kids)
    lk_hh = hh[lk]
    father_of_hh = np.full(nh, -1)
    if len(single_men):
        lone_h = np.unique(lk_hh)
        chosen = lone_h[rng.random(len(lone_h)) < 0.3]
        father_of_hh[chosen] = single_men[rng.integers(0, len(single_men), len(chosen))]
        fk = lk[father_of_hh[lk_hh] >= 0]
        last[fk] = last[father_of_hh[hh[fk]]]
        birth[fk] = last[fk]
        for c in fk.tolist():
            rels.append((int(father_of_hh[hh[c]]), c, "PARENT_OF"))
    # elders in multi-generation households are the head's parent; share family surname
    b.last, b.birth_last = last, birth
    b.first = core.sample_first_names(rng, b.sex, b.dob)
    has_mid = rng.random(n) < 0.55
    b.middle = np.where(has_mid, core.sample_first_names(rng, b.sex, b.dob - core.D * 3650), "")
    nick = core.nickname_map()
    b.nickname = np.array([nick[f][0] if f in nick else "" for f in b.first.tolist()], dtype=object)
    # ---- relationships
    kids = np.flatnonzero(role == CHILD)
    kh = hh[kids]
    for c, h in zip(kids.tolist(), kh.tolist(), strict=False):
        if head[h] >= 0:
            rels.append((int(head[h]), c, "PARENT_OF"))
        if partner[h] >= 0:
            rels.append((int(partner[h]), c, "PARENT_OF"))
    for h in np.flatnonzero((head >= 0) & (partner >= 0)).tolist():
        a, c = sorted((int(head[h]), int(partner[h])))
        rels.append((a, c, "PARTNER_OF"))
    for h in np.flatnonzero((elder >= 0) & (head >= 0)).tolist():
        rels.append((int(elder[h]), int(head[h]), "PARENT_OF"))
    # siblings within a household
    order = np.argsort(kh, kind="stable")
    ks, khs = kids[order], kh[order]
    starts = np.flatnonzero(np.r_[True, khs[1:] != khs[:-1]])
    ends = np.r_[starts[1:], len(ks)]
    for s, e in zip(starts.tolist(), ends.tolist(), strict=False):
        grp = ks[s:e].tolist()
        for i in range(len(grp)):
            for j in range(i + 1, len(grp)):
                rels.append((grp[i], grp[j], "SIBLING_OF"))
    # cross-household parents and siblings sharing a parent household
    linked = np.flatnonzero(parent_hh_of >= 0)
    by_parent: dict[int, list[int]] = {}
    for c in linked.tolist():
        ph = int(parent_hh_of[c])
        by_parent.setdefault(ph, []).append(c)
        for par in (head[ph], partner[ph]):
            if par >= 0:
                rels.append((int(par), c, "PARENT_OF"))
    for ph in sorted(by_parent):
        grp = sorted(by_parent[ph])
        for i in range(len(grp)):
            for j in range(i + 1, len(grp)):
                rels.append((grp[i], grp[j], "SIBLING_OF"))
    b.rels = rels
    b.hh_head, b.hh_partner, b.hh_elder = head, partner, elder
    b.parent_hh_of = parent_hh_of
