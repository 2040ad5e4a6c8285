"""The national pages' data: every region's published results for a year.

A region's index here is exactly its own region page's: its agencies' final, verified results
as stored when each became final (`services.results`), rolled up by `domain.region`. Reads
every region, so it runs for the national roles only (their requests work in no region) and
asks the database a fixed number of queries however many regions there are. A region's year
is computed once per process and kept until its results change (`_year`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from ..domain.national import (
    NationalYear,
    RegionInput,
    RegionYear,
    Trend,
    national_year,
    region_year,
    trend,
)
from ..domain.workflow import Status
from ..extensions import db
from ..models import Assessment, AssessmentResult, Period, Region
from ..region_context import working_in
from . import regions, results
from .exports import rounded
from .instruments import instrument_of
from .region import PeriodRegion, find_period, region_for
from .spreadsheets import csv_lines


@dataclass(frozen=True)
class YearRow:
    year: int
    regions: int  # regions with a period that year


def years() -> list[YearRow]:
    """The years any region has a period in, newest first."""
    with working_in(None):
        rows = db.session.execute(
            select(Period.year, func.count(func.distinct(Period.region_id)))
            .where(Period.region_id.is_not(None))
            .group_by(Period.year)
            .order_by(Period.year.desc())
        ).all()
    return [YearRow(year, count) for year, count in rows]


# (period id, its fingerprint) -> the region's year as computed from it: kept per process
# until the period's assessments or stored results change (`_fingerprints`)
_computed: dict[tuple[int, tuple], RegionYear] = {}
MAX_KEPT = 20_000  # 514 regions x 5 years x 4 changes each before it starts afresh


def forget() -> None:
    """Drop what was computed (tests; a changed instrument would not change a fingerprint)."""
    _computed.clear()


def _fingerprints(period_ids: list[int]) -> dict[int, tuple]:
    """Per period, what changes whenever its results can: its assessments (how many, how many
    final, the newest) and its stored results (how many, the newest: a finalization writes
    new rows, reopening deletes them). Two grouped queries."""
    assessments = db.session.execute(
        select(
            Assessment.period_id,
            func.count(),
            func.sum(case((Assessment.status == Status.FINAL, 1), else_=0)),
            func.max(Assessment.id),
        )
        .where(Assessment.period_id.in_(period_ids))
        .group_by(Assessment.period_id)
    )
    stored = dict(
        (period_id, (count, newest))
        for period_id, count, newest in db.session.execute(
            select(
                Assessment.period_id, func.count(AssessmentResult.id), func.max(AssessmentResult.id)
            )
            .join(Assessment, Assessment.id == AssessmentResult.assessment_id)
            .where(Assessment.period_id.in_(period_ids))
            .group_by(Assessment.period_id)
        )
    )
    found = {period_id: (0, 0, 0) for period_id in period_ids}
    for period_id, count, final, newest in assessments:
        found[period_id] = (count, int(final or 0), newest)
    return {p: (*found[p], *stored.get(p, (0, 0))) for p in period_ids}


def _compute(periods: list[Period], regions_by_id: dict[int, Region]) -> dict[int, RegionYear]:
    """The periods' region years from their stored results (two queries; the results are
    read period after period, so the memory this takes does not grow with the regions)."""
    ids = [period.id for period in periods]
    counts = dict(
        db.session.execute(
            select(Assessment.period_id, func.count())
            .where(Assessment.period_id.in_(ids))
            .group_by(Assessment.period_id)
        ).all()
    )
    finals: dict[int, list] = {period_id: [] for period_id in ids}
    computed = {}

    def region_year_of(period: Period) -> RegionYear:
        region = regions_by_id[period.region_id]
        return region_year(
            RegionInput(
                code=region.code,
                name=region.name,
                province_code=region.province_code,
                instrument=instrument_of(period.instrument_version),
                finals=tuple(finals.pop(period.id, ())),
                agencies=counts.get(period.id, 0),
            )
        )

    by_id = {period.id: period for period in periods}
    for period_id, own in results.verified_dimensions_by_period(ids):
        finals[period_id] = own
        computed[period_id] = region_year_of(by_id[period_id])
    for period in periods:
        if period.id not in computed:  # no final result
            computed[period.id] = region_year_of(period)
    return computed


def _year(year: int) -> tuple[list[RegionYear], list[Period]]:
    """Every region with a period in `year`, by code: its index and pillar means. Computed
    again only for the periods whose results changed since (five queries when none did,
    seven otherwise, however many regions)."""
    periods = db.session.scalars(
        select(Period)
        .where(Period.year == year, Period.region_id.is_not(None))
        .options(selectinload(Period.instrument_version))
    ).all()
    if not periods:
        return [], []
    regions_by_id = {
        region.id: region
        for region in db.session.scalars(
            select(Region).where(Region.id.in_({p.region_id for p in periods}))
        )
    }
    prints = _fingerprints([p.id for p in periods])
    missing = [p for p in periods if (p.id, prints[p.id]) not in _computed]
    if missing:
        if len(_computed) > MAX_KEPT:
            _computed.clear()
        for period_id, computed in _compute(missing, regions_by_id).items():
            _computed[(period_id, prints[period_id])] = computed
    out = []
    for period in periods:
        region = regions_by_id[period.region_id]
        # the region's name as it is now: a rename changes no fingerprint
        out.append(
            replace(
                _computed[(period.id, prints[period.id])],
                code=region.code,
                name=region.name,
                province_code=region.province_code,
            )
        )
    return sorted(out, key=lambda r: r.code), list(periods)


def of_year(year: int) -> NationalYear | None:
    """The year's national ranking and tables, with each region's change since the year
    before; None when no region has a period that year."""
    with working_in(None):
        this_year, periods = _year(year)
        if not this_year:
            return None
        before, _ = _year(year - 1)
    # the tallies use the instrument most regions answered that year
    common = Counter(p.instrument_version_id for p in periods).most_common(1)[0][0]
    instrument = instrument_of(
        next(p for p in periods if p.instrument_version_id == common).instrument_version
    )
    return national_year(year, this_year, instrument, before)


def all_years() -> Trend:
    """Every year side by side (year over year across all years), from each year's regions
    as `of_year` computes them: a fixed number of queries per year, however many regions."""
    with working_in(None):
        return trend({row.year: _year(row.year)[0] for row in years()})


def region_page(year: int, code: str) -> tuple[Region, PeriodRegion] | None:
    """One region's results for the year, exactly as its own region page computes them (read
    in that region); None when there is no such region or period."""
    region = regions.find(code)
    if region is None:
        return None
    with working_in(region.id):
        period = find_period(year)
        if period is None:
            return None
        return region, region_for(period)


# --- the year's export: one row per region, written as it is read ---------------------------


def export_lines(national: NationalYear, columns: list[str], dialect: str = "") -> Iterator[str]:
    """The year's regions as CSV (docs/EXPORTS.md "National results"), one line at a time:
    UTF-8 with a BOM; `columns` are the first columns' names in the reader's language, then
    one column per pillar (its code)."""
    pillars = [p.dimension.code for p in national.pillars]
    rows = (
        [
            region.rank,
            region.code,
            region.name,
            region.province_code,
            rounded(region.index),
            region.maturity.level if region.maturity is not None else None,
            *(rounded(region.pillars.get(code)) for code in pillars),
            region.final_agencies,
            region.agencies,
            rounded(region.previous),
        ]
        for region in national.regions
    )
    lines = csv_lines([*columns[:6], *pillars, *columns[6:]], rows, dialect)
    yield "\ufeff" + next(lines)
    yield from lines
