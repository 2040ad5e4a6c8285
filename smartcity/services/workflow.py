"""Moving an assessment along its workflow: every transition, and the steps that make one.

The rules (which action, from which state, by whom) are `domain.workflow`; this module
applies them to the database: the operator's sending, the head's approval or return, the
evaluator's first saved verdict (which starts the review), verification, finalization with its
Berita Acara and reopening all pass through `transition`, which commits. The finalization
stores the scoring engine's result (`results.record`) in the same commit; reopening drops it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..domain.workflow import Action, Status, TransitionRefused, next_status
from ..extensions import db
from ..models import Assessment, Transition, User, utcnow
from ..policy import actor_for, can_edit_assessment, in_agency_hands, is_agency_head
from . import audit, documents, notifications, results
from .approvals import record_approval, signature_problem, statement_text
from .assessments import (
    AnswersInvalid,
    AssessmentRefused,
    Incomplete,
    _lock_for_answers,
    missing_for,
)
from .minutes import MinutesInput, record_minutes
from .review import (
    ReviewInput,
    check_review,
    fill_default_reviews,
    review_problems,
    status_text,
    store_review,
)
from .team import stage_problem

ACTION_DONE = {
    Action.SUBMIT: "assessment.submitted",  # by an operator, to the agency's head
    Action.APPROVE: "assessment.approved",  # by the head, to the evaluators
    Action.RETURN_TO_OPERATORS: "assessment.returned_to_operators",
    Action.START_REVIEW: "assessment.review_started",
    Action.RETURN: "assessment.returned",
    Action.VERIFY: "assessment.verified",
    Action.FINALIZE: "assessment.finalized",
    Action.REOPEN: "assessment.reopened",
}


def refusal_message(error: TransitionRefused) -> str:
    if error.reason == "actor":
        return _("You are not allowed to do this for this assessment.")
    if error.reason == "comment":
        if error.action == Action.REOPEN:
            return _("Reopening needs a reason.")
        if error.action == Action.RETURN_TO_OPERATORS:
            return _("Returning the assessment to the operators needs a note for them.")
        return _("Returning an assessment needs a comment for the agency.")
    if error.reason == "statement":
        return _("Confirm the statement of responsibility to approve and submit.")
    return _(
        "This cannot be done while the assessment is %(status)s.",
        status=status_text(error.status),
    )


def transition(
    assessment: Assessment,
    user: User,
    action: Action,
    comment: str = "",
    *,
    statement: str = "",
    minutes: MinutesInput | None = None,
) -> Status:
    """Move the assessment on, recording who and when; AssessmentRefused changes nothing.

    The status is changed with a conditional UPDATE, so of two simultaneous clicks one wins
    and the other is refused as out of order. The head's approval (`statement`: the statement
    of responsibility as confirmed) is recorded with who the head was at that moment; the
    finalization with the data of its Berita Acara (`minutes`, or what the team records).
    """
    source = Status(assessment.status)
    actor = actor_for(user, assessment)
    comment = comment.replace("\x00", "").strip()
    statement = statement.replace("\x00", "").strip()
    try:
        target = next_status(source, action, actor, comment, statement_confirmed=bool(statement))
    except TransitionRefused as error:
        raise AssessmentRefused(refusal_message(error)) from error
    if action in (Action.SUBMIT, Action.APPROVE) and not assessment.period.is_open:
        raise AssessmentRefused(
            _("This period is closed; the assessment can no longer be submitted.")
        )
    if action == Action.VERIFY:
        problems = review_problems(assessment)
        if problems:
            raise AnswersInvalid(problems)
        fill_default_reviews(assessment, user)
    if action == Action.FINALIZE:
        problem = stage_problem(assessment)
        if problem:
            raise AssessmentRefused(problem)
    now = utcnow()
    values: dict[str, object] = {"status": target}
    round_number = assessment.round
    if action in (Action.SUBMIT, Action.APPROVE):
        values.update(submitted_by_id=user.id, submitted_at=now)
    if action == Action.APPROVE:
        # a round is one submission to the evaluators: the first, and one after each return
        returns = db.session.scalar(
            select(func.count(Transition.id)).filter_by(
                assessment_id=assessment.id, action=Action.RETURN
            )
        )
        round_number = 1 + (returns or 0)
        values["round"] = round_number
    if action == Action.RETURN:
        values["review_comment"] = comment
    result = db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.status == source)
        .values(**values)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise AssessmentRefused(_("Someone else changed this assessment first; nothing was done."))
    db.session.add(
        Transition(
            assessment_id=assessment.id,
            action=action,
            from_status=source,
            to_status=target,
            round=round_number,
            comment=comment,
            user_id=user.id,
            at=now,
        )
    )
    if action == Action.APPROVE:
        record_approval(assessment, user, round_number, statement, now)
    if action == Action.FINALIZE:
        record_minutes(assessment, user, minutes, now)
        # the engine's result, stored with the step that makes it final (one commit)
        results.record(assessment)
    if action == Action.REOPEN:
        results.drop(assessment)
    event = audit.record(
        ACTION_DONE[action],
        "assessment",
        assessment.id,
        user=user,
        assessment=assessment,
        old={"status": str(source)},
        new={
            "status": str(target),
            "round": round_number,
            **({"comment": comment} if comment else {}),
        },
    )
    notifications.notify(event)  # in-app now, e-mails once committed
    db.session.commit()
    db.session.refresh(assessment)
    return target


def submit(assessment: Assessment, user: User) -> bool:
    """An operator sends a complete assessment to the agency's head ("Kirim"), again after a
    return; the head's approval (`approve`) submits it to the evaluators.

    Returns False when it was already sent: a repeated click or a second tab.
    """
    # no answer changes while completeness is checked, and none slips in after the submission
    _lock_for_answers(assessment)
    if assessment.status == Status.AWAITING_APPROVAL and user.agency_id == assessment.agency_id:
        return False
    if not can_edit_assessment(user, assessment):
        raise AssessmentRefused(_("This assessment can no longer be submitted."))
    missing = missing_for(assessment)
    if missing:
        raise Incomplete(missing)
    try:
        transition(assessment, user, Action.SUBMIT)
    except AssessmentRefused:
        db.session.refresh(assessment)
        if assessment.status == Status.AWAITING_APPROVAL:
            return False  # the other click won
        raise
    return True


def approve(assessment: Assessment, head: User, confirmed: bool) -> bool:
    """The head approves and submits to the evaluators ("Setujui dan kirim").

    From "awaiting the head's approval", or straight from a draft or a return when the head
    answered it themself. Needs the statement of responsibility confirmed and, like the
    operator's sending, every answer and the evidence the instrument requires. Returns False
    when it was already submitted: a repeated click or a second tab.
    """
    _lock_for_answers(assessment)
    if assessment.status == Status.SUBMITTED and head.agency_id == assessment.agency_id:
        return False
    if not is_agency_head(head) or head.agency_id != assessment.agency_id:
        raise AssessmentRefused(_("Only the head of the agency approves its self-assessment."))
    if in_agency_hands(assessment) and not can_edit_assessment(head, assessment):
        raise AssessmentRefused(_("This assessment can no longer be submitted."))
    problem = signature_problem(head)
    if problem:
        raise AssessmentRefused(problem)
    missing = missing_for(assessment)
    if missing:
        raise Incomplete(missing)
    try:
        transition(
            assessment, head, Action.APPROVE, statement=statement_text() if confirmed else ""
        )
    except AssessmentRefused:
        db.session.refresh(assessment)
        if assessment.status == Status.SUBMITTED:
            return False  # the other click won
        raise
    return True


def return_to_operators(assessment: Assessment, head: User, note: str) -> None:
    """The head sends the assessment back to the operators with a note (it is a draft again)."""
    transition(assessment, head, Action.RETURN_TO_OPERATORS, note)


@dataclass(frozen=True)
class Finalized:
    """A finalization and its Berita Acara (None with `problem` when it could not be issued:
    the result is final all the same; the minutes can be printed again later)."""

    document: object | None
    problem: str = ""


def finalize(assessment: Assessment, user, values: MinutesInput | None, language: str) -> Finalized:
    """The chair makes the verified result final, recording the meeting, and the Berita Acara
    Hasil Evaluasi is issued (signed, registered) at once. AssessmentRefused changes nothing."""
    transition(assessment, user, Action.FINALIZE, minutes=values)
    try:
        document = documents.issue_minutes(assessment, user, language)
    except Exception as error:  # noqa: BLE001 - the finalization stands whatever the PDF does
        db.session.rollback()
        current_app.logger.exception("Berita Acara of assessment %s not issued", assessment.id)
        return Finalized(
            None,
            _(
                "The Berita Acara could not be issued now (%(error)s); print it again from "
                "the result page.",
                error=type(error).__name__,
            ),
        )
    return Finalized(document)


def save_review(assessment: Assessment, user: User, entries: Mapping[str, ReviewInput]) -> int:
    """Store verified levels and notes; returns how many changed. All or nothing.

    The first save of a submitted assessment starts its review.
    """
    values = check_review(assessment, user, entries)
    if assessment.status == Status.SUBMITTED:
        transition(assessment, user, Action.START_REVIEW)
    return store_review(assessment, user, entries, values)
