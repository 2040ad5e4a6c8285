"""Who may do what: the single place the access rules live."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .domain import deadlines
from .domain.workflow import (
    AGENCY_MEMBERS,
    EDITABLE_BY_AGENCY,
    REVIEWABLE,
    REVIEWERS,
    Actor,
    Status,
)
from .extensions import db
from .models import (
    NATIONAL_ROLES,
    AgencyRole,
    Assessment,
    EvaluatorAssignment,
    PeriodExtension,
    PeriodTeam,
    RegionSubmission,
    Role,
    SubmissionStatus,
    TeamAssignment,
    TeamMember,
    User,
    utcnow,
)


def is_national(user: User) -> bool:
    """The ministry's roles: they work in no region and never reach a region's own pages."""
    return user.is_authenticated and user.role in NATIONAL_ROLES


def reads_nation(user: User) -> bool:
    """Every national role reads the national pages (all regions' published results)."""
    return is_national(user)


def administers_nation(user: User) -> bool:
    """The ministry's administrators: the regions of the deployment."""
    return user.is_authenticated and user.role == Role.MINISTRY_ADMIN


# --- the ministry's evaluation of regions (services.national_evaluation) ---------------------


def reads_national_submissions(user: User) -> bool:
    """The region's side of the ministry's evaluation: its team and leadership read it."""
    return user.is_authenticated and not is_national(user) and reads_region(user)


def assembles_submissions(user: User) -> bool:
    """The region's administrator assembles its national submission (when it may change)."""
    return user.is_authenticated and user.role == Role.ADMIN


def approves_submissions(user: User) -> bool:
    """The region head (the leadership, `viewer`) approves it or sends it back."""
    return user.is_authenticated and user.role == Role.VIEWER


def can_assemble_submission(user: User, submission: RegionSubmission) -> bool:
    """The region's administrator assembles its submission while it is a draft or returned."""
    return (
        user.is_authenticated
        and user.role == Role.ADMIN
        and user.region_id == submission.region_id
        and submission.status in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)
    )


def can_approve_submission(user: User, submission: RegionSubmission) -> bool:
    """The region head (the region's leadership, `viewer`) approves it or sends it back."""
    return (
        user.is_authenticated
        and user.role == Role.VIEWER
        and user.region_id == submission.region_id
        and submission.status == SubmissionStatus.AWAITING_APPROVAL
    )


def can_review_submission(
    user: User, submission: RegionSubmission, evaluator_id: int | None
) -> bool:
    """The ministry evaluator assigned to the region reviews its submitted submission."""
    return (
        user.is_authenticated
        and user.role == Role.MINISTRY_EVALUATOR
        and user.id == evaluator_id
        and submission.status == SubmissionStatus.SUBMITTED
    )


def reads_submission(user: User, submission: RegionSubmission) -> bool:
    """The ministry reads every submission; a region's team and leadership read their own."""
    if is_national(user):
        return True
    return (
        user.is_authenticated
        and user.region_id == submission.region_id
        and user.role in (Role.ADMIN, Role.EVALUATOR, Role.VIEWER)
    )


def is_staff(user: User) -> bool:
    """Evaluators and administrators: the region's Smart City team."""
    return user.role in (Role.ADMIN, Role.EVALUATOR)


def reads_region(user: User) -> bool:
    """The Smart City team and the read-only leadership (viewer): region-wide results."""
    return user.role in (Role.ADMIN, Role.EVALUATOR, Role.VIEWER)


def administers(user: User) -> bool:
    """Administrators run the periods, the evaluator assignments, printing and the audit trail."""
    return user.is_authenticated and user.role == Role.ADMIN


def reviews_by_assignment(user: User) -> bool:
    """An evaluator reviews the agencies assigned to them, and their period overview lists only
    those (never their own agency); administrators and the leadership see every agency."""
    return user.role == Role.EVALUATOR


def works_for_agency(user: User) -> bool:
    """Agency staff (operators and the head): the deadline notices are written for them."""
    return user.role == Role.AGENCY


