"""A period's answers and results as plain rows, and those rows as CSV or XLSX files.

The CSV is the machine-readable contract: its column names are a published interface
(docs/EXPORTS.md): add columns at the end, never rename or reorder them. `dialect=excel-id`
writes the same table the way Excel opens it in an Indonesian locale (semicolons, decimal
comma). The XLSX is for people: headers, states and names in the reader's language, dimension
names next to their codes, numbers as numbers with two decimals, fitted columns, a frozen
header row. Everything is loaded set-based: the number of queries does not grow with the
number of agencies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..domain import answer_types
from ..domain.instrument import AnswerValue, Indicator, Instrument
from ..domain.results import ResultLine, ScoreLines
from ..domain.scoring import display_index
from ..domain.workflow import Status
from ..extensions import db
from ..formatting import standing
from ..models import Agency, Answer, Assessment, Evidence, Period, Review, Role, User
from ..policy import api_readable_agencies, reviews_in_progress_readable
from . import results
from .assessments import answer_value, dimension_codes, questionnaire
from .instruments import instrument_of
from .review import ScorePair, period_scores, status_text, verified_value
from .spreadsheets import DIALECTS, Cell, to_csv, to_xlsx

ANSWER_COLUMNS: tuple[str, ...] = (
    "period",
    "agency_code",
    "agency_name",
    "status",
    "dimension_code",
    "indicator_code",
    "self_level",
    "self_not_applicable",
    "verified_level",
    "verified_not_applicable",
    "justification",
    "evaluator_note",
    "evidence_count",
    # since the answer types: appended, the columns above keep their names and meaning
    "answer_type",
    "self_value",
    "verified_value",
)

RESULT_COLUMNS: tuple[str, ...] = (
    "period",
    "agency_code",
    "agency_name",
    "status",
    "scope",
    "dimension_code",
    "self_index",
    "verified_index",
    "final_index",
    "maturity_level",
    "maturity_name",
)

WHATS = ("answers", "results")
FORMATS = ("csv", "xlsx")
# CSV dialects: "" the contract (comma, decimal point), "excel-id" for Excel in Indonesian
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- who reads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """Which assessments someone may read, and whose review they read while it is in progress.

    `agency_ids` / `review_agency_ids` None: every agency. Verified levels, verified indices and
    notes of other agencies show once the assessment is verified (rules: policy.py).
    """

    agency_ids: frozenset[int] | None
    review_agency_ids: frozenset[int] | None
    agency_member: bool = False

    def shows_review(self, assessment: Assessment) -> bool:
        if self.review_agency_ids is None or assessment.agency_id in self.review_agency_ids:
            return True
        return assessment.status in (Status.VERIFIED, Status.FINAL)

    def shows_notes(self, assessment: Assessment) -> bool:
        # the agency reads the evaluator's notes when its assessment comes back to it
        return self.shows_review(assessment) or (
            self.agency_member and assessment.status == Status.RETURNED
        )


# the operator on the command line: everything
EVERYTHING = Reader(None, None)


def reader_for_pages(user: User, period: Period) -> Reader:
    """As on the period overview: evaluators read the agencies assigned to them."""
    reviews = reviews_in_progress_readable(user, period.id)
    if user.role == Role.EVALUATOR:
        return Reader(reviews, reviews)
    return Reader(None, reviews)


def reader_for_api(user: User, period: Period) -> Reader:
    """An agency's token reads itself; admins', evaluators' and viewers' tokens the region."""
    return Reader(
        api_readable_agencies(user),
        reviews_in_progress_readable(user, period.id),
        agency_member=user.role == Role.AGENCY,
    )


# --- loading ---------------------------------------------------------------------------------


@dataclass
class PeriodData:
    """Everything of a period one reader may see, loaded with a fixed number of queries."""

    period: Period
    instrument: Instrument
    reader: Reader
    assessments: list[Assessment]
    answers: dict[int, dict[str, Answer]] = field(default_factory=dict)
    reviews: dict[int, dict[str, Review]] = field(default_factory=dict)
    evidence: dict[int, dict[str, int]] = field(default_factory=dict)
    # scores of the assessments not final yet, as the engine computes them now
    scores: dict[int, ScorePair] = field(default_factory=dict)
    # results of the final ones, as stored when they became final (services.results)
    finals: dict[int, ScoreLines] = field(default_factory=dict)

    def lines(self, assessment: Assessment) -> ScoreLines | None:
        """The assessment's result lines (None before it leaves the agency)."""
        if assessment.status == Status.FINAL:
            return self.finals.get(assessment.id)
        pair = self.scores.get(assessment.id)
        return None if pair is None else ScoreLines.scored(pair.self_assessed, pair.verified)


