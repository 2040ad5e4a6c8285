"""Agencies (perangkat daerah): their heads, tags, what they answer, and the CSV/XLSX import."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, or_, select

from ..domain import instrument as instrument_rules
from ..domain.instrument import Dimension, Indicator, Instrument
from ..extensions import db
from ..models import (
    Agency,
    AgencyDimension,
    AgencyIndicatorScope,
    Period,
    PeriodStatus,
    Region,
    User,
)
from . import audit
from .i18n import gettext_or_english as _
from .instruments import instrument_of
from .periods import open_assessments_for_all

AGENCY_PAGE_SIZE = 25


CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,39}")
NIP_PATTERN = re.compile(r"[0-9]{18}")
IMPORT_COLUMNS = ("code", "name", "head_name", "head_nip", "head_position", "tags")
REQUIRED_COLUMNS = ("code", "name", "head_name", "head_nip", "head_position")
MAX_LENGTHS = {"name": 200, "head_name": 200, "head_position": 200, "tags": 1000}


class AgencyError(Exception):
    """An agency change that cannot be made as asked; the message is for the person asking."""


@dataclass(frozen=True)
class AgencyInput:
    """An agency's details as typed in the form or read from one row of an import file."""

    code: str
    name: str
    head_name: str
    head_nip: str
    head_position: str
    tags: str = ""

    def cleaned(self) -> AgencyInput:
        return AgencyInput(
            code=self.code.strip().upper(),
            name=" ".join(self.name.split()),
            head_name=" ".join(self.head_name.split()),
            head_nip=self.head_nip.strip(),
            head_position=" ".join(self.head_position.split()),
            tags=normalise_tags(self.tags),
        )


def normalise_tags(text: str) -> str:
    """ "Kesehatan, Layanan Publik,kesehatan" -> "kesehatan,layanan-publik": lower-case slugs."""
    tags: list[str] = []
    for raw in text.split(","):
        slug = re.sub(r"[^a-z0-9]+", "-", raw.strip().lower()).strip("-")
        if slug and slug not in tags:
            tags.append(slug)
    return ",".join(tags)


def field_problems(values: AgencyInput) -> dict[str, str]:
    """Column -> what is wrong with it (empty: the details are fine). Takes cleaned input."""
    problems: dict[str, str] = {}
    for column in REQUIRED_COLUMNS:
        if not getattr(values, column):
            problems[column] = _("This field is required.")
    if values.code and not CODE_PATTERN.fullmatch(values.code):
        problems["code"] = _(
            "A code uses capital letters, digits, '-' or '_' (at most 40 characters), "
            "e.g. DISKOMINFO."
        )
    if values.head_nip and not NIP_PATTERN.fullmatch(values.head_nip):
        problems["head_nip"] = _("The NIP must be exactly 18 digits.")
    for column, limit in MAX_LENGTHS.items():
        if len(getattr(values, column)) > limit and column not in problems:
            problems[column] = _("At most %(n)d characters.", n=limit)
    return problems


def agency_record(agency: Agency) -> dict[str, object]:
    """What the audit trail keeps of an agency."""
    return {
        "code": agency.code,
        "name": agency.name,
        "head_name": agency.head_name,
        "head_nip": agency.head_nip,
        "head_position": agency.head_position,
        "tags": agency.tags,
        "active": agency.active,
        "dimensions": ",".join(agency.dimension_codes),
        "indicator_overrides": ",".join(
            f"{row.indicator_code}:{'+' if row.included else '-'}"
            for row in sorted(agency.indicator_scope, key=lambda r: r.indicator_code)
        ),
    }


def _region() -> Region:
    region = db.session.scalar(select(Region).order_by(Region.id).limit(1))
    if region is None:
        raise AgencyError(_("No region exists yet: run `flask --app app seed-demo` first."))
    return region


def _apply(agency: Agency, values: AgencyInput) -> None:
    agency.name = values.name
    agency.head_name = values.head_name
    agency.head_nip = values.head_nip
    agency.head_position = values.head_position
    agency.tags = values.tags


def _check(values: AgencyInput) -> None:
    problems = field_problems(values)
    if problems:
        column, message = next(iter(problems.items()))
        raise AgencyError(f"{column}: {message}")


