"""The saved-query library: parses ``cypher/*.cypher`` files (header + text) and runs them safely.

Why a loader: the header is the contract between a query author, the CLI and the web app (which
params a form shows, who may run it, whether it may write). Every file is checked when the library is
loaded: a header key missing or malformed, a ``$param`` used but not declared, or declared but unused,
stops loading with a message naming the file and line. See docs/saved-queries.md.

Running goes through :func:`run_saved`, which checks the role, coerces the raw (string) parameters to
their declared types and adds the reserved access parameters (never taken from a request).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.access import RESERVED_PARAMS, AccessContext, load_policy

CATEGORIES = ("detector", "question", "app")
SUPPRESS_PARAM = "suppress_below"  # a query's small-number threshold: never below the configured one
MODES = ("read", "write")
PARAM_TYPES = ("string", "int", "float", "bool", "date", "list")
REQUIRED_KEYS = ("name", "title", "description", "category", "roles", "mode")
ALLOWED_KEYS = frozenset(REQUIRED_KEYS) | {"param", "example", "restrictions"}
_REPEATABLE = frozenset({"description", "param", "example", "restrictions"})
_RESIDENT = re.compile(r":\s*Resident\b")
_ADDRESS = re.compile(r":\s*Address\b")
_RESIDENT_FILTERS = ("access_sealed", "access_opt_out")
_HEADER_LINE = re.compile(r"^//\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s?(.*)$")
_PARAM_DECL = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z]+)\s*(?:=\s*(.*?))?\s*$")
_PARAM_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_NULL = {"null", "none"}


# ---------------------------------------------------------------------------------------------------
# errors
class LibraryError(Exception):
    """Base of every error the saved-query library raises (one line, fit for a user)."""


class QueryFileError(LibraryError):
    """A ``.cypher`` file is malformed; the message starts ``FILE:LINE:``."""

    def __init__(self, file: Path, line: int, message: str) -> None:
        self.file, self.line, self.detail = Path(file), line, message
        super().__init__(f"{file}:{line}: {message}")


class UnknownQuery(LibraryError, KeyError):
    """No saved query has that name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown query"


class ParamError(LibraryError, ValueError):
    """A parameter value is missing or cannot be read as its declared type; names the parameter."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(f"parameter {param!r}: {message}")


class Forbidden(LibraryError, PermissionError):
    """The session's role may not run this query (the web app answers 403 and audits it)."""


# ---------------------------------------------------------------------------------------------------
# values
@dataclass(frozen=True)
class QueryParam:
    """One declared parameter: ``param: NAME TYPE [= DEFAULT] [| description]``."""

    name: str
    type: str
    default: Any = None
    required: bool = True
    description: str = ""

    def convert(self, raw: Any) -> Any:
        """A form/CLI string (or an already typed value) to this parameter's type."""
        try:
            return _convert(self.type, raw)
        except (ValueError, TypeError) as e:
            raise ParamError(self.name, f"{raw!r} is not a valid {self.type} ({e})") from None


def _convert(kind: str, raw: Any) -> Any:
    if raw is None:
        return None
    text = raw.strip() if isinstance(raw, str) else None
    if kind == "string":
        return text if text is not None else str(raw)
    if kind == "int":
        if isinstance(raw, bool):
            raise ValueError("expected a whole number")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float):
            if not raw.is_integer():
                raise ValueError("expected a whole number")
            return int(raw)
        return int(str(text if text is not None else raw))
    if kind == "float":
        if isinstance(raw, bool):
            raise ValueError("expected a number")
        return float(raw if text is None else text)
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        low = str(raw).strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError("expected true/false")
    if kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        return dt.date.fromisoformat(str(text))
    if kind == "list":
        if isinstance(raw, (list, tuple, set, frozenset)):
            return [str(v) for v in raw]
        return [p.strip() for p in str(text).split(",") if p.strip()]
    raise ValueError(f"unknown type {kind!r}")


