"""The number answer: a measured value in the indicator's unit and range; its `thresholds`
(inclusive lower edges) give the level, which is the score."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..instrument import DIRECTIONS, HIGHER_IS_BETTER, AnswerMismatch, AnswerValue, Threshold
from ..messages import N_, joined
from .base import AnswerType, Translate, decimal_text, number_display

if TYPE_CHECKING:
    from ..instrument import Indicator

# a plain decimal: digits with an optional fraction after "." or "," (no exponent, no grouping)
_DECIMAL = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
MAX_NUMBER_DIGITS = 30
THRESHOLD_KEYS = ("from", "level")


def typed_decimal(typed: str) -> str:
    """The exact decimal text of a typed number ("12,50" -> "12.5"); ValueError if it is none."""
    text = typed.strip()
    if not _DECIMAL.fullmatch(text) or len(text) > MAX_NUMBER_DIGITS:
        raise ValueError(typed)
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only decimals
        raise ValueError(typed) from error
    plain = format(value.normalize(), "f")
    return "0" if plain in ("-0", "+0") else plain


def _plain(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(float(value))


class NumberAnswer(AnswerType):
    name = "number"
    field = "number"
    widget = "text"
    reaches_levels = True
    keys = ("levels", "unit", "minimum", "maximum", "direction", "thresholds")
    required = ("unit", "minimum", "maximum", "direction", "thresholds")

    def level_of(self, indicator: Indicator, value: Fraction) -> int:
        """The level of a measured value: the last threshold whose minimum it reaches."""
        if indicator.minimum is None or indicator.maximum is None or not indicator.thresholds:
            raise AnswerMismatch(f"{indicator.code} is not a number indicator")
        if not indicator.minimum <= value <= indicator.maximum:
            raise AnswerMismatch(
                f"{value} is outside the range of {indicator.code} "
                f"({_plain(indicator.minimum)} to {_plain(indicator.maximum)})"
            )
        chosen = indicator.thresholds[0]
        for threshold in indicator.thresholds:
            if value >= threshold.minimum:
                chosen = threshold
        return chosen.level

    def score(self, indicator: Indicator, value: AnswerValue) -> Fraction | None:
        if value.number is None:
            return None
        return Fraction(self.level_of(indicator, Fraction(value.number)))

    def level(self, indicator: Indicator, value: AnswerValue) -> int | None:
        if value.number is None:
            return None
        return self.level_of(indicator, Fraction(value.number))

    def mismatch(
        self, indicator: Indicator, value: AnswerValue, language: str, _: Translate
    ) -> str:
        return _(
            "%(value)s is outside the range of %(code)s (%(min)s to %(max)s).",
            value=number_display(value.number, language),
            code=indicator.code,
            min=number_display(indicator.minimum, language),
            max=number_display(indicator.maximum, language),
        )

    def describe(
        self, indicator: Indicator, value: AnswerValue, language: str, _: Translate
    ) -> str:
        """ "85 persen → tingkat 4": the number, its unit and the level it reaches."""
        unit = f" {indicator.unit.get(language)}" if indicator.unit else ""
        level = self.level(indicator, value)
        shown = number_display(value.number, language)
        return f"{shown}{unit} → " + _("level %(level)s", level=level)

    def data(self, value: AnswerValue) -> str:
        return decimal_text(value.number) if value.number is not None else ""

    def data_cell(self, data: str) -> str | Decimal:
        return Decimal(data) if data else data

    def evidence_rule(self, indicator: Indicator) -> dict[str, Any]:
        return {
            "type": self.name,
            "minimum": float(indicator.minimum) if indicator.minimum is not None else None,
            "maximum": float(indicator.maximum) if indicator.maximum is not None else None,
            "thresholds": [[float(t.minimum), t.level] for t in indicator.thresholds],
            "from": indicator.evidence_from_level,
        }

    def to_column(self, part: Any) -> Any:
        """The exact decimal text ("12.5")."""
        return None if part is None else decimal_text(Fraction(part))

    def from_column(self, stored: Any) -> Any:
        return None if stored is None else Fraction(stored)

    def from_typed(self, typed: Any) -> Any:
        return None if typed is None else Fraction(typed_decimal(typed))

    def unreadable(self, indicator: Indicator, typed: Any, _: Translate) -> str:
        return _(
            "%(code)s: “%(text)s” is not a number (write e.g. 12,5).",
            code=indicator.code,
            text=str(typed)[:40],
        )

    def from_form(self, raw: Any) -> Any:
        return (raw or "").strip() or None

    def form_value(self, value: AnswerValue, language: str) -> Any:
        return number_display(value.number, language)

    def from_json(self, raw: Any) -> Any:
        return (raw or "").strip() or None

    def read_yaml(
        self, reader: Any, entries: dict[str, Any], path: str, expected_levels: Any
    ) -> Any:
        """A number indicator's unit, range, direction and thresholds."""
        unit = (
            reader.text(entries["unit"], reader.join(path, "unit")) if "unit" in entries else None
        )
        bounds: dict[str, Fraction | None] = {}
        for key in ("minimum", "maximum"):
            bounds[key] = None
            if key in entries:
                value = reader.exact_number(entries[key])
                if value is None:
                    reader.report(
                        entries[key],
                        reader.join(path, key),
                        N_("%(name)s must be a number, got %(got)s"),
                        name=key,
                        got=reader.describe(entries[key]),
                    )
                bounds[key] = value
        minimum, maximum = bounds["minimum"], bounds["maximum"]
        range_sound = minimum is not None and maximum is not None
        if minimum is not None and maximum is not None and minimum >= maximum:
            reader.report(
                entries["maximum"],
                reader.join(path, "maximum"),
                N_("the number range is empty: maximum %(max)s is not above minimum %(min)s"),
                max=reader.show_number(maximum),
                min=reader.show_number(minimum),
            )
            range_sound = False
        direction = None
        if "direction" in entries:
            node = entries["direction"]
            if reader.is_scalar(node) and node.value in DIRECTIONS:
                direction = node.value
            else:
                reader.report(
                    node,
                    reader.join(path, "direction"),
                    N_("direction must be %(choices)s, got %(got)s"),
                    choices=joined(DIRECTIONS, N_("%(rest)s or %(last)s")),
                    got=reader.describe(node),
                )
        thresholds = None
        if "thresholds" in entries:
            thresholds = self.read_thresholds(
                reader,
                entries["thresholds"],
                reader.join(path, "thresholds"),
                expected_levels,
                (minimum, maximum) if range_sound else None,
                direction,
            )
        return reader.parts(
            sound=unit is not None
            and range_sound
            and direction is not None
            and thresholds is not None,
            unit=unit,
            minimum=minimum,
            maximum=maximum,
            thresholds=thresholds or (),
            direction=direction,
        )

    def read_thresholds(
        self,
        reader: Any,
        node: Any,
        path: str,
        expected_levels: frozenset[int] | None,
        bounds: tuple[Fraction, Fraction] | None,
        direction: str | None,
    ) -> tuple[Threshold, ...] | None:
        """The thresholds: from the minimum up, within the range, levels in the direction."""
        if not reader.sequence(node, path, "thresholds", "threshold"):
            return None
        allowed = expected_levels if expected_levels else frozenset(range(1, 6))
        before = len(reader.problems)
        result: list[Threshold] = []
        previous: tuple[Fraction, int] | None = None  # (from, level) of the last sound entry
        for index, item_path, entries in reader.mapping_items(
            node, path, N_("a threshold"), "from, level", THRESHOLD_KEYS
        ):
            start = level = None
            if "from" in entries:
                start = self._threshold_from(
                    reader, entries["from"], reader.join(item_path, "from"), index, bounds, previous
                )
            if "level" in entries:
                level_node = entries["level"]
                level_path = reader.join(item_path, "level")
                level = reader.whole_number(level_node)
                if level is None or level not in allowed:
                    reader.report(
                        level_node,
                        level_path,
                        N_("level must be one of the levels (%(levels)s), got %(got)s"),
                        levels=reader.level_list(allowed),
                        got=reader.describe(level_node),
                    )
                    level = None
                elif previous is not None and direction is not None:
                    higher = direction == HIGHER_IS_BETTER
                    if (level <= previous[1]) if higher else (level >= previous[1]):
                        reader.report(
                            level_node,
                            level_path,
                            N_(
                                "with %(direction)s the levels must ascend as the thresholds "
                                "rise: %(this)s after %(last)s"
                            )
                            if higher
                            else N_(
                                "with %(direction)s the levels must descend as the thresholds "
                                "rise: %(this)s after %(last)s"
                            ),
                            direction=direction,
                            this=level,
                            last=previous[1],
                        )
            if start is not None and level is not None:
                result.append(Threshold(start, level))
                previous = (start, level)
        if len(reader.problems) > before:
            return None
        return tuple(result)

    @staticmethod
    def _threshold_from(
        reader: Any,
        node: Any,
        path: str,
        index: int,
        bounds: tuple[Fraction, Fraction] | None,
        previous: tuple[Fraction, int] | None,
    ) -> Fraction | None:
        """A threshold's `from`: a number (None if not); where it stands wrongly, reported."""
        start = reader.exact_number(node)
        show = reader.show_number
        if start is None:
            reader.report(
                node,
                path,
                N_("%(name)s must be a number, got %(got)s"),
                name="from",
                got=reader.describe(node),
            )
        elif bounds is not None and index == 0 and start != bounds[0]:
            reader.report(
                node,
                path,
                N_(
                    "the first threshold must start at the minimum %(min)s so that every value "
                    "has a level, got %(got)s"
                ),
                min=show(bounds[0]),
                got=show(start),
            )
        elif previous is not None and start <= previous[0]:
            reader.report(
                node,
                path,
                N_("thresholds must ascend: %(this)s is not above %(last)s"),
                this=show(start),
                last=show(previous[0]),
            )
        elif bounds is not None and start > bounds[1]:
            reader.report(
                node,
                path,
                N_("threshold %(this)s is above the maximum %(max)s"),
                this=show(start),
                max=show(bounds[1]),
            )
        return start

    def dump_yaml(self, indicator: Indicator) -> dict[str, object]:
        from .. import yaml_writer  # writes with the answer types

        data: dict[str, object] = {}
        if indicator.unit is not None:
            data["unit"] = yaml_writer.text_data(indicator.unit)
        if indicator.minimum is not None:
            data["minimum"] = yaml_writer.number_node(indicator.minimum)
        if indicator.maximum is not None:
            data["maximum"] = yaml_writer.number_node(indicator.maximum)
        data["direction"] = indicator.direction
        data["thresholds"] = [
            {"from": yaml_writer.number_node(t.minimum), "level": t.level}
            for t in indicator.thresholds
        ]
        return data


TYPE = NumberAnswer()
