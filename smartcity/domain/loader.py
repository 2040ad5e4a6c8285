"""Read instrument YAML (docs/INSTRUMENT_FORMAT.md) into an `Instrument`, listing every problem.

- `load_instrument(text, source)` / `load_instrument_file(path)`: the instrument, or
  `InstrumentError` whose `problems` list every `Problem` (file, line, dotted field, message);
- `validate_instrument(text, source)`: the problems only (empty when valid);
- `dump_instrument(instrument)`: canonical YAML, `load_instrument(dump_instrument(i)) == i`
  (written by `yaml_writer`);
- `load_instrument_tree(root, source)`: the same rules on a node tree built elsewhere (the
  workbook reader; its nodes carry their cell, which then replaces line and field);
- `Problem.text(gettext)` / `Problem.located(gettext)`: a problem in the language of a gettext.

This module reads the questionnaire's structure (top level, level names, bands, evaluation
dimensions, dimensions, sub-elements, indicators); `reader.Reader` holds the tools for its
values, `yaml_nodes` the YAML layer, and each answer type reads its own keys
(`AnswerType.read_yaml`).
"""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from . import limits
from .answer_types import REGISTRY
from .group_reader import GroupReader
from .instrument import (
    ALL_AGENCIES,
    DEFAULT_LEVEL_NAMES,
    DEFAULT_MATURITY_BANDS,
    LEVEL,
    Dimension,
    EvaluationDimension,
    Indicator,
    Instrument,
    LevelName,
    MaturityBand,
    SubElement,
    Text,
    indicator_applies,
)
from .messages import N_, Message, joined, message
from .problems import InstrumentError, Problem
from .reader import Lengths, TypeParts
from .yaml_nodes import (
    MAX_ALIAS_EXPANSION,
    NULL,
    Uncomposed,
    compose,
    describe,
    did_you_mean,
    join,
)
from .yaml_writer import dump_instrument

__all__ = [
    "MAX_ALIAS_EXPANSION",
    "InstrumentError",
    "Problem",
    "dump_instrument",
    "indicator_applies",
    "load_instrument",
    "load_instrument_file",
    "load_instrument_tree",
    "validate_instrument",
]

# an indicator without `answer_type`
DEFAULT_TYPE = LEVEL

TOP_REQUIRED = ("code", "version", "title", "dimensions")
TOP_KEYS = (
    *TOP_REQUIRED,
    "description",
    "level_names",
    "maturity_bands",
    "evidence_from_level",
    "evaluation_dimensions",
)

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
    "evaluation_dimension",
    *type_keys(),
)


def load_instrument(
    text: str, source: str = "<instrument>", lengths: Lengths = limits.QUESTIONNAIRE
) -> Instrument:
    """Parse and validate instrument YAML; raise `InstrumentError` listing every problem."""
    reader = _InstrumentReader(source, lengths)
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
    reader = _InstrumentReader(source, lengths)
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
        unreadable = message(N_("not valid UTF-8 (byte %(n)s)"), n=error.start)
        raise InstrumentError([Problem.of(source, line, "", unreadable)]) from error
    return load_instrument(text, source)


def validate_instrument(
    text: str, source: str = "<instrument>", lengths: Lengths = limits.QUESTIONNAIRE
) -> list[Problem]:
    """Every problem in instrument YAML, in file order; empty when it is valid."""
    reader = _InstrumentReader(source, lengths)
    reader.read(text)
    return reader.sorted_problems()


