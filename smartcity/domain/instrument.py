"""Questionnaire (instrument) schema: plain, immutable, typed data with no framework.

An `Instrument` has `Dimension`s; a dimension lists its `Indicator`s directly or groups
them in `SubElement`s (then `Dimension.indicators` is still the flat tuple of all of
them, in questionnaire order). Every indicator has an `answer_type`:

- ``level``: the agency picks one of the cumulative `levels` (1-5 with descriptors);
- ``choice``: one of `options`, each worth `points`; score = points / `max_points` x 5;
- ``checklist``: any of `items`, each worth `points`; score = min(ticked, `max_points`)
  / `max_points` x 5;
- ``number``: a measured value in `unit` between `minimum` and `maximum`; the
  `thresholds` (inclusive lower edges) give its level, which is the score.

An instrument may declare a second axis, its `EvaluationDimension`s (the ministry's Baseline,
Output, Outcome, Impact, Quick Win, each weighted); every indicator then names one
(`Indicator.evaluation_dimension`) besides belonging to its dimension (pillar).

Scores are exact `Fraction`s on the 0-5 scale (`SCALE`); `Indicator.score` computes one
from an `AnswerValue`. `indicator_applies` says whether an agency answers an
indicator (`applies_to` lists agency codes and tags; ``all`` means every agency).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

LANGUAGES: tuple[str, ...] = ("id", "en")

# The answer types by name (`answer_types.REGISTRY`). They build on this module, so they
# register themselves here when `smartcity.domain` is imported, instead of this module
# importing them (which would be an import loop).
ANSWER_KINDS: dict[str, Any] = {}

# the top of the score scale every answer type maps onto (0 to SCALE)
SCALE = 5

# the default answer type (an indicator without `answer_type`); the others are in
# `domain/answer_types` (`REGISTRY`), and `ANSWER_TYPES` lists their names
LEVEL = "level"

HIGHER_IS_BETTER = "higher_is_better"
LOWER_IS_BETTER = "lower_is_better"
DIRECTIONS: tuple[str, ...] = (HIGHER_IS_BETTER, LOWER_IS_BETTER)

# in `applies_to`: every agency answers the indicator
ALL_AGENCIES = "all"


@dataclass(frozen=True)
class AnswerValue:
    """What an agency said for one indicator, or "not applicable".

    `level` for level indicators, `choice` (an option code) for choice indicators,
    `checked` (item codes; an empty set is an answer with nothing ticked, None is no
    answer) for checklists, `number` for number indicators.
    """

    level: int | None = None
    not_applicable: bool = False
    choice: str | None = None
    checked: frozenset[str] | None = None
    number: Fraction | None = None

    @property
    def is_answered(self) -> bool:
        return (
            self.not_applicable
            or self.level is not None
            or self.choice is not None
            or self.checked is not None
            or self.number is not None
        )


@dataclass(frozen=True)
class Text:
    """A text in Bahasa Indonesia and English; `get` falls back to Indonesian."""

    id: str
    en: str

    def get(self, language: str) -> str:
        if language == "en" and self.en:
            return self.en
        return self.id


@dataclass(frozen=True)
class LevelName:
    """Name of an indicator capability level (e.g. 1 Rintisan / Initial)."""

    level: int
    name: Text


@dataclass(frozen=True)
class MaturityBand:
    """An index band: every index >= `minimum` (up to the next band) has this level."""

    minimum: Fraction
    level: int
    name: Text


@dataclass(frozen=True)
class Option:
    """A choice option or a checklist item: a code, its label and the points it is worth."""

    code: str
    label: Text
    points: Fraction


@dataclass(frozen=True)
class Threshold:
    """A number indicator's band: values from `minimum` (inclusive) up to the next have `level`."""

    minimum: Fraction
    level: int


class AnswerMismatch(ValueError):
    """An answer that does not fit its indicator (a level it lacks, an unknown option, ...)."""


