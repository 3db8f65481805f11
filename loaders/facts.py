"""Derived facts of the resident index: addresses, residence, family links, contacts and claims.

Runs after ``loaders.link.run_link`` on the same folders: every fact comes from an accepted record in
``OUT/records.parquet`` (so it carries that record's ``resident_id``), read through the ``facts:``
declarations of the source mappings (``loaders.mapping``). Nothing is read from the raw extracts
except the gazetteer, so a column a mapping does not declare, and every column it marks sensitive,
cannot reach an output. Outputs (``docs/architecture.md``, "Index folder"; ``docs/facts.md``):
``addresses, lives_at, relationships, contacts, claims`` and ``address_matches`` (per-record UPRN
resolution with a reason), plus ``facts_summary.json``.

Family links are conservative: a named person is linked only when exactly one resident fits (NI or
NHS number, else name and date of birth, else name at the same dwelling), and every link must pass an
age check (a parent is at least 12 years older than the child, partners within 20 years, siblings
within 25); a link inferred from two others needs both dates of birth.
"""

# ruff: noqa: S608 -- SQL text is built only from validated mapping column names (as JSON paths and literals via lit()) and code constants

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from loaders import address_match
from loaders.errors import MappingError, SourceError
from loaders.mapping import CLAIM_ATTR_TYPES, DateField, RelationshipDecl, SourceMapping, discover_mappings
from loaders.read import lit, memory_limit, q
from loaders.standardise import identifiers, names
from loaders.standardise.dates import parse_date_sql

Progress = Callable[[str], None]
RECORD_COLUMNS = ("source_system", "record_id", "resident_id", "first_name", "last_name", "dob",
                  "address_text", "postcode", "uprn", "record_date", "attributes")
OPTIONAL_RECORD_COLUMNS = ("nhs_number", "ni_number", "row_number", "property_ref")
PARSED_ADDRESS_COLUMNS = ("flat", "house_number", "street", "building")  # written by link's standardiser
MATCH_COLUMNS = ("source_uprn", "uprn_method", "uprn_reason", "uprn_status")  # link's gazetteer match

# What a role word says the OTHER person is to the record's person: (type, other_is_from).
# other_is_from=True: the other person is the PARENT_OF side. Symmetric types ignore it.
ROLE_WORDS: dict[str, tuple[str, bool]] = {
    "MOTHER": ("PARENT_OF", True), "FATHER": ("PARENT_OF", True), "PARENT": ("PARENT_OF", True),
    "STEP-PARENT": ("PARENT_OF", True), "STEPPARENT": ("PARENT_OF", True),
    "SON": ("PARENT_OF", False), "DAUGHTER": ("PARENT_OF", False), "CHILD": ("PARENT_OF", False),
    "PARTNER": ("PARTNER_OF", False), "WIFE": ("PARTNER_OF", False), "HUSBAND": ("PARTNER_OF", False),
    "SPOUSE": ("PARTNER_OF", False), "JOINT TENANT": ("PARTNER_OF", False),
    "CIVIL PARTNER": ("PARTNER_OF", False),
    "BROTHER": ("SIBLING_OF", False), "SISTER": ("SIBLING_OF", False), "SIBLING": ("SIBLING_OF", False),
}
HEAD_ROLES = ("TENANT", "LEAD TENANT", "HEAD", "APPLICANT")
CASE_CHILD_ROLES = ("CHILD", "SIBLING")
CASE_PARENT_ROLES = ("MOTHER", "FATHER", "STEP-PARENT", "STEPPARENT", "PARENT")
SYMMETRIC = ("PARTNER_OF", "SIBLING_OF")
MIN_PARENT_GAP_DAYS = 12 * 365
MAX_PARTNER_GAP_DAYS = 20 * 365
MAX_SIBLING_GAP_DAYS = 25 * 365
OUTPUTS = ("addresses", "lives_at", "relationships", "contacts", "claims", "address_matches")


def _attr(col: str) -> str:
    """SQL for a declared source column kept in the record's ``attributes`` JSON (trimmed, '' -> NULL)."""
    return f"nullif(trim(json_extract_string(attributes, {lit('$.' + json.dumps(col))})), '')"


def _date(d: DateField | None) -> str:
    """ISO date string SQL for a declared date field, NULL when absent or unparseable."""
    if d is None:
        return "CAST(NULL AS VARCHAR)"
    return f"strftime({parse_date_sql(_attr(d.column), d)}, '%Y-%m-%d')"


def _s(v: str | None) -> str:
    return "CAST(NULL AS VARCHAR)" if v is None else lit(v)


