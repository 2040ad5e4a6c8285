"""Administration of assessment periods and instruments (questionnaires): admins only.

- /admin: the administration hub, linking every administration page.
- /admin/periods: create a year's period, open and close it, change its dates, give one
  agency a new deadline (an extension).
- /admin/instruments: upload a YAML or XLSX file, read the validation report or the preview,
  publish it; download any published version as YAML or XLSX.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.utils import secure_filename
from wtforms import DateField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..domain.deadlines import EditState
from ..domain.instrument import Instrument
from ..domain.loader import InstrumentError
from ..formatting import number_filter
from ..models import Agency, Assessment, InstrumentVersion, Period, PeriodStatus, Role
from ..policy import edit_window, in_agency_hands
from ..services import documents, store
from ..services import instruments as instrument_service
from ..services import periods as service
from ..services.i18n import translated
from ..services.store import unit_of_work
from .helpers import load_or_404, page_number, roles_required, text_in

bp = Blueprint("admin_periods", __name__, url_prefix="/admin")


# --- forms ---


class PeriodForm(FlaskForm):
    year = IntegerField(
        _l("Year"),
        validators=[
            DataRequired(_l("Enter the year.")),
            NumberRange(service.FIRST_YEAR, service.LAST_YEAR),
        ],
    )
    instrument = SelectField(
        _l("Questionnaire version"), coerce=int, validators=[DataRequired(_l("Choose a version."))]
    )
    opens_on = DateField(_l("First day (optional)"), validators=[Optional()])
    closes_on = DateField(_l("Last day, inclusive (optional)"), validators=[Optional()])


class DatesForm(FlaskForm):
    opens_on = DateField(_l("First day (optional)"), validators=[Optional()])
    closes_on = DateField(_l("Last day, inclusive (optional)"), validators=[Optional()])


class CertificateForm(FlaskForm):
    min_level = SelectField(_l("Lowest maturity level that earns a certificate"), coerce=int)


class StatusForm(FlaskForm):
    """Open or close: only the CSRF token and the button's value."""


class ExtensionForm(FlaskForm):
    agency = SelectField(
        _l("Agency"), coerce=int, validators=[DataRequired(_l("Choose an agency."))]
    )
    until = DateField(_l("New deadline (last day, inclusive)"), validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=1000)]
    )


class UploadForm(FlaskForm):
    file = FileField(
        _l("Questionnaire file (YAML or XLSX)"), validators=[FileRequired(_l("Choose a file."))]
    )


class PublishForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])


# --- helpers ---


def _page_links(page: service.Page, **args: Any) -> dict[str, str | None]:
    endpoint = request.endpoint or ""
    kept = {key: value for key, value in args.items() if value}
    return {
        "prev_url": url_for(endpoint, **kept, page=page.number - 1) if page.has_previous else None,
        "next_url": url_for(endpoint, **kept, page=page.number + 1) if page.has_next else None,
    }


def _period_or_404(year: int) -> Period:
    period = service.find_period(year)
    if period is None:
        abort(404)
    return period


def _version_label(version: InstrumentVersion) -> str:
    return f"{version.code} {version.version}"


def _form_errors(form: FlaskForm) -> None:
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")


@bp.app_template_global()
def deadline_notice(assessment: Assessment) -> str | None:
    """Why an agency cannot fill in an assessment it could otherwise change (None: it can)."""
    if not in_agency_hands(assessment):
        return None
    window = edit_window(assessment)
    if window.state == EditState.DEADLINE_PASSED and window.deadline is not None:
        return _(
            "The deadline for filling in passed on %(date)s.",
            date=format_date(window.deadline, "long"),
        )
    if window.state == EditState.NOT_YET and window.opens_on is not None:
        return _("Filling in opens on %(date)s.", date=format_date(window.opens_on, "long"))
    if window.state == EditState.CLOSED:
        return _("The assessment period %(year)s is closed.", year=assessment.period.year)
    return None


@bp.app_template_global()
def deadline_reminder(assessment: Assessment) -> str | None:
    """The agency's last day while it may still fill in (None: no limit, or it cannot)."""
    if not in_agency_hands(assessment):
        return None
    window = edit_window(assessment)
    if not window.may_edit or window.deadline is None:
        return None
    return _("Fill in by %(date)s (the last day).", date=format_date(window.deadline, "long"))


# --- the hub ---