@dataclass(frozen=True)
class Indicator:
    code: str
    question: Text
    explanation: Text
    weight: Fraction
    # level number -> what must be true at that level (cumulative: level N includes N-1);
    # required for `level` indicators, optional for `number`, empty for choice and checklist
    levels: tuple[tuple[int, Text], ...]
    allow_not_applicable: bool = False
    evidence_hint: Text | None = None
    # an answer scoring this level or above needs at least one evidence file (None: never)
    evidence_from_level: int | None = None
    answer_type: str = LEVEL
    # choice: the options; checklist: the items
    options: tuple[Option, ...] = ()
    # choice: points of a full score; checklist: points needed for a full score
    max_points: Fraction | None = None
    # number: unit, allowed range (inclusive), threshold bands and which way is better
    unit: Text | None = None
    minimum: Fraction | None = None
    maximum: Fraction | None = None
    thresholds: tuple[Threshold, ...] = ()
    direction: str | None = None
    # agency codes and/or agency tags that answer this indicator
    applies_to: tuple[str, ...] = (ALL_AGENCIES,)
    # level -> evidence expected at that level (cumulative like the levels)
    evidence_hints: tuple[tuple[int, Text], ...] = ()
    # the code of its evaluation dimension (the second axis); None when the instrument has none
    evaluation_dimension: str | None = None

    # -- levels (the original API; every answer type keeps it meaningful) -----------------

    def needs_evidence(self, level: int | Fraction | None) -> bool:
        """Whether an answer scoring `level` (a level or any 0-5 score) needs a file."""
        return (
            level is not None
            and self.evidence_from_level is not None
            and level >= self.evidence_from_level
        )

    @property
    def level_numbers(self) -> tuple[int, ...]:
        if self.levels:
            return tuple(number for number, _ in self.levels)
        return tuple(sorted({threshold.level for threshold in self.thresholds}))

    def descriptor(self, level: int) -> Text | None:
        for number, text in self.levels:
            if number == level:
                return text
        return None

    @property
    def top_level(self) -> int:
        return max(self.level_numbers, default=SCALE)

    def expected_evidence(self, level: int | Fraction | None) -> tuple[Text, ...]:
        """The evidence hints for every level up to `level` (levels are cumulative)."""
        if level is None:
            return ()
        return tuple(text for number, text in self.evidence_hints if number <= level)

    # -- answers -------------------------------------------------------------------------

    def option(self, code: str) -> Option | None:
        for option in self.options:
            if option.code == code:
                return option
        return None

    @property
    def answer_kind(self) -> Any:
        """The indicator's answer type (an `answer_types.AnswerType`): its rules, texts and
        columns."""
        return ANSWER_KINDS[self.answer_type]

    def level_of_number(self, value: Fraction) -> int:
        """The level of a measured value: the last threshold whose minimum it reaches."""
        return ANSWER_KINDS["number"].level_of(self, value)

    def is_answered(self, answer: AnswerValue) -> bool:
        """Whether the answer gives this indicator's kind of value (or N/A)."""
        return self.answer_kind.is_answered(self, answer)

    def answer_level(self, answer: AnswerValue) -> int | None:
        """The level an answer stands for: the level itself, or a number's threshold level."""
        if answer.not_applicable and self.allow_not_applicable:
            return None
        return self.answer_kind.level(self, answer)

    def score(self, answer: AnswerValue) -> Fraction | None:
        """The exact 0-5 score of an answer; None when unanswered or N/A.

        Raises `AnswerMismatch` (a `ValueError`) for a value this indicator cannot take.
        An N/A answer where N/A is not allowed counts as its value (usually none).
        """
        if answer.not_applicable and self.allow_not_applicable:
            return None
        kind = self.answer_kind
        self._refuse_other_kinds(kind, answer)
        return kind.score(self, answer)

    def _refuse_other_kinds(self, kind: Any, answer: AnswerValue) -> None:
        for other in ANSWER_KINDS.values():
            if other is not kind and other.given(answer):
                raise AnswerMismatch(
                    f"{self.code} is a {self.answer_type} indicator, not a {other.name} indicator"
                )


def indicator_applies(
    indicator: Indicator, agency_code: str, agency_tags: Iterable[str] = ()
) -> bool:
    """Whether an agency answers `indicator`: `applies_to` names it, one of its tags, or all.

    Codes and tags compare without regard to case.
    """
    # agency codes are upper case in the register (DLH), tags lower case: case is no signal
    wanted = {entry.casefold() for entry in indicator.applies_to}
    if ALL_AGENCIES in wanted or agency_code.casefold() in wanted:
        return True
    return any(tag.casefold() in wanted for tag in agency_tags)


@dataclass(frozen=True)
class SubElement:
    """A group of a dimension's indicators (e.g. Governance: public services), weighted."""

    code: str
    name: Text
    weight: Fraction
    indicators: tuple[Indicator, ...]
    description: Text | None = None


