"""Which queries a read replica answers (DATABASE_REPLICA_URL): the one place that decides.

The GET requests of the views in `READ_ONLY_ENDPOINTS` (dashboards, the region page, exports,
the API's reads) read from the replica; every other page, and every write even inside those
views (a flush, a `SELECT ... FOR UPDATE`), uses the primary. Without `DATABASE_REPLICA_URL`
nothing here is switched on and every query runs on the primary, as before.

Read-your-writes: a commit in a logged-in user's request keeps the primary's WAL position
after it (`pg_current_wal_insert_lsn()`) in their session. Their next read-only page asks the
replica whether it has replayed that far (`pg_last_wal_replay_lsn()`); until it has, the
primary serves them, so nobody is shown a page that misses what they just saved.

A replica that cannot be reached (refused, timed out after DATABASE_REPLICA_CONNECT_TIMEOUT
seconds) or fails a query leaves the reads to the primary for DATABASE_REPLICA_RETRY_SECONDS;
the page is answered from the primary, never with an error. The log says so once when the
replica goes away and once when it answers again.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, session
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from .config import sqlalchemy_url

log = logging.getLogger(__name__)

# the Flask-SQLAlchemy bind key of the replica's engine (`db.engines["replica"]`)
BIND = "replica"

# endpoints whose GET requests only read: their queries run on the replica
READ_ONLY_ENDPOINTS = frozenset(
    {
        "dashboards.agency_dashboard",
        "dashboards.compare",
        "region.period_region",
        "exports.period_export",
        "api.periods",
        "api.period_results",
        "api.agency_assessment",
        # the national pages (issue 20): every region's results and the ministry's ranking
        "national.year_page",
        "national.region_page",
        "national.export",
        "national_evaluation.results",
        "national_evaluation.results_csv",
        "api.regions_list",
        "api.national_results",
        "api.national_evaluation_results",
    }
)

# session key: the primary's WAL position after this user's last commit (text, "0/1A2B3C")
WRITTEN_LSN = "_written_lsn"
# app.extensions key: the replica's health in this process
HEALTH = "smartcity.replica"
# flag on `g` while a read-only view runs on the replica
_READING = "reading_replica"


def configure(app: Flask) -> None:
    """Before the database extension starts: the replica's engine as a second bind."""
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    if not str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        log.warning("DATABASE_REPLICA_URL is ignored: the primary database is not PostgreSQL")
        app.config["DATABASE_REPLICA_URL"] = ""
        return
    binds = dict(app.config.get("SQLALCHEMY_BINDS") or {})
    binds[BIND] = {
        "url": sqlalchemy_url(url),
        "pool_pre_ping": True,
        "connect_args": {"connect_timeout": int(app.config["DATABASE_REPLICA_CONNECT_TIMEOUT"])},
    }
    app.config["SQLALCHEMY_BINDS"] = binds


def register(app: Flask) -> None:
    """After the blueprints: the read-only views read from the replica when it may serve."""
    if not app.config.get("DATABASE_REPLICA_URL"):
        return
    app.extensions[HEALTH] = Health(float(app.config["DATABASE_REPLICA_RETRY_SECONDS"]))
    for endpoint in READ_ONLY_ENDPOINTS:
        app.view_functions[endpoint] = _on_replica(app.view_functions[endpoint])


def configured() -> bool:
    return HEALTH in current_app.extensions


class Health:
    """Whether this process may ask the replica now; logs when it goes away and comes back."""

    def __init__(self, retry_seconds: float) -> None:
        self.retry_seconds = retry_seconds
        self.down = False
        self.retry_at = 0.0

    def may_ask(self) -> bool:
        return time.monotonic() >= self.retry_at

    def failed(self, error: Exception) -> None:
        self.retry_at = time.monotonic() + self.retry_seconds
        if not self.down:
            log.warning(
                "read replica unavailable, reading from the primary (tried again every %gs): %s",
                self.retry_seconds,
                str(getattr(error, "orig", None) or error).strip().splitlines()[0],
            )
        self.down = True

    def answered(self) -> None:
        if self.down:
            log.warning("read replica answers again, read-only pages read from it")
        self.down = False


class RoutingSession(FlaskSession):
    """`db.session`: while a read-only view runs on the replica its plain reads go there;
    flushes, locking reads, text statements and everything else go to the primary."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and not self._flushing and _reading_replica() and _plain_read(clause):
            return self._db.engines[BIND]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _reading_replica() -> bool:
    return has_request_context() and g.get(_READING, False)


def _plain_read(clause: Any) -> bool:
    return bool(getattr(clause, "is_select", False)) and (
        getattr(clause, "_for_update_arg", None) is None
    )


def _on_replica(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def read_only_view(*args: Any, **kwargs: Any) -> Any:
        if request.method not in ("GET", "HEAD") or not _replica_serves():
            return view(*args, **kwargs)
        health: Health = current_app.extensions[HEALTH]
        setattr(g, _READING, True)
        try:
            response = view(*args, **kwargs)
        except DBAPIError as error:
            if not _unavailable(error):
                raise
            health.failed(error)
        else:
            health.answered()
            return response
        finally:
            setattr(g, _READING, False)
        # the view only reads: after a failure on the replica it runs again on the primary
        current_app.extensions["sqlalchemy"].session.rollback()
        return view(*args, **kwargs)

    return read_only_view


def _unavailable(error: DBAPIError) -> bool:
    """Refused, timed out, lost, or a query the replica cancelled (a conflict with replay)."""
    return isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated


def _replica_serves() -> bool:
    """Whether this request's reads may go to the replica: it is not known to be down, and it
    has replayed this user's last commit."""
    health: Health = current_app.extensions[HEALTH]
    if not health.may_ask():
        return False
    written = session.get(WRITTEN_LSN)
    if not written:
        return True
    try:
        with current_app.extensions["sqlalchemy"].engines[BIND].connect() as connection:
            replayed = connection.scalar(
                text("SELECT pg_last_wal_replay_lsn() >= CAST(:written AS pg_lsn)"),
                {"written": written},
            )
    except DBAPIError as error:
        health.failed(error)
        return False
    health.answered()
    if not replayed:
        return False
    # caught up: this user's later pages need not ask again until they write again
    session.pop(WRITTEN_LSN, None)
    return True


@event.listens_for(RoutingSession, "after_commit")
def _committed(db_session: RoutingSession) -> None:
    """A logged-in user's commit: where the primary's WAL stands now, kept in their session.

    Every commit counts, whatever wrote (a flush, an UPDATE statement, a text statement):
    one more query after a commit, never a page that misses what was saved."""
    if not has_request_context() or not configured():
        return
    # the API's token requests carry no session cookie: none is made for them
    if "_user_id" not in session:
        return
    # the session's own connection is finished with its transaction: ask on another one
    try:
        with db_session._db.engines[None].connect() as connection:
            # the insert position, not the write position (`pg_current_wal_lsn`): with
            # synchronous_commit off the commit returns before its WAL is written, and the
            # write position could still lie before it
            written = connection.scalar(text("SELECT CAST(pg_current_wal_insert_lsn() AS text)"))
    except DBAPIError as error:
        # what was saved is saved; without its position the user's reads may miss it
        log.warning("could not read the primary's WAL position after a commit: %s", error)
        return
    session[WRITTEN_LSN] = written
