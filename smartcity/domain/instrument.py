"""Questionnaire (instrument) schema: plain, immutable, typed data with no framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

LANGUAGES: tuple[str, ...] = ("id", "en")


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
class Indicator:
    code: str
    question: Text
    explanation: Text
    weight: Fraction
    # level number -> what must be true at that level (cumulative: level N includes N-1)
    levels: tuple[tuple[int, Text], ...]
    allow_not_applicable: bool = False
    evidence_hint: Text | None = None
    # an answer at this level or above needs at least one evidence file (None: never)
    evidence_from_level: int | None = None

    def needs_evidence(self, level: int | None) -> bool:
        return (
            level is not None
            and self.evidence_from_level is not None
            and level >= self.evidence_from_level
        )

    @property
    def level_numbers(self) -> tuple[int, ...]:
        return tuple(number for number, _ in self.levels)

    def descriptor(self, level: int) -> Text | None:
        for number, text in self.levels:
            if number == level:
                return text
        return None

    @property
    def top_level(self) -> int:
        return max(self.level_numbers)


@dataclass(frozen=True)
class Dimension:
    code: str
    name: Text
    weight: Fraction
    indicators: tuple[Indicator, ...]
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
