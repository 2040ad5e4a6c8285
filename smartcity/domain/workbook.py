"""Instruments as Excel workbooks: `write_workbook` and `read_workbook`, lossless both ways.

The workbook is a set of tables, one per sheet, each with a header row (row 1) naming
its columns; column order is free, columns whose header starts with ``#`` are notes and
are ignored, blank rows are skipped. The layout is described in
docs/INSTRUMENT_FORMAT.md ("Workbook"):

    Instrument   code, version, title_id, title_en, description_id, description_en,
                 evidence_from_level (one data row)
    LevelNames   level, name_id, name_en
    Bands        min, level, name_id, name_en
    Dimensions   code, name_id, name_en, weight, description_id, description_en
    SubElements  dimension, code, name_id, name_en, weight, description_id, description_en
    Indicators   dimension, sub_element, code, answer_type, weight, question_id, ...
    Levels       indicator, kind, level, code, points, from, text_id, text_en

`read_workbook` turns the cells into the same node tree the YAML loader reads, with each
node remembering its cell, so both formats share every rule and message; problems name
the cell ("Indicators!E12") in `Problem.field` (`Problem.line` is None). Before openpyxl
sees the bytes, the file's size and the zip's declared unpacked size are checked, so a
huge file or a zip bomb is refused with a problem instead of exhausting memory.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .answer_types import REGISTRY
from .instrument import DIRECTIONS, Indicator, Instrument, Text
from .loader import load_instrument_tree
from .problems import InstrumentError, Problem, show_number

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_UNPACKED_BYTES",
    "SHEETS",
    "read_workbook",
    "write_workbook",
]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# a real instrument workbook unpacks to a few MiB; more is refused before parsing
DEFAULT_MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 500

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_RESOLVER = yaml.resolver.Resolver()
_YES_NO = {"ya": "true", "tidak": "false"}

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


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    required: bool = True

    def column(self, header: str) -> Column | None:
        for column in self.columns:
            if column.header == header:
                return column
        return None


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
SHEETS: tuple[Sheet, ...] = (
    INSTRUMENT,
    LEVEL_NAMES,
    BANDS,
    DIMENSIONS,
    SUB_ELEMENTS,
    INDICATORS,
    LEVELS,
)

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
_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Indicators", "answer_type"): tuple(REGISTRY),
    ("Indicators", "direction"): DIRECTIONS,
    ("Levels", "kind"): KINDS,
}
_VALIDATED_ROWS = 2000


# -- writing ----------------------------------------------------------------------------------


def _cell_number(value: Fraction | int | None) -> object:
    """A number for a cell: a float when Excel keeps it exactly, else its exact text."""
    if value is None:
        return None
    value = Fraction(value)
    if value.denominator == 1 and abs(value) < 2**53:
        return int(value)
    as_float = float(value)
    if Fraction(Decimal(repr(as_float))) == value:
        return as_float
    return show_number(value)


def _text_cells(text: Text | None) -> tuple[str | None, str | None]:
    return (None, None) if text is None else (text.id, text.en)


def _instrument_rows(instrument: Instrument) -> dict[str, list[tuple[object, ...]]]:
    rows: dict[str, list[tuple[object, ...]]] = {sheet.name: [] for sheet in SHEETS}
    rows["Instrument"].append(
        (
            instrument.code,
            instrument.version,
            *_text_cells(instrument.title),
            *_text_cells(instrument.description),
            None,
        )
    )
    for entry in instrument.level_names:
        rows["LevelNames"].append((entry.level, *_text_cells(entry.name)))
    for band in instrument.maturity_bands:
        rows["Bands"].append((_cell_number(band.minimum), band.level, *_text_cells(band.name)))
    for dimension in instrument.dimensions:
        rows["Dimensions"].append(
            (
                dimension.code,
                *_text_cells(dimension.name),
                _cell_number(dimension.weight),
                *_text_cells(dimension.description),
            )
        )
        for sub in dimension.sub_elements:
            rows["SubElements"].append(
                (
                    dimension.code,
                    sub.code,
                    *_text_cells(sub.name),
                    _cell_number(sub.weight),
                    *_text_cells(sub.description),
                )
            )
        for indicator in dimension.indicators:
            sub = dimension.sub_element_of(indicator.code)
            rows["Indicators"].append(
                _indicator_row(dimension.code, sub.code if sub else None, indicator)
            )
            rows["Levels"].extend(_level_rows(indicator))
    return rows


def _indicator_row(
    dimension: str, sub_element: str | None, indicator: Indicator
) -> tuple[object, ...]:
    return (
        dimension,
        sub_element,
        indicator.code,
        indicator.answer_type,
        _cell_number(indicator.weight),
        *_text_cells(indicator.question),
        *_text_cells(indicator.explanation),
        indicator.allow_not_applicable,
        ", ".join(indicator.applies_to),
        indicator.evidence_from_level,
        *_text_cells(indicator.evidence_hint),
        _cell_number(indicator.max_points),
        *_text_cells(indicator.unit),
        _cell_number(indicator.minimum),
        _cell_number(indicator.maximum),
        indicator.direction,
    )


def _level_rows(indicator: Indicator) -> Iterator[tuple[object, ...]]:
    # columns: indicator, kind, level, code, points, from, text_id, text_en
    code = indicator.code
    for number, text in indicator.levels:
        yield (code, LEVEL_KIND, number, None, None, None, *_text_cells(text))
    options_key = indicator.answer_kind.options_key
    kind = OPTION_ROW_KINDS[options_key] if options_key else None
    for option in indicator.options:
        yield (
            code,
            kind,
            None,
            option.code,
            _cell_number(option.points),
            None,
            *_text_cells(option.label),
        )
    for threshold in indicator.thresholds:
        yield (
            code,
            THRESHOLD_KIND,
            threshold.level,
            None,
            None,
            _cell_number(threshold.minimum),
            None,
            None,
        )
    for number, text in indicator.evidence_hints:
        yield (code, EVIDENCE_KIND, number, None, None, None, *_text_cells(text))


def write_workbook(instrument: Instrument) -> bytes:
    """The instrument as an .xlsx workbook that `read_workbook` reads back unchanged."""
    book = Workbook()
    book.remove(book.active)
    rows = _instrument_rows(instrument)
    bold = Font(bold=True)
    for sheet in SHEETS:
        worksheet = book.create_sheet(sheet.name)
        worksheet.append([column.header for column in sheet.columns])
        for cell in worksheet[1]:
            cell.font = bold
        worksheet.freeze_panes = "A2"
        for values in rows[sheet.name]:
            worksheet.append(list(values))
            for cell in worksheet[worksheet.max_row]:
                # text starting with "=" is text, not a formula
                if isinstance(cell.value, str) and cell.data_type == "f":
                    cell.data_type = "s"
        for index, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(index)
            width = 40 if column.kind == TEXT else max(12, len(column.header) + 2)
            worksheet.column_dimensions[letter].width = width
            choices = _CHOICES.get((sheet.name, column.header))
            if choices:
                # a drop-down in Excel; the reader checks the values itself
                rule = DataValidation(
                    type="list", formula1=f'"{",".join(choices)}"', allow_blank=True
                )
                rule.add(f"{letter}2:{letter}{_VALIDATED_ROWS}")
                worksheet.add_data_validation(rule)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


# -- reading ----------------------------------------------------------------------------------


class _CellMark(Mark):
    """A node position that is a workbook cell; the loader reports it as `cell`."""

    def __init__(self, source: str, cell: str, row: int):
        super().__init__(source, 0, row - 1, 0, None, None)
        self.cell = cell


def _describe_value(value: object) -> str:
    text = str(value)
    return f"'{text[:37]}...'" if len(text) > 40 else f"'{text}'"


@dataclass
class _Row:
    """One data row: its cells by header, and where it is."""

    sheet: Sheet
    number: int
    cells: dict[str, tuple[object, str]]  # header -> (value, "Sheet!B3")

    def where(self, header: str) -> str:
        found = self.cells.get(header)
        if found is not None:
            return found[1]
        return f"{self.sheet.name}!{self.number}"

    def value(self, header: str) -> object:
        found = self.cells.get(header)
        return None if found is None else found[0]


class _WorkbookReader:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def report(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.source, None, where, message))

    def mark(self, cell: str, row: int) -> _CellMark:
        return _CellMark(self.source, cell, row)

    # -- cells to nodes ---------------------------------------------------------------------

    def scalar(self, row: _Row, header: str, *, required: bool = False) -> Node | None:
        """The node of one cell; None for a blank optional cell."""
        column = row.sheet.column(header)
        value = row.value(header)
        if isinstance(value, str) and not value.strip() and column and column.kind != TEXT:
            value = None
        where = row.where(header)
        mark = self.mark(where, row.number)
        if value is None:
            return ScalarNode(_NULL, "", mark, mark) if required else None
        kind = column.kind if column else LABEL
        tag, text = _typed(value, kind)
        return ScalarNode(tag, text, mark, mark)

    def text(self, row: _Row, name: str, *, required: bool = False) -> Node | None:
        """A two-language text from the `name_id` and `name_en` cells."""
        nodes = {
            language: self.scalar(row, f"{name}_{language}", required=True)
            for language in ("id", "en")
        }
        if not required and all(
            node is None or (isinstance(node, ScalarNode) and not node.value.strip())
            for node in nodes.values()
        ):
            return None  # an optional text left blank (or holding only spaces)
        mark = self.mark(row.where(f"{name}_id"), row.number)
        pairs = [
            (ScalarNode(_STR, language, mark, mark), node)
            for language, node in nodes.items()
            if node is not None
        ]
        return MappingNode("tag:yaml.org,2002:map", pairs, mark, mark)

    def mapping(self, row: _Row, entries: Iterable[tuple[str, Node | None]]) -> MappingNode:
        mark = self.mark(row.where("code"), row.number)
        pairs = [
            (ScalarNode(_STR, key, mark, mark), node) for key, node in entries if node is not None
        ]
        return MappingNode("tag:yaml.org,2002:map", pairs, mark, mark)

    # -- sheets -----------------------------------------------------------------------------

    def rows(self, book: Any, sheet: Sheet) -> list[_Row] | None:
        """The data rows of a sheet; None when a required sheet or column is missing."""
        if sheet.name not in book.sheetnames:
            if sheet.required:
                known = {s.name for s in SHEETS}
                others = [name for name in book.sheetnames if name not in known]
                close = difflib.get_close_matches(sheet.name, others, n=1)
                hint = f" (is '{close[0]}' meant?)" if close else ""
                self.report(sheet.name, f"the sheet '{sheet.name}' is missing{hint}")
            return None
        worksheet = book[sheet.name]
        if not hasattr(worksheet, "iter_rows"):
            self.report(sheet.name, f"the sheet '{sheet.name}' is a chart, not a table")
            return None
        try:
            # openpyxl parses a read-only sheet while iterating: damage surfaces here
            rows = iter(list(worksheet.iter_rows(values_only=True)))
        except Exception as error:  # any parser failure on untrusted XML
            self.report(
                sheet.name, f"the sheet '{sheet.name}' cannot be read ({type(error).__name__})"
            )
            return None
        header = next(rows, None)
        columns: dict[int, str] = {}
        seen: set[str] = set()
        for index, value in enumerate(header or (), start=1):
            cell = f"{sheet.name}!{get_column_letter(index)}1"
            if value is None or (isinstance(value, str) and value.strip().startswith("#")):
                continue
            name = str(value).strip()
            if name in seen:
                self.report(cell, f"the column '{name}' appears twice")
                continue
            seen.add(name)
            if sheet.column(name) is None:
                known = [column.header for column in sheet.columns]
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.report(cell, f"unknown column '{name}'{hint}; notes columns start with '#'")
                continue
            columns[index] = name
        missing = [c.header for c in sheet.columns if c.required and c.header not in seen]
        for name in missing:
            self.report(f"{sheet.name}!1", f"the column '{name}' is missing from the header row")
        if missing:
            return None
        result: list[_Row] = []
        for number, values in enumerate(rows, start=2):
            cells: dict[str, tuple[object, str]] = {}
            for index, name in columns.items():
                value = values[index - 1] if index - 1 < len(values) else None
                cells[name] = (value, f"{sheet.name}!{get_column_letter(index)}{number}")
            if all(
                value is None or (isinstance(value, str) and not value.strip())
                for value, _ in cells.values()
            ):
                continue
            result.append(_Row(sheet, number, cells))
        return result

    def tree(self, book: Any) -> Node | None:
        sheets = {sheet.name: self.rows(book, sheet) for sheet in SHEETS}
        instrument_rows = sheets["Instrument"]
        if any(sheets[s.name] is None for s in SHEETS if s.required) or instrument_rows is None:
            return None
        top_mark = self.mark("Instrument!A1", 1)
        if len(instrument_rows) != 1:
            self.report(
                "Instrument!2",
                f"the Instrument sheet needs exactly one row under its header, "
                f"found {len(instrument_rows)}",
            )
            return None
        top = instrument_rows[0]
        entries: list[tuple[str, Node | None]] = [
            ("code", self.scalar(top, "code", required=True)),
            ("version", self.scalar(top, "version", required=True)),
            ("title", self.text(top, "title", required=True)),
            ("description", self.text(top, "description")),
            ("evidence_from_level", self.scalar(top, "evidence_from_level")),
        ]
        level_rows = sheets["LevelNames"]
        if level_rows is not None:
            mark = self.mark("LevelNames!A1", 1)
            pairs = [
                (self.scalar(row, "level", required=True), self.text(row, "name", required=True))
                for row in level_rows
            ]
            entries.append(("level_names", MappingNode("tag:yaml.org,2002:map", pairs, mark, mark)))
        band_rows = sheets["Bands"]
        if band_rows is not None:
            mark = self.mark("Bands!A1", 1)
            bands = [
                self.mapping(
                    row,
                    (
                        ("min", self.scalar(row, "min", required=True)),
                        ("level", self.scalar(row, "level", required=True)),
                        ("name", self.text(row, "name", required=True)),
                    ),
                )
                for row in band_rows
            ]
            entries.append(
                ("maturity_bands", SequenceNode("tag:yaml.org,2002:seq", bands, mark, mark))
            )
        entries.append(("dimensions", self.dimensions(sheets)))
        return self.mapping_at(top_mark, entries)

    def mapping_at(
        self, mark: _CellMark, entries: Iterable[tuple[str, Node | None]]
    ) -> MappingNode:
        pairs = [(ScalarNode(_STR, k, mark, mark), n) for k, n in entries if n is not None]
        return MappingNode("tag:yaml.org,2002:map", pairs, mark, mark)

    def dimensions(self, sheets: dict[str, list[_Row] | None]) -> Node:
        dimension_rows = sheets["Dimensions"] or []
        sub_rows = sheets["SubElements"] or []
        indicator_rows = sheets["Indicators"] or []
        level_rows = sheets["Levels"] or []

        dimension_codes = {
            str(row.value("code")) for row in dimension_rows if row.value("code") is not None
        }
        subs_of: dict[str, list[_Row]] = {}
        sub_dimension: dict[str, str] = {}
        for row in sub_rows:
            dimension = _code_text(row.value("dimension"))
            if dimension not in dimension_codes:
                self.report(
                    row.where("dimension"),
                    _unknown("dimension", dimension, "Dimensions", dimension_codes),
                )
                continue
            subs_of.setdefault(dimension, []).append(row)
            code = _code_text(row.value("code"))
            sub_dimension.setdefault(code, dimension)

        extras: dict[str, list[_Row]] = {}
        for row in level_rows:
            extras.setdefault(_code_text(row.value("indicator")), []).append(row)
        indicator_codes = {_code_text(row.value("code")) for row in indicator_rows}
        for code, rows in extras.items():
            if code not in indicator_codes:
                self.report(
                    rows[0].where("indicator"),
                    _unknown("indicator", code, "Indicators", indicator_codes),
                )

        by_group: dict[tuple[str, str | None], list[Node]] = {}
        for row in indicator_rows:
            dimension = _code_text(row.value("dimension"))
            sub = row.value("sub_element")
            sub_code = None if sub is None else _code_text(sub)
            if dimension not in dimension_codes:
                self.report(
                    row.where("dimension"),
                    _unknown("dimension", dimension, "Dimensions", dimension_codes),
                )
                continue
            if sub_code is None and dimension in subs_of:
                self.report(
                    row.where("sub_element"),
                    f"dimension '{dimension}' has sub-elements: name this indicator's sub-element",
                )
                continue
            if sub_code is not None and sub_dimension.get(sub_code) != dimension:
                known = {code for code, dim in sub_dimension.items() if dim == dimension}
                self.report(
                    row.where("sub_element"),
                    _unknown(
                        "sub-element",
                        sub_code,
                        "SubElements",
                        known,
                        f" of dimension '{dimension}'",
                    ),
                )
                continue
            node = self.indicator(row, extras.get(_code_text(row.value("code")), []))
            by_group.setdefault((dimension, sub_code), []).append(node)

        mark = self.mark("Dimensions!A1", 1)
        dimensions: list[Node] = []
        for row in dimension_rows:
            code = _code_text(row.value("code"))
            entries: list[tuple[str, Node | None]] = [
                ("code", self.scalar(row, "code", required=True)),
                ("name", self.text(row, "name", required=True)),
                ("description", self.text(row, "description")),
                ("weight", self.scalar(row, "weight", required=True)),
            ]
            row_mark = self.mark(row.where("code"), row.number)
            if code in subs_of:
                subs = []
                for sub_row in subs_of[code]:
                    sub_mark = self.mark(sub_row.where("code"), sub_row.number)
                    subs.append(
                        self.mapping(
                            sub_row,
                            (
                                ("code", self.scalar(sub_row, "code", required=True)),
                                ("name", self.text(sub_row, "name", required=True)),
                                ("description", self.text(sub_row, "description")),
                                ("weight", self.scalar(sub_row, "weight", required=True)),
                                (
                                    "indicators",
                                    SequenceNode(
                                        "tag:yaml.org,2002:seq",
                                        by_group.get((code, _code_text(sub_row.value("code"))), []),
                                        sub_mark,
                                        sub_mark,
                                    ),
                                ),
                            ),
                        )
                    )
                entries.append(
                    (
                        "sub_elements",
                        SequenceNode("tag:yaml.org,2002:seq", subs, row_mark, row_mark),
                    )
                )
            else:
                entries.append(
                    (
                        "indicators",
                        SequenceNode(
                            "tag:yaml.org,2002:seq",
                            by_group.get((code, None), []),
                            row_mark,
                            row_mark,
                        ),
                    )
                )
            dimensions.append(self.mapping(row, entries))
        return SequenceNode("tag:yaml.org,2002:seq", dimensions, mark, mark)

    def indicator(self, row: _Row, extra_rows: list[_Row]) -> Node:
        entries: list[tuple[str, Node | None]] = [
            ("code", self.scalar(row, "code", required=True)),
            ("answer_type", self.scalar(row, "answer_type")),
            ("question", self.text(row, "question", required=True)),
            ("explanation", self.text(row, "explanation", required=True)),
            ("weight", self.scalar(row, "weight", required=True)),
            ("allow_na", self.scalar(row, "allow_na")),
            ("applies_to", _list_node(self.scalar(row, "applies_to"))),
            ("evidence_hint", self.text(row, "evidence_hint")),
            ("evidence_from_level", self.scalar(row, "evidence_from_level")),
            ("max_points", self.scalar(row, "max_points")),
            ("unit", self.text(row, "unit")),
            ("minimum", self.scalar(row, "minimum")),
            ("maximum", self.scalar(row, "maximum")),
            ("direction", self.scalar(row, "direction")),
        ]
        groups: dict[str, list[_Row]] = {}
        for extra in extra_rows:
            kind = extra.value("kind")
            kind_text = str(kind).strip() if kind is not None else ""
            if kind_text not in KINDS:
                close = difflib.get_close_matches(kind_text, KINDS, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.report(
                    extra.where("kind"),
                    f"unknown kind {_describe_value(kind_text)}{hint}: use {', '.join(KINDS)}",
                )
                continue
            groups.setdefault(kind_text, []).append(extra)
        mark = self.mark(row.where("code"), row.number)
        for kind, key in ((LEVEL_KIND, "levels"), (EVIDENCE_KIND, "evidence_by_level")):
            if kind in groups:
                pairs = [
                    (self.scalar(r, "level", required=True), self.text(r, "text", required=True))
                    for r in groups[kind]
                ]
                entries.append((key, MappingNode("tag:yaml.org,2002:map", pairs, mark, mark)))
        for key, kind in OPTION_ROW_KINDS.items():
            if kind in groups:
                options = [
                    self.mapping_at(
                        self.mark(r.where("kind"), r.number),
                        (
                            ("code", self.scalar(r, "code", required=True)),
                            ("label", self.text(r, "text", required=True)),
                            ("points", self.scalar(r, "points", required=True)),
                        ),
                    )
                    for r in groups[kind]
                ]
                entries.append((key, SequenceNode("tag:yaml.org,2002:seq", options, mark, mark)))
        if THRESHOLD_KIND in groups:
            thresholds = [
                self.mapping_at(
                    self.mark(r.where("kind"), r.number),
                    (
                        ("from", self.scalar(r, "from", required=True)),
                        ("level", self.scalar(r, "level", required=True)),
                    ),
                )
                for r in groups[THRESHOLD_KIND]
            ]
            entries.append(
                ("thresholds", SequenceNode("tag:yaml.org,2002:seq", thresholds, mark, mark))
            )
        return self.mapping(row, entries)


def _code_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _unknown(kind: str, code: str, sheet: str, known: Iterable[str], owner: str = "") -> str:
    """A row names a dimension, sub-element or indicator that `sheet` does not have."""
    if not code:
        return f"the {kind} is empty"
    close = difflib.get_close_matches(code, sorted(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"no {kind} '{code}'{owner} in the {sheet} sheet{hint}"


def _typed(value: object, kind: str) -> tuple[str, str]:
    """The YAML tag and text of a cell value, read as its column's kind."""
    if isinstance(value, bool):
        return _BOOL, "true" if value else "false"
    if isinstance(value, int):
        return (_STR if kind in (CODE, TEXT, LABEL, LIST) else _INT), str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return (_STR if kind in (CODE, TEXT, LABEL, LIST) else _INT), str(int(value))
        return (_STR if kind in (TEXT, LABEL) else _FLOAT), repr(value)
    if not isinstance(value, str):
        # dates, times: never a valid value; shown as written
        return _STR, str(value)
    if kind == NUMBER:
        text = value.strip()
        return _RESOLVER.resolve(ScalarNode, text, (True, False)), text
    if kind == BOOL:
        text = value.strip()
        text = _YES_NO.get(text.lower(), text)
        return _RESOLVER.resolve(ScalarNode, text, (True, False)), text
    if kind in (CODE, LIST, LABEL):
        return _STR, value.strip()
    return _STR, value


