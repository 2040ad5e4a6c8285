"""Scoring engine: answers in, exact indices and maturity levels out (no framework)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from .instrument import Dimension, Indicator, Instrument, MaturityBand


@dataclass(frozen=True)
class AnswerValue:
    """What an agency said for one indicator: a level, or "not applicable"."""

    level: int | None = None
    not_applicable: bool = False

    @property
    def is_answered(self) -> bool:
        return self.not_applicable or self.level is not None


@dataclass(frozen=True)
class IndicatorScore:
    indicator: Indicator
    level: int | None
    not_applicable: bool

    @property
    def counts(self) -> bool:
        return self.level is not None and not self.not_applicable


@dataclass(frozen=True)
class DimensionScore:
    dimension: Dimension
    index: Fraction | None
    maturity: MaturityBand | None
    indicators: tuple[IndicatorScore, ...]

    @property
    def answered(self) -> int:
        return sum(1 for s in self.indicators if s.level is not None or s.not_applicable)

    @property
    def total(self) -> int:
        return len(self.indicators)


@dataclass(frozen=True)
class AssessmentScore:
    index: Fraction | None
    maturity: MaturityBand | None
    dimensions: tuple[DimensionScore, ...]

    def dimension(self, code: str) -> DimensionScore | None:
        for score in self.dimensions:
            if score.dimension.code == code:
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


def score_dimension(
    instrument: Instrument, dimension: Dimension, answers: Mapping[str, AnswerValue]
) -> DimensionScore:
    scores = []
    for indicator in dimension.indicators:
        answer = answers.get(indicator.code, AnswerValue())
        not_applicable = answer.not_applicable and indicator.allow_not_applicable
        level = None if not_applicable else answer.level
        if level is not None and level not in indicator.level_numbers:
            raise ValueError(f"level {level} is not a level of indicator {indicator.code}")
        scores.append(IndicatorScore(indicator, level, not_applicable))
    index = weighted_mean(
        (s.indicator.weight, Fraction(s.level)) for s in scores if s.level is not None
    )
    maturity = instrument.band_for(index) if index is not None else None
    return DimensionScore(dimension, index, maturity, tuple(scores))


def score_assessment(
    instrument: Instrument,
    answers: Mapping[str, AnswerValue],
    dimension_codes: Iterable[str] | None = None,
) -> AssessmentScore:
    """Score the dimensions an agency answers (all when `dimension_codes` is None).

    Unanswered indicators are left out, so a draft gives a provisional index;
    whether an assessment is complete is `missing_answers`' business.
    """
    wanted = None if dimension_codes is None else set(dimension_codes)
    dimensions = tuple(
        score_dimension(instrument, d, answers)
        for d in instrument.dimensions
        if wanted is None or d.code in wanted
    )
    index = weighted_mean((s.dimension.weight, s.index) for s in dimensions if s.index is not None)
    maturity = instrument.band_for(index) if index is not None else None
    return AssessmentScore(index, maturity, dimensions)


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
) -> list[MissingAnswer]:
    """What still blocks a submission, in questionnaire order.

    `evidence_counts` (indicator code -> attached files) enables the instrument's evidence rules.
    """
    wanted = None if dimension_codes is None else set(dimension_codes)
    missing: list[MissingAnswer] = []
    for dimension in instrument.dimensions:
        if wanted is not None and dimension.code not in wanted:
            continue
        for indicator in dimension.indicators:
            answer = answers.get(indicator.code, AnswerValue())
            if answer.not_applicable:
                if not indicator.allow_not_applicable:
                    missing.append(MissingAnswer(dimension, indicator, "na_not_allowed"))
                elif not justifications.get(indicator.code, "").strip():
                    missing.append(MissingAnswer(dimension, indicator, "na_without_justification"))
            elif answer.level is None:
                missing.append(MissingAnswer(dimension, indicator, "unanswered"))
            elif (
                evidence_counts is not None
                and indicator.needs_evidence(answer.level)
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
