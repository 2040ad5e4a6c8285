"""Every region's results for one year, side by side: the national pages' arithmetic.

Plain data, exact arithmetic (Fraction), no framework. A region's index and its pillar
(dimension) means are exactly its own region page's (`region.dimension_means`, from its
agencies' final verified results); here they are ranked and tallied:

- regions are ranked by index, highest first; equal indices share a rank (1, 2, 2, 4) and are
  listed by name; regions without a final result yet follow, unranked;
- per pillar, how many regions' means fall in each maturity band;
- per province, how many regions have a result, their mean index and the best region;
- the change of each region's index since the previous year, where it had one, and over the
  regions with a result in both years their mean then and now and how many rose or fell.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from .instrument import Dimension, Instrument, MaturityBand
from .region import _mean, dimension_means

# Kemendagri's province codes (kode wilayah, 2022: 38 provinces) and names
PROVINCES: Mapping[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}


def province_name(code: str) -> str:
    """The province's name, or its code when unknown (a synthetic or newer code)."""
    return PROVINCES.get(code, code)


@dataclass(frozen=True)
class RegionInput:
    """One region's year as the service reads it: who it is, each final agency's verified
    dimension indices, and how many agencies have an assessment that year."""

    code: str
    name: str
    province_code: str
    instrument: Instrument
    finals: tuple[Mapping[str, Fraction], ...]
    agencies: int


@dataclass(frozen=True)
class RegionYear:
    rank: int | None  # None: no final result yet
    code: str
    name: str
    province_code: str
    index: Fraction | None
    maturity: MaturityBand | None
    # pillar (dimension) code -> the region's mean; only the pillars some agency answered
    pillars: Mapping[str, Fraction]
    final_agencies: int
    agencies: int
    previous: Fraction | None = None  # the previous year's index

    @property
    def change(self) -> Fraction | None:
        if self.index is None or self.previous is None:
            return None
        return self.index - self.previous


@dataclass(frozen=True)
class PillarDistribution:
    dimension: Dimension
    # every maturity band (lowest first) with the number of regions whose mean falls in it
    counts: tuple[tuple[MaturityBand, int], ...]
    regions: int
    mean: Fraction | None  # the plain mean of the regions' means


@dataclass(frozen=True)
class ProvinceRow:
    code: str
    name: str
    regions: int  # regions with a final result
    mean: Fraction | None
    best: RegionYear | None


@dataclass(frozen=True)
class YearOverYear:
    """The year against the one before, over the regions with a result in both."""

    regions: int
    mean: Fraction | None  # this year's mean index of those regions
    previous_mean: Fraction | None  # their mean the year before
    improved: int
    declined: int
    unchanged: int


@dataclass(frozen=True)
class NationalYear:
    year: int
    regions: tuple[RegionYear, ...]  # ranked first, then the regions without a result
    pillars: tuple[PillarDistribution, ...]
    provinces: tuple[ProvinceRow, ...]
    mean: Fraction | None = None  # the plain mean of the regions' indices
    year_over_year: YearOverYear | None = None

    @property
    def ranked(self) -> int:
        return sum(1 for region in self.regions if region.rank is not None)


def year_over_year(regions: Iterable[RegionYear]) -> YearOverYear | None:
    both = [r for r in regions if r.change is not None]
    if not both:
        return None
    return YearOverYear(
        regions=len(both),
        mean=_mean([r.index for r in both]),  # type: ignore[misc]
        previous_mean=_mean([r.previous for r in both]),  # type: ignore[misc]
        improved=sum(1 for r in both if r.change > 0),  # type: ignore[operator]
        declined=sum(1 for r in both if r.change < 0),  # type: ignore[operator]
        unchanged=sum(1 for r in both if r.change == 0),
    )


def region_year(region: RegionInput) -> RegionYear:
    """A region's index and pillar means, unranked: its region page's, without the ranking of
    its agencies and the tallies the national pages do not show."""
    dimensions, index = dimension_means(region.instrument, region.finals)
    return RegionYear(
        rank=None,
        code=region.code,
        name=region.name,
        province_code=region.province_code,
        index=index,
        maturity=region.instrument.band_for(index) if index is not None else None,
        pillars={d.dimension.code: d.mean for d in dimensions if d.mean is not None},
        final_agencies=len(region.finals),
        agencies=region.agencies,
    )