@bp.route("")
@roles_required(Role.ADMIN)
def index():
    return render_template("admin/index.html")


# --- periods ---


@bp.route("/periods")
@roles_required(Role.ADMIN)
def periods():
    search = request.args.get("q", "").strip()[:100]
    page = service.periods_page(search, page_number())
    return render_template(
        "admin/periods.html", page=page, search=search, **_page_links(page, q=search)
    )


def _period_form() -> PeriodForm:
    form = PeriodForm()
    form.instrument.choices = [(v.id, _version_label(v)) for v in instrument_service.all_versions()]
    return form


@bp.route("/periods/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_period():
    form = _period_form()
    status = 200
    if request.method == "GET" and form.year.data is None:
        form.year.data = date.today().year + 1
    if form.validate_on_submit():
        version = store.get(InstrumentVersion, form.instrument.data)
        if version is None:
            abort(400)
        try:
            with unit_of_work():
                period, created = service.create_period(
                    form.year.data, version, form.opens_on.data, form.closes_on.data, current_user
                )
        except service.PeriodRefused as error:
            flash(str(error), "error")
            status = 409
        else:
            flash(
                _(
                    "Period %(year)s is open with %(code)s %(version)s; %(n)d agency "
                    "assessments were created.",
                    year=period.year,
                    code=version.code,
                    version=version.version,
                    n=created,
                ),
                "success",
            )
            return redirect(url_for(".period", year=period.year), 303)
    elif request.method == "POST":
        status = 400
    return render_template("admin/periods_new.html", form=form), status


def _render_period(period: Period, status: int = 200, **forms: FlaskForm):
    dates = forms.get("dates") or DatesForm(
        formdata=None, opens_on=period.opens_on, closes_on=period.closes_on
    )
    extension = forms.get("extension") or ExtensionForm(formdata=None)
    extension.agency.choices = [(a.id, f"{a.name} ({a.code})") for a in service.active_agencies()]
    certificates = forms.get("certificates") or CertificateForm(
        formdata=None, min_level=_certificate_minimum(period)
    )
    certificates.min_level.choices = _certificate_choices(period)
    return render_template(
        "admin/periods_detail.html",
        period=period,
        dates_form=dates,
        certificate_form=certificates,
        status_form=StatusForm(formdata=None),
        extension_form=extension,
        extensions=service.extensions_of(period),
    ), status


@bp.route("/periods/<int:year>")
@roles_required(Role.ADMIN)
def period(year: int):
    return _render_period(_period_or_404(year))


@bp.route("/periods/<int:year>/status", methods=["POST"])
@roles_required(Role.ADMIN)
def period_status(year: int):
    period = _period_or_404(year)
    form = StatusForm()
    action = request.form.get("action", "")
    if not form.validate_on_submit() or action not in ("open", "close"):
        abort(400)
    target = PeriodStatus.OPEN if action == "open" else PeriodStatus.CLOSED
    with unit_of_work():
        changed = service.set_status(period, target, current_user)
    if changed:
        if target == PeriodStatus.OPEN:
            flash(_("Period %(year)s is open.", year=year), "success")
        else:
            flash(_("Period %(year)s is closed.", year=year), "success")
            # the region recap, issued when the period closes
            for issued in documents.issue_period_documents(period, current_user):
                if issued.failed:
                    flash(documents.not_issued_message(issued), "error")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for(".period", year=year), 303)


@bp.route("/periods/<int:year>/dates", methods=["POST"])
@roles_required(Role.ADMIN)
def period_dates(year: int):
    period = _period_or_404(year)
    form = DatesForm()
    return _save_setting(
        period,
        "dates",
        form,
        lambda: service.set_dates(period, form.opens_on.data, form.closes_on.data, current_user),
        _("The dates were saved."),
    )


def _save_setting(
    period: Period, name: str, form: FlaskForm, change: Callable[[], bool], saved: str
) -> Any:
    """Check one of the period page's forms, apply it with `change` (True: something changed),
    commit and go back to the page; a refusal shows the page again with the form as typed."""
    if not form.validate_on_submit():
        _form_errors(form)
        return _render_period(period, 400, **{name: form})
    try:
        with unit_of_work():
            changed = change()
    except service.PeriodRefused as error:
        flash(str(error), "error")
        return _render_period(period, 400, **{name: form})
    flash(saved if changed else _("Nothing changed."), "success")
    return redirect(url_for(".period", year=period.year), 303)


