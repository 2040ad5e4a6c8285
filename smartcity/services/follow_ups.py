"""Capaian, kendala, tindak lanjut: an agency's achievements and obstacles per dimension, the
team's follow-up actions (with an owner and a target date), and next year's answer to whether
each was done."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..domain.workflow import Status
from ..extensions import db
from ..models import Agency, Assessment, DimensionObstacle, FollowUp, Period, User, utcnow
from ..policy import can_edit_assessment, can_follow_up
from . import audit
from .assessments import dimension_codes, instrument_for

DONE, PARTLY, NOT_DONE = "done", "partly", "not_done"
OUTCOMES = (DONE, PARTLY, NOT_DONE)
MAX_TEXT = 5_000


class FollowUpRefused(Exception):
    """A change the rules refuse; the message is for the user."""


# --- the agency's achievements and obstacles ---------------------------------------------------


@dataclass(frozen=True)
class ObstacleInput:
    achievements: str
    obstacles: str


def obstacles_of(assessment: Assessment) -> dict[str, DimensionObstacle]:
    rows = db.session.scalars(select(DimensionObstacle).filter_by(assessment_id=assessment.id))
    return {row.dimension_code: row for row in rows}


def save_obstacles(assessment: Assessment, user: User, entries: Mapping[str, ObstacleInput]) -> int:
    """The agency states achievements and obstacles per dimension while it may edit; returns
    how many dimensions changed. Audited; all or nothing; the caller commits."""
    if not can_edit_assessment(user, assessment):
        raise FollowUpRefused(_("This assessment can no longer be changed."))
    codes = set(dimension_codes(assessment, instrument_for(assessment)))
    unknown = sorted(set(entries) - codes)
    if unknown:
        raise FollowUpRefused(_("Unknown dimension %(code)s.", code=", ".join(unknown)))
    for entry in entries.values():
        if len(entry.achievements) > MAX_TEXT or len(entry.obstacles) > MAX_TEXT:
            raise FollowUpRefused(_("At most %(n)d characters.", n=MAX_TEXT))
    existing = obstacles_of(assessment)
    changed = 0
    for code, entry in sorted(entries.items()):
        values = {
            "achievements": entry.achievements.replace("\x00", "").strip(),
            "obstacles": entry.obstacles.replace("\x00", "").strip(),
        }
        row = existing.get(code)
        before = None if row is None else {k: getattr(row, k) for k in values}
        if before == values or (row is None and not any(values.values())):
            continue
        if row is None:
            row = DimensionObstacle(assessment_id=assessment.id, dimension_code=code)
            db.session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_by_id = user.id
        row.updated_at = utcnow()
        audit.record(
            "obstacle.changed",
            "obstacle",
            code,
            user=user,
            assessment=assessment,
            old=before,
            new=values | {"dimension": code},
        )
        changed += 1
    db.session.flush()
    return changed


# --- the team's follow-up actions -------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpInput:
    dimension_code: str
    action: str
    owner: str
    target_date: date | None


def follow_ups_of(assessment: Assessment) -> list[FollowUp]:
    return list(
        db.session.scalars(
            select(FollowUp)
            .filter_by(assessment_id=assessment.id)
            .order_by(FollowUp.dimension_code, FollowUp.id)
        )
    )


def add_follow_up(assessment: Assessment, user: User, values: FollowUpInput) -> FollowUp:
    """A follow-up action set by the team (its reviewers of the assessment) until final."""
    if not can_follow_up(user, assessment):
        raise FollowUpRefused(_("Follow-up actions cannot be changed for this assessment now."))
    if assessment.status in (Status.DRAFT, Status.AWAITING_APPROVAL):
        raise FollowUpRefused(_("Follow-up actions are set once the agency has submitted."))
    if values.dimension_code not in dimension_codes(assessment, instrument_for(assessment)):
        raise FollowUpRefused(_("Choose one of the agency's dimensions."))
    action = values.action.replace("\x00", "").strip()
    owner = values.owner.replace("\x00", "").strip()
    if not action:
        raise FollowUpRefused(_("Describe the follow-up action."))
    if not owner:
        raise FollowUpRefused(_("Name who carries the follow-up out."))
    if len(action) > MAX_TEXT or len(owner) > 200:
        raise FollowUpRefused(_("The text is too long."))
    row = FollowUp(
        assessment_id=assessment.id,
        dimension_code=values.dimension_code,
        action=action,
        owner=owner,
        target_date=values.target_date,
        created_by_id=user.id,
        outcome_note="",
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "follow_up.added",
        "follow_up",
        row.id,
        user=user,
        assessment=assessment,
        new=_record(row),
    )
    return row


def remove_follow_up(row: FollowUp, user: User) -> None:
    assessment = row.assessment
    if not can_follow_up(user, assessment):
        raise FollowUpRefused(_("Follow-up actions cannot be changed for this assessment now."))
    audit.record(
        "follow_up.removed", "follow_up", row.id, user=user, assessment=assessment, old=_record(row)
    )
    db.session.delete(row)
    db.session.flush()


def _record(row: FollowUp) -> dict[str, object]:
    return {
        "dimension": row.dimension_code,
        "action": row.action,
        "owner": row.owner,
        "target_date": row.target_date.isoformat() if row.target_date else None,
    }


# --- next year: were they done? -----------------------------------------------------------------


def previous_assessment(assessment: Assessment) -> Assessment | None:
    """The same agency's assessment of the latest earlier period."""
    return db.session.scalar(
        select(Assessment)
        .join(Period, Assessment.period_id == Period.id)
        .filter(
            Assessment.agency_id == assessment.agency_id,
            Period.year < assessment.period.year,
        )
        .order_by(Period.year.desc())
        .limit(1)
    )


