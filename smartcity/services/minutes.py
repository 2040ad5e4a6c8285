"""The Berita Acara Hasil Evaluasi: what the chair records when finalizing (`record_minutes`,
within the FINALIZE transition), and the document as plain data: of one final assessment, and
the region recap of a closed period. `services.documents` issues them (kinds "minutes" and
"region_minutes") with `templates/pdf/minutes.html` and `templates/pdf/region_minutes.html`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..domain.scoring import AssessmentScore, display_index
from ..domain.signatory import Signatory
from ..domain.workflow import Status
from ..extensions import db
from ..models import Assessment, EvaluationMinutes, Period, Region, User
from ..policy import acting_chair
from .approvals import agency_approval_date, agency_signatory, latest_approval
from .assessments import instrument_for
from .follow_ups import DimensionFollowUp, follow_up_sections
from .periods import certificate_minimum
from .region import region_for
from .review import scores
from .team import (
    CHAIR,
    ROLE_TITLES,
    VICE_CHAIR,
    interviews_of,
    local_today,
    members_of,
    settings_of,
    team_signatory,
)

# --- what the chair records when finalizing -------------------------------------------------


@dataclass(frozen=True)
class MinutesInput:
    """What the chair records when finalizing: when and where the team met, who of the team
    was present (member ids) and the agency's representatives (one a line)."""

    held_on: date
    place: str
    member_ids: tuple[int, ...]
    representatives: str


def default_minutes(assessment: Assessment) -> MinutesInput:
    """Today at the region's seat; the finalizing chair and the members assigned to the
    agency; the head who approved the submission."""
    members = members_of(assessment.period)
    chair_id, acting = acting_chair(assessment.period_id, assessment.agency_id)
    present = tuple(
        m.id
        for m in members
        if (m.user_id is not None and m.user_id == chair_id)
        or any(a.agency_id == assessment.agency_id for a in m.assignments)
    )
    approval = latest_approval(assessment)
    representatives = ""
    if approval is not None:
        representatives = ", ".join(p for p in (approval.name, approval.position) if p)
    return MinutesInput(
        held_on=local_today(),
        place=assessment.agency.region.seat or "",
        member_ids=present,
        representatives=representatives,
    )


def record_minutes(
    assessment: Assessment, user: User, minutes: MinutesInput | None, now: datetime
) -> EvaluationMinutes:
    """Called within the FINALIZE transition: what the Berita Acara will say."""
    values = minutes or default_minutes(assessment)
    members = {m.id: m for m in members_of(assessment.period)}
    present = [
        {
            "name": m.name,
            "role": m.role,
            "position": m.position,
            "institution": m.institution,
        }
        for member_id in values.member_ids
        if (m := members.get(member_id)) is not None
    ]
    _chair, acting = acting_chair(assessment.period_id, assessment.agency_id)
    row = EvaluationMinutes(
        assessment_id=assessment.id,
        held_on=values.held_on,
        place=values.place.strip()[:200],
        members_present=json.dumps(present, ensure_ascii=False),
        representatives=values.representatives.replace("\x00", "").strip(),
        finalized_by_id=user.id,
        acting_for_chair=acting,
        created_at=now,
    )
    db.session.add(row)
    return row


def minutes_of(assessment: Assessment) -> EvaluationMinutes | None:
    """The data of the assessment's latest finalization (None before it was ever final)."""
    return db.session.scalar(
        select(EvaluationMinutes)
        .filter_by(assessment_id=assessment.id)
        .order_by(EvaluationMinutes.created_at.desc(), EvaluationMinutes.id.desc())
        .limit(1)
    )


