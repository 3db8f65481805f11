"""Restriction lists (issue 7): generated with truth, resolved to residents, bad input named precisely.

A real small borough: the synthetic generator, real Splink linkage; the resolution is checked against
the generator's truth, not against itself.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from loaders.restrictions import RestrictionError, apply_restrictions, nhs_number_valid
from loaders.synthetic import generate
from loaders.synthetic.restrictions import FILES

PEOPLE = 1200
SEED = 5


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from loaders.link import run_link

    root = tmp_path_factory.mktemp("restrictions")
    generate(PEOPLE, SEED, root / "sources")
    run_link(root / "sources", root / "index")
    return root / "sources", root / "index"


@pytest.fixture(scope="module")
def applied(borough: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    sources, index = borough
    out = tmp_path_factory.mktemp("applied")
    (out / "records.parquet").symlink_to(index / "records.parquet")
    return out, apply_restrictions(sources, out)


def _truth(sources: Path) -> pd.DataFrame:
    return _read(sources / "truth" / "restrictions.csv")


def _record_persons(sources: Path, index: Path) -> pd.DataFrame:
    """Each linked record with its resident and its true person."""
    recs = pq.read_table(index / "records.parquet", columns=["source_system", "record_id", "resident_id"]).to_pandas()
    rt = _read(sources / "truth" / "record_truth.csv")[["source_system", "record_key", "person_id", "is_bad_row"]]
    rt = rt[rt.is_bad_row == "0"]
    return recs.merge(rt, left_on=["source_system", "record_id"], right_on=["source_system", "record_key"])


def test_generated_lists_are_realistic_and_match_truth(borough: tuple[Path, Path]) -> None:
    sources, _ = borough
    truth = _truth(sources)
    people = _read(sources / "truth" / "people.csv").set_index("person_id")
    opt = _read(sources / "restrictions" / "national_data_opt_out.csv")
    assert list(opt.columns) == ["nhs_number"]
    assert all(nhs_number_valid(n) for n in opt.nhs_number)
    assert 0.02 * PEOPLE <= len(opt) <= 0.06 * PEOPLE  # "a few percent"
    t_opt = truth[truth.flag == "opt_out"]
    assert sorted(people.nhs_number[t_opt.person_id]) == sorted(opt.nhs_number)

    sealed = _read(sources / "restrictions" / "sealed_records.csv")
    assert list(sealed.columns) == ["source_system", "record_key", "reason"]
    assert 3 <= len(sealed) <= 10 and set(sealed.reason) <= {"adoption", "court_order"}
    csc = _read(sources / "childrens_social_care.csv").set_index("csc_member_id")
    assert (csc.role[sealed.record_key] == "Child").all()
    t_sealed = truth[truth.flag == "sealed"]
    assert sorted(t_sealed.record_key) == sorted(sealed.record_key)

    prot = _read(sources / "restrictions" / "protected_addresses.csv")
    assert list(prot.columns) == ["uprn", "reason"] and len(prot) >= 3 and set(prot.reason) == {"refuge"}
    assert set(prot.uprn) <= set(_read(sources / "llpg.csv").uprn)
    # each refuge houses a victim of a domestic-abuse occurrence whose suspect lives elsewhere
    police = _read(sources / "police_contacts.csv")
    rt = _read(sources / "truth" / "record_truth.csv")
    police["person_id"] = rt[rt.source_system == "police_contacts"].person_id.to_numpy()
    da = police[police.incident_type == "Domestic abuse"]
    for row in truth[truth.flag == "protected_address"].itertuples():
        assert people.uprn[row.person_id] == row.uprn
        occurrences = set(da[(da.person_id == row.person_id) & (da.person_role == "Victim")].occurrence_ref)
        assert occurrences
        suspects = row.related_person_ids.split(";")
        assert set(da[da.occurrence_ref.isin(occurrences) & (da.person_role == "Suspect")].person_id) >= set(suspects)
        assert all(people.uprn[s] != row.uprn for s in suspects)
    assert sorted(truth[truth.flag == "protected_address"].uprn) == sorted(prot.uprn)


def test_restriction_lists_are_deterministic_for_a_seed(borough: tuple[Path, Path], tmp_path: Path) -> None:
    sources, _ = borough
    generate(PEOPLE, SEED, tmp_path / "again")
    generate(PEOPLE, SEED + 1, tmp_path / "other")

    def digest(d: Path, name: str) -> str:
        return hashlib.sha256((d / name).read_bytes()).hexdigest()

    for name in FILES:
        assert digest(sources, name) == digest(tmp_path / "again", name), name
    assert digest(sources, "manifest.json") == digest(tmp_path / "again", "manifest.json")
    assert digest(tmp_path / "other", FILES[0]) != digest(sources, FILES[0])


def test_resolution_to_residents_matches_truth(borough: tuple[Path, Path], applied: tuple[Path, dict]) -> None:
    sources, index = borough
    out, summary = applied
    truth = _truth(sources)
    flags = pq.read_table(out / "restrictions.parquet").to_pandas()
    assert set(flags.flag) <= {"opt_out", "sealed"}
    assert not flags.duplicated(["resident_id", "flag"]).any()
    linked = _record_persons(sources, index)
    recs = pq.read_table(index / "records.parquet", columns=["resident_id", "nhs_number"]).to_pandas()
    people = _read(sources / "truth" / "people.csv").set_index("person_id")

    # opt-outs: every resident holding an opted-out person's NHS number is flagged, and nobody else
    opted = set(truth[truth.flag == "opt_out"].person_id)
    numbers = set(people.nhs_number[sorted(opted)])
    expected = set(recs[recs.nhs_number.isin(numbers)].resident_id)
    got = set(flags[flags.flag == "opt_out"].resident_id)
    assert got == expected and len(got) >= 0.7 * len(opted)
    for rid in got:  # each flagged resident really holds a record of an opted-out person
        assert set(linked[linked.resident_id == rid].person_id) & opted, rid
    assert summary["opt_out"]["rows"] == len(opted)
    assert summary["opt_out"]["residents"] == len(got)

    # sealed: the resident of each sealed record (the whole resident), and nobody else
    t_sealed = truth[truth.flag == "sealed"]
    keyed = linked.set_index(["source_system", "record_id"])
    expected_sealed = {keyed.resident_id[(s, k)] for s, k in zip(t_sealed.source_system, t_sealed.record_key,
                                                                 strict=True) if (s, k) in keyed.index}
    got_sealed = set(flags[flags.flag == "sealed"].resident_id)
    assert got_sealed == expected_sealed and len(got_sealed) >= 3
    for rid in got_sealed:
        assert set(linked[linked.resident_id == rid].person_id) & set(t_sealed.person_id)
    assert summary["sealed"] == {"rows": len(t_sealed), "residents": len(got_sealed),
                                 "unresolved_rows": len(t_sealed) - len(expected_sealed)}

    prot = pq.read_table(out / "protected_addresses.parquet").to_pandas()
    assert sorted(prot.uprn) == sorted(truth[truth.flag == "protected_address"].uprn)
    assert set(prot.reason) == {"refuge"}


def test_missing_lists_write_empty_tables(borough: tuple[Path, Path], tmp_path: Path) -> None:
    _, index = borough
    (tmp_path / "records.parquet").symlink_to(index / "records.parquet")
    (tmp_path / "sources").mkdir()
    summary = apply_restrictions(tmp_path / "sources", tmp_path)
    assert summary["opt_out"]["rows"] == summary["sealed"]["rows"] == 0
    assert pq.read_table(tmp_path / "restrictions.parquet").num_rows == 0
    assert pq.read_table(tmp_path / "protected_addresses.parquet").num_rows == 0
    assert pq.read_table(tmp_path / "restrictions.parquet").column_names[:3] == ["resident_id", "flag", "source"]


BAD = [
    ("national_data_opt_out.csv", "nhs\n4010232137\n", r"national_data_opt_out\.csv: field nhs_number: missing column"),
    ("national_data_opt_out.csv", "nhs_number\n4010232137\n4010232138\n",
     r"national_data_opt_out\.csv: row 2: field nhs_number: '4010232138' is not a valid NHS number"),
    ("national_data_opt_out.csv", "nhs_number\n\n401 023 2137\n\n", None),  # spaces and blank lines are fine
    ("sealed_records.csv", "source_system,record_key,reason\nchildrens_social_care,CSCM1,adoption\n"
                           "childrens_social_kare,CSCM2,adoption\n",
     r"sealed_records\.csv: row 2: field source_system: unknown source system 'childrens_social_kare'"),
    ("sealed_records.csv", "source_system,record_key,reason\nchildrens_social_care,,adoption\n",
     r"sealed_records\.csv: row 1: field record_key: empty"),
    ("sealed_records.csv", "source_system,record_key\nchildrens_social_care,CSCM1\n",
     r"sealed_records\.csv: field reason: missing column"),
    ("protected_addresses.csv", "uprn,reason\n100023000001,refuge\n10002300000X,refuge\n",
     r"protected_addresses\.csv: row 2: field uprn: '10002300000X' is not a UPRN"),
    ("protected_addresses.csv", "uprn,reason\n100023000001,<script>\n",
     r"protected_addresses\.csv: row 1: field reason: '<script>' is not a reason code"),
    ("protected_addresses.csv", "uprn,reason\n100023000001,refuge,extra\n",
     r"protected_addresses\.csv: row 1: has 3 fields, the header has 2"),
    ("protected_addresses.csv", "", r"protected_addresses\.csv: empty file"),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD)
def test_bad_input_names_file_row_and_field(borough: tuple[Path, Path], tmp_path: Path, name: str, text: str,
                                            message: str | None) -> None:
    _, index = borough
    out = tmp_path / "index"
    out.mkdir()
    (out / "records.parquet").symlink_to(index / "records.parquet")
    src = tmp_path / "sources"
    (src / "restrictions").mkdir(parents=True)
    shutil.copy(Path(__file__).resolve(), out / "restrictions.parquet")  # stands for the previous output
    before = (out / "restrictions.parquet").read_bytes()
    (src / "restrictions" / name).write_text(text, encoding="utf-8")
    if message is None:
        apply_restrictions(src, out)
        return
    with pytest.raises(RestrictionError, match=message):
        apply_restrictions(src, out)
    assert (out / "restrictions.parquet").read_bytes() == before  # nothing already applied is lost


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RestrictionError, match=r"records\.parquet: missing \(run `residex link` first"):
        apply_restrictions(tmp_path, tmp_path)
