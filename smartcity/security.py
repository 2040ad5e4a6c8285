"""Security headers on every response; sessions: log-in, log-out, idle time-out, binding.

A session is recorded on the server (`services.accounts.start_session`): the cookie carries a
random secret whose row ends at log-out, idle time-out, password change or reset, deactivation
or an administrator's "end all sessions", after which no copy of the cookie works. Flask-Login's
"strong" protection also binds the session to the client address and browser; the address is
the one the app believes (the socket's, or with `PROXY_FIX` the proxies'), never a forwarded
header on its own.
"""

from __future__ import annotations

import hashlib
import time
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

# The app needs no inline script or style and loads nothing from other hosts.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# session key: when the logged-in user last made a request (seconds since the epoch)
LAST_ACTIVE = "last_active"
# session key: the secret naming this session's row on the server
SESSION_TOKEN = "_session_token"
# answered with JSON (401), never with a redirect to the log-in page
JSON_ENDPOINTS = frozenset(
    {
        "autosave.save",
        "autosave.save_region_answer",
        "evidence.upload",
        "evidence.remove",
        "evidence.upload_region",
        "evidence.remove_region",
    }
)


def register(app: Flask) -> None:
    app.before_request(end_idle_session)
    app.before_request(leave_ended_session)

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


def session_identifier() -> str:
    """What Flask-Login's strong protection binds a session to: the client address as the app
    believes it (ProxyFix rewrites it only when PROXY_FIX trusts proxies) and the browser.

    Flask-Login's own identifier reads X-Forwarded-For from any client: a stolen cookie
    replayed with a forged header would pass.
    """
    agent = request.headers.get("User-Agent", "")
    base = f"{request.remote_addr}|{agent}"
    return hashlib.sha512(base.encode("utf-8", "surrogatepass")).hexdigest()


def log_in(user) -> None:
    """A fresh session for `user`: nothing from before carries over but the language."""
    from .services import accounts

    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    login_user(user)
    session[SESSION_TOKEN] = accounts.start_session(user)
    session[LAST_ACTIVE] = int(time.time())  # the idle time-out counts from here


def log_out(reason: str) -> None:
    """End the session for good (on the server too), keeping only the chosen language."""
    from .services import accounts

    accounts.end_session(session.get(SESSION_TOKEN), reason)
    language = session.get("language")
    logout_user()
    session.clear()
    if language:
        session["language"] = language


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
    log_out("idle")
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


def leave_ended_session() -> Response | None:
    """A session ended on the server (elsewhere) goes to the log-in page once, saying why."""
    from flask_login import current_user

    if request.endpoint == "static" or "_user_id" not in session:
        return None
    if current_user.is_authenticated:
        return None
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    if request.endpoint in JSON_ENDPOINTS or request.blueprint == "auth":
        return None
    flash(
        _(
            "Your session has ended (logged out, password changed or reset, or ended by an "
            "administrator). Log in again."
        ),
        "info",
    )
    return redirect(url_for("auth.login"), 303 if request.method != "GET" else 302)


def return_path() -> str | None:
    """The page to come back to after logging in again (a form post returns to its page)."""
    if request.method == "GET":
        return safe_next(request.full_path.rstrip("?"), "") or None
    referrer = request.referrer or ""
    host = request.host_url
    if referrer.startswith(host):
        return safe_next("/" + referrer[len(host) :], "") or None
    return None


def safe_next(target: str | None, default: str = "/") -> str:
    """The one check of every redirect target taken from a request (`next=`, a referrer): a
    path on this site, without control characters (a line feed would split the header) or
    backslashes; anything else gives `default`."""
    if not target or any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in target):
        return default
    if "\\" in target or not target.startswith("/") or target.startswith("//"):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    if parts.scheme or parts.netloc:
        return default
    return target
