"""Signed PDF documents: plain data for each kind, issuing, the registry and verification.

A document kind is three things: a builder that turns models into a frozen dataclass (never
an ORM object reaches a template), a template in templates/pdf/ that extends
`pdf/_layout.html` (letterhead, title with its number, verification footer), and an `issue_*`
function that hands both to `issue`. `issue` renders, numbers, signs and stores the document
once, reuses it while the data is unchanged and supersedes it when the data changed (the new
version gets a new number and states the one it replaces). A new kind adds an entry to
`KINDS` (its title and download name), a builder and an `issue_*` function; nothing else here
changes.

Who issues: administrators, and the app itself when an assessment or a period becomes final
(`issue_final_documents`, `issue_period_documents`); everyone who may see the data downloads
what was issued (policy.can_issue_documents, policy.can_download_document).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import pdf, signing
from ..domain import formats
from ..domain.charts import dimension_chart
from ..domain.instrument import Indicator, Instrument, Text
from ..domain.scoring import AnswerValue, AssessmentScore, display_index
from ..domain.signatory import Signatory
from ..domain.workflow import Status
from ..extensions import db
from ..formatting import Standing, level_text, standing
from ..formatting import language as page_language
from ..models import (
    Assessment,
    AuditEvent,
    IssuedDocument,
    Period,
    Region,
    Transition,
    User,
    utcnow,
)
from ..policy import can_issue_documents
from . import audit, letterhead
from .approvals import agency_approval_date
from .approvals import agency_signatory as approving_head
from .assessments import answer_text, answer_value, answers_by_code, instrument_for
from .follow_ups import follow_up_sections
from .instruments import instrument_of
from .letterhead import Letterhead
from .minutes import (
    MinutesData,
    MinutesRefused,
    RegionMinutesData,
    minutes_data,
    region_minutes_data,
)
from .periods import certificate_minimum
from .region import region_for
from .review import reviews_by_code, scores, verified_value
from .team import team_signatory as recorded

log = logging.getLogger(__name__)

REPORT = "report"
CERTIFICATE = "certificate"
REGION_REPORT = "region_report"
# Berita Acara Hasil Evaluasi of an assessment and of a period (issue 16): data in services.minutes
MINUTES = "minutes"
REGION_MINUTES = "region_minutes"


@dataclass(frozen=True)
class Kind:
    """What a kind of document is called, on pages and in its download name."""

    title: object  # a lazy translation
    file_stem: str  # "Laporan" -> Laporan-DISHUB-2026-v2.pdf
    region_stem: str = ""  # for a document about the whole region: "Rekap-Wilayah"


KINDS: dict[str, Kind] = {
    REPORT: Kind(_l("Agency result report"), "Laporan"),
    CERTIFICATE: Kind(_l("Certificate of award"), "Piagam"),
    REGION_REPORT: Kind(_l("Region summary report"), "Rekap-Wilayah", "Rekap-Wilayah"),
    MINUTES: Kind(_l("Minutes of the evaluation"), "Berita-Acara"),
    REGION_MINUTES: Kind(
        _l("Minutes of the region evaluation"), "Berita-Acara-Wilayah", "Berita-Acara-Wilayah"
    ),
}

# the fixed markers: Indonesian in every language, so they are recognised on any copy
DRAFT_MARK = "DRAF"
SIMULATION_MARK = "SIMULASI - bukan tanda tangan elektronik tersertifikasi"

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 5  # 5 groups of 4 characters: 20 x 5 = 100 random bits
# the code without hyphens, as the signature's reason and the PDF keywords carry it (PDF
# writers escape "-" in strings, so the grouped form is not found in the raw bytes)
CODE_PATTERN = re.compile(rb"(?<![0-9A-Z])[0-9A-HJKMNP-TV-Z]{20}(?![0-9A-Z])")


class DocumentRefused(Exception):
    """A document that cannot be issued now; the message is for the user."""


def kind_title(kind: str) -> str:
    known = KINDS.get(kind)
    return str(known.title) if known is not None else kind


# --- plain data ------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    question: str
    self_level: str  # "3", "Tidak berlaku" or "-"
    verified_level: str
    justification: str
    note: str


@dataclass(frozen=True)
class DimensionSection:
    code: str
    name: str
    self_index: str
    verified_index: str
    standing: Standing
    lines: tuple[IndicatorLine, ...]


@dataclass(frozen=True)
class ImprovementStep:
    code: str
    question: str
    current_level: int | None
    target_level: int
    target_name: str
    requirement: str


@dataclass(frozen=True)
class ReportData:
    """Everything an agency result report shows; its fingerprint decides "changed or not"."""

    language: str
    letterhead: Letterhead | None
    region: str
    seat: str
    agency: str
    agency_code: str
    year: int
    instrument: str
    instrument_version: str
    status: str
    final: bool
    self_index: str
    verified_index: str
    index: str  # the official one: verified when there is one, else self-assessed ("2.59")
    standing: Standing  # the official index with its predicate and level, as printed
    dimensions: tuple[DimensionSection, ...]
    improvements: tuple[ImprovementStep, ...]
    act_date: date  # finalization, else the approval (or submission)
    signatures: tuple[SignatureBlock, ...]
    # capaian, kendala, tindak lanjut per dimension (services.follow_ups, issue 16)
    follow_up: tuple = ()

    @property
    def level(self) -> int | None:
        return self.standing.level

    @property
    def predicate(self) -> str:
        return self.standing.predicate


@dataclass(frozen=True)
class CertificateData:
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

    @property
    def level(self) -> int | None:
        return self.standing.level

    @property
    def predicate(self) -> str:
        return self.standing.predicate


def fingerprint(data: object) -> str:
    text = json.dumps(asdict(data), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _answer_line(indicator: Indicator, value: AnswerValue, language: str) -> str:
    """An answer as its type describes it ("3", "Diterapkan sebagian (2/3)"); N/A in words."""
    with force_locale(language):
        if value.not_applicable:
            return _("not applicable")
        return answer_text(indicator, value, language)


def _official(pair) -> AssessmentScore:
    return pair.verified or pair.self_assessed


# --- who signs, and when ---------------------------------------------------------------------


def local_day(moment: datetime) -> date:
    """The day of a stored (naive UTC) moment in the region's time zone."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta"))
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