def previous_follow_ups(assessment: Assessment) -> list[FollowUp]:
    """Last year's follow-up actions this year's assessment asks about."""
    previous = previous_assessment(assessment)
    return follow_ups_of(previous) if previous is not None else []


@dataclass(frozen=True)
class OutcomeInput:
    outcome: str  # done, partly, not_done ("" = not answered)
    note: str


def answer_follow_ups(
    assessment: Assessment, user: User, answers: Mapping[int, OutcomeInput]
) -> int:
    """The agency says, in this year's assessment, whether last year's actions were done."""
    if not can_edit_assessment(user, assessment):
        raise FollowUpRefused(_("This assessment can no longer be changed."))
    asked = {row.id: row for row in previous_follow_ups(assessment)}
    if set(answers) - set(asked):
        raise FollowUpRefused(_("Unknown follow-up action."))
    changed = 0
    for row_id, answer in sorted(answers.items()):
        if answer.outcome not in (*OUTCOMES, ""):
            raise FollowUpRefused(_("Choose whether it was done."))
        if len(answer.note) > MAX_TEXT:
            raise FollowUpRefused(_("At most %(n)d characters.", n=MAX_TEXT))
        row = asked[row_id]
        values = {
            "outcome": answer.outcome or None,
            "outcome_note": answer.note.replace("\x00", "").strip(),
        }
        before = {"outcome": row.outcome, "outcome_note": row.outcome_note}
        if before == values:
            continue
        row.outcome = values["outcome"]
        row.outcome_note = values["outcome_note"]
        row.outcome_by_id = user.id
        row.outcome_at = utcnow()
        audit.record(
            "follow_up.answered",
            "follow_up",
            row.id,
            user=user,
            assessment=assessment,
            old=before,
            new=values | {"action": row.action},
        )
        changed += 1
    db.session.flush()
    return changed


# --- plain data for the report and the region page -------------------------------------------


@dataclass(frozen=True)
class FollowUpLine:
    action: str
    owner: str
    target_date: date | None
    outcome: str | None = None  # for last year's: done, partly, not_done, None
    outcome_note: str = ""


@dataclass(frozen=True)
class DimensionFollowUp:
    """One dimension's achievements, obstacles, this year's actions and last year's."""

    code: str
    name: str
    achievements: str
    obstacles: str
    actions: tuple[FollowUpLine, ...]
    previous: tuple[FollowUpLine, ...]

    @property
    def empty(self) -> bool:
        return not (self.achievements or self.obstacles or self.actions or self.previous)


def follow_up_sections(assessment: Assessment, language: str) -> tuple[DimensionFollowUp, ...]:
    """Capaian, kendala and tindak lanjut per dimension of the assessment, plain data."""
    return _sections(
        assessment,
        obstacles_of(assessment),
        follow_ups_of(assessment),
        previous_follow_ups(assessment),
        language,
    )


