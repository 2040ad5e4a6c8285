"""Instruments as Excel workbooks: `read_workbook` here, `write_workbook` (`workbook_writer`),
lossless both ways; the sheets and columns are in `workbook_layout`.

The workbook is a set of tables, one per sheet, each with a header row (row 1) naming
its columns; column order is free, columns whose header starts with ``#`` are notes and
are ignored, blank rows are skipped. The layout is described in
docs/INSTRUMENT_FORMAT.md ("Workbook"):

    Instrument   code, version, title_id, title_en, description_id, description_en,
                 evidence_from_level (one data row)
    LevelNames   level, name_id, name_en
    Bands        min, level, name_id, name_en
    EvaluationDimensions  code, name_id, name_en, weight, description_id, description_en
                 (the second axis; only when the instrument has it)
    Dimensions   code, name_id, name_en, weight, description_id, description_en
    SubElements  dimension, code, name_id, name_en, weight, description_id, description_en
    Indicators   dimension, sub_element, evaluation_dimension, code, answer_type, weight, ...
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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .instrument import Instrument
from .loader import load_instrument_tree
from .messages import N_, Message, message
from .problems import InstrumentError, Problem
from .reader import kind_word
from .workbook_file import DEFAULT_MAX_BYTES, DEFAULT_MAX_UNPACKED_BYTES, refusal
from .workbook_layout import (
    ALL_SHEETS,
    EVALUATION_DIMENSIONS,
    EVIDENCE_KIND,
    KINDS,
    LABEL,
    LEVEL_KIND,
    OPTION_ROW_KINDS,
    SHEETS,
    TEXT,
    THRESHOLD_KIND,
    Sheet,
    cell_scalar,
)
from .workbook_writer import write_workbook
from .yaml_nodes import MAP, NULL, SEQ, STR, did_you_mean

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_UNPACKED_BYTES",
    "SHEETS",
    "read_workbook",
    "write_workbook",
]


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

    def report(self, where: str, problem: Message) -> None:
        self.problems.append(Problem.of(self.source, None, where, problem))

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
            return ScalarNode(NULL, "", mark, mark) if required else None
        kind = column.kind if column else LABEL
        tag, text = cell_scalar(value, kind)
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
            (ScalarNode(STR, language, mark, mark), node)
            for language, node in nodes.items()
            if node is not None
        ]
        return MappingNode(MAP, pairs, mark, mark)

    def mapping(self, row: _Row, entries: Iterable[tuple[str, Node | None]]) -> MappingNode:
        mark = self.mark(row.where("code"), row.number)
        pairs = [
            (ScalarNode(STR, key, mark, mark), node) for key, node in entries if node is not None
        ]
        return MappingNode(MAP, pairs, mark, mark)

    # -- sheets -----------------------------------------------------------------------------

    def rows(self, book: Any, sheet: Sheet) -> list[_Row] | None:
        """The data rows of a sheet; None when a required sheet or column is missing."""
        if sheet.name not in book.sheetnames:
            if sheet.required:
                known = {s.name for s in SHEETS}
                others = [name for name in book.sheetnames if name not in known]
                close = difflib.get_close_matches(sheet.name, others, n=1)
                hint = message(N_(" (is '%(name)s' meant?)"), name=close[0]) if close else ""
                self.report(
                    sheet.name,
                    message(
                        N_("the sheet '%(sheet)s' is missing%(hint)s"), sheet=sheet.name, hint=hint
                    ),
                )
            return None
        worksheet = book[sheet.name]
        if not hasattr(worksheet, "iter_rows"):
            self.report(
                sheet.name,
                message(N_("the sheet '%(sheet)s' is a chart, not a table"), sheet=sheet.name),
            )
            return None
        try:
            # openpyxl parses a read-only sheet while iterating: damage surfaces here
            rows = iter(list(worksheet.iter_rows(values_only=True)))
        except Exception as error:  # any parser failure on untrusted XML
            self.report(
                sheet.name,
                message(
                    N_("the sheet '%(sheet)s' cannot be read (%(error)s)"),
                    sheet=sheet.name,
                    error=type(error).__name__,
                ),
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
                self.report(cell, message(N_("the column '%(column)s' appears twice"), column=name))
                continue
            seen.add(name)
            if sheet.column(name) is None:
                known = [column.header for column in sheet.columns]
                self.report(
                    cell,
                    message(
                        N_("unknown column '%(column)s'%(hint)s; notes columns start with '#'"),
                        column=name,
                        hint=did_you_mean(name, known),
                    ),
                )
                continue
            columns[index] = name
        missing = [c.header for c in sheet.columns if c.required and c.header not in seen]
        for name in missing:
            self.report(
                f"{sheet.name}!1",
                message(N_("the column '%(column)s' is missing from the header row"), column=name),
            )
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
        sheets = {sheet.name: self.rows(book, sheet) for sheet in ALL_SHEETS}
        instrument_rows = sheets["Instrument"]
        if any(sheets[s.name] is None for s in SHEETS if s.required) or instrument_rows is None:
            return None
        top_mark = self.mark("Instrument!A1", 1)
        if len(instrument_rows) != 1:
            self.report(
                "Instrument!2",
                message(
                    N_("the Instrument sheet needs exactly one row under its header, found %(n)s"),
                    n=len(instrument_rows),
                ),
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
            entries.append(("level_names", MappingNode(MAP, pairs, mark, mark)))
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
            entries.append(("maturity_bands", SequenceNode(SEQ, bands, mark, mark)))
        stage_rows = sheets[EVALUATION_DIMENSIONS.name]
        if stage_rows:  # a sheet with only its header declares no second axis
            mark = self.mark(f"{EVALUATION_DIMENSIONS.name}!A1", 1)
            stages = [
                self.mapping(
                    row,
                    (
                        ("code", self.scalar(row, "code", required=True)),
                        ("name", self.text(row, "name", required=True)),
                        ("description", self.text(row, "description")),
                        ("weight", self.scalar(row, "weight", required=True)),
                    ),
                )
                for row in stage_rows
            ]
            entries.append(("evaluation_dimensions", SequenceNode(SEQ, stages, mark, mark)))
        entries.append(("dimensions", self.dimensions(sheets)))
        return self.mapping_at(top_mark, entries)

    def mapping_at(
        self, mark: _CellMark, entries: Iterable[tuple[str, Node | None]]
    ) -> MappingNode:
        pairs = [(ScalarNode(STR, k, mark, mark), n) for k, n in entries if n is not None]
        return MappingNode(MAP, pairs, mark, mark)

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
                    message(
                        N_(
                            "dimension '%(dimension)s' has sub-elements: "
                            "name this indicator's sub-element"
                        ),
                        dimension=dimension,
                    ),
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
                        message(N_(" of dimension '%(dimension)s'"), dimension=dimension),
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
                                        SEQ,
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
                        SequenceNode(SEQ, subs, row_mark, row_mark),
                    )
                )
            else:
                entries.append(
                    (
                        "indicators",
                        SequenceNode(
                            SEQ,
                            by_group.get((code, None), []),
                            row_mark,
                            row_mark,
                        ),
                    )
                )
            dimensions.append(self.mapping(row, entries))
        return SequenceNode(SEQ, dimensions, mark, mark)

    def indicator(self, row: _Row, extra_rows: list[_Row]) -> Node:
        entries: list[tuple[str, Node | None]] = [
            ("code", self.scalar(row, "code", required=True)),
            ("answer_type", self.scalar(row, "answer_type")),
            ("question", self.text(row, "question", required=True)),
            ("explanation", self.text(row, "explanation", required=True)),
            ("weight", self.scalar(row, "weight", required=True)),
            ("evaluation_dimension", self.scalar(row, "evaluation_dimension")),
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
                self.report(
                    extra.where("kind"),
                    message(
                        N_("unknown kind %(got)s%(hint)s: use %(choices)s"),
                        got=_describe_value(kind_text),
                        hint=did_you_mean(kind_text, KINDS),
                        choices=", ".join(KINDS),
                    ),
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
                entries.append((key, MappingNode(MAP, pairs, mark, mark)))
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
                entries.append((key, SequenceNode(SEQ, options, mark, mark)))
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
            entries.append(("thresholds", SequenceNode(SEQ, thresholds, mark, mark)))
        return self.mapping(row, entries)


def _code_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _unknown(
    kind: str, code: str, sheet: str, known: Iterable[str], owner: Message | str = ""
) -> Message:
    """A row names a dimension, sub-element or indicator that `sheet` does not have."""
    word = kind_word(kind)
    if not code:
        return message(N_("the %(kind)s is empty"), kind=word)
    return message(
        N_("no %(kind)s '%(code)s'%(owner)s in the %(sheet)s sheet%(hint)s"),
        kind=word,
        code=code,
        owner=owner,
        sheet=sheet,
        hint=did_you_mean(code, sorted(known)),
    )


def _list_node(node: Node | None) -> Node | None:
    if not isinstance(node, ScalarNode) or node.tag == NULL:
        return node
    items = [part.strip() for part in node.value.split(",")]
    children = [ScalarNode(STR, item, node.start_mark, node.end_mark) for item in items]
    return SequenceNode(SEQ, children, node.start_mark, node.end_mark)


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
    refused = refusal(data, max_bytes, max_unpacked_bytes)
    if refused:
        raise InstrumentError([Problem.of(source, None, "", refused)])
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        unreadable = message(
            N_("the workbook cannot be read (%(error)s)"), error=type(error).__name__
        )
        raise InstrumentError([Problem.of(source, None, "", unreadable)]) from None
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


_SHEET_ORDER = {sheet.name: index for index, sheet in enumerate(ALL_SHEETS)}
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
