"""The region's side of the ministry's evaluation: its submission to a national period, assembled
by its administrator, approved (or sent back) by its head, read by its evaluators."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..domain.instrument import Dimension, Instrument
from ..forms import answer_field_data, dimension_form
from ..models import (
    NationalPeriod,
    NationalPeriodStatus,
    ProgrammeKind,
    RegionAnswer,
    RegionEvidence,
    RegionSubmission,
    SubmissionStatus,
    User,
)
from ..policy import (
    approves_submissions,
    assembles_submissions,
    can_approve_submission,
    can_assemble_submission,
    reads_national_submissions,
    reads_submission,
)
from ..services import documents
from ..services import evidence as evidence_service
from ..services import national_evaluation as service
from ..services.assessments import AnswerConflict, AnswersInvalid, answer_text
from ..services.evidence import EvidenceRefused
from ..services.instruments import instrument_of
from ..services.periods import all_periods, find_period
from .assessment import indicator_groups
from .documents import pdf_response
from .evidence import chosen_files
from .helpers import language, text_in

bp = Blueprint("national_submission", __name__, url_prefix="/national-evaluation")

SUBMISSION_STATUS_NAMES = {
    SubmissionStatus.DRAFT: _l("Draft"),
    SubmissionStatus.AWAITING_APPROVAL: _l("Awaiting the region head's approval"),
    SubmissionStatus.SUBMITTED: _l("Submitted to the ministry"),
    SubmissionStatus.RETURNED: _l("Returned by the ministry"),
    SubmissionStatus.VERIFIED: _l("Verified by the ministry"),
    SubmissionStatus.FINAL: _l("Final"),
}
PROGRAMME_KIND_NAMES = {
    ProgrammeKind.PROGRAMME: _l("Master plan programme"),
    ProgrammeKind.QUICK_WIN: _l("Quick win"),
}


@bp.app_template_filter("submission_status")
def submission_status(status: str | None) -> str:
    """A submission's status for people to read; None: the region has not begun one."""
    if status is None:
        return _("Not started")
    try:
        return str(SUBMISSION_STATUS_NAMES[SubmissionStatus(status)])
    except ValueError:
        return status


@bp.app_template_global()
def national_evaluation_link() -> bool:
    """Whether the region home shows the link to the national evaluation: to its readers, once
    the ministry has opened a national period."""
    return reads_national_submissions(current_user) and service.any_national_period()


@bp.before_request
@login_required
def only_the_regions_readers():
    if not reads_national_submissions(current_user):
        abort(403)


# --- forms -----------------------------------------------------------------------------------


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


class ProgrammeForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, PROGRAMME_KIND_NAMES[kind]) for kind in ProgrammeKind],
    )
    pillar = SelectField(_l("Pillar"), choices=[])
    title = StringField(_l("Title"), validators=[Length(max=service.MAX_TITLE)])
    description = TextAreaField(_l("Description"), validators=[Length(max=service.MAX_TEXT)])
    years = StringField(_l("Years (e.g. 2025-2029)"), validators=[Length(max=40)])

    def for_instrument(self, instrument: Instrument) -> ProgrammeForm:
        self.pillar.choices = [SelectChoice(d.code, text_in(d.name)) for d in instrument.dimensions]
        return self

    def entry(self) -> service.ProgrammeInput:
        return service.ProgrammeInput(
            kind=self.kind.data or "",
            pillar=self.pillar.data or "",
            title=self.title.data or "",
            description=self.description.data or "",
            years=self.years.data or "",
        )


class AttachmentForm(FlaskForm):
    year = SelectField(_l("The region's own evaluation of"), choices=[])

    def for_region(self) -> AttachmentForm:
        self.year.choices = [SelectChoice(str(p.year), str(p.year)) for p in all_periods()]
        return self


class SendBackForm(FlaskForm):
    comment = TextAreaField(
        _l("What must change"),
        validators=[
            DataRequired(message=_l("Say what must change.")),
            Length(max=service.MAX_TEXT),
        ],
    )


# --- loading ---------------------------------------------------------------------------------


def _period(year: int) -> NationalPeriod:
    period = service.national_period(year)
    if period is None:
        abort(404)
    return period


def _submission(period: NationalPeriod, *, begin: bool = False) -> RegionSubmission | None:
    """The region's submission; begun (a draft) when its administrator first needs it."""
    region = service.region_of(current_user)
    if region is None:
        abort(404)
    found = service.submission_of(period, region)
    if found is None and begin and assembles_submissions(current_user):
        try:
            found = service.begin_submission(period, region)
        except service.EvaluationRefused:
            return None  # a final period: nothing to begin
    if found is not None and not reads_submission(current_user, found):
        abort(404)
    return found


