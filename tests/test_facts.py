"""Fact tables on a generated ~2k-person borough, after the real ``run_link``.

The borough, link and facts run once per module. ``truth_index`` is a labelled unit-test variant:
records linked by their true person (no Splink), so fact derivation is checked apart from linkage.
"""

# ruff: noqa: S608 -- SQL text is built from test fixture paths and fixed column names

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from loaders.errors import SourceError
from loaders.facts import run_facts
from loaders.link import run_link
from loaders.mapping import discover_mappings
from loaders.synthetic import generate

CONTRACT = {
    "addresses": ("uprn", "address_text", "postcode", "ward", "council_owned", "bedrooms", "property_type"),
    "lives_at": ("resident_id", "uprn", "from_date", "to_date", "source_system", "record_id"),
    "relationships": ("from_resident_id", "to_resident_id", "type", "source_system", "record_id"),
    "contacts": ("resident_id", "source_system", "record_id", "agency", "contact_type", "contact_date", "uprn"),
    "claims": ("resident_id", "uprn", "claim_type", "from_date", "to_date", "source_system", "record_id"),
}
pytestmark = pytest.mark.slow  # generates, links and derives a 2,000-person borough (about a minute)

DATE_COLS = {"lives_at": ("from_date", "to_date"), "contacts": ("contact_date",), "claims": ("from_date", "to_date")}


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("sources")
    generate(2000, 7, src)
    return src


