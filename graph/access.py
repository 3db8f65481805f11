"""Role and purpose permissions as data (graph/access.yaml), and the access context every query gets.

The context travels into Cypher as reserved parameters, so the filtering happens in the store and
hidden data never leaves it: ``$access_sources`` (source systems visible), ``$access_personal``
(whether names, dates of birth and exact addresses may be returned) and ``$today``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from graph.datafile import read_yaml

ACCESS_FILE = Path(__file__).with_name("access.yaml")
RESERVED_PARAMS = frozenset({"access_sources", "access_personal", "today"})
PERSONAL_LEVELS = ("full", "pseudonymised", "none")


class AccessError(ValueError):
    """The permissions file is malformed, or a session asked for something its role cannot have."""


@dataclass(frozen=True)
class Role:
    name: str
    title: str
    personal: str
    sources: frozenset[str]


@dataclass(frozen=True)
class Purpose:
    name: str
    title: str
    roles: frozenset[str]
    sources: frozenset[str]
    case_reference: str  # required | optional


@dataclass(frozen=True)
class AccessPolicy:
    sources: tuple[str, ...]
    roles: dict[str, Role]
    purposes: dict[str, Purpose]
    legal_bases: tuple[str, ...]

    def role(self, name: str) -> Role:
        try:
            return self.roles[name]
        except KeyError:
            raise AccessError(f"unknown role {name!r}") from None

    def purposes_for(self, role: str) -> list[Purpose]:
        return [p for p in self.purposes.values() if role in p.roles]

    def context(self, *, user: str, role: str, team: str = "", purpose: str | None = None,
                legal_basis: str = "", case_ref: str = "", today: dt.date | None = None) -> AccessContext:
        """The effective view: the role's sources narrowed by the purpose, which the role must hold."""
        r = self.role(role)
        sources = set(r.sources)
        if purpose is not None:
            p = self.purposes.get(purpose)
            if p is None or role not in p.roles:
                raise AccessError(f"purpose {purpose!r} is not open to the {r.title} role")
            if p.case_reference == "required" and not case_ref.strip():
                raise AccessError(f"purpose {p.title!r} needs a case reference")
            if legal_basis and legal_basis not in self.legal_bases:
                raise AccessError(f"unknown legal basis {legal_basis!r}")
            sources &= p.sources
        return AccessContext(user=user, role=role, team=team, purpose=purpose, legal_basis=legal_basis,
                             case_ref=case_ref, sources=frozenset(sources), personal=r.personal,
                             today=today or dt.date.today())


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

    @property
    def sees_personal(self) -> bool:
        return self.personal == "full"

    def query_params(self) -> dict[str, Any]:
        """The reserved parameters every saved query receives (never taken from a request)."""
        return {"access_sources": sorted(self.sources), "access_personal": self.sees_personal,
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


def parse_policy(raw: Any, source: str = "access") -> AccessPolicy:
    if not isinstance(raw, dict):
        raise AccessError(f"{source}: must be a mapping")
    known = tuple(raw.get("sources") or ())
    roles = {}
    for name, spec in (raw.get("roles") or {}).items():
        w = f"{source}: roles.{name}"
        if spec.get("personal") not in PERSONAL_LEVELS:
            raise AccessError(f"{w}.personal must be one of {PERSONAL_LEVELS}")
        roles[name] = Role(name, spec.get("title", name), spec["personal"], _sources(w, spec.get("sources"), known))
    purposes = {}
    for name, spec in (raw.get("purposes") or {}).items():
        w = f"{source}: purposes.{name}"
        bad = set(spec.get("roles") or ()) - set(roles)
        if bad:
            raise AccessError(f"{w}.roles: unknown roles {sorted(bad)}")
        if spec.get("case_reference", "optional") not in ("required", "optional"):
            raise AccessError(f"{w}.case_reference must be 'required' or 'optional'")
        purposes[name] = Purpose(name, spec.get("title", name), frozenset(spec.get("roles") or ()),
                                 _sources(w, spec.get("sources"), known), spec.get("case_reference", "optional"))
    return AccessPolicy(known, roles, purposes, tuple(raw.get("legal_bases") or ()))


@cache
def load_policy(path: Path = ACCESS_FILE) -> AccessPolicy:
    return parse_policy(read_yaml(path, "access policy", AccessError), str(path))
