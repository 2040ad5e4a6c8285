"""The region's results for a period: the Smart City team and the leadership (viewer)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..models import Role
from ..services import region as service
from .helpers import roles_required

bp = Blueprint("region", __name__)


@bp.route("/periods/<int:year>/region")
@roles_required(Role.ADMIN, Role.EVALUATOR, Role.VIEWER)
def period_region(year: int):
    period = service.find_period(year)
    if period is None:
        abort(404)
    return render_template("region/period.html", region=service.region_for(period))