_local_day = local_day  # the name the benchmark uses


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


def _blocks(seat: str, language: str, *signed: tuple[Signatory | None, date]) -> tuple:
    return tuple(
        SignatureBlock(place_and_date(seat, day, language), signatory)
        for signatory, day in signed
        if signatory is not None
    )


# --- builders --------------------------------------------------------------------------------


def report_data(assessment: Assessment, language: str) -> ReportData:
    instrument = instrument_for(assessment)
    pair = scores(assessment)
    official = _official(pair)
    answers = answers_by_code(assessment)
    reviews = reviews_by_code(assessment)
    verified_dims = {d.dimension.code: d for d in pair.verified.dimensions} if pair.verified else {}
    sections = []
    steps = []
    for dim in pair.self_assessed.dimensions:
        verified_dim = verified_dims.get(dim.dimension.code)
        counted = verified_dim or dim
        lines = []
        for own, official_line in zip(dim.indicators, counted.indicators, strict=True):
            code = own.indicator.code
            answer = answers.get(code)
            review = reviews.get(code)
            lines.append(
                IndicatorLine(
                    code=code,
                    question=own.indicator.question.get(language),
                    self_level=_answer_line(own.indicator, answer_value(answer), language)
                    if answer is not None
                    else "-",
                    verified_level=_answer_line(own.indicator, verified_value(review), language)
                    if review is not None
                    else "-",
                    justification=answer.justification if answer is not None else "",
                    note=review.note if review is not None else "",
                )
            )
            step = _next_step(instrument, official_line.indicator, official_line, language)
            if step is not None:
                steps.append(step)
        sections.append(
            DimensionSection(
                code=dim.dimension.code,
                name=dim.dimension.name.get(language),
                self_index=formats.index(dim.index, language),
                verified_index=formats.index(
                    verified_dim.index if verified_dim is not None else None, language
                ),
                standing=standing(counted.index, instrument, language),
                lines=tuple(lines),
            )
        )
    agency = assessment.agency
    region = agency.region
    final = assessment.status == Status.FINAL
    sent = approved_on(assessment) or local_day(utcnow())
    done = finalized_on(assessment) if final else None
    act = done or sent
    return ReportData(
        language=language,
        letterhead=letterhead.letterhead(language),
        region=region.name,
        seat=region.seat,
        agency=agency.name,
        agency_code=agency.code,
        year=assessment.period.year,
        instrument=instrument.title.get(language),
        instrument_version=instrument.version,
        status=str(assessment.status),
        final=final,
        self_index=formats.index(pair.self_assessed.index, language),
        verified_index=formats.index(pair.verified.index if pair.verified else None, language),
        index=display_index(official.index),
        standing=standing(official.index, instrument, language),
        dimensions=tuple(sections),
        improvements=tuple(steps),
        act_date=act,
        # the agency's head on the day they sent it; the team's chair on the day it became final
        signatures=_blocks(
            region.seat,
            language,
            (agency_signatory(assessment), sent),
            (team_signatory(assessment.period) if final else None, act),
        ),
        follow_up=follow_up_sections(assessment, language),
    )


def _text(text: Text | None, language: str) -> str:
    return text.get(language) if text is not None else ""


def _next_step(instrument: Instrument, indicator, line, language: str) -> ImprovementStep | None:
    """The next level above the counted one (verified, else self-assessed); None at the top."""
    if line.not_applicable:
        return None
    above = [n for n in indicator.level_numbers if line.level is None or n > line.level]
    if not above:
        return None
    target = min(above)
    return ImprovementStep(
        code=indicator.code,
        question=indicator.question.get(language),
        current_level=line.level,
        target_level=target,
        target_name=_text(instrument.level_name(target), language),
        requirement=_text(indicator.descriptor(target), language),
    )


