"""The Tim Pelaksana Smart City of a period: its decree, members and the agencies each reviews,
the stages of an evaluation (desk review, then where required an interview or site visit, then
final) and what the Berita Acara of a finalization records."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..domain.signatory import Signatory
from ..domain.workflow import Status
from ..extensions import db
from ..models import (
    Agency,
    Assessment,
    EvaluatorAssignment,
    Interview,
    InterviewNote,
    Period,
    PeriodTeam,
    Role,
    TeamAssignment,
    TeamMember,
    User,
    utcnow,
)
from ..policy import TEAM_ROLES, acting_chair, can_record_interview
from . import audit
from .assessments import applicable_codes, instrument_for

CHAIR, VICE_CHAIR, SECRETARY, MEMBER = "chair", "vice_chair", "secretary", "member"
ROLES = (CHAIR, VICE_CHAIR, SECRETARY, MEMBER)
# one of each; any number of members
SINGLE_ROLES = (CHAIR, VICE_CHAIR, SECRETARY)
# the positions in the team as the decree names them (printed in signature blocks)
ROLE_TITLES = {
    CHAIR: "Ketua Tim Pelaksana Smart City",
    VICE_CHAIR: "Wakil Ketua Tim Pelaksana Smart City",
    SECRETARY: "Sekretaris Tim Pelaksana Smart City",
    MEMBER: "Anggota Tim Pelaksana Smart City",
}
INTERVIEW, SITE_VISIT = "interview", "site_visit"
INTERVIEW_KINDS = (INTERVIEW, SITE_VISIT)
_NIP = re.compile(r"\d{18}")


class TeamRefused(Exception):
    """A change to the team the rules refuse; the message is for the user."""


def local_today() -> date:
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta"))
    return utcnow().replace(tzinfo=UTC).astimezone(zone).date()


# --- the team and its settings ---------------------------------------------------------------


def team_of(period: Period) -> PeriodTeam | None:
    return db.session.scalar(select(PeriodTeam).filter_by(period_id=period.id))


def _ensure_team(period: Period) -> PeriodTeam:
    team = team_of(period)
    if team is None:
        team = PeriodTeam(period_id=period.id, decree_number="", chair_absent_note="")
        db.session.add(team)
        db.session.flush()
    return team


@dataclass(frozen=True)
class TeamSettings:
    decree_number: str
    decree_date: date | None
    interview_required: bool
    chair_absent: bool
    chair_absent_note: str


def settings_of(period: Period) -> TeamSettings:
    team = team_of(period)
    if team is None:
        return TeamSettings("", None, False, False, "")
    return TeamSettings(
        team.decree_number,
        team.decree_date,
        team.interview_required,
        team.chair_absent,
        team.chair_absent_note,
    )


def save_settings(period: Period, values: TeamSettings, by: User | None) -> bool:
    """The decree, whether an interview or site visit is required, whether the chair is
    absent (the vice-chair then finalizes for them). Audited; False when unchanged."""
    number = values.decree_number.strip()
    note = values.chair_absent_note.replace("\x00", "").strip()
    if len(number) > 100:
        raise TeamRefused(_("The decree number has at most 100 characters."))
    if values.chair_absent and not note:
        raise TeamRefused(_("Say why the chair is absent (it is printed in the minutes)."))
    team = _ensure_team(period)
    before = _settings_record(team)
    team.decree_number = number
    team.decree_date = values.decree_date
    team.interview_required = values.interview_required
    team.chair_absent = values.chair_absent
    team.chair_absent_note = note if values.chair_absent else ""
    after = _settings_record(team)
    if before == after:
        return False
    db.session.flush()
    audit.record(
        "team.settings_changed",
        "team",
        period.year,
        user=by,
        period_id=period.id,
        old=before,
        new=after,
    )
    return True


def _settings_record(team: PeriodTeam) -> dict[str, object]:
    return {
        "decree_number": team.decree_number,
        "decree_date": team.decree_date.isoformat() if team.decree_date else None,
        "interview_required": team.interview_required,
        "chair_absent": team.chair_absent,
        "chair_absent_note": team.chair_absent_note,
    }


# --- members -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberInput:
    """A member as the administrator enters them: a user (their name and signature block
    taken from the account when left empty) or an external member with a name."""

    role: str
    user_id: int | None
    name: str = ""
    nip: str = ""
    rank: str = ""
    position: str = ""
    institution: str = ""


def members_of(period: Period) -> list[TeamMember]:
    """The team in the order of the decree: chair, vice-chair, secretary, then the members."""
    rows = db.session.scalars(
        select(TeamMember)
        .filter_by(period_id=period.id)
        .options(
            joinedload(TeamMember.user),
            selectinload(TeamMember.assignments).joinedload(TeamAssignment.agency),
        )
    )
    return sorted(rows, key=lambda m: (ROLES.index(m.role), m.name.lower(), m.id))


def reviewed_agencies(period: Period, members: list[TeamMember]) -> dict[int, list[Agency]]:
    """Member id -> the agencies the member reviews: assigned on the team's page, and for an
    evaluator account also on the evaluator assignments page (both count)."""
    result = {m.id: [a.agency for a in m.assignments] for m in members}
    evaluators = {
        m.user_id: m.id for m in members if m.user is not None and m.user.role == Role.EVALUATOR
    }
    if evaluators:
        rows = db.session.scalars(
            select(EvaluatorAssignment)
            .filter(
                EvaluatorAssignment.period_id == period.id,
                EvaluatorAssignment.evaluator_id.in_(evaluators),
            )
            .options(joinedload(EvaluatorAssignment.agency))
        )
        for row in rows:
            listed = result[evaluators[row.evaluator_id]]
            if all(agency.id != row.agency_id for agency in listed):
                listed.append(row.agency)
    return {key: sorted(value, key=lambda a: a.code) for key, value in result.items()}


def member_problems(
    period: Period, values: MemberInput, member: TeamMember | None = None
) -> dict[str, str]:
    """Per field, what is wrong with a member's entry."""
    problems: dict[str, str] = {}
    if values.role not in ROLES:
        problems["role"] = _("Choose the member's position in the team.")
    elif values.role in SINGLE_ROLES:
        taken = db.session.scalar(
            select(TeamMember.id).filter_by(period_id=period.id, role=values.role).limit(1)
        )
        if taken is not None and (member is None or taken != member.id):
            problems["role"] = _("The team already has this position: change that member first.")
    user = db.session.get(User, values.user_id) if values.user_id is not None else None
    if values.user_id is not None:
        if user is None or not user.active or user.role not in TEAM_ROLES:
            problems["user_id"] = _("Choose an active account of the team, or none.")
        else:
            twice = db.session.scalar(
                select(TeamMember.id).filter_by(period_id=period.id, user_id=user.id).limit(1)
            )
            if twice is not None and (member is None or twice != member.id):
                problems["user_id"] = _("This account is already on the team.")
    if not values.name.strip() and (user is None or not user.full_name.strip()):
        problems["name"] = _("Enter the member's name.")
    nip = re.sub(r"\s+", "", values.nip)
    if nip and not _NIP.fullmatch(nip):
        problems["nip"] = _("A NIP has 18 digits.")
    for name, limit in (("name", 200), ("rank", 100), ("position", 200), ("institution", 200)):
        if len(getattr(values, name)) > limit:
            problems[name] = _("At most %(n)d characters.", n=limit)
    return problems


