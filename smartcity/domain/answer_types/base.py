"""What every answer type does: the interface the level, choice, checklist and number modules
implement, and the stored value `Answer` and `Review` share."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from ..instrument import ANSWER_KINDS, AnswerValue
from ..messages import Translate, untranslated

if TYPE_CHECKING:
    from ..instrument import Indicator

__all__ = [
    "AnswerType",
    "StoredValue",
    "Translate",
    "decimal_text",
    "number_display",
    "untranslated",
]


def decimal_text(value: Fraction) -> str:
    """An exact number as plain decimal data ("12.5", "3"): exports, the API, stored columns."""
    plain = format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")
    return "0" if plain in ("-0", "+0") else plain


def number_display(value: Fraction | None, language: str) -> str:
    """A number for people ("12,5" in Indonesian, "12.5" in English); "" when absent."""
    if value is None:
        return ""
    text = format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")
    return text if language == "en" else text.replace(".", ",")


@dataclass(frozen=True)
class StoredValue:
    """An answer's value as its columns hold it, the same for `Answer` (level, not_applicable,
    choice, checked, number) and `Review` (verified_level, ...): mapped as one composite.

    Each answer type owns its column (`AnswerType.field`) and converts it (`to_column`,
    `from_column`); every other column stays NULL.
    """

    level: int | None = None
    not_applicable: bool = False
    choice: str | None = None
    checked: str | None = None
    number: str | None = None

    def answer(self) -> AnswerValue:
        """The value for the scoring engine: the one place stored columns become values."""
        parts = {
            kind.field: kind.from_column(getattr(self, kind.field))
            for kind in ANSWER_KINDS.values()
        }
        return AnswerValue(not_applicable=bool(self.not_applicable), **parts)

    @classmethod
    def of(cls, value: AnswerValue) -> StoredValue:
        """The columns of a (valid) value; N/A keeps no value."""
        if value.not_applicable:
            return cls(not_applicable=True)
        return cls(
            **{
                kind.field: kind.to_column(getattr(value, kind.field))
                for kind in ANSWER_KINDS.values()
            }
        )

    def columns(self, prefix: str = "") -> dict[str, Any]:
        return {prefix + f.name: getattr(self, f.name) for f in fields(self)}


class AnswerType:
    """One kind of answer. A subclass says how its indicators are read from the questionnaire,
    how an answer is checked, scored, described and stored; `REGISTRY` finds it by name.

    `field` names everything that holds the value: the `AnswerValue` attribute, the stored
    column (`Answer.<field>`, `Review.verified_<field>`), the form field (`<field>-<CODE>`)
    and the key of the autosave JSON.
    """

    name: ClassVar[str]
    field: ClassVar[str]
    # the form widget (forms/answer_fields.py) and template (assessment/answer_types/<name>.html)
    widget: ClassVar[str]
    # True when the value's own field offers "not applicable" (the level radios), else a box
    na_in_field: ClassVar[bool] = False
    # True when the answer is a level itself (the level type): pages show it as "Level n ·
    # name", the indicator's own `levels` are what it can reach, and the region's sums can be
    # made by the database from the stored level (services.region)
    answers_a_level: ClassVar[bool] = False
    # True when an answer reaches a level (level, number): evidence is asked "from level n"
    reaches_levels: ClassVar[bool] = False
    # the questionnaire keys of this type (YAML and workbook) and the ones it requires
    keys: ClassVar[tuple[str, ...]] = ()
    required: ClassVar[tuple[str, ...]] = ()
    # the key of its options (choice "options", checklist "items"), if it has any
    options_key: ClassVar[str | None] = None

    # -- answers --------------------------------------------------------------------------

    def given(self, value: AnswerValue) -> bool:
        """Whether the value holds an answer of this type (N/A aside)."""
        return getattr(value, self.field) is not None

    def is_answered(self, indicator: Indicator, value: AnswerValue) -> bool:
        return value.not_applicable or self.given(value)

    def score(self, indicator: Indicator, value: AnswerValue) -> Fraction | None:
        """The exact 0-5 score of a value of this type; None when there is none.

        Raises `AnswerMismatch` for a value the indicator cannot take."""
        raise NotImplementedError

    def level(self, indicator: Indicator, value: AnswerValue) -> int | None:
        """The capability level the value stands for, for types that have one."""
        return None

    def mismatch(
        self, indicator: Indicator, value: AnswerValue, language: str, _: Translate
    ) -> str:
        """Why the indicator cannot take this value (the value is given and wrong)."""
        raise NotImplementedError

    def describe(
        self, indicator: Indicator, value: AnswerValue, language: str, _: Translate
    ) -> str:
        """A valid, given value for people in `language` (`_` translates into it)."""
        raise NotImplementedError

    def data(self, value: AnswerValue) -> str:
        """The value as plain data for exports and the API ("" when there is none)."""
        part = getattr(value, self.field)
        return "" if part is None else str(part)

    def data_cell(self, data: str) -> str | Decimal:
        """The `data` text as a spreadsheet cell (a number type gives a number)."""
        return data

    def evidence_rule(self, indicator: Indicator) -> dict[str, Any]:
        """Which answers need an evidence file, for the page's script (`evidence.js`)."""
        raise NotImplementedError

    # -- stored columns, the form and the autosave JSON -----------------------------------

    def to_column(self, part: Any) -> Any:
        return part

    def from_column(self, stored: Any) -> Any:
        return stored

    def from_typed(self, typed: Any) -> Any:
        """The value part of what a user sent (`AnswerInput`): ValueError when it is none."""
        return typed

    def unreadable(self, indicator: Indicator, typed: Any, _: Translate) -> str:
        """Why what the user sent is no value at all (`from_typed` raised ValueError)."""
        return _("%(code)s does not take this kind of answer.", code=indicator.code)

    def from_form(self, raw: Any) -> Any:
        """What a user sent, from the raw data of the form field (no checks)."""
        return raw or None

    def form_value(self, value: AnswerValue, language: str) -> Any:
        """The form field's data that shows a value (N/A is the separate box)."""
        part = getattr(value, self.field)
        return "" if part is None else part

    def from_json(self, raw: Any) -> Any:
        """What a user sent, from the autosave JSON (`json_ok` checked it)."""
        return raw or None

    def json_ok(self, raw: Any) -> bool:
        """Whether the autosave JSON's value has this type's shape (None: no value)."""
        return raw is None or isinstance(raw, str)

    def to_json(self, stored: StoredValue) -> Any:
        return getattr(stored, self.field)

    # -- the questionnaire ----------------------------------------------------------------

    def read_yaml(
        self, reader: Any, entries: dict[str, Any], path: str, expected_levels: Any
    ) -> Any:
        """The type's part of an indicator (`reader.TypeParts`, made by `reader.parts`), read
        with the YAML `reader`, which reports each problem with its file, line and field and
        hands over its tools (`join`, `show_number`, `exact_number`, `text`, `code`, ...);
        a message is a key marked with `messages.N_` and its values."""
        return reader.parts()

    def dump_yaml(self, indicator: Indicator) -> dict[str, object]:
        """The type's keys of an indicator in the YAML file (`loader.dump_instrument`)."""
        return {}
