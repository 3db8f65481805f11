"""Role and purpose permissions as data (graph/access.yaml), and the access context every query gets.

The context travels into Cypher as reserved parameters, so the filtering happens in the store and
hidden data never leaves it: ``$access_sources`` (source systems visible), ``$access_personal``
(whether names, dates of birth and exact addresses may be returned), ``$access_sealed`` (whether sealed
residents may be seen: only under a subject access request), ``$access_opt_out`` (whether residents who
registered the national data opt-out may be included) and ``$today``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from graph.datafile import read_yaml

ACCESS_FILE = Path(__file__).with_name("access.yaml")
RESERVED_PARAMS = frozenset({"access_sources", "access_personal", "access_sealed", "access_opt_out", "today"})
PERSONAL_LEVELS = ("full", "pseudonymised", "none")
OPT_OUT_RULES = ("honour", "not_applicable")
SEALED_PURPOSE = "subject_access"  # the only purpose under which sealed records are visible


class AccessError(ValueError):
    """The permissions file is malformed, or a session asked for something its role cannot have."""


@dataclass(frozen=True)
class Role:
    name: str
    title: str
    personal: str
    sources: frozenset[str]
    reidentify: bool = False  # may turn a pseudonym back into a person (with a recorded reason)
    opt_out: str = "not_applicable"  # used when the session states no purpose


@dataclass(frozen=True)
class Purpose:
    name: str
    title: str
    roles: frozenset[str]
    sources: frozenset[str]
    case_reference: str  # required | optional
    legal_bases: tuple[str, ...] = ()
    opt_out: str = "not_applicable"  # honour: the national data opt-out applies (research and planning)
    personal_data: bool = True  # False: the purpose sees no personal data at all (e.g. audit review)


@dataclass(frozen=True)
class AccessPolicy:
    sources: tuple[str, ...]
    roles: dict[str, Role]
    purposes: dict[str, Purpose]
    legal_bases: tuple[str, ...]
    disclosure_threshold: int = 5
    suppress_zero: bool = False

    def role(self, name: str) -> Role:
        try:
            return self.roles[name]
        except KeyError:
            raise AccessError(f"unknown role {name!r}") from None

    def purposes_for(self, role: str) -> list[Purpose]:
        return [p for p in self.purposes.values() if role in p.roles]

    def context(self, *, user: str, role: str, team: str = "", purpose: str | None = None,
                legal_basis: str = "", case_ref: str = "", today: dt.date | None = None) -> AccessContext:
        """The effective view: the role's sources narrowed by the purpose, which the role must hold.

        A stated purpose must come with one of its own legal bases, so every audited view records why
        the processing is lawful.
        """
        r = self.role(role)
        sources = set(r.sources)
        personal = r.personal
        opt_out = r.opt_out
        if purpose is not None:
            p = self.purposes.get(purpose)
            if p is None or role not in p.roles:
                raise AccessError(f"purpose {purpose!r} is not open to the {r.title} role")
            if not legal_basis.strip():
                raise AccessError(f"purpose {p.title!r} needs a legal basis, one of: {'; '.join(p.legal_bases)}")
            if legal_basis not in p.legal_bases:
                raise AccessError(f"legal basis {legal_basis!r} does not cover the purpose {p.title!r}; "
                                  f"allowed: {'; '.join(p.legal_bases)}")
            if p.case_reference == "required" and not case_ref.strip():
                raise AccessError(f"purpose {p.title!r} needs a case reference")
            sources &= p.sources
            opt_out = p.opt_out
            if not p.personal_data:
                personal, sources = "none", set()
        return AccessContext(user=user, role=role, team=team, purpose=purpose, legal_basis=legal_basis,
                             case_ref=case_ref, sources=frozenset(sources), personal=personal,
                             today=today or dt.date.today(), opt_out=opt_out,
                             purpose_title=self.purposes[purpose].title if purpose else "")


@dataclass(frozen=True)
class AccessContext:
    user: str
    role: str
    sources: frozenset[str]
    personal: str
    team: str = ""
    purpose: str | None = None
    legal_basis: str = ""
    case_ref: str = ""
    today: dt.date = field(default_factory=dt.date.today)
    opt_out: str = "not_applicable"  # the effective opt-out rule (purpose's, else role's)
    purpose_title: str = ""

    @property
    def sees_personal(self) -> bool:
        return self.personal == "full"

    @property
    def sees_sealed(self) -> bool:
        """Sealed records (adoption, witness protection) are visible only to a subject access request."""
        return self.purpose == SEALED_PURPOSE

    @property
    def includes_opt_out(self) -> bool:
        """False when the national data opt-out is honoured (planning and research uses)."""
        return self.opt_out != "honour"

    def audit_fields(self) -> dict[str, Any]:
        """What an audit entry records about why this session looked."""
        return {"purpose": self.purpose, "purpose_title": self.purpose_title,
                "legal_basis": self.legal_basis, "case_ref": self.case_ref}

    def query_params(self) -> dict[str, Any]:
        """The reserved parameters every saved query receives (never taken from a request)."""
        return {"access_sources": sorted(self.sources), "access_personal": self.sees_personal,
                "access_sealed": self.sees_sealed, "access_opt_out": self.includes_opt_out,
                "today": self.today.isoformat()}


def _sources(where: str, raw: Any, known: tuple[str, ...]) -> frozenset[str]:
    if raw == "all":
        return frozenset(known)
    if not isinstance(raw, list):
        raise AccessError(f"{where}.sources must be a list or 'all'")
    unknown = set(raw) - set(known)
    if unknown:
        raise AccessError(f"{where}.sources: unknown source systems {sorted(unknown)}")
    return frozenset(raw)


def _enum(where: str, spec: dict, key: str, allowed: tuple[str, ...], default: str) -> str:
    value = spec.get(key, default)
    if value not in allowed:
        raise AccessError(f"{where}.{key} must be one of {allowed}, not {value!r}")
    return value


def _flag(where: str, spec: dict, key: str, default: bool) -> bool:
    value = spec.get(key, default)
    if not isinstance(value, bool):
        raise AccessError(f"{where}.{key} must be true or false, not {value!r}")
    return value


def parse_policy(raw: Any, source: str = "access") -> AccessPolicy:
    if not isinstance(raw, dict):
        raise AccessError(f"{source}: must be a mapping")
    known = tuple(raw.get("sources") or ())
    bases = raw.get("legal_bases") or []
    if not isinstance(bases, list) or not all(isinstance(b, str) and b.strip() for b in bases):
        raise AccessError(f"{source}: legal_bases must be a list of non-empty strings")
    roles = {}
    for name, spec in (raw.get("roles") or {}).items():
        w = f"{source}: roles.{name}"
        if not isinstance(spec, dict):
            raise AccessError(f"{w} must be a mapping")
        if spec.get("personal") not in PERSONAL_LEVELS:
            raise AccessError(f"{w}.personal must be one of {PERSONAL_LEVELS}")
        roles[name] = Role(name, spec.get("title", name), spec["personal"], _sources(w, spec.get("sources"), known),
                           reidentify=_flag(w, spec, "reidentify", False),
                           opt_out=_enum(w, spec, "opt_out", OPT_OUT_RULES, "not_applicable"))
    purposes = {}
    for name, spec in (raw.get("purposes") or {}).items():
        w = f"{source}: purposes.{name}"
        if not isinstance(spec, dict):
            raise AccessError(f"{w} must be a mapping")
        bad = set(spec.get("roles") or ()) - set(roles)
        if bad:
            raise AccessError(f"{w}.roles: unknown roles {sorted(bad)}")
        if spec.get("case_reference", "optional") not in ("required", "optional"):
            raise AccessError(f"{w}.case_reference must be 'required' or 'optional'")
        pbases = spec.get("legal_bases")
        if not isinstance(pbases, list) or not pbases:
            raise AccessError(f"{w}.legal_bases must be a non-empty list of the top-level legal_bases")
        unknown = [b for b in pbases if b not in bases]
        if unknown:
            raise AccessError(f"{w}.legal_bases: unknown legal bases {unknown} (not in the top-level legal_bases)")
        purposes[name] = Purpose(name, spec.get("title", name), frozenset(spec.get("roles") or ()),
                                 _sources(w, spec.get("sources"), known), spec.get("case_reference", "optional"),
                                 legal_bases=tuple(pbases),
                                 opt_out=_enum(w, spec, "opt_out", OPT_OUT_RULES, "not_applicable"),
                                 personal_data=_flag(w, spec, "personal_data", True))
    disclosure = raw.get("disclosure") or {}
    if not isinstance(disclosure, dict):
        raise AccessError(f"{source}: disclosure must be a mapping")
    threshold = disclosure.get("threshold", 5)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise AccessError(f"{source}: disclosure.threshold must be an integer of at least 2, not {threshold!r}")
    suppress_zero = _flag(f"{source}: disclosure", disclosure, "suppress_zero", False)
    return AccessPolicy(known, roles, purposes, tuple(bases), disclosure_threshold=threshold,
                        suppress_zero=suppress_zero)


@cache
def load_policy(path: Path = ACCESS_FILE) -> AccessPolicy:
    return parse_policy(read_yaml(path, "access policy", AccessError), str(path))
