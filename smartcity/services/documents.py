"""Signed PDF documents: plain data for each kind, issuing, the registry and verification.

A document kind is three things: a builder that turns models into a frozen dataclass (never
an ORM object reaches a template), a template in templates/pdf/, and an `issue_*` function
that hands both to `_issue`. `_issue` renders, signs and stores the document once, reuses it
while the data is unchanged and supersedes it when the data changed. A region summary or a
batch of reports adds a builder and an `issue_*` function; nothing else here changes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from babel.dates import format_date, format_datetime
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import pdf, signing
from ..domain.charts import dimension_chart
from ..domain.instrument import Instrument, Text
from ..domain.scoring import AssessmentScore, display_index
from ..domain.workflow import Status
from ..extensions import db
from ..models import Assessment, IssuedDocument, Period, Region, User, utcnow
from . import audit
from .assessments import answer_text, answer_value, answers_by_code, instrument_for
from .periods import certificate_minimum
from .review import reviews_by_code, scores, verified_value

REPORT = "report"
CERTIFICATE = "certificate"
REGION_REPORT = "region_report"

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


# --- plain data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone who signs on paper: name, NIP and position (jabatan)."""

    name: str
    nip: str
    position: str


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    question: str
    self_level: str  # "3", "N/A" or "-"
    verified_level: str
    justification: str
    note: str


@dataclass(frozen=True)
class DimensionSection:
    code: str
    name: str
    self_index: str
    verified_index: str
    level: str
    predicate: str
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
    index: str  # the official one: verified when there is one, else self-assessed
    level: int | None
    level_name: str
    predicate: str
    dimensions: tuple[DimensionSection, ...]
    improvements: tuple[ImprovementStep, ...]
    agency_head: Person
    team_chair: Person


@dataclass(frozen=True)
class CertificateData:
    language: str
    region: str
    seat: str
    agency: str
    agency_code: str
    year: int
    instrument: str
    index: str
    level: int
    level_name: str
    predicate: str
    signer: Person


@dataclass(frozen=True)
class Stamp:
    """What is known only when a document is issued: its code, date and how it is signed."""

    code: str
    version: int
    verify_url: str
    qr_data_uri: str
    place_and_date: str
    simulated: bool


def fingerprint(data: object) -> str:
    text = json.dumps(asdict(data), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _level_text(level: int | None, not_applicable: bool) -> str:
    if not_applicable:
        return "N/A"
    return str(level) if level is not None else "-"


def _answer_line(indicator, row, language: str, *, verified: bool = False) -> str:
    """A choice, checklist or number answer as text ("Diterapkan sebagian (2/3)")."""
    if row is None:
        return "-"
    value = verified_value(row) if verified else answer_value(row)
    with force_locale(language):
        return answer_text(indicator, value, language)


def _official(pair) -> AssessmentScore:
    return pair.verified or pair.self_assessed


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
                    self_level=(
                        _level_text(own.level, own.not_applicable)
                        if own.indicator.answer_type == "level"
                        else _answer_line(own.indicator, answer, language)
                    ),
                    verified_level=(
                        _level_text(review.verified_level, review.verified_not_applicable)
                        if review is not None and own.indicator.answer_type == "level"
                        else _answer_line(own.indicator, review, language, verified=True)
                    ),
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
                self_index=display_index(dim.index) if dim.index is not None else "-",
                verified_index=(
                    display_index(verified_dim.index)
                    if verified_dim is not None and verified_dim.index is not None
                    else "-"
                ),
                level=str(counted.maturity.level) if counted.maturity else "-",
                predicate=counted.maturity.name.get(language) if counted.maturity else "",
                lines=tuple(lines),
            )
        )
    agency = assessment.agency
    region = agency.region
    config = current_app.config
    level = official.maturity.level if official.maturity else None
    return ReportData(
        language=language,
        region=region.name,
        seat=region.seat,
        agency=agency.name,
        agency_code=agency.code,
        year=assessment.period.year,
        instrument=instrument.title.get(language),
        instrument_version=instrument.version,
        status=str(assessment.status),
        final=assessment.status == Status.FINAL,
        self_index=_index(pair.self_assessed),
        verified_index=_index(pair.verified) if pair.verified else "-",
        index=_index(official),
        level=level,
        level_name=_text(instrument.level_name(level), language) if level else "",
        predicate=official.maturity.name.get(language) if official.maturity else "",
        dimensions=tuple(sections),
        improvements=tuple(steps),
        agency_head=Person(agency.head_name, agency.head_nip, agency.head_position),
        team_chair=Person(
            config["TEAM_CHAIR_NAME"], config["TEAM_CHAIR_NIP"], config["TEAM_CHAIR_POSITION"]
        ),
    )


