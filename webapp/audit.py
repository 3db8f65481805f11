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

from webapp.db import Database


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


def _db() -> Database:
    return current_app.extensions["residex_db"]


def db_path(data_dir: Any) -> Any:
    """The web app's SQLite file under a data directory (accounts and the audit log)."""
    from pathlib import Path

    return Path(data_dir) / "webapp.sqlite3"


def record(action: str, *, outcome: str = "ok", resident_ids: Iterable[str] = (), username: str | None = None,
           role: str | None = None, team: str | None = None, **detail: Any) -> None:
    """Append one entry; user, role and path default to the current request's."""
    user = getattr(g, "user", None) if has_request_context() else None
    rids = sorted({str(r) for r in resident_ids if r})
    db = _db()
    con = db.connect()
    with con:
        cur = con.execute(
            "INSERT INTO audit (ts, username, role, team, action, outcome, path, resident_ids, detail, ip) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
             username or (user.username if user else "-"), role or (user.role if user else "-"),
             team if team is not None else (user.team if user else ""), action, outcome,
             request.full_path.rstrip("?") if has_request_context() else "",
             ",".join(rids), json.dumps(detail, default=str, sort_keys=True),
             (request.remote_addr or "") if has_request_context() else ""))
        con.executemany("INSERT INTO audit_person (audit_id, resident_id) VALUES (?, ?)",
                        [(cur.lastrowid, r) for r in rids])


def search(*, username: str = "", resident_id: str = "", date_from: str = "", date_to: str = "",
           action: str = "", limit: int = 500) -> list[Entry]:
    """Entries filtered by user, person, date range (inclusive, ISO dates) and action, newest first."""
    where, params = [], []
    if username:
        where.append("a.username = ?")
        params.append(username)
    if resident_id:
        where.append("a.id IN (SELECT audit_id FROM audit_person WHERE resident_id = ?)")
        params.append(resident_id)
    if date_from:
        where.append("a.ts >= ?")
        params.append(dt.date.fromisoformat(date_from).isoformat())
    if date_to:
        where.append("a.ts < ?")
        params.append((dt.date.fromisoformat(date_to) + dt.timedelta(days=1)).isoformat())
    if action:
        where.append("a.action = ?")
        params.append(action)
    sql = "SELECT a.* FROM audit a"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY a.id DESC LIMIT ?"
    params.append(int(limit))
    return [Entry(r["id"], r["ts"], r["username"], r["role"], r["team"], r["action"], r["outcome"], r["path"],
                  [x for x in r["resident_ids"].split(",") if x], json.loads(r["detail"]), r["ip"])
            for r in _db().query(sql, tuple(params))]


def actions() -> list[str]:
    return [r[0] for r in _db().query("SELECT DISTINCT action FROM audit ORDER BY action")]


def record_cli_query(access: Any, query_name: str, params: dict[str, Any], n_rows: int,
                     resident_ids: Iterable[str] = (), data_dir: Any = None) -> None:
    """Audit a `residex query` run in the same durable log as the web app (no Flask app needed).

    ``access`` is the run's ``graph.access.AccessContext``; the log lives in ``DATA/webapp.sqlite3``
    (``$RESIDEX_DATA`` or ``./residex-data`` unless ``data_dir`` is given).
    """
    from graph.store import data_dir as default_data_dir

    db = Database(db_path(data_dir or default_data_dir()))
    rids = sorted({str(r) for r in resident_ids if r})
    detail = {"query": query_name, "params": params, "rows": n_rows, "via": "cli",
              "purpose": getattr(access, "purpose", None), "legal_basis": getattr(access, "legal_basis", ""),
              "case_ref": getattr(access, "case_ref", "")}
    con = db.connect()
    with con:
        cur = con.execute(
            "INSERT INTO audit (ts, username, role, team, action, outcome, path, resident_ids, detail, ip) "
            "VALUES (?, ?, ?, ?, 'run_query', 'ok', ?, ?, ?, '')",
            (dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), getattr(access, "user", "-"),
             getattr(access, "role", "-"), getattr(access, "team", ""), f"residex query {query_name}",
             ",".join(rids), json.dumps(detail, default=str, sort_keys=True)))
        con.executemany("INSERT INTO audit_person (audit_id, resident_id) VALUES (?, ?)",
                        [(cur.lastrowid, r) for r in rids])
    con.close()
