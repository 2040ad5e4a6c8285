"""What every error reply shares (pages, JSON API, autosave): is the database down, roll back."""

from __future__ import annotations

import logging

from flask import g, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from .extensions import db, login_manager
from .requestlog import request_id

log = logging.getLogger(__name__)

# seconds a client should wait before trying again after a 503
RETRY_AFTER = 60


def database_unavailable(error: Exception) -> bool:
    """Whether an error means the database cannot be reached (rather than a bug in a query)."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def record_database_down(error: Exception) -> None:
    """Log a lost database, roll the request's transaction back and forget who asked.

    The reply must not touch the database again: a page's header then shows no account.
    """
    log.error(
        "%s database unavailable on %s %s: %s",
        request_id(),
        request.method,
        request.path,
        type(getattr(error, "orig", None) or error).__name__,
    )
    rollback()
    g._login_user = login_manager.anonymous_user()


def rollback() -> None:
    """End the request's transaction so that the error reply can still use the session."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  the connection is gone; the pool replaces it later
        log.debug("rollback failed after a lost database connection", exc_info=True)
