"""The certificate of award (Piagam Penghargaan) of a final assessment at or above the minimum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _

from ...domain.scoring import display_index
from ...domain.workflow import Status
from ...formatting import Standing, standing
from ...models import Assessment, IssuedDocument, User, utcnow
from .. import letterhead
from ..assessments import instrument_for
from ..letterhead import Letterhead
from ..periods import certificate_minimum
from ..review import scores
from .issuing import issue_about
from .kinds import CERTIFICATE, DocumentRefused, WithStanding
from .report import official_score
from .signatures import SignatureBlock, blocks, certificate_signatory, finalized_on, local_day


@dataclass(frozen=True)
class CertificateData(WithStanding):
    language: str
    letterhead: Letterhead | None
    region: str
    seat: str
    agency: str
    agency_code: str
    year: int
    instrument: str
    index: str
    standing: Standing
    act_date: date  # the finalization
    signatures: tuple[SignatureBlock, ...]


def certificate_refusal(assessment: Assessment) -> str | None:
    """Why this assessment earns no certificate (None: it earns one)."""
    if assessment.status != Status.FINAL:
        return _("A certificate is issued only for a final assessment.")
    official = official_score(scores(assessment))
    if official.maturity is None:
        return _("This assessment has no index, so it earns no certificate.")
    minimum = certificate_minimum(
        assessment.period, int(current_app.config.get("CERTIFICATE_MIN_LEVEL") or 0)
    )
    if official.maturity.level < minimum:
        return _(
            "A certificate needs maturity level %(minimum)s or higher; "
            "this assessment reached level %(level)s.",
            minimum=minimum,
            level=official.maturity.level,
        )
    return None


def certificate_data(assessment: Assessment, language: str) -> CertificateData:
    refusal = certificate_refusal(assessment)
    if refusal is not None:
        raise DocumentRefused(refusal)
    instrument = instrument_for(assessment)
    official = official_score(scores(assessment))
    agency = assessment.agency
    day = finalized_on(assessment) or local_day(utcnow())
    return CertificateData(
        language=language,
        letterhead=letterhead.letterhead(language),
        region=agency.region.name,
        seat=agency.region.seat,
        agency=agency.name,
        agency_code=agency.code,
        year=assessment.period.year,
        instrument=instrument.title.get(language),
        index=display_index(official.index),
        standing=standing(official.index, instrument, language),
        act_date=day,
        signatures=blocks(agency.region.seat, language, (certificate_signatory(), day)),
    )


def issue_certificate(assessment: Assessment, user: User | None, language: str) -> IssuedDocument:
    """The certificate (piagam penghargaan) of a final assessment at or above the minimum."""
    data = certificate_data(assessment, language)
    return issue_about(CERTIFICATE, assessment, data, "pdf/certificate.html", user)
