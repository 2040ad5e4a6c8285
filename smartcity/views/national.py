"""The national pages: every region's published results, for the ministry's roles."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..domain.national import province_name
from ..formatting import standing
from ..models import NATIONAL_ROLES, RegionKind
from ..policy import administers_nation, reads_nation
from ..services import accounts, regions
from ..services import national as service
from ..services.spreadsheets import DIALECTS
from ..services.store import unit_of_work
from .admin_people import ROLE_LABELS, created_from

bp = Blueprint("national", __name__, url_prefix="/national")

REGION_KINDS = {
    RegionKind.KABUPATEN: _l("Regency (kabupaten)"),
    RegionKind.KOTA: _l("City (kota)"),
    RegionKind.PROVINSI: _l("Province (provinsi)"),
}


@bp.app_template_filter("region_kind")
def region_kind(kind: str) -> str:
    try:
        return str(REGION_KINDS[RegionKind(kind)])
    except ValueError:
        return kind


@bp.before_request
@login_required
def only_national_roles():
    if not reads_nation(current_user):
        abort(403)


@bp.route("/")
def index():
    return render_template(
        "national/index.html",
        years=service.years(),
        trend=service.all_years(),
        regions=regions.all_regions(),
        administers=administers_nation(current_user),
        province_name=province_name,
    )


class RegionForm(FlaskForm):
    code = StringField(_l("Region code (kode wilayah)"), validators=[Length(max=13)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k.value, REGION_KINDS[k]) for k in RegionKind]
    )
    province = StringField(_l("Province code"), validators=[Length(max=13)])
    seat = StringField(_l("Seat (printed before dates)"), validators=[Length(max=100)])


class NationalUserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[Length(max=80)])
    full_name = StringField(_l("Full name"), validators=[Length(max=200)])
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in NATIONAL_ROLES]
    )
    password = PasswordField(
        _l("Initial password (the user must change it at first log-in)"),
        validators=[Length(max=200)],
    )


def _only_ministry_admins() -> None:
    if not administers_nation(current_user):
        abort(403)


@bp.route("/regions/new", methods=["GET", "POST"])
def region_new():
    _only_ministry_admins()
    form = RegionForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                region = regions.create_region(
                    form.code.data or "",
                    name=form.name.data or "",
                    kind=form.kind.data or "",
                    province_code=form.province.data or None,
                    seat=form.seat.data or "",
                    by=current_user,
                )
        except regions.RegionError as error:
            form.code.errors = [*form.code.errors, str(error)]
        else:
            flash(_("Region %(code)s %(name)s created.", code=region.code, name=region.name))
            return redirect(url_for(".index"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("national/region_form.html", form=form), status


@bp.route("/users")
def users():
    _only_ministry_admins()
    return render_template("national/users.html", users=accounts.national_users())


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    _only_ministry_admins()
    form = NationalUserForm()
    if created_from(form) is not None:
        return redirect(url_for(".users"), 303)
    status = 400 if request.method == "POST" else 200
    response = render_template("national/user_form.html", form=form)
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/<int:year>")
def year_page(year: int):
    national = service.of_year(year)
    if national is None:
        abort(404)
    return render_template("national/year.html", national=national, province_name=province_name)


@bp.route("/<int:year>/regions/<code>")
def region_page(year: int, code: str):
    """A region's results for the year, read-only, as its own leadership reads them."""
    found = service.region_page(year, code[:13])
    if found is None:
        abort(404)
    region, results = found
    return render_template(
        "national/region.html",
        region=region,
        results=results,
        standing=standing,
        province_name=province_name,
    )


@bp.route("/<int:year>/export.csv")
def export(year: int):
    dialect = request.args.get("dialect", "")
    if dialect not in DIALECTS:
        abort(400, _("A CSV dialect is empty or excel-id."))
    national = service.of_year(year)
    if national is None:
        abort(404)
    columns = [
        _("Rank"),
        _("Code"),
        _("Region"),
        _("Province"),
        _("Index"),
        _("Level"),
        _("Agencies with a final result"),
        _("Agencies"),
        _("Index the year before"),
    ]
    lines = service.export_lines(national, columns, dialect)
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="nasional-{year}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
