"""The national pages: every region's published results, for the ministry's roles."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..domain.national import province_name
from ..models import RegionKind
from ..policy import administers_nation, reads_nation
from ..services import national as service
from ..services import regions
from ..services.spreadsheets import DIALECTS

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
        regions=regions.all_regions(),
        administers=administers_nation(current_user),
        province_name=province_name,
    )


@bp.route("/<int:year>")
def year_page(year: int):
    national = service.of_year(year)
    if national is None:
        abort(404)
    return render_template("national/year.html", national=national, province_name=province_name)


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
