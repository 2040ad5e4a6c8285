"""Security headers on every response, and the log-out of sessions left idle too long."""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import logout_user

from .views.helpers import safe_next

# The app needs no inline script or style and loads nothing from other hosts.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# session key: when the logged-in user last made a request (seconds since the epoch)
LAST_ACTIVE = "last_active"
# answered with JSON (401), never with a redirect to the log-in page
JSON_ENDPOINTS = frozenset({"autosave.save"})


def register(app: Flask) -> None:
    app.before_request(end_idle_session)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            # pages show an agency's answers: never kept by shared proxies
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def end_idle_session() -> Response | None:
    """Log out a session unused for longer than SESSION_IDLE_MINUTES.

    Pages then go to the log-in page, which brings the user back here; the autosave endpoint
    sees an anonymous user and answers 401, and the browser keeps the unsaved edits.
    """
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    now = int(time.time())
    last_active = session.get(LAST_ACTIVE)
    limit = int(current_app.config.get("SESSION_IDLE_MINUTES", 60)) * 60
    if isinstance(last_active, int) and now - last_active <= limit:
        if now - last_active >= 30:  # the cookie need not change on every request
            session[LAST_ACTIVE] = now
        return None
    if last_active is None:
        # logged in before the idle check existed (or by a test helper): start counting now
        session[LAST_ACTIVE] = now
        return None
    language = session.get("language")
    logout_user()
    session.clear()
    if language:
        session["language"] = language
    if request.endpoint in JSON_ENDPOINTS or request.blueprint == "auth":
        return None
    flash(
        _(
            "Your session ended after %(minutes)d minutes without activity. Log in again to "
            "continue.",
            minutes=limit // 60,
        ),
        "info",
    )
    return redirect(url_for("auth.login", next=return_path()))


def return_path() -> str | None:
    """The page to come back to after logging in again (a form post returns to its page)."""
    if request.method == "GET":
        return safe_next(request.full_path.rstrip("?"), "") or None
    referrer = request.referrer or ""
    host = request.host_url
    if referrer.startswith(host):
        return safe_next("/" + referrer[len(host) :], "") or None
    return None