def _index(score: AssessmentScore) -> str:
    return display_index(score.index) if score.index is not None else "-"


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


def certificate_data(assessment: Assessment, language: str) -> CertificateData:
    if assessment.status != Status.FINAL:
        raise DocumentRefused(_("A certificate is issued only for a final assessment."))
    instrument = instrument_for(assessment)
    official = _official(scores(assessment))
    if official.maturity is None:
        raise DocumentRefused(_("This assessment has no index, so it earns no certificate."))
    minimum = certificate_minimum(
        assessment.period, int(current_app.config.get("CERTIFICATE_MIN_LEVEL") or 0)
    )
    if official.maturity.level < minimum:
        raise DocumentRefused(
            _(
                "A certificate needs maturity level %(minimum)s or higher; "
                "this assessment reached level %(level)s.",
                minimum=minimum,
                level=official.maturity.level,
            )
        )
    config = current_app.config
    agency = assessment.agency
    return CertificateData(
        language=language,
        region=agency.region.name,
        seat=agency.region.seat,
        agency=agency.name,
        agency_code=agency.code,
        year=assessment.period.year,
        instrument=instrument.title.get(language),
        index=_index(official),
        level=official.maturity.level,
        level_name=_text(instrument.level_name(official.maturity.level), language),
        predicate=official.maturity.name.get(language),
        signer=Person(
            config["CERTIFICATE_SIGNER_NAME"],
            config["CERTIFICATE_SIGNER_NIP"],
            config["CERTIFICATE_SIGNER_POSITION"],
        ),
    )


@dataclass(frozen=True)
class RegionDimensionLine:
    code: str
    name: str
    weight: str
    agencies: int
    index: str
    level: str
    predicate: str


@dataclass(frozen=True)
class RankingLine:
    rank: int
    code: str
    name: str
    index: str
    level: int
    predicate: str


@dataclass(frozen=True)
class LevelCount:
    level: int
    name: str
    minimum: str
    count: int


@dataclass(frozen=True)
class RegionReportData:
    """The region summary of one period: region index, dimensions, ranking, levels, states."""

    language: str
    region: str
    seat: str
    year: int
    instrument: str
    instrument_version: str
    final: bool  # the period is closed: the results no longer change
    index: str
    level: int | None
    predicate: str
    dimensions: tuple[RegionDimensionLine, ...]
    ranking: tuple[RankingLine, ...]
    levels: tuple[LevelCount, ...]
    statuses: tuple[tuple[str, int], ...]
    final_agencies: int
    total_agencies: int
    team_chair: Person
    agency: str = ""
    agency_code: str = ""


def region_report_data(period: Period, language: str) -> RegionReportData:
    from .region import region_for

    region_view = region_for(period)
    result = region_view.result
    instrument = region_view.instrument
    region = db.session.scalar(select(Region).order_by(Region.id).limit(1))
    config = current_app.config
    return RegionReportData(
        language=language,
        region=region.name if region is not None else "",
        seat=region.seat if region is not None else "",
        year=period.year,
        instrument=instrument.title.get(language),
        instrument_version=instrument.version,
        final=not period.is_open,
        index=display_index(result.index),
        level=result.maturity.level if result.maturity else None,
        predicate=result.maturity.name.get(language) if result.maturity else "",
        dimensions=tuple(
            RegionDimensionLine(
                code=d.dimension.code,
                name=d.dimension.name.get(language),
                weight=display_index(d.dimension.weight),
                agencies=d.agencies,
                index=display_index(d.mean),
                level=str(d.maturity.level) if d.maturity else "-",
                predicate=d.maturity.name.get(language) if d.maturity else "",
            )
            for d in result.dimensions
        ),
        ranking=tuple(
            RankingLine(
                rank=r.rank,
                code=r.code,
                name=r.name,
                index=display_index(r.index),
                level=r.maturity.level,
                predicate=r.maturity.name.get(language),
            )
            for r in result.ranking
        ),
        levels=tuple(
            LevelCount(band.level, band.name.get(language), display_index(band.minimum), count)
            for band, count in result.level_counts
        ),
        statuses=tuple((str(status), count) for status, count in result.status_counts),
        final_agencies=result.final,
        total_agencies=result.total,
        team_chair=Person(
            config["TEAM_CHAIR_NAME"], config["TEAM_CHAIR_NIP"], config["TEAM_CHAIR_POSITION"]
        ),
    )


