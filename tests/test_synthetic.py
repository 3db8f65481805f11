"""Guarantees of the synthetic borough generator (loaders.synthetic), checked on a small borough."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from loaders.synthetic import generate
from loaders.synthetic.core import nhs_valid, upn_valid
from loaders.synthetic.noise import NOISE

N = 3000
SEED = 11
DOCS = Path(__file__).resolve().parents[1] / "docs" / "synthetic-data.md"
KEYS = {
    "council_tax": "account_ref", "housing_tenancy": "tenancy_member_id", "electoral_register": "elector_number",
    "housing_benefit": "claim_ref", "dwp_benefits": "dwp_record_id", "gp_registration": "registration_id",
    "school_census": "pupil_record_id", "early_years": "ey_child_id", "childrens_social_care": "csc_member_id",
    "adult_social_care": "episode_id", "police_contacts": "occurrence_person_id", "blue_badge": "badge_number",
    "blue_light_callouts": "callout_id",
}
DOB = {"housing_tenancy": "date_of_birth", "housing_benefit": "claimant_dob", "dwp_benefits": "dob",
       "gp_registration": "date_of_birth", "school_census": "dob", "early_years": "child_dob",
       "childrens_social_care": "dob", "adult_social_care": "dob", "police_contacts": "dob",
       "blue_badge": "applicant_dob"}
SCENARIOS = ["illegal_subletting", "spd_other_adults", "school_address_fraud", "empty_exemption_occupied",
             "supporting_families", "safeguarding_da_child", "repeat_999_caller", "multi_agency_family",
             "overcrowding"]


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> tuple[Path, dict]:
    d = tmp_path_factory.mktemp("borough")
    return d, generate(N, SEED, d)


@pytest.fixture(scope="module")
def truth(out) -> pd.DataFrame:
    return _read(out[0] / "truth" / "record_truth.csv")


def _digest(d: Path) -> dict[str, str]:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


def test_deterministic_for_a_seed(out, tmp_path):
    again = tmp_path / "again"
    # a separate interpreter with another hash seed: no dependence on set/dict ordering
    code = f"from pathlib import Path; from loaders.synthetic import generate; generate({N}, {SEED}, Path({str(again)!r}))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1], env=env)
    assert _digest(out[0]) == _digest(again)
    other = tmp_path / "other"
    generate(N, SEED + 1, other)
    assert _digest(other)["gp_registration.csv"] != _digest(again)["gp_registration.csv"]


def test_every_source_present_and_documented(out):
    d, summary = out
    docs = DOCS.read_text(encoding="utf-8")
    assert len(KEYS) >= 12
    for system, key in KEYS.items():
        df = _read(d / f"{system}.csv")
        assert len(df) > 0, system
        assert df.columns[0] == key
        assert f"`{system}.csv`" in docs
        for col in df.columns:
            assert f"`{col}`" in docs, f"{system}.{col} not documented"
    llpg = _read(d / "llpg.csv")
    assert list(llpg.columns) == ["uprn", "sao_text", "pao_number", "pao_text", "street", "town", "postcode",
                                  "ward", "council_owned", "bedrooms", "property_type"]
    assert llpg.uprn.is_unique
    manifest = json.loads((d / "manifest.json").read_text())
    assert manifest["seed"] == SEED and manifest["people"] == N
    for name, n in manifest["counts"].items():
        with open(d / name, encoding="utf-8", newline="") as f:
            assert sum(1 for _ in csv.reader(f)) - 1 == n, name
    assert summary["source_records"] > 2 * N


def test_truth_covers_every_record(out, truth):
    d = out[0]
    people = set(_read(d / "truth" / "people.csv").person_id)
    for system, key in KEYS.items():
        df = _read(d / f"{system}.csv")
        t = truth[truth.source_system == system]
        assert len(t) == len(df), system
        assert list(t.record_key) == list(df[key])
        assert list(t.row_number.astype(int)) == list(range(1, len(df) + 1))
    assert set(truth.person_id) <= people
    res = _read(d / "truth" / "residence.csv")
    assert set(res.person_id) == people


def test_keys_unique_except_planted_bad_rows(out, truth):
    d = out[0]
    for system, key in KEYS.items():
        df = _read(d / f"{system}.csv")
        t = truth[truth.source_system == system].reset_index(drop=True)
        good = t.is_bad_row == "0"
        assert df[key][good].is_unique, system
        assert (df[key][good] != "").all()
        bad = t[~good]
        if len(df) >= 50:
            assert {"empty_key", "duplicate_key"} <= set(bad.bad_reason), system
            if system in DOB:
                assert "unparseable_dob" in set(bad.bad_reason)
        for i, r in bad.iterrows():
            if r.bad_reason == "empty_key":
                assert df[key][i] == ""
            elif r.bad_reason == "duplicate_key":
                assert (df[key] == df[key][i]).sum() >= 2
            else:
                assert not re.fullmatch(r"[0-9 A-Za-z/.\-]*[0-9]{4}[0-9 /.\-]*", df[DOB[system]][i]) or \
                    pd.to_datetime(df[DOB[system]][i], errors="coerce", dayfirst=True) is pd.NaT
    assert (truth.is_duplicate == "1").sum() > 0


def _rate(t: pd.DataFrame, tag: str) -> float:
    return t.noise.str.split(";").apply(lambda xs: tag in xs).mean()


TAGS = {"typo_first": "typo_first", "typo_last": "typo_last", "initial": "initial_only",
        "dob_placeholder": "dob_placeholder", "dob_missing": "dob_missing", "pc_missing": "postcode_missing",
        "pc_lower": "postcode_lower", "pc_nospace": "postcode_nospace", "missing_first": "missing_first"}


def test_noise_rates_within_stated_ranges(out, truth):
    res = _read(out[0] / "truth" / "residence.csv")
    movers = set(res.person_id[res.person_id.duplicated()])
    for system, cfg in NOISE.items():
        t = truth[truth.source_system == system]
        n = len(t)
        for key, tag in TAGS.items():
            if key.startswith("dob") and system not in DOB:
                continue
            rate = cfg[key]
            got = _rate(t, tag)
            tol = 3 * (max(rate, 1e-4) * (1 - rate) / n) ** 0.5 + 0.005
            assert abs(got - rate) <= tol, (system, key, rate, got)
        dup = (t.is_duplicate == "1").mean()
        assert dup <= cfg["duplicate"] * 2 + 0.02, (system, dup)
        mv = t[t.person_id.isin(movers)]
        stale = (mv.is_stale_address == "1").mean() if len(mv) else 0.0
        tol = 3 * (max(cfg["stale"], 1e-4) / max(len(mv), 1)) ** 0.5 + 0.01
        assert abs(stale - cfg["stale"]) <= tol, (system, stale)
        assert (t.is_stale_address[~t.person_id.isin(movers)] == "0").all()


def test_noise_tags_are_truthful(out, truth):
    d = out[0]
    people = _read(d / "truth" / "people.csv").set_index("person_id")
    gp = _read(d / "gp_registration.csv")
    t = truth[truth.source_system == "gp_registration"].reset_index(drop=True)
    p = people.loc[t.person_id]
    clean = (t.noise == "") & (t.is_bad_row == "0")
    assert (gp.forename[clean].to_numpy() == p.first_name[clean.to_numpy()].to_numpy()).all()
    assert (gp.surname[clean].to_numpy() == p.last_name[clean.to_numpy()].to_numpy()).all()
    assert (gp.date_of_birth[clean].to_numpy() == p.dob[clean.to_numpy()].to_numpy()).all()
    assert all(nhs_valid(x) for x in gp.nhs_number)
    uprn_pc = _read(d / "llpg.csv").set_index("uprn").postcode
    ok = clean & (t.true_uprn != "")
    assert (gp.postcode[ok].to_numpy() == uprn_pc.loc[t.true_uprn[ok]].to_numpy()).all()
    sc = _read(d / "school_census.csv")
    assert all(upn_valid(x) for x in sc.upn)
    st = truth[truth.source_system == "school_census"].reset_index(drop=True)
    assert (pd.DataFrame({"u": sc.upn, "p": st.person_id}).groupby("u").p.nunique() == 1).all()
    assert (pd.DataFrame({"u": gp.nhs_number.str.replace(" ", ""), "p": t.person_id})
            .groupby("u").p.nunique() == 1).all()


def test_every_scenario_planted_with_lookalikes(out):
    d = out[0]
    sc = _read(d / "truth" / "scenarios.csv")
    for s in SCENARIOS:
        rows = sc[sc.scenario_type == s]
        assert (rows.is_lookalike == "0").sum() >= 1, s
        look = sc[(sc.is_lookalike == "1") & (sc.mimics == s)]
        assert len(look) >= 1, f"no look-alike for {s}"
    for s in ("twins", "father_son_same_name"):
        assert ((sc.scenario_type == s) & (sc.mimics == "duplicate_person")).sum() >= 1
    keys = {(system, k) for system, key in KEYS.items() for k in _read(d / f"{system}.csv")[key]}
    for rk in sc.record_keys:
        for item in filter(None, rk.split(";")):
            system, k = item.split(":", 1)
            assert (system, k) in keys
    assert (sc.reason != "").all() and sc.scenario_id.is_unique


def test_relationship_evidence_and_html_values(out, truth):
    d = out[0]
    people = _read(d / "truth" / "people.csv")
    rel = _read(d / "truth" / "relationships.csv")
    assert {"PARENT_OF", "PARTNER_OF", "SIBLING_OF"} <= set(rel.type)
    by_nhs = dict(zip(people.nhs_number, people.person_id, strict=False))
    gp = _read(d / "gp_registration.csv")
    t = truth[truth.source_system == "gp_registration"].reset_index(drop=True)
    parent = set(zip(rel.person_id_from[rel.type == "PARENT_OF"], rel.person_id_to[rel.type == "PARENT_OF"], strict=False))
    m = gp.mother_nhs_number != ""
    assert m.sum() > 0
    for mnhs, child in zip(gp.mother_nhs_number[m], t.person_id[m], strict=False):
        assert (by_nhs[mnhs], child) in parent
    ht = _read(d / "housing_tenancy.csv")
    assert {"Tenant", "Son", "Daughter"} <= set(ht.relationship_to_tenant)
    csc = _read(d / "childrens_social_care.csv")
    assert {"Child", "Mother"} <= set(csc.role) and "case_notes" in csc.columns
    pol = _read(d / "police_contacts.csv")
    assert pol.aliases.str.contains("<script>").any() and pol.aliases.str.contains("&").any()
    assert "Domestic abuse" in set(pol.incident_type) and "narrative" in pol.columns
    assert (truth.noise.str.contains("html_alias")).any()
    ev = _read(d / "truth" / "events.csv")
    assert set(ev.source_system) == set(KEYS)


def test_docs_state_the_noise_rates():
    from loaders.synthetic.noise import markdown_table

    assert markdown_table() in DOCS.read_text(encoding="utf-8"), "regenerate the noise table in the docs"


def test_addresses_in_truth_are_true_residences(out, truth):
    d = out[0]
    res = _read(d / "truth" / "residence.csv")
    spans = set(zip(res.person_id, res.uprn, strict=True))
    t = truth[(truth.is_stale_address == "1") & (truth.true_uprn != "")]
    assert len(t) > 0
    assert all((p, u) in spans for p, u in zip(t.person_id, t.true_uprn, strict=True))
    gp = truth[(truth.source_system == "gp_registration") & (truth.is_stale_address == "0")]
    people = _read(d / "truth" / "people.csv").set_index("person_id")
    assert (gp.true_uprn.to_numpy() == people.uprn.loc[gp.person_id].to_numpy()).mean() > 0.99


def test_subletting_evidence_is_in_the_extracts(out):
    d = out[0]
    sc = _read(d / "truth" / "scenarios.csv")
    ht = _read(d / "housing_tenancy.csv")
    people = _read(d / "truth" / "people.csv").set_index("person_id")
    for _, r in sc[(sc.scenario_type == "illegal_subletting") & (sc.is_lookalike == "0")].iterrows():
        tenant = r.person_ids.split(";")[0]
        tenancy_uprn = r.uprns.split(";")[0]
        assert people.uprn[tenant] != tenancy_uprn  # really lives elsewhere
        keys = [k.split(":", 1)[1] for k in r.record_keys.split(";") if k.startswith("housing_tenancy:")]
        assert keys and (ht[ht.tenancy_member_id.isin(keys)].relationship_to_tenant == "Tenant").any()
        others = r.person_ids.split(";")[1:]
        assert others and all(people.uprn[p] == tenancy_uprn for p in others)
