"""The ministry's pages of its evaluation of regions: the national periods, each year's
submissions and their evaluators, the review of one region's submission, finalization and the
results (services.national_evaluation).

Access: every national role reads; region roles get 403 on every page, as on /national/.
Writes: a ministry administrator opens periods, assigns evaluators and finalizes; the assigned
ministry evaluator reviews, returns and verifies a submitted submission; the national viewer
only reads. A national user who may not act gets 403; the right actor at the wrong moment gets
409; a missing or invalid field gets 400 with what was typed kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..domain.instrument import Instrument
from ..domain.national import province_name
from ..formatting import standing
from ..forms import answer_field_data, review_form
from ..models import (
    NationalPeriod,
    NationalPeriodStatus,
    RegionSubmission,
    Role,
    SubmissionStatus,
    User,
)
from ..parsing import whole_number
from ..policy import administers_nation, can_review_submission, reads_nation
from ..services import documents, regions
from ..services import evidence as evidence_files
from ..services import national_evaluation as service
from ..services.assessments import AnswersInvalid
from ..services.exports import rounded
from ..services.instruments import all_versions, instrument_of
from ..services.periods import FIRST_YEAR, LAST_YEAR
from ..services.spreadsheets import DIALECTS, csv_lines
from .assessment import indicator_groups
from .documents import pdf_response
from .helpers import language

bp = Blueprint("national_evaluation", __name__, url_prefix="/national/evaluations")

SUBMISSION_STATUS_NAMES = {
    SubmissionStatus.DRAFT: _l("Being assembled by the region"),
    SubmissionStatus.AWAITING_APPROVAL: _l("Awaiting the region head's approval"),
    SubmissionStatus.SUBMITTED: _l("Submitted, to be reviewed"),
    SubmissionStatus.RETURNED: _l("Returned to the region"),
    SubmissionStatus.VERIFIED: _l("Verified"),
    SubmissionStatus.FINAL: _l("Final"),
}
PERIOD_STATUS_NAMES = {
    NationalPeriodStatus.OPEN: _l("Open"),
    NationalPeriodStatus.FINAL: _l("Final"),
}


def submission_status(status: str) -> str:
    try:
        return str(SUBMISSION_STATUS_NAMES[SubmissionStatus(status)])
    except ValueError:
        return status


def period_status(status: str) -> str:
    try:
        return str(PERIOD_STATUS_NAMES[NationalPeriodStatus(status)])
    except ValueError:
        return status


@bp.context_processor
def status_names() -> dict:
    return {"submission_status": submission_status, "period_status": period_status}


@bp.before_request
@login_required
def only_national_roles():
    if not reads_nation(current_user):
        abort(403)


def _only_ministry_admins() -> None:
    if not administers_nation(current_user):
        abort(403)


def _period(year: int) -> NationalPeriod:
    period = service.national_period(year)
    if period is None:
        abort(404)
    return period


# --- the national periods --------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    year: int
    instrument: str
    status: str
    # (status, how many submissions), in the workflow's order, only the statuses present
    counts: tuple[tuple[str, int], ...]
    is_final: bool


def _period_rows() -> list[PeriodRow]:
    rows = []
    for period in service.national_periods():
        counted = Counter(s.status for s in service.submissions(period))
        version = period.instrument_version
        rows.append(
            PeriodRow(
                period.year,
                f"{version.code} {version.version}",
                period.status,
                tuple((s.value, counted[s]) for s in SubmissionStatus if counted[s]),
                period.status == NationalPeriodStatus.FINAL,
            )
        )
    return rows


def _eligible_versions():
    """Published instrument versions with the evaluation dimensions (the second axis)."""
    return [v for v in all_versions() if instrument_of(v).has_evaluation_dimensions]


@bp.route("/", methods=["GET", "POST"])
def index():
    typed = {"year": "", "instrument": ""}
    problems: list[str] = []
    status = 200
    versions = _eligible_versions() if administers_nation(current_user) else []
    if request.method == "POST":
        _only_ministry_admins()
        typed = {name: request.form.get(name, "").strip()[:20] for name in typed}
        year = whole_number(typed["year"], FIRST_YEAR, LAST_YEAR)
        version_id = whole_number(typed["instrument"])
        version = next((v for v in versions if v.id == version_id), None)
        if year is None:
            problems.append(
                _(
                    "The year must be between %(first)s and %(last)s.",
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            )
        if version is None:
            # also a version without the evaluation dimensions: the service says why
            version = next((v for v in all_versions() if v.id == version_id), None)
            if version is None:
                problems.append(_("Choose an instrument with the evaluation dimensions."))
        if not problems:
            try:
                service.open_national_period(year, version, current_user)
            except service.EvaluationRefused as error:
                problems.append(str(error))
            else:
                flash(_("The national period %(year)s is open.", year=year), "success")
                return redirect(url_for(".year_page", year=year), 303)
        status = 400
    return render_template(
        "national_evaluation/index.html",
        periods=_period_rows(),
        versions=versions,
        administers=administers_nation(current_user),
        typed=typed,
        problems=problems,
    ), status


# --- one year: the submissions, their evaluators, finalization -------------------------------


@dataclass(frozen=True)
class SubmissionRow:
    code: str
    name: str
    province: str
    status: str
    round: int
    submitted_at: datetime | None
    evaluator_id: int | None
    evaluator: str
    self_index: Fraction | None
    verified_index: Fraction | None
    # assigned to the ministry evaluator reading the page
    mine: bool


@dataclass(frozen=True)
class WaitingRegion:
    code: str
    name: str
    province: str
    evaluator_id: int | None
    evaluator: str


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.full_name or user.username


def _year_rows(period: NationalPeriod) -> tuple[list[SubmissionRow], list[WaitingRegion]]:
    assigned = service.assignments(period)
    me = current_user.id if current_user.role == Role.MINISTRY_EVALUATOR else None
    rows = []
    found = service.submissions(period)
    indices = service.indices_of(found)
    for submission in found:
        self_index, verified_index = indices[submission.id]
        evaluator = assigned.get(submission.region_id)
        region = submission.region
        rows.append(
            SubmissionRow(
                region.code,
                region.name,
                province_name(region.province_code) if region.province_code else "",
                submission.status,
                submission.round,
                submission.submitted_at,
                evaluator.id if evaluator else None,
                _name(evaluator),
                self_index,
                verified_index,
                me is not None and evaluator is not None and evaluator.id == me,
            )
        )
    # a ministry evaluator finds their own regions first (stable: by code within each group)
    rows.sort(key=lambda row: not row.mine)
    waiting = [
        WaitingRegion(
            region.code,
            region.name,
            province_name(region.province_code) if region.province_code else "",
            assigned[region.id].id if region.id in assigned else None,
            _name(assigned.get(region.id)),
        )
        for region in service.regions_without_submission(period)
    ]
    return rows, waiting


def _render_year(period: NationalPeriod, status: int = 200):
    rows, waiting = _year_rows(period)
    administers = administers_nation(current_user)
    return render_template(
        "national_evaluation/year.html",
        period=period,
        instrument=service.instrument_for(period),
        rows=rows,
        waiting=waiting,
        administers=administers,
        assigning=administers and period.status == NationalPeriodStatus.OPEN,
        evaluators=service.ministry_evaluators() if administers else [],
        refusal=service.finalize_refusal(period),
        is_final=period.status == NationalPeriodStatus.FINAL,
    ), status


@bp.route("/<int:year>")
def year_page(year: int):
    return _render_year(_period(year))


@bp.route("/<int:year>/assignments", methods=["POST"])
def assign(year: int):
    _only_ministry_admins()
    period = _period(year)
    if period.status != NationalPeriodStatus.OPEN:
        flash(_("This national period is final."), "error")
        return _render_year(period, 409)
    code = request.form.get("region", "").strip()[:13]
    region = regions.find(code) if code else None
    raw = request.form.get("evaluator", "").strip()
    evaluator = None
    problems = []
    if region is None or region.kind == "provinsi":
        problems.append(_("Unknown region %(code)s.", code=code))
    if raw:
        evaluator_id = whole_number(raw)
        evaluator = next((u for u in service.ministry_evaluators() if u.id == evaluator_id), None)
        if evaluator is None:
            problems.append(_("Choose one of the ministry's evaluators."))
    if not problems:
        try:
            service.assign(period, region, evaluator, current_user)
        except service.EvaluationRefused as error:
            problems.append(str(error))
    if problems:
        for problem in problems:
            flash(problem, "error")
        return _render_year(period, 400)
    if evaluator is None:
        flash(_("%(region)s has no evaluator now.", region=region.name), "success")
    else:
        flash(
            _(
                "%(evaluator)s reviews %(region)s.",
                evaluator=_name(evaluator),
                region=region.name,
            ),
            "success",
        )
    return redirect(url_for(".year_page", year=year), 303)


@bp.route("/<int:year>/finalize", methods=["POST"])
def finalize(year: int):
    _only_ministry_admins()
    period = _period(year)
    try:
        final = service.finalize(period, current_user)
    except service.EvaluationRefused as error:
        flash(str(error), "error")
        return _render_year(period, 409)
    # the awards (signed PDFs) after the finalization is committed: a signing failure leaves
    # the results standing, and `national-period awards YEAR` issues them again
    issued, problem = documents.issue_national_awards(period, current_user)
    if problem:
        flash(
            _(
                "The award certificates could not be issued now (%(error)s); they can be "
                "issued again with `national-period awards %(year)s`.",
                error=problem,
                year=year,
            ),
            "error",
        )
    else:
        flash(
            ngettext(
                "%(num)d award certificate issued.",
                "%(num)d award certificates issued.",
                len(issued),
            ),
            "success",
        )
    flash(
        ngettext(
            "The national period %(year)s is final: %(num)d region ranked.",
            "The national period %(year)s is final: %(num)d regions ranked.",
            len(final),
            year=year,
        ),
        "success",
    )
    return redirect(url_for(".results", year=year), 303)


# --- one region's submission: the review -----------------------------------------------------


def _submission(year: int, code: str) -> RegionSubmission:
    submission = service.get_submission(_period(year), code[:13])
    if submission is None:
        abort(404)
    return submission


def _evaluator_id(submission: RegionSubmission) -> int | None:
    evaluator = service.assigned_evaluator(submission)
    return evaluator.id if evaluator is not None else None


def _reviewing_or_abort(submission: RegionSubmission) -> None:
    """403 for anyone but the assigned evaluator; 409 for them when it is not submitted."""
    evaluator_id = _evaluator_id(submission)
    if can_review_submission(current_user, submission, evaluator_id):
        return
    if current_user.role == Role.MINISTRY_EVALUATOR and current_user.id == evaluator_id:
        abort(
            409,
            _(
                "The review cannot be changed while the submission is %(status)s.",
                status=submission_status(submission.status),
            ),
        )
    abort(403)


@dataclass(frozen=True)
class ScoreLine:
    code: str
    name: object
    self_index: Fraction | None
    verified_index: Fraction | None


@dataclass(frozen=True)
class ScoreTable:
    pillars: tuple[ScoreLine, ...]
    evaluation_dimensions: tuple[ScoreLine, ...]
    overall: ScoreLine


def _score_table(submission: RegionSubmission) -> ScoreTable:
    scored = service.scores(submission)
    own, checked = scored.self_assessed, scored.verified

    def pillar(score) -> ScoreLine:
        other = checked.dimension(score.dimension.code) if checked else None
        return ScoreLine(
            score.dimension.code, score.dimension.name, score.index, other.index if other else None
        )

    def stage(score) -> ScoreLine:
        code = score.evaluation_dimension.code
        other = checked.evaluation_dimension(code) if checked else None
        return ScoreLine(
            code, score.evaluation_dimension.name, score.index, other.index if other else None
        )

    return ScoreTable(
        tuple(pillar(s) for s in own.dimensions),
        tuple(stage(s) for s in own.evaluation_dimensions),
        ScoreLine("", "", own.index, checked.index if checked else None),
    )


def _form_problems(form) -> list[tuple[str, str]]:
    """(anchor, message) for every invalid field, in page order."""
    problems = []
    for indicator in form.indicators:
        fields = [form.verified_field(indicator), form.note_field(indicator)]
        na = form.verified_na_field(indicator)
        if na is not None:
            fields.append(na)
        for field in fields:
            problems += [
                (f"review-{indicator.code}", f"{indicator.code}: {e}") for e in field.errors
            ]
    if "csrf_token" in form and form["csrf_token"].errors:
        problems += [("", str(error)) for error in form["csrf_token"].errors]
    return problems


def _anchored(instrument: Instrument, messages: Iterable[str]) -> list[tuple[str, str]]:
    """The service's messages ("GOV-01: ...") with a link to the indicator they name."""
    result = []
    for message in messages:
        code = message.split(":", 1)[0]
        anchor = f"review-{code}" if instrument.indicator(code) is not None else ""
        result.append((anchor, message))
    return result