def _existing(year: int) -> tuple[NationalPeriod, RegionSubmission]:
    """For the buttons: the period and the submission (the administrator's begun if need be)."""
    period = _period(year)
    submission = _submission(period, begin=True)
    if submission is None:
        abort(404)
    return period, submission


def _only(allowed: Callable[[User], bool]) -> None:
    if not allowed(current_user):
        abort(403)


def _overview_url(year: int) -> str:
    return url_for(".overview", year=year)


# --- the list and the overview ---------------------------------------------------------------


@bp.route("/")
def index():
    region = service.region_of(current_user)
    rows = []
    for period in service.national_periods():
        submission = service.submission_of(period, region) if region is not None else None
        rows.append((period, submission, period.status == NationalPeriodStatus.FINAL))
    return render_template("national_submission/index.html", rows=rows, region=region)


@bp.route("/<int:year>")
def overview(year: int):
    period = _period(year)
    return render_overview(period, _submission(period, begin=True))


def render_overview(
    period: NationalPeriod,
    submission: RegionSubmission | None,
    status: int = 200,
    programme_form: ProgrammeForm | None = None,
    send_back_form: SendBackForm | None = None,
):
    instrument = service.instrument_for(period)
    context: dict = {
        "period": period,
        "submission": submission,
        "instrument": instrument,
        "region": service.region_of(current_user),
        "period_final": period.status == NationalPeriodStatus.FINAL,
        "action_form": ActionForm(formdata=None),
    }
    if submission is not None:
        scores = service.scores(submission)
        # with the region (what is missing is shown) or with its head and the ministry
        assembling = submission.status in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)
        editable = can_assemble_submission(current_user, submission)
        attached = service.attachment(submission)
        # the agencies' results are named by the bands of the region's own instrument
        own_period = find_period(attached.year) if attached is not None else None
        context |= {
            "scores": scores.self_assessed,
            "verified": scores.verified,
            "programmes": service.programmes(submission),
            "attachment": attached,
            "attachment_instrument": (
                instrument_of(own_period.instrument_version) if own_period else None
            ),
            "missing": service.missing(submission),
            "editable": editable,
            "assembling": assembling,
            "reads_only": assembling and not editable and not assembles_submissions(current_user),
            "returned_by_ministry": submission.status == SubmissionStatus.RETURNED,
            "approves": can_approve_submission(current_user, submission),
            "programme_form": (programme_form or ProgrammeForm(formdata=None)).for_instrument(
                instrument
            ),
            "attachment_form": AttachmentForm(
                formdata=None,
                data={"year": str(submission.agencies_year or "")},
            ).for_region(),
            "send_back_form": send_back_form or SendBackForm(formdata=None),
            "kind_names": PROGRAMME_KIND_NAMES,
            # the final result as stored at finalization, and the region's award if it earned
            # one (no rank here: the region's users see only their own region)
            "final_result": (
                service.stored_result(submission)
                if submission.status == SubmissionStatus.FINAL
                else None
            ),
            "award": (
                documents.awards_of(period).get(submission.id)
                if submission.status == SubmissionStatus.FINAL
                else None
            ),
        }
    return render_template("national_submission/overview.html", **context), status


# --- one pillar's answers --------------------------------------------------------------------


def _conflict_message(instrument: Instrument, row: RegionAnswer) -> str:
    who = (row.updated_by.full_name or row.updated_by.username) if row.updated_by else "?"
    indicator = instrument.indicator(row.indicator_code)
    try:
        value = row.value.answer()
        theirs = answer_text(indicator, value, language()) if indicator else "?"
    except (AttributeError, TypeError, ValueError):
        theirs = "?"
    return _(
        "%(code)s was changed by %(who)s while you were editing (now: %(theirs)s). Nothing was "
        "saved; your text is still in the form. Compare, then save again to keep yours.",
        code=row.indicator_code,
        who=who,
        theirs=theirs,
    )


def _stored_form(dimension: Dimension, stored: dict[str, RegionAnswer]):
    data = {}
    for indicator in dimension.indicators:
        row = stored.get(indicator.code)
        data[f"version-{indicator.code}"] = str(row.version) if row else "0"
        if row is None:
            continue
        data |= answer_field_data(indicator, row.value.answer(), language())
        data[f"justification-{indicator.code}"] = row.justification
    return dimension_form(dimension, data=data)