def _apply(member: TeamMember, values: MemberInput) -> None:
    user = db.session.get(User, values.user_id) if values.user_id is not None else None
    member.role = values.role
    member.user_id = user.id if user is not None else None
    member.name = values.name.strip() or (user.full_name.strip() if user else "")
    member.nip = re.sub(r"\s+", "", values.nip) or (user.nip if user else "")
    member.rank = values.rank.strip() or (user.rank if user else "")
    member.position = values.position.strip() or (user.position if user else "")
    member.institution = values.institution.strip()


def _member_record(member: TeamMember) -> dict[str, object]:
    return {
        "role": member.role,
        "user": member.user.username if member.user is not None else None,
        "name": member.name,
        "nip": member.nip,
        "rank": member.rank,
        "position": member.position,
        "institution": member.institution,
    }


def add_member(period: Period, values: MemberInput, by: User | None) -> TeamMember:
    problems = member_problems(period, values)
    if problems:
        raise TeamRefused(" ".join(problems.values()))
    _ensure_team(period)
    member = TeamMember(period_id=period.id)
    _apply(member, values)
    db.session.add(member)
    db.session.flush()
    audit.record(
        "team.member_added",
        "team_member",
        member.id,
        user=by,
        period_id=period.id,
        new=_member_record(member),
    )
    return member


