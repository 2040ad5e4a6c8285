"""The evaluator's side: assignments, the review page, finalizing and reopening.

Access, consistently with the rest of the app:
- someone who may not see the assessment (another agency, an unassigned evaluator, an
  evaluator who belongs to the assessed agency) gets 404: ids reveal nothing;
- someone who sees it but may not act (the agency on the review page, the agency or an
  evaluator on finalize/reopen) gets 403;
- an allowed actor at the wrong moment (finalizing a draft, reviewing a verified one) gets 409
  with a flashed message, and nothing changes;
- a missing comment or reason, or a missing note, gets 400 with what was typed kept.
"""

from __future__ import annotations

from fractions import Fraction

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from .. import formatting
from ..domain import formats
from ..domain.workflow import REVIEWABLE, Action, Stage, Status, TransitionRefused, stage
from ..forms import (
    ReopenForm,
    answer_field_data,
    review_form,
)
from ..models import Evidence, Period, Role
from ..parsing import whole_number
from ..policy import can_review
from ..services import assessments as service
from ..services import documents, review, store, workflow
from ..services.accounts import active_evaluators
from ..services.periods import active_agencies, find_period
from ..services.store import unit_of_work
from .assessment import indicator_groups, load_assessment, render_overview
from .confirm import render_confirmation
from .helpers import language, roles_required

bp = Blueprint("review", __name__)

STATUS_NAMES = {
    Status.DRAFT: _l("Draft"),
    Status.AWAITING_APPROVAL: _l("Awaiting the head's approval"),
    Status.SUBMITTED: _l("Submitted"),
    Status.IN_REVIEW: _l("In review"),
    Status.RETURNED: _l("Returned"),
    Status.VERIFIED: _l("Verified"),
    Status.FINAL: _l("Final"),
}

ACTION_NAMES = {
    Action.SUBMIT: _l("Sent to the head of the agency"),
    Action.APPROVE: _l("Approved by the head and submitted"),
    Action.RETURN_TO_OPERATORS: _l("Returned to the operators by the head"),
    Action.START_REVIEW: _l("Review started"),
    Action.RETURN: _l("Returned to the agency"),
    Action.VERIFY: _l("Verified"),
    Action.FINALIZE: _l("Finalized"),
    Action.REOPEN: _l("Reopened"),
}


@bp.app_template_filter("stage")
def stage_filter(status: str) -> Stage:
    """Where an assessment stands (`domain.workflow.stage`): pages ask its flags, never compare
    status names."""
    return stage(status)


@bp.app_template_filter("status_name")
def status_name(status: str) -> str:
    """A status for people to read ("In review"), in the user's language."""
    try:
        return str(STATUS_NAMES[Status(status)])
    except ValueError:
        return status


@bp.app_template_filter("action_name")
def action_name(action: str) -> str:
    try:
        return str(ACTION_NAMES[Action(action)])
    except ValueError:
        return action


@bp.app_template_filter("index_diff")
def index_diff(verified: Fraction | None, self_assessed: Fraction | None) -> str:
    """verified - self-assessed, signed ("+0,25", "−0,40", "0,00"); "-" when one is missing.

    The difference of the two displayed (rounded) indices, so the three numbers agree on screen.
    """
    if verified is None or self_assessed is None:
        return "-"
    shown = formats.hundredths(verified) - formats.hundredths(self_assessed)
    return formats.difference(Fraction(shown, 100), formatting.language())


@bp.app_template_global()
def evidence_link(evidence: Evidence, preview: bool = False) -> str | None:
    """The URL of an evidence file, or None while the evidence blueprint is not there."""
    endpoint = "evidence.preview" if preview else "evidence.download"
    if endpoint not in current_app.view_functions:
        return None
    for rule in current_app.url_map.iter_rules(endpoint):
        arguments = sorted(rule.arguments)
        if len(arguments) == 1:
            try:
                return url_for(endpoint, **{arguments[0]: evidence.id})
            except BuildError:
                return None
    return None


@bp.app_template_global()
def review_notes_for(assessment) -> dict[str, str]:
    """The evaluator's notes per indicator, for the agency's pages after a return (until the
    head's approval submits it again)."""
    if assessment.status not in (Status.RETURNED, Status.DRAFT, Status.AWAITING_APPROVAL):
        return {}
    if assessment.status != Status.RETURNED and review.pending_return(assessment) is None:
        return {}
    return review.notes_by_code(assessment)


# --- assignments -----------------------------------------------------------------------------


def _period(year: int) -> Period:
    period = find_period(year)
    if period is None:
        abort(404)
    return period