@dataclass(frozen=True)
class SavedQuery:
    """One parsed ``.cypher`` file."""

    name: str
    title: str
    description: str
    category: str
    roles: frozenset[str]
    mode: str
    params: list[QueryParam]
    example: str
    text: str
    file: Path
    columns: tuple[str, ...] = ()

    def param(self, name: str) -> QueryParam:
        for p in self.params:
            if p.name == name:
                return p
        raise ParamError(name, f"not a parameter of {self.name}")

    def coerce(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Typed parameter values from raw form/CLI values; defaults fill what is absent or blank.

        Reserved access parameters and undeclared names are refused: they never come from a request.
        """
        raw = dict(raw or {})
        for key in raw:
            if key in RESERVED_PARAMS:
                raise ParamError(key, "is set from the session's access context, never from a request")
            if all(p.name != key for p in self.params):
                raise ParamError(key, f"not a parameter of {self.name} "
                                      f"(it takes: {', '.join(p.name for p in self.params) or 'none'})")
        out: dict[str, Any] = {}
        for p in self.params:
            value = raw.get(p.name)
            if value is None or (isinstance(value, str) and not value.strip()):
                if p.required:
                    raise ParamError(p.name, f"is required ({p.type})")
                out[p.name] = p.default
            else:
                out[p.name] = p.convert(value)
        return out

    def visible_to(self, role: str) -> bool:
        return role in self.roles


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[dict[str, Any]]
    query: str = ""
    elapsed_ms: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)


class QueryLibrary:
    """The saved queries by name; iterates in name order."""

    def __init__(self, queries: Mapping[str, SavedQuery], folder: Path) -> None:
        self.folder = folder
        self._queries = dict(sorted(queries.items()))

    def get(self, name: str) -> SavedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise UnknownQuery(f"no saved query named {name!r} in {self.folder}") from None

    def __getitem__(self, name: str) -> SavedQuery:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._queries

    def __iter__(self) -> Iterator[SavedQuery]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def names(self) -> list[str]:
        return list(self._queries)

    def visible_to(self, role: str) -> list[SavedQuery]:
        """Queries a role may run and that users see in lists (the web app's own ``app`` ones excluded)."""
        return [q for q in self if role in q.roles and q.category != "app"]

    def by_category(self, category: str) -> list[SavedQuery]:
        return [q for q in self if q.category == category]


# ---------------------------------------------------------------------------------------------------
# parsing
def default_folder() -> Path:
    import cypher

    return Path(cypher.__file__).resolve().parent


def load_library(folder: Path | None = None) -> QueryLibrary:
    """Parse every ``*.cypher`` file in ``folder`` (default: the ``cypher`` package); first error stops."""
    folder = Path(folder) if folder is not None else default_folder()
    if not folder.is_dir():
        raise LibraryError(f"{folder}: saved-query folder not found")
    queries: dict[str, SavedQuery] = {}
    for path in sorted(folder.glob("*.cypher")):
        q = parse_query_file(path)
        queries[q.name] = q
    return QueryLibrary(queries, folder)


def parse_query_file(path: Path) -> SavedQuery:
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise QueryFileError(path, 0, f"cannot read: {e}") from None
    return parse_query(source, path)


def _known_roles() -> frozenset[str]:
    from graph.access import load_policy

    return frozenset(load_policy().roles)


def parse_query(source: str, path: Path) -> SavedQuery:
    """Parse header and text; ``path`` is used for messages and the name check."""
    lines = source.splitlines()
    values: dict[str, list[tuple[int, str]]] = {}
    body_start = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("//"):
            body_start = i
            break
        if stripped in ("//", "///") or stripped.startswith("// ---"):
            continue  # blank or ruler comment lines are allowed in the header
        m = _HEADER_LINE.match(stripped)
        if not m:
            raise QueryFileError(path, i + 1, f"header line is not '// key: value': {stripped!r}")
        key, value = m.group(1).lower(), m.group(2).strip()
        if key not in ALLOWED_KEYS:
            raise QueryFileError(path, i + 1, f"unknown header key {key!r} "
                                              f"(allowed: {', '.join(sorted(ALLOWED_KEYS))})")
        if key in values and key not in _REPEATABLE:
            raise QueryFileError(path, i + 1, f"header key {key!r} given twice")
        values.setdefault(key, []).append((i + 1, value))
    header_end = body_start  # 1-based line number of the last header line
    for key in REQUIRED_KEYS:
        if key not in values or not any(v for _, v in values[key]):
            raise QueryFileError(path, max(header_end, 1), f"header has no {key!r} line")

    def one(key: str) -> tuple[int, str]:
        return values[key][0]

    line, name = one("name")
    if name != path.stem:
        raise QueryFileError(path, line, f"name {name!r} must equal the file name {path.stem!r}")
    line, category = one("category")
    if category not in CATEGORIES:
        raise QueryFileError(path, line, f"category {category!r} must be one of {', '.join(CATEGORIES)}")
    line, mode = one("mode")
    if mode not in MODES:
        raise QueryFileError(path, line, f"mode {mode!r} must be one of {', '.join(MODES)}")
    line, roles_text = one("roles")
    roles = frozenset(r.strip() for r in roles_text.split(",") if r.strip())
    known = _known_roles()
    bad = sorted(roles - known)
    if not roles or bad:
        raise QueryFileError(path, line, f"unknown role(s) {', '.join(bad) or '(none given)'} "
                                         f"(graph/access.yaml has: {', '.join(sorted(known))})")
    params: list[QueryParam] = []
    param_lines: dict[str, int] = {}
    for line, decl in values.get("param", []):
        p = _parse_param(path, line, decl)
        if p.name in param_lines:
            raise QueryFileError(path, line, f"param {p.name!r} declared twice")
        params.append(p)
        param_lines[p.name] = line

    body_lines = lines[body_start:]
    text = "\n".join(body_lines).strip()
    if not text:
        raise QueryFileError(path, len(lines) or 1, "no query text after the header")
    used: dict[str, int] = {}
    for offset, code in enumerate(_code_lines(body_lines)):
        for m in _PARAM_USE.finditer(code):
            used.setdefault(m.group(1), body_start + offset + 1)
    for pname, line in used.items():
        if pname not in param_lines and pname not in RESERVED_PARAMS:
            raise QueryFileError(path, line, f"${pname} is used but not declared (add '// param: {pname} TYPE')")
    for pname, line in param_lines.items():
        if pname in RESERVED_PARAMS:
            raise QueryFileError(path, line, f"${pname} is reserved (set by the runner); do not declare it")
        if pname not in used:
            raise QueryFileError(path, line, f"param {pname!r} is declared but the query never uses ${pname}")
    if not any(v for _, v in values.get("restrictions", [])):
        _check_restrictions(path, body_start, _code_lines(body_lines))
    if mode == "read" and _WRITE_CLAUSE.search(" ".join(_code_lines(body_lines))):
        raise QueryFileError(path, one("mode")[0], "mode is read but the query writes (CREATE/MERGE/SET/DELETE)")

    return SavedQuery(
        name=name, title=one("title")[1],
        description=" ".join(v for _, v in values["description"] if v),
        category=category, roles=roles, mode=mode, params=params,
        example=" ".join(v for _, v in values.get("example", [])),
        text=text, file=path, columns=tuple(return_columns(text)))


def _check_restrictions(path: Path, body_start: int, code: list[str]) -> None:
    """Every saved query honours sealed records, the opt-out and protected addresses (issue 7).

    A query that matches a Resident must use ``$access_sealed`` and ``$access_opt_out``; one that
    matches an Address must test ``protected``. A query that handles them another way says so in a
    ``// restrictions: <reason>`` header line. Checked at load so that a new query cannot forget.
    """
    joined = "\n".join(code)
    for offset, line in enumerate(code):
        if _RESIDENT.search(line):
            missing = [f"${name}" for name in _RESIDENT_FILTERS if f"${name}" not in joined]
            if missing:
                raise QueryFileError(path, body_start + offset + 1,
                                     f"matches a Resident but never uses {' or '.join(missing)} "
                                     "(sealed residents and the national data opt-out must be honoured; "
                                     "or explain in a '// restrictions: REASON' header line)")
            break
    for offset, line in enumerate(code):
        if _ADDRESS.search(line):
            if not re.search(r"\bprotected\b", joined):
                raise QueryFileError(path, body_start + offset + 1,
                                     "matches an Address but never tests protected (a protected address "
                                     "must not appear on another person's view; or explain in a "
                                     "'// restrictions: REASON' header line)")
            break


_WRITE_CLAUSE = re.compile(r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE)\b", re.IGNORECASE)


def _parse_param(path: Path, line: int, decl: str) -> QueryParam:
    spec, _, description = decl.partition("|")
    m = _PARAM_DECL.match(spec.strip())
    if not m:
        raise QueryFileError(path, line, f"param must be 'NAME TYPE [= DEFAULT] [| description]', got {decl!r}")
    pname, ptype, default_text = m.group(1), m.group(2).lower(), m.group(3)
    if ptype not in PARAM_TYPES:
        raise QueryFileError(path, line, f"param {pname!r} has unknown type {ptype!r} "
                                         f"(use one of {', '.join(PARAM_TYPES)})")
    if default_text is None:
        return QueryParam(pname, ptype, None, True, description.strip())
    if default_text.strip().lower() in _NULL:
        return QueryParam(pname, ptype, None, False, description.strip())
    raw_default = default_text.strip()
    if len(raw_default) >= 2 and raw_default[0] == raw_default[-1] and raw_default[0] in "'\"":
        raw_default = raw_default[1:-1]
    try:
        default = _convert(ptype, raw_default)
    except (ValueError, TypeError) as e:
        raise QueryFileError(path, line, f"param {pname!r}: default {raw_default!r} is not a valid {ptype} "
                                         f"({e})") from None
    return QueryParam(pname, ptype, default, False, description.strip())


def _code_lines(lines: list[str]) -> list[str]:
    """The query lines with string literals and comments blanked (a '$x' inside a string is no param)."""
    out: list[str] = []
    in_block = False
    quote: str | None = None
    for line in lines:
        buf: list[str] = []
        i = 0
        while i < len(line):
            ch = line[i]
            nxt = line[i + 1] if i + 1 < len(line) else ""
            if in_block:
                if ch == "*" and nxt == "/":
                    in_block = False
                    buf.append("  ")
                    i += 2
                    continue
                buf.append(" ")
            elif quote:
                if ch == "\\":
                    buf.append(" " * len(line[i:i + 2]))
                    i += 2
                    continue
                if ch == quote:
                    quote = None
                buf.append(" ")
            elif ch == "/" and nxt == "/":
                buf.append(" " * (len(line) - i))
                break
            elif ch == "/" and nxt == "*":
                in_block = True
                buf.append("  ")
                i += 2
                continue
            elif ch in "'\"`":
                quote = ch
                buf.append(" ")
            else:
                buf.append(ch)
            i += 1
        out.append("".join(buf))
    return out


_TAIL_CLAUSE = re.compile(r"(?<![$.\w])(ORDER\s+BY|SKIP|LIMIT|UNION)\b", re.IGNORECASE)


def _clause_end(code: str) -> int | None:
    """Where the RETURN items end: the first ORDER BY/SKIP/LIMIT/UNION outside brackets.

    A keyword inside brackets (``items[..$limit]``) or a parameter named like one (``$limit``) is part
    of an item, not the end of the list.
    """
    depth = 0
    for i, ch in enumerate(code):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and _TAIL_CLAUSE.match(code, i):
            return i
    return None


def return_columns(text: str) -> list[str]:
    """Column names of the final RETURN (so an empty result still has its columns)."""
    code = "\n".join(_code_lines(text.splitlines()))
    matches = list(re.finditer(r"\bRETURN\b", code, re.IGNORECASE))
    if not matches:
        return []
    tail = text[matches[-1].end():]
    tail_code = code[matches[-1].end():]
    end = _clause_end(tail_code)
    if end is not None:
        tail, tail_code = tail[:end], tail_code[:end]
    tail = re.sub(r"^\s*DISTINCT\b", "", tail, flags=re.IGNORECASE)
    tail_code = re.sub(r"^\s*DISTINCT\b", "", tail_code, flags=re.IGNORECASE)
    items, depth, start = [], 0, 0
    for i, ch in enumerate(tail_code):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(tail[start:i])
            start = i + 1
    items.append(tail[start:])
    cols = []
    for item in items:
        item = item.strip()
        if not item:
            continue
        m = re.search(r"\bAS\s+`?([A-Za-z_][A-Za-z0-9_]*)`?\s*$", item, re.IGNORECASE)
        cols.append(m.group(1) if m else " ".join(item.split()))
    return cols


# ---------------------------------------------------------------------------------------------------
# running
def run_saved(store: Any, query: SavedQuery, raw_params: Mapping[str, Any], access: AccessContext, *,
              timeout: float | None = None) -> QueryResult:
    """Run a saved query for a session: role check, typed params, reserved access params, read/write path."""
    if access.role not in query.roles:
        raise Forbidden(f"the {access.role} role may not run {query.name!r} "
                        f"(allowed: {', '.join(sorted(query.roles))})")
    params = query.coerce(raw_params)
    if SUPPRESS_PARAM in params:  # small-number suppression: the configured threshold is a floor
        floor = load_policy().disclosure_threshold
        params[SUPPRESS_PARAM] = max(int(params[SUPPRESS_PARAM] or 0), floor)
    params.update(access.query_params())
    run = store.read if query.mode == "read" else store.write
    t0 = time.perf_counter()
    rows = run(query.text, params, timeout=timeout)
    elapsed = (time.perf_counter() - t0) * 1000
    columns = list(rows[0].keys()) if rows else list(query.columns)
    return QueryResult(columns=columns, rows=rows, query=query.name, elapsed_ms=round(elapsed, 2),
                       params={k: v for k, v in params.items() if k not in RESERVED_PARAMS})
