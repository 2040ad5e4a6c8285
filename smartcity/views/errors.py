"""Error pages in the user's language, never with a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
}


def _render(status: int, detail: str | None):
    title = TITLES.get(status, TITLES[500])
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
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
        log.exception("%s unhandled error on %s %s", request_id(), request.method, request.path)
        return _render(InternalServerError.code, None)
