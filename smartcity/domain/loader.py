"""Read instrument YAML (docs/INSTRUMENT_FORMAT.md) into an `Instrument`, listing every problem.

- `load_instrument(text, source)` / `load_instrument_file(path)`: the instrument, or
  `InstrumentError` whose `problems` list every `Problem` (file, line, dotted field, message);
- `validate_instrument(text, source)`: the problems only (empty when valid);
- `dump_instrument(instrument)`: canonical YAML, `load_instrument(dump_instrument(i)) == i`;
- `load_instrument_tree(root, source)`: the same rules on a node tree built elsewhere (the
  workbook reader; its nodes carry their cell, which then replaces line and field);
- `Problem.text(language)` / `Problem.located(language)`: a problem in English or Indonesian.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from os import PathLike
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import limits
from .answer_types import REGISTRY
from .instrument import (
    ALL_AGENCIES,
    DEFAULT_LEVEL_NAMES,
    DEFAULT_MATURITY_BANDS,
    HIGHER_IS_BETTER,
    LEVEL,
    Dimension,
    Indicator,
    Instrument,
    LevelName,
    MaturityBand,
    Option,
    SubElement,
    Text,
    Threshold,
    indicator_applies,
)
from .problems import InstrumentError, Problem, indonesian_message, show_number

__all__ = [
    "InstrumentError",
    "Problem",
    "dump_instrument",
    "indicator_applies",
    "indonesian_message",
    "load_instrument",
    "load_instrument_file",
    "load_instrument_tree",
    "validate_instrument",
]

# an indicator without `answer_type`
DEFAULT_TYPE = LEVEL

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
LEVEL_RANGE = range(1, 6)

TOP_REQUIRED = ("code", "version", "title", "dimensions")
TOP_KEYS = (*TOP_REQUIRED, "description", "level_names", "maturity_bands", "evidence_from_level")

DIMENSION_REQUIRED = ("code", "name", "weight")
DIMENSION_KEYS = (*DIMENSION_REQUIRED, "indicators", "sub_elements", "description")
SUB_ELEMENT_REQUIRED = ("code", "name", "weight", "indicators")
SUB_ELEMENT_KEYS = (*SUB_ELEMENT_REQUIRED, "description")
INDICATOR_REQUIRED = ("code", "question", "explanation", "weight")


def type_keys() -> dict[str, tuple[str, ...]]:
    """Keys that belong to some answer types only -> the types that use them (each type
    lists its own: `AnswerType.keys`)."""
    found: dict[str, tuple[str, ...]] = {}
    for kind in REGISTRY.values():
        for key in kind.keys:
            found[key] = (*found.get(key, ()), kind.name)
    return found


INDICATOR_KEYS = (
    *INDICATOR_REQUIRED,
    "answer_type",
    "allow_na",
    "applies_to",
    "evidence_hint",
    "evidence_from_level",
    "evidence_by_level",
    *type_keys(),
)
OPTION_KEYS = ("code", "label", "points")
THRESHOLD_KEYS = ("from", "level")
BAND_KEYS = ("min", "level", "name")
LANGUAGES = (("id", "Indonesian"), ("en", "English"))

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"

# ASCII only: Decimal() would also accept NaN, Infinity and non-Latin digits.
_DECIMAL = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?")
# an exact ratio such as 1/3 (what `dump_instrument` writes for a non-decimal weight)
_RATIO = re.compile(r"([-+]?[0-9]{1,30})/([0-9]{1,30})")
# Fraction(Decimal("1e999999999")) would build a gigantic integer; no real weight is that large.
_MAX_EXPONENT = 30

# characters a workbook cell cannot hold (tab, line feed and carriage return are fine)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

# longest value quoted back in a message
_SHOWN = 40

# YAML aliases (*name) repeat a value written once: a few are handy, but a thousand aliases to
# lists of aliases expand to billions of entries (a "billion laughs" file of 1.5 KB). What all
# aliases together add to the written entries is capped; no questionnaire comes near it.
MAX_ALIAS_EXPANSION = 20_000

# Only used for YAML's own int syntax (hex, octal, 1_000, 1:30); it needs no loader state.
_CONSTRUCTOR = SafeConstructor()


# `lengths`: the most characters the database stores per kind of code (domain/limits.py). A
# questionnaire already published is read with `lengths=None`: it was stored as it is.
Lengths = Mapping[str, int] | None


def load_instrument(
    text: str, source: str = "<instrument>", lengths: Lengths = limits.QUESTIONNAIRE
) -> Instrument:
    """Parse and validate instrument YAML; raise `InstrumentError` listing every problem."""
    reader = _Reader(source, lengths)
    instrument = reader.read(text)
    if reader.problems or instrument is None:
        raise InstrumentError(reader.sorted_problems())
    return instrument


def load_instrument_tree(
    root: Node,
    source: str,
    problems: Iterable[Problem] = (),
    lengths: Lengths = limits.QUESTIONNAIRE,
) -> Instrument:
    """Validate a node tree built by another front end (the workbook reader).

    `problems` already found by that front end are reported together with the tree's own;
    nodes whose `start_mark` has a `cell` attribute are located by that cell.
    """
    reader = _Reader(source, lengths)
    reader.problems.extend(problems)
    instrument = reader.read_root(root)
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


def validate_instrument(
    text: str, source: str = "<instrument>", lengths: Lengths = limits.QUESTIONNAIRE
) -> list[Problem]:
    """Every problem in instrument YAML, in file order; empty when it is valid."""
    reader = _Reader(source, lengths)
    reader.read(text)
    return reader.sorted_problems()


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _where(node: Node) -> str:
    """Where a node was written, for "first defined on ..." messages: a line or a cell."""
    cell = getattr(node.start_mark, "cell", None)
    return str(cell) if cell is not None else f"line {_line(node)}"


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
    if node.tag == _STR and node.style is None:
        ratio = _RATIO.fullmatch(node.value)
        if ratio:
            denominator = int(ratio.group(2))
            return Fraction(int(ratio.group(1)), denominator) if denominator else None
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


def _too_long(name: str, node: ScalarNode, limit: int) -> str:
    return f"{name} is too long: {len(node.value)} characters, at most {limit}: {_describe(node)}"


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _entry_counts(root: Node) -> tuple[int, int | None]:
    """(nodes written, nodes once every alias is expanded; None for an alias loop).

    Linear in the nodes written: each is counted once and its expanded size remembered (capped
    at a billion, so the numbers never grow with the expansion).
    """
    cap = 10**9
    sizes: dict[int, int] = {}
    started: set[int] = set()  # nodes whose children are being counted: the current path
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            started.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            sizes[key] = min(total, cap)
            continue
        if key in sizes:
            continue
        started.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in started:
                return len(sizes), None
            if id(child) not in sizes:
                stack.append((child, False))
    return len(sizes), sizes[id(root)]


def _level_list(levels: Iterable[int]) -> str:
    ordered = sorted(levels)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]} to {ordered[-1]}"
    return ", ".join(str(level) for level in ordered)


class _Reader:
    """Walks the YAML node tree once, collecting problems and building the instrument."""

    def __init__(self, source: str, lengths: Lengths = limits.QUESTIONNAIRE):
        self.source = source
        self.lengths: Mapping[str, int] = lengths or {}
        self.problems: list[Problem] = []
        self.dimension_codes: dict[str, str] = {}
        self.sub_element_codes: dict[str, str] = {}
        self.indicator_codes: dict[str, str] = {}
        # the instrument-wide evidence_from_level every indicator inherits unless it sets its own
        self.default_evidence_level: int | None = None

    def report(self, where: Node | int | None, field: str, message: str) -> None:
        # nodes built from a workbook carry their cell ("Indicators!C12") in the mark
        cell = getattr(where.start_mark, "cell", None) if isinstance(where, Node) else None
        if cell is not None:
            self.problems.append(Problem(self.source, None, cell, message))
            return
        line = _line(where) if isinstance(where, Node) else where
        self.problems.append(Problem(self.source, line, field, message))

    def sorted_problems(self) -> list[Problem]:
        # stable: problems on the same line keep the order in which they were found
        return sorted(self.problems, key=lambda problem: problem.line or 0)

    # -- the tools an answer type reads its part with (`AnswerType.read_yaml`): handed over
    # with the reader, so that the answer types need not import this module, which uses them

    @staticmethod
    def join(path: str, key: str) -> str:
        return _join(path, key)

    @staticmethod
    def show_number(value: Fraction) -> str:
        return show_number(value)

    @staticmethod
    def exact_number(node: Node) -> Fraction | None:
        return _exact_number(node)

    @staticmethod
    def describe(node: Node) -> str:
        return _describe(node)

    @staticmethod
    def is_scalar(node: Node) -> bool:
        return isinstance(node, ScalarNode)

    @staticmethod
    def parts(**parts: Any) -> TypeParts:
        return TypeParts(**parts)

    # -- document ---------------------------------------------------------------------------

    def read(self, text: str) -> Instrument | None:
        root = self._compose(text)
        if root is None:
            return None
        return self.read_root(root)

    def read_root(self, root: Node) -> Instrument | None:
        """Validate and build an instrument from a node tree (parsed YAML or a workbook)."""
        if not isinstance(root, MappingNode):
            self.report(
                root,
                "",
                f"the top level must be a mapping (code, version, title, dimensions, ...), "
                f"got {_describe(root)}",
            )
            return None
        entries = self._mapping(root, "", TOP_KEYS, TOP_REQUIRED)
        code = self._code(entries["code"], "code", "instrument") if "code" in entries else None
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
            return None
        written, expanded = _entry_counts(root)
        if expanded is None:
            self.report(None, "", "an alias (*name) refers to a value that contains it (a loop)")
            return None
        if expanded - written > MAX_ALIAS_EXPANSION:
            self.report(
                None,
                "",
                f"the aliases (*name) repeat more than {MAX_ALIAS_EXPANSION} entries: write "
                "the values out instead",
            )
            return None
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
        seen: dict[int, str] = {}
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
                self.report(key, field, f"duplicate level {number} (first on {seen[number]})")
                continue
            seen[number] = _where(key)
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
            if _CONTROL.search(value.value):
                self.report(
                    value, field, f"{label} text contains a control character (e.g. from a paste)"
                )
                continue
            # any scalar is taken as written: "en: No" means the word, not false
            values[language] = value.value
        if len(values) != len(LANGUAGES):
            return None
        return Text(id=values["id"], en=values["en"])

    def _code(self, node: Node, path: str, kind: str = "") -> str | None:
        """A code as written, no longer than the database stores for its `kind`."""
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
        limit = self.lengths.get(kind)
        if limit is not None and len(node.value) > limit:
            self.report(node, path, _too_long("code", node, limit))
            return None
        return node.value

    def _version(self, node: Node) -> str | None:
        # written unquoted (2026.10) it is a YAML float; the text as written is the label
        if not isinstance(node, ScalarNode) or node.tag == _NULL or not node.value.strip():
            self.report(
                node, "version", f'version must be a label such as "2026.1", got {_describe(node)}'
            )
            return None
        limit = self.lengths.get("version")
        if limit is not None and len(node.value) > limit:
            self.report(node, "version", _too_long("version", node, limit))
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
        if not self._sequence(node, path, "maturity_bands", "band"):
            return None
        before = len(self.problems)
        bands: list[MaturityBand] = []
        previous_min: tuple[Fraction, str] | None = None
        previous_level: tuple[int, str] | None = None
        for index, band_path, entries in self._mapping_items(
            node, path, "a band", "min, level, name", BAND_KEYS
        ):
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
        self, codes: dict[str, str], code: str | None, node: Node, path: str, kind: str
    ) -> None:
        if code is None:
            return
        if code in codes:
            self.report(
                node, path, f"duplicate {kind} code '{code}' (first defined on {codes[code]})"
            )
        else:
            codes[code] = _where(node)

    def _group_header(self, node: Node, path: str, kind: str, keys, required, codes):
        """What dimensions and sub-elements share: a mapping with a unique code, a name, an
        optional description and a weight; None (reported) when the node is no mapping."""
        if not isinstance(node, MappingNode):
            self.report(node, path, f"a {kind} must be a mapping, got {_describe(node)}")
            return None
        entries = self._mapping(node, path, keys, required)
        code = None
        if "code" in entries:
            code_path = _join(path, "code")
            # dimension codes are stored with every agency's dimensions; sub-element codes nowhere
            code = self._code(entries["code"], code_path, kind)
            self._unique(codes, code, entries["code"], code_path, kind)
        name = self._text(entries["name"], _join(path, "name")) if "name" in entries else None
        description = None
        if "description" in entries:
            description = self._text(entries["description"], _join(path, "description"))
        weight = (
            self._weight(entries["weight"], _join(path, "weight")) if "weight" in entries else None
        )
        return entries, code, name, description, weight

    def _dimension(
        self, node: Node, path: str, expected_levels: frozenset[int] | None
    ) -> Dimension | None:
        header = self._group_header(
            node, path, "dimension", DIMENSION_KEYS, DIMENSION_REQUIRED, self.dimension_codes
        )
        if header is None:
            return None
        entries, code, name, description, weight = header
        indicators: tuple[Indicator, ...] | None = None
        sub_elements: tuple[SubElement, ...] | None = ()
        if "indicators" in entries and "sub_elements" in entries:
            self.report(
                entries["sub_elements"],
                _join(path, "sub_elements"),
                "a dimension lists either 'indicators' or 'sub_elements', not both",
            )
            return None
        if "sub_elements" in entries:
            sub_elements = self._sub_elements(
                entries["sub_elements"], _join(path, "sub_elements"), expected_levels
            )
            if sub_elements is not None:
                indicators = tuple(i for sub in sub_elements for i in sub.indicators)
        elif "indicators" in entries:
            indicators = self._indicators(
                entries["indicators"], _join(path, "indicators"), expected_levels
            )
        else:
            self.report(
                node,
                _join(path, "indicators"),
                "required key 'indicators' is missing (or 'sub_elements' grouping them)",
            )
        if (
            code is None
            or name is None
            or weight is None
            or indicators is None
            or sub_elements is None
        ):
            return None
        return Dimension(
            code=code,
            name=name,
            weight=weight,
            indicators=indicators,
            description=description,
            sub_elements=sub_elements,
        )

    def _sub_elements(
        self, node: Node, path: str, expected_levels: frozenset[int] | None
    ) -> tuple[SubElement, ...] | None:
        return self._non_empty_list(
            node, path, "sub_elements", "sub-element", self._sub_element, expected_levels
        )

    def _sub_element(
        self, node: Node, path: str, expected_levels: frozenset[int] | None
    ) -> SubElement | None:
        codes = self.sub_element_codes
        header = self._group_header(
            node, path, "sub-element", SUB_ELEMENT_KEYS, SUB_ELEMENT_REQUIRED, codes
        )
        if header is None:
            return None
        entries, code, name, description, weight = header
        indicators = None
        if "indicators" in entries:
            indicators = self._indicators(
                entries["indicators"], _join(path, "indicators"), expected_levels
            )
        if code is None or name is None or weight is None or indicators is None:
            return None
        return SubElement(
            code=code, name=name, weight=weight, indicators=indicators, description=description
        )

    def _indicators(
        self, node: Node, path: str, expected_levels: frozenset[int] | None
    ) -> tuple[Indicator, ...] | None:
        return self._non_empty_list(
            node, path, "indicators", "indicator", self._indicator, expected_levels
        )

    def _sequence(self, node: Node, path: str, key: str, kind: str, minimum: int = 1) -> bool:
        """Whether `node` is a list of at least `minimum` (1 or 2) items; reported if not."""
        if not isinstance(node, SequenceNode):
            self.report(node, path, f"{key} must be a list, got {_describe(node)}")
            return False
        if len(node.value) < minimum:
            wanted = f"one {kind} is" if minimum == 1 else f"two {kind}s are"
            self.report(node, path, f"at least {wanted} required")
            return False
        return True

    def _mapping_items(
        self, node: SequenceNode, path: str, what: str, fields: str, keys: tuple[str, ...]
    ) -> Iterator[tuple[int, str, dict[str, Node]]]:
        """(index, path, entries) of each of the list's mappings; any other item is
        reported ("<what> must be a mapping (<fields>), got ...") and skipped."""
        for index, item in enumerate(node.value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, MappingNode):
                self.report(
                    item, item_path, f"{what} must be a mapping ({fields}), got {_describe(item)}"
                )
                continue
            yield index, item_path, self._mapping(item, item_path, keys, keys)

    def _non_empty_list(self, node: Node, path: str, key: str, kind: str, read, expected_levels):
        """A non-empty list whose every item `read` accepts; None (reported) otherwise."""
        if not self._sequence(node, path, key, kind):
            return None
        items = [
            read(item, f"{path}[{index}]", expected_levels) for index, item in enumerate(node.value)
        ]
        if any(item is None for item in items):
            return None
        return tuple(items)

    def _answer_type(self, node: Node, path: str) -> str | None:
        names = tuple(REGISTRY)
        if isinstance(node, ScalarNode) and node.value in names:
            return node.value
        close = (
            difflib.get_close_matches(node.value, names, n=1)
            if isinstance(node, ScalarNode)
            else []
        )
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        self.report(
            node,
            path,
            f"unknown answer type {_describe(node)}{hint}: use {', '.join(names)}",
        )
        return None

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
            code = self._code(entries["code"], code_path, "indicator")
            self._unique(self.indicator_codes, code, entries["code"], code_path, "indicator")
        answer_type: str | None = DEFAULT_TYPE
        if "answer_type" in entries:
            answer_type = self._answer_type(entries["answer_type"], _join(path, "answer_type"))
        if answer_type is not None:
            for key, types in type_keys().items():
                if key in entries and answer_type not in types:
                    self.report(
                        entries[key],
                        _join(path, key),
                        f"'{key}' is not used by {answer_type} indicators "
                        f"(only by {' and '.join(types)} indicators)",
                    )
            for key in REGISTRY[answer_type].required:
                if key not in entries:
                    self.report(
                        node,
                        _join(path, key),
                        f"required key '{key}' is missing"
                        + ("" if answer_type == DEFAULT_TYPE else f" (a {answer_type} indicator)"),
                    )
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
        applies_to: tuple[str, ...] | None = (ALL_AGENCIES,)
        if "applies_to" in entries:
            applies_to = self._applies_to(entries["applies_to"], _join(path, "applies_to"))

        levels: tuple[tuple[int, Text], ...] | None = ()
        if (
            "levels" in entries
            and answer_type is not None
            and "levels" in REGISTRY[answer_type].keys
        ):
            levels = self._levels(entries["levels"], _join(path, "levels"), expected_levels)
        parts = TypeParts()
        if answer_type is not None:
            parts = REGISTRY[answer_type].read_yaml(self, entries, path, expected_levels)

        own_levels = frozenset(number for number, _ in levels) if levels else None
        if answer_type is not None and REGISTRY[answer_type].answers_a_level and own_levels:
            usable_levels = own_levels
        else:
            usable_levels = expected_levels
        evidence_level = self.default_evidence_level
        if "evidence_from_level" in entries:
            evidence_level = self._evidence_level(
                entries["evidence_from_level"], _join(path, "evidence_from_level"), usable_levels
            )
        evidence_hints: tuple[tuple[int, Text], ...] | None = ()
        if "evidence_by_level" in entries:
            evidence_hints = self._evidence_by_level(
                entries["evidence_by_level"], _join(path, "evidence_by_level"), usable_levels
            )
        if (
            code is None
            or answer_type is None
            or question is None
            or explanation is None
            or weight is None
            or allow_na is None
            or applies_to is None
            or levels is None
            or evidence_hints is None
            or not parts.sound
            or any(key not in entries for key in REGISTRY[answer_type].required)
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
            answer_type=answer_type,
            options=parts.options,
            max_points=parts.max_points,
            unit=parts.unit,
            minimum=parts.minimum,
            maximum=parts.maximum,
            thresholds=parts.thresholds,
            direction=parts.direction,
            applies_to=applies_to,
            evidence_hints=evidence_hints,
        )

    # -- answer types -----------------------------------------------------------------------

    def _options(
        self, node: Node, path: str, kind: str, positive: bool
    ) -> tuple[tuple[Option, Node], ...] | None:
        """Choice options or checklist items, each with the node of its points."""
        if not self._sequence(node, path, f"{kind}s", kind, 2 if kind == "option" else 1):
            return None
        before = len(self.problems)
        codes: dict[str, str] = {}
        result: list[tuple[Option, Node]] = []
        for _index, item_path, entries in self._mapping_items(
            node, path, f"an {kind}", "code, label, points", OPTION_KEYS
        ):
            code = None
            if "code" in entries:
                code_path = _join(item_path, "code")
                # a chosen option's code is stored as the answer; checklist items as one text
                code = self._code(entries["code"], code_path, kind)
                self._unique(codes, code, entries["code"], code_path, kind)
            label = (
                self._text(entries["label"], _join(item_path, "label"))
                if "label" in entries
                else None
            )
            points = None
            if "points" in entries:
                points_node = entries["points"]
                points = _exact_number(points_node)
                if points is None or points < 0 or (positive and points == 0):
                    wanted = "a positive number" if positive else "a number of at least 0"
                    self.report(
                        points_node,
                        _join(item_path, "points"),
                        f"points must be {wanted}, got {_describe(points_node)}",
                    )
                    points = None
            if code is not None and label is not None and points is not None:
                result.append((Option(code, label, points), entries["points"]))
        if len(self.problems) > before:
            return None
        return tuple(result)

    def _max_points(self, node: Node, path: str) -> Fraction | None:
        value = _exact_number(node)
        if value is None or value <= 0:
            self.report(node, path, f"max_points must be a positive number, got {_describe(node)}")
            return None
        return value

    def _thresholds(
        self,
        node: Node,
        path: str,
        expected_levels: frozenset[int] | None,
        bounds: tuple[Fraction, Fraction] | None,
        direction: str | None,
    ) -> tuple[Threshold, ...] | None:
        if not self._sequence(node, path, "thresholds", "threshold"):
            return None
        allowed = expected_levels if expected_levels else frozenset(LEVEL_RANGE)
        before = len(self.problems)
        result: list[Threshold] = []
        previous: tuple[Fraction, int] | None = None  # (from, level) of the last sound entry
        for index, item_path, entries in self._mapping_items(
            node, path, "a threshold", "from, level", THRESHOLD_KEYS
        ):
            start = level = None
            if "from" in entries:
                from_node = entries["from"]
                from_path = _join(item_path, "from")
                start = _exact_number(from_node)
                if start is None:
                    self.report(
                        from_node, from_path, f"from must be a number, got {_describe(from_node)}"
                    )
                elif bounds is not None and index == 0 and start != bounds[0]:
                    self.report(
                        from_node,
                        from_path,
                        f"the first threshold must start at the minimum {show_number(bounds[0])} "
                        f"so that every value has a level, got {show_number(start)}",
                    )
                elif previous is not None and start <= previous[0]:
                    self.report(
                        from_node,
                        from_path,
                        f"thresholds must ascend: {show_number(start)} is not above "
                        f"{show_number(previous[0])}",
                    )
                elif bounds is not None and start > bounds[1]:
                    self.report(
                        from_node,
                        from_path,
                        f"threshold {show_number(start)} is above the maximum "
                        f"{show_number(bounds[1])}",
                    )
            if "level" in entries:
                level_node = entries["level"]
                level_path = _join(item_path, "level")
                level = _whole_number(level_node)
                if level is None or level not in allowed:
                    self.report(
                        level_node,
                        level_path,
                        f"level must be one of the levels ({_level_list(allowed)}), "
                        f"got {_describe(level_node)}",
                    )
                    level = None
                elif previous is not None and direction is not None:
                    higher = direction == HIGHER_IS_BETTER
                    if (level <= previous[1]) if higher else (level >= previous[1]):
                        self.report(
                            level_node,
                            level_path,
                            f"with {direction} the levels must "
                            f"{'ascend' if higher else 'descend'} as the thresholds rise: "
                            f"{level} after {previous[1]}",
                        )
            if start is not None and level is not None:
                result.append(Threshold(start, level))
                previous = (start, level)
        if len(self.problems) > before:
            return None
        return tuple(result)

    def _applies_to(self, node: Node, path: str) -> tuple[str, ...] | None:
        if not isinstance(node, SequenceNode):
            self.report(
                node,
                path,
                f"applies_to must be a list of agency codes or tags (e.g. [all]), "
                f"got {_describe(node)}",
            )
            return None
        if not node.value:
            self.report(node, path, "applies_to is empty: list agency codes or tags, or 'all'")
            return None
        before = len(self.problems)
        seen: dict[str, str] = {}
        for index, item in enumerate(node.value):
            code = self._code(item, f"{path}[{index}]")
            self._unique(seen, code, item, f"{path}[{index}]", "agency or tag")
        if ALL_AGENCIES in seen and len(node.value) > 1:
            self.report(
                node,
                path,
                f"'{ALL_AGENCIES}' already means every agency: list nothing else with it",
            )
        if len(self.problems) > before:
            return None
        return tuple(seen)

    def _evidence_by_level(
        self, node: Node, path: str, levels: frozenset[int] | None
    ) -> tuple[tuple[int, Text], ...] | None:
        if not isinstance(node, MappingNode):
            self.report(
                node,
                path,
                f"evidence_by_level must be a mapping of level number to text, "
                f"got {_describe(node)}",
            )
            return None
        allowed = levels if levels else frozenset(LEVEL_RANGE)
        before = len(self.problems)
        hints: list[tuple[int, Text]] = []
        for number, key, value in self._level_mapping(node, path):
            field = _join(path, str(number))
            if number not in allowed:
                self.report(
                    key, field, f"{number} is not a level: the levels are {_level_list(allowed)}"
                )
                continue
            text = self._text(value, field)
            if text is not None:
                hints.append((number, text))
        if len(self.problems) > before:
            return None
        return tuple(sorted(hints, key=lambda entry: entry[0]))

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


@dataclass(frozen=True)
class TypeParts:
    """What an indicator's answer type adds, and whether it was read without problems."""

    sound: bool = True
    options: tuple[Option, ...] = ()
    max_points: Fraction | None = None
    unit: Text | None = None
    minimum: Fraction | None = None
    maximum: Fraction | None = None
    thresholds: tuple[Threshold, ...] = ()
    direction: str | None = None


def _unknown_key_message(name: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{name}'{hint}"


# written by its own module; imported here as before the split (it reads nothing of this one)
from .yaml_writer import dump_instrument  # noqa: E402
