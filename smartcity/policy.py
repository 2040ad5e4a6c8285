"""Who may do what: the single place the access rules live."""

from __future__ import annotations

from .models import Assessment, AssessmentStatus, Role, User


def is_staff(user: User) -> bool:
    """Evaluators and administrators see every agency of the region."""
    return user.role in (Role.ADMIN, Role.EVALUATOR)


def can_view_assessment(user: User, assessment: Assessment) -> bool:
    if is_staff(user):
        return True
    return user.role == Role.AGENCY and user.agency_id == assessment.agency_id


def can_edit_assessment(user: User, assessment: Assessment) -> bool:
    return (
        user.role == Role.AGENCY
        and user.agency_id == assessment.agency_id
        and assessment.status == AssessmentStatus.DRAFT
        and assessment.period.is_open
    )
