"""Who may do what: the single place the access rules live."""

from __future__ import annotations

from sqlalchemy import select

from .domain.workflow import EDITABLE_BY_AGENCY, REVIEWABLE, Actor
from .extensions import db
from .models import Assessment, EvaluatorAssignment, Role, User


def is_staff(user: User) -> bool:
    """Evaluators and administrators: the region's Smart City team."""
    return user.role in (Role.ADMIN, Role.EVALUATOR)


def reads_region(user: User) -> bool:
    """The Smart City team and the read-only leadership (viewer): region-wide results."""
    return user.role in (Role.ADMIN, Role.EVALUATOR, Role.VIEWER)


def is_assigned(user: User, agency_id: int, period_id: int) -> bool:
    """An evaluator assigned to the agency for the period, who is not one of its members."""
    if user.role != Role.EVALUATOR or user.agency_id == agency_id:
        return False
    found = db.session.scalar(
        select(EvaluatorAssignment.id).filter_by(
            evaluator_id=user.id, agency_id=agency_id, period_id=period_id
        )
    )
    return found is not None


def actor_for(user: User, assessment: Assessment) -> Actor:
    """How the user stands towards this assessment in the workflow."""
    if not user.is_authenticated:
        return Actor.OTHER
    if user.role == Role.ADMIN:
        return Actor.ADMIN
    if user.role == Role.AGENCY and user.agency_id == assessment.agency_id:
        return Actor.AGENCY
    if is_assigned(user, assessment.agency_id, assessment.period_id):
        return Actor.EVALUATOR
    return Actor.OTHER


def can_view_assessment(user: User, assessment: Assessment) -> bool:
    """Its agency, its evaluators and admins; the leadership (viewer) reads every one."""
    if user.is_authenticated and user.role == Role.VIEWER:
        return True
    return actor_for(user, assessment) != Actor.OTHER


def can_edit_assessment(user: User, assessment: Assessment) -> bool:
    """Answers and evidence change only by the agency, in draft or after a return."""
    return (
        actor_for(user, assessment) == Actor.AGENCY
        and assessment.status in EDITABLE_BY_AGENCY
        and assessment.period.is_open
    )


def can_review(user: User, assessment: Assessment) -> bool:
    """Verified levels and notes change only by its evaluators (or an admin) while in review."""
    return (
        actor_for(user, assessment) in (Actor.EVALUATOR, Actor.ADMIN)
        and assessment.status in REVIEWABLE
    )


def can_read_trail(user: User, assessment: Assessment) -> bool:
    """Admins and the assigned evaluators read an assessment's audit trail."""
    return actor_for(user, assessment) in (Actor.EVALUATOR, Actor.ADMIN)