# --- stamps: codes, dates, QR ----------------------------------------------------------------


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


def place_and_date(seat: str, day: date, language: str) -> str:
    """ "Sampit, 7 Juni 2026": the place and date above a signature."""
    when = format_date(day, "d MMMM y", locale="id" if language != "en" else "en")
    return f"{seat}, {when}" if seat else when


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


def _local_day(moment: datetime) -> date:
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta"))
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


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
    with force_locale(data.language):
        html = render_template(
            template,
            data=data,
            stamp=stamp,
            draft_mark=DRAFT_MARK,
            simulation_mark=SIMULATION_MARK,
            page_label=Markup(page_label_css()),
            bare_code=stamp.code.replace("-", ""),
            **extra,
        )
    return pdf.render(html, _static_folder(), [_static_folder() / "css" / "pdf.css"])


def _summary(
    kind: str, data: ReportData | CertificateData | RegionReportData, signers: list[Person]
) -> dict:
    return {
        "kind": kind,
        "region": data.region,
        "agency": data.agency,
        "agency_code": data.agency_code,
        "year": data.year,
        "index": data.index,
        "level": data.level,
        "predicate": data.predicate,
        "final": getattr(data, "final", True),
        "signers": [asdict(p) for p in signers if p.name],
    }


def current_document(subject: str, kind: str, language: str) -> IssuedDocument | None:
    return db.session.scalar(
        select(IssuedDocument)
        .filter_by(subject=subject, kind=kind, language=language, superseded_at=None)
        .order_by(IssuedDocument.version.desc())
        .limit(1)
    )


def _issue(
    *,
    kind: str,
    subject: str,
    data: ReportData | CertificateData | RegionReportData,
    build: Callable[[Stamp], bytes],
    summary: dict,
    assessment: Assessment | None,
    user: User,
    period: Period | None = None,
) -> IssuedDocument:
    """The current document when its data is unchanged, else a new signed version."""
    print_ = fingerprint(data)
    current = current_document(subject, kind, data.language)
    if current is not None and current.fingerprint == print_ and current.revoked_at is None:
        return current
    last_version = db.session.scalar(
        select(func.max(IssuedDocument.version)).filter_by(
            subject=subject, kind=kind, language=data.language
        )
    )
    version = (last_version or 0) + 1
    code = new_code()
    now = utcnow()
    signer = signer_config(reason=f"smartcity {kind} {code.replace('-', '')}", location=data.seat)
    stamp = Stamp(
        code=code,
        version=version,
        verify_url=verify_url(code),
        qr_data_uri=qr_data_uri(verify_url(code)),
        place_and_date=place_and_date(data.seat, _local_day(now), data.language),
        simulated=signer.simulated,
    )
    signed = signing.sign(build(stamp), signer)
    row = IssuedDocument(
        code=code,
        kind=kind,
        subject=subject,
        language=data.language,
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
        issued_by_id=user.id,
        issued_at=now,
    )
    if current is not None and current.revoked_at is None:
        current.superseded_at = now
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        # someone issued the same version a moment earlier: theirs is the current one
        db.session.rollback()
        existing = current_document(subject, kind, data.language)
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
        old={"superseded": current.code} if current is not None else None,
        new={"kind": kind, "version": version, "language": data.language, "sha256": row.sha256},
    )
    db.session.commit()
    return row


def issue_report(assessment: Assessment, user: User, language: str) -> IssuedDocument:
    """The agency result report; any submitted assessment, marked DRAF until final."""
    if assessment.status == Status.DRAFT:
        raise DocumentRefused(_("A report is printed only once the assessment is submitted."))
    data = report_data(assessment, language)
    chart = _radar(data)

    def build(stamp: Stamp) -> bytes:
        return _render("pdf/report.html", data, stamp, chart=chart)

    return _issue(
        kind=REPORT,
        subject=f"assessment:{assessment.id}",
        data=data,
        build=build,
        summary=_summary(REPORT, data, [data.agency_head, data.team_chair]),
        assessment=assessment,
        user=user,
    )