def find_period(year: int) -> Period | None:
    if not 1 <= year <= 9999:
        return None  # no such period, and a huge number would overflow the database's integer
    return db.session.scalar(
        select(Period).filter_by(year=year).options(joinedload(Period.instrument_version))
    )


def load_period(
    period: Period, reader: Reader, *, agency_code: str | None = None, details: bool = True
) -> PeriodData:
    """The period's assessments (agencies by name) with scores; with `details` also the answers,
    reviews and evidence counts. `agency_code` narrows it to one agency."""
    wanted = _assessment_filter(period, reader, agency_code)
    assessments = list(
        db.session.scalars(
            select(Assessment)
            .join(Agency)
            .filter(*wanted)
            .order_by(Agency.name, Agency.code)
            .options(
                joinedload(Assessment.agency).selectinload(Agency.dimension_links),
                joinedload(Assessment.agency).selectinload(Agency.indicator_scope),
            )
        )
    )
    data = PeriodData(period, instrument_of(period.instrument_version), reader, assessments)
    # final results as stored; the others scored by the one rule of services.review
    data.finals = results.final_results(*wanted)
    data.scores = period_scores(period, [a for a in assessments if a.status != Status.FINAL])
    if not details or not assessments:
        return data
    for answer in db.session.scalars(select(Answer).join(Assessment).join(Agency).filter(*wanted)):
        data.answers.setdefault(answer.assessment_id, {})[answer.indicator_code] = answer
    for review in db.session.scalars(select(Review).join(Assessment).join(Agency).filter(*wanted)):
        data.reviews.setdefault(review.assessment_id, {})[review.indicator_code] = review
    counts = db.session.execute(
        select(Evidence.assessment_id, Evidence.indicator_code, func.count(Evidence.id))
        .join(Assessment, Evidence.assessment_id == Assessment.id)
        .join(Agency)
        .filter(Evidence.deleted_at.is_(None), *wanted)
        .group_by(Evidence.assessment_id, Evidence.indicator_code)
    )
    for assessment_id, code, count in counts:
        data.evidence.setdefault(assessment_id, {})[code] = count
    return data


def _assessment_filter(period: Period, reader: Reader, agency_code: str | None) -> list:
    # joined filters, not a list of assessment ids: one statement shape for any region size
    conditions = [Assessment.period_id == period.id]
    if reader.agency_ids is not None:
        conditions.append(Assessment.agency_id.in_(sorted(reader.agency_ids)))
    if agency_code is not None:
        conditions.append(Agency.code == agency_code)
    return conditions


def evidence_files(assessment: Assessment) -> dict[str, list[Evidence]]:
    """Attached (not deleted) files per indicator, oldest first: one query."""
    result: dict[str, list[Evidence]] = defaultdict(list)
    rows = db.session.scalars(
        select(Evidence)
        .filter(Evidence.assessment_id == assessment.id, Evidence.deleted_at.is_(None))
        .order_by(Evidence.uploaded_at, Evidence.id)
    )
    for row in rows:
        result[row.indicator_code].append(row)
    return dict(result)


# --- plain data ------------------------------------------------------------------------------


def rounded(index: Fraction | None) -> Decimal | None:
    """An index as people read it: two decimals, half-up, exactly as on the pages."""
    return None if index is None else Decimal(display_index(index))


