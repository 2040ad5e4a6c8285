"""The form fields of an answer, by the widget its answer type asks for (`AnswerType.widget`):
field names, the fields, the data that shows a stored value and the answer a form sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..domain.answer_types import REGISTRY
from ..domain.answer_types.checklist import NOTHING_TICKED
from ..domain.answer_types.level import NOT_APPLICABLE
from ..domain.instrument import Indicator, Instrument
from ..domain.scoring import AnswerValue
from ..services.assessments import AnswerInput

UNANSWERED = ""

__all__ = [
    "ANSWER_FIELD_PREFIXES",
    "NOTHING_TICKED",
    "NOT_APPLICABLE",
    "UNANSWERED",
    "answer_field_data",
    "entry_from_fields",
    "level_value",
    "na_field_name",
    "review_value_fields",
    "value_field_name",
    "value_fields",
    "verified_na_field_name",
    "verified_value_field_name",
]


def value_field_name(indicator: Indicator) -> str:
    """The field holding the indicator's value: `<field>-<CODE>` (level-, choice-, checked-
    for the ticked items, "" meaning "none of these", number-)."""
    return f"{indicator.answer_kind.field}-{indicator.code}"


def na_field_name(indicator: Indicator) -> str:
    """The N/A checkbox of the types without an N/A choice in their field (levels have one)."""
    return f"na-{indicator.code}"


def verified_value_field_name(indicator: Indicator) -> str:
    """`verified-<CODE>` for levels (as always), `verified-choice-<CODE>`, ... for the others."""
    if indicator.answer_kind.na_in_field:
        return f"verified-{indicator.code}"
    return f"verified-{value_field_name(indicator)}"


def verified_na_field_name(indicator: Indicator) -> str:
    return f"verified-{na_field_name(indicator)}"


# every answer field's name starts with one of these (a tampered form is noticed by them)
ANSWER_FIELD_PREFIXES = (
    *(f"{kind.field}-" for kind in REGISTRY.values()),
    "na-",
    "justification-",
    "evidence-",
    "version-",
)


def level_value(level: int | None, not_applicable: bool) -> str:
    """The form value of a level: "1".."5", "na", or "" when there is none."""
    return str(REGISTRY["level"].form_value(AnswerValue(level, not_applicable), ""))


def entry_from_fields(
    indicator: Indicator, raw_value: Any, not_applicable: bool, text: str
) -> AnswerInput:
    """An answer from the raw field data of the indicator's type (no checks: the service
    checks values through the domain and says what is wrong)."""
    kind = indicator.answer_kind
    if kind.na_in_field:
        not_applicable = raw_value == NOT_APPLICABLE
    value = {"level": None, kind.field: kind.from_form(raw_value)}
    return AnswerInput(not_applicable=not_applicable, justification=text, **value)


def answer_field_data(
    indicator: Indicator, value: AnswerValue, language: str, *, verified: bool = False
) -> dict[str, Any]:
    """The form data (field name -> data) that shows a stored answer or, with `verified`,
    a review's verdict."""
    kind = indicator.answer_kind
    name = verified_value_field_name(indicator) if verified else value_field_name(indicator)
    data = {name: kind.form_value(value, language)}
    if not kind.na_in_field:
        na_name = verified_na_field_name(indicator) if verified else na_field_name(indicator)
        data[na_name] = value.not_applicable
    return data


# -- the fields, by widget --------------------------------------------------------------------


def _levels(indicator: Indicator, name: str) -> Any:
    choices = [SelectChoice(UNANSWERED, _l("Not answered yet"))]
    choices += [SelectChoice(str(n), str(n)) for n in indicator.level_numbers]
    if indicator.allow_not_applicable:
        choices.append(SelectChoice(NOT_APPLICABLE, _l("Not applicable")))
    return RadioField(indicator.code, choices=choices, default=UNANSWERED)


def _radios(indicator: Indicator, name: str) -> Any:
    choices = [SelectChoice(UNANSWERED, _l("Not answered yet"))]
    choices += [SelectChoice(option.code, option.code) for option in indicator.options]
    return RadioField(indicator.code, choices=choices, default=UNANSWERED, validate_choice=False)


def _checkboxes(indicator: Indicator, name: str) -> Any:
    choices = [SelectChoice(item.code, item.code) for item in indicator.options]
    choices.append(SelectChoice(NOTHING_TICKED, _l("None of these")))
    return SelectMultipleField(indicator.code, choices=choices, validate_choice=False)


def _text(indicator: Indicator, name: str) -> Any:
    return StringField(indicator.code, validators=[Length(max=40)])


WIDGETS: dict[str, Callable[[Indicator, str], Any]] = {
    "levels": _levels,
    "radios": _radios,
    "checkboxes": _checkboxes,
    "text": _text,
}


def value_fields(indicator: Indicator, name: str, na_name: str) -> dict[str, Any]:
    """The value field (and, for types without N/A in it, the N/A box) of one indicator.

    Choice options and checklist items are checked by the domain (`answer_problem`), so a
    wrong one gets the same clear message from the form, autosave and the review.
    """
    kind = indicator.answer_kind
    fields: dict[str, Any] = {name: WIDGETS[kind.widget](indicator, name)}
    if indicator.allow_not_applicable and not kind.na_in_field:
        fields[na_name] = BooleanField(_l("Not applicable"))
    return fields


def review_value_fields(
    instrument: Instrument, indicator: Indicator, own: AnswerValue | None, language: str
) -> dict[str, Any]:
    """The evaluator's verified value: the levels as a select with their names (starting at
    the self-assessed level), the other types with the agency's own widget."""
    kind = indicator.answer_kind
    if kind.widget != "levels":
        return value_fields(
            indicator, verified_value_field_name(indicator), verified_na_field_name(indicator)
        )
    answered = own is not None and (own.level is not None or own.not_applicable)
    default = level_value(own.level, own.not_applicable) if own is not None else UNANSWERED
    choices = []
    if not answered:
        choices.append(SelectChoice(UNANSWERED, _l("Not answered")))
    for number in indicator.level_numbers:
        name = instrument.level_name(number)
        label = f"{number} · {name.get(language)}" if name else str(number)
        choices.append(SelectChoice(str(number), label))
    if indicator.allow_not_applicable:
        choices.append(SelectChoice(NOT_APPLICABLE, _l("Not applicable")))
    return {
        verified_value_field_name(indicator): SelectField(
            _l("Verified level"), choices=choices, default=default
        )
    }