def update_member(member: TeamMember, values: MemberInput, by: User | None) -> bool:
    period = db.session.get(Period, member.period_id)
    assert period is not None
    problems = member_problems(period, values, member)
    if problems:
        raise TeamRefused(" ".join(problems.values()))
    before = _member_record(member)
    _apply(member, values)
    db.session.flush()
    db.session.refresh(member, attribute_names=["user"])
    after = _member_record(member)
    if before == after:
        return False
    audit.record(
        "team.member_changed",
        "team_member",
        member.id,
        user=by,
        period_id=member.period_id,
        old=before,
        new=after,
    )
    return True


def remove_member(member: TeamMember, by: User | None) -> None:
    record = _member_record(member) | {"agencies": _agency_codes(member)}
    period_id = member.period_id
    member_id = member.id
    db.session.delete(member)
    db.session.flush()
    audit.record(
        "team.member_removed",
        "team_member",
        member_id,
        user=by,
        period_id=period_id,
        old=record,
    )


def _agency_codes(member: TeamMember) -> list[str]:
    return sorted(a.agency.code for a in member.assignments)


def set_member_agencies(member: TeamMember, agency_ids: Iterable[int], by: User | None) -> int:
    """The agencies this member reviews (one or more); returns how many changed.

    A member never reviews their own agency."""
    wanted = set(agency_ids)
    agencies = {a.id: a for a in db.session.scalars(select(Agency).filter(Agency.id.in_(wanted)))}
    if set(agencies) != wanted:
        raise TeamRefused(_("Unknown agency."))
    own = member.user.agency_id if member.user is not None else None
    if own is not None and own in wanted:
        raise TeamRefused(
            _(
                "%(name)s belongs to %(agency)s and cannot review it.",
                name=member.name,
                agency=agencies[own].name,
            )
        )
    current = {a.agency_id: a for a in member.assignments}
    changed = 0
    for agency_id in sorted(wanted - set(current)):
        member.assignments.append(TeamAssignment(agency_id=agency_id))
        _audit_assignment("team.assignment_added", member, agencies[agency_id], by)
        changed += 1
    for agency_id in sorted(set(current) - wanted):
        row = current[agency_id]
        _audit_assignment("team.assignment_removed", member, row.agency, by)
        member.assignments.remove(row)
        changed += 1
    db.session.flush()
    return changed


def _audit_assignment(action: str, member: TeamMember, agency: Agency, by: User | None) -> None:
    record = {"member": member.name, "agency": agency.code}
    audit.record(
        action,
        "team_member",
        member.id,
        user=by,
        agency_id=agency.id,
        period_id=member.period_id,
        **({"new": record} if action.endswith("added") else {"old": record}),
    )


def _member(period_id: int, role: str) -> TeamMember | None:
    return db.session.scalar(
        select(TeamMember).filter_by(period_id=period_id, role=role).order_by(TeamMember.id)
    )


