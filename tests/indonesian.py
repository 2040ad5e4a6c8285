"""The app's Indonesian catalogue as a gettext for the domain's messages (`Problem.text`,
`Message.text`), read with Babel as Flask-Babel reads it, without an app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.support import Translations

from smartcity.domain.messages import Message

TRANSLATIONS = Path(__file__).resolve().parent.parent / "smartcity" / "translations"
CATALOGUE = Translations.load(str(TRANSLATIONS), ["id"])


def indonesian(key: str, /, **values: Any) -> str:
    """`key` in Indonesian (as `flask_babel.gettext` gives it in an Indonesian request)."""
    text = CATALOGUE.gettext(key)
    return text % values if values else text


def untranslated_keys(shown: Any) -> list[str]:
    """The keys of a problem or message, and of the messages among its values, that the
    catalogue lacks."""
    found = [] if shown.key in CATALOGUE._catalog else [shown.key]
    for _, value in shown.params:
        if isinstance(value, Message):
            found += untranslated_keys(value)
    return found
