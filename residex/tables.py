"""Plain-text tables and JSON for query results on the command line."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from graph.types import Node, Path, Relationship

MAX_CELL = 60


def plain(value: Any) -> Any:
    """JSON-ready form of a result value (dates as ISO, graph values as maps)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Node):
        return {"labels": list(value.labels), **{k: plain(v) for k, v in value.properties.items()}}
    if isinstance(value, Relationship):
        return {"type": value.type, **{k: plain(v) for k, v in value.properties.items()}}
    if isinstance(value, Path):
        return {"nodes": [plain(n) for n in value.nodes], "relationships": [plain(r) for r in value.relationships]}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        text = "; ".join(" ".join(str(plain(x)) for x in v.values() if x not in (None, "")) for v in value)
    elif isinstance(value, (list, dict)):
        text = json.dumps(plain(value), ensure_ascii=False)
    else:
        text = str(plain(value))
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def render_table(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """A fixed-width table; long cells are cut (use --json for everything)."""
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(out)


def render_json(columns: list[str], rows: list[dict[str, Any]]) -> str:
    return json.dumps({"columns": columns, "rows": [plain(r) for r in rows]}, ensure_ascii=False, indent=2)
