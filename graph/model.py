"""The graph model as data (graph/model.yaml), validated when loaded.

Labels, relationship types and property names reach Cypher text only through this model, so a request
can never choose one. A malformed model stops start-up with a message naming the file and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from graph.datafile import read_yaml
from graph.store import IndexSpec, check_identifier

MODEL_FILE = Path(__file__).with_name("model.yaml")
TYPES = {"string", "int", "float", "bool", "date", "list", "json"}


class ModelError(ValueError):
    """The model file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Prop:
    name: str
    type: str
    personal: bool = False
    description: str = ""


@dataclass(frozen=True)
class NodeKind:
    label: str
    key: str
    properties: dict[str, Prop]
    description: str = ""

    def personal(self) -> list[str]:
        return [p.name for p in self.properties.values() if p.personal]


@dataclass(frozen=True)
class RelKind:
    type: str
    start: str
    end: str
    properties: dict[str, Prop]
    source: bool = False
    key: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class GraphModel:
    nodes: dict[str, NodeKind]
    relationships: dict[str, RelKind]
    extra: dict[str, Any] = field(default_factory=dict)

    def node(self, label: str) -> NodeKind:
        try:
            return self.nodes[label]
        except KeyError:
            raise ModelError(f"no node kind {label!r} in the graph model") from None

    def rel(self, rel_type: str) -> RelKind:
        try:
            return self.relationships[rel_type]
        except KeyError:
            raise ModelError(f"no relationship type {rel_type!r} in the graph model") from None

    def schema(self) -> list[IndexSpec]:
        """Uniqueness on every node key, plus the lookup indexes saved queries start from (search by
        surname key, surname, birth date, postcode, full name; de-personalised views by pseudonym; detectors
        by claim type). Only those:
        every index costs the load time on every node of its label (tests/test_schema_use.py checks
        that each one is used)."""
        specs = [IndexSpec(k.label, k.key, unique=True) for k in self.nodes.values()]
        for label, prop in (("Resident", "last_key"), ("Resident", "alt_last_key"), ("Resident", "last_name"),
                            ("Resident", "dob"), ("Resident", "postcode"), ("Resident", "pseudonym"),
                            ("Resident", "full_name")):
            if label in self.nodes and prop in self.nodes[label].properties:
                specs.append(IndexSpec(label, prop))
        # detectors start from one kind of claim (tenancies, discounts, school places): without it each walks
        # every claim in the borough
        if "CLAIMS" in self.relationships and "claim_type" in self.relationships["CLAIMS"].properties:
            specs.append(IndexSpec("CLAIMS", "claim_type", relationship=True))
        return specs


def _props(where: str, raw: Any) -> dict[str, Prop]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ModelError(f"{where}.properties must be a mapping")
    out = {}
    for name, spec in raw.items():
        _ident(f"{where}.properties", name)
        spec = spec or {}
        if not isinstance(spec, dict) or spec.get("type") not in TYPES:
            raise ModelError(f"{where}.properties.{name}.type must be one of {sorted(TYPES)}")
        unknown = set(spec) - {"type", "personal", "description"}
        if unknown:
            raise ModelError(f"{where}.properties.{name}: unknown keys {sorted(unknown)}")
        out[name] = Prop(name, spec["type"], bool(spec.get("personal", False)), spec.get("description", ""))
    return out


def _ident(where: str, name: Any) -> str:
    try:
        return check_identifier(str(name))
    except ValueError:
        raise ModelError(f"{where}: {name!r} is not a plain identifier") from None


def parse_model(raw: Any, source: str = "model") -> GraphModel:
    """Validate a parsed YAML document into a GraphModel."""
    where = source
    if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), dict):
        raise ModelError(f"{where}: needs a 'nodes' mapping")
    nodes: dict[str, NodeKind] = {}
    for label, spec in raw["nodes"].items():
        w = f"{where}: nodes.{label}"
        _ident(w, label)
        if not isinstance(spec, dict):
            raise ModelError(f"{w} must be a mapping")
        unknown = set(spec) - {"key", "properties", "description"}
        if unknown:
            raise ModelError(f"{w}: unknown keys {sorted(unknown)}")
        props = _props(w, spec.get("properties"))
        key = spec.get("key")
        if key not in props:
            raise ModelError(f"{w}.key {key!r} must be one of its properties")
        nodes[label] = NodeKind(label, key, props, spec.get("description", ""))
    rels: dict[str, RelKind] = {}
    for rtype, spec in (raw.get("relationships") or {}).items():
        w = f"{where}: relationships.{rtype}"
        _ident(w, rtype)
        if not isinstance(spec, dict):
            raise ModelError(f"{w} must be a mapping")
        unknown = set(spec) - {"from", "to", "properties", "source", "key", "description"}
        if unknown:
            raise ModelError(f"{w}: unknown keys {sorted(unknown)}")
        for end in ("from", "to"):
            if spec.get(end) not in nodes:
                raise ModelError(f"{w}.{end} {spec.get(end)!r} is not a node kind")
        props = _props(w, spec.get("properties"))
        if spec.get("source"):
            props.setdefault("source_system", Prop("source_system", "string"))
            props.setdefault("record_id", Prop("record_id", "string"))
        key = tuple(spec.get("key") or ())
        for k in key:
            if k not in props:
                raise ModelError(f"{w}.key {k!r} must be one of its properties")
        rels[rtype] = RelKind(rtype, spec["from"], spec["to"], props, bool(spec.get("source")), key,
                              spec.get("description", ""))
    return GraphModel(nodes, rels)


@cache
def load_model(path: Path = MODEL_FILE) -> GraphModel:
    """Read and validate the model file (cached: it is fixed for the life of the process)."""
    return parse_model(read_yaml(path, "graph model", ModelError), str(path))


def model_markdown(model: GraphModel | None = None) -> str:
    """The model as Markdown tables (docs/graph-model.md embeds this; regenerate after editing the YAML)."""
    m = model or load_model()
    out = ["## Nodes", "", "| label | key | properties (personal ones in *italics*) | what it is |", "|---|---|---|---|"]
    for k in m.nodes.values():
        props = ", ".join(f"*{p.name}*" if p.personal else p.name for p in k.properties.values())
        out.append(f"| `{k.label}` | `{k.key}` | {props} | {k.description} |")
    out += ["", "## Relationships", "", "| type | from | to | properties | merge key | what it is |",
            "|---|---|---|---|---|---|"]
    for r in m.relationships.values():
        props = ", ".join(r.properties) or "-"
        key = ", ".join(r.key) if r.key else ("source_system, record_id" if r.source else "endpoints")
        out.append(f"| `{r.type}` | `{r.start}` | `{r.end}` | {props} | {key} | {r.description} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(model_markdown())