def create_agency(values: AgencyInput, *, by: User | None) -> Agency:
    """A new, active agency; an open period gets its draft assessment at once."""
    values = values.cleaned()
    _check(values)
    if db.session.scalar(select(Agency.id).filter_by(code=values.code)) is not None:
        raise AgencyError(_("An agency with the code %(code)s already exists.", code=values.code))
    agency = Agency(region=_region(), code=values.code)
    _apply(agency, values)
    db.session.add(agency)
    db.session.flush()
    audit.record(
        "agency.created",
        "agency",
        agency.code,
        user=by,
        agency_id=agency.id,
        new=agency_record(agency),
    )
    for period in db.session.scalars(select(Period).filter_by(status=PeriodStatus.OPEN)):
        open_assessments_for_all(period)
    return agency


def update_agency(
    agency: Agency,
    values: AgencyInput,
    *,
    by: User | None,
    dimensions: list[str] | None = None,
    overrides: dict[str, bool] | None = None,
) -> bool:
    """Change an agency's details (never its code) and, when given, what it answers.

    `dimensions`: the codes of the dimensions it answers, in questionnaire order.
    `overrides`: indicator code -> included, for the indicators whose default is overridden;
    every other indicator follows the instrument's rules. Returns False when nothing changed.
    """
    values = AgencyInput(
        agency.code,
        values.name,
        values.head_name,
        values.head_nip,
        values.head_position,
        values.tags,
    ).cleaned()
    _check(values)
    before = agency_record(agency)
    _apply(agency, values)
    if dimensions is not None:
        _set_dimensions(agency, dimensions)
    if overrides is not None:
        _set_overrides(agency, overrides)
    db.session.flush()
    after = agency_record(agency)
    if before == after:
        return False
    audit.record(
        "agency.changed", "agency", agency.code, user=by, agency_id=agency.id, old=before, new=after
    )
    return True


def _set_dimensions(agency: Agency, codes: list[str]) -> None:
    if agency.dimension_codes == codes:
        return
    wanted = set(codes)
    for link in list(agency.dimension_links):
        if link.dimension_code not in wanted:
            agency.dimension_links.remove(link)
    db.session.flush()  # the unique (agency, dimension) rows go before any is added again
    kept = {link.dimension_code: link for link in agency.dimension_links}
    for position, code in enumerate(codes):
        link = kept.get(code)
        if link is None:
            agency.dimension_links.append(AgencyDimension(dimension_code=code, position=position))
        else:
            link.position = position


def _set_overrides(agency: Agency, overrides: dict[str, bool]) -> None:
    existing = {row.indicator_code: row for row in agency.indicator_scope}
    for code, row in existing.items():
        if code not in overrides:
            agency.indicator_scope.remove(row)
        else:
            row.included = overrides[code]
    db.session.flush()
    for code, included in sorted(overrides.items()):
        if code not in existing:
            agency.indicator_scope.append(
                AgencyIndicatorScope(indicator_code=code, included=included)
            )


def set_agency_active(agency: Agency, active: bool, *, by: User | None) -> bool:
    """Deactivate (no new assessments; its history and users' history stay) or reactivate."""
    if agency.active == active:
        return False
    before = agency_record(agency)
    agency.active = active
    db.session.flush()
    audit.record(
        "agency.reactivated" if active else "agency.deactivated",
        "agency",
        agency.code,
        user=by,
        agency_id=agency.id,
        old=before,
        new=agency_record(agency),
    )
    if active:
        for period in db.session.scalars(select(Period).filter_by(status=PeriodStatus.OPEN)):
            open_assessments_for_all(period)
    return True


# --- what an agency answers ------------------------------------------------------------------


def current_instrument() -> Instrument | None:
    """The questionnaire of the latest open period (None when no period is open)."""
    period = db.session.scalar(
        select(Period).filter_by(status=PeriodStatus.OPEN).order_by(Period.year.desc()).limit(1)
    )
    return instrument_of(period.instrument_version) if period is not None else None


def default_applies(indicator: Indicator, agency: Agency) -> bool:
    """The instrument's applicability rule for this agency (every indicator, without rules)."""
    rule = getattr(instrument_rules, "indicator_applies", None)
    if rule is None:
        return True
    return bool(rule(indicator, agency.code, frozenset(agency.tag_list)))


@dataclass(frozen=True)
class IndicatorScope:
    indicator: Indicator
    default: bool
    override: bool | None

    @property
    def applies(self) -> bool:
        return self.default if self.override is None else self.override


@dataclass(frozen=True)
class DimensionScope:
    dimension: Dimension
    answered: bool
    indicators: list[IndicatorScope] = field(default_factory=list)


