"""Which pages each role may open (webapp/views.yaml), checked against graph/access.yaml at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from graph.access import load_policy
from graph.model import load_model

VIEWS_FILE = Path(__file__).with_name("views.yaml")
VIEWS = ("search", "resident", "network", "queries", "insights", "audit", "accounts", "quality",
         "subject_access", "pseudonym", "reidentify", "review")


# rows: the full table; pseudonymised: safe columns with pseudonyms (webapp/pseudonyms.py) and a suppressed
# per-ward count; aggregates: the suppressed per-ward count only.
QUERY_RESULTS = ("rows", "pseudonymised", "aggregates")


class ViewPolicyError(ValueError):
    """webapp/views.yaml is malformed; the message names the file and key."""


@dataclass(frozen=True)
class RoleViews:
    role: str
    views: frozenset[str]
    node_kinds: tuple[str, ...]
    query_results: str = "rows"


@cache
def load_views(path: Path = VIEWS_FILE) -> dict[str, RoleViews]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    roles = raw.get("roles") or {}
    known = set(load_policy().roles)
    labels = set(load_model().nodes)
    missing = known - set(roles)
    if missing:
        raise ViewPolicyError(f"{path}: roles {sorted(missing)} from graph/access.yaml have no entry")
    out = {}
    for role, spec in roles.items():
        if role not in known:
            raise ViewPolicyError(f"{path}: roles.{role} is not a role in graph/access.yaml")
        views = set(spec.get("views") or ())
        if views - set(VIEWS):
            raise ViewPolicyError(f"{path}: roles.{role}.views: unknown views {sorted(views - set(VIEWS))}")
        kinds = tuple(spec.get("node_kinds") or ())
        if set(kinds) - labels:
            raise ViewPolicyError(f"{path}: roles.{role}.node_kinds: not in the graph model: "
                                  f"{sorted(set(kinds) - labels)}")
        results = spec.get("query_results", "rows")
        if results not in QUERY_RESULTS:
            raise ViewPolicyError(f"{path}: roles.{role}.query_results must be one of {QUERY_RESULTS}")
        out[role] = RoleViews(role, frozenset(views), kinds, results)
    return out


def roles_with(view: str) -> tuple[str, ...]:
    return tuple(sorted(r for r, v in load_views().items() if view in v.views))


def can(role: str, view: str) -> bool:
    rv = load_views().get(role)
    return bool(rv and view in rv.views)


def node_kinds(role: str) -> tuple[str, ...]:
    return load_views()[role].node_kinds


def rows_allowed(role: str) -> bool:
    """False for roles that do not see saved-query rows as the query returns them (aggregates only, or
    pseudonymised rows built by webapp/pseudonyms.py): the JSON API gives those roles aggregates."""
    return load_views()[role].query_results == "rows"


def query_results(role: str) -> str:
    """How the role sees saved-query results: rows, pseudonymised or aggregates."""
    return load_views()[role].query_results
