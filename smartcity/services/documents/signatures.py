"""Who signs a document and on which day: the acts' dates, the signatories, their blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from ...domain import formats
from ...domain.signatory import Signatory
from ...domain.workflow import Status
from ...extensions import db
from ...models import Assessment, AuditEvent, Period, Transition
from ..approvals import agency_approval_date
from ..approvals import agency_signatory as approving_head
from ..team import team_signatory as recorded


@dataclass(frozen=True)
class Person:
    """A signer as the registry lists them (name, NIP, position); see `Signatory` for printing."""

    name: str
    nip: str
    position: str


@dataclass(frozen=True)
class SignatureBlock:
    """A signature as printed: the place and date of the act, then the signatory."""

    place_and_date: str
    signatory: Signatory


def local_day(moment: datetime) -> date:
    """The day of a stored (naive UTC) moment in the region's time zone."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta"))
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def finalized_on(assessment: Assessment) -> date | None:
    """The day the assessment last became final."""
    moment = db.session.scalar(
        select(Transition.at)
        .filter_by(assessment_id=assessment.id, to_status=Status.FINAL)
        .order_by(Transition.at.desc(), Transition.id.desc())
        .limit(1)
    )
    return local_day(moment) if moment is not None else None


def approved_on(assessment: Assessment) -> date | None:
    """The day the agency's head approved it for the evaluators (before approvals existed: the
    day it was submitted)."""
    day = agency_approval_date(assessment)
    if day is None and assessment.submitted_at is not None:
        day = local_day(assessment.submitted_at)
    return day


def closed_on(period: Period) -> date | None:
    """The day the period was last closed (None while it is open)."""
    if period.is_open:
        return None
    moment = db.session.scalar(
        select(AuditEvent.at)
        .filter_by(action="period.closed", period_id=period.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    return local_day(moment) if moment is not None else None


def agency_signatory(assessment: Assessment) -> Signatory | None:
    """Who signs for the agency: the head who approved the submission, as recorded at the
    approval (services.approvals); None without an approval: then no agency signature."""
    return approving_head(assessment)


def team_signatory(period: Period, role: str = "chair") -> Signatory | None:
    """Who signs for the Tim Pelaksana: its chair recorded for the period (the vice-chair
    "a.n." the chair while absent; services.team); None when the period has no team yet."""
    return recorded(period, role)


def certificate_signatory() -> Signatory:
    """Who signs certificates: the region head (no NIP for a Bupati), else the team chair."""
    config = current_app.config
    return Signatory(
        position=config.get("CERTIFICATE_SIGNER_POSITION") or "",
        name=config.get("CERTIFICATE_SIGNER_NAME") or "",
        nip=config.get("CERTIFICATE_SIGNER_NIP") or "",
    )


def place_and_date(seat: str, day: date, language: str) -> str:
    """ "Sampit, 7 Juni 2026": the place and date of the act, above a signature."""
    when = formats.document_date(day, language)
    return f"{seat}, {when}" if seat else when


def blocks(seat: str, language: str, *signed: tuple[Signatory | None, date]) -> tuple:
    """The signature blocks of those who sign (a missing signatory signs nothing)."""
    return tuple(
        SignatureBlock(place_and_date(seat, day, language), signatory)
        for signatory, day in signed
        if signatory is not None
    )
