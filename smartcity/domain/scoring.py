"""Scoring engine: answers in, exact indices and maturity levels out (no framework).

An `AnswerValue` holds what an agency said for one indicator; which field is used depends
on the indicator's `answer_type` (`level`, `choice`, `checked` for a checklist, `number`).
`Indicator.score` maps it onto the 0-5 scale exactly; the roll-up is

    indicator -> sub-element (indicator weights) -> dimension (sub-element weights, or
    indicator weights when the dimension has no sub-elements) -> overall (dimension weights)

each step a weighted mean over what counts: N/A and unanswered indicators, and groups with
nothing counted, are left out and the remaining weights renormalised.

An instrument with the second axis (`Instrument.evaluation_dimensions`) also gets an index per
evaluation dimension (its indicators' scores with their weights, across the pillars) and then
takes the overall index from those, with the evaluation dimensions' weights, as the ministry
publishes it; the pillars' indices are computed as above and shown alongside.

`score_assessment` and `missing_answers` take an optional agency (`agency_code`,
`agency_tags`): indicators whose `applies_to` leaves that agency out are not part of its
questionnaire at all. Without an agency every indicator counts, as before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from .instrument import (
    AnswerMismatch,
    AnswerValue,
    Dimension,
    EvaluationDimension,
    Indicator,
    Instrument,
    MaturityBand,
    SubElement,
    indicator_applies,
)

__all__ = [
    "AnswerMismatch",
    "AnswerValue",
    "AssessmentScore",
    "DimensionScore",
    "EvaluationDimensionScore",
    "IndicatorScore",
    "MissingAnswer",
    "SubElementScore",
    "answer_problem",
    "display_index",
    "indicator_applies",
    "missing_answers",
    "score_assessment",
    "score_dimension",
    "score_evaluation_dimensions",
    "weighted_mean",
]


@dataclass(frozen=True)
class IndicatorScore:
    indicator: Indicator
    # the level answered (level indicators) or reached (number indicators); None otherwise
    level: int | None
    not_applicable: bool
    # the exact 0-5 score; None when unanswered or N/A (omitted: the level, as before)
    score: Fraction | None = None

    def __post_init__(self) -> None:
        if self.score is None and self.level is not None and not self.not_applicable:
            object.__setattr__(self, "score", Fraction(self.level))

    @property
    def counts(self) -> bool:
        return self.score is not None and not self.not_applicable

    @property
    def answered(self) -> bool:
        return self.score is not None or self.not_applicable


@dataclass(frozen=True)
class SubElementScore:
    sub_element: SubElement
    index: Fraction | None
    indicators: tuple[IndicatorScore, ...]


@dataclass(frozen=True)
class DimensionScore:
    dimension: Dimension
    index: Fraction | None
    maturity: MaturityBand | None
    indicators: tuple[IndicatorScore, ...]
    sub_elements: tuple[SubElementScore, ...] = ()

    @property
    def answered(self) -> int:
        return sum(1 for s in self.indicators if s.answered)

    @property
    def total(self) -> int:
        return len(self.indicators)

    def sub_element(self, code: str) -> SubElementScore | None:
        for score in self.sub_elements:
            if score.sub_element.code == code:
                return score
        return None


@dataclass(frozen=True)
class EvaluationDimensionScore:
    """The index of one evaluation dimension (second axis) over the pillars scored."""

    evaluation_dimension: EvaluationDimension
    index: Fraction | None
    maturity: MaturityBand | None
    indicators: tuple[IndicatorScore, ...]

    @property
    def answered(self) -> int:
        return sum(1 for s in self.indicators if s.answered)

    @property
    def total(self) -> int:
        return len(self.indicators)


@dataclass(frozen=True)
class AssessmentScore:
    index: Fraction | None
    maturity: MaturityBand | None
    dimensions: tuple[DimensionScore, ...]
    # one per declared evaluation dimension, in the instrument's order; empty without the axis
    evaluation_dimensions: tuple[EvaluationDimensionScore, ...] = ()

    def dimension(self, code: str) -> DimensionScore | None:
        for score in self.dimensions:
            if score.dimension.code == code:
                return score
        return None

    def evaluation_dimension(self, code: str) -> EvaluationDimensionScore | None:
        for score in self.evaluation_dimensions:
            if score.evaluation_dimension.code == code:
                return score
        return None


def weighted_mean(pairs: Iterable[tuple[Fraction, Fraction]]) -> Fraction | None:
    """sum(weight x value) / sum(weight); None when nothing counts."""
    total_weight = Fraction(0)
    total = Fraction(0)
    for weight, value in pairs:
        total_weight += weight
        total += weight * value
    if total_weight == 0:
        return None
    return total / total_weight


def answer_problem(indicator: Indicator, answer: AnswerValue) -> str | None:
    """Why an answer cannot be scored (English), or None when it fits the indicator."""
    try:
        indicator.score(answer)
    except AnswerMismatch as error:
        return str(error)
    return None


def _applies(indicator: Indicator, agency_code: str | None, agency_tags: Iterable[str]) -> bool:
    return agency_code is None or indicator_applies(indicator, agency_code, agency_tags)


def _indicator_score(indicator: Indicator, answers: Mapping[str, AnswerValue]) -> IndicatorScore:
    answer = answers.get(indicator.code, AnswerValue())
    not_applicable = answer.not_applicable and indicator.allow_not_applicable
    score = indicator.score(answer)  # raises for a value the indicator cannot take
    return IndicatorScore(indicator, indicator.answer_level(answer), not_applicable, score)


def _mean_of(scores: Iterable[IndicatorScore]) -> Fraction | None:
    return weighted_mean((s.indicator.weight, s.score) for s in scores if s.score is not None)


def score_dimension(
    instrument: Instrument,
    dimension: Dimension,
    answers: Mapping[str, AnswerValue],
    *,
    agency_code: str | None = None,
    agency_tags: Iterable[str] = (),
) -> DimensionScore:
    tags = tuple(agency_tags)
    scores = tuple(
        _indicator_score(indicator, answers)
        for indicator in dimension.indicators
        if _applies(indicator, agency_code, tags)
    )
    sub_scores: tuple[SubElementScore, ...] = ()
    if dimension.sub_elements:
        by_code = {s.indicator.code: s for s in scores}
        sub_scores = tuple(
            SubElementScore(sub, _mean_of(own), own)
            for sub in dimension.sub_elements
            for own in [tuple(by_code[i.code] for i in sub.indicators if i.code in by_code)]
        )
        index = weighted_mean(
            (s.sub_element.weight, s.index) for s in sub_scores if s.index is not None
        )
    else:
        index = _mean_of(scores)
    maturity = instrument.band_for(index) if index is not None else None
    return DimensionScore(dimension, index, maturity, scores, sub_scores)


def score_assessment(
    instrument: Instrument,
    answers: Mapping[str, AnswerValue],
    dimension_codes: Iterable[str] | None = None,
    *,
    agency_code: str | None = None,
    agency_tags: Iterable[str] = (),
) -> AssessmentScore:
    """Score the dimensions an agency answers (all when `dimension_codes` is None).

    Unanswered indicators are left out, so a draft gives a provisional index;
    whether an assessment is complete is `missing_answers`' business.
    """
    wanted = None if dimension_codes is None else set(dimension_codes)
    tags = tuple(agency_tags)
    dimensions = tuple(
        score_dimension(instrument, d, answers, agency_code=agency_code, agency_tags=tags)
        for d in instrument.dimensions
        if wanted is None or d.code in wanted
    )
    stages = score_evaluation_dimensions(instrument, dimensions)
    if instrument.has_evaluation_dimensions:
        # the ministry's rule: the overall index weighs the evaluation dimensions
        index = weighted_mean(
            (s.evaluation_dimension.weight, s.index) for s in stages if s.index is not None
        )
    else:
        index = weighted_mean(
            (s.dimension.weight, s.index) for s in dimensions if s.index is not None
        )
    maturity = instrument.band_for(index) if index is not None else None
    return AssessmentScore(index, maturity, dimensions, stages)


def score_evaluation_dimensions(
    instrument: Instrument, dimensions: Iterable[DimensionScore]
) -> tuple[EvaluationDimensionScore, ...]:
    """Each evaluation dimension's index over the indicators of the pillars scored (those
    `score_dimension` kept for the agency), with the indicators' own weights; an evaluation
    dimension with nothing counted has no index. Empty for an instrument without the axis."""
    by_stage: dict[str, list[IndicatorScore]] = {}
    for dimension in dimensions:
        for score in dimension.indicators:
            code = score.indicator.evaluation_dimension
            if code is not None:
                by_stage.setdefault(code, []).append(score)
    result = []
    for stage in instrument.evaluation_dimensions:
        own = tuple(by_stage.get(stage.code, ()))
        index = _mean_of(own)
        maturity = instrument.band_for(index) if index is not None else None
        result.append(EvaluationDimensionScore(stage, index, maturity, own))
    return tuple(result)


@dataclass(frozen=True)
class MissingAnswer:
    dimension: Dimension
    indicator: Indicator
    # "unanswered" | "na_without_justification" | "na_not_allowed" | "evidence_required"
    reason: str


def missing_answers(
    instrument: Instrument,
    answers: Mapping[str, AnswerValue],
    justifications: Mapping[str, str],
    dimension_codes: Iterable[str] | None = None,
    evidence_counts: Mapping[str, int] | None = None,
    *,
    agency_code: str | None = None,
    agency_tags: Iterable[str] = (),
) -> list[MissingAnswer]:
    """What still blocks a submission, in questionnaire order.

    `evidence_counts` (indicator code -> attached files) enables the instrument's evidence
    rules: an answer whose score reaches the indicator's `evidence_from_level` needs a file.
    An answer whose value does not fit the indicator's answer type counts as unanswered.
    """
    wanted = None if dimension_codes is None else set(dimension_codes)
    tags = tuple(agency_tags)
    missing: list[MissingAnswer] = []
    for dimension in instrument.dimensions:
        if wanted is not None and dimension.code not in wanted:
            continue
        for indicator in dimension.indicators:
            if not _applies(indicator, agency_code, tags):
                continue
            answer = answers.get(indicator.code, AnswerValue())
            if answer.not_applicable:
                if not indicator.allow_not_applicable:
                    missing.append(MissingAnswer(dimension, indicator, "na_not_allowed"))
                elif not justifications.get(indicator.code, "").strip():
                    missing.append(MissingAnswer(dimension, indicator, "na_without_justification"))
                continue
            try:
                score = indicator.score(answer)
            except AnswerMismatch:
                score = None
            if score is None:
                missing.append(MissingAnswer(dimension, indicator, "unanswered"))
            elif (
                evidence_counts is not None
                and indicator.needs_evidence(score)
                and evidence_counts.get(indicator.code, 0) == 0
            ):
                missing.append(MissingAnswer(dimension, indicator, "evidence_required"))
    return missing


def display_index(index: Fraction | None) -> str:
    """Round half-up to two decimals for people to read ("3.31"); "-" when absent."""
    if index is None:
        return "-"
    # exact half-up on the fraction itself: no binary or decimal precision limits
    hundredths = math.floor(index * 100 + Fraction(1, 2))
    return f"{hundredths // 100}.{hundredths % 100:02d}"
