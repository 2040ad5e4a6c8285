"""An agency's results over the years, and any two periods compared: plain data for the pages.

Only final, verified results count (as on the region page), read as they were stored when
each assessment became final (`services.results`). Every function issues a fixed number of
queries whatever the number of agencies (the agency dashboard: a few per period).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain.compare import (
    Change,
    Comparison,
    InstrumentChanges,
    PeriodValues,
    compare,
    instrument_changes,
)
from ..domain.instrument import Dimension, Indicator, Instrument
from ..domain.region import AgencyResult, indicator_means, region_result
from ..domain.workflow import Status
from ..extensions import db
from ..models import Agency, Assessment, Period
from . import results
from .instruments import instrument_of
from .region import PeriodRegion, effective_levels, indicator_totals, region_for

WEAKEST = 5  # indicators listed as the agency's weakest


def all_periods() -> list[Period]:
    """Every period, oldest first, with its instrument version (two queries)."""
    return list(
        db.session.scalars(
            select(Period).order_by(Period.year).options(selectinload(Period.instrument_version))
        )
    )


def agency_levels(period_id: int, instrument: Instrument, agency_id: int) -> dict[str, int]:
    """Indicator code -> verified level of the agency's final assessment (N/A left out)."""
    effective = effective_levels(period_id, instrument, agency_id)
    rows = db.session.execute(
        select(effective.c.indicator_code, effective.c.level).where(effective.c.level.is_not(None))
    )
    return {code: int(level) for code, level in rows if instrument.indicator(code) is not None}


# --- the agency dashboard ----------------------------------------------------------------------


@dataclass(frozen=True)
class YearResult:
    """The agency's assessment in one period: its state, and its verified result when final."""

    year: int
    assessment_id: int | None
    status: str | None
    index: Fraction | None
    dimensions: dict[str, Fraction]

    @property
    def is_final(self) -> bool:
        return self.status == Status.FINAL and self.index is not None


@dataclass(frozen=True)
class DimensionTrend:
    """One dimension (matched by code across the years): its index per year, oldest first,
    and the change from the previous final year to the latest."""

    code: str
    dimension: Dimension
    values: tuple[Fraction | None, ...]
    change: Change


@dataclass(frozen=True)
class WeakIndicator:
    dimension: Dimension
    indicator: Indicator
    level: int
    next_level: int | None
    next_requirement: object  # the next level's Text, None at the top level


@dataclass(frozen=True)
class AgencyDashboard:
    code: str
    name: str
    years: tuple[YearResult, ...]  # every period, oldest first
    final_years: tuple[int, ...]  # the years with a final result, oldest first
    index_change: Change  # latest final year against the one before it
    dimensions: tuple[DimensionTrend, ...]
    latest: YearResult | None  # the latest period's assessment (whatever its state)
    latest_final: YearResult | None
    weakest: tuple[WeakIndicator, ...]
    below_top: int  # indicators below their top level in the latest final result


def agency_dashboard(agency: Agency) -> AgencyDashboard:
    periods = all_periods()
    assessments = {
        period_id: (assessment_id, status)
        for assessment_id, period_id, status in db.session.execute(
            select(Assessment.id, Assessment.period_id, Assessment.status).filter_by(
                agency_id=agency.id
            )
        )
    }
    # the results stored when each year's assessment became final: one query for all years
    stored = results.final_results(Assessment.agency_id == agency.id)
    years: list[YearResult] = []
    instruments: dict[int, Instrument] = {}
    for period in periods:
        assessment_id, status = assessments.get(period.id, (None, None))
        dimensions: dict[str, Fraction] = {}
        index = None
        final = stored.get(assessment_id) if status == Status.FINAL else None
        if final is not None:
            instruments[period.year] = instrument_of(period.instrument_version)
            dimensions = final.verified_dimensions()
            index = final.index
        years.append(YearResult(period.year, assessment_id, status, index, dimensions))
    finals = [y for y in years if y.is_final]
    previous, last = (finals[-2] if len(finals) > 1 else None), (finals[-1] if finals else None)

    # dimensions by code, the latest questionnaire's order (and names) first
    named: dict[str, Dimension] = {}
    for year in reversed(finals):
        for dimension in instruments[year.year].dimensions:
            if dimension.code in year.dimensions:
                named.setdefault(dimension.code, dimension)
    order = {code: n for n, code in enumerate(named)}
    trends = tuple(
        DimensionTrend(
            code,
            dimension,
            tuple(y.dimensions.get(code) for y in finals),
            Change(
                previous.dimensions.get(code) if previous else None,
                last.dimensions.get(code) if last else None,
            ),
        )
        for code, dimension in sorted(named.items(), key=lambda item: order[item[0]])
    )

    weakest: tuple[WeakIndicator, ...] = ()
    below_top = 0
    if last is not None:
        instrument = instruments[last.year]
        period = next(p for p in periods if p.year == last.year)
        levels = agency_levels(period.id, instrument, agency.id)
        rows = []
        for dimension in instrument.dimensions:
            if dimension.code not in last.dimensions:
                continue
            for indicator in dimension.indicators:
                level = levels.get(indicator.code)
                if level is None:
                    continue
                if level < indicator.top_level:
                    below_top += 1
                higher = [n for n in indicator.level_numbers if n > level]
                step = min(higher) if higher else None
                rows.append(
                    WeakIndicator(
                        dimension,
                        indicator,
                        level,
                        step,
                        indicator.descriptor(step) if step is not None else None,
                    )
                )
        # lowest level first; at equal level the heavier indicator costs the index more
        rows.sort(key=lambda r: (r.level, -r.indicator.weight, r.indicator.code))
        weakest = tuple(r for r in rows if r.next_level is not None)[:WEAKEST]

    return AgencyDashboard(
        code=agency.code,
        name=agency.name,
        years=tuple(years),
        final_years=tuple(y.year for y in finals),
        index_change=Change(previous.index if previous else None, last.index if last else None),
        dimensions=trends,
        latest=years[-1] if years else None,
        latest_final=last,
        weakest=weakest,
        below_top=below_top,
    )


