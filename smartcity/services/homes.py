"""What each role's home page shows first: the evaluator's review queue, the agency's years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..domain import deadlines
from ..domain.instrument import MaturityBand
from ..domain.results import band_of
from ..domain.workflow import REVIEWABLE, Status
from ..extensions import db
from ..formatting import Standing, date_filter, standing
from ..models import Assessment, Period, PeriodStatus, User, utcnow
from ..policy import can_review, edit_window, in_agency_hands
from . import assessments as assessment_service
from . import results
from .documents import latest_certificates
from .instruments import instrument_of


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
    in_agency_hands: bool = False  # a draft or a return: the agency's to change
    standing: Standing | None = None  # the final index's predicate and maturity level, shown
    next_step: str = ""  # where the work stands and what happens next ("": only its status)


def agency_years(user: User, periods: list[Period]) -> list[AgencyYear]:
    """The user's agency in each period, newest first (an open period gets its assessment)."""

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
        index = maturity = shown = None
        stored = results.final_results(Assessment.id == assessment.id) if final else {}
        if assessment.id in stored:  # the result as stored when it became final
            line = stored[assessment.id].overall
            index = line.verified_index
            instrument = instrument_of(period.instrument_version)
            maturity = band_of(instrument, line.verified_level)
            shown = standing(index, instrument)
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
                in_agency_hands=in_agency_hands(assessment),
                next_step=next_step(assessment),
                standing=shown,
            )
        )
    return result


def next_step(assessment: Assessment) -> str:
    """Where the agency's work of the year stands and what happens next (its home page);
    blank for a status that has no next step for the agency."""
    status = assessment.status
    if status == Status.DRAFT:
        return _("Answer every indicator with its justification and evidence, then submit.")
    if status == Status.AWAITING_APPROVAL:
        return _(
            "Sent to the head of the agency: once the head approves it, it goes to the evaluators."
        )
    if status == Status.SUBMITTED:
        when = assessment.submitted_at
        # written apart: pybabel extract misses a message inside another's arguments
        on_date = (" " + _("on %(date)s", date=date_filter(when, "long"))) if when else ""
        return _(
            "Submitted%(when)s. Next, the evaluators check your answers and evidence; you will "
            "be notified when they verify it or return it with notes.",
            when=on_date,
        )
    if status == Status.IN_REVIEW:
        return _(
            "The evaluators are reviewing it. You will be notified when they verify it or "
            "return it with notes."
        )
    if status == Status.RETURNED:
        return _("Returned with notes: change what the evaluators ask for, then submit again.")
    if status == Status.VERIFIED:
        return _(
            "Verified by the evaluators. Next, the Smart City team makes the result final; you "
            "will be notified."
        )
    return ""
