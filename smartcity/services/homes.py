"""What each role's home page shows first: the evaluator's review queue, the agency's years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..domain import deadlines
from ..domain.instrument import MaturityBand
from ..domain.workflow import REVIEWABLE, Status
from ..extensions import db
from ..models import Assessment, Period, User, utcnow
from ..policy import can_review, edit_window
from . import assessments as assessment_service
from . import review


@dataclass(frozen=True)
class QueueEntry:
    """An assessment waiting for the user's review."""

    assessment_id: int
    agency_code: str
    agency_name: str
    year: int
    status: str
    round: int
    submitted_at: datetime | None
    days_waiting: int | None


def review_queue(user: User) -> list[QueueEntry]:
    """Submitted and in-review assessments this user may review, oldest submission first."""
    candidates = db.session.scalars(
        select(Assessment)
        .where(Assessment.status.in_(REVIEWABLE))
        .options(joinedload(Assessment.agency), joinedload(Assessment.period))
    )
    today = deadlines.today_local(utcnow())
    entries = [
        QueueEntry(
            assessment_id=a.id,
            agency_code=a.agency.code,
            agency_name=a.agency.name,
            year=a.period.year,
            status=a.status,
            round=a.round,
            submitted_at=a.submitted_at,
            days_waiting=(today - deadlines.today_local(a.submitted_at)).days
            if a.submitted_at is not None
            else None,
        )
        for a in candidates
        if can_review(user, a)
    ]
    entries.sort(key=lambda e: (e.submitted_at or datetime.max, e.agency_name, e.assessment_id))
    return entries


# --- the agency's home -------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyYear:
    """One period as the agency's home shows it: a final result, or the work still open."""

    period: Period
    assessment: Assessment
    final: bool
    index: Fraction | None  # the verified index, once final
    maturity: MaturityBand | None
    answered: int
    total: int
    deadline: date | None  # the agency's last day (its extension, else the period's)
    days_left: int | None  # until the deadline, counting today (0: today is the last day)
    may_edit: bool
    certificate: object | None  # the year's current certificate (documents.DocumentRow)


def agency_years(user: User, periods: list[Period]) -> list[AgencyYear]:
    """The user's agency in each period, newest first (an open period gets its assessment)."""
    from ..models import PeriodStatus
    from .documents import latest_certificates

    certificates = dict(latest_certificates(user.agency_id)) if user.agency_id else {}
    result = []
    today = deadlines.today_local(utcnow())
    for period in periods:
        assessment = db.session.scalar(
            select(Assessment).filter_by(agency_id=user.agency_id, period_id=period.id)
        )
        if assessment is None and period.status == PeriodStatus.OPEN:
            assessment = assessment_service.ensure_assessment(user.agency, period)
            db.session.commit()
        if assessment is None:
            continue
        steps = assessment_service.progress(assessment)
        final = assessment.status == Status.FINAL
        index = maturity = None
        if final:
            verified = review.scores(assessment).verified
            if verified is not None:
                index, maturity = verified.index, verified.maturity
        window = edit_window(assessment)
        deadline = window.deadline
        result.append(
            AgencyYear(
                period=period,
                assessment=assessment,
                final=final,
                index=index,
                maturity=maturity,
                answered=sum(s.answered for s in steps),
                total=sum(s.total for s in steps),
                deadline=deadline,
                days_left=(deadline - today).days if deadline is not None else None,
                may_edit=window.may_edit,
                certificate=certificates.get(period.year) if final else None,
            )
        )
    return result
