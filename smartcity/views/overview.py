"""Period overview for evaluators and administrators: the agencies' assessments.

An administrator sees every agency; an evaluator only the agencies assigned to them.
`?queue=1` narrows the list to the review queue: submitted and in-review assessments.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..models import Role
from ..policy import administers, reviews_by_assignment
from ..services import results, review
from ..services.instruments import instrument_of
from ..services.periods import find_period
from .helpers import roles_required

bp = Blueprint("overview", __name__)


@bp.route("/periods/<int:year>/assessments")
@roles_required(Role.ADMIN, Role.EVALUATOR, Role.VIEWER)
def period_assessments(year: int):
    period = find_period(year)
    if period is None:
        abort(404)
    queue = request.args.get("queue") == "1"
    rows = review.overview_for(current_user, period, queue=queue)
    return render_template(
        "overview/period.html",
        period=period,
        instrument=instrument_of(period.instrument_version),
        rows=rows,
        scores=results.period_lines(period, [row.assessment for row in rows]),
        queue=queue,
        administers=administers(current_user),
        assigned_only=reviews_by_assignment(current_user),
    )
