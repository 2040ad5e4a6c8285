"""An `Instrument` written as an Excel workbook (`write_workbook`) that `workbook.read_workbook`
reads back unchanged: one table a sheet (`workbook_layout`), drop-down lists where a column
takes a few words."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .instrument import Indicator, Instrument, Text
from .problems import show_number
from .workbook_layout import (
    CHOICES,
    EVALUATION_DIMENSIONS,
    EVIDENCE_KIND,
    INDICATORS,
    LEVEL_KIND,
    OPTION_ROW_KINDS,
    TEXT,
    THRESHOLD_KIND,
    VALIDATED_ROWS,
    Sheet,
    sheets_for,
)

__all__ = ["write_workbook"]


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
    """Each sheet's rows, one value for every column of the sheet (`Sheet.columns`)."""
    rows: dict[str, list[tuple[object, ...]]] = {sheet.name: [] for sheet in sheets_for(True)}
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
    for stage in instrument.evaluation_dimensions:
        rows[EVALUATION_DIMENSIONS.name].append(
            (
                stage.code,
                *_text_cells(stage.name),
                _cell_number(stage.weight),
                *_text_cells(stage.description),
            )
        )
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
        indicator.evaluation_dimension,
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


def _drop_down(instrument: Instrument, sheet: Sheet, header: str) -> str | None:
    """The list a column's drop-down offers (an Excel formula), or None."""
    choices = CHOICES.get((sheet.name, header))
    if choices:
        return f'"{",".join(choices)}"'
    if sheet is INDICATORS and header == "evaluation_dimension":
        # the codes of the EvaluationDimensions sheet, as they stand in the file
        last = len(instrument.evaluation_dimensions) + 1
        return f"{EVALUATION_DIMENSIONS.name}!$A$2:$A${last}"
    return None


def write_workbook(instrument: Instrument) -> bytes:
    """The instrument as an .xlsx workbook that `read_workbook` reads back unchanged.

    The second axis's sheet and columns are written only for an instrument that declares it.
    """
    book = Workbook()
    book.remove(book.active)
    rows = _instrument_rows(instrument)
    bold = Font(bold=True)
    second_axis = instrument.has_evaluation_dimensions
    for sheet in sheets_for(second_axis):
        columns = sheet.written_columns(second_axis)
        kept = [index for index, column in enumerate(sheet.columns) if column in columns]
        worksheet = book.create_sheet(sheet.name)
        worksheet.append([column.header for column in columns])
        for cell in worksheet[1]:
            cell.font = bold
        worksheet.freeze_panes = "A2"
        for values in rows[sheet.name]:
            worksheet.append([values[index] for index in kept])
            for cell in worksheet[worksheet.max_row]:
                # text starting with "=" is text, not a formula
                if isinstance(cell.value, str) and cell.data_type == "f":
                    cell.data_type = "s"
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            width = 40 if column.kind == TEXT else max(12, len(column.header) + 2)
            worksheet.column_dimensions[letter].width = width
            formula = _drop_down(instrument, sheet, column.header)
            if formula:
                # a drop-down in Excel; the reader checks the values itself
                rule = DataValidation(type="list", formula1=formula, allow_blank=True)
                rule.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
                worksheet.add_data_validation(rule)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
