"""Residex web explorer: a Flask app for fraud investigators, social workers, analysts and IG officers.

``create_app(config)`` builds the app (blueprints per feature, one module owning the graph store, SQLite
for accounts and the audit log under the data directory); ``serve(host, port, data_dir)`` runs it.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from flask import Flask, g, jsonify, render_template, request

from graph.errors import StoreError
from graph.keys import secret
from graph.library import Forbidden, LibraryError, ParamError, UnknownQuery, load_library
from graph.store import data_dir as default_data_dir
from webapp import audit, graphstore, security
from webapp.db import Database
from webapp.explanations import Explanations
from webapp.policy import load_views
from webapp.services import BadInput, NotFound

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _secret_key(data: Path) -> str:
    """A per-installation key in DATA/secrets/webapp.key (0600), created on first start."""
    return secret(data, "webapp", "RESIDEX_SECRET_KEY")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The app. Config keys: DATA_DIR, INDEX_DIR, STORE (an open GraphStore to use), QUERY_DIR,
    LOCALHOST (True: session cookie without Secure, for http://127.0.0.1), SECRET_KEY, TESTING."""
    config = dict(config or {})
    app = Flask(__name__)
    data = Path(config.get("DATA_DIR") or default_data_dir())
    index = config.get("INDEX_DIR")
    if index is None:  # the index next to the data: `residex link --out DATA/index`, or `residex demo`'s
        index = next((d for d in (data / "index", data / "demo" / "index")
                      if (d / "match_explanations.parquet").exists()), None)
    app.config.update(
        DATA_DIR=str(data), INDEX_DIR=str(index) if index else None, QUERY_TIMEOUT_S=30.0,
        SESSION_COOKIE_NAME="residex_session", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not config.get("LOCALHOST", False),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8), MAX_CONTENT_LENGTH=1 << 20,
        NETWORK_CAP=25, NETWORK_MAX_NODES=250,
    )
    app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(data)

    load_views()  # a malformed views.yaml stops start-up here, not on the first request
    app.extensions["residex_db"] = Database(Path(app.config.get("DB_PATH") or audit.db_path(data)))
    app.extensions["residex_library"] = load_library(app.config.get("QUERY_DIR"))
    app.extensions["residex_explanations"] = Explanations(Path(index) if index else None)
    graphstore.init_app(app)
    security.init_app(app)

    from webapp.blueprints import (
        admin,
        api,
        auditlog,
        auth,
        insights,
        main,
        network,
        people,
        pseudonym,
        queries,
        review,
    )

    for bp in (auth.bp, main.bp, people.bp, network.bp, queries.bp, insights.bp, auditlog.bp, admin.bp, api.bp,
               pseudonym.bp, review.bp):
        app.register_blueprint(bp)
    from webapp.blueprints import purpose, quality, subject_access

    for bp in (purpose.bp, subject_access.bp, quality.bp):  # issue 7: purpose, SAR, data quality
        app.register_blueprint(bp)
    _errors(app)

    @app.get("/health")
    def health() -> Any:
        return jsonify(ok=True)

    @app.context_processor
    def inject() -> dict[str, Any]:
        from webapp import policy

        role = g.user.role if g.get("user") else None
        return {"user": g.get("user"), "can": (lambda view: bool(role) and policy.can(role, view)),
                "current_purpose": security.current_purpose() if role else None}

    return app


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _error(status: int, code: str, message: str) -> Any:
    if _wants_json():
        return jsonify(error={"status": status, "code": code, "message": message}), status
    return render_template("error.html", status=status, code=code, message=message), status


def _errors(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(e: Any) -> Any:
        msg = getattr(e, "description", None) or "forbidden"
        audit.record("refused", outcome="refused", reason=msg, method=request.method)
        return _error(403, "forbidden", msg)

    @app.errorhandler(Forbidden)
    def forbidden_query(e: Forbidden) -> Any:
        audit.record("refused", outcome="refused", reason=str(e), method=request.method)
        return _error(403, "forbidden", str(e))

    @app.errorhandler(security.PurposeRequired)
    def purpose_required(e: security.PurposeRequired) -> Any:
        if _wants_json():
            return _error(403, "purpose_required", str(e))
        return security.purpose_redirect()

    @app.errorhandler(security.CsrfError)
    def csrf(e: security.CsrfError) -> Any:
        audit.record("csrf_refused", outcome="refused", reason=str(e), method=request.method)
        return _error(400, "csrf", "the form has expired or did not come from this site: reload and try again")

    @app.errorhandler(401)
    def unauthorised(e: Any) -> Any:
        return _error(401, "unauthorised", "log in first")

    @app.errorhandler(404)
    def not_found(e: Any) -> Any:
        return _error(404, "not_found", "nothing here that you may see")

    @app.errorhandler(NotFound)
    def not_visible(e: NotFound) -> Any:
        audit.record("not_found", outcome="not_found", key=str(e))
        return _error(404, "not_found", "nothing here that you may see")

    @app.errorhandler(UnknownQuery)
    def unknown_query(e: UnknownQuery) -> Any:
        return _error(404, "unknown_query", str(e))

    @app.errorhandler(ParamError)
    def bad_param(e: ParamError) -> Any:
        return _error(400, "bad_parameter", str(e))

    @app.errorhandler(BadInput)
    def bad_input(e: BadInput) -> Any:
        return _error(400, "bad_input", str(e))

    @app.errorhandler(LibraryError)
    def library_error(e: LibraryError) -> Any:
        return _error(400, "query_error", str(e))

    @app.errorhandler(StoreError)
    def store_error(e: StoreError) -> Any:
        app.logger.error("store error: %s", e)
        return _error(503, "store_unavailable", "the graph store could not answer; try again or tell the administrator")

    @app.errorhandler(405)
    def method(e: Any) -> Any:
        return _error(405, "method_not_allowed", "method not allowed")

    @app.errorhandler(400)
    def bad_request(e: Any) -> Any:
        return _error(400, "bad_request", getattr(e, "description", "bad request"))


def serve(host: str = "127.0.0.1", port: int = 5000, data_dir: Path | None = None, *,
          index_dir: Path | None = None, app: Flask | None = None) -> None:
    """Run the explorer with werkzeug's threaded server (behind a TLS-terminating proxy in production).

    ``app`` reuses an app already made (``residex demo`` creates its accounts first). The session cookie
    is Secure unless the host is a loopback address, where browsers reach it over plain http.
    """
    from werkzeug.serving import run_simple

    if app is None:
        app = create_app({"DATA_DIR": data_dir or default_data_dir(), "INDEX_DIR": index_dir,
                          "LOCALHOST": host in LOCAL_HOSTS})
    elif host in LOCAL_HOSTS:
        app.config["SESSION_COOKIE_SECURE"] = False
    app.extensions["residex_explanations"].warm()
    if threading.current_thread() is threading.main_thread():
        # A service manager stops us with SIGTERM: exit through `finally` so the store closes cleanly.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        graphstore.close(app)
