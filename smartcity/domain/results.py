"""An assessment's result as it is stored when final: the scoring engine's indices, line by line.

One line per dimension scored (questionnaire order) and one for the whole assessment
(`dimension_code` ""), each with the exact self-assessed and verified index and the maturity
level the instrument's bands give them; and the verified score of every indicator that
counts (`indicator_lines`), which the region's indicator means are made of. Nothing is
computed here: the lines only copy what `scoring.score_assessment` returned, so a stored
result is the engine's result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from .instrument import Instrument, MaturityBand
from .scoring import AssessmentScore, DimensionScore

OVERALL = ""  # the dimension code of the line for the whole assessment


@dataclass(frozen=True)
class ResultLine:
    dimension_code: str  # OVERALL for the whole assessment
    self_index: Fraction | None
    self_level: int | None
    verified_index: Fraction | None
    verified_level: int | None

    @property
    def counted(self) -> Fraction | None:
        """The index that counts: the verified one once there is one."""
        return self.verified_index if self.verified_index is not None else self.self_index


def _level(score: AssessmentScore | DimensionScore | None) -> int | None:
    return score.maturity.level if score is not None and score.maturity is not None else None


def _index(score: AssessmentScore | DimensionScore | None) -> Fraction | None:
    return score.index if score is not None else None


def result_lines(
    self_assessed: AssessmentScore, verified: AssessmentScore | None
) -> tuple[ResultLine, ...]:
    """The dimensions' lines in questionnaire order, then the overall line."""
    lines = []
    for own in self_assessed.dimensions:
        code = own.dimension.code
        checked = verified.dimension(code) if verified is not None else None
        lines.append(ResultLine(code, own.index, _level(own), _index(checked), _level(checked)))
    lines.append(
        ResultLine(
            OVERALL,
            self_assessed.index,
            _level(self_assessed),
            _index(verified),
            _level(verified),
        )
    )
    return tuple(lines)


@dataclass(frozen=True)
class IndicatorLine:
    indicator_code: str
    score: Fraction  # the exact 0-5 score
    level: int | None  # the level answered or reached (None for types without levels)


def indicator_lines(verified: AssessmentScore) -> tuple[IndicatorLine, ...]:
    """The verified scores that count (answered, not N/A), in questionnaire order."""
    return tuple(
        IndicatorLine(score.indicator.code, score.score, score.level)
        for dimension in verified.dimensions
        for score in dimension.indicators
        if score.counts and score.score is not None
    )


@dataclass(frozen=True)
class ScoreLines:
    """An assessment's lines together: the overall line and the dimensions' lines by code
    (a stored final result read back, or the lines of a result still provisional)."""

    overall: ResultLine
    dimensions: dict[str, ResultLine]
    # whether there is a verified score at all (a final result always has one)
    reviewed: bool = True

    @classmethod
    def of(cls, lines: Iterable[ResultLine], reviewed: bool = True) -> ScoreLines:
        lines = tuple(lines)
        overall = next(
            (line for line in lines if line.dimension_code == OVERALL),
            ResultLine(OVERALL, None, None, None, None),
        )
        dimensions = {line.dimension_code: line for line in lines if line.dimension_code != OVERALL}
        return cls(overall, dimensions, reviewed)

    @classmethod
    def scored(cls, self_assessed: AssessmentScore, verified: AssessmentScore | None) -> ScoreLines:
        return cls.of(result_lines(self_assessed, verified), verified is not None)

    @property
    def index(self) -> Fraction | None:
        """The verified overall index (the final result)."""
        return self.overall.verified_index

    @property
    def counted_index(self) -> Fraction | None:
        """The overall index that counts: the verified one once reviewed, else the agency's."""
        return self.overall.verified_index if self.reviewed else self.overall.self_index

    def verified_dimensions(self) -> dict[str, Fraction]:
        """Dimension code -> verified index, the dimensions with one (questionnaire order)."""
        return {
            code: line.verified_index
            for code, line in self.dimensions.items()
            if line.verified_index is not None
        }


def band_of(instrument: Instrument, level: int | None) -> MaturityBand | None:
    """The instrument's maturity band of a stored level (None when there is none)."""
    return next((b for b in instrument.maturity_bands if b.level == level), None)
