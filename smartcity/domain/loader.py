"""Read instrument YAML (docs/INSTRUMENT_FORMAT.md) into an `Instrument`, listing every problem."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from os import PathLike
from pathlib import Path
from typing import NamedTuple

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .instrument import (
    DEFAULT_LEVEL_NAMES,
    DEFAULT_MATURITY_BANDS,
    Dimension,
    Indicator,
    Instrument,
    LevelName,
    MaturityBand,
    Text,
)

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
LEVEL_RANGE = range(1, 6)

TOP_REQUIRED = ("code", "version", "title", "dimensions")
TOP_KEYS = (*TOP_REQUIRED, "description", "level_names", "maturity_bands", "evidence_from_level")
DIMENSION_REQUIRED = ("code", "name", "weight", "indicators")
DIMENSION_KEYS = (*DIMENSION_REQUIRED, "description")
INDICATOR_REQUIRED = ("code", "question", "explanation", "weight", "levels")
INDICATOR_KEYS = (*INDICATOR_REQUIRED, "allow_na", "evidence_hint", "evidence_from_level")
BAND_KEYS = ("min", "level", "name")
LANGUAGES = (("id", "Indonesian"), ("en", "English"))

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"

# ASCII only: Decimal() would also accept NaN, Infinity and non-Latin digits.
_DECIMAL = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?")
# Fraction(Decimal("1e999999999")) would build a gigantic integer; no real weight is that large.
_MAX_EXPONENT = 30

# longest value quoted back in a message
_SHOWN = 40

# Only used for YAML's own int syntax (hex, octal, 1_000, 1:30); it needs no loader state.
_CONSTRUCTOR = SafeConstructor()


class Problem(NamedTuple):
    """One thing wrong with an instrument file, located by line and dotted field path."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        location = self.file if self.line is None else f"{self.file}:{self.line}"
        return ": ".join(part for part in (location, self.field, self.message) if part)


