"""What is wrong with a questionnaire file (YAML or workbook): `Problem`s located by line or
cell, each a message key and its values (`messages.Message`), and `InstrumentError` carrying
all of them. The layer that shows a problem translates it (`Problem.text(gettext)`)."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import NamedTuple

from .messages import Message, Params, Translate, untranslated

__all__ = ["InstrumentError", "Problem", "decimal_text", "show_number"]


class Problem(NamedTuple):
    """One thing wrong with an instrument file, located by line and dotted field path (or, from
    a workbook, by its cell in `field`); what is wrong is a message key and its values."""

    file: str
    line: int | None
    field: str
    key: str
    params: Params = ()

    @classmethod
    def of(cls, file: str, line: int | None, field: str, message: Message) -> Problem:
        return cls(file, line, field, message.key, message.params)

    @property
    def message(self) -> str:
        """What is wrong, in English."""
        return self.text()

    def __str__(self) -> str:
        return self.located()

    def text(self, _: Translate = untranslated) -> str:
        """What is wrong in the language of `_` (a gettext); English without one."""
        return Message(self.key, self.params).text(_)

    def located(self, _: Translate = untranslated) -> str:
        """ "file:line: field: message" (a workbook: "file: Sheet!C12: message")."""
        location = self.file if self.line is None else f"{self.file}:{self.line}"
        return ": ".join(part for part in (location, self.field, self.text(_)) if part)


class InstrumentError(Exception):
    """An instrument file is invalid; `problems` lists everything found, not only the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __reduce__(self) -> tuple[type[InstrumentError], tuple[tuple[Problem, ...]]]:
        return (type(self), (self.problems,))


def show_number(value: Fraction) -> str:
    """A number as people write it: 3, 2.5, or 1/3 when it has no finite decimal."""
    return decimal_text(value) or f"{value.numerator}/{value.denominator}"


def decimal_text(value: Fraction) -> str | None:
    """The exact decimal notation of a fraction, or None when it has none (1/3)."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return None
    places = max(twos, fives)
    if places == 0:
        return str(value.numerator)
    scaled = value * 10**places
    assert scaled.denominator == 1
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"