def is_agency_head(user: User) -> bool:
    """An agency user who approves for the agency: its head or the designated official."""
    return user.role == Role.AGENCY and user.agency_role == AgencyRole.HEAD


# roles whose accounts may act as members of the Tim Pelaksana (a viewer changes nothing)
TEAM_ROLES = (Role.EVALUATOR, Role.AGENCY, Role.ADMIN)


def _team_assignments(user: User):
    """The team-member assignments of this user (any period), as a query to narrow down."""
    return (
        select(TeamAssignment.agency_id)
        .join(TeamMember, TeamAssignment.member_id == TeamMember.id)
        .filter(TeamMember.user_id == user.id)
    )


def is_assigned(user: User, agency_id: int, period_id: int) -> bool:
    """An evaluator assigned to the agency for the period, or a Tim Pelaksana member assigned
    to it on the team's page; never one of the agency's own members."""
    if user.agency_id == agency_id or user.role not in TEAM_ROLES:
        return False
    if user.role == Role.EVALUATOR:
        found = db.session.scalar(
            select(EvaluatorAssignment.id).filter_by(
                evaluator_id=user.id, agency_id=agency_id, period_id=period_id
            )
        )
        if found is not None:
            return True
    member = db.session.scalar(
        _team_assignments(user)
        .filter(TeamMember.period_id == period_id, TeamAssignment.agency_id == agency_id)
        .limit(1)
    )
    return member is not None


def acting_chair(period_id: int, agency_id: int) -> tuple[int | None, bool]:
    """Who finalizes the agency's assessment in the period: (user id, acting for the chair).

    The chair, unless the team records the chair as absent, the chair has no active account,
    or the chair belongs to the assessed agency: then the vice-chair, signing for the chair.
    (None, False) when the team has neither (nobody finalizes until the team is recorded).
    """
    team = db.session.scalar(select(PeriodTeam).filter_by(period_id=period_id))
    members = {
        member.role: member
        for member in db.session.scalars(
            select(TeamMember)
            .filter(
                TeamMember.period_id == period_id,
                TeamMember.role.in_(("chair", "vice_chair")),
                TeamMember.user_id.is_not(None),
            )
            .options(joinedload(TeamMember.user))
        )
    }

    def available(role: str) -> int | None:
        member = members.get(role)
        account = member.user if member is not None else None
        if account is None or not account.active or account.agency_id == agency_id:
            return None
        return account.id

    chair = available("chair")
    if chair is not None and not (team is not None and team.chair_absent):
        return chair, False
    vice = available("vice_chair")
    if vice is not None:
        return vice, True
    return None, False


def can_view_agency(user: User, agency_id: int) -> bool:
    """An agency's dashboard: its own users, evaluators assigned to it in any period (not its
    members), admins and the leadership (viewer)."""
    if not user.is_authenticated:
        return False
    if user.role in (Role.ADMIN, Role.VIEWER):
        return True
    if user.agency_id == agency_id:
        return user.role == Role.AGENCY
    # a team member assigned to it in any period (an agency's head on the team, for instance)
    if user.role in TEAM_ROLES and db.session.scalar(
        _team_assignments(user).filter(TeamAssignment.agency_id == agency_id).limit(1)
    ):
        return True
    if user.role != Role.EVALUATOR:
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
        return Actor.HEAD if is_agency_head(user) else Actor.OPERATOR
    if user.role in TEAM_ROLES and user.agency_id != assessment.agency_id:
        chair, _acting = acting_chair(assessment.period_id, assessment.agency_id)
        if chair == user.id:
            return Actor.CHAIR
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
        today=deadlines.today_local(utcnow()),
    )


def in_agency_hands(assessment: Assessment) -> bool:
    """A draft or a returned assessment: the agency's to change (when its dates allow)."""
    return assessment.status in EDITABLE_BY_AGENCY