def present_members(minutes: EvaluationMinutes) -> list[dict[str, str]]:
    try:
        value = json.loads(minutes.members_present or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


# --- the Berita Acara as plain data ------------------------------------------------------------


class MinutesRefused(Exception):
    """No Berita Acara can be made now; the message is for the user."""


@dataclass(frozen=True)
class PresentMember:
    name: str
    title: str  # the position in the team ("Anggota Tim Pelaksana Smart City")
    position: str
    institution: str


@dataclass(frozen=True)
class MinutesDimension:
    code: str
    name: str
    self_index: str
    verified_index: str
    level: str
    predicate: str


@dataclass(frozen=True)
class InterviewLine:
    kind: str  # "interview", "site_visit"
    held_on: str
    place: str
    attendees: str
    notes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MinutesData:
    """Berita Acara Hasil Evaluasi of one final assessment; its fingerprint decides whether a
    new version is issued."""

    language: str
    region: str
    seat: str
    agency: str
    agency_code: str
    year: int
    instrument: str
    final: bool
    decree: str
    held_on: str
    weekday_and_date: str
    place: str
    members_present: tuple[PresentMember, ...]
    representatives: tuple[str, ...]
    self_index: str
    verified_index: str
    index: str
    level: int | None
    predicate: str
    dimensions: tuple[MinutesDimension, ...]
    interviews: tuple[InterviewLine, ...]
    follow_up: tuple[DimensionFollowUp, ...]
    certificate: bool  # whether the result earns a certificate
    approved_on: str
    chair: Signatory | None
    agency_head: Signatory | None
    acting_for_chair: bool


def _date(day: date | None, language: str) -> str:
    if day is None:
        return ""
    return format_date(day, "d MMMM y", locale="en" if language == "en" else "id")


def _weekday_and_date(day: date, language: str) -> str:
    """ "Senin, 14 Juli 2025": how a Berita Acara opens."""
    return format_date(day, "EEEE, d MMMM y", locale="en" if language == "en" else "id")


def _decree(period: Period, language: str) -> str:
    settings = settings_of(period)
    if not settings.decree_number:
        return ""
    with force_locale(language):
        if settings.decree_date is None:
            return _("Regent's Decree number %(number)s", number=settings.decree_number)
        return _(
            "Regent's Decree number %(number)s of %(date)s",
            number=settings.decree_number,
            date=_date(settings.decree_date, language),
        )


def _earns_certificate(period: Period, level: int | None) -> bool:
    default = int(current_app.config.get("CERTIFICATE_MIN_LEVEL") or 0)
    return level is not None and level >= certificate_minimum(period, default)


def minutes_data(assessment: Assessment, language: str) -> MinutesData:
    if assessment.status != Status.FINAL:
        raise MinutesRefused(_("The Berita Acara is made when the assessment is final."))
    record = minutes_of(assessment)
    if record is None:
        raise MinutesRefused(_("This final assessment has no recorded finalization."))
    instrument = instrument_for(assessment)
    pair = scores(assessment)
    official = pair.verified or pair.self_assessed
    verified = {d.dimension.code: d for d in pair.verified.dimensions} if pair.verified else {}
    dimensions = []
    for dimension in pair.self_assessed.dimensions:
        counted = verified.get(dimension.dimension.code, dimension)
        dimensions.append(
            MinutesDimension(
                code=dimension.dimension.code,
                name=dimension.dimension.name.get(language),
                self_index=display_index(dimension.index),
                verified_index=display_index(counted.index) if pair.verified else "-",
                level=str(counted.maturity.level) if counted.maturity else "-",
                predicate=counted.maturity.name.get(language) if counted.maturity else "",
            )
        )
    level = official.maturity.level if official.maturity else None
    period = assessment.period
    agency = assessment.agency
    chair = _chair_signatory(period, record.acting_for_chair)
    return MinutesData(
        language=language,
        region=agency.region.name,
        seat=agency.region.seat,
        agency=agency.name,
        agency_code=agency.code,
        year=period.year,
        instrument=instrument.title.get(language),
        final=True,
        decree=_decree(period, language),
        held_on=_date(record.held_on, language),
        weekday_and_date=_weekday_and_date(record.held_on, language),
        place=record.place,
        members_present=tuple(
            PresentMember(
                name=m.get("name", ""),
                title=ROLE_TITLES.get(m.get("role", ""), ""),
                position=m.get("position", ""),
                institution=m.get("institution", ""),
            )
            for m in present_members(record)
        ),
        representatives=tuple(
            line.strip() for line in record.representatives.splitlines() if line.strip()
        ),
        self_index=display_index(pair.self_assessed.index),
        verified_index=display_index(pair.verified.index) if pair.verified else "-",
        index=display_index(official.index),
        level=level,
        predicate=official.maturity.name.get(language) if official.maturity else "",
        dimensions=tuple(dimensions),
        interviews=tuple(
            InterviewLine(
                kind=row.kind,
                held_on=_date(row.held_on, language),
                place=row.place,
                attendees=row.attendees,
                notes=tuple((n.indicator_code, n.note) for n in row.notes),
            )
            for row in interviews_of(assessment)
        ),
        follow_up=tuple(s for s in follow_up_sections(assessment, language) if not s.empty),
        certificate=_earns_certificate(period, level),
        approved_on=_date(agency_approval_date(assessment), language),
        chair=chair,
        agency_head=agency_signatory(assessment),
        acting_for_chair=record.acting_for_chair,
    )


def _chair_signatory(period: Period, acting: bool) -> Signatory | None:
    """The chair's block, or the vice-chair's "a.n. Ketua" when they finalized for the chair."""
    if not acting:
        return team_signatory(period, CHAIR)
    vice = team_signatory(period, VICE_CHAIR)
    if vice is None:
        return None
    return Signatory(
        position=vice.position,
        name=vice.name,
        rank=vice.rank,
        nip=vice.nip,
        on_behalf_of=ROLE_TITLES[CHAIR],
    )


# --- the region recap of a closed period ----------------------------------------------------


@dataclass(frozen=True)
class RecapLine:
    code: str
    name: str
    status: str
    index: str
    level: str
    predicate: str
    certificate: bool
    finalized_on: str


@dataclass(frozen=True)
class RegionMinutesData:
    """The region recap Berita Acara, issued when the period closes."""

    language: str
    region: str
    seat: str
    year: int
    instrument: str
    final: bool
    decree: str
    members: tuple[PresentMember, ...]
    lines: tuple[RecapLine, ...]
    final_agencies: int
    total_agencies: int
    certificates: int
    certificate_level: int
    index: str
    level: int | None
    predicate: str
    chair: Signatory | None
    secretary: Signatory | None
    agency: str = ""
    agency_code: str = ""


def region_minutes_data(period: Period, language: str) -> RegionMinutesData:
    if period.is_open:
        raise MinutesRefused(_("The region's Berita Acara is made when the period is closed."))
    region_view = region_for(period)
    result = region_view.result
    instrument = region_view.instrument
    region = db.session.scalar(select(Region).order_by(Region.id).limit(1))
    assessments = list(db.session.scalars(select(Assessment).filter_by(period_id=period.id)))
    ranked = {r.code: r for r in result.ranking}
    lines = []
    for assessment in sorted(assessments, key=lambda a: a.agency.name):
        row = ranked.get(assessment.agency.code)
        record = minutes_of(assessment) if assessment.status == Status.FINAL else None
        level = row.maturity.level if row is not None else None
        lines.append(
            RecapLine(
                code=assessment.agency.code,
                name=assessment.agency.name,
                status=str(assessment.status),
                index=display_index(row.index) if row is not None else "-",
                level=str(level) if level is not None else "-",
                predicate=row.maturity.name.get(language) if row is not None else "",
                certificate=row is not None and _earns_certificate(period, level),
                finalized_on=_date(record.held_on, language) if record is not None else "",
            )
        )
    default = int(current_app.config.get("CERTIFICATE_MIN_LEVEL") or 0)
    return RegionMinutesData(
        language=language,
        region=region.name if region is not None else "",
        seat=region.seat if region is not None else "",
        year=period.year,
        instrument=instrument.title.get(language),
        final=True,
        decree=_decree(period, language),
        members=tuple(
            PresentMember(m.name, ROLE_TITLES[m.role], m.position, m.institution)
            for m in members_of(period)
        ),
        lines=tuple(lines),
        final_agencies=result.final,
        total_agencies=result.total,
        certificates=sum(1 for line in lines if line.certificate),
        certificate_level=certificate_minimum(period, default),
        index=display_index(result.index),
        level=result.maturity.level if result.maturity else None,
        predicate=result.maturity.name.get(language) if result.maturity else "",
        chair=team_signatory(period, CHAIR),
        secretary=team_signatory(period, "secretary"),
    )


# --- finalizing ------------------------------------------------------------------------------


# --- certificates only where deserved -------------------------------------------------------


@dataclass(frozen=True)
class CertificateOutlook:
    """Whether a result earns a certificate, and if not what it would take."""

    earned: bool
    minimum_level: int
    minimum_name: object | None  # the band's Text (e.g. Baik)
    minimum_index: object | None  # the band's lower edge (Fraction)
    index: object | None  # the result's index (Fraction)
    gap: object | None  # how much the index is short (Fraction), None when earned


def certificate_outlook(assessment: Assessment, scored: AssessmentScore) -> CertificateOutlook:
    """The period's certificate rule applied to a result (the official one: verified)."""
    index = scored.index
    level = scored.maturity.level if scored.maturity is not None else None
    period = assessment.period
    default = int(current_app.config.get("CERTIFICATE_MIN_LEVEL") or 0)
    minimum = certificate_minimum(period, default)
    instrument = instrument_for(assessment)
    band = next((b for b in instrument.maturity_bands if b.level == minimum), None)
    earned = level is not None and level >= minimum
    gap = None
    if not earned and band is not None and index is not None:
        gap = max(band.minimum - index, 0)
    return CertificateOutlook(
        earned=earned,
        minimum_level=minimum,
        minimum_name=band.name if band is not None else None,
        minimum_index=band.minimum if band is not None else None,
        index=index,
        gap=gap,
    )
