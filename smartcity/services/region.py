"""Loading a period's results for the region view: a few queries, then the pure domain.

Verified scores are summed in the database (one row per assessment and dimension, one per
indicator), not loaded answer by answer: the region page, the dashboards and the comparison
then cost a fixed number of queries and little Python per agency, however many agencies
there are. The sums are exact integers (weights are scaled to whole numbers), so the indices
are the same Fractions the scoring engine computes (tests/test_region.py checks both ways).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
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
from ..models import (
    Agency,
    AgencyDimension,
    AgencyIndicatorScope,
    Answer,
    Assessment,
    Period,
    Review,
)
from .instruments import instrument_of
from .review import period_scores

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


def _weight_scale(instrument: Instrument) -> int:
    """The smallest factor that makes every indicator weight a whole number."""
    return math.lcm(1, *(i.weight.denominator for i in instrument.indicators))


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


def _indicator_table(instrument: Instrument):
    """The instrument's indicators as a small table (code, dimension, weight scaled to a whole
    number): joined, not looked up with CASE expressions row by row."""
    scale = _weight_scale(instrument)
    rows = [
        select(
            literal(indicator.code, String).label("code"),
            literal(dimension.code, String).label("dimension"),
            literal(int(indicator.weight * scale), Integer).label("weight"),
        )
        for dimension in instrument.dimensions
        for indicator in dimension.indicators
    ]
    return union_all(*rows).cte("instrument_indicators")


def _weighted(period_id: int, instrument: Instrument, agency_id: Agencies = None):
    """Effective levels with their dimension and scaled weight (indicators of the instrument)."""
    effective = effective_levels(period_id, instrument, agency_id)
    indicators = _indicator_table(instrument)
    return select(
        effective.c.assessment_id,
        indicators.c.code.label("indicator_code"),
        indicators.c.dimension,
        effective.c.level,
        (indicators.c.weight * effective.c.level).label("points"),
        case((effective.c.level.is_not(None), indicators.c.weight), else_=0).label("weight"),
    ).join(indicators, indicators.c.code == effective.c.indicator_code)


@dataclass(frozen=True)
class PeriodSums:
    # assessment id -> dimension code -> verified index (every dimension with a counted level;
    # which of them the agency answers is `agency_dimensions`' business)
    dimensions: dict[int, dict[str, Fraction]]
    # indicator code -> (sum of verified levels or scores, number of final agencies counted)
    indicators: dict[str, tuple[int | Fraction, int]]


def period_sums(period_id: int, instrument: Instrument, agency_id: Agencies = None) -> PeriodSums:
    """The final assessments' verified sums per assessment and dimension, and per indicator.

    One query: both groupings read the same effective levels (a CTE the database evaluates
    once). Questionnaires the sums cannot express (other answer types than levels,
    sub-elements, indicators that apply to some agencies only, or per-agency overrides) are
    scored by the engine instead: `_engine_sums`, still a fixed number of queries.
    """
    if _needs_engine(period_id, instrument):
        return _engine_sums(period_id, agency_id)
    rows = _weighted(period_id, instrument, agency_id).cte("weighted")
    per_dimension = select(
        literal_column("'d'").label("kind"),
        rows.c.assessment_id,
        rows.c.dimension.label("code"),
        func.sum(rows.c.points).label("total"),
        func.sum(rows.c.weight).label("count"),
    ).group_by(rows.c.assessment_id, rows.c.dimension)
    per_indicator = (
        select(
            literal_column("'i'"),
            literal_column("0"),
            rows.c.indicator_code,
            func.sum(rows.c.level),
            func.count(rows.c.level),
        )
        .where(rows.c.level.is_not(None))
        .group_by(rows.c.indicator_code)
    )
    dimensions: dict[int, dict[str, Fraction]] = {}
    indicators: dict[str, tuple[int, int]] = {}
    for kind, assessment_id, code, total, count in db.session.execute(
        union_all(per_dimension, per_indicator)
    ):
        if kind == "i":
            indicators[code] = (int(total), int(count))
        elif count:
            dimensions.setdefault(assessment_id, {})[code] = Fraction(int(total), int(count))
    return PeriodSums(dimensions, indicators)


def _needs_engine(period_id: int, instrument: Instrument) -> bool:
    if any(d.sub_elements for d in instrument.dimensions):
        return True
    if any(
        not i.answer_kind.answers_a_level or tuple(i.applies_to) != ("all",)
        for i in instrument.indicators
    ):
        return True
    overridden = db.session.scalar(
        select(AgencyIndicatorScope.id)
        .join(Assessment, Assessment.agency_id == AgencyIndicatorScope.agency_id)
        .where(Assessment.period_id == period_id)
        .limit(1)
    )
    return overridden is not None


def _engine_sums(period_id: int, agency_id: Agencies) -> PeriodSums:
    """The same sums from the scoring engine: verified scores of the final assessments."""
    period = db.session.get(Period, period_id)
    query = select(Assessment).where(
        Assessment.period_id == period_id, Assessment.status == Status.FINAL
    )
    if agency_id is not None:
        query = query.where(_of_agencies(Assessment.agency_id, agency_id))
    dimensions: dict[int, dict[str, Fraction]] = {}
    indicators: dict[str, tuple[Fraction, int]] = {}
    for assessment_id, pair in period_scores(period, list(db.session.scalars(query))).items():
        if pair.verified is None:
            continue
        for dimension in pair.verified.dimensions:
            if dimension.index is not None:
                dimensions.setdefault(assessment_id, {})[dimension.dimension.code] = dimension.index
            for score in dimension.indicators:
                if score.counts:
                    total, count = indicators.get(score.indicator.code, (Fraction(0), 0))
                    indicators[score.indicator.code] = (total + score.score, count + 1)
    return PeriodSums(dimensions, indicators)


def dimension_indices(
    period_id: int, instrument: Instrument, agency_id: int | None = None
) -> dict[int, dict[str, Fraction]]:
    """Assessment id -> dimension code -> verified index, for the period's final assessments."""
    return period_sums(period_id, instrument, agency_id).dimensions