def _ranked(regions: list[RegionYear], previous: Mapping[str, Fraction]) -> list[RegionYear]:
    with_index = sorted(
        (r for r in regions if r.index is not None),
        key=lambda r: (-r.index, r.name.casefold(), r.code),  # type: ignore[operator]
    )
    without = sorted((r for r in regions if r.index is None), key=lambda r: r.code)
    ranked: list[RegionYear] = []
    for position, region in enumerate(with_index, start=1):
        shared = ranked and ranked[-1].index == region.index
        ranked.append(
            replace(
                region,
                rank=ranked[-1].rank if shared else position,
                previous=previous.get(region.code),
            )
        )
    return ranked + [replace(r, previous=previous.get(r.code)) for r in without]


def national_year(
    year: int,
    regions_of_year: Iterable[RegionYear],
    instrument: Instrument,
    previous: Iterable[RegionYear] = (),
) -> NationalYear:
    """The year's ranking, pillar distributions and province table from each region's year
    (`region_year`). `instrument` gives the pillars and bands of the tallies (the instrument
    most regions used that year)."""
    earlier = {r.code: r.index for r in previous if r.index is not None}
    regions = _ranked(list(regions_of_year), earlier)
    pillars = []
    for dimension in instrument.dimensions:
        means = [r.pillars[dimension.code] for r in regions if dimension.code in r.pillars]
        levels = Counter(instrument.band_for(mean).level for mean in means)
        pillars.append(
            PillarDistribution(
                dimension=dimension,
                counts=tuple((band, levels[band.level]) for band in instrument.maturity_bands),
                regions=len(means),
                mean=_mean(means),
            )
        )
    by_province: dict[str, list[RegionYear]] = defaultdict(list)
    for region in regions:
        by_province[region.province_code].append(region)
    provinces = []
    for code in sorted(by_province):
        scored = [r for r in by_province[code] if r.index is not None]
        provinces.append(
            ProvinceRow(
                code=code,
                name=province_name(code),
                regions=len(scored),
                mean=_mean([r.index for r in scored]),  # type: ignore[misc]
                best=scored[0] if scored else None,  # regions are in rank order
            )
        )
    return NationalYear(
        year=year,
        regions=tuple(regions),
        pillars=tuple(pillars),
        provinces=tuple(provinces),
        mean=_mean([r.index for r in regions if r.index is not None]),
        year_over_year=year_over_year(regions),
    )


@dataclass(frozen=True)
class YearSummary:
    """One year of the trend: the regions with a result, their mean, and against the year
    before (over the regions with a result in both)."""

    year: int
    ranked: int
    mean: Fraction | None
    against_previous: YearOverYear | None


@dataclass(frozen=True)
class RegionTrend:
    code: str
    name: str
    province_code: str
    # year -> the region's index that year (None: a period without a final result)
    indices: Mapping[int, Fraction | None]


@dataclass(frozen=True)
class Trend:
    """Every year side by side, oldest first: the national pages' year over year."""

    years: tuple[YearSummary, ...]
    regions: tuple[RegionTrend, ...]  # by code; every region with a period in some year


def trend(by_year: Mapping[int, Iterable[RegionYear]]) -> Trend:
    """Year over year across all the years given (year -> its regions' years, unranked)."""
    summaries = []
    indices: dict[str, dict[int, Fraction | None]] = defaultdict(dict)
    names: dict[str, tuple[str, str]] = {}
    previous: dict[str, Fraction] = {}
    for year in sorted(by_year):
        regions = list(by_year[year])
        scored = [r for r in regions if r.index is not None]
        compared = [replace(r, previous=previous.get(r.code)) for r in scored]
        summaries.append(
            YearSummary(
                year=year,
                ranked=len(scored),
                mean=_mean([r.index for r in scored]),  # type: ignore[misc]
                against_previous=year_over_year(compared),
            )
        )
        for region in regions:
            indices[region.code][year] = region.index
            names[region.code] = (region.name, region.province_code)
        previous = {r.code: r.index for r in scored}  # type: ignore[misc]
    return Trend(
        years=tuple(summaries),
        regions=tuple(
            RegionTrend(code, names[code][0], names[code][1], indices[code])
            for code in sorted(indices)
        ),
    )