@pytest.fixture(scope="module")
def index(borough: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("index")
    run_link(borough, out)
    return out, run_facts(borough, out)


@pytest.fixture(scope="module")
def truth_index(borough: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """UNIT TEST FIXTURE: records.parquet from link's read/standardise stage, linked by truth."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_facts import truth_linked_records

    out = tmp_path_factory.mktemp("truth_index")
    truth_linked_records(borough, out)
    run_facts(borough, out)
    return out


def _evaluate(borough: Path, out: Path) -> dict:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_facts import evaluate

    return evaluate(borough, out)


def test_contract_columns_and_types(index: tuple[Path, dict]) -> None:
    out, summary = index
    for name, cols in CONTRACT.items():
        schema = pq.read_schema(out / f"{name}.parquet")
        assert set(cols) <= set(schema.names), name
        assert summary[name] == pq.read_metadata(out / f"{name}.parquet").num_rows
    assert pq.read_schema(out / "addresses.parquet").field("council_owned").type == "bool"
    assert str(pq.read_schema(out / "addresses.parquet").field("bedrooms").type).startswith("int")
    con = duckdb.connect()
    for name, cols in DATE_COLS.items():
        for c in cols:
            bad = con.execute(f"SELECT count(*) FROM '{out / name}.parquet' WHERE {c} IS NOT NULL "
                              f"AND NOT regexp_matches({c}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$')").fetchall()[0][0]
            assert bad == 0, f"{name}.{c} not ISO"
    kept = con.execute(f"""SELECT count(property_ref), count(*) FILTER (WHERE property_ref_conflict)
                           FROM '{out}/address_matches.parquet' WHERE source_system = 'housing_tenancy'""").fetchall()[0]
    assert kept[0] > 0 and kept[1] == 0  # housing's own dwelling codes kept, each on one UPRN
    types = {t for (t,) in con.execute(f"SELECT DISTINCT type FROM '{out}/relationships.parquet'").fetchall()}
    assert types == {"PARENT_OF", "PARTNER_OF", "SIBLING_OF"}
    for name in ("lives_at", "relationships", "contacts", "claims"):
        rid = "from_resident_id" if name == "relationships" else "resident_id"
        orphans = con.execute(f"SELECT count(*) FROM '{out / name}.parquet' WHERE {rid} NOT IN "
                              f"(SELECT resident_id FROM '{out}/records.parquet')").fetchall()[0][0]
        assert orphans == 0, name


def test_every_source_contributes(index: tuple[Path, dict]) -> None:
    out, _ = index
    con = duckdb.connect()
    contacts = dict(con.execute(f"SELECT agency, count(*) FROM '{out}/contacts.parquet' GROUP BY 1").fetchall())
    assert {"police", "childrens_social_care", "adult_social_care", "health", "education"} <= set(contacts)
    assert {"ambulance", "police"} <= set(contacts)  # 999 call-outs by service
    da = con.execute(f"""SELECT count(*) FROM '{out}/contacts.parquet' WHERE contact_type = 'Domestic abuse'
                         AND role = 'Suspect'""").fetchall()[0][0]
    assert da > 0
    claims = {t for (t,) in con.execute(f"SELECT DISTINCT claim_type FROM '{out}/claims.parquet'").fetchall()}
    assert {"single_person_discount", "empty_exemption", "tenancy", "school_place", "blue_badge",
            "council_tax_liability", "hb", "ctr", "universal_credit"} <= claims
    spd = con.execute(f"""SELECT count(*), count(attr_disregard_type) FROM '{out}/claims.parquet'
                          WHERE claim_type = 'single_person_discount'""").fetchall()[0]
    assert spd[0] > 0


def test_school_place_uses_admission_address(borough: Path, index: tuple[Path, dict]) -> None:
    out, _ = index
    con = duckdb.connect()
    rows = con.execute(f"""
        SELECT c.record_id, c.uprn, l.uprn AS home_uprn
        FROM '{out}/claims.parquet' c
        JOIN read_csv('{borough}/school_census.csv', all_varchar = true) s ON s.pupil_record_id = c.record_id
        LEFT JOIN '{out}/lives_at.parquet' l ON l.source_system = 'school_census' AND l.record_id = c.record_id
        WHERE c.claim_type = 'school_place' AND s.address <> s.address_at_admission""").fetchall()
    assert rows, "the generated borough should have pupils admitted from another address"
    assert all(u is not None for _, u, _ in rows)
    assert sum(u != h for _, u, h in rows) >= len(rows) // 2  # the place's dwelling, not today's home


def test_sensitive_columns_never_written(borough: Path, index: tuple[Path, dict]) -> None:
    out, _ = index
    sensitive = {s for m in discover_mappings(borough) for s in m.sensitive}
    assert "case_notes" in sensitive and "narrative" in sensitive
    con = duckdb.connect()
    # the sensitive free text of the extracts, to look for in every output value
    texts: set[str] = set()
    for m in discover_mappings(borough):
        for col in m.sensitive:
            texts |= {t for (t,) in con.execute(
                f"SELECT DISTINCT \"{col}\" FROM read_csv('{borough / m.file}', all_varchar = true) "
                f"WHERE \"{col}\" IS NOT NULL").fetchall()}
    assert texts
    for p in out.glob("*.parquet"):
        if p.name in ("records.parquet", "residents.parquet", "match_explanations.parquet", "id_registry.parquet"):
            continue  # link's files
        names = pq.read_schema(p).names
        assert not sensitive & set(names), p.name
        for c in names:
            vals = {v for (v,) in con.execute(f"SELECT DISTINCT CAST(\"{c}\" AS VARCHAR) FROM '{p}'").fetchall()}
            assert not vals & texts, f"{p.name}.{c}"
    assert "case_notes" not in (out / "facts_summary.json").read_text()


def test_uprn_assignment_vs_truth(borough: Path, index: tuple[Path, dict]) -> None:
    res = _evaluate(borough, index[0])
    assert res["uprn"]["precision"] >= 0.99
    assert res["uprn"]["recall"] >= 0.97


def test_relationships_floor_vs_truth(borough: Path, index: tuple[Path, dict]) -> None:
    res = _evaluate(borough, index[0])["relationships"]
    assert res["ALL"]["precision"] >= 0.97, res["ALL"]
    assert res["ALL"]["recall"] >= 0.35, res["ALL"]
    for t in ("PARENT_OF", "PARTNER_OF", "SIBLING_OF"):
        assert res[t]["precision"] >= 0.95, (t, res[t])
        assert res[t]["recall"] >= 0.25, (t, res[t])


def test_current_address_vs_truth(borough: Path, index: tuple[Path, dict]) -> None:
    res = _evaluate(borough, index[0])["current_address"]
    assert res["accuracy"] >= 0.85, res


def test_unit_truth_linked_relationships_are_precise(borough: Path, truth_index: Path) -> None:
    """UNIT TEST (records linked by truth, not by Splink): derivation alone is near-exact."""
    res = _evaluate(borough, truth_index)
    assert res["relationships"]["ALL"]["precision"] >= 0.99, res["relationships"]["ALL"]
    assert res["uprn"]["precision"] >= 0.99


def test_parent_points_parent_to_child(index: tuple[Path, dict]) -> None:
    out, _ = index
    con = duckdb.connect()
    wrong = con.execute(f"""
        WITH d AS (SELECT resident_id, dob FROM '{out}/residents.parquet' WHERE dob IS NOT NULL)
        SELECT count(*) FROM '{out}/relationships.parquet' r JOIN d a ON a.resident_id = r.from_resident_id
        JOIN d b ON b.resident_id = r.to_resident_id WHERE r.type = 'PARENT_OF' AND a.dob >= b.dob""").fetchall()[0][0]
    assert wrong == 0


def test_rerun_replaces_and_bad_input_names_field(borough: Path, index: tuple[Path, dict], tmp_path: Path) -> None:
    out, summary = index
    with pytest.raises(SourceError, match="records.parquet not found"):
        run_facts(borough, tmp_path)
    # records without a column the facts need: one-line error naming the file and field
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * EXCLUDE (attributes) FROM '{out}/records.parquet') "
                f"TO '{tmp_path / 'records.parquet'}' (FORMAT parquet)")
    with pytest.raises(SourceError, match=r"records.parquet: field attributes"):
        run_facts(borough, tmp_path)
    # a broken gazetteer: the error names llpg.csv, and the index already written is untouched
    src2 = tmp_path / "src"
    shutil.copytree(borough, src2)
    lines = (src2 / "llpg.csv").read_text().splitlines()
    (src2 / "llpg.csv").write_text("\n".join([lines[0], lines[1], lines[1], *lines[2:]]) + "\n")
    before = (out / "lives_at.parquet").read_bytes()
    with pytest.raises(SourceError, match=r"llpg.csv: row 2: field uprn"):
        run_facts(src2, out)
    assert (out / "lives_at.parquet").read_bytes() == before
    assert json.loads((out / "facts_summary.json").read_text())["lives_at"] == summary["lives_at"]


def test_unparseable_fact_date_is_reported(borough: Path, index: tuple[Path, dict], tmp_path: Path) -> None:
    out, _ = index
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT * REPLACE (CASE WHEN record_id = (SELECT min(record_id) FROM '{out}/records.parquet'
                                                             WHERE source_system = 'council_tax')
                         THEN json_merge_patch(attributes, '{{"liable_from": "31/31/2020"}}') ELSE attributes END
                         AS attributes) FROM '{out}/records.parquet')
                    TO '{tmp_path / 'records.parquet'}' (FORMAT parquet)""")
    summary = run_facts(borough, tmp_path)
    bad = summary["unparseable_fact_dates"]["council_tax.csv:liable_from"]
    assert bad["rows"] == 1 and bad["first_record_id"].startswith("CT")


def test_school_claim_carries_attendance_and_exclusions(borough: Path, index: tuple[Path, dict]) -> None:
    """The Supporting Families education criterion reads these off the school_place claim."""
    out, _ = index
    con = duckdb.connect()
    schema = pq.read_schema(out / "claims.parquet")
    assert str(schema.field("attr_attendance_pct").type) == "double"
    assert str(schema.field("attr_exclusions").type) == "int64"
    rows = con.execute(f"""
        SELECT c.attr_attendance_pct, CAST(s.attendance_pct AS DOUBLE), c.attr_exclusions, CAST(s.exclusions AS BIGINT)
        FROM '{out}/claims.parquet' c
        JOIN (SELECT * FROM read_csv('{borough}/school_census.csv', all_varchar = true)
              QUALIFY count(*) OVER (PARTITION BY pupil_record_id) = 1) s  -- a repeated key is quarantined
          ON s.pupil_record_id = c.record_id
        WHERE c.claim_type = 'school_place'""").fetchall()
    assert rows and all(a == b and e == f for a, b, e, f in rows)
    assert any(a < 90 for a, *_ in rows) and any(e > 0 for *_, e, _f in rows)
    other = con.execute(f"""SELECT count(*) FROM '{out}/claims.parquet' WHERE claim_type <> 'school_place'
                            AND (attr_attendance_pct IS NOT NULL OR attr_exclusions IS NOT NULL)""").fetchall()[0][0]
    assert other == 0


def test_childrens_social_care_case_is_an_episode_claim(borough: Path, index: tuple[Path, dict]) -> None:
    out, _ = index
    con = duckdb.connect()
    rows = con.execute(f"""
        SELECT c.from_date, strftime(strptime(s.referral_date, '%d/%m/%Y'), '%Y-%m-%d'), c.to_date,
               CASE WHEN s.case_closed_date IS NOT NULL
                    THEN strftime(strptime(s.case_closed_date, '%d/%m/%Y'), '%Y-%m-%d') END, s.case_status
        FROM '{out}/claims.parquet' c
        JOIN (SELECT * FROM read_csv('{borough}/childrens_social_care.csv', all_varchar = true)
              QUALIFY count(*) OVER (PARTITION BY csc_member_id) = 1) s ON s.csc_member_id = c.record_id
        WHERE c.claim_type = 'csc_case'""").fetchall()
    assert rows
    assert all(f == rf and t == ct for f, rf, t, ct, _s in rows)
    assert {st for *_, st in rows} == {"Open", "Closed"}
    assert all((t is None) == (st == "Open") for _f, _rf, t, _ct, st in rows)


def test_unplaced_person_claims_go_to_the_claimant_home(borough: Path, index: tuple[Path, dict]) -> None:
    """A DWP award whose address does not resolve is placed at the claimant's latest known dwelling and
    says so; a council tax claim (about its dwelling) without a resolved address is never placed."""
    out, _ = index
    con = duckdb.connect()
    con.execute(f"CREATE TABLE rec AS SELECT * FROM '{out}/records.parquet'")
    con.execute(f"CREATE TABLE cl AS SELECT * FROM '{out}/claims.parquet'")
    con.execute(f"CREATE TABLE la AS SELECT * FROM '{out}/lives_at.parquet'")
    homed = con.execute("""SELECT c.resident_id, c.uprn FROM cl c
                           WHERE c.attr_address_source = 'claimant_home'""").fetchall()
    assert homed, "the test borough has DWP awards with addresses outside the gazetteer"
    assert {s for (s,) in con.execute("""SELECT DISTINCT source_system FROM cl
                                          WHERE attr_address_source = 'claimant_home'""").fetchall()} \
        <= {"dwp_benefits", "childrens_social_care"}
    # the dwelling is one of the claimant's own registrations
    for rid, uprn in homed:
        assert con.execute("SELECT count(*) FROM la WHERE resident_id = ? AND uprn = ?", [rid, uprn]).fetchone()[0]
    assert not con.execute("""SELECT count(*) FROM cl WHERE source_system = 'council_tax'
                              AND attr_address_source = 'claimant_home'""").fetchone()[0]


def test_deceased_from_gp_deaths_vs_truth(borough: Path, index: tuple[Path, dict]) -> None:
    """Golden ``deceased``: residents whose GP record says they died; checked against truth people."""
    out, _ = index
    con = duckdb.connect()
    con.execute(f"""
        CREATE TABLE maj AS SELECT r.resident_id, mode(t.person_id) AS person_id
        FROM '{out}/records.parquet' r
        JOIN read_csv('{borough}/truth/record_truth.csv', all_varchar = true) t
          ON t.source_system = r.source_system AND t.record_key = r.record_id GROUP BY 1""")
    (tp, fp, fn), = con.execute(f"""
        SELECT count(*) FILTER (WHERE g.deceased AND dead), count(*) FILTER (WHERE g.deceased AND NOT dead),
               count(*) FILTER (WHERE NOT g.deceased AND dead AND has_gp)
        FROM '{out}/residents.parquet' g JOIN maj USING (resident_id)
        JOIN (SELECT person_id, coalesce(death_date, '') <> '' AS dead
              FROM read_csv('{borough}/truth/people.csv', all_varchar = true)) p USING (person_id)
        JOIN (SELECT resident_id, bool_or(source_system = 'gp_registration') AS has_gp
              FROM '{out}/records.parquet' GROUP BY 1) h USING (resident_id)""").fetchall()
    assert tp > 0
    assert tp / (tp + fp) >= 0.95, (tp, fp)
    assert tp / (tp + fn) >= 0.9, (tp, fn)
    prov = con.execute(f"""SELECT provenance, date_of_death FROM '{out}/residents.parquet'
                           WHERE deceased LIMIT 1""").fetchall()[0]
    p = json.loads(prov[0])["deceased"]
    assert p["source_system"] == "gp_registration" and p["date"] == str(prov[1])


FACTS_BASE = {
    "source_system": "library_members", "file": "library_members.csv", "record_key": "member_id",
    "fields": {"first_name": "forename", "last_name": "surname"},
    "attributes": ["score", "visits", "left_reason", "died_on"],
}


@pytest.mark.parametrize("facts, key", [
    ({"claims": [{"claim_type": "x", "attributes": {"score": "decimal"}}]}, "facts.claims[0].attributes.score"),
    ({"claims": [{"claim_type": "x", "attributes": {"Score": "float"}}]}, "facts.claims[0].attributes.Score"),
    ({"claims": [{"claim_type": "x", "attributes": {"address_source": "string"}}]},
     "facts.claims[0].attributes.address_source"),
    ({"claims": [{"claim_type": "x", "attributes": ["score"]}]}, "facts.claims[0].attributes"),
    ({"claims": [{"claim_type": "x", "if_unplaced": "nearest"}]}, "facts.claims[0].if_unplaced"),
    ({"death": {"on": {"column": "died_on", "format": "%d/%m/%Y"}}}, "facts.death.on"),
    ({"death": {}}, "facts.death"),
    ({"death": {"when": {"column": "left_reason"}}}, "facts.death.when.equals"),
    ({"death": {"date": {"column": "died_on"}}}, "facts.death.date.format"),
])
def test_claim_attribute_and_death_declarations_are_checked(tmp_path: Path, facts: dict, key: str) -> None:
    import yaml

    from loaders.errors import MappingError
    from loaders.mapping import load_mapping

    p = tmp_path / "library.yaml"
    p.write_text(yaml.safe_dump({**FACTS_BASE, "facts": facts}))
    with pytest.raises(MappingError) as e:
        load_mapping(p)
    assert (e.value.file, e.value.key) == ("library.yaml", key)


def test_good_claim_attribute_and_death_declarations_parse(tmp_path: Path) -> None:
    import yaml

    from loaders.mapping import load_mapping

    p = tmp_path / "library.yaml"
    p.write_text(yaml.safe_dump({**FACTS_BASE, "facts": {
        "claims": [{"claim_type": "x", "attributes": {"score": "float", "visits": "int"}}],
        "death": {"date": {"column": "died_on", "format": "%d/%m/%Y"},
                  "when": {"column": "left_reason", "in": ["Died"]}}}}))
    m = load_mapping(p)
    assert m.facts.claims[0].attributes == (("score", "float"), ("visits", "int"))
    assert m.facts.death is not None and m.facts.death.when_values == ("Died",)
    assert {"score", "visits", "died_on", "left_reason"} <= set(m.fact_columns())


def test_one_claim_attribute_one_type_across_mappings(borough: Path, index: tuple[Path, dict], tmp_path: Path) -> None:
    """Two mappings giving one attr_ property different types would make the graph property ambiguous."""
    from loaders.errors import MappingError
    from loaders.mapping import MAPPINGS_DIR

    out, _ = index
    src = tmp_path / "src"
    src.mkdir()
    for f in borough.iterdir():
        (src / f.name).symlink_to(f)
    (src / "mappings").mkdir()
    doc = (MAPPINGS_DIR / "early_years.yaml").read_text().replace(
        "      from_date: {column: start_date, format: \"%d %b %Y\"}",
        "      from_date: {column: start_date, format: \"%d %b %Y\"}\n      attributes: {attendance_pct: int}")
    assert "attendance_pct: int" in doc
    (src / "mappings" / "early_years.yaml").write_text(doc)
    idx = tmp_path / "idx"
    idx.mkdir()
    (idx / "records.parquet").symlink_to(out / "records.parquet")
    with pytest.raises(MappingError) as e:
        run_facts(src, idx)
    assert e.value.key == "facts.claims[0].attributes.attendance_pct"
    assert e.value.file in ("early_years.yaml", "school_census.yaml") and "school_census" in str(e.value) + e.value.file


def test_link_stage_gazetteer_match_is_what_facts_reports(borough: Path, index: tuple[Path, dict]) -> None:
    """The facts stage reuses link's address match: it must equal a fresh match of each record's text
    against the gazetteer with the source's own UPRN as the given one (status included)."""
    from loaders import address_match

    out = index[0]
    con = duckdb.connect()
    address_match.load_llpg(con, borough / "llpg.csv")
    rec = (out / "records.parquet").as_posix()
    con.execute(f"""CREATE TABLE am_in AS SELECT source_system || chr(31) || record_id AS key, address_text,
                    postcode, source_uprn AS given_uprn, flat, house_number, street, building
                    FROM read_parquet('{rec}')""")
    address_match.match(con, "am_in", "am", parsed=True)
    am = (out / "address_matches.parquet").as_posix()
    diff = con.execute(f"""
        SELECT count(*) FILTER (WHERE a.uprn IS DISTINCT FROM m.uprn OR a.method IS DISTINCT FROM m.method
                                   OR a.reason IS DISTINCT FROM m.reason
                                   OR a.given_uprn_status IS DISTINCT FROM m.status),
               count(*), count(*) FILTER (WHERE m.status = 'given_conflicts_text')
        FROM read_parquet('{am}') a JOIN am m ON m.key = a.source_system || chr(31) || a.record_id""").fetchall()[0]
    assert diff[1] == index[1]["records"]
    assert diff[0] == 0, f"{diff[0]} records differ from a fresh gazetteer match"
    given = con.execute(f"SELECT count(*) FROM read_parquet('{rec}') WHERE source_uprn IS NOT NULL").fetchall()[0][0]
    assert given > 0  # the borough's council tax and tenancy records carry UPRNs