def _certificate_minimum(period: Period) -> int:
    return service.certificate_minimum(period, int(current_app.config["CERTIFICATE_MIN_LEVEL"]))


def _certificate_choices(period: Period) -> list[tuple[int, str]]:
    """0 (every final assessment) and the questionnaire's maturity levels with their names."""
    bands = instrument_service.instrument_of(period.instrument_version).maturity_bands
    choices = [(0, _("Every final assessment (the certificate states its level)"))]
    for band in sorted(bands, key=lambda band: band.level):
        if band.level > 0:
            label = _(
                "Level %(level)s (%(name)s) or higher", level=band.level, name=text_in(band.name)
            )
            choices.append((band.level, label))
    return choices


@bp.route("/periods/<int:year>/certificates", methods=["POST"])
@roles_required(Role.ADMIN)
def period_certificates(year: int):
    period = _period_or_404(year)
    form = CertificateForm()
    form.min_level.choices = _certificate_choices(period)
    return _save_setting(
        period,
        "certificates",
        form,
        lambda: service.set_certificate_minimum(period, form.min_level.data, current_user),
        _("The certificate rule was saved."),
    )


@bp.route("/periods/<int:year>/extensions", methods=["POST"])
@roles_required(Role.ADMIN)
def period_extension(year: int):
    period = _period_or_404(year)
    form = ExtensionForm()
    form.agency.choices = [(a.id, a.name) for a in service.active_agencies()]
    if not form.validate_on_submit():
        _form_errors(form)
        return _render_period(period, 400, extension=form)
    agency = store.get(Agency, form.agency.data)
    if agency is None:
        abort(400)
    try:
        with unit_of_work():
            service.grant_extension(period, agency, form.until.data, form.reason.data, current_user)
    except service.PeriodRefused as error:
        flash(str(error), "error")
        return _render_period(period, 409, extension=form)
    flash(
        _(
            "%(agency)s may fill in until %(date)s.",
            agency=agency.name,
            date=format_date(form.until.data, "long"),
        ),
        "success",
    )
    return redirect(url_for(".period", year=year), 303)


# --- instruments ---


ANSWER_TYPES = {
    "level": _l("Level 1-5"),
    "levels": _l("Level 1-5"),
    "choice": _l("Choice"),
    "checklist": _l("Checklist"),
    "number": _l("Number"),
    "yes_no": _l("Yes / no"),
    "text": _l("Text"),
}


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    question: str
    weight: str
    answer_type: str
    levels: str
    allow_na: bool
    sub_element: str


@dataclass(frozen=True)
class DimensionRow:
    code: str
    name: str
    weight: str
    sub_elements: list[str] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)


def _answer_type(indicator: Any) -> str:
    raw = getattr(indicator, "answer_type", None)
    kind = str(getattr(raw, "value", raw) or "level")
    label = ANSWER_TYPES.get(kind)
    return str(label) if label is not None else kind


def _named(item: Any) -> str:
    code = getattr(item, "code", "")
    name = getattr(item, "name", None)
    text = text_in(name) if name is not None and hasattr(name, "get") else str(name or "")
    return f"{code} {text}".strip() if code else text


def _answers(indicator: Any) -> str:
    """What an answer can be: the levels, or how many options or items there are."""
    options = getattr(indicator, "options", ())
    if options:
        return _("%(n)d options", n=len(options))
    return ", ".join(str(n) for n in indicator.level_numbers)


def preview_of(instrument: Instrument) -> list[DimensionRow]:
    """Plain rows for the preview: dimensions, their sub-elements, indicators with answer type."""
    rows = []
    for dimension in instrument.dimensions:
        subs = getattr(dimension, "sub_elements", ()) or ()
        sub_of = {
            indicator.code: sub.code for sub in subs for indicator in getattr(sub, "indicators", ())
        }
        indicators = [
            IndicatorRow(
                code=indicator.code,
                question=text_in(indicator.question),
                weight=number_filter(indicator.weight),
                answer_type=_answer_type(indicator),
                levels=_answers(indicator),
                allow_na=indicator.allow_not_applicable,
                sub_element=sub_of.get(indicator.code, ""),
            )
            for indicator in dimension.indicators
        ]
        rows.append(
            DimensionRow(
                code=dimension.code,
                name=text_in(dimension.name),
                weight=number_filter(dimension.weight),
                sub_elements=[
                    _named(sub)
                    + f" ({_('weight %(w)s', w=number_filter(getattr(sub, 'weight', None)))})"
                    for sub in subs
                ],
                indicators=indicators,
            )
        )
    return rows


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):.1f} MiB" if limit >= 1024 * 1024 else f"{limit} B"