class _InstrumentReader(GroupReader):
    """Walks the node tree once, collecting problems and building the instrument."""

    def __init__(self, source: str, lengths: Lengths = limits.QUESTIONNAIRE):
        super().__init__(source, lengths)
        self.dimension_codes: dict[str, Message | str] = {}
        self.sub_element_codes: dict[str, Message | str] = {}
        self.indicator_codes: dict[str, Message | str] = {}
        # the instrument-wide evidence_from_level every indicator inherits unless it sets its own
        self.default_evidence_level: int | None = None

    # -- document ---------------------------------------------------------------------------

    def read(self, text: str) -> Instrument | None:
        try:
            root = compose(text)
        except Uncomposed as refusal:
            self.report(refusal.line, "", refusal.problem.key, **dict(refusal.problem.params))
            return None
        return self.read_root(root)

    def read_root(self, root: Node) -> Instrument | None:
        """Validate and build an instrument from a node tree (parsed YAML or a workbook)."""
        if not isinstance(root, MappingNode):
            self.report(
                root,
                "",
                N_(
                    "the top level must be a mapping (code, version, title, dimensions, ...), "
                    "got %(got)s"
                ),
                got=describe(root),
            )
            return None
        entries = self.mapping(root, "", TOP_KEYS, TOP_REQUIRED)
        code = self.code(entries["code"], "code", "instrument") if "code" in entries else None
        version = self._version(entries["version"]) if "version" in entries else None
        title = self.text(entries["title"], "title") if "title" in entries else None
        description = (
            self.text(entries["description"], "description") if "description" in entries else None
        )

        level_names: tuple[LevelName, ...] | None = DEFAULT_LEVEL_NAMES
        expected_levels: frozenset[int] | None = frozenset(entry.level for entry in level_names)
        if "level_names" in entries:
            level_names, expected_levels = self.level_names(entries["level_names"])

        bands: tuple[MaturityBand, ...] | None = DEFAULT_MATURITY_BANDS
        if "maturity_bands" in entries:
            bands = self.bands(entries["maturity_bands"], "maturity_bands")

        if "evidence_from_level" in entries:
            self.default_evidence_level = self.evidence_level(
                entries["evidence_from_level"], "evidence_from_level", expected_levels
            )

        evaluation_dimensions: tuple[EvaluationDimension, ...] | None = ()
        if "evaluation_dimensions" in entries:
            evaluation_dimensions = self._evaluation_dimensions(entries["evaluation_dimensions"])

        dimensions = None
        if "dimensions" in entries:
            dimensions = self._dimensions(entries["dimensions"], expected_levels)
            self._unnamed_evaluation_dimensions()

        if (
            self.problems
            or evaluation_dimensions is None
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
            evaluation_dimensions=evaluation_dimensions,
        )

    def _version(self, node: Node) -> str | None:
        # written unquoted (2026.10) it is a YAML float; the text as written is the label
        if not isinstance(node, ScalarNode) or node.tag == NULL or not node.value.strip():
            self.report(
                node,
                "version",
                N_('version must be a label such as "2026.1", got %(got)s'),
                got=describe(node),
            )
            return None
        too_long = N_("version is too long: %(n)s characters, at most %(limit)s: %(got)s")
        if self.too_long(node, "version", "version", too_long):
            return None
        return node.value

    # -- dimensions and sub-elements ----------------------------------------------------------

    def _dimensions(
        self, node: Node, expected_levels: frozenset[int] | None
    ) -> tuple[Dimension, ...] | None:
        return self.non_empty_list(
            node, "dimensions", "dimensions", "dimension", self._dimension, expected_levels
        )

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
                join(path, "sub_elements"),
                N_("a dimension lists either 'indicators' or 'sub_elements', not both"),
            )
            return None
        if "sub_elements" in entries:
            sub_elements = self.non_empty_list(
                entries["sub_elements"],
                join(path, "sub_elements"),
                "sub_elements",
                "sub-element",
                self._sub_element,
                expected_levels,
            )
            if sub_elements is not None:
                indicators = tuple(i for sub in sub_elements for i in sub.indicators)
        elif "indicators" in entries:
            indicators = self._indicators(
                entries["indicators"], join(path, "indicators"), expected_levels
            )
        else:
            self.report(
                node,
                join(path, "indicators"),
                N_("required key 'indicators' is missing (or 'sub_elements' grouping them)"),
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
                entries["indicators"], join(path, "indicators"), expected_levels
            )
        if code is None or name is None or weight is None or indicators is None:
            return None
        return SubElement(
            code=code, name=name, weight=weight, indicators=indicators, description=description
        )

    # -- indicators -------------------------------------------------------------------------

    def _indicators(
        self, node: Node, path: str, expected_levels: frozenset[int] | None
    ) -> tuple[Indicator, ...] | None:
        return self.non_empty_list(
            node, path, "indicators", "indicator", self._indicator, expected_levels
        )

    def _answer_type(self, node: Node, path: str) -> str | None:
        names = tuple(REGISTRY)
        if isinstance(node, ScalarNode) and node.value in names:
            return node.value
        self.report(
            node,
            path,
            N_("unknown answer type %(got)s%(hint)s: use %(choices)s"),
            got=describe(node),
            hint=did_you_mean(node.value, names) if isinstance(node, ScalarNode) else "",
            choices=", ".join(names),
        )
        return None

    def _type_keys(self, node: Node, entries: dict[str, Node], path: str, answer_type: str):
        """Reports keys of other answer types and this type's missing keys."""
        for key, types in type_keys().items():
            if key in entries and answer_type not in types:
                self.report(
                    entries[key],
                    join(path, key),
                    N_(
                        "'%(key)s' is not used by %(type)s indicators "
                        "(only by %(types)s indicators)"
                    ),
                    key=key,
                    type=answer_type,
                    types=joined(types, N_("%(rest)s and %(last)s")),
                )
        for key in REGISTRY[answer_type].required:
            if key not in entries:
                if answer_type == DEFAULT_TYPE:
                    self.report(
                        node, join(path, key), N_("required key '%(key)s' is missing"), key=key
                    )
                else:
                    self.report(
                        node,
                        join(path, key),
                        N_("required key '%(key)s' is missing (a %(type)s indicator)"),
                        key=key,
                        type=answer_type,
                    )

    def _indicator(
        self, node: Node, path: str, expected_levels: frozenset[int] | None
    ) -> Indicator | None:
        if not isinstance(node, MappingNode):
            self.report(
                node,
                path,
                N_("%(what)s must be a mapping, got %(got)s"),
                what=Message(N_("an indicator")),
                got=describe(node),
            )
            return None
        entries = self.mapping(node, path, INDICATOR_KEYS, INDICATOR_REQUIRED)
        code = None
        if "code" in entries:
            code_path = join(path, "code")
            code = self.code(entries["code"], code_path, "indicator")
            self.unique(self.indicator_codes, code, entries["code"], code_path, "indicator")
        answer_type: str | None = DEFAULT_TYPE
        if "answer_type" in entries:
            answer_type = self._answer_type(entries["answer_type"], join(path, "answer_type"))
        if answer_type is not None:
            self._type_keys(node, entries, path, answer_type)
        question = explanation = evidence_hint = None
        if "question" in entries:
            question = self.text(entries["question"], join(path, "question"))
        if "explanation" in entries:
            explanation = self.text(entries["explanation"], join(path, "explanation"))
        if "evidence_hint" in entries:
            evidence_hint = self.text(entries["evidence_hint"], join(path, "evidence_hint"))
        weight = self._weight(entries, path)
        allow_na: bool | None = False
        if "allow_na" in entries:
            allow_na = self.true_or_false(entries["allow_na"], join(path, "allow_na"), "allow_na")
        applies_to: tuple[str, ...] | None = (ALL_AGENCIES,)
        if "applies_to" in entries:
            applies_to = self.applies_to(entries["applies_to"], join(path, "applies_to"))
        stage_sound, stage = self._indicator_evaluation_dimension(node, entries, path)

        levels: tuple[tuple[int, Text], ...] | None = ()
        if (
            "levels" in entries
            and answer_type is not None
            and "levels" in REGISTRY[answer_type].keys
        ):
            levels = self.levels(entries["levels"], join(path, "levels"), expected_levels)
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
            evidence_level = self.evidence_level(
                entries["evidence_from_level"], join(path, "evidence_from_level"), usable_levels
            )
        evidence_hints: tuple[tuple[int, Text], ...] | None = ()
        if "evidence_by_level" in entries:
            evidence_hints = self.evidence_by_level(
                entries["evidence_by_level"], join(path, "evidence_by_level"), usable_levels
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
            or not stage_sound
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
            evaluation_dimension=stage,
        )
