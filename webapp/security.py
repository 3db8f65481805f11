"""Sessions, CSRF and role checks, applied to every request before a view runs.

- The session cookie holds only the user id, a CSRF token and the login time (signed, HttpOnly,
  SameSite=Lax, Secure unless the app runs on localhost).
- Every state-changing request (POST, PUT, PATCH, DELETE) needs the session's CSRF token, from the
  form field ``csrf_token`` or, for JSON, the ``X-CSRF-Token`` header.
- ``@requires(...)`` names the roles that may use a view; anyone else gets 403 and an audit entry.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, g, redirect, request, session, url_for

from graph.access import AccessContext, load_policy
from webapp import accounts

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.register", "static", "health"})

# Roles that may see named people (personal: full in graph/access.yaml) and so use person views.
PERSON_ROLES = ("fraud_investigator", "social_worker", "ig_officer")


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    return bool(expected and given and hmac.compare_digest(str(expected), str(given)))


class CsrfError(Exception):
    """A state-changing request came without the session's CSRF token."""


def _load_user() -> None:
    g.user = None
    g.access = None
    uid = session.get("uid")
    if uid is None:
        return
    user = accounts.get_user_by_id(uid)
    if user is None or not user.approved or accounts.is_locked(user):
        session.clear()
        return
    g.user = user
    g.access = access_for(user)


def access_for(user: accounts.User) -> AccessContext:
    """The session's effective view (role today; purpose and case reference arrive with issue 7)."""
    return load_policy().context(user=user.username, role=user.role, team=user.team)


def before_request() -> Any:
    _load_user()
    if request.method not in SAFE_METHODS and not _csrf_ok():
        raise CsrfError("missing or wrong CSRF token")
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if g.user is None:
        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    return None


def requires(*roles: str) -> Callable:
    """Only these roles may call the view; others get 403 (audited by the error handler)."""
    allowed = frozenset(roles)

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                abort(401)
            if g.user.role not in allowed:
                abort(403, description=f"the {g.user.role_title} role may not use this page")
            return view(*args, **kwargs)

        inner.allowed_roles = allowed  # type: ignore[attr-defined]  # read by the route-coverage test
        return inner

    return wrap


def login(user: accounts.User) -> None:
    """A fresh session on login (no fixation), permanent so the lifetime setting applies."""
    session.clear()
    session["uid"] = user.id
    session.permanent = True
    csrf_token()


def init_app(app: Flask) -> None:
    app.before_request(before_request)
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.after_request
    def headers(resp):  # noqa: ANN001, ANN202
        # Offline councils: no page may fetch from another host, and nothing may be framed.
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        if g.get("user") is not None:
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp


def requires_view(view: str) -> Callable:
    """The roles that webapp/views.yaml lets open this view."""
    from webapp.policy import roles_with

    return requires(*roles_with(view))
