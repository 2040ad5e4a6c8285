"""Lists shown a page at a time: the rows of one page and how many pages there are."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select

from ..extensions import db

T = TypeVar("T")

PAGE_SIZE = 20


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, which page, how many pages and rows there are."""

    items: list[T]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(query: Select, number: int, size: int = PAGE_SIZE) -> Page:
    """Rows of page `number` (from 1; past the end: the last page) and the total count."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, math.ceil((total or 0) / size))
    number = min(max(1, number), pages)
    items = list(db.session.scalars(query.limit(size).offset((number - 1) * size)).unique())
    return Page(items=items, number=number, pages=pages, total=total or 0)
