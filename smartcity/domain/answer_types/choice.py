"""The choice answer: one of the indicator's options, each worth points (of `max_points`)."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..instrument import SCALE, AnswerMismatch
from ..scoring import AnswerValue
from .base import AnswerType, Translate, number_display

if TYPE_CHECKING:
    from ..instrument import Indicator


class ChoiceAnswer(AnswerType):
    name = "choice"
    field = "choice"
    widget = "radios"
    keys = ("options", "max_points")
    required = ("max_points", "options")

    def score(self, indicator: Indicator, value: AnswerValue) -> Fraction | None:
        if value.choice is None:
            return None
        option = indicator.option(value.choice)
        if option is None or indicator.max_points is None:
            raise AnswerMismatch(f"'{value.choice}' is not an option of {indicator.code}")
        return option.points / indicator.max_points * SCALE

    def mismatch(
        self, indicator: Indicator, value: AnswerValue, language: str, _: Translate
    ) -> str:
        return _(
            "“%(value)s” is not an option of %(code)s.", value=value.choice, code=indicator.code
        )

    def describe(
        self, indicator: Indicator, value: AnswerValue, language: str, _: Translate
    ) -> str:
        """ "Diterapkan sebagian (2/3)": the option and its share of the points."""
        option = indicator.option(value.choice or "")
        assert option is not None and indicator.max_points is not None  # scored before
        share = (
            f"{number_display(option.points, language)}/"
            f"{number_display(indicator.max_points, language)}"
        )
        return f"{option.label.get(language)} ({share})"

    def evidence_rule(self, indicator: Indicator) -> dict[str, Any]:
        return {
            "type": self.name,
            "values": [
                option.code
                for option in indicator.options
                if indicator.needs_evidence(self.score(indicator, AnswerValue(choice=option.code)))
            ],
        }


TYPE = ChoiceAnswer()
