"""How the app writes numbers, dates and results for people: template filters and `standing`.

`standing` is the one way an index, its predicate and its maturity level are named together
(docs/INSTRUMENT_FORMAT.md, "How a result is named"): pages, PDFs, the certificate, /verify,
exports and the API all take their wording from it. Numbers and dates come from
`domain.formats` (Babel's locale data) in the language of the page or document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_app_context, has_request_context, session
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from .domain import formats
from .domain.instrument import Instrument
from .domain.signatory import format_nip

SEPARATOR = " · "


def select_locale() -> str:
    """The language a visitor chose for the pages (Indonesian unless English was chosen)."""
    language = session.get("language")
    if language in ("id", "en"):
        return language
    return "id"


def language() -> str:
    """The language of the current page; outside a request the one forced (force_locale), else
    the instance's default (command line, batch printing, background jobs)."""
    if has_request_context():
        locale = get_locale()
    else:
        context = getattr(g, "_flask_babel", None) if has_app_context() else None
        locale = getattr(context, "babel_locale", None)
    if locale is not None and locale.language in formats.LANGUAGES:
        return locale.language
    if has_app_context():
        default = current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"
        return default if default in formats.LANGUAGES else "id"
    return "id"


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Jakarta")


@dataclass(frozen=True)
class Standing:
    """An index with its predicate and maturity level, named as everywhere in the app.

    `index` "2,14"; `predicate` "Cukup" (the maturity band's name); `level` 2 and
    `level_name` "Terkelola" (the instrument's name of that level); `level_text`
    "Tingkat 2 (Terkelola)"; `text` "2,14 · Cukup · Tingkat 2 (Terkelola)". Without an index
    every part is empty except `index` ("-") and `text` ("-").
    """

    index: str
    predicate: str = ""
    level: int | None = None
    level_name: str = ""
    level_text: str = ""

    @property
    def text(self) -> str:
        if self.level is None:
            return self.index
        return SEPARATOR.join([self.index, self.predicate, self.level_text])

    @property
    def present(self) -> bool:
        return self.level is not None


def level_text(level: int | None, instrument: Instrument | None, lang: str | None = None) -> str:
    """ "Tingkat 2 (Terkelola)" / "Level 2 (Managed)"; "Tingkat 2" when the level has no name."""
    if level is None:
        return ""
    lang = lang or language()
    name = instrument.level_name(level) if instrument is not None else None
    with force_locale(lang):
        if name is None:
            return _("Level %(level)s", level=level)
        return _("Level %(level)s (%(name)s)", level=level, name=name.get(lang))


def standing(
    index: Fraction | None, instrument: Instrument | None, lang: str | None = None
) -> Standing:
    """The one naming of a result: index, predicate (band name), maturity level and its name."""
    lang = lang or language()
    if index is None or instrument is None:
        return Standing(formats.index(index, lang) if index is not None else formats.MISSING)
    band = instrument.band_for(index)
    name = instrument.level_name(band.level)
    return Standing(
        index=formats.index(index, lang),
        predicate=band.name.get(lang),
        level=band.level,
        level_name=name.get(lang) if name is not None else "",
        level_text=level_text(band.level, instrument, lang),
    )


# --- template filters ------------------------------------------------------------------------


def index_filter(value: Fraction | None) -> str:
    """ "2,14" in Indonesian, "2.14" in English; "-" when absent."""
    return formats.index(value, language())


def number_filter(value: Any, max_places: int = 3) -> str:
    """A count, weight or measured number in the page's language ("1,5", "1.234")."""
    if value is None or value == "":
        return formats.MISSING
    return formats.number(value, language(), max_places)


def difference_filter(value: Fraction | None) -> str:
    return formats.difference(value, language())


def datetime_filter(value: datetime | None, format: str | None = None) -> str:  # noqa: A002 - Flask-Babel's name
    """A moment in a list ("6 Des 2026 10.13"), whatever `format` older templates ask for."""
    return formats.list_datetime(value, language(), zone())


def date_filter(value: date | datetime | None, format: str | None = None) -> str:  # noqa: A002
    """A day: spelled out ("6 Desember 2026") unless `format` is "medium" or "short"."""
    if format in ("medium", "short"):
        return formats.list_date(value, language())
    return formats.document_date(value, language())


def register(app: Flask) -> None:
    """The filters every template uses; replaces Flask-Babel's date filters (one format each)."""
    app.jinja_env.filters.update(
        index=index_filter,
        number=number_filter,
        difference=difference_filter,
        datetimeformat=datetime_filter,
        dateformat=date_filter,
        nip=format_nip,
    )
    app.jinja_env.globals.update(standing=standing, level_text=level_text)
