"""The choice answer: one of the indicator's options, each worth points (of `max_points`)."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..instrument import SCALE, AnswerMismatch, AnswerValue
from ..messages import N_
from .base import Translate, number_display
from .options import OptionsAnswer

if TYPE_CHECKING:
    from ..instrument import Indicator


class ChoiceAnswer(OptionsAnswer):
    name = "choice"
    field = "choice"
    options_key = "options"
    option_kind = "option"
    an_option = N_("an option")
    fewest = 2
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

    def read_yaml(
        self, reader: Any, entries: dict[str, Any], path: str, expected_levels: Any
    ) -> Any:
        """The options of a choice indicator and their max_points."""
        max_points = None
        if "max_points" in entries:
            max_points = reader.positive_number(
                entries["max_points"], reader.join(path, "max_points"), "max_points"
            )
        options = None
        if "options" in entries:
            options = self.read_options(reader, entries["options"], reader.join(path, "options"))
        sound = max_points is not None and options is not None
        if options is not None and max_points is not None:
            for index, (option, points_node) in enumerate(options):
                if option.points > max_points:
                    reader.report(
                        points_node,
                        f"{path}.options[{index}].points",
                        N_("points %(points)s are above max_points %(max)s"),
                        points=reader.show_number(option.points),
                        max=reader.show_number(max_points),
                    )
                    sound = False
        return reader.parts(
            sound=sound,
            options=tuple(option for option, _ in options or ()),
            max_points=max_points,
        )


TYPE = ChoiceAnswer()
