"""The instrument workbook's layout: its sheets, their columns and each column's kind (how a
cell becomes a YAML scalar), and the kinds of row in the Levels sheet (docs/INSTRUMENT_FORMAT.md,
"Workbook"). `workbook_writer` writes it, `workbook` reads it."""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from yaml.nodes import ScalarNode

from . import yaml_nodes
from .answer_types import REGISTRY
from .instrument import DIRECTIONS

# Column kinds: how a cell becomes a node
CODE = "code"  # a code: text (a whole number is taken as its digits)
TEXT = "text"  # one language of a text
NUMBER = "number"  # a number, exact
BOOL = "bool"  # TRUE/FALSE (also true/false, ya/tidak)
LIST = "list"  # comma-separated codes
LABEL = "label"  # free text such as a version label or a kind


@dataclass(frozen=True)
class Column:
    header: str
    kind: str
    required: bool = False  # the column must exist (its cells may still be blank)
    # part of the second axis (evaluation dimensions): written only for an instrument that
    # declares it, so that the workbook of any other instrument stays as it was
    second_axis: bool = False


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    second_axis: bool = False  # like `Column.second_axis`

    def column(self, header: str) -> Column | None:
        for column in self.columns:
            if column.header == header:
                return column
        return None

    def written_columns(self, second_axis: bool) -> tuple[Column, ...]:
        """The columns a written workbook has: the second axis's only when it is declared."""
        return tuple(c for c in self.columns if second_axis or not c.second_axis)


def _text_columns(name: str, required: bool) -> tuple[Column, Column]:
    return Column(f"{name}_id", TEXT, required), Column(f"{name}_en", TEXT, required)


INSTRUMENT = Sheet(
    "Instrument",
    (
        Column("code", CODE, True),
        Column("version", LABEL, True),
        *_text_columns("title", True),
        *_text_columns("description", False),
        Column("evidence_from_level", NUMBER),
    ),
)
LEVEL_NAMES = Sheet(
    "LevelNames", (Column("level", NUMBER, True), *_text_columns("name", True)), required=False
)
BANDS = Sheet(
    "Bands",
    (Column("min", NUMBER, True), Column("level", NUMBER, True), *_text_columns("name", True)),
    required=False,
)
EVALUATION_DIMENSIONS = Sheet(
    "EvaluationDimensions",
    (
        Column("code", CODE, True),
        *_text_columns("name", True),
        Column("weight", NUMBER, True),
        *_text_columns("description", False),
    ),
    required=False,
    second_axis=True,
)
DIMENSIONS = Sheet(
    "Dimensions",
    (
        Column("code", CODE, True),
        *_text_columns("name", True),
        Column("weight", NUMBER, True),
        *_text_columns("description", False),
    ),
)
SUB_ELEMENTS = Sheet(
    "SubElements",
    (
        Column("dimension", CODE, True),
        Column("code", CODE, True),
        *_text_columns("name", True),
        Column("weight", NUMBER, True),
        *_text_columns("description", False),
    ),
    required=False,
)
INDICATORS = Sheet(
    "Indicators",
    (
        Column("dimension", CODE, True),
        Column("sub_element", CODE),
        Column("evaluation_dimension", CODE, second_axis=True),
        Column("code", CODE, True),
        Column("answer_type", LABEL),
        Column("weight", NUMBER, True),
        *_text_columns("question", True),
        *_text_columns("explanation", True),
        Column("allow_na", BOOL),
        Column("applies_to", LIST),
        Column("evidence_from_level", NUMBER),
        *_text_columns("evidence_hint", False),
        Column("max_points", NUMBER),
        *_text_columns("unit", False),
        Column("minimum", NUMBER),
        Column("maximum", NUMBER),
        Column("direction", LABEL),
    ),
)
LEVELS = Sheet(
    "Levels",
    (
        Column("indicator", CODE, True),
        Column("kind", LABEL, True),
        Column("level", NUMBER),
        Column("code", CODE),
        Column("points", NUMBER),
        Column("from", NUMBER),
        *_text_columns("text", False),
    ),
)
# every sheet the reader knows, in workbook order
ALL_SHEETS: tuple[Sheet, ...] = (
    INSTRUMENT,
    LEVEL_NAMES,
    BANDS,
    EVALUATION_DIMENSIONS,
    DIMENSIONS,
    SUB_ELEMENTS,
    INDICATORS,
    LEVELS,
)
# the sheets of every written workbook (the second axis's sheet only when it is declared)
SHEETS: tuple[Sheet, ...] = tuple(sheet for sheet in ALL_SHEETS if not sheet.second_axis)


def sheets_for(second_axis: bool) -> tuple[Sheet, ...]:
    """The sheets a written workbook has."""
    return ALL_SHEETS if second_axis else SHEETS


# Levels.kind -> what the row is
LEVEL_KIND = "level"  # a level descriptor: level, text
EVIDENCE_KIND = "evidence"  # evidence expected at a level: level, text
OPTION_KIND = "option"  # a choice option: code, points, text (label)
ITEM_KIND = "item"  # a checklist item: code, points, text (label)
THRESHOLD_KIND = "threshold"  # a number threshold: from, level
KINDS = (LEVEL_KIND, EVIDENCE_KIND, OPTION_KIND, ITEM_KIND, THRESHOLD_KIND)
# an answer type's options key (`AnswerType.options_key`) -> the kind of their rows
OPTION_ROW_KINDS = {"options": OPTION_KIND, "items": ITEM_KIND}

# drop-down lists offered to staff in the written workbook
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Indicators", "answer_type"): tuple(REGISTRY),
    ("Indicators", "direction"): DIRECTIONS,
    ("Levels", "kind"): KINDS,
}
# rows of the written workbook that offer the drop-down lists
VALIDATED_ROWS = 2000

_RESOLVER = yaml.resolver.Resolver()
_YES_NO = {"ya": "true", "tidak": "false"}


def cell_scalar(value: object, kind: str) -> tuple[str, str]:
    """The YAML tag and text of a cell value, read as its column's kind."""
    # a whole number in a column of codes or texts is its digits
    whole = yaml_nodes.STR if kind in (CODE, TEXT, LABEL, LIST) else yaml_nodes.INT
    if isinstance(value, bool):
        return yaml_nodes.BOOL, "true" if value else "false"
    if isinstance(value, int):
        return whole, str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return whole, str(int(value))
        return (yaml_nodes.STR if kind in (TEXT, LABEL) else yaml_nodes.FLOAT), repr(value)
    if not isinstance(value, str):
        # dates, times: never a valid value; shown as written
        return yaml_nodes.STR, str(value)
    if kind == NUMBER:
        text = value.strip()
        return _RESOLVER.resolve(ScalarNode, text, (True, False)), text
    if kind == BOOL:
        text = value.strip()
        text = _YES_NO.get(text.lower(), text)
        return _RESOLVER.resolve(ScalarNode, text, (True, False)), text
    if kind in (CODE, LIST, LABEL):
        return yaml_nodes.STR, value.strip()
    return yaml_nodes.STR, value