def _signatory(member: TeamMember, on_behalf_of: str = "") -> Signatory:
    return Signatory(
        position=ROLE_TITLES[member.role],
        name=member.name,
        rank=member.rank,
        nip=member.nip,
        on_behalf_of=on_behalf_of,
    )


def team_signatory(period: Period, role: str) -> Signatory | None:
    """The signature block of the team's chair, vice-chair or secretary as recorded for the
    period. For the chair: while the team records the chair as absent, the vice-chair signs
    "a.n. Ketua Tim Pelaksana Smart City". None when the team has nobody in that position."""
    if role == CHAIR:
        team = team_of(period)
        chair = _member(period.id, CHAIR)
        if chair is not None and not (team is not None and team.chair_absent):
            return _signatory(chair)
        vice = _member(period.id, VICE_CHAIR)
        if vice is not None:
            return _signatory(vice, on_behalf_of=ROLE_TITLES[CHAIR])
        return _signatory(chair) if chair is not None else None
    member = _member(period.id, role)
    return _signatory(member) if member is not None else None


# --- stages: desk review, interview or site visit, final -------------------------------------


@dataclass(frozen=True)
class InterviewInput:
    kind: str
    held_on: date
    place: str
    attendees: str
    notes: dict[str, str] = field(default_factory=dict)


def record_interview(assessment: Assessment, user: User, values: InterviewInput) -> Interview:
    """Record the interview or site visit after the desk review (while in review or
    verified). Audited; the caller commits."""

    if not can_record_interview(user, assessment):
        raise TeamRefused(_("The interview cannot be recorded for this assessment now."))
    if values.kind not in INTERVIEW_KINDS:
        raise TeamRefused(_("Choose an interview or a site visit."))
    if not values.place.strip():
        raise TeamRefused(_("Enter where it took place."))
    if not values.attendees.strip():
        raise TeamRefused(_("Enter who attended."))
    allowed = applicable_codes(assessment, instrument_for(assessment))
    unknown = sorted(set(values.notes) - allowed)
    if unknown:
        raise TeamRefused(_("Unknown indicator %(code)s.", code=", ".join(unknown)))
    row = Interview(
        assessment_id=assessment.id,
        kind=values.kind,
        held_on=values.held_on,
        place=values.place.strip()[:200],
        attendees=values.attendees.replace("\x00", "").strip(),
        recorded_by_id=user.id,
        notes=[
            InterviewNote(indicator_code=code, note=note.replace("\x00", "").strip())
            for code, note in sorted(values.notes.items())
            if note.strip()
        ],
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "assessment.interview_recorded",
        "interview",
        row.id,
        user=user,
        assessment=assessment,
        new={
            "kind": row.kind,
            "held_on": row.held_on.isoformat(),
            "place": row.place,
            "attendees": row.attendees,
            "notes": {n.indicator_code: n.note for n in row.notes},
        },
    )
    return row


def interviews_of(assessment: Assessment) -> list[Interview]:
    return list(
        db.session.scalars(
            select(Interview)
            .filter_by(assessment_id=assessment.id)
            .options(selectinload(Interview.notes), joinedload(Interview.recorded_by))
            .order_by(Interview.held_on, Interview.id)
        )
    )


def interview_required(period: Period) -> bool:
    team = team_of(period)
    return team is not None and team.interview_required


# the stages as the pages name them
WITH_AGENCY, DESK, INTERVIEW_STAGE, FINAL = "agency", "desk", "interview", "final"


def stage_of(assessment: Assessment) -> str:
    """Where the evaluation stands: with the agency, desk review, interview or visit, final."""
    if assessment.status == Status.FINAL:
        return FINAL
    if assessment.status in (Status.DRAFT, Status.AWAITING_APPROVAL, Status.RETURNED):
        return WITH_AGENCY
    if assessment.status == Status.VERIFIED and interview_required(assessment.period):
        return INTERVIEW_STAGE
    return DESK


