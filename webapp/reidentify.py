"""The re-identification log: every attempt to turn a pseudonym back into a person, durably in SQLite.

Kept apart from the general audit log (which also gets a ``reidentify`` entry) because each row carries
a written justification and an IG review state: the IG officer's review page reads this table.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import current_app

from webapp.db import Database, Where

SCHEMA = """
CREATE TABLE IF NOT EXISTS reidentification (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    legal_basis TEXT NOT NULL DEFAULT '',
    case_ref TEXT NOT NULL DEFAULT '',
    pseudonym TEXT NOT NULL DEFAULT '',
    resident_id TEXT NOT NULL DEFAULT '',
    justification TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    review_outcome TEXT NOT NULL DEFAULT '',
    review_note TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT NOT NULL DEFAULT '',
    reviewed_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS reid_user ON reidentification(username, ts);
CREATE INDEX IF NOT EXISTS reid_review ON reidentification(review_outcome);
"""
OUTCOMES = ("reidentified", "not_found", "refused")
REVIEW_OUTCOMES = ("appropriate", "concern")
MIN_JUSTIFICATION = 30


class JustificationError(ValueError):
    """The justification or case reference is missing or not a real reason; the message is for the user."""


@dataclass(frozen=True)
class Attempt:
    id: int
    ts: str
    username: str
    role: str
    team: str
    purpose: str
    legal_basis: str
    case_ref: str
    pseudonym: str
    resident_id: str
    justification: str
    ip: str
    outcome: str
    reason: str
    review_outcome: str
    review_note: str
    reviewed_by: str
    reviewed_at: str


def _db() -> Database:
    db: Database = current_app.extensions["residex_db"]
    if not getattr(db, "_reid_schema", False):  # our own table, created once per Database
        db.connect().executescript(SCHEMA)
        db._reid_schema = True  # type: ignore[attr-defined]
    return db


def check_justification(justification: str, case_ref: str) -> None:
    """A written reason of at least 30 characters that is more than padding, and a case reference."""
    text = " ".join((justification or "").split())
    if not text:
        raise JustificationError("a written justification is required to re-identify anyone")
    if len(text) < MIN_JUSTIFICATION:
        raise JustificationError(f"the justification must be at least {MIN_JUSTIFICATION} characters "
                                 f"(it is {len(text)}): say why this person must be identified")
    letters = re.sub(r"[^a-z0-9]", "", text.lower())
    words = re.findall(r"[A-Za-z]{2,}", text)
    if len(set(letters)) < 6 or len({w.lower() for w in words}) < 4:
        raise JustificationError("the justification must be a written reason, not repeated characters")
    if not (case_ref or "").strip():
        raise JustificationError("a case reference is required to re-identify anyone")


def record(*, username: str, role: str, team: str, purpose: str, legal_basis: str, case_ref: str,
           pseudonym: str, resident_id: str, justification: str, ip: str, outcome: str, reason: str = "") -> int:
    """Append one attempt (every attempt, whatever its outcome); returns its id."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}")
    con = _db().connect()
    with con:
        cur = con.execute(
            "INSERT INTO reidentification (ts, username, role, team, purpose, legal_basis, case_ref, pseudonym, "
            "resident_id, justification, ip, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), username, role, team, purpose or "",
             legal_basis or "", case_ref or "", pseudonym or "", resident_id or "", justification or "", ip or "",
             outcome, reason))
    return int(cur.lastrowid or 0)


def attempts(*, username: str = "", date_from: str = "", date_to: str = "", unreviewed: bool = False,
             limit: int = 500) -> list[Attempt]:
    """Attempts filtered by user and date range (inclusive ISO dates), newest first."""
    w = (Where().add("username = ?", username).dates("ts", date_from, date_to)
         .flag("review_outcome = ''", unreviewed))
    sql = w.around("SELECT * FROM reidentification", "ORDER BY id DESC LIMIT ?")
    params = [*w.params, int(limit)]
    return [Attempt(**{k: r[k] for k in r.keys()}) for r in _db().query(sql, tuple(params))]


def get(attempt_id: int) -> Attempt | None:
    rows = _db().query("SELECT * FROM reidentification WHERE id = ?", (int(attempt_id),))
    return Attempt(**{k: rows[0][k] for k in rows[0].keys()}) if rows else None


def unreviewed_count() -> int:
    return int(_db().query("SELECT count(*) FROM reidentification WHERE review_outcome = ''")[0][0])


def mark_reviewed(attempt_id: int, *, reviewer: str, outcome: str, note: str) -> Attempt:
    """Record the IG officer's judgement on one attempt (appropriate or concern, with a note)."""
    if outcome not in REVIEW_OUTCOMES:
        raise ValueError(f"review outcome must be one of {REVIEW_OUTCOMES}")
    con = _db().connect()
    with con:
        cur = con.execute("UPDATE reidentification SET review_outcome = ?, review_note = ?, reviewed_by = ?, "
                          "reviewed_at = ? WHERE id = ?",
                          (outcome, note.strip(), reviewer, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                           int(attempt_id)))
    if not cur.rowcount:
        raise LookupError(attempt_id)
    attempt = get(attempt_id)
    assert attempt is not None
    return attempt