def _list_node(node: Node | None) -> Node | None:
    if not isinstance(node, ScalarNode) or node.tag == _NULL:
        return node
    items = [part.strip() for part in node.value.split(",")]
    children = [ScalarNode(_STR, item, node.start_mark, node.end_mark) for item in items]
    return SequenceNode("tag:yaml.org,2002:seq", children, node.start_mark, node.end_mark)


def read_workbook(
    data: bytes,
    source: str = "<workbook>",
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
) -> Instrument:
    """Read an instrument from .xlsx bytes; raise `InstrumentError` listing every problem.

    Problems are located by cell ("Indicators!E12", in `Problem.field`); a file that is not
    a workbook, too big, or unpacks to more than `max_unpacked_bytes` is refused before
    openpyxl parses it.
    """
    refusal = _refusal(data, max_bytes, max_unpacked_bytes)
    if refusal:
        raise InstrumentError([Problem(source, None, "", refusal)])
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InstrumentError(
            [Problem(source, None, "", f"the workbook cannot be read ({type(error).__name__})")]
        ) from None
    try:
        reader = _WorkbookReader(source)
        root = reader.tree(book)
    finally:
        book.close()
    if root is None:
        raise InstrumentError(sorted(reader.problems, key=_cell_order))
    try:
        return load_instrument_tree(root, source, reader.problems)
    except InstrumentError as error:
        raise InstrumentError(sorted(error.problems, key=_cell_order)) from None