# --- two periods compared ----------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyChange:
    code: str
    name: str
    status_before: str | None
    status_after: str | None
    comparison: Comparison


@dataclass(frozen=True)
class PeriodComparison:
    before: PeriodRegion
    after: PeriodRegion
    changes: InstrumentChanges
    # the region's index, dimension means and indicator means over `common` agencies only
    region: Comparison
    common: tuple[str, ...]  # codes of the agencies final in both periods (like with like)
    agencies: tuple[AgencyChange, ...]  # every agency of either period, by name
    agency: AgencyChange | None  # the one asked for, with its indicators one to one


def _values(result: AgencyResult | None, levels: dict[str, int] | None = None) -> PeriodValues:
    if result is None or not result.is_final:
        return PeriodValues()
    return PeriodValues(
        result.index,
        result.dimensions,
        {code: Fraction(level) for code, level in (levels or {}).items()},
    )


def _region_values(
    period: Period, region: PeriodRegion, codes: frozenset[str], ids: frozenset[int]
) -> PeriodValues:
    """The region's values over the given agencies only (by code, and by id for the sums)."""
    if not codes:
        return PeriodValues()
    if codes == {a.code for a in region.agencies if a.is_final}:  # all of them: as computed
        return PeriodValues(
            region.result.index,
            {d.dimension.code: d.mean for d in region.result.dimensions if d.mean is not None},
            {m.indicator.code: m.mean for m in region.indicators},
        )
    result = region_result(region.instrument, [a for a in region.agencies if a.code in codes])
    totals = indicator_totals(period.id, ids)
    return PeriodValues(
        result.index,
        {d.dimension.code: d.mean for d in result.dimensions if d.mean is not None},
        {m.indicator.code: m.mean for m in indicator_means(region.instrument, totals)},
    )


def _ids_by_code(codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = db.session.execute(select(Agency.code, Agency.id).where(Agency.code.in_(codes)))
    return {code: agency_id for code, agency_id in rows}


def period_agency_results(region: PeriodRegion) -> dict[str, AgencyResult]:
    return {a.code: a for a in region.agencies}


def comparison(before: Period, after: Period, agency: Agency | None = None) -> PeriodComparison:
    """Two periods compared by dimension and indicator code, for the region and per agency;
    with `agency`, that agency's indicators one to one as well."""
    earlier, later = region_for(before), region_for(after)
    changes = instrument_changes(earlier.instrument, later.instrument)
    by_code_before = period_agency_results(earlier)
    by_code_after = period_agency_results(later)
    names = {a.code: a.name for a in (*earlier.agencies, *later.agencies)}
    rows = []
    for code in sorted(names, key=lambda c: (names[c].casefold(), c)):
        old, new = by_code_before.get(code), by_code_after.get(code)
        rows.append(
            AgencyChange(
                code,
                names[code],
                old.status if old else None,
                new.status if new else None,
                compare(changes, _values(old), _values(new)),
            )
        )
    chosen = None
    if agency is not None:
        old, new = by_code_before.get(agency.code), by_code_after.get(agency.code)
        old_levels = (
            agency_levels(before.id, earlier.instrument, agency.id)
            if old and old.is_final
            else None
        )
        new_levels = (
            agency_levels(after.id, later.instrument, agency.id) if new and new.is_final else None
        )
        chosen = AgencyChange(
            agency.code,
            agency.name,
            old.status if old else None,
            new.status if new else None,
            compare(changes, _values(old, old_levels), _values(new, new_levels)),
        )
    # like with like: the region in both periods is the agencies final in both
    common = sorted(
        {a.code for a in earlier.agencies if a.is_final}
        & {a.code for a in later.agencies if a.is_final}
    )
    codes = frozenset(common)
    all_final = (
        codes
        == {a.code for a in earlier.agencies if a.is_final}
        == {a.code for a in later.agencies if a.is_final}
    )
    ids = frozenset() if all_final else frozenset(_ids_by_code(set(common)).values())
    return PeriodComparison(
        before=earlier,
        after=later,
        changes=changes,
        region=compare(
            changes,
            _region_values(before, earlier, codes, ids),
            _region_values(after, later, codes, ids),
        ),
        common=tuple(common),
        agencies=tuple(rows),
        agency=chosen,
    )