def _stored_form(submission: RegionSubmission, instrument: Instrument, self_assessed: dict):
    """The review form as stored: each verdict, else the region's own answer; the notes."""
    stored = service.reviews_by_code(submission)
    data = {}
    for indicator in instrument.indicators:
        row = stored.get(indicator.code)
        verdict = row.verified.answer() if row is not None else None
        if verdict is None or not verdict.is_answered:
            verdict = self_assessed.get(indicator.code)
        if verdict is not None:
            data |= answer_field_data(indicator, verdict, language(), verified=True)
        if row is not None:
            data[f"note-{indicator.code}"] = row.note
    return review_form(instrument, instrument.indicators, self_assessed, data=data)


def _render_region(
    submission: RegionSubmission,
    *,
    form=None,
    problems: list[tuple[str, str]] | None = None,
    comment: str = "",
    comment_error: str = "",
    status: int = 200,
):
    instrument = service.instrument_for(submission.national_period)
    answers = service.answers_by_code(submission)
    self_assessed = {code: row.value.answer() for code, row in answers.items()}
    if form is None:
        form = _stored_form(submission, instrument, self_assessed)
    evaluator = service.assigned_evaluator(submission)
    reviewing = can_review_submission(current_user, submission, evaluator.id if evaluator else None)
    period = submission.national_period
    return render_template(
        "national_evaluation/region.html",
        period=period,
        submission=submission,
        region=submission.region,
        province=province_name(submission.region.province_code)
        if submission.region.province_code
        else "",
        instrument=instrument,
        dimensions=instrument.dimensions,
        answers=answers,
        reviews=service.reviews_by_code(submission),
        evidence=service.evidence_by_code(submission),
        programmes=service.programmes(submission),
        attachment=service.attachment(submission),
        scores=_score_table(submission),
        evaluator=_name(evaluator),
        form=form,
        editable=reviewing,
        problems=problems or [],
        comment=comment,
        comment_error=comment_error,
        indicator_groups=indicator_groups,
    ), status


