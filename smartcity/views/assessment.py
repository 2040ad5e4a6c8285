"""An agency's self-assessment: overview, dimension pages, submission and result."""

from __future__ import annotations

from fractions import Fraction

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.instrument import Dimension, Indicator, SubElement
from ..domain.workflow import AGENCY_MEMBERS, Actor, Status
from ..forms import (
    ApprovalForm,
    ConfirmSubmitForm,
    ReopenForm,
    ReturnToOperatorsForm,
    answer_field_data,
    dimension_form,
)
from ..models import Answer, Assessment, Role
from ..policy import (
    actor_for,
    administers,
    can_edit_assessment,
    can_issue_documents,
    can_view_assessment,
    in_agency_hands,
    is_national,
    is_staff,
    reads_region,
    works_for_agency,
)
from ..services import approvals, documents, follow_ups, homes, minutes, review, workflow
from ..services import assessments as service
from ..services import evidence as evidence_service
from ..services.periods import all_periods
from . import evidence as evidence_views
from .helpers import language, text_in

bp = Blueprint("assessment", __name__)


@bp.app_template_global()
def number_display(value: Fraction | None) -> str:
    """A number as people write it in the page's language ("12,5")."""
    return service.number_display(value)


@bp.app_template_global()
def answer_display(indicator: Indicator, row: object | None, verified: bool = False) -> str:
    """An answer (or, with `verified`, a review's verdict) as text: "3", "N/A", "-",
    "Diterapkan sebagian (2/3)", "85 persen → level 4"."""
    if row is None:
        return "-"
    value = review.verified_value(row) if verified else service.answer_value(row)  # type: ignore[arg-type]
    return service.answer_text(indicator, value, language())


def load_assessment(assessment_id: int) -> Assessment:
    """The assessment if the user may see it; 404 otherwise, so ids reveal nothing."""
    assessment = service.get_assessment(assessment_id)
    if assessment is None or not can_view_assessment(current_user, assessment):
        abort(404)
    return assessment


@bp.route("/")
@login_required
def home():
    if is_national(current_user):
        return redirect(url_for("national.index"))
    periods = all_periods()
    if reads_region(current_user):
        queue = homes.review_queue(current_user) if is_staff(current_user) else None
        return render_template(
            "home_staff.html", periods=periods, queue=queue, administers=administers(current_user)
        )
    if current_user.role != Role.AGENCY or current_user.agency is None:
        abort(403)
    return render_template("home_agency.html", years=homes.agency_years(current_user, periods))


@bp.route("/assessments/<int:assessment_id>")
@login_required
def overview(assessment_id: int):
    return render_overview(load_assessment(assessment_id))


def render_overview(assessment: Assessment, status: int = 200, reopen_form=None):
    """The overview; a refused finalize or reopen renders it again with its status code."""
    instrument = service.instrument_for(assessment)
    steps = service.progress(assessment)
    # the team's return the agency still has to answer (also while the head reads it again)
    evaluator_return = (
        review.pending_return(assessment)
        if assessment.status in (Status.RETURNED, Status.DRAFT, Status.AWAITING_APPROVAL)
        else None
    )
    return render_template(
        "assessment/overview.html",
        assessment=assessment,
        works_for_agency=works_for_agency(current_user),
        instrument=instrument,
        steps=steps,
        editable=can_edit_assessment(current_user, assessment),
        scores=review.scores_for(current_user, assessment),
        history=review.history(assessment),
        actions=review.actions_for(current_user, assessment),
        reviewer=review.is_reviewer(current_user, assessment),
        notes=review.notes_by_code(assessment) if evaluator_return is not None else {},
        evaluator_return=evaluator_return,
        head_note=review.head_return(assessment),
        head=actor_for(current_user, assessment) == Actor.HEAD,
        may_issue_minutes=current_user.role == Role.ADMIN
        or actor_for(current_user, assessment) == Actor.CHAIR,
        reopen_form=reopen_form or ReopenForm(formdata=None),
    ), status


def indicator_groups(
    dimension: Dimension,
) -> list[tuple[SubElement | None, tuple[Indicator, ...]]]:
    """The indicators as the page shows them: under their sub-element's heading, if any."""
    if not dimension.sub_elements:
        return [(None, dimension.indicators)]
    return [(sub, sub.indicators) for sub in dimension.sub_elements if sub.indicators]


