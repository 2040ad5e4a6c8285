"""Error pages in the user's language, never with a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..api.views import default_message, error_response
from ..errors import RETRY_AFTER, database_unavailable, record_database_down, rollback
from ..requestlog import request_id

log = logging.getLogger(__name__)

TITLES = {
    400: _l("The request could not be processed"),
    401: _l("Please log in"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("Conflict"),
    413: _l("The file or form is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is briefly unavailable"),
}


def wants_json() -> bool:
    """JSON for API paths, JSON request bodies and clients that prefer JSON over HTML."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def _render(status: int, detail: str | None):
    title = TITLES.get(status, TITLES[500])
    if request.path.startswith("/api/v1/"):
        # a URL no API route matched (e.g. a number too large): still the API's error format
        return error_response(status, default_message(status)), status
    if wants_json():
        body = {"code": status, "message": str(title), "detail": detail, "request_id": request_id()}
        return {"error": body}, status
    return render_template("error.html", status=status, title=title, detail=detail), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(
            400,
            str(
                _l(
                    "The form expired or was not sent from this site. "
                    "Reload the page; what you typed is still in the form."
                )
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        detail = error.description if status == 400 else None
        if status == 429:
            detail = str(_l("Too many failed attempts. Wait a few minutes, then try again."))
        return _render(status, detail)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if database_unavailable(error):
            return database_down(error)
        log.exception("%s unhandled error on %s %s", request_id(), request.method, request.path)
        rollback()  # the page itself reads the user: the session must be usable again
        return _render(InternalServerError.code, None)


def database_down(error: Exception):
    """503: nothing was saved (the transaction is rolled back); the browser keeps the edit."""
    record_database_down(error)
    detail = str(
        _l(
            "Nothing was saved. What you typed is kept in this browser: "
            "go back, wait a minute and try again."
        )
    )
    response, status = _render(503, detail)
    return response, status, {"Retry-After": str(RETRY_AFTER)}