@dataclass(frozen=True)
class Dimension:
    """A dimension (pillar). `indicators` is always the flat tuple of all its indicators;
    `sub_elements` is empty when the dimension lists its indicators directly."""

    code: str
    name: Text
    weight: Fraction
    indicators: tuple[Indicator, ...]
    description: Text | None = None
    sub_elements: tuple[SubElement, ...] = ()

    def __post_init__(self) -> None:
        if not self.sub_elements:
            return
        flat = tuple(i for sub in self.sub_elements for i in sub.indicators)
        if not self.indicators:
            object.__setattr__(self, "indicators", flat)
        elif self.indicators != flat:
            raise ValueError(
                f"dimension {self.code}: indicators must be those of its sub-elements, in order"
            )

    def sub_element(self, code: str) -> SubElement | None:
        for sub in self.sub_elements:
            if sub.code == code:
                return sub
        return None

    def sub_element_of(self, indicator_code: str) -> SubElement | None:
        for sub in self.sub_elements:
            if any(indicator.code == indicator_code for indicator in sub.indicators):
                return sub
        return None


@dataclass(frozen=True)
class EvaluationDimension:
    """The second axis: what stage of results an indicator measures (Baseline, Output,
    Outcome, Impact, Quick Win), weighted for the overall index."""

    code: str
    name: Text
    weight: Fraction
    description: Text | None = None


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    title: Text
    dimensions: tuple[Dimension, ...]
    level_names: tuple[LevelName, ...]
    maturity_bands: tuple[MaturityBand, ...]
    description: Text | None = None
    # the second axis; empty when the instrument has only its dimensions (pillars)
    evaluation_dimensions: tuple[EvaluationDimension, ...] = ()
    _indicator_index: dict[str, tuple[Dimension, Indicator]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index = {
            indicator.code: (dimension, indicator)
            for dimension in self.dimensions
            for indicator in dimension.indicators
        }
        object.__setattr__(self, "_indicator_index", index)
        # the loader reports these with their lines; an instrument built in code must hold too
        declared = {e.code for e in self.evaluation_dimensions}
        for _, indicator in index.values():
            named = indicator.evaluation_dimension
            if (named is None) != (not declared) or (named is not None and named not in declared):
                raise ValueError(
                    f"indicator {indicator.code}: evaluation dimension {named!r} is not one "
                    f"of the instrument's ({', '.join(sorted(declared)) or 'none'})"
                )

    @property
    def has_evaluation_dimensions(self) -> bool:
        """Whether the instrument has the second axis (and the overall index comes from it)."""
        return bool(self.evaluation_dimensions)

    def evaluation_dimension(self, code: str) -> EvaluationDimension | None:
        for entry in self.evaluation_dimensions:
            if entry.code == code:
                return entry
        return None

    def dimension(self, code: str) -> Dimension | None:
        for dimension in self.dimensions:
            if dimension.code == code:
                return dimension
        return None

    def indicator(self, code: str) -> Indicator | None:
        found = self._indicator_index.get(code)
        return found[1] if found else None

    def dimension_of(self, indicator_code: str) -> Dimension | None:
        found = self._indicator_index.get(indicator_code)
        return found[0] if found else None

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for d in self.dimensions for i in d.indicators)

    @property
    def sub_elements(self) -> tuple[SubElement, ...]:
        return tuple(sub for d in self.dimensions for sub in d.sub_elements)

    def level_name(self, level: int) -> Text | None:
        for entry in self.level_names:
            if entry.level == level:
                return entry.name
        return None

    def band_for(self, index: Fraction) -> MaturityBand:
        """The band an index falls in; lower edges are inclusive."""
        chosen = self.maturity_bands[0]
        for band in self.maturity_bands:
            if index >= band.minimum:
                chosen = band
        return chosen


def __getattr__(name: str) -> object:
    if name == "ANSWER_TYPES":  # the names, once the answer types have registered
        return tuple(ANSWER_KINDS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


DEFAULT_LEVEL_NAMES: tuple[LevelName, ...] = (
    LevelName(1, Text("Rintisan", "Initial")),
    LevelName(2, Text("Terkelola", "Managed")),
    LevelName(3, Text("Terdefinisi", "Defined")),
    LevelName(4, Text("Terpadu dan Terukur", "Integrated and Measured")),
    LevelName(5, Text("Optimum", "Optimised")),
)

DEFAULT_MATURITY_BANDS: tuple[MaturityBand, ...] = (
    MaturityBand(Fraction(0), 1, Text("Kurang", "Poor")),
    MaturityBand(Fraction(9, 5), 2, Text("Cukup", "Fair")),
    MaturityBand(Fraction(13, 5), 3, Text("Baik", "Good")),
    MaturityBand(Fraction(7, 2), 4, Text("Sangat Baik", "Very Good")),
    MaturityBand(Fraction(21, 5), 5, Text("Memuaskan", "Excellent")),
)