def _connect(tmp: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET memory_limit = ?", [memory_limit()])
    con.execute(f"SET threads = {int(os.cpu_count() or 2)}")
    con.execute("SET temp_directory = ?", [str(tmp)])
    return con


def run_facts(sources: Path, out: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Write the fact tables for the index in ``out`` (after ``run_link``); return counts and seconds."""
    say = progress or (lambda _msg: None)
    sources, out = Path(sources), Path(out)
    if not sources.is_dir():
        raise SourceError(str(sources), "sources folder not found")
    rec_path = out / "records.parquet"
    if not rec_path.exists():
        raise SourceError(str(rec_path), "records.parquet not found: run `residex link` first")
    mappings = {m.source_system: m for m in discover_mappings(sources)}
    tmp = Path(tempfile.mkdtemp(prefix=".residex-facts-", dir=out))
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    con = _connect(tmp)

    def lap(stage: str, start: float) -> float:
        now = time.perf_counter()
        timings[stage] = round(now - start, 3)
        return now

    try:
        t = time.perf_counter()
        say("reading the gazetteer")
        n_llpg = address_match.load_llpg(con, sources / "llpg.csv")
        names.register(con)
        identifiers.register(con)
        parsed, matched = _load_records(con, rec_path, mappings)
        t = lap("read", t)

        if matched:
            say("addresses already matched to the gazetteer by the link stage")
        else:
            say("matching addresses to the gazetteer")
            extra = "".join(f", {c}" for c in PARSED_ADDRESS_COLUMNS) if parsed else ""
            con.execute(f"CREATE TEMP TABLE am_in AS SELECT rid AS key, address_text, postcode, given_uprn{extra} FROM rec")
            address_match.match(con, "am_in", "am", parsed=parsed)
            con.execute("""CREATE OR REPLACE TABLE rec AS SELECT r.*, am.uprn, am.reason AS uprn_reason,
                           am.method AS uprn_method, am.status AS uprn_status
                           FROM rec r LEFT JOIN am ON am.key = r.rid""")
            con.execute("DROP TABLE am_in")
        t = lap("address_match", t)

        say("building fact tables")
        _lives_at(con, mappings)
        _contacts(con, mappings)
        t = lap("lives_at_contacts", t)
        _relationships(con, mappings)
        t = lap("relationships", t)
        _claims(con, mappings)
        t = lap("claims", t)

        counts = _write(con, out)
        t = lap("write", t)
        summary = {"llpg_dwellings": n_llpg, "records": counts.pop("_records"), **counts,
                   "uprn_reasons": dict(con.execute(
                       "SELECT uprn_reason, count(*) FROM rec GROUP BY 1 ORDER BY 2 DESC").fetchall()),
                   "unparseable_fact_dates": _bad_dates(con, mappings), "seconds": timings}
        summary["seconds_total"] = round(time.perf_counter() - t0, 3)
        (out / "facts_summary.json").write_text(json.dumps(summary, indent=1))
        say(f"facts: {summary['lives_at']} lives_at, {summary['relationships']} relationships, "
            f"{summary['contacts']} contacts, {summary['claims']} claims in {summary['seconds_total']:.1f}s")
        return summary
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _load_records(con: duckdb.DuckDBPyConnection, path: Path,
                  mappings: dict[str, SourceMapping]) -> tuple[bool, bool]:
    """Table ``rec`` from records.parquet. Returns (the standardiser's address parts are there, the
    link stage's gazetteer match is there): with the match, ``rec`` takes its ``uprn`` and
    ``uprn_reason, uprn_method, uprn_status`` as they are, so the addresses are matched once per run
    and the status compares the source's own UPRN (``source_uprn``), not the resolved one, with the text."""
    try:
        cols = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({lit(str(path))})").fetchall()}
    except duckdb.Error as e:
        raise SourceError(path.name, f"cannot read Parquet: {str(e).splitlines()[0]}") from None
    for c in RECORD_COLUMNS:
        if c not in cols:
            raise SourceError(path.name, "column missing (re-run `residex link`)", field=c)
    opt = ", ".join(c if c in cols else f"CAST(NULL AS VARCHAR) AS {c}" for c in OPTIONAL_RECORD_COLUMNS)
    parsed = all(c in cols for c in PARSED_ADDRESS_COLUMNS)
    if parsed:
        opt += "".join(f", {c}" for c in PARSED_ADDRESS_COLUMNS)
    src = lit(str(path))
    matched = all(c in cols for c in MATCH_COLUMNS) and not con.execute(
        f"SELECT count(*) FROM read_parquet({src}) WHERE uprn_reason IS NULL").fetchall()[0][0]
    if matched:
        opt += (", CAST(uprn AS VARCHAR) AS uprn, CAST(uprn_reason AS VARCHAR) AS uprn_reason, "
                "CAST(uprn_method AS VARCHAR) AS uprn_method, CAST(uprn_status AS VARCHAR) AS uprn_status")
    given = "source_uprn" if matched else "uprn"
    con.execute(f"""
        CREATE TABLE rec AS
        SELECT source_system || chr(31) || record_id AS rid, source_system, CAST(record_id AS VARCHAR) AS record_id,
               CAST(resident_id AS VARCHAR) AS resident_id, first_name, last_name, CAST(dob AS DATE) AS dob,
               address_text, postcode, CAST({given} AS VARCHAR) AS given_uprn,
               CAST(record_date AS DATE) AS record_date, attributes, {opt}
        FROM read_parquet({src})""")
    bad = con.execute("SELECT source_system, record_id FROM rec WHERE resident_id IS NULL LIMIT 1").fetchall()
    if bad:
        raise SourceError(path.name, f"record {bad[0][0]}:{bad[0][1]} has no resident_id", field="resident_id")
    unknown = [s for (s,) in con.execute("SELECT DISTINCT source_system FROM rec").fetchall() if s not in mappings]
    if unknown:
        raise SourceError(path.name, f"no mapping for source_system {unknown[0]!r}", field="source_system")
    # a resident's date of birth for the age checks: the most common record DOB
    con.execute("""CREATE TABLE res_dob AS SELECT resident_id, mode(dob) AS dob FROM rec
                   WHERE dob IS NOT NULL GROUP BY resident_id""")
    return parsed, matched


def _fact_dates(m: SourceMapping) -> list[DateField]:
    f = m.facts
    ds = [f.address_from, f.address_to, *(c.date for c in f.contacts),
          *(d for c in f.claims for d in (c.from_date, c.to_date)), *(r.dob for r in f.relationships),
          f.death.date if f.death else None]
    out: list[DateField] = []
    for d in ds:
        if d is not None and d not in out:
            out.append(d)
    return out


def _bad_dates(con: duckdb.DuckDBPyConnection, mappings: dict[str, SourceMapping]) -> dict[str, dict]:
    """Fact date values no declared format parses (the fact gets no date): count and first record."""
    bad: dict[str, dict] = {}
    for s, m in mappings.items():
        for d in _fact_dates(m):
            n, first = con.execute(f"""
                SELECT count(*), min(record_id) FROM rec WHERE source_system = {lit(s)}
                AND {_attr(d.column)} IS NOT NULL AND {parse_date_sql(_attr(d.column), d)} IS NULL""").fetchall()[0]
            if n:
                bad[f"{m.file}:{d.column}"] = {"rows": int(n), "first_record_id": first}
    return bad


# -- lives_at, contacts -----------------------------------------------------------------------------

def _lives_at(con: duckdb.DuckDBPyConnection, mappings: dict[str, SourceMapping]) -> None:
    """One row per record with a resolved UPRN.

    Dates: the mapping's ``facts.address`` from/to when declared; otherwise the record's ``as_of``
    date, open-ended for registers (the extract is the system's current view) and a single day for
    event sources (those declaring contacts: an incident address is evidence on that day only).
    """
    con.execute("""CREATE TABLE lives_at (resident_id VARCHAR, uprn VARCHAR, from_date VARCHAR,
                   to_date VARCHAR, source_system VARCHAR, record_id VARCHAR)""")
    for s, m in mappings.items():
        f = m.facts
        as_of = "strftime(record_date, '%Y-%m-%d')" if f.as_of else "CAST(NULL AS VARCHAR)"
        if f.address_from or f.address_to:
            frm = _date(f.address_from) if f.address_from else as_of
            to = _date(f.address_to)
        else:
            frm = as_of
            to = as_of if f.contacts else "CAST(NULL AS VARCHAR)"
        con.execute(f"""INSERT INTO lives_at SELECT resident_id, uprn, {frm}, {to}, source_system, record_id
                        FROM rec WHERE source_system = {lit(s)} AND uprn IS NOT NULL""")


def _contacts(con: duckdb.DuckDBPyConnection, mappings: dict[str, SourceMapping]) -> None:
    """One row per record per contact declaration; ``role`` is the record's role when the source has
    a ``person_role``/``role`` attribute (suspect/victim, child/mother), for the detectors."""
    con.execute("""CREATE TABLE contacts (resident_id VARCHAR, source_system VARCHAR, record_id VARCHAR,
                   agency VARCHAR, contact_type VARCHAR, contact_date VARCHAR, uprn VARCHAR, role VARCHAR)""")
    for s, m in mappings.items():
        role_col = next((c for c in ("person_role", "role") if c in m.attributes), None)
        role = _attr(role_col) if role_col else "CAST(NULL AS VARCHAR)"
        for c in m.facts.contacts:
            agency = f"lower({_attr(c.agency_column)})" if c.agency_column else _s(c.agency)
            ctype = _attr(c.type_column) if c.type_column else _s(c.type_value)
            con.execute(f"""INSERT INTO contacts SELECT resident_id, source_system, record_id,
                            coalesce({agency}, {_s(c.agency or m.agency)}), {ctype}, {_date(c.date)}, uprn, {role}
                            FROM rec WHERE source_system = {lit(s)}""")
    con.execute("DELETE FROM contacts WHERE contact_type IS NULL AND contact_date IS NULL")


# -- claims ------------------------------------------------------------------------------------------

def _claim_address(m: SourceMapping, from_col: str | None) -> tuple[str, str] | None:
    """The address a claim was made with, when the source keeps it apart from the current one.

    Convention until the mapping declares it: attributes ``address_at_<x>`` and ``postcode_at_<x>``
    for a claim whose from-date column is ``<x>_date`` (school census: admission address).
    """
    if not from_col or not from_col.endswith("_date"):
        return None
    stem = from_col[: -len("_date")]
    a, p = f"address_at_{stem}", f"postcode_at_{stem}"
    return (a, p) if a in m.attributes and p in m.attributes else None


def _claim_attribute_types(mappings: dict[str, SourceMapping]) -> dict[str, str]:
    """Declared claim attributes across all mappings -> SQL type; one name must mean one type."""
    seen: dict[str, tuple[str, str]] = {}
    for m in mappings.values():
        for i, c in enumerate(m.facts.claims):
            for col, typ in c.attributes:
                prev = seen.setdefault(col, (typ, m.file))
                if prev[0] != typ:
                    raise MappingError(m.name, f"facts.claims[{i}].attributes.{col}",
                                       f"declared {typ} here but {prev[0]} by the {prev[1]} mapping")
    return {col: CLAIM_ATTR_TYPES[typ] for col, (typ, _f) in seen.items()}


def _claims(con: duckdb.DuckDBPyConnection, mappings: dict[str, SourceMapping]) -> None:
    """One row per record per claim declaration that applies; declared claim attributes (school
    attendance and exclusions) become typed ``attr_<column>`` columns, null on other claims."""
    attr_types = _claim_attribute_types(mappings)
    extra_cols = "".join(f", {q('attr_' + col)} {typ}" for col, typ in attr_types.items())
    con.execute(f"""CREATE TABLE claims (resident_id VARCHAR, uprn VARCHAR, claim_type VARCHAR,
                   from_date VARCHAR, to_date VARCHAR, source_system VARCHAR, record_id VARCHAR,
                   attr_disregard_type VARCHAR, attr_disregarded_resident_id VARCHAR,
                   attr_address_source VARCHAR{extra_cols})""")
    # each resident's latest known dwelling, for claims placed there when their own address is unplaced
    if any(c.if_unplaced == "claimant_home" for m in mappings.values() for c in m.facts.claims):
        con.execute("""CREATE OR REPLACE TEMP TABLE claimant_home AS
                       SELECT resident_id, arg_max(uprn, coalesce(record_date, DATE '0001-01-01')) AS uprn
                       FROM rec WHERE uprn IS NOT NULL AND resident_id IS NOT NULL GROUP BY resident_id""")
    for s, m in mappings.items():
        f = m.facts
        # a named person whose role column also types a claim (council tax disregards): that claim is
        # the named person's; every claim on the record carries the disregard (for the SPD detector)
        role_named = {r.role: r for r in f.relationships if r.kind == "named_person" and r.role and r.type is None}
        dis = next(iter(role_named.values()), None)
        dis_type = _attr(dis.role) if dis else "CAST(NULL AS VARCHAR)"
        dis_rid = (f"(SELECT n.resident_id FROM named_resolved n WHERE n.rid = rec.rid AND n.decl = "
                   f"{f.relationships.index(dis)})") if dis else "CAST(NULL AS VARCHAR)"
        for c in f.claims:
            # a value naming two claims (HB+CTR) is two claims
            ctype = (f"[{_s(c.claim_type)}]" if c.claim_type else
                     f"list_transform(string_split(lower({_attr(c.claim_type_column)}), '+'), "
                     f"lambda v: trim(regexp_replace(trim(v), '[^a-z0-9]+', '_', 'g'), '_'))")
            cond = "TRUE"
            if c.when_column:
                vals = ", ".join(lit(v.upper()) for v in c.when_values)
                cond = f"upper({_attr(c.when_column)}) IN ({vals})"
            if c.claim_type_column and not c.claim_type:
                cond += f" AND {_attr(c.claim_type_column)} IS NOT NULL"
            who = "rec.resident_id"
            if c.claim_type_column and c.claim_type_column in role_named:
                r = role_named[c.claim_type_column]
                who = (f"(SELECT n.resident_id FROM named_resolved n WHERE n.rid = rec.rid "
                       f"AND n.decl = {f.relationships.index(r)})")
            uprn, asrc = "rec.uprn", "'record'"
            addr = _claim_address(m, c.from_date.column if c.from_date else None)
            if addr:
                uprn, asrc = "coalesce(ca.uprn, CASE WHEN ca.key IS NULL THEN rec.uprn END)", lit(addr[0])
            join = ""
            if c.if_unplaced == "claimant_home" and who == "rec.resident_id":
                join = "LEFT JOIN claimant_home ch ON ch.resident_id = rec.resident_id "
                asrc = f"CASE WHEN {uprn} IS NULL AND ch.uprn IS NOT NULL THEN 'claimant_home' ELSE {asrc} END"
                uprn = f"coalesce({uprn}, ch.uprn)"
            if addr:
                con.execute(f"""CREATE OR REPLACE TEMP TABLE ca_in AS SELECT rid AS key, {_attr(addr[0])} AS address_text,
                                {_attr(addr[1])} AS postcode, CAST(NULL AS VARCHAR) AS given_uprn
                                FROM rec WHERE source_system = {lit(s)} AND {_attr(addr[0])} IS NOT NULL""")
                address_match.match(con, "ca_in", "ca")
                join += "LEFT JOIN ca ON ca.key = rec.rid"
            declared = dict(c.attributes)
            # a number written "92.5%" or " 3 " still parses; anything else is null, not an error
            attrs = "".join(
                f", TRY_CAST(regexp_replace({_attr(col)}, '[%,\\s]', '', 'g') AS {typ})" if col in declared
                and typ != "VARCHAR" else (f", {_attr(col)}" if col in declared else f", CAST(NULL AS {typ})")
                for col, typ in attr_types.items())
            con.execute(f"""
                INSERT INTO claims
                SELECT * FROM (
                    SELECT {who} AS resident_id, {uprn}, unnest({ctype}), {_date(c.from_date)}, {_date(c.to_date)},
                           source_system, record_id, {dis_type}, {dis_rid}, {asrc}{attrs}
                    FROM rec {join} WHERE source_system = {lit(s)} AND {cond})
                WHERE resident_id IS NOT NULL""")


# -- relationships -----------------------------------------------------------------------------------

def _relationships(con: duckdb.DuckDBPyConnection, mappings: dict[str, SourceMapping]) -> None:
    """Family links from group roles, identifiers and named persons, after the age checks."""
    con.execute("""CREATE TABLE rel_raw (from_resident_id VARCHAR, to_resident_id VARCHAR, type VARCHAR,
                   source_system VARCHAR, record_id VARCHAR, evidence VARCHAR)""")
    con.execute("""CREATE TABLE named_resolved (rid VARCHAR, decl INTEGER, resident_id VARCHAR, method VARCHAR)""")
    _name_keys(con)
    for s, m in mappings.items():
        for i, r in enumerate(m.facts.relationships):
            if r.kind in ("household_role", "group_role"):
                _group_links(con, s, r)
            elif r.kind == "identifier":
                _identifier_links(con, s, r)
            else:
                _named_links(con, s, i, r)
    _age_check(con, "rel_raw", "relationships")
    # inference works on links that passed the checks, and its own links are checked again
    con.execute("CREATE OR REPLACE TABLE rel_raw AS SELECT * FROM relationships")
    _inferred_links(con)
    con.execute("DROP TABLE relationships")
    _age_check(con, "rel_raw", "relationships")
    # a pair both PARENT_OF and PARTNER_OF/SIBLING_OF (or parent both ways) is contradictory: drop all
    con.execute("""
        CREATE OR REPLACE TABLE relationships AS
        WITH pairs AS (SELECT least(from_resident_id, to_resident_id) AS a, greatest(from_resident_id, to_resident_id) AS b,
                              count(DISTINCT type || CASE WHEN type = 'PARENT_OF' THEN from_resident_id ELSE '' END) AS k
                       FROM relationships GROUP BY ALL)
        SELECT r.* FROM relationships r JOIN pairs p
          ON p.a = least(r.from_resident_id, r.to_resident_id) AND p.b = greatest(r.from_resident_id, r.to_resident_id)
        WHERE p.k = 1""")


def _age_check(con: duckdb.DuckDBPyConnection, src: str, dst: str) -> None:
    """Normalise symmetric pairs, drop self-links and links that fail the age check, deduplicate."""
    con.execute(f"""
        CREATE TABLE {dst} AS
        WITH n AS (
            SELECT CASE WHEN type IN ('PARTNER_OF', 'SIBLING_OF') THEN least(from_resident_id, to_resident_id)
                        ELSE from_resident_id END AS from_resident_id,
                   CASE WHEN type IN ('PARTNER_OF', 'SIBLING_OF') THEN greatest(from_resident_id, to_resident_id)
                        ELSE to_resident_id END AS to_resident_id,
                   type, source_system, record_id, evidence
            FROM {src} WHERE from_resident_id <> to_resident_id
        )
        SELECT n.from_resident_id, n.to_resident_id, n.type, n.source_system, n.record_id,
               min(n.evidence) AS evidence
        FROM n LEFT JOIN res_dob a ON a.resident_id = n.from_resident_id
               LEFT JOIN res_dob b ON b.resident_id = n.to_resident_id
        WHERE CASE WHEN a.dob IS NULL OR b.dob IS NULL THEN n.evidence NOT LIKE 'inferred:%'
                   WHEN n.type = 'PARENT_OF' THEN date_diff('day', a.dob, b.dob) >= {MIN_PARENT_GAP_DAYS}
                   WHEN n.type = 'PARTNER_OF' THEN abs(date_diff('day', a.dob, b.dob)) <= {MAX_PARTNER_GAP_DAYS}
                   ELSE abs(date_diff('day', a.dob, b.dob)) <= {MAX_SIBLING_GAP_DAYS} END
        GROUP BY ALL""")


def _inferred_links(con: duckdb.DuckDBPyConnection) -> None:
    """Links that follow from two evidenced ones (``evidence`` starts ``inferred:``; the source record
    is the one evidencing the child's link):

    - the partner of a child's parent who has lived at the same dwelling as the child is also
      PARENT_OF the child (the household's second parent, step-parents included);
    - two parents of one child, both with records at the child's dwelling and with different dates of
      birth, are PARTNER_OF each other;
    - two children of one parent are SIBLING_OF each other.
    """
    con.execute("""
        INSERT INTO rel_raw
        WITH par AS (SELECT DISTINCT from_resident_id AS p, to_resident_id AS c, source_system, record_id
                     FROM rel_raw WHERE type = 'PARENT_OF' AND from_resident_id <> to_resident_id),
        prt AS (SELECT from_resident_id AS a, to_resident_id AS b FROM rel_raw WHERE type = 'PARTNER_OF'
                UNION SELECT to_resident_id, from_resident_id FROM rel_raw WHERE type = 'PARTNER_OF'),
        co AS (SELECT DISTINCT a.resident_id AS x, b.resident_id AS y FROM lives_at a
               JOIN lives_at b ON a.uprn = b.uprn AND a.resident_id <> b.resident_id)
        SELECT DISTINCT prt.b, par.c, 'PARENT_OF', par.source_system, par.record_id, 'inferred:partner_of_parent'
        FROM par JOIN prt ON prt.a = par.p JOIN co ON co.x = prt.b AND co.y = par.c
        WHERE prt.b <> par.c AND NOT EXISTS (SELECT 1 FROM par p2 WHERE p2.p = prt.b AND p2.c = par.c)""")
    con.execute("""
        INSERT INTO rel_raw
        WITH par AS (SELECT from_resident_id AS p, to_resident_id AS c, min(source_system) AS s,
                            min(record_id) AS rec FROM rel_raw
                     WHERE type = 'PARENT_OF' AND from_resident_id <> to_resident_id GROUP BY ALL),
        cur AS (SELECT DISTINCT resident_id, uprn FROM lives_at WHERE to_date IS NULL OR to_date >= from_date)
        SELECT DISTINCT a.p, b.p, 'PARTNER_OF', b.s, b.rec, 'inferred:parents_of_child_at_one_dwelling'
        FROM par a JOIN par b ON a.c = b.c AND a.p < b.p
        JOIN res_dob da ON da.resident_id = a.p JOIN res_dob db ON db.resident_id = b.p
        WHERE da.dob <> db.dob  -- one person split in two by linkage is not a couple
          AND EXISTS (SELECT 1 FROM cur x JOIN cur y ON x.uprn = y.uprn
                      WHERE x.resident_id = a.p AND y.resident_id = b.p)
          AND EXISTS (SELECT 1 FROM cur x JOIN cur y ON x.uprn = y.uprn
                      WHERE x.resident_id = a.p AND y.resident_id = a.c)""")
    con.execute("""
        INSERT INTO rel_raw
        WITH par AS (SELECT from_resident_id AS p, to_resident_id AS c, min(source_system) AS s,
                            min(record_id) AS rec FROM rel_raw
                     WHERE type = 'PARENT_OF' AND from_resident_id <> to_resident_id GROUP BY ALL)
        SELECT DISTINCT a.c, b.c, 'SIBLING_OF', b.s, b.rec, 'inferred:shared_parent'
        FROM par a JOIN par b ON a.p = b.p AND a.c < b.c
        WHERE a.c <> b.p AND b.c <> a.p""")


def _name_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Per record: name keys (with nickname canon forms) for resolving people named in other rows."""
    con.execute("""
        CREATE TABLE rec_names AS
        WITH k AS (SELECT rid, resident_id, uprn, dob, ni_number, nhs_number,
                          rx_name_key(first_name) AS fk, rx_name_key(last_name) AS lk FROM rec)
        SELECT k.*, list_distinct(list_concat([k.fk], coalesce(n.canons, []))) AS fnicks
        FROM k LEFT JOIN (SELECT name, list(canon) AS canons FROM nick GROUP BY name) n ON n.name = k.fk""")


def _in(words: tuple[str, ...]) -> str:
    return "(" + ", ".join(lit(w) for w in words) + ")"


def _group_links(con: duckdb.DuckDBPyConnection, s: str, r: RelationshipDecl) -> None:
    """Records sharing ``group`` related through their ``role`` values.

    ``household_role`` roles are relative to the one tenant (``Son`` = the tenant's son). When the
    household has grandchildren the tenant is the grandparent: the one adult son/daughter is their
    parent, and a partner in the household is that person's partner rather than the tenant's.
    ``group_role`` (a case) roles are relative to the case child: parents of every child and sibling.
    """
    assert r.group is not None and r.role is not None
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE gm AS
        SELECT {_attr(r.group)} AS grp, upper({_attr(r.role)}) AS role, x.resident_id, x.record_id, d.dob
        FROM rec x LEFT JOIN res_dob d USING (resident_id)
        WHERE x.source_system = {lit(s)} AND {_attr(r.group)} IS NOT NULL""")
    ev = lit(f"{r.kind}:{r.group}")
    if r.kind == "group_role":
        con.execute(f"""
            INSERT INTO rel_raw
            SELECT p.resident_id, k.resident_id, 'PARENT_OF', {lit(s)}, k.record_id, {ev}
            FROM gm p JOIN gm k ON p.grp = k.grp
            WHERE p.role IN {_in(CASE_PARENT_ROLES)} AND k.role IN {_in(CASE_CHILD_ROLES)}
            UNION ALL
            SELECT a.resident_id, b.resident_id, 'SIBLING_OF', {lit(s)}, b.record_id, {ev}
            FROM gm a JOIN gm b ON a.grp = b.grp AND a.record_id < b.record_id
            WHERE a.role IN {_in(CASE_CHILD_ROLES)} AND b.role IN {_in(CASE_CHILD_ROLES)}""")
        return
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE gh AS
        WITH g AS (SELECT grp, count(*) FILTER (WHERE role IN {_in(HEAD_ROLES)}) AS nh,
                          min(record_id) FILTER (WHERE role IN {_in(HEAD_ROLES)}) AS head_t,
                          min(record_id) FILTER (WHERE role = 'JOINT TENANT') AS head_j,
                          bool_or(role = 'GRANDCHILD') AS has_gk
                   FROM gm GROUP BY grp),
        h AS (SELECT g.grp, g.has_gk, m.resident_id AS hid, m.record_id AS hrec FROM g
              JOIN gm m ON m.grp = g.grp AND m.record_id = CASE WHEN g.nh = 1 THEN g.head_t
                                                                 WHEN g.nh = 0 THEN g.head_j END)
        SELECT m.*, h.has_gk, h.hid, m.record_id = h.hrec AS is_head FROM gm m JOIN h USING (grp)""")
    con.execute(f"""
        INSERT INTO rel_raw
        WITH ak AS (SELECT k.grp, k.resident_id, k.record_id FROM gh k
                    WHERE k.has_gk AND NOT k.is_head AND k.role IN ('SON', 'DAUGHTER')
                      AND NOT EXISTS (SELECT 1 FROM gh g WHERE g.grp = k.grp AND g.role = 'GRANDCHILD'
                                      AND date_diff('day', k.dob, g.dob) < {14 * 365})),
        ak1 AS (SELECT grp, min(resident_id) AS rid FROM ak GROUP BY grp HAVING count(*) = 1),
        cls AS (SELECT gh.*, CASE WHEN role IN ('SON', 'DAUGHTER') AND NOT is_head
                                       AND record_id NOT IN (SELECT record_id FROM ak) THEN 'kid'
                                  WHEN role = 'GRANDCHILD' THEN 'grandchild'
                                  WHEN role IN ('BROTHER', 'SISTER') THEN 'sib' END AS sib_class FROM gh),
        x AS (
            SELECT p.resident_id AS f, CASE WHEN p.has_gk THEN ak1.rid ELSE p.hid END AS t, 'PARTNER_OF' AS typ,
                   p.record_id AS rec
            FROM gh p LEFT JOIN ak1 USING (grp) WHERE NOT p.is_head AND p.role IN ('PARTNER', 'JOINT TENANT')
            UNION ALL SELECT hid, resident_id, 'PARENT_OF', record_id FROM gh
            WHERE NOT is_head AND role IN ('SON', 'DAUGHTER')
            UNION ALL SELECT ak1.rid, g.resident_id, 'PARENT_OF', g.record_id FROM gh g JOIN ak1 USING (grp)
            WHERE g.role = 'GRANDCHILD'
            UNION ALL SELECT resident_id, hid, 'PARENT_OF', record_id FROM gh WHERE role = 'PARENT'
            UNION ALL SELECT resident_id, hid, 'SIBLING_OF', record_id FROM gh WHERE role IN ('BROTHER', 'SISTER')
            UNION ALL SELECT a.resident_id, b.resident_id, 'SIBLING_OF', b.record_id FROM cls a
            JOIN cls b ON a.grp = b.grp AND a.record_id < b.record_id AND a.sib_class = b.sib_class
        )
        SELECT f, t, typ, {lit(s)}, rec, {ev} FROM x WHERE f IS NOT NULL AND t IS NOT NULL""")


def _identifier_links(con: duckdb.DuckDBPyConnection, s: str, r: RelationshipDecl) -> None:
    """``column`` holds another person's NHS/NI number: link when exactly one resident holds it."""
    std = {"nhs_number": "rx_nhs", "ni_number": "rx_ni"}.get(r.identifier or "")
    if std is None:
        return
    other_from = r.direction != "record_to_other"
    frm, to = ("o.resident_id", "x.resident_id") if other_from else ("x.resident_id", "o.resident_id")
    con.execute(f"""
        INSERT INTO rel_raw
        WITH x AS (SELECT rid, resident_id, record_id, {std}({_attr(r.column)}) AS ident FROM rec
                   WHERE source_system = {lit(s)}),
        holders AS (SELECT {r.identifier} AS ident, min(resident_id) AS resident_id FROM rec
                    WHERE {r.identifier} IS NOT NULL GROUP BY 1 HAVING count(DISTINCT resident_id) = 1),
        o AS (SELECT * FROM holders)
        SELECT {frm}, {to}, {lit(r.type or '')}, {lit(s)}, x.record_id, 'identifier:{r.column}'
        FROM x JOIN o ON o.ident = x.ident WHERE x.ident IS NOT NULL""")


def _named_links(con: duckdb.DuckDBPyConnection, s: str, i: int, r: RelationshipDecl) -> None:
    """A person named in the row: resolve to one resident, then type the link by ``type`` or role."""
    assert r.name is not None
    ident_std = {"nhs_number": "rx_nhs", "ni_number": "rx_ni"}.get(r.identifier or "")
    ident = f"{ident_std}({_attr(r.identifier_column)})" if ident_std and r.identifier_column else "NULL"
    dob = parse_date_sql(_attr(r.dob.column), r.dob) if r.dob else "CAST(NULL AS DATE)"
    role = f"upper({_attr(r.role)})" if r.role else "CAST(NULL AS VARCHAR)"
    ident_col = r.identifier if ident_std else "ni_number"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE mention AS
        WITH m AS (SELECT rid, resident_id AS self_id, record_id, uprn, {ident} AS ident, {dob} AS dob, {role} AS role,
                          rx_name_core({_attr(r.name)}) AS core FROM rec
                   WHERE source_system = {lit(s)} AND {_attr(r.name)} IS NOT NULL),
        p AS (SELECT *, rx_name_clean(rx_split_last(core)) AS last_c, rx_name_clean(rx_split_rest(core)) AS rest_c FROM m),
        k AS (SELECT *, rx_name_key(last_c) AS lk, rx_name_key(split_part(rest_c, ' ', 1)) AS fk FROM p)
        SELECT k.*, list_distinct(list_concat([k.fk], coalesce(n.canons, []))) AS fnicks
        FROM k LEFT JOIN (SELECT name, list(canon) AS canons FROM nick GROUP BY name) n ON n.name = k.fk
        WHERE k.lk IS NOT NULL""")
    # candidates at three levels; the first level with exactly one resident (not the record's own) wins
    con.execute(f"""
        INSERT INTO named_resolved
        WITH c AS (
            SELECT m.rid, 1 AS lvl, n.resident_id FROM mention m JOIN rec_names n ON n.{ident_col} = m.ident
            WHERE m.ident IS NOT NULL AND (n.lk = m.lk OR list_has_any(n.fnicks, m.fnicks))
            UNION ALL
            SELECT m.rid, 2, n.resident_id FROM mention m JOIN rec_names n ON n.dob = m.dob AND n.lk = m.lk
            WHERE m.dob IS NOT NULL AND length(m.fk) > 1 AND list_has_any(n.fnicks, m.fnicks)
            UNION ALL
            SELECT m.rid, 3, n.resident_id FROM mention m JOIN rec_names n ON n.uprn = m.uprn
            WHERE m.uprn IS NOT NULL AND m.fk IS NOT NULL
              AND (n.lk = m.lk OR (jaro_winkler_similarity(n.lk, m.lk) >= 0.9 AND n.fk = m.fk AND length(m.fk) > 1))
              AND (list_has_any(n.fnicks, m.fnicks) OR (length(m.fk) = 1 AND left(n.fk, 1) = m.fk))
        ), per AS (
            SELECT c.rid, c.lvl, count(DISTINCT c.resident_id) AS k, min(c.resident_id) AS resident_id
            FROM c JOIN mention m USING (rid) WHERE c.resident_id <> m.self_id GROUP BY ALL
        )
        SELECT rid, {i}, arg_min(resident_id, lvl), 'level' || min(lvl) FROM per
        WHERE k = 1 AND lvl = (SELECT min(lvl) FROM per p2 WHERE p2.rid = per.rid) GROUP BY rid""")
    # link type: the role word when given (what the named person is to this record), else the fixed type
    typed: list[tuple[str, str, bool]] = []  # (role value or '', type, other_is_from)
    if r.role:
        for word, (typ, other_from) in ROLE_WORDS.items():
            typed.append((word, typ, other_from))
    elif r.type in ("PARENT_OF", "PARTNER_OF", "SIBLING_OF"):
        typed.append(("", r.type, r.direction != "record_to_other"))
    if not typed:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE role_map (role VARCHAR, type VARCHAR, other_from BOOLEAN)")
    con.executemany("INSERT INTO role_map VALUES (?, ?, ?)", typed)
    on = "rm.role = m.role" if r.role else "TRUE"
    con.execute(f"""
        INSERT INTO rel_raw
        SELECT CASE WHEN rm.other_from THEN n.resident_id ELSE m.self_id END,
               CASE WHEN rm.other_from THEN m.self_id ELSE n.resident_id END,
               rm.type, {lit(s)}, m.record_id, 'named:' || {lit(r.name)} || ':' || n.method
        FROM mention m JOIN named_resolved n ON n.rid = m.rid AND n.decl = {i}
        JOIN role_map rm ON {on}""")


# -- write -------------------------------------------------------------------------------------------

def _write(con: duckdb.DuckDBPyConnection, out: Path) -> dict[str, int]:
    con.execute("""
        CREATE TABLE addresses AS
        SELECT uprn, address_text, postcode, ward, council_owned, CAST(bedrooms AS INTEGER) AS bedrooms,
               property_type FROM llpg""")
    # a source's own dwelling code is kept beside the UPRN; one code resolving to several UPRNs is flagged
    con.execute("""CREATE TABLE address_matches AS
                   WITH pr AS (SELECT source_system, property_ref, count(DISTINCT uprn) AS n FROM rec
                               WHERE property_ref IS NOT NULL GROUP BY ALL)
                   SELECT r.source_system, r.record_id, r.resident_id, r.uprn, r.uprn_method AS method,
                          r.uprn_reason AS reason, r.uprn_status AS given_uprn_status, r.property_ref,
                          coalesce(pr.n > 1, FALSE) AS property_ref_conflict
                   FROM rec r LEFT JOIN pr USING (source_system, property_ref)""")
    order = {
        "addresses": "uprn",
        "lives_at": "resident_id, source_system, record_id",
        "relationships": "from_resident_id, to_resident_id, type, source_system, record_id",
        "contacts": "resident_id, contact_date, source_system, record_id",
        "claims": "resident_id, source_system, record_id, claim_type",
        "address_matches": "source_system, record_id",
    }
    counts: dict[str, int] = {}
    for name in OUTPUTS:
        final, part = out / f"{name}.parquet", out / f".{name}.parquet.part"
        con.execute(f"COPY (SELECT * FROM {q(name)} ORDER BY {order[name]}) TO {lit(str(part))} "
                    f"(FORMAT parquet, COMPRESSION zstd)")
        part.replace(final)  # atomic: a failed run leaves the previous table in place
        counts[name] = int(con.execute(f"SELECT count(*) FROM {q(name)}").fetchall()[0][0])
    counts["_records"] = int(con.execute("SELECT count(*) FROM rec").fetchall()[0][0])
    counts["uprn_resolved"] = int(con.execute("SELECT count(uprn) FROM rec").fetchall()[0][0])
    counts["property_ref_conflicts"] = int(con.execute(
        "SELECT count(DISTINCT property_ref) FROM address_matches WHERE property_ref_conflict").fetchall()[0][0])
    return counts
