"""Log-in and API limits counted in the app's database, so every worker and server shares them.

Flask-Limiter keeps its counts where `RATELIMIT_STORAGE_URI` says. Without Redis the default
is this storage (`smartcity+database://`): one row per limit and window in
`rate_limit_counters`, incremented atomically (INSERT ... ON CONFLICT ... RETURNING, on SQLite
and PostgreSQL alike) on a connection of its own, so a request that rolls back keeps its count.
`memory://` counts per process: gunicorn refuses to start several workers with it
(gunicorn.conf.py, docs/OPERATIONS.md).
"""

from __future__ import annotations

import hashlib
import random
import time

from limits.storage import Storage
from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .models import RateLimitCounter

SCHEME = "smartcity+database"
# one increment in this many also deletes the windows that ended long ago
_PRUNE_ONE_IN = 50
_PRUNE_AFTER_SECONDS = 3600


def _key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class DatabaseStorage(Storage):
    """A fixed-window storage for `limits` in the app's own database (the default strategy)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        table = RateLimitCounter.__table__
        now = time.time()
        dialect = db.engine.dialect.name
        insert = (postgresql if dialect == "postgresql" else sqlite).insert
        ended = table.c.expires_at <= now
        statement = (
            insert(table)
            .values(key_hash=_key(key), count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[table.c.key_hash],
                set_={
                    # a window that ended starts again with this hit
                    "count": case((ended, amount), else_=table.c.count + amount),
                    "expires_at": case((ended, now + expiry), else_=table.c.expires_at),
                },
            )
            .returning(table.c.count)
        )
        with db.engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            if random.randrange(_PRUNE_ONE_IN) == 0:  # noqa: S311 - not a secret
                connection.execute(
                    delete(table).where(table.c.expires_at < now - _PRUNE_AFTER_SECONDS)
                )
        return int(count)

    def _row(self, key: str) -> tuple[int, float] | None:
        table = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            row = connection.execute(
                select(table.c.count, table.c.expires_at).where(
                    table.c.key_hash == _key(key), table.c.expires_at > time.time()
                )
            ).first()
        return (int(row[0]), float(row[1])) if row is not None else None

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row is not None else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row is not None else time.time()

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(select(func.count()).select_from(RateLimitCounter.__table__))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        table = RateLimitCounter.__table__
        with db.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.key_hash == _key(key)))