def scope_of(agency: Agency, instrument: Instrument) -> list[DimensionScope]:
    """Every dimension of the instrument: whether the agency answers it, and each indicator's
    default (the instrument's rules), override and outcome."""
    chosen = set(agency.dimension_codes)
    overrides = {row.indicator_code: row.included for row in agency.indicator_scope}
    return [
        DimensionScope(
            dimension=dimension,
            answered=dimension.code in chosen,
            indicators=[
                IndicatorScope(
                    indicator=indicator,
                    default=default_applies(indicator, agency),
                    override=overrides.get(indicator.code),
                )
                for indicator in dimension.indicators
            ],
        )
        for dimension in instrument.dimensions
    ]


def users_of(agency: Agency) -> list[User]:
    """The agency's accounts by user name."""
    return list(
        db.session.scalars(select(User).filter_by(agency_id=agency.id).order_by(User.username))
    )


def find_agency(code: str) -> Agency | None:
    """The agency with this code (as stored: upper case), or None."""
    return db.session.scalar(select(Agency).filter_by(code=code))


def all_agencies() -> list[Agency]:
    """Every agency, active or not, by name."""
    return list(db.session.scalars(select(Agency).order_by(Agency.name)))


def agency_names() -> list[tuple[str, str, bool]]:
    """Every agency's code, name and whether it is active, by code (for choosing one)."""
    rows = db.session.execute(select(Agency.code, Agency.name, Agency.active).order_by(Agency.code))
    return [(code, name, active) for code, name, active in rows]


def applicable_indicator_codes(agency: Agency, instrument: Instrument) -> list[str]:
    """The indicators the agency answers: those of its dimensions (all dimensions when none are
    chosen) that apply by the instrument's rules or an administrator's override."""
    scope = scope_of(agency, instrument)
    answered = [d for d in scope if d.answered] or scope
    return [i.indicator.code for d in answered for i in d.indicators if i.applies]


# --- the list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyRow:
    agency: Agency
    users: int


@dataclass(frozen=True)
class AgencyPage:
    rows: list[AgencyRow]
    total: int
    page: int
    pages: int


