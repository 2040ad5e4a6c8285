"""Small helpers shared by the views and templates."""

from __future__ import annotations

from functools import lru_cache, wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask_babel import get_locale
from flask_login import current_user, login_required
from jinja2 import Environment
from markupsafe import Markup

from ..domain.instrument import Text


def language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "id"


def rendered_once(template_name: str) -> Markup:
    """A template made only of fixed, translated texts (no variables), rendered once per
    language and process instead of on every page."""
    return _rendered_once(current_app.jinja_env, template_name, language())


@lru_cache(maxsize=32)
def _rendered_once(env: Environment, template_name: str, language: str) -> Markup:  # noqa: ARG001 - the cache key
    return Markup(env.get_template(template_name).render())


def text_in(text: Text | None, lang: str | None = None) -> str:
    if text is None:
        return ""
    return text.get(lang or language())


def page_number() -> int:
    """The list page asked for in `?page=` (1 when missing or not a sensible number)."""
    raw = request.args.get("page", "1").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) < 1_000_000 else 1


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
