"""The audit log: every view of a person, search, query run, export and refusal, durably in SQLite.

Entries say who (user, role, team), when, what was asked and what was shown (resident IDs and counts),
so an IG officer can answer "who looked at this person, and why" without the graph.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, has_request_context, request

from webapp.db import Database, Where


@dataclass(frozen=True)
class Entry:
    id: int
    ts: str
    username: str
    role: str
    team: str
    action: str
    outcome: str
    path: str
    resident_ids: list[str]
    detail: dict[str, Any]
    ip: str
    purpose: str = ""
    legal_basis: str = ""
    case_ref: str = ""


def _db() -> Database:
    return current_app.extensions["residex_db"]


def db_path(data_dir: Any) -> Any:
    """The web app's SQLite file under a data directory (accounts and the audit log)."""
    from pathlib import Path

    return Path(data_dir) / "webapp.sqlite3"


COLUMNS = ("ts", "username", "role", "team", "action", "outcome", "path", "resident_ids", "detail", "ip",
           "purpose", "legal_basis", "case_ref")
_INSERT = ("INSERT INTO audit (ts, username, role, team, action, outcome, path, resident_ids, detail, ip, "
           "purpose, legal_basis, case_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _why(access: Any) -> tuple[str, str, str]:
    """(purpose, legal basis, case reference) of an access context, '' when none was stated."""
    if access is None or not getattr(access, "purpose", None):
        return "", "", ""
    return str(access.purpose), str(getattr(access, "legal_basis", "") or ""), str(getattr(access, "case_ref", "") or "")


def _insert(db: Database, values: dict[str, Any], rids: list[str]) -> None:
    con = db.connect()
    with con:
        cur = con.execute(_INSERT, tuple(values[c] for c in COLUMNS))
        con.executemany("INSERT INTO audit_person (audit_id, resident_id) VALUES (?, ?)",
                        [(cur.lastrowid, r) for r in rids])


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def record(action: str, *, outcome: str = "ok", resident_ids: Iterable[str] = (), username: str | None = None,
           role: str | None = None, team: str | None = None, **detail: Any) -> None:
    """Append one entry; user, role, path and the session's purpose, legal basis and case reference
    default to the current request's (so every entry says why, not only who)."""
    user = getattr(g, "user", None) if has_request_context() else None
    access = getattr(g, "access", None) if has_request_context() else None
    purpose, basis, case_ref = _why(access if user is not None and (username is None or username == user.username)
                                    else None)
    rids = sorted({str(r) for r in resident_ids if r})
    _insert(_db(), {
        "ts": _now(), "username": username or (user.username if user else "-"),
        "role": role or (user.role if user else "-"),
        "team": team if team is not None else (user.team if user else ""), "action": action, "outcome": outcome,
        "path": request.full_path.rstrip("?") if has_request_context() else "",
        "resident_ids": ",".join(rids), "detail": json.dumps(detail, default=str, sort_keys=True),
        "ip": (request.remote_addr or "") if has_request_context() else "",
        "purpose": purpose, "legal_basis": basis, "case_ref": case_ref}, rids)


def search(*, username: str = "", resident_id: str = "", date_from: str = "", date_to: str = "",
           action: str = "", purpose: str = "", case_ref: str = "", limit: int = 500) -> list[Entry]:
    """Entries filtered by user, person, date range (inclusive, ISO dates), action, purpose and case
    reference, newest first."""
    w = (Where().add("a.purpose = ?", purpose).add("a.case_ref = ?", case_ref).add("a.username = ?", username)
         .add("a.id IN (SELECT audit_id FROM audit_person WHERE resident_id = ?)", resident_id)
         .dates("a.ts", date_from, date_to).add("a.action = ?", action))
    sql = w.around("SELECT a.* FROM audit a", "ORDER BY a.id DESC LIMIT ?")
    params = [*w.params, int(limit)]
    return [Entry(r["id"], r["ts"], r["username"], r["role"], r["team"], r["action"], r["outcome"], r["path"],
                  [x for x in r["resident_ids"].split(",") if x], json.loads(r["detail"]), r["ip"],
                  r["purpose"], r["legal_basis"], r["case_ref"])
            for r in _db().query(sql, tuple(params))]


def to_csv(entries: Iterable[Entry]) -> str:
    """Entries as CSV for the IG officer (formula-safe: a spreadsheet must not run a cell)."""
    import csv
    import io

    cols = ("id", "ts", "username", "role", "team", "action", "outcome", "purpose", "legal_basis", "case_ref",
            "path", "resident_ids", "detail", "ip")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for e in entries:
        row = []
        for c in cols:
            v = getattr(e, c)
            v = ";".join(v) if c == "resident_ids" else json.dumps(v, sort_keys=True) if c == "detail" else str(v)
            row.append("'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v)
        w.writerow(row)
    return buf.getvalue()


def actions() -> list[str]:
    return [r[0] for r in _db().query("SELECT DISTINCT action FROM audit ORDER BY action")]


def record_cli_event(access: Any, action: str, *, path: str, resident_ids: Iterable[str] = (),
                     outcome: str = "ok", data_dir: Any = None, **detail: Any) -> None:
    """Audit a command-line action (``residex query``, ``residex subject-access``) in the web app's log,
    with the run's purpose, legal basis and case reference (no Flask app needed).

    ``access`` is the run's ``graph.access.AccessContext``; the log lives in ``DATA/webapp.sqlite3``
    (``$RESIDEX_DATA`` or ``./residex-data`` unless ``data_dir`` is given).
    """
    from graph.store import data_dir as default_data_dir

    db = Database(db_path(data_dir or default_data_dir()))
    rids = sorted({str(r) for r in resident_ids if r})
    purpose, basis, case_ref = _why(access)
    detail = {"via": "cli", "purpose": purpose or None, "legal_basis": basis, "case_ref": case_ref, **detail}
    _insert(db, {"ts": _now(), "username": getattr(access, "user", "-"), "role": getattr(access, "role", "-"),
                 "team": getattr(access, "team", ""), "action": action, "outcome": outcome, "path": path,
                 "resident_ids": ",".join(rids), "detail": json.dumps(detail, default=str, sort_keys=True),
                 "ip": "", "purpose": purpose, "legal_basis": basis, "case_ref": case_ref}, rids)
    db.connect().close()


def record_cli_query(access: Any, query_name: str, params: dict[str, Any], n_rows: int,
                     resident_ids: Iterable[str] = (), data_dir: Any = None) -> None:
    """Audit a `residex query` run in the same durable log as the web app."""
    record_cli_event(access, "run_query", path=f"residex query {query_name}", resident_ids=resident_ids,
                     data_dir=data_dir, query=query_name, params=params, rows=n_rows)


def search_cli_trail(resident_id: str, data_dir: Any = None, limit: int = 100_000) -> list[dict[str, Any]]:
    """A resident's audit trail read without a Flask app (for ``residex subject-access``)."""
    from graph.store import data_dir as default_data_dir

    db = Database(db_path(data_dir or default_data_dir()))
    rows = db.query("SELECT a.* FROM audit a WHERE a.id IN (SELECT audit_id FROM audit_person WHERE resident_id = ?) "
                    "ORDER BY a.id DESC LIMIT ?", (resident_id, int(limit)))
    out = [{k: r[k] for k in r.keys()} for r in rows]
    db.connect().close()
    return out
