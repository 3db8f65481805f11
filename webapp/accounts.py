"""User accounts: hashed passwords, administrator approval before first use, lock-out after failures.

Roles come from graph/access.yaml; teams are free labels the administrator assigns (housing fraud,
children's services...). Accounts live in SQLite under the data directory, not in the graph.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import Flask, current_app
from werkzeug.security import check_password_hash, generate_password_hash

from graph.access import load_policy
from webapp.db import Database

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
TEAMS = ("Housing fraud", "Council tax", "Children's services", "Adult social care", "Insight and analytics",
         "Information governance", "Digital services")

DEMO_ACCOUNTS = (
    ("fraud", "fraud_investigator", "Housing fraud"),
    ("social", "social_worker", "Children's services"),
    ("analyst", "analyst", "Insight and analytics"),
    ("ig", "ig_officer", "Information governance"),
    ("admin", "administrator", "Digital services"),
)


class AccountError(ValueError):
    """A request about an account cannot be honoured; the message is fit for the user."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    team: str
    approved: bool
    failed_logins: int
    locked_until: str | None
    created_at: str
    last_login: str | None

    @property
    def role_title(self) -> str:
        return load_policy().role(self.role).title


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _db(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["residex_db"]


def _user(row) -> User:
    return User(row["id"], row["username"], row["role"], row["team"], bool(row["approved"]),
                row["failed_logins"], row["locked_until"], row["created_at"], row["last_login"])


def roles() -> dict[str, str]:
    return {name: r.title for name, r in load_policy().roles.items()}


def get_user(username: str, app: Flask | None = None) -> User | None:
    rows = _db(app).query("SELECT * FROM users WHERE username = ?", (username,))
    return _user(rows[0]) if rows else None


def get_user_by_id(user_id: int, app: Flask | None = None) -> User | None:
    rows = _db(app).query("SELECT * FROM users WHERE id = ?", (user_id,))
    return _user(rows[0]) if rows else None


def list_users(app: Flask | None = None) -> list[User]:
    return [_user(r) for r in _db(app).query("SELECT * FROM users ORDER BY approved, username")]


def create_user(username: str, password: str, role: str, team: str = "", *, approved: bool = False,
                approved_by: str | None = None, app: Flask | None = None) -> User:
    """A new account; unapproved unless an administrator creates it approved."""
    username = username.strip()
    if not username or len(username) > 64 or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise AccountError("a username is 1-64 letters, digits, '.', '_' or '-'")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if role not in roles():
        raise AccountError(f"unknown role {role!r}")
    if get_user(username, app):
        raise AccountError(f"the username {username!r} is taken")
    _db(app).execute(
        "INSERT INTO users (username, password_hash, role, team, approved, approved_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (username, generate_password_hash(password), role, team.strip(), int(approved), approved_by,
         _now().isoformat()))
    user = get_user(username, app)
    assert user is not None
    return user


def approve(username: str, by: str, app: Flask | None = None) -> None:
    _db(app).execute("UPDATE users SET approved = 1, approved_by = ? WHERE username = ?", (by, username))


def set_role(username: str, role: str, team: str, app: Flask | None = None) -> None:
    if role not in roles():
        raise AccountError(f"unknown role {role!r}")
    _db(app).execute("UPDATE users SET role = ?, team = ? WHERE username = ?", (role, team.strip(), username))


def unlock(username: str, app: Flask | None = None) -> None:
    _db(app).execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = ?", (username,))


def is_locked(user: User) -> bool:
    return bool(user.locked_until) and dt.datetime.fromisoformat(user.locked_until) > _now()


def authenticate(username: str, password: str, app: Flask | None = None) -> tuple[User | None, str]:
    """(user, "ok") or (None|user, reason). Reasons: unknown, locked, bad_password, unapproved.

    The caller shows one message for every failure so that usernames cannot be probed; the reason goes
    to the audit log. Failures count even when the account is locked, and the lock is re-armed.
    """
    db = _db(app)
    user = get_user(username, app)
    if user is None:
        check_password_hash(generate_password_hash("x"), password)  # same cost as a real check
        return None, "unknown"
    if is_locked(user):
        return user, "locked"
    if not check_password_hash(db.query("SELECT password_hash FROM users WHERE id = ?", (user.id,))[0][0],
                               password):
        failures = user.failed_logins + 1
        locked = (_now() + dt.timedelta(minutes=LOCK_MINUTES)).isoformat() if failures >= MAX_FAILURES else None
        db.execute("UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
                   (0 if locked else failures, locked, user.id))
        return user, "locked_now" if locked else "bad_password"
    if not user.approved:
        return user, "unapproved"
    db.execute("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login = ? WHERE id = ?",
               (_now().isoformat(), user.id))
    return user, "ok"


def create_demo_accounts(app: Flask) -> list[tuple[str, str, str, str]]:
    """One approved account per role with a fresh random password: (username, password, role, team).

    An existing demo account gets a new password, so `residex demo` can always print working ones.
    """
    out = []
    with app.app_context():
        for username, role, team in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            if get_user(username, app):
                _db(app).execute("UPDATE users SET password_hash = ?, role = ?, team = ?, approved = 1, "
                                 "failed_logins = 0, locked_until = NULL WHERE username = ?",
                                 (generate_password_hash(password), role, team, username))
            else:
                create_user(username, password, role, team, approved=True, approved_by="residex demo", app=app)
            out.append((username, password, role, team))
    return out
