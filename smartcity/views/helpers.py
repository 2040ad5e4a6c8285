"""Small helpers shared by the views and templates."""

from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort
from flask_babel import get_locale
from flask_login import current_user, login_required

from ..domain.instrument import Text


def language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "id"


def text_in(text: Text | None, lang: str | None = None) -> str:
    if text is None:
        return ""
    return text.get(lang or language())


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: `next=` must never send a user to another host."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def roles_required(*roles: str):
    """Log-in plus role check; everyone else gets 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
