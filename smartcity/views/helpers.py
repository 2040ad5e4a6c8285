"""Small helpers shared by the views and templates."""

from __future__ import annotations

from datetime import date
from functools import lru_cache, wraps
from typing import Any

from flask import abort, current_app, request
from flask_login import current_user, login_required
from jinja2 import Environment
from markupsafe import Markup

from ..domain.instrument import Text
from ..parsing import iso_date, whole_number
from ..services import store
from ..services.i18n import language
from ..services.store import Row


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


MAX_PAGE = 1_000_000


class BadArgument(ValueError):
    """A query-string value that is there but is not what the page takes."""


def number_argument(name: str, minimum: int = 1, maximum: int = MAX_PAGE) -> int | None:
    """`?name=` as a whole number within the range (parsing.whole_number); None when absent
    or empty; BadArgument when it is anything else."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    value = whole_number(raw, minimum, maximum)
    if value is None:
        raise BadArgument(name)
    return value


def date_argument(name: str) -> date | None:
    """`?name=` as a date (parsing.iso_date); None when absent or empty; BadArgument else."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    value = iso_date(raw)
    if value is None:
        raise BadArgument(name)
    return value


def page_number() -> int:
    """The list page asked for in `?page=` (1 when missing or not a sensible number)."""
    try:
        return number_argument("page") or 1
    except BadArgument:
        return 1


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


def load_or_404(model: type[Row], ident: int) -> Row:
    """The row with this id, or 404 Not Found."""
    row = store.get(model, ident)
    if row is None:
        abort(404)
    return row