def conflict_message(row: Answer) -> str:
    who = row.updated_by.full_name or row.updated_by.username if row.updated_by else "?"
    value = service.answer_value(row)
    indicator = service.instrument_for(row.assessment).indicator(row.indicator_code)
    if value.not_applicable:
        theirs = _("not applicable")
    elif not value.is_answered:
        theirs = _("no level")
    elif value.level is not None:
        theirs = _("level %(level)s", level=value.level)
    else:
        theirs = service.answer_text(indicator, value, language()) if indicator else "?"
    return _(
        "%(code)s was changed by %(who)s while you were editing (now: %(theirs)s). Nothing was "
        "saved; your text is still in the form. Compare, then save again to keep yours.",
        code=row.indicator_code,
        who=who,
        theirs=theirs,
    )


@bp.route("/assessments/<int:assessment_id>/dimensions/<code>", methods=["GET", "POST"])
@login_required
def dimension(assessment_id: int, code: str):
    assessment = load_assessment(assessment_id)
    # only the indicators that apply to this agency are shown, accepted and required
    instrument = service.questionnaire(assessment)
    dim = instrument.dimension(code)
    if dim is None or code not in service.dimension_codes(assessment, instrument):
        abort(404)
    editable = can_edit_assessment(current_user, assessment)
    stored = service.answers_by_code(assessment)
    status = 200
    evidence_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not editable:
            flash(_("This assessment can no longer be changed; nothing was saved."), "error")
            return redirect(url_for(".overview", assessment_id=assessment.id)), 303
        form = dimension_form(dim)
        unexpected = form.unexpected_fields([*request.form, *request.files])
        if unexpected:
            abort(
                400,
                _("The form contains unknown indicators: %(codes)s", codes=", ".join(unexpected)),
            )
        if form.validate_on_submit():
            try:
                changed = service.save_answers(
                    assessment, current_user, form.answers(), form.expected_versions()
                )
            except service.AnswerConflict as error:
                for row in error.answers:
                    flash(conflict_message(row), "error")
                # the next save is based on what the user has now seen
                form.show_versions({c: r.version for c, r in stored.items()})
                status = 409
            except service.AnswersInvalid as error:
                for problem in error.problems:
                    flash(problem, "error")
                status = 400
            except service.AssessmentRefused as error:
                flash(str(error), "error")
                return redirect(url_for(".overview", assessment_id=assessment.id)), 303
            else:
                flash(_("Draft saved (%(n)d answers changed).", n=changed), "success")
                # answers first, then removals and uploads: nothing typed is lost
                evidence_changes = evidence_views.apply_changes(assessment, dim, current_user)
                if not evidence_changes.refused:
                    url = url_for(".dimension", assessment_id=assessment.id, code=code)
                    return redirect(url), 303
                status = evidence_changes.status
                evidence_errors = evidence_changes.refused
                stored = service.answers_by_code(assessment)
        else:
            status = 400
            flash(_("Nothing was saved: please check the marked answers."), "error")
    else:
        data = {}
        for indicator in dim.indicators:
            row = stored.get(indicator.code)
            data[f"version-{indicator.code}"] = str(row.version) if row else "0"
            if row is None:
                continue
            data |= answer_field_data(indicator, service.answer_value(row), language())
            data[f"justification-{indicator.code}"] = row.justification
        form = dimension_form(dim, data=data)
    if status in (400, 409) and evidence_views.chosen_files(dim):
        flash(_("The chosen files were not attached because nothing was saved."), "error")
    return render_template(
        "assessment/dimension.html",
        assessment=assessment,
        works_for_agency=works_for_agency(current_user),
        instrument=instrument,
        dimension=dim,
        groups=indicator_groups(dim),
        form=form,
        stored=stored,
        editable=editable,
        evidence=evidence_service.attached(assessment, [i.code for i in dim.indicators]),
        evidence_errors=evidence_errors,
        evidence_max_bytes=evidence_service.max_bytes(),
        dimension_codes=service.dimension_codes(assessment, instrument),
        # "Level n · <name>" labels, translated once per page rather than once per radio
        level_labels={str(entry.level): text_in(entry.name) for entry in instrument.level_names},
        csrf_enabled=current_app.config.get("WTF_CSRF_ENABLED", True),
    ), status