class InstrumentError(Exception):
    """An instrument file is invalid; `problems` lists everything found, not only the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __reduce__(self) -> tuple[type[InstrumentError], tuple[tuple[Problem, ...]]]:
        return (type(self), (self.problems,))


def load_instrument(text: str, source: str = "<instrument>") -> Instrument:
    """Parse and validate instrument YAML; raise `InstrumentError` listing every problem."""
    reader = _Reader(source)
    instrument = reader.read(text)
    if reader.problems or instrument is None:
        raise InstrumentError(reader.sorted_problems())
    return instrument


def load_instrument_file(path: str | PathLike[str]) -> Instrument:
    """Load an instrument from a UTF-8 file; problems name the file as given."""
    source = str(path)
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InstrumentError(
            [Problem(source, line, "", f"not valid UTF-8 (byte {error.start})")]
        ) from error
    return load_instrument(text, source)


def validate_instrument(text: str, source: str = "<instrument>") -> list[Problem]:
    """Every problem in instrument YAML, in file order; empty when it is valid."""
    reader = _Reader(source)
    reader.read(text)
    return reader.sorted_problems()


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL and node.value in ("", "~"):
        return "nothing"
    text = node.value.replace("\n", "\\n")
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 3] + "..."
    if node.style in ("'", '"'):
        return f"the quoted text '{text}'"
    return f"'{text}'"


def _exact_number(node: Node) -> Fraction | None:
    """The exact value of a YAML number; None for anything else (text, bool, NaN, inf)."""
    if not isinstance(node, ScalarNode):
        return None
    if node.tag == _INT:
        try:
            return Fraction(_CONSTRUCTOR.construct_yaml_int(node))
        except ValueError:
            return None
    # An unquoted scalar such as 1e3 is a string to YAML 1.1 but plainly meant as a number.
    if node.tag == _FLOAT or (node.tag == _STR and node.style is None):
        if not _DECIMAL.fullmatch(node.value):
            return None
        try:
            value = Decimal(node.value)
        except InvalidOperation:
            return None
        if abs(value.adjusted()) > _MAX_EXPONENT:
            return None
        return Fraction(value)
    return None


def _whole_number(node: Node) -> int | None:
    if isinstance(node, ScalarNode) and node.tag == _INT:
        try:
            return int(_CONSTRUCTOR.construct_yaml_int(node))
        except ValueError:
            return None
    return None


def _level_list(levels: Iterable[int]) -> str:
    ordered = sorted(levels)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]} to {ordered[-1]}"
    return ", ".join(str(level) for level in ordered)


class _Reader:
    """Walks the YAML node tree once, collecting problems and building the instrument."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []
        self.dimension_codes: dict[str, int] = {}
        self.indicator_codes: dict[str, int] = {}
        # the instrument-wide evidence_from_level every indicator inherits unless it sets its own
        self.default_evidence_level: int | None = None

    def report(self, where: Node | int | None, field: str, message: str) -> None:
        line = _line(where) if isinstance(where, Node) else where
        self.problems.append(Problem(self.source, line, field, message))

    def sorted_problems(self) -> list[Problem]:
        # stable: problems on the same line keep the order in which they were found
        return sorted(self.problems, key=lambda problem: problem.line or 0)

    # -- document ---------------------------------------------------------------------------

    def read(self, text: str) -> Instrument | None:
        root = self._compose(text)
        if root is None:
            return None
        if not isinstance(root, MappingNode):
            self.report(
                root,
                "",
                f"the top level must be a mapping (code, version, title, dimensions, ...), "
                f"got {_describe(root)}",
            )
            return None
        entries = self._mapping(root, "", TOP_KEYS, TOP_REQUIRED)
        code = self._code(entries["code"], "code") if "code" in entries else None
        version = self._version(entries["version"]) if "version" in entries else None
        title = self._text(entries["title"], "title") if "title" in entries else None
        description = (
            self._text(entries["description"], "description") if "description" in entries else None
        )

        level_names: tuple[LevelName, ...] | None = DEFAULT_LEVEL_NAMES
        expected_levels: frozenset[int] | None = frozenset(entry.level for entry in level_names)
        if "level_names" in entries:
            level_names, expected_levels = self._level_names(entries["level_names"])

        bands: tuple[MaturityBand, ...] | None = DEFAULT_MATURITY_BANDS
        if "maturity_bands" in entries:
            bands = self._bands(entries["maturity_bands"], "maturity_bands")

        if "evidence_from_level" in entries:
            self.default_evidence_level = self._evidence_level(
                entries["evidence_from_level"], "evidence_from_level", expected_levels
            )

        dimensions = None
        if "dimensions" in entries:
            dimensions = self._dimensions(entries["dimensions"], expected_levels)

        if (
            self.problems
            or code is None
            or version is None
            or title is None
            or level_names is None
            or bands is None
            or dimensions is None
        ):
            return None
        return Instrument(
            code=code,
            version=version,
            title=title,
            dimensions=dimensions,
            level_names=level_names,
            maturity_bands=bands,
            description=description,
        )

    def _compose(self, text: str) -> Node | None:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.reader.ReaderError as error:
            line = text.count("\n", 0, error.position) + 1
            self.report(
                line,
                "",
                f"invalid YAML: unacceptable character #x{error.character:04x} ({error.reason})"
                if isinstance(error.character, int)
                else f"invalid YAML: {error.reason}",
            )
            return None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            detail = "; ".join(part for part in (error.context, error.problem) if part)
            self.report(mark.line + 1 if mark else None, "", f"invalid YAML: {detail}")
            return None
        except yaml.YAMLError as error:
            self.report(None, "", f"invalid YAML: {error}")
            return None
        except RecursionError:
            self.report(None, "", "invalid YAML: nested too deeply")
            return None
        if root is None:
            self.report(None, "", "the file is empty; expected an instrument mapping")
        return root

    def _mapping(
        self,
        node: MappingNode,
        path: str,
        allowed: tuple[str, ...],
        required: tuple[str, ...] = (),
    ) -> dict[str, Node]:
        """Known keys of a mapping; reports duplicate, unknown and missing required keys."""
        entries: dict[str, Node] = {}
        seen: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.report(key, path, f"keys must be plain names, got {_describe(key)}")
                continue
            name = key.value
            field = _join(path, name)
            if name in seen:
                # PyYAML would silently keep the last value; the first is kept here
                self.report(key, field, f"duplicate key '{name}' (first on line {seen[name]})")
                continue
            seen[name] = _line(key)
            if name == "<<":
                self.report(key, field, "merge keys ('<<') are not supported; write the keys out")
                continue
            if name not in allowed:
                self.report(key, field, _unknown_key_message(name, allowed))
                continue
            entries[name] = value
        for name in required:
            if name not in seen:
                self.report(node, _join(path, name), f"required key '{name}' is missing")
        return entries

    def _level_mapping(self, node: MappingNode, path: str) -> list[tuple[int, Node, Node]]:
        """(level, key node, value node) of a mapping keyed by level number, duplicates reported."""
        result: list[tuple[int, Node, Node]] = []
        seen: dict[int, int] = {}
        for key, value in node.value:
            number = _whole_number(key)
            label = key.value if isinstance(key, ScalarNode) else "?"
            if number is None:
                self.report(
                    key,
                    _join(path, str(label)),
                    f"level must be a whole number, got {_describe(key)}",
                )
                continue
            field = _join(path, str(number))
            if number in seen:
                self.report(key, field, f"duplicate level {number} (first on line {seen[number]})")
                continue
            seen[number] = _line(key)
            result.append((number, key, value))
        return result

    # -- values -----------------------------------------------------------------------------

    def _text(self, node: Node, path: str) -> Text | None:
        if not isinstance(node, MappingNode):
            self.report(
                node,
                path,
                f"must be a text in both languages ({{id: ..., en: ...}}), got {_describe(node)}",
            )
            return None
        entries = self._mapping(node, path, ("id", "en"))
        values: dict[str, str] = {}
        for language, label in LANGUAGES:
            field = _join(path, language)
            value = entries.get(language)
            if value is None:
                self.report(node, field, f"{label} text '{language}' is missing")
                continue
            if not isinstance(value, ScalarNode):
                self.report(value, field, f"{label} text must be a string, got {_describe(value)}")
                continue
            if value.tag == _NULL or not value.value.strip():
                self.report(value, field, f"{label} text '{language}' is empty")
                continue
            # any scalar is taken as written: "en: No" means the word, not false
            values[language] = value.value
        if len(values) != len(LANGUAGES):
            return None
        return Text(id=values["id"], en=values["en"])

    def _code(self, node: Node, path: str) -> str | None:
        if not isinstance(node, ScalarNode):
            self.report(node, path, f"code must be a short name, got {_describe(node)}")
            return None
        if node.tag == _NULL or not node.value:
            self.report(node, path, "code is empty")
            return None
        if not CODE_PATTERN.fullmatch(node.value):
            self.report(
                node,
                path,
                f"invalid code '{node.value}': use letters, digits, '.', '-' and '_', "
                "starting with a letter or digit",
            )
            return None
        return node.value

    def _version(self, node: Node) -> str | None:
        # written unquoted (2026.10) it is a YAML float; the text as written is the label
        if not isinstance(node, ScalarNode) or node.tag == _NULL or not node.value.strip():
            self.report(
                node, "version", f'version must be a label such as "2026.1", got {_describe(node)}'
            )
            return None
        return node.value

    def _weight(self, node: Node, path: str) -> Fraction | None:
        value = _exact_number(node)
        if value is None or value <= 0:
            self.report(node, path, f"weight must be a positive number, got {_describe(node)}")
            return None
        return value

    def _bool(self, node: Node, path: str, name: str) -> bool | None:
        if not isinstance(node, ScalarNode) or node.tag != _BOOL:
            self.report(node, path, f"{name} must be true or false, got {_describe(node)}")
            return None
        return bool(_CONSTRUCTOR.construct_yaml_bool(node))

    def _evidence_level(self, node: Node, path: str, levels: frozenset[int] | None) -> int | None:
        """A level from which answers need evidence; None (null) for never."""
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            return None
        number = _whole_number(node)
        allowed = levels if levels else frozenset(LEVEL_RANGE)
        if number is None:
            self.report(
                node,
                path,
                f"evidence_from_level must be a level number ({_level_list(allowed)}) or null "
                f"for never, got {_describe(node)}",
            )
            return None
        if number not in allowed:
            self.report(
                node,
                path,
                f"evidence_from_level {number} is not a level: the levels are "
                f"{_level_list(allowed)}",
            )
            return None
        return number

    # -- levels and bands -------------------------------------------------------------------

    def _level_names(
        self, node: Node
    ) -> tuple[tuple[LevelName, ...] | None, frozenset[int] | None]:
        """The level names and the level set every indicator must match (None if unusable)."""
        path = "level_names"
        if not isinstance(node, MappingNode):
            self.report(
                node,
                path,
                f"level_names must be a mapping of level number to text, got {_describe(node)}",
            )
            return None, None
        before = len(self.problems)
        entries = self._level_mapping(node, path)
        sound_keys = len(self.problems) == before
        names: list[LevelName] = []
        for number, key, value in entries:
            field = _join(path, str(number))
            if number not in LEVEL_RANGE:
                self.report(key, field, f"level must be a whole number from 1 to 5, got {number}")
                sound_keys = False
                continue
            text = self._text(value, field)
            if text is not None:
                names.append(LevelName(number, text))
        numbers = sorted(number for number, _, _ in entries if number in LEVEL_RANGE)
        if not node.value:
            self.report(node, path, "at least one level is required")
        elif numbers and numbers != list(range(1, len(numbers) + 1)):
            self.report(
                node,
                path,
                f"level numbers must be consecutive from 1, got {', '.join(map(str, numbers))}",
            )
            sound_keys = False
        # checking indicators against a broken level set would only echo this problem
        expected = frozenset(numbers) if sound_keys and numbers else None
        if len(self.problems) > before:
            return None, expected
        return tuple(sorted(names, key=lambda entry: entry.level)), expected

    def _bands(self, node: Node, path: str) -> tuple[MaturityBand, ...] | None:
        if not isinstance(node, SequenceNode):
            self.report(node, path, f"maturity_bands must be a list, got {_describe(node)}")
            return None
        if not node.value:
            self.report(node, path, "at least one band is required")
            return None
        before = len(self.problems)
        bands: list[MaturityBand] = []
        previous_min: tuple[Fraction, str] | None = None
        previous_level: tuple[int, str] | None = None
        for index, item in enumerate(node.value):
            band_path = f"{path}[{index}]"
            if not isinstance(item, MappingNode):
                self.report(
                    item,
                    band_path,
                    f"a band must be a mapping (min, level, name), got {_describe(item)}",
                )
                continue
            entries = self._mapping(item, band_path, BAND_KEYS, BAND_KEYS)
            minimum = level = None
            if "min" in entries:
                min_node = entries["min"]
                min_path = _join(band_path, "min")
                minimum = _exact_number(min_node)
                if minimum is None or minimum < 0:
                    self.report(
                        min_node,
                        min_path,
                        f"min must be a number of at least 0, got {_describe(min_node)}",
                    )
                    minimum = None
                elif index == 0 and minimum != 0:
                    self.report(
                        min_node, min_path, f"bands must start at 0, got '{min_node.value}'"
                    )
                elif previous_min is not None and minimum <= previous_min[0]:
                    self.report(
                        min_node,
                        min_path,
                        f"band minimums must ascend: '{min_node.value}' is not above "
                        f"'{previous_min[1]}'",
                    )
                if minimum is not None and isinstance(min_node, ScalarNode):
                    previous_min = (minimum, min_node.value)
            if "level" in entries:
                level_node = entries["level"]
                level_path = _join(band_path, "level")
                level = _whole_number(level_node)
                if level is None or level not in LEVEL_RANGE:
                    self.report(
                        level_node,
                        level_path,
                        f"level must be a whole number from 1 to 5, got {_describe(level_node)}",
                    )
                    level = None
                elif previous_level is not None and level <= previous_level[0]:
                    self.report(
                        level_node,
                        level_path,
                        f"band levels must ascend: {level} is not above {previous_level[0]}",
                    )
                if level is not None:
                    previous_level = (level, band_path)
            name = (
                self._text(entries["name"], _join(band_path, "name")) if "name" in entries else None
            )
            if minimum is not None and level is not None and name is not None:
                bands.append(MaturityBand(minimum, level, name))
        if len(self.problems) > before:
            return None
        return tuple(bands)

    # -- dimensions and indicators ----------------------------------------------------------

    def _dimensions(
        self, node: Node, expected_levels: frozenset[int] | None
    ) -> tuple[Dimension, ...] | None:
        path = "dimensions"
        if not isinstance(node, SequenceNode):
            self.report(node, path, f"dimensions must be a list, got {_describe(node)}")
            return None
        if not node.value:
            self.report(node, path, "at least one dimension is required")
            return None
        dimensions = [
            self._dimension(item, f"{path}[{index}]", expected_levels)
            for index, item in enumerate(node.value)
        ]
        if any(dimension is None for dimension in dimensions):
            return None
        return tuple(dimension for dimension in dimensions if dimension is not None)

    def _unique(
        self, codes: dict[str, int], code: str | None, node: Node, path: str, kind: str
    ) -> None:
        if code is None:
            return
        if code in codes:
            self.report(
                node, path, f"duplicate {kind} code '{code}' (first defined on line {codes[code]})"
            )
        else:
            codes[code] = _line(node)

    def _dimension(
        self, node: Node, path: str, expected_levels: frozenset[int] | None
    ) -> Dimension | None:
        if not isinstance(node, MappingNode):
            self.report(node, path, f"a dimension must be a mapping, got {_describe(node)}")
            return None
        entries = self._mapping(node, path, DIMENSION_KEYS, DIMENSION_REQUIRED)
        code = None
        if "code" in entries:
            code_path = _join(path, "code")
            code = self._code(entries["code"], code_path)
            self._unique(self.dimension_codes, code, entries["code"], code_path, "dimension")
        name = self._text(entries["name"], _join(path, "name")) if "name" in entries else None
        description = None
        if "description" in entries:
            description = self._text(entries["description"], _join(path, "description"))
        weight = (
            self._weight(entries["weight"], _join(path, "weight")) if "weight" in entries else None
        )
        indicators = None
        if "indicators" in entries:
            indicators = self._indicators(
                entries["indicators"], _join(path, "indicators"), expected_levels
            )
        if code is None or name is None or weight is None or indicators is None:
            return None
        return Dimension(
            code=code, name=name, weight=weight, indicators=indicators, description=description
        )

    def _indicators(
        self, node: Node, path: str, expected_levels: frozenset[int] | None
    ) -> tuple[Indicator, ...] | None:
        if not isinstance(node, SequenceNode):
            self.report(node, path, f"indicators must be a list, got {_describe(node)}")
            return None
        if not node.value:
            self.report(node, path, "at least one indicator is required")
            return None
        indicators = [
            self._indicator(item, f"{path}[{index}]", expected_levels)
            for index, item in enumerate(node.value)
        ]
        if any(indicator is None for indicator in indicators):
            return None
        return tuple(indicator for indicator in indicators if indicator is not None)

    def _indicator(
        self, node: Node, path: str, expected_levels: frozenset[int] | None
    ) -> Indicator | None:
        if not isinstance(node, MappingNode):
            self.report(node, path, f"an indicator must be a mapping, got {_describe(node)}")
            return None
        entries = self._mapping(node, path, INDICATOR_KEYS, INDICATOR_REQUIRED)
        code = None
        if "code" in entries:
            code_path = _join(path, "code")
            code = self._code(entries["code"], code_path)
            self._unique(self.indicator_codes, code, entries["code"], code_path, "indicator")
        question = explanation = evidence_hint = None
        if "question" in entries:
            question = self._text(entries["question"], _join(path, "question"))
        if "explanation" in entries:
            explanation = self._text(entries["explanation"], _join(path, "explanation"))
        if "evidence_hint" in entries:
            evidence_hint = self._text(entries["evidence_hint"], _join(path, "evidence_hint"))
        weight = (
            self._weight(entries["weight"], _join(path, "weight")) if "weight" in entries else None
        )
        allow_na: bool | None = False
        if "allow_na" in entries:
            allow_na = self._bool(entries["allow_na"], _join(path, "allow_na"), "allow_na")
        levels = None
        if "levels" in entries:
            levels = self._levels(entries["levels"], _join(path, "levels"), expected_levels)
        evidence_level = self.default_evidence_level
        if "evidence_from_level" in entries:
            evidence_level = self._evidence_level(
                entries["evidence_from_level"],
                _join(path, "evidence_from_level"),
                frozenset(number for number, _ in levels) if levels else expected_levels,
            )
        if (
            code is None
            or question is None
            or explanation is None
            or weight is None
            or allow_na is None
            or levels is None
        ):
            return None
        return Indicator(
            code=code,
            question=question,
            explanation=explanation,
            weight=weight,
            levels=levels,
            allow_not_applicable=allow_na,
            evidence_hint=evidence_hint,
            evidence_from_level=evidence_level,
        )

    def _levels(
        self, node: Node, path: str, expected_levels: frozenset[int] | None
    ) -> tuple[tuple[int, Text], ...] | None:
        if not isinstance(node, MappingNode):
            self.report(
                node,
                path,
                f"levels must be a mapping of level number to text, got {_describe(node)}",
            )
            return None
        before = len(self.problems)
        levels: list[tuple[int, Text]] = []
        present: set[int] = set()
        for number, key, value in self._level_mapping(node, path):
            field = _join(path, str(number))
            present.add(number)
            if expected_levels is not None and number not in expected_levels:
                self.report(
                    key,
                    field,
                    f"extra level {number}: the instrument's levels are "
                    f"{_level_list(expected_levels)}",
                )
                continue
            if expected_levels is None and number not in LEVEL_RANGE:
                self.report(key, field, f"level must be a whole number from 1 to 5, got {number}")
                continue
            text = self._text(value, field)
            if text is not None:
                levels.append((number, text))
        for number in sorted((expected_levels or frozenset()) - present):
            self.report(node, _join(path, str(number)), f"level {number} is missing")
        if len(self.problems) > before:
            return None
        return tuple(sorted(levels, key=lambda entry: entry[0]))


def _unknown_key_message(name: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{name}'{hint}"
