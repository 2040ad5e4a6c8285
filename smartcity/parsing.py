"""Whole numbers and dates as they arrive in query strings and form fields: one parser each.

`str.isdigit()` accepts superscripts ("²") that `int()` refuses, and `int()` accepts other
scripts' digits and signs; `date.fromisoformat` accepts years whose neighbouring days or time
zones overflow. These accept plain ASCII digits within a range, and nothing else.
"""

from __future__ import annotations

import re
from datetime import date

_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")

# a date a filter or a period can use: its day before and after, in any time zone, exist
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(9998, 12, 31)


def whole_number(raw: str | None, minimum: int = 0, maximum: int = 2**31 - 1) -> int | None:
    """The number written in ASCII digits, within [minimum, maximum]; None for anything else."""
    if raw is None:
        return None
    text = raw.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def iso_date(raw: str | None) -> date | None:
    """A date written YYYY-MM-DD between FIRST_DATE and LAST_DATE; None for anything else."""
    if raw is None:
        return None
    found = _ISO_DATE.fullmatch(raw.strip())
    if found is None:
        return None
    try:
        value = date(*(int(part) for part in found.groups()))
    except ValueError:
        return None
    return value if FIRST_DATE <= value <= LAST_DATE else None
