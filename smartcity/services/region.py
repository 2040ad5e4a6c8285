"""Loading a period's results for the region view: a few queries, then the pure domain."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..domain.instrument import Instrument
from ..domain.region import AgencyResult, RegionResult, region_result
from ..domain.workflow import Status
from ..extensions import db
from ..models import Agency, Assessment, Period
from .instruments import instrument_of
from .review import period_scores


@dataclass(frozen=True)
class PeriodRegion:
    year: int
    period_open: bool
    instrument: Instrument
    result: RegionResult


def period_agencies(period: Period) -> list[AgencyResult]:
    """Every assessment of the period as plain data; verified scores for the final ones.

    Set-based: one query for the assessments and their agencies, two for the final
    assessments' answers and reviews, however many agencies there are.
    """
    assessments = list(
        db.session.scalars(
            select(Assessment)
            .join(Agency)
            .filter(Assessment.period_id == period.id)
            .order_by(Agency.name)
            .options(joinedload(Assessment.agency).selectinload(Agency.dimension_links))
        )
    )
    finals = [a for a in assessments if a.status == Status.FINAL]
    scores = period_scores(period, finals)
    result = []
    for assessment in assessments:
        pair = scores.get(assessment.id)
        verified = pair.verified if pair is not None else None
        if assessment.status == Status.FINAL and verified is not None:
            result.append(
                AgencyResult(
                    code=assessment.agency.code,
                    name=assessment.agency.name,
                    status=assessment.status,
                    index=verified.index,
                    dimensions={
                        d.dimension.code: d.index
                        for d in verified.dimensions
                        if d.index is not None
                    },
                )
            )
        else:
            result.append(
                AgencyResult(
                    code=assessment.agency.code,
                    name=assessment.agency.name,
                    status=assessment.status,
                )
            )
    return result


def region_for(period: Period) -> PeriodRegion:
    instrument = instrument_of(period.instrument_version)
    return PeriodRegion(
        year=period.year,
        period_open=period.is_open,
        instrument=instrument,
        result=region_result(instrument, period_agencies(period)),
    )


def find_period(year: int) -> Period | None:
    return db.session.scalar(
        select(Period).filter_by(year=year).options(selectinload(Period.instrument_version))
    )
