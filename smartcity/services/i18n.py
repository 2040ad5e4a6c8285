"""Messages of services that also run on the command line, and the domain's messages (keys with
their values): translated in a request only."""

from __future__ import annotations

from typing import Protocol

from flask import has_request_context
from flask_babel import get_locale, gettext

from ..domain.messages import Translate


def gettext_or_english(msgid: str, /, **params: object) -> str:
    """Translated in a request (the user's language); plain English on the command line.

    Imported as `_` so that `pybabel extract` finds the messages.
    """
    if has_request_context():
        return gettext(msgid, **params)
    return msgid % params if params else msgid


class Translatable(Protocol):
    """What the domain writes for people as a key and its values (`domain.messages.Message`,
    `domain.problems.Problem`): it translates itself with the gettext it is given."""

    def text(self, _: Translate = ...) -> str: ...


def translated(shown: Translatable) -> str:
    """A domain message (a questionnaire problem, ...) in the request's language; English on
    the command line."""
    return shown.text(gettext_or_english)


def language() -> str:
    """The language of the request's user ("id" unless they chose another)."""
    locale = get_locale()
    return locale.language if locale is not None else "id"
