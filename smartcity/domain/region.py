"""The region's results for one period: final agency scores in, region indices out.

Plain data, exact arithmetic (Fraction), no framework.

- A dimension's region index is the plain mean of the final agencies' verified indices
  for that dimension (only agencies that answer the dimension count).
- The region's overall index is the weighted mean of those dimension means with the
  instrument's dimension weights: the same rule that turns an agency's dimension indices
  into its index, so a dimension weighs the same whichever number of agencies answers it.
- Agencies are ranked by their final verified index, highest first; equal indices share a
  rank (1, 2, 2, 4) and are listed by name.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from .instrument import Dimension, Indicator, Instrument, MaturityBand
from .scoring import weighted_mean
from .workflow import Status


@dataclass(frozen=True)
class AgencyResult:
    """One agency's assessment in the period; `index` and `dimensions` only when final."""

    code: str
    name: str
    status: str
    index: Fraction | None = None
    # dimension code -> verified dimension index (the dimensions the agency answers)
    dimensions: Mapping[str, Fraction] = field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return self.status == Status.FINAL and self.index is not None


@dataclass(frozen=True)
class DimensionResult:
    dimension: Dimension
    mean: Fraction | None
    maturity: MaturityBand | None
    agencies: int  # how many final agencies the mean is taken over


@dataclass(frozen=True)
class RankedAgency:
    rank: int
    code: str
    name: str
    index: Fraction
    maturity: MaturityBand


@dataclass(frozen=True)
class RegionResult:
    index: Fraction | None
    maturity: MaturityBand | None
    dimensions: tuple[DimensionResult, ...]
    ranking: tuple[RankedAgency, ...]
    # every maturity band of the instrument (lowest first) with its number of final agencies
    level_counts: tuple[tuple[MaturityBand, int], ...]
    # every workflow state (in workflow order) with its number of agencies
    status_counts: tuple[tuple[Status, int], ...]
    total: int

    @property
    def final(self) -> int:
        return len(self.ranking)