def issue_certificate(assessment: Assessment, user: User, language: str) -> IssuedDocument:
    """The certificate (piagam penghargaan) of a final assessment."""
    data = certificate_data(assessment, language)

    def build(stamp: Stamp) -> bytes:
        return _render("pdf/certificate.html", data, stamp)

    return _issue(
        kind=CERTIFICATE,
        subject=f"assessment:{assessment.id}",
        data=data,
        build=build,
        summary=_summary(CERTIFICATE, data, [data.signer]),
        assessment=assessment,
        user=user,
    )


def issue_region_report(period: Period, user: User, language: str) -> IssuedDocument:
    """The region summary of a period; marked DRAF while the period is open."""
    data = region_report_data(period, language)

    def build(stamp: Stamp) -> bytes:
        return _render("pdf/region_report.html", data, stamp, chart=_region_chart(data))

    return _issue(
        kind=REGION_REPORT,
        subject=f"period:{period.id}",
        data=data,
        build=build,
        summary=_summary(REGION_REPORT, data, [data.team_chair]),
        assessment=None,
        user=user,
        period=period,
    )


def _region_chart(data: RegionReportData) -> Markup:
    labels = [d.code for d in data.dimensions]
    series = [[_number(d.index) for d in data.dimensions]]
    svg = dimension_chart(
        labels, series, series_names=[_("Region index")], title=_("Dimension indices")
    )
    encoded = base64.b64encode(svg.encode()).decode()
    return Markup(f"data:image/svg+xml;base64,{encoded}")


def _radar(data: ReportData) -> Markup:
    labels = [d.code for d in data.dimensions]
    series = [[_number(d.self_index) for d in data.dimensions]]
    names = [_("Self-assessed")]
    if data.verified_index != "-":
        series.append([_number(d.verified_index) for d in data.dimensions])
        names.append(_("Verified"))
    svg = dimension_chart(labels, series, series_names=names, title=_("Dimension indices"))
    encoded = base64.b64encode(svg.encode()).decode()
    return Markup(f"data:image/svg+xml;base64,{encoded}")


def _number(text: str) -> float | None:
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


class RevokeRefused(Exception):
    """A revocation that cannot be done; the message is for the user."""


def revoke(document: IssuedDocument, user: User, reason: str) -> None:
    reason = reason.replace("\x00", "").strip()
    if not reason:
        raise RevokeRefused(_("Revoking a document needs a reason."))
    if document.revoked_at is not None:
        raise RevokeRefused(_("This document is already revoked."))
    document.revoked_at = utcnow()
    document.revoked_by_id = user.id
    document.revoked_reason = reason
    audit.record(
        "document.revoked",
        "document",
        document.code,
        user=user,
        assessment=document.assessment,
        period_id=document.period_id,
        new={"reason": reason, "kind": document.kind, "version": document.version},
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
    """What the verification page says about a registered document."""

    id: int
    code: str
    kind: str
    version: int
    language: str
    agency: str
    region: str
    year: int | None
    index: str
    level: int | None
    predicate: str
    final: bool
    signers: tuple[Person, ...]
    signed_by: str
    simulated: bool
    issued_at: str
    state: str  # valid, superseded, revoked
    revoked_reason: str = ""
    sha256: str = ""


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


def info(document: IssuedDocument) -> DocumentInfo:
    summary = json.loads(document.summary or "{}")
    moment = document.issued_at.replace(tzinfo=UTC)
    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta")
    return DocumentInfo(
        id=document.id,
        code=document.code,
        kind=document.kind,
        version=document.version,
        language=document.language,
        agency=summary.get("agency", ""),
        region=summary.get("region", ""),
        year=summary.get("year"),
        index=summary.get("index", ""),
        level=summary.get("level"),
        predicate=summary.get("predicate", ""),
        final=bool(summary.get("final", False)),
        signers=tuple(Person(**p) for p in summary.get("signers", [])),
        signed_by=document.signed_by,
        simulated=document.simulated,
        issued_at=format_datetime(moment, "d MMMM y HH:mm zzz", tzinfo=ZoneInfo(zone), locale="id"),
        state=state_of(document),
        revoked_reason=document.revoked_reason,
        sha256=document.sha256,
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