def search_agencies(query: str = "", page: int = 1) -> AgencyPage:
    """Agencies whose code or name contains `query`, with their number of active users."""
    criteria = []
    text = query.strip().lower()
    if text:
        # the user's % and _ are letters, not wildcards
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        criteria.append(
            or_(
                func.lower(Agency.code).like(pattern, escape="\\"),
                func.lower(Agency.name).like(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count(Agency.id)).where(*criteria)) or 0
    pages = max(1, -(-total // AGENCY_PAGE_SIZE))
    page = min(max(page, 1), pages)
    users = (
        select(User.agency_id, func.count(User.id).label("users"))
        .where(User.active.is_(True))
        .group_by(User.agency_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Agency, func.coalesce(users.c.users, 0))
        .outerjoin(users, users.c.agency_id == Agency.id)
        .where(*criteria)
        .order_by(Agency.code)
        .limit(AGENCY_PAGE_SIZE)
        .offset((page - 1) * AGENCY_PAGE_SIZE)
    )
    return AgencyPage(
        rows=[AgencyRow(agency, count) for agency, count in rows],
        total=total,
        page=page,
        pages=pages,
    )


# --- import from CSV or XLSX -----------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return _(
            "row %(row)d, %(column)s: %(message)s",
            row=self.row,
            column=self.column,
            message=self.message,
        )


@dataclass(frozen=True)
class ImportRow:
    row: int
    values: AgencyInput


@dataclass
class ImportResult:
    problems: list[RowProblem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _cell(value: object) -> tuple[str, bool]:
    """A cell's text, and whether it was a number (an 18-digit NIP loses digits as one)."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int | float):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value), True
    return str(value), False


def _header_problem(header: list[str]) -> RowProblem | None:
    names = [name.strip().lower() for name in header]
    while names and not names[-1]:
        names.pop()
    if tuple(names) != IMPORT_COLUMNS:
        return RowProblem(
            1, "header", _("The header must be: %(columns)s", columns=",".join(IMPORT_COLUMNS))
        )
    return None


def read_import_file(path: Path) -> tuple[list[ImportRow], list[RowProblem]]:
    """The rows of a CSV (UTF-8, comma or semicolon) or XLSX file, and problems reading it."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".csv":
        return _read_csv(path)
    return [], [RowProblem(0, "file", _("Only .csv and .xlsx files can be imported."))]


def _read_csv(path: Path) -> tuple[list[ImportRow], list[RowProblem]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowProblem(0, "file", _("The CSV file must be UTF-8 text."))]
    except OSError as error:
        return [], [RowProblem(0, "file", str(error))]
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not records:
        return [], [RowProblem(1, "header", _("The file is empty."))]
    problem = _header_problem(records[0])
    if problem:
        return [], [problem]
    rows = []
    problems = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        extra = _extra_cells(number, record, len(records[0]))
        if extra is not None:
            problems.append(extra)
        cells = (record + [""] * len(IMPORT_COLUMNS))[: len(IMPORT_COLUMNS)]
        rows.append(ImportRow(number, AgencyInput(*cells)))
    return rows, problems


def _extra_cells(number: int, cells: list[str], header_width: int) -> RowProblem | None:
    """A row longer than the header: usually a name with a comma that is not in quotes."""
    filled = [i + 1 for i, cell in enumerate(cells) if cell.strip()]
    # more cells than the header row (a CSV delimiter too many), or text beyond its columns
    if len(cells) <= header_width and (not filled or filled[-1] <= len(IMPORT_COLUMNS)):
        return None
    used = max(len(cells) if len(cells) > header_width else 0, filled[-1] if filled else 0)
    return RowProblem(
        number,
        "columns",
        _(
            "%(n)d values where the header has %(columns)d: put a text with a comma in "
            "double quotes.",
            n=used,
            columns=len(IMPORT_COLUMNS),
        ),
    )


def _read_xlsx(path: Path) -> tuple[list[ImportRow], list[RowProblem]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        return [], [RowProblem(0, "file", _("Not a readable XLSX file: %(e)s", e=error))]
    try:
        sheet = workbook.worksheets[0]
        records = list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    if not records:
        return [], [RowProblem(1, "header", _("The file is empty."))]
    problem = _header_problem([_cell(value)[0] for value in records[0]])
    if problem:
        return [], [problem]
    rows = []
    problems = []
    for number, record in enumerate(records[1:], start=2):
        every = [_cell(value) for value in record]
        if not any(text.strip() for text, _number in every):
            continue
        extra = _extra_cells(number, [text for text, _number in every], len(records[0]))
        if extra is not None:
            problems.append(extra)
        cells = every[: len(IMPORT_COLUMNS)]
        cells += [("", False)] * (len(IMPORT_COLUMNS) - len(cells))
        nip, nip_is_number = cells[3]
        if nip_is_number:
            problems.append(
                RowProblem(
                    number,
                    "head_nip",
                    _(
                        "The NIP is stored as a number, which keeps only 15 digits: "
                        "format the column as text and type it again."
                    ),
                )
            )
        rows.append(ImportRow(number, AgencyInput(*(text for text, _number in cells))))
    return rows, problems


def validate_rows(rows: Iterable[ImportRow]) -> list[RowProblem]:
    """Every problem of every row: field rules and codes that appear twice in the file."""
    problems = []
    first_row: dict[str, int] = {}
    for row in rows:
        values = row.values.cleaned()
        for column, message in field_problems(values).items():
            problems.append(RowProblem(row.row, column, message))
        if values.code:
            if values.code in first_row:
                problems.append(
                    RowProblem(
                        row.row,
                        "code",
                        _(
                            "The code %(code)s appears twice: first in row %(first)d.",
                            code=values.code,
                            first=first_row[values.code],
                        ),
                    )
                )
            else:
                first_row[values.code] = row.row
    return problems


def import_agencies(path: Path, *, dry_run: bool, by: User | None = None) -> ImportResult:
    """Check every row, then create new codes and update existing ones, all or nothing.

    The caller commits; with problems (or `dry_run`) everything is rolled back here.
    """
    result = ImportResult()
    rows, result.problems = read_import_file(path)
    result.problems += validate_rows(rows)
    result.problems.sort(
        key=lambda p: (p.row, IMPORT_COLUMNS.index(p.column) if p.column in IMPORT_COLUMNS else -1)
    )
    if result.problems:
        return result
    existing = {a.code: a for a in db.session.scalars(select(Agency))}
    try:
        for row in rows:
            values = row.values.cleaned()
            agency = existing.get(values.code)
            if agency is None:
                create_agency(values, by=by)
                result.created.append(values.code)
            elif update_agency(agency, values, by=by):
                result.updated.append(values.code)
            else:
                result.unchanged.append(values.code)
    except AgencyError:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
    return result