def _sections(
    assessment: Assessment,
    obstacles: Mapping[str, DimensionObstacle],
    actions_rows: list[FollowUp],
    previous_rows: list[FollowUp],
    language: str,
) -> tuple[DimensionFollowUp, ...]:
    instrument = instrument_for(assessment)
    actions: dict[str, list[FollowUpLine]] = {}
    for row in actions_rows:
        actions.setdefault(row.dimension_code, []).append(
            FollowUpLine(row.action, row.owner, row.target_date)
        )
    previous: dict[str, list[FollowUpLine]] = {}
    for row in previous_rows:
        previous.setdefault(row.dimension_code, []).append(
            FollowUpLine(row.action, row.owner, row.target_date, row.outcome, row.outcome_note)
        )
    sections = []
    for code in dimension_codes(assessment, instrument):
        dimension = instrument.dimension(code)
        obstacle = obstacles.get(code)
        sections.append(
            DimensionFollowUp(
                code=code,
                name=dimension.name.get(language) if dimension is not None else code,
                achievements=obstacle.achievements if obstacle is not None else "",
                obstacles=obstacle.obstacles if obstacle is not None else "",
                actions=tuple(actions.get(code, ())),
                previous=tuple(previous.get(code, ())),
            )
        )
    return tuple(sections)


@dataclass(frozen=True)
class AgencyFollowUp:
    agency_code: str
    agency_name: str
    assessment_id: int
    sections: tuple[DimensionFollowUp, ...]


def region_follow_ups(period: Period, language: str) -> list[AgencyFollowUp]:
    """Every agency's obstacles and follow-up actions in the period (agencies with none are
    left out), for the region page: the same few queries however many agencies have any."""
    obstacles: dict[int, dict[str, DimensionObstacle]] = {}
    for row in db.session.scalars(
        select(DimensionObstacle)
        .join(Assessment, DimensionObstacle.assessment_id == Assessment.id)
        .filter(Assessment.period_id == period.id)
    ):
        obstacles.setdefault(row.assessment_id, {})[row.dimension_code] = row
    actions = _by_assessment(
        select(FollowUp)
        .join(Assessment, FollowUp.assessment_id == Assessment.id)
        .filter(Assessment.period_id == period.id)
    )
    with_any = set(obstacles) | set(actions)
    if not with_any:
        return []
    assessments = list(
        db.session.scalars(
            select(Assessment)
            .join(Agency)
            .filter(Assessment.id.in_(with_any))
            .options(
                joinedload(Assessment.agency).selectinload(Agency.dimension_links),
                joinedload(Assessment.period),
            )
            .order_by(Agency.name)
        )
    )
    # each agency's assessment of the latest earlier period, and its follow-up actions
    earlier: dict[int, tuple[int, int]] = {}  # agency -> (year, assessment id)
    for agency_id, year, assessment_id in db.session.execute(
        select(Assessment.agency_id, Period.year, Assessment.id)
        .join(Period, Assessment.period_id == Period.id)
        .filter(
            Assessment.agency_id.in_({a.agency_id for a in assessments}),
            Period.year < period.year,
        )
    ):
        if agency_id not in earlier or earlier[agency_id][0] < year:
            earlier[agency_id] = (year, assessment_id)
    previous_ids = [assessment_id for _, assessment_id in earlier.values()]
    previous = (
        _by_assessment(select(FollowUp).filter(FollowUp.assessment_id.in_(previous_ids)))
        if previous_ids
        else {}
    )
    result = []
    for assessment in assessments:
        before = earlier.get(assessment.agency_id)
        sections = _sections(
            assessment,
            obstacles.get(assessment.id, {}),
            actions.get(assessment.id, []),
            previous.get(before[1], []) if before is not None else [],
            language,
        )
        sections = tuple(s for s in sections if not s.empty)
        if sections:
            result.append(
                AgencyFollowUp(
                    assessment.agency.code, assessment.agency.name, assessment.id, sections
                )
            )
    return result


def _by_assessment(query) -> dict[int, list[FollowUp]]:
    """Follow-up actions by assessment, each in the order `follow_ups_of` gives them."""
    found: dict[int, list[FollowUp]] = {}
    for row in db.session.scalars(query.order_by(FollowUp.dimension_code, FollowUp.id)):
        found.setdefault(row.assessment_id, []).append(row)
    return found


def unanswered_count(assessment: Assessment) -> int:
    """Last year's follow-up actions this assessment has not yet said anything about."""
    return sum(1 for row in previous_follow_ups(assessment) if row.outcome is None)
