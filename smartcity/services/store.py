"""What views need of the database without touching it: a row by its id, the unit of work.

The rule (docs/ARCHITECTURE.md, "Transactions"): service functions change data and flush;
the caller's unit of work commits once, at its end, or rolls everything back when it raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from ..extensions import db

Row = TypeVar("Row")


def get(model: type[Row], ident: int) -> Row | None:
    """The row of `model` with the primary key `ident`, or None."""
    return db.session.get(model, ident)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block changed when it ends; roll all of it back when it raises."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def discard() -> None:
    """Forget what the request changed but has not committed (a refused or failed step)."""
    db.session.rollback()


def refresh(row: object) -> None:
    """Read a row again after another transaction changed it (a refused workflow step)."""
    db.session.refresh(row)