def _attach_chosen(
    submission: RegionSubmission, dimension: Dimension
) -> tuple[dict[str, list[str]], int]:
    """Attach the files chosen in the form; (messages per indicator, status) for the refused."""
    refused: dict[str, list[str]] = {}
    statuses: set[int] = set()
    attached = 0
    for code, upload in chosen_files(dimension):
        try:
            service.attach_evidence(
                submission, current_user, code, upload.filename or "", upload.stream
            )
        except EvidenceRefused as refusal:
            refused.setdefault(code, []).append(str(refusal))
            statuses.add(refusal.status)
        else:
            attached += 1
    if attached:
        flash(ngettext("%(num)d file attached.", "%(num)d files attached.", attached), "success")
    if refused:
        count = sum(len(messages) for messages in refused.values())
        flash(
            ngettext(
                "%(num)d file was not attached; see the message at its indicator.",
                "%(num)d files were not attached; see the messages at their indicators.",
                count,
            ),
            "error",
        )
    status = next((s for s in (507, 413, 415) if s in statuses), 400) if refused else 200
    return refused, status


@bp.route("/<int:year>/pillars/<code>", methods=["GET", "POST"])
def pillar(year: int, code: str):
    period = _period(year)
    instrument = service.instrument_for(period)
    dimension = instrument.dimension(code)
    if dimension is None:
        abort(404)
    submission = _submission(period, begin=True)
    editable = submission is not None and can_assemble_submission(current_user, submission)
    stored = service.answers_by_code(submission) if submission is not None else {}
    status = 200
    evidence_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if submission is None or not editable:
            if not assembles_submissions(current_user):
                abort(403)
            flash(_("This submission cannot be changed now; nothing was saved."), "error")
            return redirect(_overview_url(year), 303)
        form = dimension_form(dimension)
        unexpected = form.unexpected_fields([*request.form, *request.files])
        if unexpected:
            abort(
                400,
                _("The form contains unknown indicators: %(codes)s", codes=", ".join(unexpected)),
            )
        if form.validate_on_submit():
            try:
                changed = service.save_answers(
                    submission, current_user, form.answers(), form.expected_versions()
                )
            except AnswerConflict as error:
                for row in error.answers:
                    flash(_conflict_message(instrument, row), "error")
                # the next save is based on what the user has now been told
                form.show_versions({c: r.version for c, r in stored.items()})
                status = 409
            except AnswersInvalid as error:
                for problem in error.problems:
                    flash(problem, "error")
                status = 400
            except service.EvaluationRefused as error:
                flash(str(error), "error")
                return redirect(_overview_url(year), 303)
            else:
                flash(_("Draft saved (%(n)d answers changed).", n=changed), "success")
                # the answers are stored first: a refused file loses nothing typed
                evidence_errors, status = _attach_chosen(submission, dimension)
                if not evidence_errors:
                    return redirect(url_for(".pillar", year=year, code=code), 303)
                stored = service.answers_by_code(submission)
                form.show_versions({c: r.version for c, r in stored.items()})
        else:
            status = 400
            flash(_("Nothing was saved: please check the marked answers."), "error")
        if status in (400, 409) and not evidence_errors and chosen_files(dimension):
            flash(_("The chosen files were not attached because nothing was saved."), "error")
    else:
        form = _stored_form(dimension, stored)
    evidence = service.evidence_by_code(submission) if submission is not None else {}
    return render_template(
        "national_submission/pillar.html",
        period=period,
        submission=submission,
        instrument=instrument,
        dimension=dimension,
        groups=indicator_groups(dimension),
        form=form,
        stored=stored,
        editable=editable,
        evidence=evidence,
        evidence_errors=evidence_errors,
        evidence_max_bytes=evidence_service.max_bytes(),
        level_labels={str(entry.level): text_in(entry.name) for entry in instrument.level_names},
        csrf_enabled=current_app.config.get("WTF_CSRF_ENABLED", True),
    ), status


# --- programmes, the agencies' attachment ----------------------------------------------------


@bp.route("/<int:year>/programmes", methods=["POST"])
def add_programme(year: int):
    _only(assembles_submissions)
    period, submission = _existing(year)
    if not can_assemble_submission(current_user, submission):
        flash(_("This submission cannot be changed now; nothing was saved."), "error")
        return redirect(_overview_url(year), 303)
    form = ProgrammeForm().for_instrument(service.instrument_for(period))
    if not form.validate_on_submit():
        flash(_("The programme was not added: please check the marked fields."), "error")
        return render_overview(period, submission, 400, programme_form=form)
    try:
        service.add_programme(submission, current_user, form.entry())
    except AnswersInvalid as error:
        for problem in error.problems:
            flash(problem, "error")
        return render_overview(period, submission, 400, programme_form=form)
    except service.EvaluationRefused as error:
        flash(str(error), "error")
        return redirect(_overview_url(year), 303)
    flash(_("Added: %(title)s.", title=form.title.data.strip()), "success")
    return redirect(_overview_url(year) + "#programmes", 303)