@dataclass(frozen=True)
class ScoreView:
    """One score (overall or one dimension) as a reader may see it."""

    self_index: Decimal | None
    verified_index: Decimal | None
    final_index: Decimal | None
    maturity_level: int | None
    maturity_name: str  # the predicate (the band's name) in Indonesian
    # the exact index that counts, for naming it in another language (formatting.standing)
    counted: Fraction | None = None
    level_name: str = ""  # the maturity level's name in Indonesian ("Terkelola")
    label: str = ""  # the whole result named once: "2,14 · Cukup · Tingkat 2 (Terkelola)"


@dataclass(frozen=True)
class AgencyScores:
    """One agency's assessment with the scores its reader may see."""

    assessment: Assessment
    overall: ScoreView
    dimensions: tuple[tuple[str, ScoreView], ...]


def _view(
    instrument: Instrument, self_index: Fraction | None, verified_index: Fraction | None
) -> ScoreView:
    counted = verified_index if verified_index is not None else self_index
    shown = standing(counted, instrument, "id")
    return ScoreView(
        rounded(self_index),
        rounded(verified_index),
        rounded(counted),
        shown.level,
        shown.predicate,
        counted,
        shown.level_name,
        shown.text if shown.present else "",
    )


def _line_view(instrument: Instrument, line: ResultLine | None, verified_shown: bool) -> ScoreView:
    return _view(
        instrument,
        line.self_index if line else None,
        line.verified_index if line and verified_shown else None,
    )


def agency_scores(data: PeriodData) -> list[AgencyScores]:
    """Per agency: self, verified and final (verified if any) indices, overall and per dimension.

    Drafts have no index yet, as on the period overview; verified indices show only to
    readers who may see the review. Final results are the stored ones, per dimension as they
    were scored when they became final.
    """
    result = []
    for assessment in data.assessments:
        lines = data.lines(assessment)
        shown = data.reader.shows_review(assessment)
        if assessment.status == Status.FINAL and lines is not None:
            codes = list(lines.dimensions)
        else:
            codes = dimension_codes(assessment, data.instrument)
        dimensions = [
            (
                code,
                _line_view(data.instrument, lines.dimensions.get(code) if lines else None, shown),
            )
            for code in codes
        ]
        overall = _line_view(data.instrument, lines.overall if lines else None, shown)
        result.append(AgencyScores(assessment, overall, tuple(dimensions)))
    return result


def result_rows(data: PeriodData) -> list[list[Cell]]:
    """RESULT_COLUMNS: per agency one row per dimension, then its overall row."""
    rows: list[list[Cell]] = []
    for entry in agency_scores(data):
        agency = entry.assessment.agency
        head: list[Cell] = [data.period.year, agency.code, agency.name, entry.assessment.status]
        scored = [*(("dimension", code, view) for code, view in entry.dimensions)]
        scored.append(("overall", "", entry.overall))
        for scope, code, view in scored:
            rows.append(
                [
                    *head,
                    scope,
                    code,
                    view.self_index,
                    view.verified_index,
                    view.final_index,
                    view.maturity_level,
                    view.maturity_name,
                ]
            )
    return rows


@dataclass(frozen=True)
class AnswerView:
    """One indicator of one assessment as a reader may see it."""

    dimension_code: str
    indicator_code: str
    self_level: int | None
    self_not_applicable: bool
    justification: str
    verified_level: int | None
    verified_not_applicable: bool
    note: str
    evidence_count: int
    answered: bool
    reviewed: bool
    answer_type: str = "level"
    # the value as data: "3", an option code, ticked item codes ("air,dasbor"), "12.5"
    self_value: str = ""
    verified_value: str = ""


def value_text(indicator: Indicator, value: AnswerValue) -> str:
    """An answer value as plain data for exports and the API ("" when none or N/A)."""
    if value.not_applicable:
        return ""
    return indicator.answer_kind.data(value)