def stage_problem(assessment: Assessment) -> str | None:
    """Why the assessment cannot become final yet (the period's required stage is missing)."""
    if interview_required(assessment.period) and not interviews_of(assessment):
        return _(
            "Period %(year)s requires an interview or site visit before the result is final: "
            "record it first.",
            year=assessment.period.year,
        )
    return None


# --- who may sit on a team ------------------------------------------------------------------


def latest_team_year(user: User) -> int | None:
    """The newest period whose team the user is on, else None."""
    return db.session.scalar(
        select(Period.year)
        .join(TeamMember, TeamMember.period_id == Period.id)
        .filter(TeamMember.user_id == user.id)
        .order_by(Period.year.desc())
        .limit(1)
    )


def member_candidates() -> list[User]:
    """The active accounts that may sit on a team (evaluators, agency staff, admins)."""
    return list(
        db.session.scalars(
            select(User)
            .filter(User.active.is_(True), User.role.in_((Role.EVALUATOR, Role.AGENCY, Role.ADMIN)))
            .order_by(User.username)
        )
    )


# --- the team's page -------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkItem:
    """One assessment on the team's page."""

    assessment_id: int
    agency_code: str
    agency_name: str
    status: str
    stage: str
    reviewers: tuple[str, ...]


@dataclass(frozen=True)
class TeamPage:
    year: int
    settings: TeamSettings
    members: tuple[TeamMember, ...]
    # member id -> codes of the agencies the member reviews
    member_agencies: dict[int, tuple[str, ...]]
    items: tuple[WorkItem, ...]
    # the assessments this user reviews as a team member or finalizes as the (acting) chair
    mine: tuple[WorkItem, ...]
    to_finalize: tuple[WorkItem, ...]


def team_page(period: Period, user: User) -> TeamPage:
    """The team, every agency's stage and, for this user, what is theirs to do."""
    members = members_of(period)
    agencies_of = reviewed_agencies(period, members)
    reviewers: dict[int, list[str]] = {}
    mine_agencies: set[int] = set()
    for member in members:
        for agency in agencies_of[member.id]:
            reviewers.setdefault(agency.id, []).append(member.name)
            if member.user_id == user.id and user.agency_id != agency.id:
                mine_agencies.add(agency.id)
    assessments = list(
        db.session.scalars(
            select(Assessment)
            .join(Agency)
            .filter(Assessment.period_id == period.id)
            .options(joinedload(Assessment.agency), joinedload(Assessment.period))
            .order_by(Agency.name)
        )
    )
    required = interview_required(period)
    items = []
    for assessment in assessments:
        status = str(assessment.status)
        if status == Status.FINAL:
            stage = FINAL
        elif status in (Status.DRAFT, Status.AWAITING_APPROVAL, Status.RETURNED):
            stage = WITH_AGENCY
        elif status == Status.VERIFIED and required:
            stage = INTERVIEW_STAGE
        else:
            stage = DESK
        items.append(
            WorkItem(
                assessment.id,
                assessment.agency.code,
                assessment.agency.name,
                status,
                stage,
                tuple(reviewers.get(assessment.agency_id, ())),
            )
        )
    by_agency = {a.id: a for a in assessments}
    chairs = {}
    if user.role in TEAM_ROLES and user.role != Role.ADMIN:
        for assessment in assessments:
            if assessment.status == Status.VERIFIED:
                chairs[assessment.id] = acting_chair(period.id, assessment.agency_id)[0]
    mine = tuple(item for item in items if by_agency[item.assessment_id].agency_id in mine_agencies)
    to_finalize = tuple(item for item in items if chairs.get(item.assessment_id) == user.id)
    return TeamPage(
        year=period.year,
        settings=settings_of(period),
        members=tuple(members),
        member_agencies={k: tuple(a.code for a in v) for k, v in agencies_of.items()},
        items=tuple(items),
        mine=mine,
        to_finalize=to_finalize,
    )