@bp.route("/<int:year>/regions/<code>", methods=["GET", "POST"])
def region_page(year: int, code: str):
    submission = _submission(year, code)
    if request.method == "GET":
        return _render_region(submission)
    _reviewing_or_abort(submission)
    instrument = service.instrument_for(submission.national_period)
    answers = service.answers_by_code(submission)
    self_assessed = {c: row.value.answer() for c, row in answers.items()}
    form = review_form(instrument, instrument.indicators, self_assessed)
    if not form.validate_on_submit():
        flash(_("Nothing was saved: please check the marked indicators."), "error")
        return _render_region(submission, form=form, problems=_form_problems(form), status=400)
    stored = service.reviews_by_code(submission)
    entries = {}
    for indicator in form.indicators:
        entry = form.entry(indicator)
        try:
            entry.answer().value()
        except ValueError:  # not a number: the service refuses it with a clear message
            entries[indicator.code] = entry
            continue
        # an untouched indicator follows the region's own answer and stores nothing
        untouched = not entry.note.strip() and not form.differs(indicator)
        if indicator.code not in stored and untouched:
            continue
        entries[indicator.code] = entry
    try:
        service.save_review(submission, current_user, entries)
    except AnswersInvalid as error:
        flash(_("Nothing was saved: please check the marked indicators."), "error")
        problems = _anchored(instrument, error.problems)
        return _render_region(submission, form=form, problems=problems, status=400)
    except service.EvaluationRefused as error:
        flash(str(error), "error")
        return _render_region(submission, form=form, status=409)
    flash(_("Review saved."), "success")
    return redirect(url_for(".region_page", year=year, code=submission.region.code), 303)