def certificate_refusal(assessment: Assessment) -> str | None:
    """Why this assessment earns no certificate (None: it earns one)."""
    if assessment.status != Status.FINAL:
        return _("A certificate is issued only for a final assessment.")
    official = _official(scores(assessment))
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
    official = _official(scores(assessment))
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
        signatures=_blocks(agency.region.seat, language, (certificate_signatory(), day)),
    )


@dataclass(frozen=True)
class RegionDimensionLine:
    code: str
    name: str
    weight: str
    agencies: int
    index: str
    standing: Standing


@dataclass(frozen=True)
class RankingLine:
    rank: int
    code: str
    name: str
    standing: Standing


@dataclass(frozen=True)
class LevelCount:
    level: int
    name: str  # the predicate of the band
    minimum: str
    count: int
    label: str = ""  # "Tingkat 3 (Terdefinisi)"


@dataclass(frozen=True)
class RegionReportData:
    """The region summary of one period: region index, dimensions, ranking, levels, states."""

    language: str
    letterhead: Letterhead | None
    region: str
    seat: str
    year: int
    instrument: str
    instrument_version: str
    final: bool  # the period is closed: the results no longer change
    index: str
    standing: Standing
    dimensions: tuple[RegionDimensionLine, ...]
    ranking: tuple[RankingLine, ...]
    levels: tuple[LevelCount, ...]
    statuses: tuple[tuple[str, int], ...]
    final_agencies: int
    total_agencies: int
    act_date: date  # the period's close, else today (a draft)
    signatures: tuple[SignatureBlock, ...]
    agency: str = ""
    agency_code: str = ""

    @property
    def level(self) -> int | None:
        return self.standing.level

    @property
    def predicate(self) -> str:
        return self.standing.predicate


def region_report_data(period: Period, language: str) -> RegionReportData:
    region_view = region_for(period)
    result = region_view.result
    instrument = region_view.instrument
    region = db.session.scalar(select(Region).order_by(Region.id).limit(1))
    seat = region.seat if region is not None else ""
    day = closed_on(period) or local_day(utcnow())
    return RegionReportData(
        language=language,
        letterhead=letterhead.letterhead(language),
        region=region.name if region is not None else "",
        seat=seat,
        year=period.year,
        instrument=instrument.title.get(language),
        instrument_version=instrument.version,
        final=not period.is_open,
        index=display_index(result.index),
        standing=standing(result.index, instrument, language),
        dimensions=tuple(
            RegionDimensionLine(
                code=d.dimension.code,
                name=d.dimension.name.get(language),
                weight=formats.number(d.dimension.weight, language),
                agencies=d.agencies,
                index=formats.index(d.mean, language),
                standing=standing(d.mean, instrument, language),
            )
            for d in result.dimensions
        ),
        ranking=tuple(
            RankingLine(
                rank=r.rank,
                code=r.code,
                name=r.name,
                standing=standing(r.index, instrument, language),
            )
            for r in result.ranking
        ),
        levels=tuple(
            LevelCount(
                band.level,
                band.name.get(language),
                formats.index(band.minimum, language),
                count,
                level_text(band.level, instrument, language),
            )
            for band, count in result.level_counts
        ),
        statuses=tuple((str(status), count) for status, count in result.status_counts),
        final_agencies=result.final,
        total_agencies=result.total,
        act_date=day,
        signatures=_blocks(seat, language, (team_signatory(period), day)),
    )


# --- stamps: codes, numbers, QR --------------------------------------------------------------


@dataclass(frozen=True)
class Stamp:
    """What is known only when a document is issued: its code, number, date and signing."""

    code: str
    version: int
    verify_url: str
    qr_data_uri: str
    place_and_date: str  # of the act the document records
    simulated: bool
    number: str = ""  # "000.8.3/017/BAPPERIDA/2026", printed under the title
    replaces_number: str = ""  # a re-issue states the number it replaces


