"""The JSON API v1: read-only, authenticated by API tokens only (never by the session cookie).

An agency's token reads only its own agency: another agency's assessment is 404, as on the
pages. Tokens of administrators, evaluators and viewers read the whole region (unlike the
pages, where an evaluator sees the agencies assigned to them); a review in progress stays
with admins and the agency's evaluators. Rules: policy.py; details: docs/API.md.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import PathConverter

from .. import tenancy
from ..errors import RETRY_AFTER, database_unavailable, record_database_down, rollback
from ..extensions import csrf, limiter
from ..models import NATIONAL_ROLES, Evidence, NationalPeriodStatus, Period, User
from ..requestlog import request_id
from ..services import documents, exports, national, national_evaluation, regions, tokens
from ..services.periods import all_periods
from .openapi import ERROR_CODES, document

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# no cookies are read here, so there is nothing for a forged cross-site request to ride on
csrf.exempt(bp)


def rate_limit() -> str:
    """Requests per client address: app config, else the environment, else 120 a minute."""
    return current_app.config.get("API_RATE_LIMIT") or os.environ.get(
        "API_RATE_LIMIT", "120 per minute"
    )


limiter.limit(rate_limit)(bp)

# every method a client may try, so that a wrong one gets this API's JSON error
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "QUERY"]
PUBLIC_ENDPOINTS = {"api.openapi_document"}
NATIONAL_ENDPOINTS = frozenset({"api.national_results", "api.national_evaluation_results"})
SHARED_ENDPOINTS = frozenset({"api.regions_list"})


class AnyPathConverter(PathConverter):
    """Like `path`, but also across line breaks: no request below /api/v1 escapes its errors."""

    regex = "(?s:.*)"
    part_isolating = False


@bp.record_once
def _register_converter(state) -> None:
    state.app.url_map.converters["api_any"] = AnyPathConverter


class ApiError(Exception):
    """A refusal with its HTTP status and a message for people."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> Response:
    body = {
        "error": {
            "code": ERROR_CODES.get(status, ERROR_CODES[500]),
            "message": message,
            "request_id": request_id(),
        }
    }
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="smartcity"'
    return response


def default_message(status: int) -> str:
    messages = {
        400: _("The request could not be processed."),
        401: _("Send a valid API token: Authorization: Bearer <token>."),
        403: _("This token may not read this."),
        404: _("Not found."),
        405: _("Only GET is allowed here."),
        429: _("Too many requests. Wait a minute, then try again."),
    }
    return messages.get(status, _("Something went wrong on our side."))


@bp.errorhandler(ApiError)
def api_error(error: ApiError) -> Response:
    return error_response(error.status, error.message)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = error_response(status, default_message(status))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


@bp.errorhandler(Exception)
def unexpected(error: Exception) -> Response:
    if database_unavailable(error):
        record_database_down(error)
        response = error_response(503, _("The service is briefly unavailable"))
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    log.exception("%s unhandled API error on %s %s", request_id(), request.method, request.path)
    rollback()
    return error_response(500, default_message(500))


@bp.before_request
def authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, default_message(401))
    user = tokens.user_for_secret(secret.strip())
    if user is None:
        raise ApiError(401, _("This API token is unknown, revoked or its user is inactive."))
    # region tokens read their region's endpoints, national tokens the national ones; both
    # list the regions they may see
    national = user.role in NATIONAL_ROLES
    if request.endpoint in NATIONAL_ENDPOINTS and not national:
        raise ApiError(403, default_message(403))
    if request.endpoint not in NATIONAL_ENDPOINTS | SHARED_ENDPOINTS and national:
        raise ApiError(403, default_message(403))
    g.api_user = user
    # the token's user works in their region: every query below stays inside it
    tenancy.enter_for(user)


def api_user() -> User:
    return g.api_user


# --- endpoints -------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(document())


@bp.get("/periods")
def periods() -> Response:
    rows = all_periods()
    return jsonify({"periods": [period_json(period) for period in rows]})


@bp.get("/periods/<int:year>/results")
def period_results(year: int) -> Response:
    period = _period(year)
    data = exports.load_period(period, exports.reader_for_api(api_user(), period), details=False)
    return jsonify(
        {
            "period": period_json(period),
            "agencies": [
                {
                    "code": entry.assessment.agency.code,
                    "name": entry.assessment.agency.name,
                    "status": entry.assessment.status,
                    "overall": score_json(entry.overall),
                    "dimensions": [
                        {"code": code, **score_json(view)} for code, view in entry.dimensions
                    ],
                }
                for entry in exports.agency_scores(data)
            ],
        }
    )


@bp.get("/regions")
def regions_list() -> Response:
    """The regions the token may see: every region for a national token, its own otherwise."""
    user = api_user()
    rows = regions.all_regions()
    if user.role not in NATIONAL_ROLES:
        own = tenancy.region_code(user)
        rows = [row for row in rows if row.code == own]
    return jsonify(
        {
            "regions": [
                {
                    "code": row.code,
                    "name": row.name,
                    "kind": row.kind,
                    "province_code": row.province_code,
                }
                for row in rows
            ]
        }
    )


