"""Confirming a step before it happens: what changes, who is told, then the step itself."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..domain.workflow import Action
from ..services import assessments as assessment_service
from ..services import confirmations as service
from ..services import review, workflow
from .assessment import load_assessment

bp = Blueprint("confirm", __name__)

# the question and the button of each step that asks first
QUESTIONS = {
    Action.RETURN: (_l("Return the assessment to the agency?"), _l("Yes, return it")),
    Action.VERIFY: (_l("Verify the assessment?"), _l("Yes, verify it")),
    Action.FINALIZE: (_l("Make the result final?"), _l("Yes, make it final")),
}
DONE = {
    Action.RETURN: _l("The assessment was returned to the agency with your comments."),
    Action.VERIFY: _l("The assessment is verified."),
    Action.FINALIZE: _l("The result is final."),
}
# a step with its own endpoint (and form) is confirmed there; the others here
PERFORMED_BY = {Action.FINALIZE: "review.finalize"}


def _action(name: str) -> Action:
    try:
        action = Action(name)
    except ValueError:
        abort(404)
    if action not in service.CONFIRMED:
        abort(404)
    return action


def render_confirmation(assessment, action: Action, comment: str = "", status: int = 200):
    """The confirmation page: what the step changes, with the button that takes it."""
    endpoint = PERFORMED_BY.get(action)
    target = (
        url_for(endpoint, assessment_id=assessment.id)
        if endpoint
        else url_for("confirm.confirm_step", assessment_id=assessment.id, action_name=action.value)
    )
    question, button = QUESTIONS.get(action, (_l("Continue?"), _l("Yes, continue")))
    return render_template(
        "confirm/confirm.html",
        assessment=assessment,
        confirmation=service.summary(assessment, action),
        question=question,
        button=button,
        target=target,
        comment=comment,
    ), status


@bp.route("/assessments/<int:assessment_id>/confirm/<action_name>", methods=["GET", "POST"])
@login_required
def confirm_step(assessment_id: int, action_name: str):
    assessment = load_assessment(assessment_id)
    action = _action(action_name)
    if action not in review.actions_for(current_user, assessment):
        if not review.is_reviewer(current_user, assessment):
            abort(403)
        flash(
            _(
                "This cannot be done while the assessment is %(status)s.",
                status=review.status_text(assessment.status),
            ),
            "error",
        )
        return redirect(url_for("assessment.overview", assessment_id=assessment.id), 303)
    comment = request.form.get("comment", "") if request.method == "POST" else ""
    if request.method == "GET" or request.form.get("confirmed") != "yes":
        return render_confirmation(assessment, action, comment)
    try:
        workflow.transition(assessment, current_user, action, comment)
    except assessment_service.AnswersInvalid as error:
        for problem in error.problems:
            flash(problem, "error")
        return render_confirmation(assessment, action, comment, 400)
    except assessment_service.AssessmentRefused as error:
        flash(str(error), "error")
        return render_confirmation(assessment, action, comment, 400)
    flash(str(DONE[action]), "success")
    return redirect(url_for("assessment.overview", assessment_id=assessment.id), 303)
