"""Autosave: one answer saved as the user changes it, JSON in and out (docs/AUTOSAVE.md).

One protocol, two places: an agency's answers to its assessment and the region administrator's
answers to its submission to the ministry's evaluation. Each route only loads its object and
checks access; reading the request and every reply are shared below.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from ..domain.answer_types import REGISTRY
from ..domain.workflow import AGENCY_MEMBERS
from ..errors import RETRY_AFTER, database_unavailable, record_database_down
from ..extensions import csrf
from ..formatting import datetime_filter
from ..models import Answer, Assessment, RegionAnswer
from ..policy import actor_for, assembles_submissions, can_view_assessment, reads_submission
from ..requestlog import request_id
from ..services import assessments as service
from ..services import national_evaluation, store

bp = Blueprint("autosave", __name__)
log = logging.getLogger(__name__)

Reply = tuple[dict[str, Any], int]

# one answer is a flat object (its checklist items one list deeper); 120 KB hold the longest
# justification even with every character escaped
MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 8
_JSON_NESTING = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def problem(status: int, error: str, message: str, **extra: Any) -> Reply:
    return {"error": error, "message": message, **extra}, status


class Refused(Exception):
    """A reply that ends the request before anything is saved (the protocol's refusals)."""

    def __init__(self, status: int, error: str, message: str, **extra: Any):
        super().__init__(error)
        self.reply = problem(status, error, message, **extra)


@bp.route("/assessments/<int:assessment_id>/autosave", methods=["POST"])
@csrf.exempt  # checked in `checked_body`, after the log-in check: an expired session hears 401
def save(assessment_id: int) -> Reply:
    body = checked_body(lambda sent: page_of(assessment_id, sent))
    assessment = service.get_assessment(assessment_id)
    if assessment is None or not can_view_assessment(current_user, assessment):
        return problem(404, "not_found", _("This assessment was not found."))
    if actor_for(current_user, assessment) not in AGENCY_MEMBERS:  # its operators and head
        return problem(403, "forbidden", _("Only the agency can change these answers."))
    # whether the agency may still edit (status, period, deadline) is decided by the service,
    # under the assessment's lock: one check instead of one here and one there
    code, entry, based_on = answer_of(body)
    return saved_reply(
        lambda: service.save_answer(assessment, current_user, code, entry, based_on),
        service.AssessmentRefused,
        # the agency's own assessment, submitted or in a closed period: its state, not a role
        _("This assessment can no longer be changed; nothing was saved."),
    )


@bp.route("/national-evaluation/submissions/<int:submission_id>/autosave", methods=["POST"])
@csrf.exempt  # as above
def save_region_answer(submission_id: int) -> Reply:
    body = checked_body(lambda sent: region_page_of(submission_id, sent))
    # a role check first, as the submission's buttons do: the region's team and head read the
    # submission anyway; another region's submission is not found (tenancy)
    if not assembles_submissions(current_user):
        return problem(
            403, "forbidden", _("Only the region's administrator can change these answers.")
        )
    submission = national_evaluation.submission_by_id(submission_id)
    if submission is None or not reads_submission(current_user, submission):
        return problem(404, "not_found", _("This submission was not found."))
    code, entry, based_on = answer_of(body)
    # draft or returned, decided by the service under the submission's lock
    return saved_reply(
        lambda: national_evaluation.save_answer(submission, current_user, code, entry, based_on),
        national_evaluation.EvaluationRefused,
        _("This submission cannot be changed now; nothing was saved."),
    )


def checked_body(page: Callable[[Any], str]) -> Any:
    """The request's JSON once the user is logged in, the CSRF token is right and the body is
    within its limits; otherwise `Refused` (401 with the way back to `page(body)`, 400).

    The log-in is checked before the body is read: nothing an anonymous client sends is parsed
    beyond the limits of `read_body`.
    """
    if not current_user.is_authenticated:
        body = read_body()
        raise Refused(
            401,
            "login_required",
            _("Your session has ended. Log in again; your unsaved changes are kept."),
            login_url=url_for("auth.login", next=page(body)),
        )
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    body = read_body()
    if isinstance(body, BodyProblem):
        raise Refused(400, "bad_request", str(body))
    return body


def answer_of(body: Any) -> tuple[str, service.AnswerInput, int]:
    """The answer sent (`parse_body`), or `Refused` (400) saying what is wrong with it."""
    parsed = parse_body(body)
    if isinstance(parsed, str):
        raise Refused(400, "bad_request", parsed)
    return parsed


def saved_reply(
    save: Callable[[], service.SavedAnswer], refused: type[Exception], not_editable: str
) -> Reply:
    """Run the service's save and answer with its outcome: saved, invalid, no longer editable
    (`refused` raised: `not_editable` is the message) or a colleague's version first."""
    try:
        saved = save()
    except service.AnswersInvalid as error:
        return problem(422, "invalid", " ".join(error.problems), problems=error.problems)
    except refused:
        return problem(409, "not_editable", not_editable)
    except service.AnswerConflict as error:
        theirs = error.answers[0]
        return problem(
            409,
            "conflict",
            conflict_text(theirs),
            theirs=answer_json(theirs),
        )
    return {
        "indicator": saved.indicator_code,
        "version": saved.version,
        "changed": saved.changed,
        "saved_at": iso(saved.saved_at),
        "saved_at_display": format_time(saved.saved_at, "short") if saved.saved_at else "",
    }, 200


class BodyProblem(str):
    """What is wrong with a request body before its content is looked at (for the user)."""


def nested_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects deeper than `limit` (strings skipped)."""
    depth = 0
    for found in _JSON_NESTING.finditer(raw):
        token = found.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def read_body() -> Any:
    """The JSON sent, None when it is no JSON, or a BodyProblem when it is too large or too
    deeply nested to be parsed at all."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return BodyProblem(_("The request is too large."))
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        return BodyProblem(_("The request is too large."))
    if nested_deeper_than(raw, MAX_DEPTH):
        return BodyProblem(_("The request is nested too deeply."))
    return request.get_json(silent=True)


def parse_body(body: Any) -> tuple[str, service.AnswerInput, int] | str:
    """The answer the browser sent, or what is wrong with the request (for the user)."""
    if not isinstance(body, dict):
        return _("The request is not a JSON object.")
    code = body.get("indicator")
    not_applicable = body.get("not_applicable", False)
    justification = body.get("justification", "")
    version = body.get("version") or 0
    # each answer type's value under its own key, in its own shape (domain/answer_types)
    raw_values = {kind.field: body.get(kind.field) for kind in REGISTRY.values()}
    if (
        not isinstance(code, str)
        or not code
        or not all(kind.json_ok(raw_values[kind.field]) for kind in REGISTRY.values())
        or not isinstance(not_applicable, bool)
        or not isinstance(justification, str)
        or not isinstance(version, int)
        or isinstance(version, bool)
        or version < 0
    ):
        return _(
            "The request needs indicator (text), level (number or null), not_applicable (true "
            "or false), justification (text) and version (number); choice (text), checked "
            "(a list of texts) and number (text) are optional."
        )
    entry = service.AnswerInput(
        not_applicable=not_applicable,
        justification=justification,
        **{kind.field: kind.from_json(raw_values[kind.field]) for kind in REGISTRY.values()},
    )
    return code, entry, version


def page_of(assessment_id: int, body: Any) -> str:
    """Where to come back after logging in again: the dimension page of the indicator."""
    assessment = store.get(Assessment, assessment_id)
    code = body.get("indicator") if isinstance(body, dict) else None
    if assessment is not None and isinstance(code, str):
        dimension = service.instrument_for(assessment).dimension_of(code)
        if dimension is not None:
            return url_for("assessment.dimension", assessment_id=assessment_id, code=dimension.code)
    return url_for("assessment.overview", assessment_id=assessment_id)


def region_page_of(submission_id: int, body: Any) -> str:
    """Where to come back after logging in again: the pillar page of the indicator."""
    submission = national_evaluation.submission_by_id(submission_id)
    if submission is None:
        return url_for("national_submission.index")
    period = submission.national_period
    code = body.get("indicator") if isinstance(body, dict) else None
    if isinstance(code, str):
        dimension = national_evaluation.instrument_for(period).dimension_of(code)
        if dimension is not None:
            return url_for("national_submission.pillar", year=period.year, code=dimension.code)
    return url_for("national_submission.overview", year=period.year)


def iso(moment: datetime | None) -> str | None:
    """Stored times are naive UTC; the browser gets them with their offset."""
    return moment.replace(tzinfo=UTC).isoformat() if moment else None


def answer_json(row: Answer | RegionAnswer) -> dict[str, Any]:
    who = row.updated_by
    return {
        **{kind.field: kind.to_json(row.value) for kind in REGISTRY.values()},
        "not_applicable": row.not_applicable,
        "justification": row.justification,
        "version": row.version or 0,
        "updated_by": (who.full_name or who.username) if who else None,
        "updated_at": iso(row.updated_at),
        # the list format of every page ("6 Des 2026 10.13"; formatting.py)
        "updated_at_display": datetime_filter(row.updated_at) if row.updated_at else "",
    }


def conflict_text(row: Answer | RegionAnswer) -> str:
    who = row.updated_by.full_name or row.updated_by.username if row.updated_by else "?"
    return _(
        "%(code)s was changed by %(who)s while you were editing. Nothing was saved: choose "
        "which version to keep.",
        code=row.indicator_code,
        who=who,
    )


@bp.errorhandler(Refused)
def refused_early(error: Refused) -> Reply:
    return error.reply


@bp.errorhandler(CSRFError)
def csrf_refused(error: CSRFError) -> Reply:
    return problem(
        400,
        "csrf",
        _(
            "This page is out of date (the security token is missing or expired). Reload the "
            "page; your unsaved changes are kept in this browser."
        ),
    )


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Reply:
    status = error.code or 500
    return problem(status, f"http_{status}", error.description or error.name)


@bp.errorhandler(Exception)
def unexpected(error: Exception):
    if database_unavailable(error):
        record_database_down(error)  # the reply keeps this endpoint's shape
        body, status = problem(
            503,
            "database_unavailable",
            _("Something went wrong on our side; your change is kept and will be sent again."),
            request_id=request_id(),
        )
        return body, status, {"Retry-After": str(RETRY_AFTER)}
    if isinstance(error, DataError):
        # a value the database cannot hold: sending it again would fail again, so it is no 5xx
        log.warning("%s autosave not storable: %s", request_id(), error.orig or error)
        store.discard()
        return problem(
            422,
            "not_storable",
            _(
                "This change cannot be stored (a value is longer than the database allows); "
                "it is kept in this browser. Tell the administrator."
            ),
            request_id=request_id(),
        )
    log.exception("%s unhandled error on %s %s", request_id(), request.method, request.path)
    store.discard()
    return problem(
        500,
        "server_error",
        _("Something went wrong on our side; your change is kept and will be sent again."),
        request_id=request_id(),
    )