def can_edit_assessment(user: User, assessment: Assessment) -> bool:
    """Answers and evidence change only by the agency (its operators and its head), in draft
    or after a return, in time."""
    return (
        actor_for(user, assessment) in AGENCY_MEMBERS
        and in_agency_hands(assessment)
        and edit_window(assessment).may_edit
    )


def can_review(user: User, assessment: Assessment) -> bool:
    """Verified levels and notes change only by its evaluators, the team's chair (or an admin)
    while in review."""
    return actor_for(user, assessment) in REVIEWERS and assessment.status in REVIEWABLE


def can_discuss(user: User, assessment: Assessment) -> bool:
    """The per-indicator threads: the agency's own people and its reviewers write, until the
    result is final; whoever sees the assessment reads them."""
    return actor_for(user, assessment) != Actor.OTHER and assessment.status != Status.FINAL


def can_read_trail(user: User, assessment: Assessment) -> bool:
    """Admins, the team's chair and the assigned evaluators read an assessment's audit trail."""
    return actor_for(user, assessment) in REVIEWERS


def can_follow_up(user: User, assessment: Assessment) -> bool:
    """Follow-up actions are set by the team (its reviewers of the assessment) until final."""
    return actor_for(user, assessment) in REVIEWERS and assessment.status != "final"


def can_record_interview(user: User, assessment: Assessment) -> bool:
    """The interview or site visit is recorded by the team while the result is not final."""
    return actor_for(user, assessment) in REVIEWERS and assessment.status in (
        "in_review",
        "verified",
    )


def is_team_member(user: User, period_id: int | None = None) -> bool:
    """A user on a Tim Pelaksana (of this period, or of any)."""
    if not user.is_authenticated:
        return False
    query = select(TeamMember.id).filter_by(user_id=user.id)
    if period_id is not None:
        query = query.filter_by(period_id=period_id)
    return db.session.scalar(query.limit(1)) is not None


def reads_team(user: User, period_id: int) -> bool:
    """A period's team page: the region's staff, the leadership and the team's members."""
    return reads_region(user) or is_team_member(user, period_id)


def reviews_in_progress_readable(user: User, period_id: int) -> frozenset[int] | None:
    """Agencies whose verified levels and notes the user reads before verification (None: all).

    Admins every agency; an evaluator the agencies assigned to them, never their own; nobody
    else (they read the review once the assessment is verified). Used by exports and the API.
    """
    if user.role == Role.ADMIN:
        return None
    if user.role not in TEAM_ROLES:
        return frozenset()
    assigned = set(
        db.session.scalars(_team_assignments(user).filter(TeamMember.period_id == period_id))
    )
    if user.role == Role.EVALUATOR:
        assigned |= set(
            db.session.scalars(
                select(EvaluatorAssignment.agency_id).filter_by(
                    evaluator_id=user.id, period_id=period_id
                )
            )
        )
    return frozenset(assigned) - {user.agency_id}


def api_readable_agencies(user: User) -> frozenset[int] | None:
    """Whose assessments an API token reads (None: the whole region), docs/API.md.

    An agency reads itself; admins, viewers and (unlike on the pages) every evaluator the region.
    """
    if user.role == Role.AGENCY:
        return frozenset({user.agency_id}) if user.agency_id is not None else frozenset()
    return None


# --- documents (issue 15 items 2 and 3): one rule for issuing and downloading ----------------


def can_issue_documents(user: User) -> bool:
    """Signed documents are issued by administrators (and by the app itself when an
    assessment or a period becomes final); nobody else creates one, the viewer least of all."""
    return user.is_authenticated and user.role == Role.ADMIN


def can_download_document(user: User, assessment: Assessment | None, period_id: int | None) -> bool:
    """Whoever may see the data downloads what was issued about it: an assessment's documents
    by those who see the assessment, a period's (region recap, its Berita Acara) by those who
    read the region results."""
    if assessment is not None:
        return can_view_assessment(user, assessment)
    return period_id is not None and user.is_authenticated and reads_region(user)
