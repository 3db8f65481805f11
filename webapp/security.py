"""Sessions, CSRF and role checks, applied to every request before a view runs.

- The session cookie holds only the user id, a CSRF token and the login time (signed, HttpOnly,
  SameSite=Lax, Secure unless the app runs on localhost).
- Every state-changing request (POST, PUT, PATCH, DELETE) needs the session's CSRF token, from the
  form field ``csrf_token`` or, for JSON, the ``X-CSRF-Token`` header.
- ``@requires(...)`` names the roles that may use a view; anyone else gets 403 and an audit entry.
- Purpose (issue 7): a session states a purpose, a legal basis and (where needed) a case reference on
  ``/purpose``; they live in the session (``purpose``, ``legal_basis``, ``case_ref``, ``purpose_at``) and
  build the session's ``AccessContext``, so the purpose narrows what every query returns. Until one is
  stated, every guarded view except the administrator's accounts page sends the user to ``/purpose``
  (JSON routes answer 403 ``purpose_required``). The purpose ends with the session.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, g, redirect, request, session, url_for

from graph.access import AccessContext, AccessError, load_policy
from webapp import accounts

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.register", "static", "health"})

# Roles that may see named people (personal: full in graph/access.yaml) and so use person views.
PERSON_ROLES = ("fraud_investigator", "social_worker", "ig_officer")
PURPOSE_KEYS = ("purpose", "legal_basis", "case_ref", "purpose_at")
# Views a user may open before stating a purpose: they show no personal data and run no query.
NO_PURPOSE_VIEWS = frozenset({"accounts"})


class PurposeRequired(Exception):
    """A view that shows personal data or runs queries was asked for before a purpose was stated."""


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
    """The session's effective view: the role narrowed by the purpose stated in the session.

    A stored purpose that no longer holds (the administrator changed the role, or the policy file
    changed) is dropped, and the user is asked again rather than shown the role's wider view.
    """
    policy = load_policy()
    purpose = session.get("purpose")
    if purpose:
        try:
            return policy.context(user=user.username, role=user.role, team=user.team, purpose=purpose,
                                  legal_basis=session.get("legal_basis", ""), case_ref=session.get("case_ref", ""))
        except AccessError:
            clear_purpose()
    return policy.context(user=user.username, role=user.role, team=user.team)


def purpose_stated() -> bool:
    """True when the current session works under a stated purpose."""
    a = g.get("access")
    return bool(a is not None and a.purpose)


def set_purpose(purpose: str, legal_basis: str, case_ref: str, when: str) -> None:
    session["purpose"], session["legal_basis"], session["case_ref"], session["purpose_at"] = \
        purpose, legal_basis, case_ref, when


def clear_purpose() -> None:
    for k in PURPOSE_KEYS:
        session.pop(k, None)


def current_purpose() -> dict[str, str] | None:
    """What the header shows: the stated purpose's name and title, legal basis, case reference, since."""
    a = g.get("access")
    if a is None or not a.purpose:
        return None
    p = load_policy().purposes.get(a.purpose)
    return {"name": a.purpose, "title": p.title if p else a.purpose, "legal_basis": a.legal_basis,
            "case_ref": a.case_ref, "at": session.get("purpose_at", "")}


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


def requires(*roles: str, purpose: bool = True) -> Callable:
    """Only these roles may call the view; others get 403 (audited by the error handler). With
    ``purpose`` (the default) the session must also have stated a purpose (else PurposeRequired)."""
    allowed = frozenset(roles)

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                abort(401)
            if g.user.role not in allowed:
                abort(403, description=f"the {g.user.role_title} role may not use this page")
            if purpose and not purpose_stated():
                raise PurposeRequired("state the purpose, legal basis and case reference of this session first")
            return view(*args, **kwargs)

        inner.allowed_roles = allowed  # type: ignore[attr-defined]  # read by the route-coverage test
        inner.needs_purpose = purpose  # type: ignore[attr-defined]
        return inner

    return wrap


def requires_purpose(*purposes: str) -> Callable:
    """The view works only under one of these purposes; another stated purpose gets 403 (audited)."""
    names = frozenset(purposes)

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            a = g.get("access")
            if a is None or a.purpose not in names:
                titles = ", ".join(sorted(p.title for n, p in load_policy().purposes.items() if n in names))
                abort(403, description=f"this page is only for the purpose: {titles} (change purpose first)")
            return view(*args, **kwargs)

        return inner

    return wrap


def purpose_redirect() -> Any:
    """Where a page asked for before a purpose was stated sends the user (back here afterwards)."""
    target = request.full_path.rstrip("?") if request.method == "GET" else (request.referrer or "")
    if target and not target.startswith("/"):
        from urllib.parse import urlparse

        u = urlparse(target)
        target = u.path + (f"?{u.query}" if u.query else "") if u.netloc == request.host else ""
    return redirect(url_for("purpose.state", next=target or None))


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

    return requires(*roles_with(view), purpose=view not in NO_PURPOSE_VIEWS)
