"""Declared source mappings: one YAML file per source system, validated when loaded.

A council adds a new system by writing one YAML file in the sources folder (or in
``loaders/mappings/``); nothing else. The format is documented in ``docs/linkage.md``.
Validation happens in two steps: :func:`load_mapping` checks the YAML on its own (keys,
canonical field names, date formats, fact declarations) and :meth:`SourceMapping.check_columns`
checks that every declared column exists in the extract's header. Both raise
:class:`loaders.errors.MappingError` naming the file and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from loaders.errors import MappingError

MAPPINGS_DIR = Path(__file__).parent / "mappings"

# Canonical person/record fields a mapping may fill. Date fields need a format.
NAME_FIELDS = ("title", "first_name", "middle_names", "last_name", "full_name", "suffix")
ADDRESS_FIELDS = ("address_line_1", "address_line_2", "address_line_3", "address_line_4",
                  "address", "town", "postcode", "property_ref", "uprn")
IDENTIFIER_FIELDS = ("nhs_number", "ni_number", "pupil_number")
# person_ref: the source system's own person id (same person within that source only);
# other_id: a shared identifier with no check digit (compared fuzzily, never a veto)
LOCAL_ID_FIELDS = ("person_ref", "other_id")
CONTACT_FIELDS = ("phone", "email")
DATE_FIELDS = ("dob", "record_date")
CANONICAL_FIELDS = (*NAME_FIELDS, "dob", "sex", *ADDRESS_FIELDS, *IDENTIFIER_FIELDS,
                    *CONTACT_FIELDS, *LOCAL_ID_FIELDS, "record_date")

TOP_KEYS = {"source_system", "description", "file", "format", "delimiter", "quote", "encoding",
            "record_key", "fields", "sex_values", "attributes", "sensitive", "agency", "facts",
            "trust"}
FACT_KEYS = {"as_of", "address", "relationships", "contacts", "claims", "death"}
# types a claim attribute may be declared with (the value is cast; an unparseable value is null)
CLAIM_ATTR_TYPES = {"string": "VARCHAR", "int": "BIGINT", "float": "DOUBLE"}
# claim columns the facts stage always writes: a declared attribute must not shadow them
RESERVED_CLAIM_ATTRS = {"disregard_type", "disregarded_resident_id", "address_source"}
REL_TYPES = {"PARENT_OF", "PARTNER_OF", "SIBLING_OF"}
REL_KINDS = {"household_role", "group_role", "identifier", "named_person"}
REL_DIRECTIONS = {"other_to_record", "record_to_other", "either"}
ALLOWED_STRFTIME = set("dmyYbBHMSjaA%")
SEX_CODES = {"M", "F", "U"}
DEFAULT_SEX_VALUES = {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F", "U": "U", "UNKNOWN": "U",
                      "X": "U", "I": "U", "1": "M", "2": "F", "9": "U", "0": "U"}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class DateField:
    """A column holding a date and the strptime format(s) it is written in."""

    column: str
    formats: tuple[str, ...]


IF_UNPLACED = ("drop", "claimant_home")


@dataclass(frozen=True)
class ClaimDecl:
    claim_type: str
    from_date: DateField | None
    to_date: DateField | None
    when_column: str | None = None
    when_values: tuple[str, ...] = ()
    claim_type_column: str | None = None
    # source column -> type (CLAIM_ATTR_TYPES): copied onto the claim as ``attr_<column>``
    attributes: tuple[tuple[str, str], ...] = ()
    # a claim whose own address does not resolve to a dwelling: ``drop`` it (a discount or tenancy is
    # about that dwelling), or place it at the claimant's latest known dwelling (``claimant_home``: a
    # benefit or a social-care case is about the person), marked attr_address_source = 'claimant_home'
    if_unplaced: str = "drop"


@dataclass(frozen=True)
class DeathDecl:
    """Evidence that the record's person has died: a date of death column and/or a reason column
    whose value says so (``deregistration_reason: Death``). Either one is enough."""

    date: DateField | None = None
    when_column: str | None = None
    when_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContactDecl:
    agency: str | None
    type_column: str | None
    type_value: str | None
    date: DateField
    agency_column: str | None = None


@dataclass(frozen=True)
class RelationshipDecl:
    """Evidence of a family link for the facts stage.

    kind ``household_role``/``group_role``: records sharing ``group`` (e.g. tenancy ref, case id)
    are related through their ``role`` column values. kind ``identifier``: ``column`` holds another
    person's identifier (``identifier`` e.g. nhs_number) and the link has ``type``. kind
    ``named_person``: another person is named in the row (``name``, optional ``dob`` and
    ``identifier_column``), related by a fixed ``type`` or a ``role`` column. ``direction`` says who is
    the parent/from side: ``other_to_record`` (the named person is PARENT_OF this record's person).
    """

    kind: str
    group: str | None = None
    role: str | None = None
    column: str | None = None
    identifier: str | None = None
    type: str | None = None
    name: str | None = None
    dob: DateField | None = None
    identifier_column: str | None = None
    direction: str = "other_to_record"


@dataclass(frozen=True)
class FactsDecl:
    as_of: str | None = None  # canonical date field name (normally record_date)
    address_from: DateField | None = None
    address_to: DateField | None = None
    relationships: tuple[RelationshipDecl, ...] = ()
    contacts: tuple[ContactDecl, ...] = ()
    claims: tuple[ClaimDecl, ...] = ()
    death: DeathDecl | None = None


@dataclass(frozen=True)
class SourceMapping:
    """A validated mapping of one source system's extract to the canonical fields."""

    path: Path
    source_system: str
    file: str
    format: str
    record_key: tuple[str, ...]
    columns: dict[str, str]  # canonical field -> source column (non-date)
    dates: dict[str, DateField]  # canonical date field -> column + formats
    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"
    sex_values: dict[str, str] = field(default_factory=dict)
    attributes: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    agency: str | None = None
    trust: dict[str, int] = field(default_factory=dict)
    facts: FactsDecl = field(default_factory=FactsDecl)

    @property
    def name(self) -> str:
        return self.path.name

    def used_columns(self) -> list[str]:
        """Every source column the loader extracts (never the sensitive ones)."""
        cols: list[str] = list(self.record_key)
        cols += list(self.columns.values())
        cols += [d.column for d in self.dates.values()]
        cols += list(self.attributes)
        cols += self.fact_columns()
        out: list[str] = []
        for c in cols:
            if c not in out:
                out.append(c)
        return out

    def fact_columns(self) -> list[str]:
        f = self.facts
        cols: list[str] = []
        for d in (f.address_from, f.address_to):
            if d:
                cols.append(d.column)
        for r in f.relationships:
            cols += [c for c in (r.group, r.role, r.column, r.name, r.identifier_column) if c]
            if r.dob:
                cols.append(r.dob.column)
        for c in f.contacts:
            cols += [x for x in (c.type_column, c.date.column, c.agency_column) if x]
        for c in f.claims:
            cols += [x for x in (c.when_column, c.claim_type_column) if x]
            cols += [d.column for d in (c.from_date, c.to_date) if d]
            cols += [a for a, _t in c.attributes]
        if f.death:
            cols += [x for x in (f.death.date.column if f.death.date else None, f.death.when_column) if x]
        return cols

    def check_columns(self, header: list[str]) -> None:
        """Stop with the mapping key that names a column the extract does not have."""
        have = set(header)
        for k in self.record_key:
            if k not in have:
                raise MappingError(self.name, "record_key", f"column {k!r} not in {self.file}")
        for canon, col in self.columns.items():
            if col not in have:
                raise MappingError(self.name, f"fields.{canon}", f"column {col!r} not in {self.file}")
        for canon, d in self.dates.items():
            if d.column not in have:
                raise MappingError(self.name, f"fields.{canon}", f"column {d.column!r} not in {self.file}")
        for a in self.attributes:
            if a not in have:
                raise MappingError(self.name, "attributes", f"column {a!r} not in {self.file}")
        for c in self.fact_columns():
            if c not in have:
                raise MappingError(self.name, "facts", f"column {c!r} not in {self.file}")
        # sensitive columns need not be present (a later extract may drop them), so no check here


def _fail(path: Path, key: str, reason: str) -> MappingError:
    return MappingError(path.name, key, reason)


def _check_format(path: Path, key: str, fmt: Any) -> str:
    if not isinstance(fmt, str) or not fmt:
        raise _fail(path, key, "date format must be a non-empty strptime string like '%d/%m/%Y'")
    directives = re.findall(r"%(.)", fmt)
    if not directives:
        raise _fail(path, key, f"date format {fmt!r} has no strptime directives")
    bad = [d for d in directives if d not in ALLOWED_STRFTIME]
    if bad:
        raise _fail(path, key, f"date format {fmt!r} uses unsupported directive %{bad[0]}")
    if not ({"d", "j"} & set(directives) and {"y", "Y"} & set(directives)):
        raise _fail(path, key, f"date format {fmt!r} needs a day and a year")
    return fmt


def _column(path: Path, key: str, v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _fail(path, key, "must be a column name (non-empty string)")
    return v


def _date_field(path: Path, key: str, v: Any) -> DateField:
    if not isinstance(v, dict):
        raise _fail(path, key, "a date field needs {column: ..., format: ...}")
    unknown = set(v) - {"column", "format", "formats"}
    if unknown:
        raise _fail(path, f"{key}.{sorted(unknown)[0]}", "unknown key (use column, format)")
    col = _column(path, f"{key}.column", v.get("column"))
    fmts = v.get("formats") or ([v["format"]] if "format" in v else None)
    if not fmts:
        raise _fail(path, f"{key}.format", "missing date format")
    if isinstance(fmts, str):
        fmts = [fmts]
    return DateField(col, tuple(_check_format(path, f"{key}.format", f) for f in fmts))


def _str_list(path: Path, key: str, v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
        raise _fail(path, key, "must be a list of column names")
    return tuple(v)


def _facts(path: Path, raw: Any, dates: dict[str, DateField]) -> FactsDecl:
    if raw is None:
        return FactsDecl()
    if not isinstance(raw, dict):
        raise _fail(path, "facts", "must be a mapping")
    unknown = set(raw) - FACT_KEYS
    if unknown:
        raise _fail(path, f"facts.{sorted(unknown)[0]}", f"unknown key (allowed: {', '.join(sorted(FACT_KEYS))})")
    as_of = raw.get("as_of")
    if as_of is not None and as_of not in dates:
        raise _fail(path, "facts.as_of", f"{as_of!r} is not a date field declared under fields")
    addr = raw.get("address") or {}
    if not isinstance(addr, dict) or set(addr) - {"from_date", "to_date"}:
        raise _fail(path, "facts.address", "allowed keys: from_date, to_date (date fields)")
    a_from = _date_field(path, "facts.address.from_date", addr["from_date"]) if "from_date" in addr else None
    a_to = _date_field(path, "facts.address.to_date", addr["to_date"]) if "to_date" in addr else None

    rels: list[RelationshipDecl] = []
    for i, r in enumerate(raw.get("relationships") or []):
        k = f"facts.relationships[{i}]"
        if not isinstance(r, dict):
            raise _fail(path, k, "must be a mapping")
        unknown = set(r) - {"kind", "group", "role", "column", "identifier", "type", "name", "dob",
                            "identifier_column", "direction"}
        if unknown:
            raise _fail(path, f"{k}.{sorted(unknown)[0]}", "unknown key")
        kind = r.get("kind")
        if kind not in REL_KINDS:
            raise _fail(path, f"{k}.kind", f"must be one of {', '.join(sorted(REL_KINDS))}")
        direction = r.get("direction", "other_to_record")
        if direction not in REL_DIRECTIONS:
            raise _fail(path, f"{k}.direction", f"must be one of {', '.join(sorted(REL_DIRECTIONS))}")
        if kind == "named_person":
            if r.get("type") is None and r.get("role") is None:
                raise _fail(path, f"{k}.type", "give type (PARENT_OF, PARTNER_OF, SIBLING_OF, CARER) or role column")
            if r.get("type") is not None and r["type"] not in REL_TYPES | {"CARER"}:
                raise _fail(path, f"{k}.type", f"must be one of {', '.join(sorted(REL_TYPES | {'CARER'}))}")
            ident = r.get("identifier")
            if ident is not None and ident not in IDENTIFIER_FIELDS:
                raise _fail(path, f"{k}.identifier", f"must be one of {', '.join(IDENTIFIER_FIELDS)}")
            rels.append(RelationshipDecl(
                kind, role=_column(path, f"{k}.role", r["role"]) if r.get("role") else None,
                type=r.get("type"), name=_column(path, f"{k}.name", r.get("name")),
                dob=_date_field(path, f"{k}.dob", r["dob"]) if "dob" in r else None,
                identifier=ident,
                identifier_column=_column(path, f"{k}.identifier_column", r["identifier_column"])
                if r.get("identifier_column") else None, direction=direction))
        elif kind in ("household_role", "group_role"):
            rels.append(RelationshipDecl(kind, group=_column(path, f"{k}.group", r.get("group")),
                                         role=_column(path, f"{k}.role", r.get("role"))))
        else:
            ident = r.get("identifier")
            if ident not in IDENTIFIER_FIELDS:
                raise _fail(path, f"{k}.identifier", f"must be one of {', '.join(IDENTIFIER_FIELDS)}")
            if r.get("type") not in REL_TYPES:
                raise _fail(path, f"{k}.type", f"must be one of {', '.join(sorted(REL_TYPES))}")
            rels.append(RelationshipDecl(kind, column=_column(path, f"{k}.column", r.get("column")),
                                         identifier=ident, type=r["type"], direction=direction))

    contacts: list[ContactDecl] = []
    for i, c in enumerate(raw.get("contacts") or []):
        k = f"facts.contacts[{i}]"
        if not isinstance(c, dict):
            raise _fail(path, k, "must be a mapping")
        unknown = set(c) - {"agency", "agency_column", "type_column", "type", "date"}
        if unknown:
            raise _fail(path, f"{k}.{sorted(unknown)[0]}", "unknown key")
        if not isinstance(c.get("agency"), str) and not c.get("agency_column"):
            raise _fail(path, f"{k}.agency", "required (e.g. police, health), or agency_column")
        if not c.get("type_column") and not c.get("type"):
            raise _fail(path, f"{k}.type", "give type_column (a column) or type (a fixed value)")
        if "date" not in c:
            raise _fail(path, f"{k}.date", "required date field {column, format}")
        contacts.append(ContactDecl(
            c.get("agency"),
            _column(path, f"{k}.type_column", c["type_column"]) if c.get("type_column") else None,
            str(c["type"]) if c.get("type") else None,
            _date_field(path, f"{k}.date", c["date"]),
            _column(path, f"{k}.agency_column", c["agency_column"]) if c.get("agency_column") else None))

    claims: list[ClaimDecl] = []
    for i, c in enumerate(raw.get("claims") or []):
        k = f"facts.claims[{i}]"
        if not isinstance(c, dict):
            raise _fail(path, k, "must be a mapping")
        unknown = set(c) - {"claim_type", "claim_type_column", "from_date", "to_date", "when", "attributes",
                            "if_unplaced"}
        if unknown:
            raise _fail(path, f"{k}.{sorted(unknown)[0]}", "unknown key")
        if not c.get("claim_type") and not c.get("claim_type_column"):
            raise _fail(path, f"{k}.claim_type", "give claim_type (fixed) or claim_type_column")
        wcol, wvals = _when(path, f"{k}.when", c.get("when"))
        if_unplaced = str(c.get("if_unplaced", "drop"))
        if if_unplaced not in IF_UNPLACED:
            raise _fail(path, f"{k}.if_unplaced", f"must be one of {', '.join(IF_UNPLACED)}")
        claims.append(ClaimDecl(
            str(c.get("claim_type") or ""),
            _date_field(path, f"{k}.from_date", c["from_date"]) if "from_date" in c else None,
            _date_field(path, f"{k}.to_date", c["to_date"]) if "to_date" in c else None,
            wcol, wvals,
            _column(path, f"{k}.claim_type_column", c["claim_type_column"]) if c.get("claim_type_column") else None,
            _claim_attributes(path, f"{k}.attributes", c.get("attributes")), if_unplaced))
    return FactsDecl(as_of, a_from, a_to, tuple(rels), tuple(contacts), tuple(claims),
                     _death(path, raw.get("death")))


def _when(path: Path, key: str, when: Any) -> tuple[str | None, tuple[str, ...]]:
    """``{column, equals: v}`` or ``{column, in: [...]}``: the rows a declaration applies to."""
    if when is None:
        return None, ()
    if not isinstance(when, dict) or "column" not in when or set(when) - {"column", "equals", "in"}:
        raise _fail(path, key, "needs {column: ..., equals: ...} or {column, in: [...]}")
    wcol = _column(path, f"{key}.column", when["column"])
    vals = when.get("in", [when["equals"]] if "equals" in when else None)
    if not vals or not isinstance(vals, list):
        raise _fail(path, f"{key}.equals", "required (or in: a non-empty list)")
    return wcol, tuple(str(x) for x in vals)


def _claim_attributes(path: Path, key: str, raw: Any) -> tuple[tuple[str, str], ...]:
    """``{column: type}``: source values a detector reads off the claim (school attendance, exclusions).

    The column name becomes the graph property ``attr_<column>``, so it must be a plain snake-case name.
    """
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        raise _fail(path, key, f"must map column names to a type ({', '.join(sorted(CLAIM_ATTR_TYPES))})")
    out: list[tuple[str, str]] = []
    for col, typ in raw.items():
        if not isinstance(col, str) or not _NAME_RE.match(col):
            raise _fail(path, f"{key}.{col}", "must be a snake_case column name (it becomes attr_<column>)")
        if col in RESERVED_CLAIM_ATTRS:
            raise _fail(path, f"{key}.{col}", "reserved: the facts stage writes attr_" + col)
        if typ not in CLAIM_ATTR_TYPES:
            raise _fail(path, f"{key}.{col}", f"type must be one of {', '.join(sorted(CLAIM_ATTR_TYPES))}")
        out.append((col, str(typ)))
    return tuple(out)


def _death(path: Path, raw: Any) -> DeathDecl | None:
    """``death: {date: {column, format}, when: {column, in: [...]}}``: the person has died."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _fail(path, "facts.death", "must be a mapping with date and/or when")
    unknown = set(raw) - {"date", "when"}
    if unknown:
        raise _fail(path, f"facts.death.{sorted(unknown)[0]}", "unknown key (allowed: date, when)")
    if "date" not in raw and "when" not in raw:
        raise _fail(path, "facts.death", "give date (a date field) and/or when (a reason column and values)")
    d = _date_field(path, "facts.death.date", raw["date"]) if "date" in raw else None
    wcol, wvals = _when(path, "facts.death.when", raw.get("when"))
    return DeathDecl(d, wcol, wvals)


def parse_mapping(raw: Any, path: Path) -> SourceMapping:
    """Validate a parsed YAML document; raise MappingError naming the key on the first problem."""
    if not isinstance(raw, dict):
        raise _fail(path, "(top)", "a mapping file must be a YAML mapping")
    unknown = set(raw) - TOP_KEYS
    if unknown:
        raise _fail(path, sorted(unknown)[0], f"unknown key (allowed: {', '.join(sorted(TOP_KEYS))})")
    system = raw.get("source_system")
    if not isinstance(system, str) or not _NAME_RE.match(system):
        raise _fail(path, "source_system", "required: lower_snake_case name of the source system")
    file = raw.get("file", f"{system}.csv")
    if not isinstance(file, str) or not file:
        raise _fail(path, "file", "must be the extract's file name")
    fmt = raw.get("format") or ("parquet" if file.endswith(".parquet") else "csv")
    if fmt not in ("csv", "parquet"):
        raise _fail(path, "format", "must be csv or parquet")
    key = raw.get("record_key")
    if isinstance(key, str):
        key = [key]
    if not key or not isinstance(key, list) or not all(isinstance(k, str) and k for k in key):
        raise _fail(path, "record_key", "required: the column (or list of columns) that keys a record")

    fields = raw.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise _fail(path, "fields", "required: canonical field -> source column")
    columns: dict[str, str] = {}
    dates: dict[str, DateField] = {}
    for canon, v in fields.items():
        k = f"fields.{canon}"
        if canon not in CANONICAL_FIELDS:
            raise _fail(path, k, f"unknown field (allowed: {', '.join(CANONICAL_FIELDS)})")
        if canon in DATE_FIELDS:
            dates[canon] = _date_field(path, k, v)
        elif isinstance(v, dict):
            raise _fail(path, k, "only date fields (dob, record_date) take {column, format}")
        else:
            columns[canon] = _column(path, k, v)
    has_name = ("first_name" in columns and "last_name" in columns) or "full_name" in columns
    if not has_name:
        raise _fail(path, "fields", "needs first_name and last_name, or full_name")

    sex_values = dict(DEFAULT_SEX_VALUES)
    sv = raw.get("sex_values")
    if sv is not None:
        if not isinstance(sv, dict):
            raise _fail(path, "sex_values", "must map source codes to M, F or U")
        for code, canon in sv.items():
            if str(canon).upper() not in SEX_CODES:
                raise _fail(path, f"sex_values.{code}", "must map to M, F or U")
            sex_values[str(code).strip().upper()] = str(canon).upper()

    attributes = _str_list(path, "attributes", raw.get("attributes"))
    sensitive = _str_list(path, "sensitive", raw.get("sensitive"))
    mapped = set(columns.values()) | {d.column for d in dates.values()} | set(attributes) | set(key)
    leak = [s for s in sensitive if s in mapped]
    if leak:
        raise _fail(path, "sensitive", f"column {leak[0]!r} is declared sensitive but also mapped/extracted")

    trust = raw.get("trust") or {}
    if not isinstance(trust, dict) or not all(isinstance(v, int) for v in trust.values()):
        raise _fail(path, "trust", "must map canonical field (or 'default') to an integer rank")
    for t in trust:
        if t not in ("default", "address_text") and t not in CANONICAL_FIELDS:
            raise _fail(path, f"trust.{t}", "unknown field")

    facts = _facts(path, raw.get("facts"), dates)
    m = SourceMapping(path=path, source_system=system, file=file, format=fmt, record_key=tuple(key),
                      columns=columns, dates=dates,
                      delimiter=str(raw.get("delimiter", ",")), quote=str(raw.get("quote", '"')),
                      encoding=str(raw.get("encoding", "utf-8")), sex_values=sex_values,
                      attributes=attributes, sensitive=sensitive, agency=raw.get("agency"),
                      trust={str(k): int(v) for k, v in trust.items()}, facts=facts)
    leak_facts = [c for c in m.fact_columns() if c in sensitive]
    if leak_facts:
        raise _fail(path, "facts", f"column {leak_facts[0]!r} is declared sensitive")
    return m


def load_mapping(path: Path) -> SourceMapping:
    """Read and validate one mapping YAML file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(parse)"
        raise MappingError(path.name, where, f"invalid YAML: {getattr(e, 'problem', e)}") from None
    except OSError as e:
        raise MappingError(path.name, "(file)", f"cannot read: {e.strerror}") from None
    return parse_mapping(raw, path)


def discover_mappings(sources: Path, mappings_dir: Path | None = None) -> list[SourceMapping]:
    """Mappings for the extracts present in ``sources``.

    A ``*.yaml`` in ``sources/mappings/`` (or ``mappings_dir``) overrides a shipped mapping of the same
    source_system; shipped mappings whose extract is absent are skipped. Two mappings for one
    source_system in the same folder is an error.
    """
    found: dict[str, SourceMapping] = {}
    dirs = [MAPPINGS_DIR, sources / "mappings"]
    if mappings_dir is not None:
        dirs.append(mappings_dir)
    for d in dirs:
        if not d.is_dir():
            continue
        local: dict[str, Path] = {}
        for p in sorted(d.glob("*.y*ml")):
            m = load_mapping(p)
            if m.source_system in local:
                raise MappingError(p.name, "source_system",
                                   f"{m.source_system!r} already declared by {local[m.source_system].name}")
            local[m.source_system] = p
            found[m.source_system] = m
    return [m for m in found.values() if (sources / m.file).exists()]
