"""Year-over-year comparison of results, even when the instrument changed between the periods.

Plain data, exact arithmetic, no framework.

- Dimensions are matched by code: a dimension in both periods is compared, one in a single
  period is shown with its one value (nothing to compare it with).
- Indicators are matched by code: an indicator in both instruments is compared one to one
  (even if it moved to another dimension: it is listed under its newer dimension); the
  others are listed apart, as "only in <earlier year>" and "only in <later year>".
- A change is "up", "down" or "same" only when both values exist.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from .instrument import Dimension, Indicator, Instrument


class Trend(enum.StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"


@dataclass(frozen=True)
class Change:
    """A value in the earlier and in the later period; either may be missing."""

    before: Fraction | None
    after: Fraction | None

    @property
    def delta(self) -> Fraction | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def trend(self) -> Trend | None:
        delta = self.delta
        if delta is None:
            return None
        return Trend.UP if delta > 0 else Trend.DOWN if delta < 0 else Trend.SAME


MINUS = "\u2212"  # the minus sign of typesetting, never the hyphen-minus


def display_delta(delta: Fraction | None) -> str:
    """A signed difference of exact values rounded half away from zero to two decimals
    ("+0.25", "−1.10" with the minus sign U+2212, "0.00"); "-" when there is nothing to
    compare."""
    if delta is None:
        return "-"
    hundredths = math.floor(abs(delta) * 100 + Fraction(1, 2))
    sign = "" if hundredths == 0 else ("+" if delta > 0 else MINUS)
    return f"{sign}{hundredths // 100}.{hundredths % 100:02d}"


# --- what changed in the questionnaire --------------------------------------------------------


@dataclass(frozen=True)
class DimensionPair:
    code: str
    before: Dimension | None
    after: Dimension | None

    @property
    def name(self):
        """The newer name (the one people use now)."""
        return (self.after or self.before).name  # type: ignore[union-attr]


@dataclass(frozen=True)
class IndicatorPair:
    """An indicator code found in both instruments; `dimension` is its newer dimension's code."""

    code: str
    dimension: str
    before: Indicator
    after: Indicator


@dataclass(frozen=True)
class InstrumentChanges:
    dimensions: tuple[DimensionPair, ...]
    common: tuple[IndicatorPair, ...]
    # (dimension code, indicator) of indicators found in one instrument only
    only_before: tuple[tuple[str, Indicator], ...]
    only_after: tuple[tuple[str, Indicator], ...]

    @property
    def same_indicators(self) -> bool:
        return not self.only_before and not self.only_after


def instrument_changes(before: Instrument, after: Instrument) -> InstrumentChanges:
    """Dimensions and indicators matched by code: the later questionnaire's order first, then
    what only the earlier one has."""
    dimensions = [DimensionPair(d.code, before.dimension(d.code), d) for d in after.dimensions]
    dimensions += [
        DimensionPair(d.code, d, None) for d in before.dimensions if after.dimension(d.code) is None
    ]
    common = []
    only_after = []
    for dimension in after.dimensions:
        for indicator in dimension.indicators:
            earlier = before.indicator(indicator.code)
            if earlier is None:
                only_after.append((dimension.code, indicator))
            else:
                common.append(IndicatorPair(indicator.code, dimension.code, earlier, indicator))
    only_before = [
        (dimension.code, indicator)
        for dimension in before.dimensions
        for indicator in dimension.indicators
        if after.indicator(indicator.code) is None
    ]
    return InstrumentChanges(
        tuple(dimensions), tuple(common), tuple(only_before), tuple(only_after)
    )


# --- comparing values by code -----------------------------------------------------------------


@dataclass(frozen=True)
class DimensionChange:
    pair: DimensionPair
    change: Change


@dataclass(frozen=True)
class IndicatorChange:
    pair: IndicatorPair
    change: Change


@dataclass(frozen=True)
class LoneValue:
    """An indicator of one period only, with its value in that period (None: no value)."""

    dimension: str
    indicator: Indicator
    value: Fraction | None


@dataclass(frozen=True)
class Comparison:
    index: Change
    dimensions: tuple[DimensionChange, ...]
    indicators: tuple[IndicatorChange, ...]
    only_before: tuple[LoneValue, ...]
    only_after: tuple[LoneValue, ...]

    def dimension(self, code: str) -> Change | None:
        for row in self.dimensions:
            if row.pair.code == code:
                return row.change
        return None


@dataclass(frozen=True)
class PeriodValues:
    """One side of a comparison: an index, dimension code -> index, indicator code -> level
    (or mean level). Missing keys mean "no value"."""

    index: Fraction | None = None
    dimensions: Mapping[str, Fraction] | None = None
    indicators: Mapping[str, Fraction] | None = None


NOTHING = PeriodValues()


def compare(
    changes: InstrumentChanges, before: PeriodValues | None, after: PeriodValues | None
) -> Comparison:
    """Compare two periods' values (an agency's, or the region's means) by code.

    Dimensions and common indicators with no value on either side are left out.
    """
    before = before or NOTHING
    after = after or NOTHING
    b_dims, a_dims = before.dimensions or {}, after.dimensions or {}
    b_inds, a_inds = before.indicators or {}, after.indicators or {}
    dimensions = tuple(
        DimensionChange(pair, Change(b_dims.get(pair.code), a_dims.get(pair.code)))
        for pair in changes.dimensions
        if pair.code in b_dims or pair.code in a_dims
    )
    indicators = tuple(
        IndicatorChange(pair, Change(b_inds.get(pair.code), a_inds.get(pair.code)))
        for pair in changes.common
        if pair.code in b_inds or pair.code in a_inds
    )
    return Comparison(
        index=Change(before.index, after.index),
        dimensions=dimensions,
        indicators=indicators,
        only_before=tuple(
            LoneValue(dim, indicator, b_inds.get(indicator.code))
            for dim, indicator in changes.only_before
            if indicator.code in b_inds
        ),
        only_after=tuple(
            LoneValue(dim, indicator, a_inds.get(indicator.code))
            for dim, indicator in changes.only_after
            if indicator.code in a_inds
        ),
    )