def indicator_totals(
    period_id: int, instrument: Instrument, agency_id: int | None = None
) -> dict[str, tuple[int, int]]:
    """Indicator code -> (sum of verified levels, number of final agencies counted)."""
    return period_sums(period_id, instrument, agency_id).indicators


def agency_dimensions(instrument: Instrument, chosen: Iterable[str]) -> list[str]:
    """The dimensions an agency answers, in questionnaire order (all when none are set):
    `assessments.dimension_codes` for plain codes."""
    wanted = set(chosen)
    codes = [d.code for d in instrument.dimensions]
    return [c for c in codes if c in wanted] or codes


def dimension_weights(instrument: Instrument) -> dict[str, int]:
    """Dimension code -> its weight scaled to a whole number (the scale cancels in a mean)."""
    scale = math.lcm(1, *(d.weight.denominator for d in instrument.dimensions))
    return {d.code: int(d.weight * scale) for d in instrument.dimensions}


def agency_index(
    instrument: Instrument,
    dimensions: Mapping[str, Fraction],
    weights: Mapping[str, int] | None = None,
) -> Fraction | None:
    """The agency's index from its dimension indices: `scoring.score_assessment`'s rule
    (the weighted mean), in whole numbers with one Fraction at the end: it runs for every
    agency of a period."""
    weights = weights if weights is not None else dimension_weights(instrument)
    numerator, denominator, total = 0, 1, 0
    for code, index in dimensions.items():
        weight = weights[code]
        numerator = numerator * index.denominator + weight * index.numerator * denominator
        denominator *= index.denominator
        total += weight
    return Fraction(numerator, denominator * total) if total else None


def dimension_links(agency_ids: Select | None = None) -> dict[int, list[str]]:
    """Agency id -> the dimension codes it answers (one query)."""
    query = select(AgencyDimension.agency_id, AgencyDimension.dimension_code).order_by(
        AgencyDimension.agency_id, AgencyDimension.position
    )
    if agency_ids is not None:
        query = query.where(AgencyDimension.agency_id.in_(agency_ids))
    result: dict[int, list[str]] = {}
    for agency_id, code in db.session.execute(query):
        result.setdefault(agency_id, []).append(code)
    return result


# --- the period's agencies and the region result ---------------------------------------------


def period_agencies(
    period: Period, instrument: Instrument | None = None, sums: PeriodSums | None = None
) -> list[AgencyResult]:
    """Every assessment of the period as plain data; verified scores for the final ones.

    Set-based: three queries (assessments, the agencies' dimensions, the verified sums, unless
    given), however many agencies there are.
    """
    instrument = instrument or instrument_of(period.instrument_version)
    rows = db.session.execute(
        select(Assessment.id, Assessment.status, Agency.id, Agency.code, Agency.name)
        .join(Agency, Agency.id == Assessment.agency_id)
        .where(Assessment.period_id == period.id)
        .order_by(Agency.name, Agency.code)
    ).all()
    links = dimension_links(select(Assessment.agency_id).where(Assessment.period_id == period.id))
    indices = (sums or period_sums(period.id, instrument)).dimensions
    weights = dimension_weights(instrument)
    # thousands of agencies share a few dimension sets: work each set out once
    answered_for: dict[tuple[str, ...], list[str]] = {}
    result = []
    for assessment_id, status, agency_id, code, name in rows:
        if status == Status.FINAL:
            chosen = tuple(links.get(agency_id, ()))
            answered = answered_for.get(chosen)
            if answered is None:
                answered = answered_for[chosen] = agency_dimensions(instrument, chosen)
            own = indices.get(assessment_id, {})
            dimensions = {c: own[c] for c in answered if c in own}
            index = agency_index(instrument, dimensions, weights)
            if index is not None:
                result.append(AgencyResult(code, name, status, index, dimensions))
                continue
        result.append(AgencyResult(code=code, name=name, status=status))
    return result


def region_for(period: Period) -> PeriodRegion:
    instrument = instrument_of(period.instrument_version)
    sums = period_sums(period.id, instrument)
    means = indicator_means(instrument, sums.indicators)
    agencies = tuple(period_agencies(period, instrument, sums))
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