@bp.route("/assessments/<int:assessment_id>/submit", methods=["GET", "POST"])
@login_required
def submit(assessment_id: int):
    """The summary before the final click. An operator sends to the head ("Kirim"); the head
    approves and submits to the evaluators ("Setujui dan kirim") or returns with a note."""
    assessment = load_assessment(assessment_id)
    actor = actor_for(current_user, assessment)
    if actor not in AGENCY_MEMBERS:
        abort(403)
    head = actor == Actor.HEAD
    waiting = assessment.status == Status.AWAITING_APPROVAL
    if not in_agency_hands(assessment) and not (head and waiting):
        if request.method == "POST":
            # a repeated click or a second tab: the first one already counted
            flash(_("This assessment has already been submitted."), "info")
        elif waiting:
            flash(
                _("The assessment is waiting for the approval of the head of the agency."), "info"
            )
        target = ".overview" if waiting else ".result"
        return redirect(url_for(target, assessment_id=assessment.id), 303)
    if not waiting and not can_edit_assessment(current_user, assessment):
        flash(_("This period is closed; the assessment can no longer be submitted."), "error")
        return redirect(url_for(".overview", assessment_id=assessment.id), 303)
    form = ApprovalForm() if head else ConfirmSubmitForm()
    return_form = ReturnToOperatorsForm(formdata=None)
    resubmit = review.pending_return(assessment) is not None
    summary = approvals.submission_summary(assessment)
    missing = list(summary.missing)
    status = 200
    if request.method == "POST" and head and request.form.get("action") == "return":
        return_form = ReturnToOperatorsForm()
        if return_form.validate_on_submit():
            try:
                workflow.return_to_operators(assessment, current_user, return_form.note.data)
            except service.AssessmentRefused as error:
                flash(str(error), "error")
                return redirect(url_for(".overview", assessment_id=assessment.id), 303)
            flash(_("The assessment was returned to the operators with your note."), "success")
            return redirect(url_for(".overview", assessment_id=assessment.id), 303)
        status = 400
    elif request.method == "POST" and not missing:
        if form.validate_on_submit():
            try:
                if head:
                    workflow.approve(assessment, current_user, confirmed=True)
                else:
                    workflow.submit(assessment, current_user)
            except service.Incomplete as error:
                missing = error.missing
                status = 409
            except service.AssessmentRefused as error:
                flash(str(error), "error")
                return redirect(url_for(".overview", assessment_id=assessment.id), 303)
            else:
                if head:
                    flash(
                        _("Approved: the self-assessment has been submitted to the evaluators."),
                        "success",
                    )
                    return redirect(url_for(".result", assessment_id=assessment.id), 303)
                flash(_("Sent to the head of the agency for approval."), "success")
                return redirect(url_for(".overview", assessment_id=assessment.id), 303)
        else:
            status = 400
    elif request.method == "POST":
        status = 409
    return render_template(
        "assessment/submit.html",
        assessment=assessment,
        instrument=service.instrument_for(assessment),
        summary=summary,
        missing=missing,
        form=form,
        return_form=return_form,
        head=head,
        waiting=waiting,
        resubmit=resubmit,
        statement=approvals.STATEMENT,
        heads=approvals.heads_of(assessment.agency_id) if not head else [],
        unanswered_follow_ups=follow_ups.unanswered_count(assessment),
    ), status


@bp.route("/assessments/<int:assessment_id>/result")
@login_required
def result(assessment_id: int):
    assessment = load_assessment(assessment_id)
    instrument = service.instrument_for(assessment)
    scores = review.scores_for(current_user, assessment)
    justifications = {c: a.justification for c, a in service.answers_by_code(assessment).items()}
    return render_template(
        "assessment/result.html",
        assessment=assessment,
        instrument=instrument,
        # the result that counts: verified levels once there are any
        scored=scores.verified or scores.self_assessed,
        scores=scores,
        notes=review.notes_by_code(assessment) if scores.verified is not None else {},
        justifications=justifications,
        documents=documents.issued_for(assessment),
        may_issue=can_issue_documents(current_user),
        certificate=minutes.certificate_outlook(
            assessment, scores.verified or scores.self_assessed
        ),
    )
