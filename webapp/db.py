"""SQLite for the web app's own durable state (accounts, audit log), kept out of the graph on purpose:
the graph is rebuilt from the index on every load, while accounts and the audit trail must survive it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path
from typing import Any


class Where:
    """A WHERE clause from optional filters: each is skipped when its value is empty, and every value is
    bound as a parameter (the column names are the caller's constants, never a request's)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, value: Any) -> Where:
        if value not in (None, "", False):
            self.parts.append(clause)
            self.params.append(value)
        return self

    def flag(self, clause: str, on: bool) -> Where:
        if on:
            self.parts.append(clause)
        return self

    def dates(self, column: str, date_from: str, date_to: str) -> Where:
        """An inclusive range of ISO dates on an ISO timestamp column."""
        if date_from:
            self.add(f"{column} >= ?", dt.date.fromisoformat(date_from).isoformat())
        if date_to:
            self.add(f"{column} < ?", (dt.date.fromisoformat(date_to) + dt.timedelta(days=1)).isoformat())
        return self

    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.parts) if self.parts else ""

    def around(self, head: str, tail: str = "") -> str:
        """``head`` (a fixed SELECT ... FROM), this clause, then ``tail`` (fixed ORDER BY / LIMIT)."""
        return head + self.sql() + (" " + tail if tail else "")


SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '',
    approved INTEGER NOT NULL DEFAULT 0,
    approved_by TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    last_login TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    path TEXT NOT NULL DEFAULT '',
    resident_ids TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}',
    ip TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    legal_basis TEXT NOT NULL DEFAULT '',
    case_ref TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_user ON audit(username, ts);
CREATE INDEX IF NOT EXISTS audit_ts ON audit(ts);
CREATE TABLE IF NOT EXISTS audit_person (
    audit_id INTEGER NOT NULL REFERENCES audit(id),
    resident_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_person_rid ON audit_person(resident_id);
"""
# Columns added after the first release: (table, column, declaration). A log written by an older
# version gains them with ALTER TABLE, so no existing entry is lost (old rows get '').
MIGRATIONS = (
    ("audit", "purpose", "TEXT NOT NULL DEFAULT ''"),
    ("audit", "legal_basis", "TEXT NOT NULL DEFAULT ''"),
    ("audit", "case_ref", "TEXT NOT NULL DEFAULT ''"),
)
POST_MIGRATION = """
CREATE INDEX IF NOT EXISTS audit_purpose ON audit(purpose, ts);
CREATE INDEX IF NOT EXISTS audit_case ON audit(case_ref);
"""


def migrate(con: sqlite3.Connection) -> list[str]:
    """Add any missing columns in place; returns what was added (for tests and logs)."""
    added = []
    for table, column, decl in MIGRATIONS:
        have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
            added.append(f"{table}.{column}")
    con.executescript(POST_MIGRATION)
    return added


class Database:
    """One SQLite file; a connection per thread (sqlite3 connections must not cross threads)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self.connect() as con:
            con.executescript(SCHEMA)
            migrate(con)

    def connect(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA foreign_keys=ON")
            self._local.con = con
        return con

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self.connect().execute(sql, params)

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.connect().execute(sql, params).fetchall()