@bp.get("/national/periods/<int:year>/results")
def national_results(year: int) -> Response:
    """Every region's published result for the year, ranked (as on /national/<year>)."""
    result = national.of_year(year)
    if result is None:
        raise ApiError(404, _("No region has an assessment period %(year)s.", year=year))
    return jsonify(
        {
            "year": result.year,
            "mean": number_json(result.mean),
            "pillars": [
                {"code": p.dimension.code, "mean": number_json(p.mean)} for p in result.pillars
            ],
            "regions": [
                {
                    "rank": region.rank,
                    "code": region.code,
                    "name": region.name,
                    "province_code": region.province_code,
                    "index": number_json(region.index),
                    "level": region.maturity.level if region.maturity is not None else None,
                    "pillars": [
                        {"code": code, "index": number_json(index)}
                        for code, index in region.pillars.items()
                    ],
                    "final_agencies": region.final_agencies,
                    "agencies": region.agencies,
                    "previous_index": number_json(region.previous),
                }
                for region in result.regions
            ],
        }
    )


@bp.get("/national/evaluations/<int:year>/results")
def national_evaluation_results(year: int) -> Response:
    """The ministry's ranking of a final national year (as on /national/evaluations/<year>/
    results), from the results stored at finalization."""
    period = national_evaluation.national_period(year)
    if period is None or period.status != NationalPeriodStatus.FINAL:
        raise ApiError(404, _("No final national period %(year)s.", year=year))
    awards = documents.awards_of(period)

    def indices(values: dict) -> list[dict]:
        return [{"code": code, "index": number_json(index)} for code, index in values.items()]

    version = period.instrument_version
    return jsonify(
        {
            "year": period.year,
            "instrument": f"{version.code} {version.version}",
            "regions": [
                {
                    "rank": row.rank,
                    "code": row.code,
                    "name": row.name,
                    "province_code": row.province_code,
                    "index": number_json(row.index),
                    "level": row.level,
                    "pillars": indices(row.pillars),
                    "evaluation_dimensions": indices(row.evaluation_dimensions),
                    "award": (
                        awards[row.submission_id].code if row.submission_id in awards else None
                    ),
                }
                for row in national_evaluation.ranking(period)
            ],
        }
    )


@bp.get("/periods/<int:year>/agencies/<code>/assessment")
def agency_assessment(year: int, code: str) -> Response:
    period = _period(year)
    if len(code) > 40 or "\x00" in code:
        raise ApiError(404, _("No assessment of this agency in %(year)s.", year=year))
    data = exports.load_period(period, exports.reader_for_api(api_user(), period), agency_code=code)
    if not data.assessments:
        raise ApiError(404, _("No assessment of this agency in %(year)s.", year=year))
    assessment = data.assessments[0]
    (entry,) = exports.agency_scores(data)
    files = exports.evidence_files(assessment)
    return jsonify(
        {
            "period": period_json(period),
            "agency": {"code": assessment.agency.code, "name": assessment.agency.name},
            "status": assessment.status,
            "round": assessment.round,
            "submitted_at": timestamp(assessment.submitted_at),
            "overall": score_json(entry.overall),
            "dimensions": [{"code": c, **score_json(view)} for c, view in entry.dimensions],
            "answers": [
                answer_json(view, files.get(view.indicator_code, []))
                for view in exports.answer_views(data, assessment)
            ],
        }
    )


@bp.route("/<api_any:anything>", methods=ANY_METHOD)
def unknown(anything: str) -> Response:
    """Unknown API paths get 404, known ones with a wrong method 405: both as JSON errors."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _args = adapter.match(method="GET")
    except HTTPException:
        endpoint = None
    if endpoint not in (None, "api.unknown") and request.method != "GET":
        raise MethodNotAllowed(valid_methods=["GET", "HEAD", "OPTIONS"])
    raise NotFound()


# --- JSON shapes (components of openapi.py) --------------------------------------------------


def _period(year: int) -> Period:
    period = exports.find_period(year)
    if period is None:
        raise ApiError(404, _("There is no assessment period %(year)s.", year=year))
    return period


def period_json(period: Period) -> dict[str, Any]:
    return {
        "year": period.year,
        "status": period.status,
        "instrument": {
            "code": period.instrument_version.code,
            "version": period.instrument_version.version,
        },
    }


def number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def number_json(index: Fraction | None) -> float | None:
    """An exact index as the API gives every index: rounded half-up to two decimals."""
    return number(exports.rounded(index))


def score_json(view: exports.ScoreView) -> dict[str, Any]:
    return {
        "self_index": number(view.self_index),
        "verified_index": number(view.verified_index),
        "final_index": number(view.final_index),
        "maturity": (
            {
                "level": view.maturity_level,
                "name": view.maturity_name,
                # named as everywhere in the app (docs/INSTRUMENT_FORMAT.md), in Indonesian
                "predicate": view.maturity_name,
                "level_name": view.level_name,
                "label": view.label,
            }
            if view.maturity_level is not None
            else None
        ),
    }


def timestamp(value: datetime | None) -> str | None:
    # stored as naive UTC
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def answer_json(view: exports.AnswerView, files: list[Evidence]) -> dict[str, Any]:
    return {
        "dimension_code": view.dimension_code,
        "indicator_code": view.indicator_code,
        "self_level": view.self_level,
        "self_not_applicable": view.self_not_applicable,
        "justification": view.justification,
        "verified_level": view.verified_level,
        "verified_not_applicable": view.verified_not_applicable,
        "evaluator_note": view.note,
        "answer_type": view.answer_type,
        "self_value": view.self_value,
        "verified_value": view.verified_value,
        "evidence": [
            {
                "id": row.id,
                "name": row.original_name,
                "media_type": row.media_type,
                "size": row.size,
                "sha256": row.sha256,
                "uploaded_at": timestamp(row.uploaded_at),
            }
            for row in files
        ],
    }
