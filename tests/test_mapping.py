"""Mapping validation: every shipped mapping loads; bad ones stop naming the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from loaders.errors import MappingError, SourceError
from loaders.mapping import MAPPINGS_DIR, discover_mappings, load_mapping
from loaders.read import read_header

GOOD = {
    "source_system": "library_members",
    "file": "library_members.csv",
    "record_key": "member_id",
    "fields": {"first_name": "forename", "last_name": "surname",
               "dob": {"column": "birth_date", "format": "%d/%m/%Y"}, "postcode": "pc"},
    "attributes": ["branch"],
    "sensitive": ["notes"],
    "facts": {
        "as_of": "dob",
        "contacts": [{"agency": "library", "type": "visit", "date": {"column": "birth_date", "format": "%d/%m/%Y"}}],
        "claims": [{"claim_type": "concession", "from_date": {"column": "birth_date", "format": "%d/%m/%Y"},
                    "when": {"column": "branch", "equals": "Y"}}],
        "relationships": [{"kind": "identifier", "column": "guardian_nhs", "identifier": "nhs_number",
                           "type": "PARENT_OF"}],
    },
}


def write(tmp: Path, doc: dict, name: str = "m.yaml") -> Path:
    p = tmp / name
    p.write_text(yaml.safe_dump(doc))
    return p


def test_every_shipped_mapping_loads() -> None:
    maps = [load_mapping(p) for p in sorted(MAPPINGS_DIR.glob("*.yaml"))]
    systems = {m.source_system for m in maps}
    assert len(maps) == 13 and "gp_registration" in systems and "blue_light_callouts" in systems
    csc = next(m for m in maps if m.source_system == "childrens_social_care")
    assert "case_notes" in csc.sensitive and "case_notes" not in csc.used_columns()


def test_good_mapping_parses(tmp_path: Path) -> None:
    m = load_mapping(write(tmp_path, GOOD))
    assert m.record_key == ("member_id",)
    assert m.dates["dob"].formats == ("%d/%m/%Y",)
    assert m.facts.relationships[0].type == "PARENT_OF"
    assert m.facts.claims[0].when_values == ("Y",)


@pytest.mark.parametrize("mutate, key", [
    (lambda d: d["fields"].update(shoe_size="shoe"), "fields.shoe_size"),
    (lambda d: d.update(colour="red"), "colour"),
    (lambda d: d["fields"].update(dob={"column": "birth_date", "format": "%Q"}), "fields.dob.format"),
    (lambda d: d["fields"].update(dob={"column": "birth_date", "format": "%m/%Y"}), "fields.dob.format"),
    (lambda d: d["fields"].update(dob="birth_date"), "fields.dob"),
    (lambda d: d.pop("record_key"), "record_key"),
    (lambda d: d.update(sensitive=["branch"]), "sensitive"),
    (lambda d: d["facts"].update(as_of="record_date"), "facts.as_of"),
    (lambda d: d["facts"]["claims"][0].update(when={"column": "branch"}), "facts.claims[0].when.equals"),
    (lambda d: d["facts"]["relationships"][0].update(type="COUSIN_OF"), "facts.relationships[0].type"),
    (lambda d: d["facts"]["contacts"][0].pop("date"), "facts.contacts[0].date"),
    (lambda d: d["facts"].update(gossip=[]), "facts.gossip"),
    (lambda d: d.update(source_system="Library Members"), "source_system"),
])
def test_bad_mapping_names_file_and_key(tmp_path: Path, mutate, key: str) -> None:
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    mutate(doc)
    with pytest.raises(MappingError) as e:
        load_mapping(write(tmp_path, doc, "library.yaml"))
    assert e.value.file == "library.yaml"
    assert e.value.key == key
    assert str(e.value).startswith(f"library.yaml: {key}: ")


def test_invalid_yaml_reports_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.yaml"
    p.write_text("source_system: x\nfields: [a, b\n")
    with pytest.raises(MappingError, match=r"broken.yaml: line \d+: invalid YAML"):
        load_mapping(p)


def test_missing_column_names_mapping_key(tmp_path: Path) -> None:
    m = load_mapping(write(tmp_path, GOOD, "library.yaml"))
    (tmp_path / "library_members.csv").write_text("member_id,forename,surname,birth_date,branch,guardian_nhs\n")
    with pytest.raises(MappingError, match="library.yaml: fields.postcode: column 'pc' not in library_members.csv"):
        m.check_columns(read_header(tmp_path / "library_members.csv", m))


def test_discover_uses_local_override_and_skips_absent(tmp_path: Path) -> None:
    (tmp_path / "mappings").mkdir()
    write(tmp_path / "mappings", GOOD, "library.yaml")
    (tmp_path / "library_members.csv").write_text("member_id\n")
    (tmp_path / "council_tax.csv").write_text("account_ref\n")
    found = {m.source_system for m in discover_mappings(tmp_path)}
    assert found == {"library_members", "council_tax"}


def test_duplicate_header_is_source_error(tmp_path: Path) -> None:
    m = load_mapping(write(tmp_path, GOOD))
    (tmp_path / "library_members.csv").write_text("member_id,surname,surname\n1,a,b\n")
    with pytest.raises(SourceError, match="row 0: field surname: duplicate column"):
        read_header(tmp_path / "library_members.csv", m)