@bp.route("/<int:year>/regions/<code>/return", methods=["POST"])
def return_to_region(year: int, code: str):
    submission = _submission(year, code)
    _reviewing_or_abort(submission)
    comment = request.form.get("comment", "")
    try:
        service.return_to_region(submission, current_user, comment)
    except AnswersInvalid as error:
        message = " ".join(error.problems)
        flash(message, "error")
        return _render_region(submission, comment=comment, comment_error=message, status=400)
    flash(
        _(
            "The submission of %(region)s was returned to the region.",
            region=submission.region.name,
        ),
        "success",
    )
    return redirect(url_for(".year_page", year=year), 303)


@bp.route("/<int:year>/regions/<code>/verify", methods=["POST"])
def verify(year: int, code: str):
    submission = _submission(year, code)
    _reviewing_or_abort(submission)
    try:
        service.verify(submission, current_user)
    except AnswersInvalid as error:
        flash(_("The submission was not verified."), "error")
        problems = _anchored(service.instrument_for(submission.national_period), error.problems)
        return _render_region(submission, problems=problems, status=400)
    flash(_("The submission of %(region)s is verified.", region=submission.region.name), "success")
    return redirect(url_for(".year_page", year=year), 303)


@bp.route("/<int:year>/regions/<code>/evidence/<int:evidence_id>")
def evidence(year: int, code: str, evidence_id: int):
    """One of the region's evidence files, always downloaded (never shown in the app's origin)."""
    submission = _submission(year, code)
    found = next(
        (
            row
            for rows in service.evidence_by_code(submission).values()
            for row in rows
            if row.id == evidence_id
        ),
        None,
    )
    if found is None:
        abort(404)
    try:
        content = evidence_files.open_content(found)  # the bytes by their SHA-256, as any file's
    except FileNotFoundError:
        abort(404)
    response = send_file(
        content,
        mimetype=found.media_type,
        as_attachment=True,
        download_name=found.original_name,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the results -----------------------------------------------------------------------------


@bp.route("/<int:year>/results")
def results(year: int):
    period = _period(year)
    instrument = service.instrument_for(period)
    if period.status != NationalPeriodStatus.FINAL:
        # not final: a clear page saying so (the CSV answers 404)
        return render_template(
            "national_evaluation/results.html",
            period=period,
            instrument=instrument,
            is_final=False,
            refusal=service.finalize_refusal(period),
        )
    ranked = service.ranking(period)
    return render_template(
        "national_evaluation/results.html",
        period=period,
        instrument=instrument,
        is_final=True,
        ranked=ranked,
        awards=documents.awards_of(period),
        standing=standing,
        province_name=province_name,
        pillar_levels=service.pillar_levels(instrument, ranked),
        stage_means=service.stage_means(instrument, ranked),
    )


@bp.route("/<int:year>/results.csv")
def results_csv(year: int):
    dialect = request.args.get("dialect", "")
    if dialect not in DIALECTS:
        abort(400, _("A CSV dialect is empty or excel-id."))
    period = _period(year)
    if period.status != NationalPeriodStatus.FINAL:
        abort(404)
    instrument = service.instrument_for(period)
    ranked = service.ranking(period)
    pillars = [d.code for d in instrument.dimensions]
    stages = [e.code for e in instrument.evaluation_dimensions]
    columns = [
        _("Rank"),
        _("Code"),
        _("Region"),
        _("Province"),
        _("Index"),
        _("Predicate"),
        _("Level"),
        *pillars,
        *stages,
    ]
    lang = language()

    def rows():
        for region in ranked:
            shown = standing(region.index, instrument, lang)
            yield [
                region.rank,
                region.code,
                region.name,
                region.province_code,
                rounded(region.index),
                shown.predicate,
                region.level,
                *(rounded(region.pillars.get(code)) for code in pillars),
                *(rounded(region.evaluation_dimensions.get(code)) for code in stages),
            ]

    def lines():
        found = csv_lines(columns, rows(), dialect)
        yield "\ufeff" + next(found)
        yield from found

    response = Response(stream_with_context(lines()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="evaluasi-nasional-{year}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:year>/regions/<code>/award.pdf")
def award_pdf(year: int, code: str):
    """The region's award certificate, as issued (signed); 404 when it has none."""
    submission = _submission(year, code)
    document = documents.awards_of(submission.national_period).get(submission.id)
    if document is None:
        abort(404)
    return pdf_response(document)