def _mean(values: list[Fraction]) -> Fraction | None:
    """The exact mean, summed over a common denominator in whole numbers (one Fraction at the
    end instead of one per addition: a region may have thousands of agencies)."""
    if not values:
        return None
    numerator, denominator = 0, 1
    for value in values:
        if denominator % value.denominator:
            common = denominator // math.gcd(denominator, value.denominator) * value.denominator
            numerator *= common // denominator
            denominator = common
        numerator += value.numerator * (denominator // value.denominator)
    return Fraction(numerator, denominator * len(values))


def rank(agencies: Iterable[AgencyResult], instrument: Instrument) -> tuple[RankedAgency, ...]:
    """Final agencies, highest index first, ties by name (case-insensitive) sharing a rank."""
    # the float settles almost every comparison cheaply; the exact index only breaks its ties
    # (a strictly larger float always means a strictly larger Fraction)
    finals = sorted(
        (a for a in agencies if a.is_final),
        key=lambda a: (-float(a.index), -a.index, a.name.casefold(), a.code),  # type: ignore[arg-type,operator]
    )
    # highest index first, so the band only ever steps down: `band_for` without its scan
    bands = sorted(instrument.maturity_bands, key=lambda b: b.minimum)
    band = len(bands) - 1
    ranked: list[RankedAgency] = []
    for position, agency in enumerate(finals, start=1):
        assert agency.index is not None
        while band > 0 and agency.index < bands[band].minimum:
            band -= 1
        shared = ranked and ranked[-1].index == agency.index
        ranked.append(
            RankedAgency(
                rank=ranked[-1].rank if shared else position,
                code=agency.code,
                name=agency.name,
                index=agency.index,
                maturity=bands[band],
            )
        )
    return tuple(ranked)


def dimension_means(
    instrument: Instrument, finals: Iterable[Mapping[str, Fraction]]
) -> tuple[tuple[DimensionResult, ...], Fraction | None]:
    """Each dimension's region mean over the final agencies' verified dimension indices, and
    the region index: the weighted mean of those means with the instrument's weights."""
    finals = list(finals)
    dimensions = []
    for dimension in instrument.dimensions:
        values = [own[dimension.code] for own in finals if dimension.code in own]
        mean = _mean(values)
        dimensions.append(
            DimensionResult(
                dimension=dimension,
                mean=mean,
                maturity=instrument.band_for(mean) if mean is not None else None,
                agencies=len(values),
            )
        )
    index = weighted_mean((d.dimension.weight, d.mean) for d in dimensions if d.mean is not None)
    return tuple(dimensions), index


def region_result(instrument: Instrument, agencies: Iterable[AgencyResult]) -> RegionResult:
    agencies = list(agencies)
    finals = [a for a in agencies if a.is_final]
    dimensions, index = dimension_means(instrument, (a.dimensions for a in finals))
    ranking = rank(finals, instrument)
    by_level = Counter(r.maturity.level for r in ranking)
    statuses = Counter(a.status for a in agencies)
    return RegionResult(
        index=index,
        maturity=instrument.band_for(index) if index is not None else None,
        dimensions=dimensions,
        ranking=ranking,
        level_counts=tuple((band, by_level[band.level]) for band in instrument.maturity_bands),
        status_counts=tuple((status, statuses[status]) for status in Status),
        total=len(agencies),
    )


# --- where to invest: the indicators with the lowest region-wide verified levels -------------


@dataclass(frozen=True)
class IndicatorMean:
    """An indicator's mean verified level over the final agencies that answer it."""

    dimension: Dimension
    indicator: Indicator
    mean: Fraction
    agencies: int


def indicator_totals(
    sums: Iterable[tuple[str, int, int, int]],
) -> dict[str, tuple[Fraction, int]]:
    """(indicator code, denominator, sum of numerators, scores) rows, as the database groups
    stored scores, into indicator code -> (exact sum of scores, number of scores)."""
    totals: dict[str, tuple[Fraction, int]] = {}
    for code, denominator, numerators, count in sums:
        total, counted = totals.get(code, (Fraction(0), 0))
        totals[code] = (total + Fraction(numerators, denominator), counted + count)
    return totals


def indicator_means(
    instrument: Instrument, totals: Mapping[str, tuple[int | Fraction, int]]
) -> tuple[IndicatorMean, ...]:
    """Indicator code -> (sum of verified levels, number of agencies) into means, in
    questionnaire order; indicators nobody scored and codes the instrument lacks are left out."""
    means = []
    for dimension in instrument.dimensions:
        for indicator in dimension.indicators:
            level_sum, count = totals.get(indicator.code, (0, 0))
            if count:
                means.append(IndicatorMean(dimension, indicator, Fraction(level_sum, count), count))
    return tuple(means)


def lowest_indicators(means: Iterable[IndicatorMean], limit: int = 10) -> tuple[IndicatorMean, ...]:
    """The `limit` lowest means; ties go to the indicator with more weight (it costs the index
    more), then by code."""
    ordered = sorted(means, key=lambda m: (m.mean, -m.indicator.weight, m.indicator.code))
    return tuple(ordered[:limit])


# --- the ranking as the reader sorts it ------------------------------------------------------

SORT_KEYS = ("index", "name", "level")
DIRECTIONS = ("asc", "desc")
# the direction a column sorts in when first chosen: best first for numbers, A-Z for names
DEFAULT_DIRECTION = {"index": "desc", "name": "asc", "level": "desc"}


def sorted_ranking(
    ranking: Iterable[RankedAgency], key: str = "index", direction: str | None = None
) -> tuple[RankedAgency, ...]:
    """The ranking sorted by index, name or maturity level; unknown keys sort by index.

    Ties keep a stable, readable order: by index (best first), then by name.
    """
    if key not in SORT_KEYS:
        key = "index"
    if direction not in DIRECTIONS:
        direction = DEFAULT_DIRECTION[key]
    ranking = tuple(ranking)
    if key == "index" and direction == "desc":
        return ranking  # the ranking's own order
    rows = sorted(ranking, key=lambda r: (r.rank, r.name.casefold(), r.code))
    if key == "name":
        rows.sort(key=lambda r: (r.name.casefold(), r.code), reverse=direction == "desc")
    elif key == "level":
        rows.sort(key=lambda r: r.maturity.level, reverse=direction == "desc")
    elif direction == "asc":
        rows.sort(key=lambda r: r.index)
    return tuple(rows)