def new_code() -> str:
    """20 Crockford base-32 characters (100 random bits) in groups of four."""
    chars = "".join(secrets.choice(CROCKFORD) for _ in range(4 * CODE_GROUPS))
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def normalise_code(text: str) -> str:
    """What a person typed, as stored: upper case, look-alikes mapped, grouped by four."""
    cleaned = text.upper().translate(str.maketrans("OIL", "011"))
    cleaned = "".join(ch for ch in cleaned if ch in CROCKFORD)
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def verify_url(code: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify/{code}"


def qr_data_uri(text: str) -> str:
    # PNG, not SVG: WeasyPrint draws an SVG QR code module by module on every page it is on
    # (about a third of a certificate's render; docs/PERFORMANCE.md), an image only once.
    # One pixel per module: pdf.css scales it up with `image-rendering: pixelated` (sharp
    # edges), and a 16x smaller image is cheaper to decode and embed
    return segno.make(text, error="m").png_data_uri(scale=1, border=1)


def page_label_css() -> str:
    """The translated "Page X of Y" as a CSS `content` value with page counters."""
    label = _("Page {page} of {pages}")
    parts = re.split(r"(\{page\}|\{pages\})", label)
    out = []
    for part in parts:
        if part == "{page}":
            out.append("counter(page)")
        elif part == "{pages}":
            out.append("counter(pages)")
        elif part:
            out.append('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(out)


# --- signing configuration -------------------------------------------------------------------


def signer_config(reason: str = "", location: str = "") -> signing.SignerConfig:
    """The configured PKCS#12 key, or the development key made once in the instance folder."""
    config = current_app.config
    path = config.get("SIGNING_PKCS12_PATH")
    if path:
        passphrase = config.get("SIGNING_PKCS12_PASSPHRASE") or ""
        base = signing.SignerConfig(Path(path), passphrase.encode() or None, simulated=False)
    else:
        base = signing.ensure_dev_key(Path(current_app.instance_path) / "signing")
    return signing.SignerConfig(
        base.pkcs12_path, base.passphrase, base.simulated, reason=reason, location=location
    )


def trust_roots() -> list[bytes]:
    """The signing certificate and its chain, plus any in SIGNING_TRUST_ROOTS."""
    roots = signing.signer_certificates(signer_config())
    for name in (current_app.config.get("SIGNING_TRUST_ROOTS") or "").split(":"):
        if not name.strip():
            continue
        data = Path(name.strip()).read_bytes()
        if b"-----BEGIN" in data:
            for certificate in x509.load_pem_x509_certificates(data):
                roots.append(certificate.public_bytes(serialization.Encoding.DER))
        else:
            roots.append(data)
    return roots


# --- issuing ---------------------------------------------------------------------------------


def _static_folder() -> Path:
    return Path(current_app.static_folder or "static")


def _render(template: str, data: object, stamp: Stamp, **extra: object) -> bytes:
    """HTML -> PDF. Every template gets `kop` (the letterhead, or None), the stamp and marks."""
    language = getattr(data, "language", "id")
    kop = getattr(data, "letterhead", None)
    if kop is None and not hasattr(data, "letterhead"):
        kop = letterhead.letterhead(language)
    with force_locale(language):
        html = render_template(
            template,
            data=data,
            stamp=stamp,
            kop=kop,
            kind_title=kind_title,
            draft_mark=DRAFT_MARK,
            simulation_mark=SIMULATION_MARK,
            page_label=Markup(page_label_css()),
            bare_code=stamp.code.replace("-", ""),
            **extra,
        )
    return pdf.render(html, _static_folder(), [_static_folder() / "css" / "pdf.css"])


def _signer_entry(signer: object) -> dict:
    """A Signatory, a SignatureBlock or a Person as the registry keeps it."""
    if isinstance(signer, SignatureBlock):
        signer = signer.signatory
    return {
        "position": getattr(signer, "position", ""),
        "name": getattr(signer, "name", ""),
        "rank": getattr(signer, "rank", ""),
        "nip": getattr(signer, "nip", ""),
        "on_behalf_of": getattr(signer, "on_behalf_of", ""),
    }


def _summary(kind: str, data: object, signers: list | tuple | None = None) -> dict:
    """What the registry keeps for /verify, the API and the lists: plain values of `data`."""
    shown = getattr(data, "standing", None)
    if signers is None:
        signers = getattr(data, "signatures", ())
    act = getattr(data, "act_date", None)
    return {
        "kind": kind,
        "region": getattr(data, "region", ""),
        "agency": getattr(data, "agency", ""),
        "agency_code": getattr(data, "agency_code", ""),
        "year": getattr(data, "year", None),
        # the index as stored everywhere ("2.59"): /verify names it again in the page's language
        "index": getattr(data, "index", ""),
        "level": shown.level if shown is not None else getattr(data, "level", None),
        "predicate": shown.predicate if shown is not None else getattr(data, "predicate", ""),
        "standing": shown.text if shown is not None else "",
        "final": getattr(data, "final", True),
        "act_date": act.isoformat() if act is not None else "",
        "signers": [entry for entry in map(_signer_entry, signers) if entry["name"]],
    }


def current_document(subject: str, kind: str, language: str) -> IssuedDocument | None:
    return db.session.scalar(
        select(IssuedDocument)
        .filter_by(subject=subject, kind=kind, language=language, superseded_at=None)
        .order_by(IssuedDocument.version.desc())
        .limit(1)
    )


def issue(
    *,
    kind: str,
    subject: str,
    data: object,
    build: Callable[[Stamp], bytes],
    summary: dict,
    assessment: Assessment | None,
    user: User | None,
    period: Period | None = None,
) -> IssuedDocument:
    """The current document when its data is unchanged, else a new signed, numbered version.

    `data` is a frozen dataclass with at least `language` and `seat`; its `act_date` (the day
    of the act it records) is printed as place and date, else the issuing day. The number is
    taken from the region's pattern for `kind`; a new version states the number it replaces.
    """
    print_ = fingerprint(data)
    language = data.language
    current = current_document(subject, kind, language)
    if current is not None and current.fingerprint == print_ and current.revoked_at is None:
        return current
    last = db.session.scalar(
        select(IssuedDocument)
        .filter_by(subject=subject, kind=kind, language=language)
        .order_by(IssuedDocument.version.desc())
        .limit(1)
    )
    version = (last.version if last is not None else 0) + 1
    replaces = (last.number or "") if last is not None else ""
    current_id = current.id if current is not None and current.revoked_at is None else None
    # the number is taken in its own transaction (letterhead.take_number): whatever this
    # session holds is written first, so SQLite's single writer is free for it
    db.session.commit()
    now = utcnow()
    act_date = getattr(data, "act_date", None) or local_day(now)
    number = letterhead.take_number(kind, local_day(now))
    code = new_code()
    seat = getattr(data, "seat", "")
    signer = signer_config(reason=f"smartcity {kind} {code.replace('-', '')}", location=seat)
    stamp = Stamp(
        code=code,
        version=version,
        verify_url=verify_url(code),
        qr_data_uri=qr_data_uri(verify_url(code)),
        place_and_date=place_and_date(seat, act_date, language),
        simulated=signer.simulated,
        number=number,
        replaces_number=replaces,
    )
    signed = signing.sign(build(stamp), signer)
    summary = {**summary, "number": number, "replaces_number": replaces}
    row = IssuedDocument(
        code=code,
        kind=kind,
        subject=subject,
        language=language,
        version=version,
        assessment_id=assessment.id if assessment is not None else None,
        period_id=assessment.period_id if assessment is not None else (period and period.id),
        fingerprint=print_,
        sha256=hashlib.sha256(signed).hexdigest(),
        size=len(signed),
        content=signed,
        summary=json.dumps(summary, ensure_ascii=False, sort_keys=True),
        signed_by=signing.signer_name(signer),
        simulated=signer.simulated,
        issued_by_id=user.id if user is not None else None,
        issued_at=now,
        number=number,
        replaces_number=replaces,
        act_date=act_date,
    )
    if current_id is not None:
        db.session.get(IssuedDocument, current_id).superseded_at = now
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        # someone issued the same version a moment earlier: theirs is the current one (the
        # number taken here stays unused: numbers are never given twice)
        db.session.rollback()
        existing = current_document(subject, kind, language)
        if existing is None:
            raise
        return existing
    audit.record(
        "document.issued",
        "document",
        row.code,
        user=user,
        assessment=assessment,
        period_id=row.period_id,
        old={"superseded": replaces} if replaces else None,
        new={
            "kind": kind,
            "agency": summary.get("agency_code") or summary.get("agency") or "",
            "year": summary.get("year"),
            "number": number,
            "version": version,
            "language": language,
            "sha256": row.sha256,
        },
    )
    db.session.commit()
    return row


_issue = issue  # the name the workflow's Berita Acara uses


def issue_report(assessment: Assessment, user: User | None, language: str) -> IssuedDocument:
    """The agency result report; any submitted assessment, marked DRAF until final."""
    if assessment.status in (Status.DRAFT, *_awaiting_approval()):
        raise DocumentRefused(_("A report is printed only once the assessment is submitted."))
    data = report_data(assessment, language)
    chart = _radar(data)

    def build(stamp: Stamp) -> bytes:
        return _render("pdf/report.html", data, stamp, chart=chart)

    return issue(
        kind=REPORT,
        subject=f"assessment:{assessment.id}",
        data=data,
        build=build,
        summary=_summary(REPORT, data),
        assessment=assessment,
        user=user,
    )


def _awaiting_approval() -> tuple[str, ...]:
    # the workflow's state before the head's approval (issue 16), when there is one
    awaiting = getattr(Status, "AWAITING_APPROVAL", None)
    return (awaiting,) if awaiting is not None else ()


def issue_certificate(assessment: Assessment, user: User | None, language: str) -> IssuedDocument:
    """The certificate (piagam penghargaan) of a final assessment at or above the minimum."""
    data = certificate_data(assessment, language)

    def build(stamp: Stamp) -> bytes:
        return _render("pdf/certificate.html", data, stamp)

    return issue(
        kind=CERTIFICATE,
        subject=f"assessment:{assessment.id}",
        data=data,
        build=build,
        summary=_summary(CERTIFICATE, data),
        assessment=assessment,
        user=user,
    )


def issue_region_report(period: Period, user: User | None, language: str) -> IssuedDocument:
    """The region summary of a period; marked DRAF while the period is open."""
    data = region_report_data(period, language)

    def build(stamp: Stamp) -> bytes:
        return _render("pdf/region_report.html", data, stamp, chart=_region_chart(data))

    return issue(
        kind=REGION_REPORT,
        subject=f"period:{period.id}",
        data=data,
        build=build,
        summary=_summary(REGION_REPORT, data),
        assessment=None,
        user=user,
        period=period,
    )


def issue_minutes(assessment: Assessment, user: User, language: str) -> IssuedDocument:
    """The Berita Acara Hasil Evaluasi of a final assessment (data: services.minutes)."""
    try:
        data = minutes_data(assessment, language)
    except MinutesRefused as error:
        raise DocumentRefused(str(error)) from error

    def build(stamp: Stamp) -> bytes:
        return _render("pdf/minutes.html", data, stamp)

    return _issue(
        kind=MINUTES,
        subject=f"assessment:{assessment.id}",
        data=data,
        build=build,
        summary=_summary(MINUTES, data, signers(data)),
        assessment=assessment,
        user=user,
    )


def issue_region_minutes(period: Period, user: User, language: str) -> IssuedDocument:
    """The region recap Berita Acara of a closed period (data: services.minutes)."""
    try:
        data = region_minutes_data(period, language)
    except MinutesRefused as error:
        raise DocumentRefused(str(error)) from error

    def build(stamp: Stamp) -> bytes:
        return _render("pdf/region_minutes.html", data, stamp)

    return _issue(
        kind=REGION_MINUTES,
        subject=f"period:{period.id}",
        data=data,
        build=build,
        summary=_summary(REGION_MINUTES, data, signers(data)),
        assessment=None,
        user=user,
        period=period,
    )


# --- issued automatically ------------------------------------------------------------------


def official_language() -> str:
    """The language documents are issued in automatically: the instance's default (id)."""
    return current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"


@dataclass(frozen=True)
class Issued:
    """One automatic issue: the document, or why there is none (refused or failed)."""

    kind: str
    document: IssuedDocument | None = None
    problem: str = ""
    failed: bool = False  # an error, not a refusal by the rules (no certificate below minimum)


def _attempt(kind: str, make: Callable[[], IssuedDocument]) -> Issued:
    try:
        return Issued(kind, make())
    except DocumentRefused as refused:
        db.session.rollback()
        return Issued(kind, problem=str(refused))
    except Exception as error:  # noqa: BLE001 - the final state stands whatever the PDF does
        db.session.rollback()
        log.exception("document %s not issued", kind)
        return Issued(kind, problem=type(error).__name__, failed=True)


def not_issued_message(issued: Issued) -> str:
    return _(
        "%(kind)s could not be issued now (%(error)s); an administrator can issue it again "
        "from the result page.",
        kind=kind_title(issued.kind),
        error=issued.problem,
    )


def issue_final_documents(assessment: Assessment, user: User | None) -> list[Issued]:
    """When an assessment becomes final: its result report and, at or above the period's
    minimum, its certificate, in the official language. (The Berita Acara is issued by the
    finalization itself, services.workflow.finalize.) Nothing here undoes the finalization."""
    language = official_language()
    return [
        _attempt(REPORT, lambda: issue_report(assessment, user, language)),
        _attempt(CERTIFICATE, lambda: issue_certificate(assessment, user, language)),
    ]


def issue_period_documents(period: Period, user: User | None) -> list[Issued]:
    """When a period closes: its region recap and its region Berita Acara, in the official
    language."""
    language = official_language()
    return [
        _attempt(REGION_REPORT, lambda: issue_region_report(period, user, language)),
        _attempt(REGION_MINUTES, lambda: issue_region_minutes(period, user, language)),
    ]


def _region_chart(data: RegionReportData) -> Markup:
    labels = [d.code for d in data.dimensions]
    series = [[_number(d.index) for d in data.dimensions]]
    svg = dimension_chart(
        labels,
        series,
        series_names=[_("Region index")],
        title=_("Dimension indices"),
    )
    encoded = base64.b64encode(svg.encode()).decode()
    return Markup(f"data:image/svg+xml;base64,{encoded}")


def _radar(data: ReportData) -> Markup:
    labels = [d.code for d in data.dimensions]
    series = [[_number(d.self_index) for d in data.dimensions]]
    with force_locale(data.language):
        names = [_("Self-assessed")]
        if data.verified_index != formats.MISSING:
            series.append([_number(d.verified_index) for d in data.dimensions])
            names.append(_("Verified"))
        title = _("Dimension indices")
    svg = dimension_chart(labels, series, series_names=names, title=title)
    encoded = base64.b64encode(svg.encode()).decode()
    return Markup(f"data:image/svg+xml;base64,{encoded}")


def _number(text: str) -> float | None:
    """A displayed index ("2,59" or "2.59") back to a number for a chart's geometry."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


# --- the registry ----------------------------------------------------------------------------


def by_code(code: str) -> IssuedDocument | None:
    normalised = normalise_code(code)
    if len(normalised) != 4 * CODE_GROUPS + CODE_GROUPS - 1:
        return None
    return db.session.scalar(select(IssuedDocument).filter_by(code=normalised))


def documents_of(assessment: Assessment) -> list[IssuedDocument]:
    return list(
        db.session.scalars(
            select(IssuedDocument)
            .filter_by(assessment_id=assessment.id)
            .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc())
        )
    )


def download_name(document: IssuedDocument) -> str:
    """A name for people: "Laporan-DISHUB-2026-v2.pdf", "Piagam-DISHUB-2026.pdf",
    "Rekap-Wilayah-2025.pdf"; "-EN" for the English version."""
    summary = json.loads(document.summary or "{}")
    kind = KINDS.get(document.kind, Kind(document.kind, document.kind.title()))
    agency = summary.get("agency_code") or ""
    year = summary.get("year") or ""
    if document.assessment_id is not None and agency:
        parts = [kind.file_stem, agency]
    else:
        parts = [kind.region_stem or kind.file_stem]
    if year:
        parts.append(str(year))
    if document.version > 1:
        parts.append(f"v{document.version}")
    if document.language != "id":
        parts.append(document.language.upper())
    name = "-".join(parts)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name) + ".pdf"


@dataclass(frozen=True)
class DocumentRow:
    """One issued document in a list (the result page, the agency home)."""

    id: int
    kind: str
    title: str
    number: str
    version: int
    language: str
    issued_at: datetime
    state: str  # valid, superseded, revoked
    filename: str
    code: str


def rows_of(documents: list[IssuedDocument]) -> list[DocumentRow]:
    return [
        DocumentRow(
            id=d.id,
            kind=d.kind,
            title=kind_title(d.kind),
            number=d.number or "",
            version=d.version,
            language=d.language,
            issued_at=d.issued_at,
            state=state_of(d),
            filename=download_name(d),
            code=d.code,
        )
        for d in documents
    ]


def issued_for(assessment: Assessment) -> list[DocumentRow]:
    """Every document issued for the assessment, newest first: the result page's list."""
    return rows_of(documents_of(assessment))


def issued_for_period(period: Period) -> list[DocumentRow]:
    """The documents about the whole period (region recap, region Berita Acara), newest first."""
    return rows_of(
        list(
            db.session.scalars(
                select(IssuedDocument)
                .filter(
                    IssuedDocument.period_id == period.id,
                    IssuedDocument.assessment_id.is_(None),
                )
                .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc())
            )
        )
    )


def latest_certificates(agency_id: int) -> list[tuple[int, DocumentRow]]:
    """The current certificate of each final year of the agency, newest year first."""
    rows = db.session.execute(
        select(Period.year, IssuedDocument)
        .join(Assessment, IssuedDocument.assessment_id == Assessment.id)
        .join(Period, Assessment.period_id == Period.id)
        .filter(
            Assessment.agency_id == agency_id,
            Assessment.status == Status.FINAL,
            IssuedDocument.kind == CERTIFICATE,
            IssuedDocument.superseded_at.is_(None),
            IssuedDocument.revoked_at.is_(None),
        )
        .order_by(Period.year.desc(), IssuedDocument.version.desc(), IssuedDocument.id.desc())
    )
    found: dict[int, IssuedDocument] = {}
    for year, document in rows:
        chosen = found.get(year)
        # one per year: the official language's first
        if chosen is None or (
            chosen.language != official_language() and document.language == official_language()
        ):
            found[year] = document
    return [(year, rows_of([document])[0]) for year, document in found.items()]


class RevokeRefused(Exception):
    """A revocation that cannot be done; the message is for the user."""


def may_revoke(user: User, document: DocumentInfo) -> bool:
    """Whether the page offers the user to revoke the document: an administrator, a
    document not revoked yet."""
    return can_issue_documents(user) and document.state != REVOKED


def revoke(document: IssuedDocument, user: User, reason: str) -> None:
    reason = reason.replace("\x00", "").strip()
    if not reason:
        raise RevokeRefused(_("Revoking a document needs a reason."))
    if document.revoked_at is not None:
        raise RevokeRefused(_("This document is already revoked."))
    document.revoked_at = utcnow()
    document.revoked_by_id = user.id
    document.revoked_reason = reason
    summary = json.loads(document.summary or "{}")
    audit.record(
        "document.revoked",
        "document",
        document.code,
        user=user,
        assessment=document.assessment,
        period_id=document.period_id,
        new={
            "reason": reason,
            "kind": document.kind,
            "agency": summary.get("agency_code") or summary.get("agency") or "",
            "year": summary.get("year"),
            "number": document.number or "",
            "version": document.version,
        },
    )
    db.session.commit()


# --- verification ----------------------------------------------------------------------------

VALID = "valid"
SUPERSEDED = "superseded"
REVOKED = "revoked"
MODIFIED = "modified"
SIGNATURE_INVALID = "signature_invalid"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class DocumentInfo:
    """What the verification page says about a registered document (in the page's language)."""

    id: int
    code: str
    kind: str
    title: str
    number: str
    replaces_number: str
    version: int
    language: str
    agency: str
    region: str
    year: int | None
    index: str
    standing: str  # "2,14 · Cukup · Tingkat 2 (Terkelola)"; "" when the document has no index
    level: int | None
    predicate: str
    final: bool
    signers: tuple[Signatory, ...]
    signed_by: str
    simulated: bool
    act_date: str  # "12 Juli 2025": the day of the act it records
    issued_at: str
    state: str  # valid, superseded, revoked
    revoked_reason: str = ""
    sha256: str = ""
    current_code: str = ""  # for a superseded document: the code of the one that replaced it
    current_number: str = ""


@dataclass(frozen=True)
class Verification:
    outcome: str  # VALID, SUPERSEDED, REVOKED, MODIFIED, SIGNATURE_INVALID, UNKNOWN
    document: DocumentInfo | None = None
    signature: signing.SignatureVerdict | None = None
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == VALID


def state_of(document: IssuedDocument) -> str:
    if document.revoked_at is not None:
        return REVOKED
    if document.superseded_at is not None:
        return SUPERSEDED
    return VALID


def _instrument_of_period(period_id: int | None) -> Instrument | None:
    if period_id is None:
        return None
    period = db.session.get(Period, period_id)
    return instrument_of(period.instrument_version) if period is not None else None


def _standing_again(summary: dict, period_id: int | None, language: str) -> Standing | None:
    """The stored index named again in the page's language, with the period's instrument."""
    stored = summary.get("index") or ""
    try:
        value = Fraction(stored)
    except (ValueError, ZeroDivisionError):
        return None
    instrument = _instrument_of_period(period_id)
    return standing(value, instrument, language) if instrument is not None else None


def info(document: IssuedDocument, language: str | None = None) -> DocumentInfo:
    language = language or page_language()
    summary = json.loads(document.summary or "{}")
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta"))
    shown = _standing_again(summary, document.period_id, language)
    current = None
    if document.superseded_at is not None:
        current = current_document(document.subject, document.kind, document.language)
    signers = tuple(
        Signatory(
            position=p.get("position", ""),
            name=p.get("name", ""),
            rank=p.get("rank", ""),
            nip=p.get("nip", ""),
            on_behalf_of=p.get("on_behalf_of", ""),
        )
        for p in summary.get("signers", [])
        if p.get("name")
    )
    with force_locale(language):
        title = kind_title(document.kind)
    return DocumentInfo(
        id=document.id,
        code=document.code,
        kind=document.kind,
        title=title,
        number=document.number or "",
        replaces_number=document.replaces_number or "",
        version=document.version,
        language=document.language,
        agency=summary.get("agency", ""),
        region=summary.get("region", ""),
        year=summary.get("year"),
        index=shown.index if shown is not None else summary.get("index", ""),
        standing=shown.text if shown is not None and shown.present else summary.get("standing", ""),
        level=summary.get("level"),
        predicate=shown.predicate if shown is not None else summary.get("predicate", ""),
        final=bool(summary.get("final", False)),
        signers=signers,
        signed_by=document.signed_by,
        simulated=document.simulated,
        act_date=formats.document_date(document.act_date, language) if document.act_date else "",
        issued_at=formats.document_datetime(document.issued_at, language, zone),
        state=state_of(document),
        revoked_reason=document.revoked_reason,
        sha256=document.sha256,
        current_code=current.code if current is not None and current.id != document.id else "",
        current_number=(current.number or "") if current is not None else "",
    )


def verify_code(code: str) -> Verification:
    document = by_code(code)
    if document is None:
        return Verification(UNKNOWN)
    return Verification(state_of(document), info(document))


def verify_bytes(data: bytes) -> Verification:
    """Is this exactly a registered, signed, current document? Else name what is wrong."""
    verdict = signing.validate(data, trust_roots())
    document = db.session.scalar(
        select(IssuedDocument).filter_by(sha256=hashlib.sha256(data).hexdigest())
    )
    if document is not None:
        if not verdict.ok:
            return Verification(SIGNATURE_INVALID, info(document), verdict, [verdict.problem])
        return Verification(state_of(document), info(document), verdict)
    claimed = _claimed_document(data)
    if claimed is not None:
        return Verification(MODIFIED, info(claimed), verdict, [verdict.problem])
    if verdict.signed and not verdict.ok:
        return Verification(SIGNATURE_INVALID, None, verdict, [verdict.problem])
    return Verification(UNKNOWN, None, verdict)


def _claimed_document(data: bytes) -> IssuedDocument | None:
    """The registered document whose code the bytes carry (in the signature's reason)."""
    found = (normalise_code(m.decode()) for m in CODE_PATTERN.findall(data))
    candidates = list(dict.fromkeys(found))[-20:]
    if not candidates:
        return None
    return db.session.scalar(
        select(IssuedDocument)
        .filter(IssuedDocument.code.in_(candidates))
        .order_by(IssuedDocument.id.desc())
        .limit(1)
    )


def signers(data: MinutesData | RegionMinutesData) -> list:
    """Who signs a Berita Acara, as the registry's verification page lists them."""
    if isinstance(data, MinutesData):
        blocks = (data.chair, data.agency_head)
    else:
        blocks = (data.chair, data.secretary)
    return [Person(b.name, b.nip, b.position) for b in blocks if b is not None]
