"""Downloads of a period's answers and results as CSV or XLSX (docs/EXPORTS.md).

Who reads what follows the period overview: administrators and viewers the whole region,
evaluators the agencies assigned to them.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _
from flask_login import current_user

from ..models import Role
from ..services import exports as service
from .helpers import language, roles_required

bp = Blueprint("exports", __name__)


@bp.route("/periods/<int:year>/export")
@roles_required(Role.ADMIN, Role.EVALUATOR, Role.VIEWER)
def period_export(year: int):
    period = service.find_period(year)
    if period is None:
        abort(404)
    what = request.args.get("what", "results")
    file_format = request.args.get("format", "xlsx")
    dialect = request.args.get("dialect", "")
    if (
        what not in service.WHATS
        or file_format not in service.FORMATS
        or dialect not in service.DIALECTS
        or (dialect and file_format != "csv")
    ):
        abort(
            400,
            _(
                "Choose what=answers or results, format=csv or xlsx, and for a CSV "
                "optionally dialect=excel-id."
            ),
        )
    exported = service.export(
        period,
        service.reader_for_pages(current_user, period),
        what,
        file_format,
        language=language(),
        dialect=dialect,
    )
    response = Response(exported.content, mimetype=exported.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
