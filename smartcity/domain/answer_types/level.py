"""The level answer: the agency picks one of the indicator's cumulative levels (1-5)."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..instrument import AnswerMismatch, AnswerValue
from .base import AnswerType, Translate

if TYPE_CHECKING:
    from ..instrument import Indicator

NOT_APPLICABLE = "na"


class LevelAnswer(AnswerType):
    name = "level"
    field = "level"
    widget = "levels"
    na_in_field = True
    answers_a_level = True
    reaches_levels = True
    keys = ("levels",)
    required = ("levels",)

    def score(self, indicator: Indicator, value: AnswerValue) -> Fraction | None:
        if value.level is None:
            return None
        if value.level not in indicator.level_numbers:
            raise AnswerMismatch(
                f"level {value.level} is not a level of indicator {indicator.code}"
            )
        return Fraction(value.level)

    def level(self, indicator: Indicator, value: AnswerValue) -> int | None:
        if value.level is None:
            return None
        self.score(indicator, value)  # refuses a level the indicator does not have
        return value.level

    def mismatch(
        self, indicator: Indicator, value: AnswerValue, language: str, _: Translate
    ) -> str:
        return _("%(level)s is not a level of %(code)s.", level=value.level, code=indicator.code)

    def describe(
        self, indicator: Indicator, value: AnswerValue, language: str, _: Translate
    ) -> str:
        return str(value.level)

    def evidence_rule(self, indicator: Indicator) -> dict[str, Any]:
        return {
            "type": self.name,
            "values": [str(n) for n in indicator.level_numbers if indicator.needs_evidence(n)],
        }

    def from_form(self, raw: Any) -> Any:
        return int(raw) if raw and raw != NOT_APPLICABLE else None

    def form_value(self, value: AnswerValue, language: str) -> Any:
        """ "1".."5", "na", or "" when there is none."""
        if value.not_applicable:
            return NOT_APPLICABLE
        return str(value.level) if value.level is not None else ""

    def from_json(self, raw: Any) -> Any:
        return raw

    def json_ok(self, raw: Any) -> bool:
        return raw is None or (isinstance(raw, int) and not isinstance(raw, bool))


TYPE = LevelAnswer()
