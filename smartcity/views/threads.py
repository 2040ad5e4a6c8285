"""An indicator's thread: the evaluator's note, the agency's answer, and so on."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..policy import can_discuss
from ..services import assessments as assessment_service
from ..services import threads as service
from .assessment import load_assessment

bp = Blueprint("threads", __name__)


@bp.route("/assessments/<int:assessment_id>/indicators/<code>/thread", methods=["GET", "POST"])
@login_required
def indicator_thread(assessment_id: int, code: str):
    assessment = load_assessment(assessment_id)
    instrument = assessment_service.questionnaire(assessment)
    indicator = instrument.indicator(code)
    if indicator is None:
        abort(404)
    status = 200
    typed = ""
    if request.method == "POST":
        typed = request.form.get("message", "")
        try:
            service.post(current_user, assessment, code, typed)
        except assessment_service.AssessmentRefused as error:
            flash(str(error), "error")
            status = 403 if not can_discuss(current_user, assessment) else 400
        else:
            flash(_("Your message was added."), "success")
            url = url_for(".indicator_thread", assessment_id=assessment.id, code=code)
            return redirect(url + "#thread-end", 303)
    dimension = instrument.dimension_of(code)
    return render_template(
        "threads/thread.html",
        assessment=assessment,
        indicator=indicator,
        dimension=dimension,
        thread=service.thread(current_user, assessment, code),
        writable=can_discuss(current_user, assessment),
        own_side=service.side_of(current_user, assessment),
        typed=typed,
        max_length=service.MAX_MESSAGE,
    ), status


@bp.app_template_global()
def indicator_threads(assessment) -> dict:
    """Indicator code -> its thread's messages, for the answer, overview and review pages."""
    return service.messages_by_code(assessment)
