"""The region a request, command or job works in (one deployment serves many regions).

A region user's request works in their region; a command in the region of its `--region`
option (or the only region); a national user (ministry roles) and an anonymous visitor in
none, which `tenancy.py` reads as "every region". This module holds only the value, so that
the models can default a new row's region to it without importing the query scoping.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from sqlalchemy import text

_current: ContextVar[int | None] = ContextVar("smartcity_region", default=None)


def current_region_id() -> int | None:
    """The id of the region being worked in; None: no region (national, anonymous, a job)."""
    return _current.get()


def enter(region_id: int | None) -> Token:
    """Work in `region_id` until `leave(token)` (a request's start and its teardown)."""
    return _current.set(region_id)


def leave(token: Token) -> None:
    _current.reset(token)


@contextmanager
def working_in(region_id: int | None) -> Iterator[None]:
    """Work in `region_id` for the block; None: every region (what the block reads is not
    narrowed to one region)."""
    token = _current.set(region_id)
    try:
        yield
    finally:
        _current.reset(token)


def region_for_new_row(context) -> int | None:
    """The default region of a new row (column default): the region being worked in, else the
    installation's only region (a single-region installation never names it), else None."""
    region_id = _current.get()
    if region_id is not None:
        return region_id
    rows = context.connection.execute(text("SELECT id FROM regions ORDER BY id LIMIT 2")).all()
    return rows[0][0] if len(rows) == 1 else None
