"""Final results stored: written from the scoring engine when an assessment becomes final,
read back by the region page, the dashboards, the exports and the API.

`record` runs inside the finalizing transition (`workflow.transition`), `drop` when a final
result is reopened; nothing else writes the table. Reading costs one query for a whole
period, whatever the number of agencies, and no arithmetic: the indices are the engine's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction

from sqlalchemy import delete, exists, func, insert, select

from ..domain.region import indicator_totals
from ..domain.results import OVERALL, ResultLine, ScoreLines, indicator_lines, result_lines
from ..domain.workflow import Status
from ..extensions import db
from ..models import Agency, Assessment, AssessmentResult, IndicatorResult, Period
from .review import ScorePair, period_scores, scores


def _rows(assessment_id: int, pair: ScorePair) -> list[dict]:
    return [
        {
            "assessment_id": assessment_id,
            "dimension_code": line.dimension_code,
            "self_index": line.self_index,
            "self_level": line.self_level,
            "verified_index": line.verified_index,
            "verified_level": line.verified_level,
        }
        for line in result_lines(pair.self_assessed, pair.verified)
    ]


def _indicator_rows(assessment_id: int, pair: ScorePair) -> list[dict]:
    if pair.verified is None:
        return []
    return [
        {
            "assessment_id": assessment_id,
            "indicator_code": line.indicator_code,
            "score_numerator": line.score.numerator,
            "score_denominator": line.score.denominator,
            "level": line.level,
        }
        for line in indicator_lines(pair.verified)
    ]


def _insert(rows: list[dict], indicator_rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(AssessmentResult), rows)
    if indicator_rows:
        db.session.execute(insert(IndicatorResult), indicator_rows)


def drop(assessment: Assessment) -> None:
    """Remove the stored result (a reopened assessment is no longer final)."""
    for table in (AssessmentResult, IndicatorResult):
        db.session.execute(delete(table).where(table.assessment_id == assessment.id))


def record(assessment: Assessment) -> None:
    """Store the assessment's result as the scoring engine computes it now (verified levels
    where set, else the answers), replacing any stored before; flushes, the caller commits."""
    drop(assessment)
    pair = scores(assessment)
    _insert(_rows(assessment.id, pair), _indicator_rows(assessment.id, pair))
    db.session.flush()


def record_missing() -> int:
    """Store the result of every final assessment that has none (assessments made final before
    results were stored: the migration's backfill, and bulk-loaded data); returns how many.

    Period by period, set-based (`review.period_scores`): a fixed number of queries each.
    """
    stored = exists().where(AssessmentResult.assessment_id == Assessment.id)
    missing = list(
        db.session.scalars(
            select(Assessment)
            .where(Assessment.status == Status.FINAL, ~stored)
            .order_by(Assessment.period_id, Assessment.id)
        )
    )
    by_period: dict[int, list[Assessment]] = {}
    for assessment in missing:
        by_period.setdefault(assessment.period_id, []).append(assessment)
    for period_id, assessments in by_period.items():
        pairs = period_scores(db.session.get(Period, period_id), assessments)
        # a result is whole or missing: indicator rows without their lines are replaced
        ids = [a.id for a in assessments]
        db.session.execute(delete(IndicatorResult).where(IndicatorResult.assessment_id.in_(ids)))
        _insert(
            [row for a in assessments for row in _rows(a.id, pairs[a.id])],
            [row for a in assessments for row in _indicator_rows(a.id, pairs[a.id])],
        )
    db.session.flush()
    return len(missing)


def final_results(*conditions) -> dict[int, ScoreLines]:
    """Assessment id -> stored result of the final assessments matching `conditions` (on
    `Assessment` or its `Agency`, e.g. the period and the agency's code): one query."""
    rows = db.session.execute(
        select(
            AssessmentResult.assessment_id,
            AssessmentResult.dimension_code,
            AssessmentResult.self_index,
            AssessmentResult.self_level,
            AssessmentResult.verified_index,
            AssessmentResult.verified_level,
        )
        .join(Assessment, Assessment.id == AssessmentResult.assessment_id)
        .join(Agency, Agency.id == Assessment.agency_id)
        .where(Assessment.status == Status.FINAL, *conditions)
        .order_by(AssessmentResult.assessment_id, AssessmentResult.id)
    )
    lines: dict[int, list[ResultLine]] = {}
    for assessment_id, *values in rows:
        lines.setdefault(assessment_id, []).append(ResultLine(*values))
    return {assessment_id: ScoreLines.of(own) for assessment_id, own in lines.items()}


def _verified_lines(period_ids: Iterable[int], *conditions):
    """(assessment id, dimension code, verified index) of the periods' final assessments."""
    return db.session.execute(
        select(
            AssessmentResult.assessment_id,
            AssessmentResult.dimension_code,
            AssessmentResult.verified_index,
        )
        .join(Assessment, Assessment.id == AssessmentResult.assessment_id)
        .where(
            Assessment.period_id.in_(sorted(period_ids)),
            Assessment.status == Status.FINAL,
            AssessmentResult.verified_index.is_not(None),
            *conditions,
        )
    )


def verified_of_period(period_id: int) -> dict[int, tuple[Fraction | None, dict[str, Fraction]]]:
    """Assessment id -> (verified overall index, dimension code -> verified index) of the
    period's final assessments: what the region page needs, one narrow query (unordered: the
    lines are sorted into place by code)."""
    overall: dict[int, Fraction] = {}
    dimensions: dict[int, dict[str, Fraction]] = {}
    for assessment_id, code, index in _verified_lines([period_id]):
        if code == OVERALL:
            overall[assessment_id] = index
        else:
            own = dimensions.get(assessment_id)
            if own is None:  # not setdefault: no new dict for every line of thousands
                own = dimensions[assessment_id] = {}
            own[code] = index
    return {
        assessment_id: (overall.get(assessment_id), dimensions.get(assessment_id, {}))
        for assessment_id in overall.keys() | dimensions.keys()
    }


def verified_dimensions_by_period(
    period_ids: Iterable[int],
) -> Iterator[tuple[int, list[dict[str, Fraction]]]]:
    """Per period, its final assessments' dimension code -> verified index (without the
    overall rows), one period after the other: one query whose rows are read in batches, so
    what is held at once is one batch and one period, however many periods are asked for."""
    rows = db.session.execute(
        select(
            Assessment.period_id,
            AssessmentResult.assessment_id,
            AssessmentResult.dimension_code,
            AssessmentResult.verified_index,
        )
        .join(Assessment, Assessment.id == AssessmentResult.assessment_id)
        .where(
            Assessment.period_id.in_(sorted(period_ids)),
            Assessment.status == Status.FINAL,
            AssessmentResult.verified_index.is_not(None),
            AssessmentResult.dimension_code != OVERALL,
        )
        .order_by(Assessment.period_id, AssessmentResult.assessment_id)
        .execution_options(yield_per=STREAMED_ROWS)
    )
    period_id: int | None = None
    assessment_id: int | None = None
    finals: list[dict[str, Fraction]] = []
    for row_period, row_assessment, code, index in rows:
        if row_period != period_id:
            if period_id is not None:
                yield period_id, finals
            period_id, assessment_id, finals = row_period, None, []
        if row_assessment != assessment_id:
            assessment_id = row_assessment
            finals.append({})
        finals[-1][code] = index
    if period_id is not None:
        yield period_id, finals


STREAMED_ROWS = 2000


def of_period(
    period_id: int, agency_ids: Iterable[int] | int | None = None
) -> dict[int, ScoreLines]:
    """The stored results of a period's final assessments (of some agencies only)."""
    conditions = [Assessment.period_id == period_id]
    if isinstance(agency_ids, int):
        conditions.append(Assessment.agency_id == agency_ids)
    elif agency_ids is not None:
        conditions.append(Assessment.agency_id.in_(sorted(agency_ids)))
    return final_results(*conditions)


def indicator_sums(period_id: int, agency_ids: Iterable[int] | None = None):
    """Indicator code -> (exact sum of the stored verified scores, how many) over the period's
    final assessments (of some agencies only): one grouped query, per indicator and
    denominator (levels are whole numbers: one row per indicator)."""
    query = (
        select(
            IndicatorResult.indicator_code,
            IndicatorResult.score_denominator,
            func.sum(IndicatorResult.score_numerator),
            func.count(IndicatorResult.id),
        )
        .join(Assessment, Assessment.id == IndicatorResult.assessment_id)
        .where(Assessment.period_id == period_id, Assessment.status == Status.FINAL)
        .group_by(IndicatorResult.indicator_code, IndicatorResult.score_denominator)
    )
    if agency_ids is not None:
        query = query.where(Assessment.agency_id.in_(sorted(agency_ids)))
    return indicator_totals(
        (code, int(denominator), int(numerators), int(count))
        for code, denominator, numerators, count in db.session.execute(query)
    )


def period_lines(period: Period, assessments: list[Assessment]) -> dict[int, ScoreLines]:
    """Assessment id -> its result lines, for the period's overview: the stored result of the
    final ones, the engine's scores now of the others that left the agency (as before)."""
    shown = {a.id for a in assessments if a.status == Status.FINAL}
    stored = of_period(period.id) if shown else {}
    lines = {assessment_id: own for assessment_id, own in stored.items() if assessment_id in shown}
    others = [a for a in assessments if a.status != Status.FINAL]
    for assessment_id, pair in period_scores(period, others).items():
        lines[assessment_id] = ScoreLines.scored(pair.self_assessed, pair.verified)
    return lines