_SHEET_ORDER = {sheet.name: index for index, sheet in enumerate(SHEETS)}
_CELL = re.compile(r"([A-Za-z]+)!([A-Z]*)([0-9]*)")


def _cell_order(problem: Problem) -> tuple[int, int, int]:
    """Sheet by sheet in workbook order, then row, then column."""
    found = _CELL.fullmatch(problem.field)
    if not found:
        return (_SHEET_ORDER.get(problem.field, -1), 0, 0)
    sheet, column, row = found.groups()
    return (
        _SHEET_ORDER.get(sheet, len(_SHEET_ORDER)),
        int(row) if row else 0,
        column_index_from_string(column) if column else 0,
    )


def _refusal(data: bytes, max_bytes: int, max_unpacked_bytes: int) -> str | None:
    """Why the bytes are refused before parsing, or None."""
    if len(data) > max_bytes:
        return (
            f"the file is {len(data):,} bytes; workbooks of at most {max_bytes:,} bytes "
            "are accepted"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "this is an old Excel 97-2003 (.xls) file: save it as an Excel workbook (.xlsx)"
    if not data.startswith(b"PK"):
        return "not an Excel workbook (.xlsx)"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "not an Excel workbook (.xlsx): the zip container is damaged"
    if len(entries) > MAX_ZIP_ENTRIES:
        return f"the workbook holds {len(entries):,} parts; at most {MAX_ZIP_ENTRIES} are accepted"
    # zipfile never yields more than an entry's declared size (and then fails its CRC), so the
    # declared sizes bound what openpyxl can unpack
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > max_unpacked_bytes:
        return (
            f"the workbook would unpack to {unpacked:,} bytes, more than the "
            f"{max_unpacked_bytes:,} allowed: refused as a possible zip bomb"
        )
    if "xl/workbook.xml" not in names:
        return "not an Excel workbook (.xlsx): the zip holds no xl/workbook.xml"
    return None
