"""Who may do what: the single place the access rules live."""

from __future__ import annotations

from sqlalchemy import select

from .domain import deadlines
from .domain.workflow import EDITABLE_BY_AGENCY, REVIEWABLE, Actor
from .extensions import db
from .models import Assessment, EvaluatorAssignment, PeriodExtension, Role, User


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


def can_view_agency(user: User, agency_id: int) -> bool:
    """An agency's dashboard: its own users, evaluators assigned to it in any period (not its
    members), admins and the leadership (viewer)."""
    if not user.is_authenticated:
        return False
    if user.role in (Role.ADMIN, Role.VIEWER):
        return True
    if user.role == Role.AGENCY:
        return user.agency_id == agency_id
    if user.role != Role.EVALUATOR or user.agency_id == agency_id:
        return False
    found = db.session.scalar(
        select(EvaluatorAssignment.id).filter_by(evaluator_id=user.id, agency_id=agency_id).limit(1)
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


def edit_window(assessment: Assessment) -> deadlines.EditWindow:
    """Whether its agency may still fill it in today: period status, dates, its extension."""
    period = assessment.period
    extension = db.session.scalar(
        select(PeriodExtension.until).filter_by(
            period_id=assessment.period_id, agency_id=assessment.agency_id
        )
    )
    return deadlines.edit_window(
        period_open=period.is_open,
        opens_on=period.opens_on,
        closes_on=period.closes_on,
        extension_until=extension,
        today=deadlines.today_local(),
    )


def can_edit_assessment(user: User, assessment: Assessment) -> bool:
    """Answers and evidence change only by the agency, in draft or after a return, in time."""
    return (
        actor_for(user, assessment) == Actor.AGENCY
        and assessment.status in EDITABLE_BY_AGENCY
        and edit_window(assessment).may_edit
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


def reviews_in_progress_readable(user: User, period_id: int) -> frozenset[int] | None:
    """Agencies whose verified levels and notes the user reads before verification (None: all).

    Admins every agency; an evaluator the agencies assigned to them, never their own; nobody
    else (they read the review once the assessment is verified). Used by exports and the API.
    """
    if user.role == Role.ADMIN:
        return None
    if user.role != Role.EVALUATOR:
        return frozenset()
    assigned = db.session.scalars(
        select(EvaluatorAssignment.agency_id).filter_by(evaluator_id=user.id, period_id=period_id)
    )
    return frozenset(assigned) - {user.agency_id}


def api_readable_agencies(user: User) -> frozenset[int] | None:
    """Whose assessments an API token reads (None: the whole region), docs/API.md.

    An agency reads itself; admins, viewers and (unlike on the pages) every evaluator the region.
    """
    if user.role == Role.AGENCY:
        return frozenset({user.agency_id}) if user.agency_id is not None else frozenset()
    return None