def _level_of(indicator: Indicator, value: AnswerValue) -> int | None:
    """The level columns: the level answered or a number's threshold level (None otherwise)."""
    try:
        return indicator.answer_level(value)
    except ValueError:  # a stored value the instrument no longer takes
        return None


def answer_views(data: PeriodData, assessment: Assessment) -> list[AnswerView]:
    """Every indicator the agency answers, in questionnaire order, answered or not."""
    answers = data.answers.get(assessment.id, {})
    reviews = data.reviews.get(assessment.id, {})
    counts = data.evidence.get(assessment.id, {})
    levels_shown = data.reader.shows_review(assessment)
    notes_shown = data.reader.shows_notes(assessment)
    views = []
    # only the indicators that apply to the agency
    instrument = questionnaire(assessment, data.instrument)
    for code in dimension_codes(assessment, instrument):
        dimension = instrument.dimension(code)
        if dimension is None:
            continue
        for indicator in dimension.indicators:
            answer = answers.get(indicator.code)
            review = reviews.get(indicator.code) if levels_shown else None
            own = answer_value(answer) if answer else AnswerValue()
            verdict = verified_value(review) if review else AnswerValue()
            views.append(
                AnswerView(
                    dimension_code=code,
                    indicator_code=indicator.code,
                    self_level=_level_of(indicator, own),
                    self_not_applicable=bool(answer and answer.not_applicable),
                    justification=answer.justification if answer else "",
                    verified_level=_level_of(indicator, verdict),
                    verified_not_applicable=bool(review and review.verified_not_applicable),
                    note=(
                        reviews[indicator.code].note
                        if notes_shown and indicator.code in reviews
                        else ""
                    ),
                    evidence_count=counts.get(indicator.code, 0),
                    answered=indicator.is_answered(own),
                    reviewed=review is not None,
                    answer_type=indicator.answer_type,
                    self_value=value_text(indicator, own),
                    verified_value=value_text(indicator, verdict),
                )
            )
    return views


def answer_rows(data: PeriodData) -> list[list[Cell]]:
    """ANSWER_COLUMNS: one row per indicator of every agency's assessment."""
    rows: list[list[Cell]] = []
    for assessment in data.assessments:
        agency = assessment.agency
        for view in answer_views(data, assessment):
            rows.append(
                [
                    data.period.year,
                    agency.code,
                    agency.name,
                    assessment.status,
                    view.dimension_code,
                    view.indicator_code,
                    view.self_level,
                    int(view.self_not_applicable),
                    view.verified_level,
                    int(view.verified_not_applicable),
                    view.justification,
                    view.note,
                    view.evidence_count,
                    view.answer_type,
                    _value_cell(view.answer_type, view.self_value),
                    _value_cell(view.answer_type, view.verified_value),
                ]
            )
    return rows


def _value_cell(answer_type: str, value: str) -> Cell:
    """A number answer is a number (the same text in the CSV contract); others stay text."""
    return answer_types.answer_type(answer_type).data_cell(value)


# --- the spreadsheet for people --------------------------------------------------------------

RESULT_HEADERS = (
    _l("Period"),
    _l("Agency code"),
    _l("Agency"),
    _l("Status"),
    _l("Scope"),
    _l("Dimension code"),
    _l("Dimension"),
    _l("Self-assessed index"),
    _l("Verified index"),
    _l("Final index"),
    _l("Predicate"),
    _l("Maturity level"),
    _l("Maturity level name"),
)

ANSWER_HEADERS = (
    _l("Period"),
    _l("Agency code"),
    _l("Agency"),
    _l("Status"),
    _l("Dimension code"),
    _l("Dimension"),
    _l("Indicator"),
    _l("Question"),
    _l("Answer type"),
    _l("Self-assessed level"),
    _l("Self-assessed: not applicable"),
    _l("Self-assessed value"),
    _l("Verified level"),
    _l("Verified: not applicable"),
    _l("Verified value"),
    _l("Justification"),
    _l("Evaluator note"),
    _l("Evidence files"),
)

