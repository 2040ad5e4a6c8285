"""Document numbers (nomor surat) from a pattern: "{klasifikasi}/{nomor}/{unit}/{tahun}".

A pattern names its parts in braces: `{klasifikasi}` the archive classification of the kind of
document (e.g. "000.8.3"), `{nomor}` the running number in its series and year (three digits
at least: "017"), `{unit}` the issuing unit's short name ("BAPPERIDA"), `{tahun}` the year and
`{bulan}` the month in Roman numerals ("VII"). `{nomor}` and `{tahun}` are required: without
them two documents could carry the same number.

A series is the pattern with everything but `{nomor}` and `{bulan}` filled in; its running
number restarts every year. Two kinds with the same pattern and classification share one
series (and never one number); different patterns count apart.

Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PARTS = ("klasifikasi", "nomor", "unit", "tahun", "bulan")
REQUIRED = ("nomor", "tahun")
DEFAULT_PATTERN = "{klasifikasi}/{nomor}/{unit}/{tahun}"
MAX_LENGTH = 120
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


@dataclass(frozen=True)
class NumberFormat:
    """How one kind of document is numbered."""

    pattern: str = DEFAULT_PATTERN
    classification: str = ""


def problems(pattern: str) -> list[str]:
    """What is wrong with a pattern, as codes: unknown:<name>, missing:<name>, twice:<name>,
    braces, length. Empty when it can be used."""
    found = []
    names = _PLACEHOLDER.findall(pattern)
    for name in dict.fromkeys(names):
        if name not in PARTS:
            found.append(f"unknown:{name}")
    for name in REQUIRED:
        count = names.count(name)
        if count == 0:
            found.append(f"missing:{name}")
        elif count > 1:
            found.append(f"twice:{name}")
    if "{" in _PLACEHOLDER.sub("", pattern) or "}" in _PLACEHOLDER.sub("", pattern):
        found.append("braces")
    if len(pattern) > MAX_LENGTH:
        found.append("length")
    return found


def _fill(pattern: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), pattern)


def series(number_format: NumberFormat, unit: str, year: int) -> str:
    """The series a number is counted in: all parts filled except {nomor} and {bulan}."""
    return _fill(
        number_format.pattern,
        {"klasifikasi": number_format.classification, "unit": unit, "tahun": str(year)},
    )


def render(number_format: NumberFormat, unit: str, year: int, month: int, sequence: int) -> str:
    """The printed number: "000.8.3/017/BAPPERIDA/2026"."""
    return _fill(
        series(number_format, unit, year),
        {"nomor": f"{sequence:03d}", "bulan": ROMAN[month - 1]},
    )
