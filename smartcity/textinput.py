"""Text as it comes in: NUL characters removed, the same way on SQLite and PostgreSQL.

PostgreSQL `text` cannot hold U+0000 and nobody types it on purpose (it arrives from damaged
pastes or crafted requests), so it is removed from form fields, query strings and JSON bodies
before any view sees them, and from string columns before any flush as a last line of defence
(commands and services called outside a request). Everything else is stored exactly as typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Request
from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

NUL = "\x00"


def without_nul(value: Any) -> Any:
    """The value with every NUL removed from its strings (also inside lists and dicts)."""
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    return value


def _pairs(mapping: Any) -> Iterable[tuple[Any, Any]]:
    if mapping is None:
        return []
    if isinstance(mapping, MultiDict):
        return mapping.items(multi=True)
    if isinstance(mapping, Mapping):
        return mapping.items()
    return mapping


class NulFreeMultiDict(ImmutableMultiDict):
    """Form fields and query arguments without NUL characters (files are left as they are)."""

    def __init__(self, mapping: Any = None):
        super().__init__([(without_nul(k), without_nul(v)) for k, v in _pairs(mapping)])


class TextRequest(Request):
    parameter_storage_class = NulFreeMultiDict

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        return without_nul(super().get_json(force=force, silent=silent, cache=cache))


def _strip_before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        state = inspect(obj)
        for attribute in state.mapper.column_attrs:
            if not isinstance(attribute.columns[0].type, String):
                continue
            # only values already in memory: reading an expired one would query mid-flush
            value = state.dict.get(attribute.key)
            if isinstance(value, str) and NUL in value:
                setattr(obj, attribute.key, value.replace(NUL, ""))


def register(app: Flask) -> None:
    app.request_class = TextRequest
    if not event.contains(Session, "before_flush", _strip_before_flush):
        event.listen(Session, "before_flush", _strip_before_flush)
