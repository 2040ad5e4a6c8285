"""Rows as files: CSV (the machine-readable contract, or as Excel opens it in an Indonesian
locale) and XLSX (one sheet for people), never running a cell as a formula.

`services/exports.py` makes the rows; this module only writes them (docs/EXPORTS.md)."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

Cell = str | int | Decimal | None

# "" is RFC 4180; "excel-id" is what Excel expects with Indonesian regional settings
DIALECTS = ("", "excel-id")
# a spreadsheet runs a cell that starts with one of these as a formula (CSV/formula injection);
# full-width forms (＝＋－＠) count too, and so does white space or a line break before them
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe: shown, not run.

    Spreadsheets skip leading spaces and line breaks and read full-width signs as their ASCII
    forms, so the first visible character counts, as NFKC normalises it.
    """
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    visible = value.lstrip()
    if visible and unicodedata.normalize("NFKC", visible[0]).startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_cell(value: Cell, decimal_comma: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralised(value.replace("\x00", ""))
    if decimal_comma and isinstance(value, Decimal):
        return str(value).replace(".", ",")
    return str(value)


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Cell]], dialect: str = "") -> bytes:
    """RFC 4180 CSV: comma, double quotes, CRLF; UTF-8 with a BOM so Excel reads the accents.

    `dialect="excel-id"`: semicolons and a decimal comma in numbers ("2,65"), which is what
    Excel expects with Indonesian regional settings; the same columns and values otherwise.
    """
    return "".join(csv_lines(columns, rows, dialect)).encode("utf-8-sig")


def csv_lines(
    columns: Sequence[str], rows: Iterable[Sequence[Cell]], dialect: str = ""
) -> Iterator[str]:
    """The same CSV one line at a time (header first, without the BOM): a streamed download
    holds one row in memory, not the file."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown CSV dialect {dialect!r}")
    excel_id = dialect == "excel-id"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if excel_id else ",", lineterminator="\r\n")

    def line(values: Sequence[object]) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(values)
        return out.getvalue()

    yield line(columns)
    for row in rows:
        yield line([_csv_cell(value, excel_id) for value in row])


# the widest a fitted column gets (characters); longer texts stay in the cell
MAX_WIDTH = 60
NUMBER_FORMAT = "0.00"


def to_xlsx(columns: Sequence[str], rows: Iterable[Sequence[Cell]], title: str) -> bytes:
    """One sheet, the headers in row 1 (frozen); numbers are numbers (two decimals), text is
    never a formula, every column as wide as its longest value (up to MAX_WIDTH)."""
    rows = [list(row) for row in rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for position, width in enumerate(_widths(columns, rows), start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _widths(columns: Sequence[str], rows: list[list[Cell]]) -> list[float]:
    widths = [len(str(column)) for column in columns]
    for row in rows:
        for position, value in enumerate(row):
            if value is None:
                continue
            text = f"{value:.2f}" if isinstance(value, Decimal) else str(value)
            longest = max((len(line) for line in text.splitlines()), default=0)
            widths[position] = max(widths[position], longest)
    return [min(width, MAX_WIDTH) + 2 for width in widths]


def _xlsx_cell(sheet, value: Cell) -> object:
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=float(value))
        cell.number_format = NUMBER_FORMAT
        return cell
    if isinstance(value, str):
        # control characters are not allowed in the XML of a sheet
        return neutralised(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value
