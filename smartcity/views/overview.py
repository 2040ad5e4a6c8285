"""Period overview for evaluators and administrators: every agency's assessment."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import Period, Role
from ..services import assessments as service
from ..services.instruments import instrument_of
from .helpers import roles_required

bp = Blueprint("overview", __name__)


@bp.route("/periods/<int:year>/assessments")
@roles_required(Role.ADMIN, Role.EVALUATOR)
def period_assessments(year: int):
    period = db.session.scalar(select(Period).filter_by(year=year))
    if period is None:
        abort(404)
    rows = service.period_overview(period)
    return render_template(
        "overview/period.html",
        period=period,
        instrument=instrument_of(period.instrument_version),
        rows=rows,
    )
