"""Restriction inputs for the synthetic borough (issue 7), with their truth.

Real councils do not hold opt-outs, sealed records or protected addresses as columns of their
line-of-business extracts: each arrives as a separate list from whoever owns the decision, and the
index has to resolve it to residents. So the generated borough gets three such lists:

- ``restrictions/national_data_opt_out.csv`` (``nhs_number``): NHS numbers registered with the national
  data opt-out, as NHS England's "check for national data opt-outs" service returns them: bare 10-digit
  numbers, one a line, sorted. It lists opted-out people whatever records the council holds, so some
  numbers resolve to nobody (people with no record carrying their NHS number).
- ``restrictions/sealed_records.csv`` (``source_system, record_key, reason``): records that children's
  services have sealed (``adoption``, ``court_order``), each naming one record of the person.
- ``restrictions/protected_addresses.csv`` (``uprn, reason``): dwellings housing or police have flagged
  ``refuge``: the current home of a domestic-abuse victim who lives apart from the suspect of a DA police
  occurrence they share.

``truth/restrictions.csv`` (``flag, person_id, uprn, reason, source_system, record_key,
related_person_ids``) says who is behind each row: ``opt_out`` and ``sealed`` rows name the person;
``protected_address`` rows name the dwelling, the victim it protects (``person_id``) and the DA
suspects (``related_person_ids``, ``;``-separated) from whom it is hidden.

Everything is read back from the files the generator has just written and drawn from its own random
stream (seeded from the generator's seed and a fixed salt), so adding it changes no other output and
the same seed gives the same bytes.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

OPT_OUT_RATE = 0.04  # England's national data opt-out rate has been about 5% of registered patients
SALT = 0x1507  # own random stream: planting restrictions must not move the rest of the borough
SEALED_REASONS = ("adoption", "adoption", "court_order")
FILES = ("restrictions/national_data_opt_out.csv", "restrictions/sealed_records.csv",
         "restrictions/protected_addresses.csv", "truth/restrictions.csv")


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", usecols=columns)


def _write(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _opt_outs(rng: np.random.Generator, people: pd.DataFrame) -> pd.DataFrame:
    with_nhs = people[people.nhs_number != ""]
    chosen = with_nhs[rng.random(len(with_nhs)) < OPT_OUT_RATE]
    return pd.DataFrame({"flag": "opt_out", "person_id": chosen.person_id.to_numpy(), "uprn": "",
                         "reason": "national_data_opt_out", "source_system": "", "record_key": "",
                         "related_person_ids": "", "_nhs": chosen.nhs_number.to_numpy()})


def _sealed(rng: np.random.Generator, out: Path, people: pd.DataFrame, truth: pd.DataFrame,
            n_people: int) -> pd.DataFrame:
    """Children in children's social care whose record is sealed (looked-after children first)."""
    csc = _read(out / "childrens_social_care.csv", ["csc_member_id", "role", "category"])
    t = truth[truth.source_system == "childrens_social_care"].reset_index(drop=True)
    csc = csc.assign(person_id=t.person_id.to_numpy(), bad=t.is_bad_row.to_numpy())
    alive = set(people.person_id[people.death_date == ""])
    kids = csc[(csc.role == "Child") & (csc.bad == "0") & (csc.csc_member_id != "") & csc.person_id.isin(alive)]
    rank = kids.category.map({"LAC": 0, "CP": 1, "CIN": 2}).fillna(3)
    kids = kids.assign(rank=rank.to_numpy()).sort_values(["rank", "person_id", "csc_member_id"], kind="stable")
    first = kids.drop_duplicates("person_id")  # one record per person: the whole resident is sealed
    want = max(3, n_people // 5000)
    order = np.lexsort((rng.random(len(first)), first["rank"].to_numpy()))
    pick = first.iloc[order[:want]].sort_values("csc_member_id", kind="stable")
    reasons = [SEALED_REASONS[i % len(SEALED_REASONS)] for i in range(len(pick))]
    return pd.DataFrame({"flag": "sealed", "person_id": pick.person_id.to_numpy(), "uprn": "",
                         "reason": reasons, "source_system": "childrens_social_care",
                         "record_key": pick.csc_member_id.to_numpy(), "related_person_ids": ""})


def _refuges(out: Path, people: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """The current dwelling of every DA victim who lives apart from a suspect of their occurrence."""
    pol = _read(out / "police_contacts.csv", ["occurrence_person_id", "occurrence_ref", "incident_type",
                                              "person_role"])
    t = truth[truth.source_system == "police_contacts"].reset_index(drop=True)
    pol = pol.assign(person_id=t.person_id.to_numpy())
    da = pol[(pol.incident_type == "Domestic abuse") & (pol.occurrence_ref != "")]
    victims = da[da.person_role == "Victim"][["occurrence_ref", "person_id"]]
    suspects = da[da.person_role == "Suspect"][["occurrence_ref", "person_id"]]
    pairs = victims.merge(suspects, on="occurrence_ref", suffixes=("_v", "_s")).drop_duplicates(
        ["person_id_v", "person_id_s"])
    home = people.set_index("person_id").uprn
    pairs = pairs.assign(uv=home.reindex(pairs.person_id_v).to_numpy(), us=home.reindex(pairs.person_id_s).to_numpy())
    apart = pairs[(pairs.uv != "") & (pairs.uv != pairs.us) & (pairs.person_id_v != pairs.person_id_s)]
    rows = []
    for uprn, grp in apart.groupby("uv", sort=True):
        victim = sorted(set(grp.person_id_v))[0]
        rows.append({"flag": "protected_address", "person_id": victim, "uprn": uprn, "reason": "refuge",
                     "source_system": "police_contacts", "record_key": "",
                     "related_person_ids": ";".join(sorted(set(grp.person_id_s)))})
    return pd.DataFrame(rows, columns=["flag", "person_id", "uprn", "reason", "source_system", "record_key",
                                       "related_person_ids"])


def write_restrictions(out_dir: Path, seed: int, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Write the three restriction lists and their truth into a generated borough; returns row counts.

    Also records the counts in ``manifest.json`` (the manifest lists every file's rows).
    """
    say = progress or (lambda _m: None)
    out = Path(out_dir)
    say("restrictions: opt-outs, sealed records, protected addresses")
    rng = np.random.default_rng([int(seed), SALT])
    people = _read(out / "truth" / "people.csv", ["person_id", "nhs_number", "death_date", "uprn"])
    truth = _read(out / "truth" / "record_truth.csv", ["source_system", "record_key", "person_id", "is_bad_row"])
    opt = _opt_outs(rng, people)
    sealed = _sealed(rng, out, people, truth, len(people))
    refuges = _refuges(out, people, truth)

    (out / "restrictions").mkdir(parents=True, exist_ok=True)
    files = {
        "restrictions/national_data_opt_out.csv": pd.DataFrame({"nhs_number": sorted(opt._nhs.tolist())}),
        "restrictions/sealed_records.csv": sealed[["source_system", "record_key", "reason"]],
        "restrictions/protected_addresses.csv": refuges[["uprn", "reason"]],
        "truth/restrictions.csv": pd.concat([opt.drop(columns="_nhs"), sealed, refuges], ignore_index=True),
    }
    counts = {}
    for name, df in files.items():
        _write(df, out / name)
        counts[name] = len(df)
    manifest = out / "manifest.json"
    if manifest.exists():
        m = json.loads(manifest.read_text(encoding="utf-8"))
        m.setdefault("counts", {}).update(counts)
        manifest.write_text(json.dumps(m, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return counts
