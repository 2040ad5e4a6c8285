"""An agency's dashboard over the years, and any two periods compared."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import formatting
from ..domain import formats
from ..domain.charts import trend_chart, trend_legend
from ..models import Role
from ..policy import can_view_agency, reads_region
from ..services import dashboards as service
from ..services.agencies import find_agency
from .helpers import BadArgument, number_argument, text_in

bp = Blueprint("dashboards", __name__)


@bp.app_template_filter("delta")
def delta_filter(delta) -> str:
    # display_delta's rounding, in the page's language ("−0,59"; formatting.py)
    return formats.difference(delta, formatting.language()) if delta is not None else "-"


def _agency_or_404(code: str):
    agency = find_agency(code)
    if agency is None or not can_view_agency(current_user, agency.id):
        abort(404)
    return agency


@bp.route("/agencies/<code>/dashboard")
@login_required
def agency_dashboard(code: str):
    agency = _agency_or_404(code)
    board = service.agency_dashboard(agency)
    series = [
        (f"{row.code} {text_in(row.dimension.name)}", [_float(v) for v in row.values])
        for row in board.dimensions
    ]
    if board.final_years:
        finals = [y for y in board.years if y.is_final]
        series.insert(0, (_("Index"), [_float(y.index) for y in finals]))
    chart = trend_chart(
        [str(year) for year in board.final_years],
        series,
        title=_("Verified index per dimension over the years"),
        chart_id="chart-trend",
        empty_text=_("No final result yet"),
        legend=False,  # page text below the picture: readable however small the picture
    )
    legend = trend_legend([name for name, _values in series]) if board.final_years else ""
    # our own SVG text, every label escaped by the chart function
    return render_template(
        "dashboards/agency.html",
        board=board,
        chart=Markup(chart),  # noqa: S704
        legend=Markup(legend),  # noqa: S704
        can_compare=len(board.years) > 1,
    )


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _year_argument(name: str) -> int | None:
    try:
        return number_argument(name, minimum=1000, maximum=9999)
    except BadArgument:
        raw = request.args.get(name, "").strip()
        abort(400, description=_("%(value)s is not a year.", value=raw[:20]))


@bp.route("/compare")
@login_required
def compare():
    code = request.args.get("agency", "").strip()
    if current_user.role == Role.AGENCY:
        # an agency compares its own results; naming another agency reveals nothing
        if current_user.agency is None or (code and code != current_user.agency.code):
            abort(404)
        code = current_user.agency.code
    elif not reads_region(current_user):
        abort(403)
    agency = _agency_or_404(code) if code else None
    periods = service.all_periods()
    if not periods:
        abort(404)
    years = [p.year for p in periods]
    to_year = _year_argument("to") or years[-1]
    # by default the later period is compared with the one just before it
    earlier = [year for year in years if year < to_year]
    from_year = _year_argument("from") or (earlier[-1] if earlier else to_year)
    by_year = {p.year: p for p in periods}
    if from_year not in by_year or to_year not in by_year:
        abort(404)
    result = service.comparison(by_year[from_year], by_year[to_year], agency)
    return render_template(
        "dashboards/compare.html",
        result=result,
        years=years,
        from_year=from_year,
        to_year=to_year,
        agency=agency,
        agency_choice=reads_region(current_user),
    )
