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

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from .instrument import Dimension, Instrument, MaturityBand
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
    return sum(values, Fraction(0)) / len(values) if values else None


def rank(agencies: Iterable[AgencyResult], instrument: Instrument) -> tuple[RankedAgency, ...]:
    """Final agencies, highest index first, ties by name (case-insensitive) sharing a rank."""
    finals = sorted(
        (a for a in agencies if a.is_final),
        key=lambda a: (-a.index, a.name.casefold(), a.code),  # type: ignore[operator]
    )
    ranked: list[RankedAgency] = []
    for position, agency in enumerate(finals, start=1):
        assert agency.index is not None
        shared = ranked and ranked[-1].index == agency.index
        ranked.append(
            RankedAgency(
                rank=ranked[-1].rank if shared else position,
                code=agency.code,
                name=agency.name,
                index=agency.index,
                maturity=instrument.band_for(agency.index),
            )
        )
    return tuple(ranked)


def region_result(instrument: Instrument, agencies: Iterable[AgencyResult]) -> RegionResult:
    agencies = list(agencies)
    finals = [a for a in agencies if a.is_final]
    dimensions = []
    for dimension in instrument.dimensions:
        values = [a.dimensions[dimension.code] for a in finals if dimension.code in a.dimensions]
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
    ranking = rank(finals, instrument)
    by_level = Counter(r.maturity.level for r in ranking)
    statuses = Counter(a.status for a in agencies)
    return RegionResult(
        index=index,
        maturity=instrument.band_for(index) if index is not None else None,
        dimensions=tuple(dimensions),
        ranking=ranking,
        level_counts=tuple((band, by_level[band.level]) for band in instrument.maturity_bands),
        status_counts=tuple((status, statuses[status]) for status in Status),
        total=len(agencies),
    )