@bp.route("/<int:year>/programmes/<int:programme_id>/remove", methods=["POST"])
def remove_programme(year: int, programme_id: int):
    _only(assembles_submissions)
    _period_, submission = _existing(year)
    title = next(
        (row.title for row in service.programmes(submission) if row.id == programme_id), None
    )
    if title is None:
        abort(404)
    try:
        service.remove_programme(submission, programme_id, current_user)
    except service.EvaluationRefused as error:
        flash(str(error), "error")
    else:
        flash(_("%(name)s was removed.", name=title), "success")
    return redirect(_overview_url(year) + "#programmes", 303)


@bp.route("/<int:year>/attachment", methods=["POST"])
def attach(year: int):
    _only(assembles_submissions)
    period, submission = _existing(year)
    form = AttachmentForm().for_region()
    if not form.validate_on_submit():
        flash(_("Choose one of the region's periods."), "error")
        return render_overview(period, submission, 400)
    try:
        service.attach_agencies(submission, current_user, int(form.year.data))
    except service.EvaluationRefused as error:
        flash(str(error), "error")
    else:
        flash(_("The agencies' results of %(year)s are attached.", year=form.year.data), "success")
    return redirect(_overview_url(year) + "#attachment", 303)


# --- approval --------------------------------------------------------------------------------


@bp.route("/<int:year>/ask-approval", methods=["POST"])
def ask_approval(year: int):
    _only(assembles_submissions)
    period, submission = _existing(year)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.ask_approval(submission, current_user)
    except AnswersInvalid:
        flash(_("The submission is not complete yet: see what is missing."), "error")
        return render_overview(period, submission, 409)
    except service.EvaluationRefused as error:
        flash(str(error), "error")
    else:
        flash(_("Sent to the region head for approval."), "success")
    return redirect(_overview_url(year), 303)


@bp.route("/<int:year>/approve", methods=["POST"])
def approve(year: int):
    _only(approves_submissions)
    _period_, submission = _existing(year)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.approve(submission, current_user)
    except service.EvaluationRefused as error:
        flash(str(error), "error")
    else:
        flash(_("Approved: the submission has been sent to the ministry."), "success")
    return redirect(_overview_url(year), 303)


@bp.route("/<int:year>/send-back", methods=["POST"])
def send_back(year: int):
    _only(approves_submissions)
    period, submission = _existing(year)
    form = SendBackForm()
    if not form.validate_on_submit():
        return render_overview(period, submission, 400, send_back_form=form)
    try:
        service.send_back(submission, current_user, form.comment.data or "")
    except AnswersInvalid as error:
        for problem in error.problems:
            flash(problem, "error")
        return render_overview(period, submission, 400, send_back_form=form)
    except service.EvaluationRefused as error:
        flash(str(error), "error")
    else:
        flash(_("Sent back to the administrator with your comment."), "success")
    return redirect(_overview_url(year), 303)


# --- evidence files --------------------------------------------------------------------------


def _evidence(submission: RegionSubmission, evidence_id: int) -> RegionEvidence:
    row = service.submission_evidence(submission, evidence_id)
    if row is None:
        abort(404)
    return row


@bp.route("/<int:year>/evidence/<int:evidence_id>")
def evidence(year: int, evidence_id: int):
    period = _period(year)
    submission = _submission(period)
    if submission is None:
        abort(404)
    row = _evidence(submission, evidence_id)
    try:
        content = evidence_service.open_content(row)  # type: ignore[arg-type]
    except FileNotFoundError:
        abort(404)
    response = send_file(
        content,
        mimetype=row.media_type,
        as_attachment=True,
        download_name=row.original_name,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # the region's documents: never kept by shared proxies or the browser's disk cache
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:year>/evidence/<int:evidence_id>/remove", methods=["POST"])
def remove_evidence(year: int, evidence_id: int):
    _only(assembles_submissions)
    period, submission = _existing(year)
    row = _evidence(submission, evidence_id)
    dimension = service.instrument_for(period).dimension_of(row.indicator_code)
    try:
        service.remove_evidence(submission, row, current_user)
    except service.EvaluationRefused as error:
        flash(str(error), "error")
    else:
        flash(_("%(name)s was removed.", name=row.original_name), "success")
    if dimension is None:
        return redirect(_overview_url(year), 303)
    return redirect(url_for(".pillar", year=year, code=dimension.code), 303)


@bp.route("/<int:year>/award.pdf")
def award_pdf(year: int):
    """The region's award certificate of a final national year, as issued (signed)."""
    period = _period(year)
    submission = _submission(period)
    document = documents.awards_of(period).get(submission.id) if submission else None
    if document is None:
        abort(404)
    return pdf_response(document)