@bp.route("/instruments")
@roles_required(Role.ADMIN)
def instruments():
    search = request.args.get("q", "").strip()[:100]
    page = instrument_service.versions_page(search, page_number())
    return render_template(
        "admin/instruments.html",
        page=page,
        search=search,
        years=instrument_service.years_using(page.items),
        workbooks=instrument_service.workbooks_supported(),
        **_page_links(page, q=search),
    )


def _render_upload(form: UploadForm, status: int = 200, **context: Any):
    return render_template(
        "admin/instruments_upload.html",
        form=form,
        max_size=_size(instrument_service.max_upload_bytes()),
        workbooks=instrument_service.workbooks_supported(),
        **context,
    ), status


@bp.route("/instruments/upload", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def upload():
    form = UploadForm()
    if request.method == "GET":
        return _render_upload(form)
    if not form.validate_on_submit():
        return _render_upload(form, 400)
    stored = form.file.data
    name = stored.filename or "instrument"
    limit = instrument_service.max_upload_bytes()
    data = stored.stream.read(limit + 1)  # never more than one byte past the limit
    try:
        checked = instrument_service.check_upload(data, name)
    except instrument_service.InstrumentTooLarge as error:
        message = _(
            "The file is too large: at most %(limit)s are accepted.", limit=_size(error.limit)
        )
        return _render_upload(form, 413, too_large=message, file_name=name)
    except InstrumentError as error:
        problems = [(problem, translated(problem)) for problem in error.problems]
        return _render_upload(form, 422, problems=problems, file_name=name)
    return _render_upload(
        form,
        200,
        checked=checked,
        dimensions=preview_of(checked.instrument),
        publish_form=PublishForm(formdata=None, token=checked.token),
        file_name=name,
    )


@bp.route("/instruments/publish", methods=["POST"])
@roles_required(Role.ADMIN)
def publish():
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data
    try:
        with unit_of_work():
            version, created = instrument_service.publish(token, current_user)
    except instrument_service.UploadNotFound:
        flash(_("That upload is no longer here: upload the file again."), "error")
        return redirect(url_for(".upload"), 303)
    except instrument_service.InstrumentConflict as error:
        flash(
            _(
                "Version %(version)s of %(code)s already exists with other content: "
                "give it a new version.",
                version=error.version,
                code=error.code,
            ),
            "error",
        )
        return _render_upload(UploadForm(formdata=None), 409)
    instrument_service.discard_upload(token)
    if created:
        flash(
            _("%(code)s %(version)s is published.", code=version.code, version=version.version),
            "success",
        )
    else:
        flash(
            _(
                "%(code)s %(version)s was already published with exactly this content.",
                code=version.code,
                version=version.version,
            ),
            "info",
        )
    return redirect(url_for(".instrument", version_id=version.id), 303)


@bp.route("/instruments/<int:version_id>")
@roles_required(Role.ADMIN)
def instrument(version_id: int):
    version = load_or_404(InstrumentVersion, version_id)
    parsed = instrument_service.instrument_of(version)
    return render_template(
        "admin/instruments_detail.html",
        version=version,
        instrument=parsed,
        dimensions=preview_of(parsed),
        years=instrument_service.years_using([version])[version.id],
        workbooks=instrument_service.workbooks_supported(),
    )


@bp.route("/instruments/<int:version_id>/download")
@roles_required(Role.ADMIN)
def download(version_id: int):
    version = load_or_404(InstrumentVersion, version_id)
    file_format = request.args.get("format", "yaml")
    if file_format not in instrument_service.FORMATS:
        abort(400, _("Choose the format yaml or xlsx."))
    if file_format == "xlsx" and not instrument_service.workbooks_supported():
        abort(404)
    data = instrument_service.export(version, file_format)
    media_type = (
        "application/yaml; charset=utf-8"
        if file_format == "yaml"
        else instrument_service.XLSX_MEDIA_TYPE
    )
    name = secure_filename(f"{version.code}-{version.version}.{file_format}") or "instrument"
    response = Response(data, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
