"""Messages of services that also run on the command line: translated in a request only."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def gettext_or_english(msgid: str, /, **params: object) -> str:
    """Translated in a request (the user's language); plain English on the command line.

    Imported as `_` so that `pybabel extract` finds the messages.
    """
    if has_request_context():
        return gettext(msgid, **params)
    return msgid % params if params else msgid
