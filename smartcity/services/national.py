"""The national pages' data: every region's published results for a year.

A region's index here is exactly its own region page's: its agencies' final, verified results
as stored when each became final (`services.results`), rolled up by `domain.region`. Reads
every region, so it runs for the national roles only (their requests work in no region) and
asks the database a fixed number of queries however many regions there are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..domain.national import NationalYear, RegionInput, RegionYear, national_year, region_years
from ..domain.region import AgencyResult
from ..domain.workflow import Status
from ..extensions import db
from ..models import Agency, Assessment, Period, Region
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


def _inputs(year: int) -> tuple[list[RegionInput], list]:
    """Every region with a period in `year`, with its agencies' results (four queries)."""
    periods = db.session.scalars(
        select(Period)
        .where(Period.year == year, Period.region_id.is_not(None))
        .options(selectinload(Period.instrument_version))
    ).all()
    if not periods:
        return [], []
    by_id = {period.id: period for period in periods}
    regions = {
        region.id: region
        for region in db.session.scalars(
            select(Region).where(Region.id.in_({p.region_id for p in periods}))
        )
    }
    finals = results.verified_of_periods(by_id)
    agencies: dict[int, list[AgencyResult]] = {period_id: [] for period_id in by_id}
    rows = db.session.execute(
        select(Assessment.id, Assessment.period_id, Assessment.status, Agency.code, Agency.name)
        .join(Agency, Agency.id == Assessment.agency_id)
        .where(Assessment.period_id.in_(sorted(by_id)))
    )
    for assessment_id, period_id, status, code, name in rows:
        index, dimensions = finals.get(assessment_id, (None, {}))
        if status == Status.FINAL and index is not None:
            agencies[period_id].append(AgencyResult(code, name, status, index, dimensions))
        else:
            agencies[period_id].append(AgencyResult(code=code, name=name, status=status))
    inputs = []
    for period in sorted(periods, key=lambda p: regions[p.region_id].code):
        region = regions[period.region_id]
        inputs.append(
            RegionInput(
                code=region.code,
                name=region.name,
                province_code=region.province_code,
                instrument=instrument_of(period.instrument_version),
                agencies=tuple(agencies[period.id]),
            )
        )
    return inputs, periods


def of_year(year: int) -> NationalYear | None:
    """The year's national ranking and tables, with each region's change since the year
    before; None when no region has a period that year."""
    with working_in(None):
        inputs, periods = _inputs(year)
        if not inputs:
            return None
        before, _ = _inputs(year - 1)
    # the tallies use the instrument most regions answered that year
    common = Counter(p.instrument_version_id for p in periods).most_common(1)[0][0]
    instrument = instrument_of(
        next(p for p in periods if p.instrument_version_id == common).instrument_version
    )
    previous: list[RegionYear] = region_years(before)
    return national_year(year, inputs, instrument, previous)


def region_year(year: int, code: str) -> tuple[Region, PeriodRegion] | None:
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