@bp.route("/periods/<int:year>/assignments", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def assignments(year: int):
    period = _period(year)
    agencies = active_agencies()
    evaluators = active_evaluators()
    current = {
        agency_id: {user.id for user in users}
        for agency_id, users in review.assignments(period).items()
    }
    chosen = current
    status = 200
    if request.method == "POST":
        by_id = {user.id: user for user in evaluators}
        chosen = {}
        problems = []
        for agency in agencies:
            wanted = set()
            for raw in request.form.getlist(f"assign-{agency.id}"):
                evaluator_id = whole_number(raw)
                if evaluator_id not in by_id:
                    problems.append(_("Unknown evaluator for %(agency)s.", agency=agency.name))
                    continue
                wanted.add(evaluator_id)
            chosen[agency.id] = wanted
        changed = 0
        if not problems:
            try:
                with unit_of_work():
                    for agency in agencies:
                        before = current.get(agency.id, set())
                        after = chosen[agency.id]
                        for user_id in sorted(after - before):
                            review.assign(period, agency, by_id[user_id], current_user)
                            changed += 1
                        for user_id in sorted(before - after):
                            if user_id in by_id:
                                review.unassign(period, agency, by_id[user_id], current_user)
                                changed += 1
            except review.AssignmentRefused as error:
                problems.append(str(error))
        if problems:
            for problem in problems:
                flash(problem, "error")
            flash(_("Nothing was saved."), "error")
            status = 400
        else:
            flash(_("Assignments saved (%(n)d changed).", n=changed), "success")
            return redirect(url_for(".assignments", year=year), 303)
    return render_template(
        "review/assignments.html",
        period=period,
        agencies=agencies,
        evaluators=evaluators,
        chosen=chosen,
    ), status


# --- the review page -------------------------------------------------------------------------


def _refusal_status(error: service.AssessmentRefused) -> int:
    """403 for a visible-but-not-allowed actor, 400 for a missing comment, else 409."""
    cause = error.__cause__
    if isinstance(cause, TransitionRefused):
        return {"actor": 403, "comment": 400}.get(cause.reason, 409)
    return 409


@bp.route("/assessments/<int:assessment_id>/review", methods=["GET", "POST"])
@login_required
def review_page(assessment_id: int):
    assessment = load_assessment(assessment_id)
    if not review.is_reviewer(current_user, assessment):
        abort(403)
    # the indicators that apply to the agency: what it answered and what counts
    instrument = service.questionnaire(assessment)
    dimensions = [instrument.dimension(c) for c in service.dimension_codes(assessment, instrument)]
    indicators = tuple(i for d in dimensions for i in d.indicators)
    answers = service.answers_by_code(assessment)
    stored = review.reviews_by_code(assessment)
    self_assessed = {code: service.answer_value(answer) for code, answer in answers.items()}
    status = 200
    problems: list[tuple[str, str]] = []  # (anchor, message), listed at the top of the page
    if request.method == "POST":
        form = review_form(instrument, indicators, self_assessed)
        action = request.form.get("action", "save")
        if action not in ("save", "return", "verify"):
            abort(400, _("Unknown action."))
        if not can_review(current_user, assessment):
            flash(
                _(
                    "The review cannot be changed while the assessment is %(status)s; "
                    "nothing was saved.",
                    status=review.status_text(assessment.status),
                ),
                "error",
            )
            status = 409
        else:
            # every problem at once: the indicators' and the missing comment together
            valid = form.validate_on_submit()
            problems = _form_problems(form)
            if action == "return" and not (form.comment.data or "").strip():
                message = _("Returning an assessment needs a comment for the agency.")
                form.comment.errors = [message]
                problems.append((form.comment.id, message))
            if not valid:
                flash(_("Nothing was saved: please check the marked indicators."), "error")
                status = 400
            elif problems:  # only the comment is missing: the review is kept
                status = _save(assessment, form, stored, problems)
                if status is None:
                    flash(_("Your review was saved; the assessment was not returned."), "info")
                    status = 400
            else:
                status = _save(assessment, form, stored, problems)
                if status is None and action == "save":
                    flash(_("Review saved."), "success")
                    return redirect(_after(assessment, action), 303)
                if status is None:
                    # returning and verifying ask first, with what changes (saved meanwhile)
                    store.refresh(assessment)
                    verify_problems = []
                    if action == "verify":
                        verify_problems = review.review_problems(assessment)
                    if not verify_problems:
                        return render_confirmation(
                            assessment, Action(action), form.comment.data or ""
                        )
                    problems += _anchored(form, verify_problems)
                    flash(_("Your review was saved, but the assessment was not verified."), "error")
                    status = 400
    else:
        data = {}
        for indicator in indicators:
            row = stored.get(indicator.code)
            verdict = review.verified_value(row) if row is not None else None
            own = answers.get(indicator.code)
            if verdict is None or not verdict.is_answered:  # untouched: the self-assessed one
                verdict = service.answer_value(own) if own is not None else None
            if verdict is not None:
                data |= answer_field_data(indicator, verdict, language(), verified=True)
            if row is not None:
                data[f"note-{indicator.code}"] = row.note
        if assessment.status == Status.RETURNED or assessment.review_comment:
            data["comment"] = assessment.review_comment
        form = review_form(instrument, indicators, self_assessed, data=data)
    store.refresh(assessment)
    return render_template(
        "review/review.html",
        assessment=assessment,
        instrument=instrument,
        dimensions=dimensions,
        form=form,
        answers=answers,
        evidence=review.evidence_by_code(assessment),
        changes=review.changes_since_last_return(assessment),
        problems=problems,
        editable=assessment.status in REVIEWABLE,
        actions=review.actions_for(current_user, assessment),
        Action=Action,
        indicator_groups=indicator_groups,
    ), status


def _form_problems(form) -> list[tuple[str, str]]:
    """(anchor, message) for every invalid field, in page order; the anchor is the indicator's
    fieldset (`review-<code>`), or "" for a problem of the whole form."""
    problems = []
    for indicator in form.indicators:
        fields = [form.verified_field(indicator), form.note_field(indicator)]
        na = form.verified_na_field(indicator)
        if na is not None:
            fields.append(na)
        for field in fields:
            for error in field.errors:
                problems.append((f"review-{indicator.code}", f"{indicator.code}: {error}"))
    if form.comment.errors:
        problems += [(form.comment.id, str(error)) for error in form.comment.errors]
    for name in ("csrf_token",):
        if name in form and form[name].errors:
            problems += [("", str(error)) for error in form[name].errors]
    return problems


def _anchored(form, messages: list[str]) -> list[tuple[str, str]]:
    """The service's messages ("GOV-01: ...") with a link to the indicator they name."""
    codes = {indicator.code for indicator in form.indicators}
    result = []
    for message in messages:
        code = message.split(":", 1)[0]
        result.append((f"review-{code}" if code in codes else "", message))
    return result


def _save(assessment, form, stored, problems: list) -> int | None:
    """Store the typed verdicts; None when saved, else the status to answer with (and the
    service's problems added to `problems`)."""
    entries = {}
    for indicator in form.indicators:
        code = indicator.code
        entry = form.entry(indicator)
        try:
            entry.answer().value()
        except ValueError:  # not a number: the service refuses it with a clear message
            entries[code] = entry
            continue
        # an untouched indicator follows the self-assessed value and stores nothing
        if code not in stored and not entry.note.strip() and not form.differs(indicator):
            continue
        entries[code] = entry
    try:
        workflow.save_review(assessment, current_user, entries)
    except service.AnswersInvalid as error:
        problems[:0] = _anchored(form, error.problems)
        flash(_("Nothing was saved: please check the marked indicators."), "error")
        return 400
    except service.AssessmentRefused as error:
        flash(str(error), "error")
        return 409
    return None


def _after(assessment, action: str) -> str:
    if action == "save":
        return url_for(".review_page", assessment_id=assessment.id)
    return url_for("assessment.overview", assessment_id=assessment.id)


# --- finalize and reopen ---------------------------------------------------------------------


@bp.route("/assessments/<int:assessment_id>/finalize", methods=["POST"])
@login_required
def finalize(assessment_id: int):
    """The chair (or the acting vice-chair) finalizes, recording the Berita Acara's meeting;
    its signed PDF is issued at once (services.workflow.finalize)."""
    from .team import minutes_from_form

    assessment = load_assessment(assessment_id)
    try:
        outcome = workflow.finalize(
            assessment, current_user, minutes_from_form(assessment), documents.official_language()
        )
    except service.AssessmentRefused as error:
        flash(str(error), "error")
        return render_overview(assessment, _refusal_status(error))
    flash(_("The result is final."), "success")
    if outcome.problem:
        flash(outcome.problem, "error")
    # the report and, when deserved, the certificate: issued now, as the Berita Acara
    for issued in documents.issue_final_documents(assessment, current_user):
        if issued.failed:
            flash(documents.not_issued_message(issued), "error")
    return redirect(url_for("assessment.overview", assessment_id=assessment.id), 303)


@bp.route("/assessments/<int:assessment_id>/reopen", methods=["POST"])
@login_required
def reopen(assessment_id: int):
    assessment = load_assessment(assessment_id)
    form = ReopenForm()
    form.validate()
    try:
        workflow.transition(assessment, current_user, Action.REOPEN, form.reason.data or "")
    except service.AssessmentRefused as error:
        status = _refusal_status(error)
        if status == 400:
            form.reason.errors = [str(error)]
        flash(str(error), "error")
        return render_overview(assessment, status, reopen_form=form)
    flash(_("The assessment is in review again."), "success")
    return redirect(url_for("assessment.overview", assessment_id=assessment.id), 303)
