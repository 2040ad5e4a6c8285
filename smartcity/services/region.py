"""Loading a period's results for the region view: a few queries, then the pure domain.

Final results are read as they were stored when each assessment became final
(`services.results`: the scoring engine's exact indices, one row per assessment and
dimension, and its verified indicator scores), never scored again: the indicators' means
("where to invest", the comparison's indicators) are the stored scores summed by the database.
The region page, the dashboards and the comparison cost a fixed number of queries and little
Python per agency, however many agencies there are. `effective_levels` (the levels that
count, straight from answers and verdicts) remains for one agency's indicators.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import and_, case, func, null, or_, select
from sqlalchemy.orm import selectinload

from ..domain.instrument import Instrument
from ..domain.region import (
    AgencyResult,
    IndicatorMean,
    RegionResult,
    indicator_means,
    lowest_indicators,
    region_result,
)
from ..domain.workflow import Status
from ..extensions import db
from ..models import Agency, Answer, Assessment, Period, Review
from . import results
from .instruments import instrument_of

LOWEST = 10  # indicators listed under "where to invest"


@dataclass(frozen=True)
class PeriodRegion:
    year: int
    period_open: bool
    instrument: Instrument
    result: RegionResult
    # every indicator's mean verified level (questionnaire order) and the lowest of them
    indicators: tuple[IndicatorMean, ...] = ()
    lowest: tuple[IndicatorMean, ...] = ()
    # every assessment of the period (the region result is made from these)
    agencies: tuple[AgencyResult, ...] = ()


# --- verified levels summed in the database --------------------------------------------------


# one agency (its id), a set of agencies (their ids) or, with None, every agency
Agencies = int | frozenset[int] | None


def _of_agencies(column, agencies: Agencies):
    """The condition on an agency id column that `Agencies` stands for (None: no condition)."""
    if agencies is None:
        return None
    if isinstance(agencies, int):
        return column == agencies
    return column.in_(sorted(agencies))


def effective_levels(period_id: int, instrument: Instrument, agency_id: Agencies = None):
    """(assessment_id, indicator_code, level) of the period's final assessments: the level
    that counts, as `review.verified_values` + `scoring.score_dimension` decide it (the
    verified level where the evaluator set one, else the answer; NULL for an allowed N/A).

    Answers and verdicts are narrowed to the period's final assessments, then joined once.
    """
    allow_na = [i.code for i in instrument.indicators if i.allow_not_applicable]
    finals = [Assessment.period_id == period_id, Assessment.status == Status.FINAL]
    if agency_id is not None:
        finals.append(_of_agencies(Assessment.agency_id, agency_id))
    answers = (
        select(Answer.assessment_id, Answer.indicator_code, Answer.level, Answer.not_applicable)
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .where(*finals)
        .subquery("final_answers")
    )
    reviews = (
        select(
            Review.assessment_id,
            Review.indicator_code,
            Review.verified_level,
            Review.verified_not_applicable,
        )
        .join(Assessment, Assessment.id == Review.assessment_id)
        .where(*finals, or_(Review.verified_level.is_not(None), Review.verified_not_applicable))
        .subquery("final_verdicts")
    )
    same = and_(
        reviews.c.assessment_id == answers.c.assessment_id,
        reviews.c.indicator_code == answers.c.indicator_code,
    )
    # a full join: a verdict on an indicator the agency left unanswered counts too
    # (verified_values), without a second pass over the rows (SQLite >= 3.39, PostgreSQL)
    code = func.coalesce(answers.c.indicator_code, reviews.c.indicator_code)
    overridden = reviews.c.assessment_id.is_not(None)
    not_applicable = case(
        (overridden, reviews.c.verified_not_applicable), else_=answers.c.not_applicable
    )
    level = case((overridden, reviews.c.verified_level), else_=answers.c.level)
    return (
        select(
            func.coalesce(answers.c.assessment_id, reviews.c.assessment_id).label("assessment_id"),
            code.label("indicator_code"),
            case((and_(not_applicable, code.in_(allow_na)), null()), else_=level).label("level"),
        )
        .select_from(answers.outerjoin(reviews, same, full=True))
        .subquery("effective")
    )


def indicator_totals(period_id: int, agency_id: Agencies = None) -> dict[str, tuple[Fraction, int]]:
    """Indicator code -> (sum of verified scores, number of final agencies counted), from the
    scores stored when each assessment became final (`results.indicator_sums`)."""
    if isinstance(agency_id, int):
        agency_id = frozenset({agency_id})
    return results.indicator_sums(period_id, agency_id)


def period_agencies(period: Period) -> list[AgencyResult]:
    """Every assessment of the period as plain data; the stored verified result of the final
    ones (`services.results`: as the scoring engine computed it when it became final).

    Set-based: two queries (assessments, stored results), however many agencies there are; no
    scoring.
    """
    rows = db.session.execute(
        select(Assessment.id, Assessment.status, Agency.code, Agency.name)
        .join(Agency, Agency.id == Assessment.agency_id)
        .where(Assessment.period_id == period.id)
        .order_by(Agency.name, Agency.code)
    ).all()
    finals = results.verified_of_period(period.id)
    agencies = []
    for assessment_id, status, code, name in rows:
        index, dimensions = finals.get(assessment_id, (None, {}))
        if status == Status.FINAL and index is not None:
            agencies.append(AgencyResult(code, name, status, index, dimensions))
        else:
            agencies.append(AgencyResult(code=code, name=name, status=status))
    return agencies


def region_for(period: Period) -> PeriodRegion:
    instrument = instrument_of(period.instrument_version)
    means = indicator_means(instrument, indicator_totals(period.id))
    agencies = tuple(period_agencies(period))
    return PeriodRegion(
        year=period.year,
        period_open=period.is_open,
        instrument=instrument,
        result=region_result(instrument, agencies),
        indicators=means,
        lowest=lowest_indicators(means, LOWEST),
        agencies=agencies,
    )


def find_period(year: int) -> Period | None:
    return db.session.scalar(
        select(Period).filter_by(year=year).options(selectinload(Period.instrument_version))
    )
