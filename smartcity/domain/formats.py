"""Numbers and dates as people read them in Bahasa Indonesia or English, from Babel's locale data.

Indonesian writes a decimal comma and a thousands dot ("2,65", "1.234"), English the other
way round ("2.65", "1,234"). Dates come in two forms, one per context: documents spell the
month out ("6 Desember 2026"), lists abbreviate it and add the time ("6 Des 2026 10.13").
Every pattern and symbol here is Babel's (CLDR); nothing is hand-written except the choice of
which CLDR format serves which context. A difference carries one minus sign, U+2212.

Pure: no Flask. Indices are exact fractions until here, rounded half-up to two decimals only
for display (`scoring.display_index`), so a page, a PDF and an export agree to the digit.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from fractions import Fraction

from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_decimal

LANGUAGES = ("id", "en")
MINUS = "\u2212"
MISSING = "-"

Number = Fraction | Decimal | int | float


def _locale(language: str | None) -> str:
    return language if language in LANGUAGES else "id"


def hundredths(value: Number) -> int:
    """The value in hundredths, rounded half away from zero (half-up for indices)."""
    exact = value if isinstance(value, Fraction) else Fraction(value)
    rounded = math.floor(abs(exact) * 100 + Fraction(1, 2))
    return rounded if exact >= 0 else -rounded


def _decimal(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(str(value))


def fixed(value: Number | None, language: str, places: int = 2) -> str:
    """A number with exactly `places` decimals, half-up: "2,65" / "2.65"; "-" when absent."""
    if value is None:
        return MISSING
    if places == 2:
        exact = Decimal(hundredths(value)) / 100
    else:
        exact = _decimal(value).quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return _signed(format_decimal(exact, pattern, locale=_locale(language)))


def index(value: Number | None, language: str) -> str:
    """An index (0-5) as everywhere in the app: two decimals, half-up ("2,14")."""
    return fixed(value, language, 2)


def number(value: Number | None, language: str, max_places: int = 3) -> str:
    """A number with as many decimals as it needs, at most `max_places`: "1,5", "12", "1.234"."""
    if value is None:
        return MISSING
    exact = _decimal(value).quantize(Decimal(1).scaleb(-max_places), rounding="ROUND_HALF_UP")
    pattern = "#,##0." + "#" * max_places if max_places else "#,##0"
    return _signed(format_decimal(exact.normalize(), pattern, locale=_locale(language)))


def difference(value: Number | None, language: str) -> str:
    """A signed difference to two decimals: "+0,25", "−0,40" (U+2212), "0,00"; "-" when absent."""
    if value is None:
        return MISSING
    whole = hundredths(value)
    text = fixed(Fraction(abs(whole), 100), language)
    if whole > 0:
        return "+" + text
    if whole < 0:
        return MINUS + text
    return text


def _signed(text: str) -> str:
    # CLDR's minus for Indonesian and English is the hyphen-minus; print one minus sign
    return MINUS + text[1:] if text.startswith("-") else text


def document_date(day: date | datetime | None, language: str) -> str:
    """The date as documents print it: "6 Desember 2026" / "December 6, 2026"."""
    if day is None:
        return ""
    return format_date(day, "long", locale=_locale(language))


def list_date(day: date | datetime | None, language: str) -> str:
    """A day in lists and tables: "6 Des 2026" / "Dec 6, 2026"."""
    if day is None:
        return ""
    return format_date(day, "medium", locale=_locale(language))


def list_datetime(moment: datetime | None, language: str, zone: tzinfo | None = None) -> str:
    """A moment in lists and tables: "6 Des 2026 10.13" / "Dec 6, 2026, 10:13 AM".

    A naive `moment` is UTC (as stored); it is shown in `zone` (the region's time zone).
    """
    return _moment(moment, "medium", language, zone)


def document_datetime(moment: datetime | None, language: str, zone: tzinfo | None = None) -> str:
    """A moment as documents and /verify print it: "6 Desember 2026 10.13"."""
    return _moment(moment, "long", language, zone)


def _moment(moment: datetime | None, width: str, language: str, zone: tzinfo | None) -> str:
    """The locale's date of this `width` and its short time, joined by its own pattern."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if zone is not None:
        moment = moment.astimezone(zone)
    locale = _locale(language)
    pattern = get_datetime_format(width, locale=locale)
    return pattern.replace("{1}", format_date(moment, width, locale=locale)).replace(
        "{0}", format_time(moment, "short", locale=locale)
    )
