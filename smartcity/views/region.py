"""The region's results for a period: the Smart City team and the leadership (viewer)."""

from __future__ import annotations

import math

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..domain.charts import bar_chart, radar_svg
from ..domain.region import DEFAULT_DIRECTION, DIRECTIONS, SORT_KEYS, sorted_ranking
from ..formatting import index_filter
from ..models import Role
from ..policy import can_issue_documents
from ..services import documents
from ..services import region as service
from ..services.follow_ups import region_follow_ups
from .helpers import language, page_number, roles_required, text_in

bp = Blueprint("region", __name__)

PAGE_SIZE = 100  # agencies per page of the ranking (a region has 30-50; a nation thousands)


def region_charts(region: service.PeriodRegion) -> dict[str, Markup]:
    """The page's pictures; the same numbers are in its tables. Labels are escaped by charts."""
    result = region.result
    labels = [f"{d.dimension.code} {text_in(d.dimension.name)}" for d in result.dimensions]
    means = [float(d.mean) if d.mean is not None else None for d in result.dimensions]
    no_data = _("No final result yet")
    charts = {
        "bars": bar_chart(
            labels,
            means,
            value_labels=[index_filter(d.mean) for d in result.dimensions],
            title=_("Region index per dimension"),
            chart_id="chart-dimensions",
            empty_text=no_data,
        ),
        "levels": bar_chart(
            [f"{band.level} {text_in(band.name)}" for band, _count in result.level_counts],
            # no final agency: nothing to draw (rather than a row of empty bars)
            [float(count) if result.final else None for _band, count in result.level_counts],
            maximum=max((count for _band, count in result.level_counts), default=0),
            value_labels=[str(count) for _band, count in result.level_counts],
            title=_("Agencies per maturity level"),
            chart_id="chart-levels",
            empty_text=no_data,
        ),
    }
    # a dimension without a final result is left out of the radar, not drawn as 0
    scored = [d for d in result.dimensions if d.mean is not None]
    if len(scored) >= 3:
        charts["radar"] = radar_svg(
            [d.dimension.code for d in scored],
            [[float(d.mean) for d in scored]],  # type: ignore[arg-type]
            title=_("Region index per dimension (radar)"),
            chart_id="chart-radar",
        )
    # our own SVG text, every label escaped by the chart functions
    return {name: Markup(svg) for name, svg in charts.items()}  # noqa: S704


def radar_left_out(region: service.PeriodRegion) -> list[str]:
    """Codes of the dimensions that have no final result (not on the radar)."""
    return [d.dimension.code for d in region.result.dimensions if d.mean is None]


@bp.route("/periods/<int:year>/region")
@roles_required(Role.ADMIN, Role.EVALUATOR, Role.VIEWER)
def period_region(year: int):
    period = service.find_period(year)
    if period is None:
        abort(404)
    region = service.region_for(period)
    sort = request.args.get("sort", "index")
    sort = sort if sort in SORT_KEYS else "index"
    direction = request.args.get("dir")
    direction = direction if direction in DIRECTIONS else DEFAULT_DIRECTION[sort]
    ranking = sorted_ranking(region.result.ranking, sort, direction)
    pages = max(1, math.ceil(len(ranking) / PAGE_SIZE))
    page = min(page_number(), pages)
    return render_template(
        "region/period.html",
        region=region,
        charts=region_charts(region),
        left_out=radar_left_out(region),
        ranking=ranking[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        sort=sort,
        direction=direction,
        page=page,
        pages=pages,
        default_direction=DEFAULT_DIRECTION,
        documents=documents.issued_for_period(period),
        may_issue=can_issue_documents(current_user),
        follow_ups=region_follow_ups(period, language()),
    )