ANSWER_TYPE_NAMES = {
    "level": _l("Level"),
    "choice": _l("Choice"),
    "checklist": _l("Checklist"),
    "number": _l("Number"),
}


def _yes(flag: bool) -> str:
    return _("yes") if flag else ""


def _dimension_name(instrument: Instrument, code: str, language: str) -> str:
    dimension = instrument.dimension(code) if code else None
    return dimension.name.get(language) if dimension is not None else ""


def result_sheet(data: PeriodData, language: str) -> tuple[list[str], list[list[Cell]]]:
    """The results for people: RESULT_HEADERS in `language`, one row per dimension and overall."""
    rows: list[list[Cell]] = []
    for entry in agency_scores(data):
        agency = entry.assessment.agency
        head: list[Cell] = [
            data.period.year,
            agency.code,
            agency.name,
            status_text(entry.assessment.status),
        ]
        scored = [(_("Dimension"), code, view) for code, view in entry.dimensions]
        scored.append((_("Overall"), "", entry.overall))
        for scope, code, view in scored:
            shown = standing(view.counted, data.instrument, language)
            rows.append(
                [
                    *head,
                    scope,
                    code,
                    _dimension_name(data.instrument, code, language),
                    view.self_index,
                    view.verified_index,
                    view.final_index,
                    shown.predicate,
                    shown.level,
                    shown.level_name,
                ]
            )
    return [str(header) for header in RESULT_HEADERS], rows


def answer_sheet(data: PeriodData, language: str) -> tuple[list[str], list[list[Cell]]]:
    """The answers for people: ANSWER_HEADERS in `language`, one row per indicator."""
    rows: list[list[Cell]] = []
    for assessment in data.assessments:
        agency = assessment.agency
        for view in answer_views(data, assessment):
            indicator = data.instrument.indicator(view.indicator_code)
            rows.append(
                [
                    data.period.year,
                    agency.code,
                    agency.name,
                    status_text(assessment.status),
                    view.dimension_code,
                    _dimension_name(data.instrument, view.dimension_code, language),
                    view.indicator_code,
                    indicator.question.get(language) if indicator is not None else "",
                    str(ANSWER_TYPE_NAMES.get(view.answer_type, view.answer_type)),
                    view.self_level,
                    _yes(view.self_not_applicable),
                    _value_cell(view.answer_type, view.self_value),
                    view.verified_level,
                    _yes(view.verified_not_applicable),
                    _value_cell(view.answer_type, view.verified_value),
                    view.justification,
                    view.note,
                    view.evidence_count,
                ]
            )
    return [str(header) for header in ANSWER_HEADERS], rows


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes


def export(
    period: Period,
    reader: Reader,
    what: str,
    file_format: str,
    language: str = "id",
    dialect: str = "",
) -> ExportFile:
    """The period's `what` (answers | results) as `file_format` (csv | xlsx) for this reader.

    The CSV is the documented contract (in `dialect`); the XLSX speaks `language`."""
    if what not in WHATS or file_format not in FORMATS or dialect not in DIALECTS:
        raise ValueError(f"unknown export {what}/{file_format}/{dialect}")
    data = load_period(period, reader, details=what == "answers")
    if file_format == "csv":
        columns = ANSWER_COLUMNS if what == "answers" else RESULT_COLUMNS
        rows = answer_rows(data) if what == "answers" else result_rows(data)
        content = to_csv(columns, rows, dialect)
    else:
        with force_locale(language):
            headers, rows = (
                answer_sheet(data, language) if what == "answers" else result_sheet(data, language)
            )
            title = f"{_('Answers') if what == 'answers' else _('Results')} {period.year}"
        content = to_xlsx(headers, rows, title)
    suffix = "-excel-id" if dialect else ""
    return ExportFile(
        f"smartcity-{period.year}-{what}{suffix}.{file_format}", MEDIA_TYPES[file_format], content
    )
