"""Database models: the region, its agencies and users, periods and their assessments.

One module on purpose (over 600 lines): it is the schema, read as a whole next to the
migrations; its classes refer to each other by name in relationships, and splitting them
would only scatter what `flask db migrate` compares with the database."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from fractions import Fraction

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, composite, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .domain import limits
from .domain.answer_types import StoredValue
from .domain.workflow import Status
from .extensions import db
from .region_context import region_for_new_row

# a fixed "now" for the demo history (seed.py), which runs the services at the dates of a
# past year; None everywhere else
_fixed_now: ContextVar[datetime | None] = ContextVar("fixed_now", default=None)


def utcnow() -> datetime:
    fixed = _fixed_now.get()
    return fixed if fixed is not None else datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def stamped_at(moment: datetime) -> Iterator[None]:
    """Everything recorded inside happens at `moment` (naive UTC): the demo's past year."""
    token = _fixed_now.set(moment)
    try:
        yield
    finally:
        _fixed_now.reset(token)


def _default_agency_role(context) -> str | None:
    """A new agency user starts as an operator (AgencyRole.OPERATOR)."""
    return "operator" if context.get_current_parameters().get("role") == "agency" else None


def _default_user_region(context) -> int | None:
    """A new account's region when none is given: none for a national role (an explicit None
    would be replaced by a column default), else the region being worked in."""
    if context.get_current_parameters().get("role") in {r.value for r in NATIONAL_ROLES}:
        return None
    return region_for_new_row(context)


class Role(enum.StrEnum):
    ADMIN = "admin"
    EVALUATOR = "evaluator"
    AGENCY = "agency"
    VIEWER = "viewer"  # leadership: reads the region's results, changes nothing
    # national roles (no region of their own): the ministry's evaluation of regions
    MINISTRY_ADMIN = "ministry-admin"  # regions, national periods and instruments, evaluators
    MINISTRY_EVALUATOR = "ministry-evaluator"  # reviews the regions assigned to them
    NATIONAL_VIEWER = "national-viewer"  # reads every region's results, changes nothing


# roles that belong to one region (User.region_id); the others are national
REGION_ROLES = (Role.ADMIN, Role.EVALUATOR, Role.AGENCY, Role.VIEWER)
NATIONAL_ROLES = (Role.MINISTRY_ADMIN, Role.MINISTRY_EVALUATOR, Role.NATIONAL_VIEWER)


# the workflow's states live in the pure domain; the models store them as text
AssessmentStatus = Status


class PeriodStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RegionKind(enum.StrEnum):
    KABUPATEN = "kabupaten"
    KOTA = "kota"
    PROVINSI = "provinsi"


class Region(db.Model):
    """A kabupaten, kota or provinsi: it owns its agencies, periods, users, documents, settings
    and evidence (one deployment may serve many; `tenancy.py` keeps each query inside one)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kemendagri's kode wilayah: "62.02" (Kabupaten Kotawaringin Timur), "62" (the province)
    code: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=RegionKind.KABUPATEN)
    # the province's code ("62"); "" for a province itself
    province_code: Mapped[str] = mapped_column(String(13), default="", server_default="")
    # the place printed before the date in signature blocks ("Sampit, 7 Juni 2026")
    seat: Mapped[str] = mapped_column(String(100), default="")

    agencies: Mapped[list[Agency]] = relationship(back_populates="region")


class Agency(db.Model):
    __tablename__ = "agencies"
    # agency codes are the region's own: two regions may both have "DISKOMINFO"
    __table_args__ = (
        UniqueConstraint("region_id", "code"),
        Index("ix_agencies_region_id", "region_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(200), default="")
    head_nip: Mapped[str] = mapped_column(String(18), default="")
    head_position: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # comma-separated lower-case slugs ("kesehatan,layanan-publik"); instrument rules read them
    tags: Mapped[str] = mapped_column(Text, default="", server_default="")

    region: Mapped[Region] = relationship(back_populates="agencies")
    dimension_links: Mapped[list[AgencyDimension]] = relationship(
        back_populates="agency", cascade="all, delete-orphan", order_by="AgencyDimension.position"
    )

    indicator_scope: Mapped[list[AgencyIndicatorScope]] = relationship(
        back_populates="agency", cascade="all, delete-orphan"
    )

    @property
    def dimension_codes(self) -> list[str]:
        return [link.dimension_code for link in self.dimension_links]

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]


class AgencyIndicatorScope(db.Model):
    """An administrator's override of whether an indicator applies to an agency."""

    __tablename__ = "agency_indicator_scope"
    __table_args__ = (UniqueConstraint("agency_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    indicator_code: Mapped[str] = mapped_column(String(limits.INDICATOR_CODE))
    # True: answered although the instrument's rules leave it out; False: left out
    included: Mapped[bool] = mapped_column()

    agency: Mapped[Agency] = relationship(back_populates="indicator_scope")


class AgencyDimension(db.Model):
    """A dimension of the instrument that an agency answers."""

    __tablename__ = "agency_dimensions"
    __table_args__ = (UniqueConstraint("agency_id", "dimension_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    dimension_code: Mapped[str] = mapped_column(String(limits.DIMENSION_CODE))
    position: Mapped[int] = mapped_column(default=0)

    agency: Mapped[Agency] = relationship(back_populates="dimension_links")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_region_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # log-in names are unique in the whole deployment (one log-in page)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    # the region a region role works in; None for the national roles
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id"), default=_default_user_region
    )
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # set by an administrator's reset: every page leads to /account/password until changed
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column()
    # an agency user is its operator (the default) or its head (the approver); None for the
    # other roles. Set on the approver page (services.approvals.designate).
    agency_role: Mapped[str | None] = mapped_column(String(20), default=_default_agency_role)
    # for signature blocks: NIP (18 digits, "" when none), rank (pangkat/golongan), position
    nip: Mapped[str] = mapped_column(String(18), default="", server_default="")
    rank: Mapped[str] = mapped_column(String(100), default="", server_default="")
    position: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # where notifications are e-mailed ("" : in the app only); the user sets it
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")

    agency: Mapped[Agency | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def set_password(self, password: str) -> None:
        # configurable so the test suite can use a fast (weak) method; production keeps scrypt
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class InstrumentVersion(db.Model):
    """An instrument exactly as published: its source text is kept, so scores stay reproducible."""

    __tablename__ = "instrument_versions"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(limits.INSTRUMENT_CODE))
    version: Mapped[str] = mapped_column(String(limits.INSTRUMENT_VERSION))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # deferred: loaded only when read (services.instruments parses it once per process)
    source: Mapped[str] = mapped_column(Text, deferred=True)
    source_name: Mapped[str] = mapped_column(String(limits.INSTRUMENT_SOURCE_NAME), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Period(db.Model):
    """One yearly assessment round, pinned to one instrument version."""

    __tablename__ = "periods"
    __table_args__ = (UniqueConstraint("region_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id"), default=region_for_new_row
    )
    year: Mapped[int] = mapped_column()
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"))
    status: Mapped[str] = mapped_column(String(20), default=PeriodStatus.OPEN)
    # first and last day agencies may fill in (Asia/Jakarta); None: no limit
    opens_on: Mapped[date | None] = mapped_column()
    closes_on: Mapped[date | None] = mapped_column()
    # the lowest maturity level that earns a certificate (0: every final assessment);
    # None: the instance's CERTIFICATE_MIN_LEVEL
    certificate_min_level: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    instrument_version: Mapped[InstrumentVersion] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN


class PeriodExtension(db.Model):
    """A later (or earlier) last day for one agency in one period: reopening it for them."""

    __tablename__ = "period_extensions"
    __table_args__ = (UniqueConstraint("period_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    until: Mapped[date] = mapped_column()
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    period: Mapped[Period] = relationship()
    agency: Mapped[Agency] = relationship()
    granted_by: Mapped[User | None] = relationship()


class Assessment(db.Model):
    """One agency's self-assessment in one period."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("agency_id", "period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    status: Mapped[str] = mapped_column(String(20), default=AssessmentStatus.DRAFT)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column()
    # 1 for the first submission, +1 for each resubmission after a return
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    # the evaluator's overall comment when returning it; kept until the next return
    review_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship()
    period: Mapped[Period] = relationship()
    submitted_by: Mapped[User | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )


class Answer(db.Model):
    """An agency's answer to one indicator: a level or N/A, with its justification."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("assessment_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    indicator_code: Mapped[str] = mapped_column(String(limits.INDICATOR_CODE))
    level: Mapped[int | None] = mapped_column()
    not_applicable: Mapped[bool] = mapped_column(default=False)
    justification: Mapped[str] = mapped_column(Text, default="")
    # the value of a choice (option code), checklist (item codes joined by ","; "" = nothing
    # ticked, NULL = not answered) or number (exact decimal text) indicator
    choice: Mapped[str | None] = mapped_column(String(limits.OPTION_CODE))
    checked: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(40))
    # the columns above as one value, the same as a review's verdict (`Review.verified`)
    value: Mapped[StoredValue] = composite(
        StoredValue, "level", "not_applicable", "choice", "checked", "number"
    )
    # bumped on every change; lets a later save detect that someone else changed it first
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="answers")
    updated_by: Mapped[User | None] = relationship()


class Review(db.Model):
    """An evaluator's verdict on one answer: the verified level and why it differs."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("assessment_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    indicator_code: Mapped[str] = mapped_column(String(limits.INDICATOR_CODE))
    verified_level: Mapped[int | None] = mapped_column()
    verified_not_applicable: Mapped[bool] = mapped_column(default=False)
    # as on Answer: the verified choice, checklist items and number
    verified_choice: Mapped[str | None] = mapped_column(String(limits.OPTION_CODE))
    verified_checked: Mapped[str | None] = mapped_column(Text)
    verified_number: Mapped[str | None] = mapped_column(String(40))
    # the verdict as one value, the same as an answer's (`Answer.value`)
    verified: Mapped[StoredValue] = composite(
        StoredValue,
        "verified_level",
        "verified_not_applicable",
        "verified_choice",
        "verified_checked",
        "verified_number",
    )
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessment: Mapped[Assessment] = relationship()
    updated_by: Mapped[User | None] = relationship()


class ExactFraction(TypeDecorator):
    """A `Fraction` stored as its exact text ("10/3", "4"): it reads back as the same Fraction,
    however large its numerator and denominator (no float, no fixed decimal places)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Fraction | None, dialect) -> str | None:
        return None if value is None else str(Fraction(value))

    def process_result_value(self, value: str | None, dialect) -> Fraction | None:
        if value is None:
            return None
        # read as two whole numbers: a period's page reads thousands (3x faster than the regex)
        numerator, _, denominator = value.partition("/")
        return Fraction(int(numerator), int(denominator) if denominator else 1)


class AssessmentResult(db.Model):
    """A final assessment's result as the scoring engine computed it when it became final:
    one row per dimension the agency answers and one for the whole (`dimension_code` "").

    Written by `services.results.record` inside the finalizing transition (with the
    indicators' `IndicatorResult` rows), removed when the result is reopened; the region page,
    the dashboards, the exports and the API read final results from here instead of scoring
    again (docs/ARCHITECTURE.md, "Final results").
    """

    __tablename__ = "assessment_results"
    __table_args__ = (UniqueConstraint("assessment_id", "dimension_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    # "" for the whole assessment (domain.results.OVERALL)
    dimension_code: Mapped[str] = mapped_column(String(limits.DIMENSION_CODE))
    # the exact indices (None when nothing counted) and the maturity level of each
    self_index: Mapped[Fraction | None] = mapped_column(ExactFraction)
    self_level: Mapped[int | None] = mapped_column()
    verified_index: Mapped[Fraction | None] = mapped_column(ExactFraction)
    verified_level: Mapped[int | None] = mapped_column()


class IndicatorResult(db.Model):
    """A final assessment's verified score of one indicator that counts (answered, not N/A),
    stored with its `AssessmentResult` rows: the region's indicator means read these.

    The score as numerator and denominator (whole numbers, exact): the database sums them
    per indicator and denominator, so a period's means cost one small grouped query.
    """

    __tablename__ = "indicator_results"
    __table_args__ = (UniqueConstraint("assessment_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    indicator_code: Mapped[str] = mapped_column(String(limits.INDICATOR_CODE))
    score_numerator: Mapped[int] = mapped_column(BigInteger)
    score_denominator: Mapped[int] = mapped_column(BigInteger)
    # the level answered or reached (None for answer types without levels)
    level: Mapped[int | None] = mapped_column()


class Transition(db.Model):
    """One step of an assessment's workflow: who moved it, when, from where to where, why."""

    __tablename__ = "assessment_transitions"
    __table_args__ = (Index("ix_assessment_transitions_assessment_id", "assessment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(default=1)
    comment: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    assessment: Mapped[Assessment] = relationship()
    user: Mapped[User | None] = relationship()


class EvaluatorAssignment(db.Model):
    """An evaluator who reviews one agency's assessment in one period."""

    __tablename__ = "evaluator_assignments"
    __table_args__ = (UniqueConstraint("period_id", "agency_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    period: Mapped[Period] = relationship()
    agency: Mapped[Agency] = relationship()
    evaluator: Mapped[User] = relationship(foreign_keys=[evaluator_id])


class Evidence(db.Model):
    """A file (data dukung) attached to one answer; the bytes live in storage under `sha256`."""

    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_assessment_id", "assessment_id"),
        # one row per upload the browser started, however often it sent it (lost replies)
        UniqueConstraint("assessment_id", "upload_key", name="uq_evidence_upload_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    indicator_code: Mapped[str] = mapped_column(String(limits.INDICATOR_CODE))
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(limits.FILE_NAME))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # deleting keeps the row (and the audit trail's reference): only the attachment ends
    deleted_at: Mapped[datetime | None] = mapped_column()
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the browser's random id of an upload sent at once (static/js/evidence.js); NULL for files
    # sent with the form
    upload_key: Mapped[str | None] = mapped_column(String(64))

    assessment: Mapped[Assessment] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])


class AuditEvent(db.Model):
    """One recorded change. Append-only: nothing in the app updates or deletes these rows."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_assessment_id", "assessment_id"),
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_user_id", "user_id"),
        Index("ix_audit_events_agency_id", "agency_id"),
        Index("ix_audit_events_region_id", "region_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # the region the change happened in (None: a national or deployment-wide change)
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id"), default=region_for_new_row
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # what happened, e.g. "answer.changed", "evidence.added", "assessment.returned"
    action: Mapped[str] = mapped_column(String(60))
    # what it happened to: "answer", "evidence", "assessment", "user", "period", ...
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(limits.AUDIT_SUBJECT), default="")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("periods.id"))
    # JSON text of the values before and after ("" when there was none)
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User | None] = relationship()
    agency: Mapped[Agency | None] = relationship()


class IssuedDocument(db.Model):
    """A signed PDF exactly as issued (report, certificate, ...), found again by its code."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("subject", "kind", "language", "version"),
        # document numbers are the issuing region's series
        UniqueConstraint("region_id", "number"),
        Index("ix_issued_documents_sha256", "sha256"),
        Index("ix_issued_documents_assessment_id", "assessment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id"), default=region_for_new_row
    )
    # printed on the document and behind its QR code; random, so it cannot be guessed
    code: Mapped[str] = mapped_column(String(32), unique=True)
    # "report", "certificate"
    kind: Mapped[str] = mapped_column(String(20))
    # what the document is about, e.g. "assessment:12"; versions count per subject, kind, language
    subject: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(5))
    version: Mapped[int] = mapped_column(default=1)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("periods.id"))
    # SHA-256 of the plain data the document was made from: unchanged data, same document
    fingerprint: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    content: Mapped[bytes] = mapped_column()
    # JSON: what the verification page shows (agency, period, index, level, signer, ...)
    summary: Mapped[str] = mapped_column(Text, default="")
    # the certificate's name in the PAdES signature; `simulated` when it is the development key
    signed_by: Mapped[str] = mapped_column(String(300), default="")
    simulated: Mapped[bool] = mapped_column(default=False)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    # the document number (nomor surat) from the region's pattern ("000.8.3/017/BAPPERIDA/2026");
    # None for documents issued before numbering; a re-issue states the number it replaces
    number: Mapped[str | None] = mapped_column(String(120))
    replaces_number: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # the day of the act the document records (approval, finalization, period close)
    act_date: Mapped[date | None] = mapped_column()

    assessment: Mapped[Assessment | None] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])


class ApiToken(db.Model):
    """A secret that lets a program read the JSON API as one user; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # what the token is for, e.g. "dashboard Bapperida"
    name: Mapped[str] = mapped_column(String(100), default="")
    # the secret's first characters ("sc_AbC12xYz"): enough to recognise it, useless to use it
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class PrintJob(db.Model):
    """A batch print started from the admin pages: its progress and, when done, a ZIP file.

    It runs on the RQ queue when `REDIS_URL` is set (surviving a web worker restart), otherwise
    in a background thread of the web process; `heartbeat_at` tells a stalled run apart.
    """

    __tablename__ = "print_jobs"
    __table_args__ = (
        Index("ix_print_jobs_period_id", "period_id"),
        Index("ix_print_jobs_national_period_id", "national_period_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # a region's period (its agencies' documents) or a national period (the ministry's
    # award certificates to regions): one of the two
    period_id: Mapped[int | None] = mapped_column(ForeignKey("periods.id"))
    national_period_id: Mapped[int | None] = mapped_column(ForeignKey("national_periods.id"))
    # "report", "certificate", "minutes" or "all"; "award" for a national period. An agency
    # code limits a region's job to one agency, a region code a national job to one region
    what: Mapped[str] = mapped_column(String(20))
    agency_code: Mapped[str] = mapped_column(String(40), default="")
    region_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    language: Mapped[str] = mapped_column(String(5), default="id")
    # queued, running, done, failed
    status: Mapped[str] = mapped_column(String(20), default="queued")
    # "rq" or "thread"
    runner: Mapped[str] = mapped_column(String(20), default="thread")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    documents: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    # the ZIP file's name inside the instance folder's print-jobs/ directory, once done
    archive: Mapped[str] = mapped_column(String(200), default="")
    archive_sha256: Mapped[str] = mapped_column(String(64), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    period: Mapped[Period | None] = relationship()
    national_period: Mapped[NationalPeriod | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def year(self) -> int:
        owner = self.period or self.national_period
        assert owner is not None
        return owner.year

    @property
    def is_national(self) -> bool:
        return self.national_period_id is not None


# --- WF: the operator and the agency head, the Tim Pelaksana, its stages and minutes, follow-ups


class AgencyRole(enum.StrEnum):
    """What an agency user does for their agency (User.agency_role)."""

    OPERATOR = "operator"  # fills in answers, justifications and evidence; sends to the head
    HEAD = "head"  # the head (or the official designated as approver): approves and submits


class Approval(db.Model):
    """The head's approval of one submission, with who they were at that moment."""

    __tablename__ = "assessment_approvals"
    __table_args__ = (Index("ix_assessment_approvals_assessment_id", "assessment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    round: Mapped[int] = mapped_column(default=1)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # the signature block as it was when approving: a later change of the account keeps this
    name: Mapped[str] = mapped_column(String(200), default="")
    nip: Mapped[str] = mapped_column(String(18), default="")
    rank: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    # the statement of responsibility exactly as confirmed
    statement: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User | None] = relationship()


class PeriodTeam(db.Model):
    """A period's Tim Pelaksana Smart City: its decree and how it works that year."""

    __tablename__ = "period_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), unique=True)
    # the SK Bupati that appoints the team
    decree_number: Mapped[str] = mapped_column(String(100), default="")
    decree_date: Mapped[date | None] = mapped_column()
    # whether an interview or site visit (wawancara/visitasi) comes before final
    interview_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    # while set, the vice-chair finalizes for the chair ("a.n. Ketua")
    chair_absent: Mapped[bool] = mapped_column(default=False, server_default=false())
    chair_absent_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    period: Mapped[Period] = relationship()


class TeamMember(db.Model):
    """One member of a period's team: a user, or an external member (academic, practitioner)."""

    __tablename__ = "team_members"
    __table_args__ = (Index("ix_team_members_period_id", "period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    # chair, vice_chair, secretary, member
    role: Mapped[str] = mapped_column(String(20))
    # None: an external member without an account (listed and printed, acts through others)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str] = mapped_column(String(18), default="")
    rank: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    institution: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()
    assignments: Mapped[list[TeamAssignment]] = relationship(
        back_populates="member", cascade="all, delete-orphan"
    )


class TeamAssignment(db.Model):
    """A team member who reviews one agency in the member's period."""

    __tablename__ = "team_assignments"
    __table_args__ = (UniqueConstraint("member_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("team_members.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))

    member: Mapped[TeamMember] = relationship(back_populates="assignments")
    agency: Mapped[Agency] = relationship()


class Interview(db.Model):
    """The interview or site visit (wawancara/visitasi) of one assessment, after the desk review."""

    __tablename__ = "evaluation_interviews"
    __table_args__ = (Index("ix_evaluation_interviews_assessment_id", "assessment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    # interview, site_visit
    kind: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date] = mapped_column()
    place: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped[User | None] = relationship()
    notes: Mapped[list[InterviewNote]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="InterviewNote.id"
    )


class InterviewNote(db.Model):
    """What the interview or visit found on one indicator."""

    __tablename__ = "evaluation_interview_notes"
    __table_args__ = (UniqueConstraint("interview_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("evaluation_interviews.id"))
    indicator_code: Mapped[str] = mapped_column(String(limits.INDICATOR_CODE))
    note: Mapped[str] = mapped_column(Text, default="")

    interview: Mapped[Interview] = relationship(back_populates="notes")


class EvaluationMinutes(db.Model):
    """What the Berita Acara Hasil Evaluasi records when an assessment becomes final."""

    __tablename__ = "evaluation_minutes"
    __table_args__ = (Index("ix_evaluation_minutes_assessment_id", "assessment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    held_on: Mapped[date] = mapped_column()
    place: Mapped[str] = mapped_column(String(200), default="")
    # JSON list of the team members present (name, role, position, institution)
    members_present: Mapped[str] = mapped_column(Text, default="")
    # the agency's representatives, one a line
    representatives: Mapped[str] = mapped_column(Text, default="")
    finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the vice-chair finalized for the absent chair
    acting_for_chair: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    finalized_by: Mapped[User | None] = relationship()


class DimensionObstacle(db.Model):
    """An agency's achievements and obstacles (capaian dan kendala) in one dimension."""

    __tablename__ = "dimension_obstacles"
    __table_args__ = (UniqueConstraint("assessment_id", "dimension_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    dimension_code: Mapped[str] = mapped_column(String(limits.DIMENSION_CODE))
    achievements: Mapped[str] = mapped_column(Text, default="")
    obstacles: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUp(db.Model):
    """A follow-up action (rencana tindak lanjut) the team sets an agency in one dimension;
    the agency says in next year's assessment whether it was done."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_assessment_id", "assessment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    dimension_code: Mapped[str] = mapped_column(String(limits.DIMENSION_CODE))
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")
    target_date: Mapped[date | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # next year's answer: done, partly, not_done (None: not answered yet)
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome_at: Mapped[datetime | None] = mapped_column()

    assessment: Mapped[Assessment] = relationship()


# --- UX (issue 15): notifications and per-indicator threads ------------------------------------


class Notification(db.Model):
    """Something a user should hear of (an assessment moved on), in the app and by e-mail."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # the audit action it tells of ("assessment.submitted") and the state reached
    event: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="")
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
    # the e-mail: "" none (no address, or mail off), pending, sent, failed (tries used up)
    mail_status: Mapped[str] = mapped_column(String(10), default="")
    mail_to: Mapped[str] = mapped_column(String(254), default="")
    mail_subject: Mapped[str] = mapped_column(String(300), default="")
    mail_body: Mapped[str] = mapped_column(Text, default="")
    mail_attempts: Mapped[int] = mapped_column(default=0)
    mail_error: Mapped[str] = mapped_column(Text, default="")
    mail_sent_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    assessment: Mapped[Assessment | None] = relationship()


class IndicatorMessage(db.Model):
    """One message of the short thread on an indicator between the agency and its evaluators
    (the evaluator's note starts it; the agency answers)."""

    __tablename__ = "indicator_messages"
    __table_args__ = (Index("ix_indicator_messages_assessment_id", "assessment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    indicator_code: Mapped[str] = mapped_column(String(limits.INDICATOR_CODE))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # "agency" or "team": the side the author wrote for
    side: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    round: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


# --- DOC (issue 17): letterhead, document numbers -------------------------------------------


class DocumentSettings(db.Model):
    """The region's letterhead (kop surat) and document number patterns, set by an administrator."""

    __tablename__ = "document_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), unique=True)
    # "PEMERINTAH KABUPATEN KOTAWARINGIN TIMUR"
    government: Mapped[str] = mapped_column(String(200), default="")
    # the issuing unit, e.g. "BADAN PERENCANAAN PEMBANGUNAN, RISET DAN INOVASI DAERAH"
    unit: Mapped[str] = mapped_column(String(200), default="")
    # its short form in document numbers ({unit}), e.g. "BAPPERIDA"
    unit_code: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    telephone: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    # the coat of arms as checked and cleaned on upload (PNG, or SVG without script)
    emblem: Mapped[bytes | None] = mapped_column()
    emblem_type: Mapped[str] = mapped_column(String(40), default="")
    # JSON {kind: {"pattern": "{klasifikasi}/{nomor}/{unit}/{tahun}", "classification": "000.8.3"}}
    numbering: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()


class DocumentSequence(db.Model):
    """The last number taken in one series of document numbers in one year: never reused."""

    __tablename__ = "document_sequences"
    __table_args__ = (UniqueConstraint("region_id", "series", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id"), default=region_for_new_row
    )
    # the number pattern with everything but {nomor} filled in ("000.8.3/{nomor}/BAPPERIDA/2026")
    series: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column()
    last: Mapped[int] = mapped_column(default=0)


# --- hardening (issue 18): sessions ended on the server, log-in limits shared by all workers ---


class UserSession(db.Model):
    """One log-in. The session cookie carries its secret; once ended here (log-out, password
    change or reset, deactivation, an administrator's "end all sessions"), a copy of the cookie
    is worthless."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # SHA-256 of the random secret in the (signed) session cookie; never the secret itself
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    # "logout", "idle", "password", "reset", "deactivated", "ended_by_admin"
    ended_reason: Mapped[str] = mapped_column(String(20), default="")


class RateLimitCounter(db.Model):
    """A log-in (or API) limit's count in its current window, for every worker and server."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (Index("ix_rate_limit_counters_expires_at", "expires_at"),)

    # SHA-256 of the limiter's key (which holds the typed username: any length)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    # seconds since the epoch when the window ends
    expires_at: Mapped[float] = mapped_column(Float)


# --- the ministry's evaluation of regions (issue 20) ----------------------------------------


class NationalPeriodStatus(enum.StrEnum):
    OPEN = "open"  # regions assemble and submit, ministry evaluators review
    FINAL = "final"  # finalized by a ministry administrator: results and awards stand


class SubmissionStatus(enum.StrEnum):
    DRAFT = "draft"  # the region's administrator assembles it
    AWAITING_APPROVAL = "awaiting_approval"  # the region head (pimpinan) approves or sends back
    SUBMITTED = "submitted"  # with the ministry's evaluators
    RETURNED = "returned"  # sent back to the region by an evaluator, with a comment
    VERIFIED = "verified"  # every indicator verified by the ministry
    FINAL = "final"  # finalized with the national period


class ProgrammeKind(enum.StrEnum):
    PROGRAMME = "programme"  # a programme of the region's Smart City master plan
    QUICK_WIN = "quick_win"  # a quick win: a programme with results within a year


class NationalPeriod(db.Model):
    """One year of the ministry's evaluation of regions, pinned to an instrument version with
    the evaluation dimensions (the second axis)."""

    __tablename__ = "national_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"))
    status: Mapped[str] = mapped_column(String(20), default=NationalPeriodStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalized_at: Mapped[datetime | None] = mapped_column()
    finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    instrument_version: Mapped[InstrumentVersion] = relationship()


class RegionSubmission(db.Model):
    """A region's submission to one national period: its own answers with evidence, its master
    plan programmes and quick wins, and its agencies' final results as an attachment."""

    __tablename__ = "region_submissions"
    __table_args__ = (UniqueConstraint("national_period_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    national_period_id: Mapped[int] = mapped_column(ForeignKey("national_periods.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    status: Mapped[str] = mapped_column(String(20), default=SubmissionStatus.DRAFT)
    # 1 for the first submission, +1 for each one after a return
    round: Mapped[int] = mapped_column(default=1)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column()
    # the evaluator's comment when returning it (or the head's when sending it back)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    # the attachment: the year of the region's own period and, as JSON, its agencies' final
    # results as they stood when the administrator attached them
    agencies_year: Mapped[int | None] = mapped_column()
    agencies_attachment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    national_period: Mapped[NationalPeriod] = relationship()
    region: Mapped[Region] = relationship()
    approved_by: Mapped[User | None] = relationship()


class RegionAnswer(db.Model):
    """The region's answer to one indicator of the national instrument (as `Answer`)."""

    __tablename__ = "region_answers"
    __table_args__ = (UniqueConstraint("submission_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("region_submissions.id"))
    indicator_code: Mapped[str] = mapped_column(String(limits.INDICATOR_CODE))
    level: Mapped[int | None] = mapped_column()
    not_applicable: Mapped[bool] = mapped_column(default=False)
    choice: Mapped[str | None] = mapped_column(String(limits.OPTION_CODE))
    checked: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(40))
    value: Mapped[StoredValue] = composite(
        StoredValue, "level", "not_applicable", "choice", "checked", "number"
    )
    justification: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    updated_by: Mapped[User | None] = relationship()


class RegionReview(db.Model):
    """A ministry evaluator's verdict on one of a region's answers (as `Review`)."""

    __tablename__ = "region_reviews"
    __table_args__ = (UniqueConstraint("submission_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("region_submissions.id"))
    indicator_code: Mapped[str] = mapped_column(String(limits.INDICATOR_CODE))
    verified_level: Mapped[int | None] = mapped_column()
    verified_not_applicable: Mapped[bool] = mapped_column(default=False)
    verified_choice: Mapped[str | None] = mapped_column(String(limits.OPTION_CODE))
    verified_checked: Mapped[str | None] = mapped_column(Text)
    verified_number: Mapped[str | None] = mapped_column(String(40))
    verified: Mapped[StoredValue] = composite(
        StoredValue,
        "verified_level",
        "verified_not_applicable",
        "verified_choice",
        "verified_checked",
        "verified_number",
    )
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    updated_by: Mapped[User | None] = relationship()


class RegionEvidence(db.Model):
    """A file attached to one of a region's answers; the bytes live in storage under `sha256`."""

    __tablename__ = "region_evidence"
    __table_args__ = (
        Index("ix_region_evidence_submission_id", "submission_id"),
        # one row per upload the browser started, however often it sent it (as `Evidence`)
        UniqueConstraint("submission_id", "upload_key", name="uq_region_evidence_upload_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("region_submissions.id"))
    indicator_code: Mapped[str] = mapped_column(String(limits.INDICATOR_CODE))
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(limits.FILE_NAME))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the browser's random id of an upload sent at once (static/js/evidence.js); NULL for files
    # sent with the form
    upload_key: Mapped[str | None] = mapped_column(String(64))

    submission: Mapped[RegionSubmission] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])


class RegionProgramme(db.Model):
    """A programme of the region's Smart City master plan, or a quick win, in its submission."""

    __tablename__ = "region_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("region_submissions.id"))
    kind: Mapped[str] = mapped_column(String(20), default=ProgrammeKind.PROGRAMME)
    # the pillar (dimension code) it serves
    pillar: Mapped[str] = mapped_column(String(limits.DIMENSION_CODE))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # the years it runs ("2025-2029") or, for a quick win, when its results were seen
    years: Mapped[str] = mapped_column(String(40), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RegionEvaluatorAssignment(db.Model):
    """The ministry evaluator who reviews one region's submission in one national period."""

    __tablename__ = "region_evaluator_assignments"
    __table_args__ = (UniqueConstraint("national_period_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    national_period_id: Mapped[int] = mapped_column(ForeignKey("national_periods.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    evaluator: Mapped[User] = relationship(foreign_keys=[evaluator_id])


class RegionResult(db.Model):
    """A final submission's result as the scoring engine computed it at finalization: one row
    for the whole (`kind` "overall", `code` ""), one per pillar and one per evaluation
    dimension; the national ranking and the awards read these."""

    __tablename__ = "region_results"
    __table_args__ = (UniqueConstraint("submission_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("region_submissions.id"))
    # "overall", "pillar" or "evaluation_dimension"
    kind: Mapped[str] = mapped_column(String(30))
    code: Mapped[str] = mapped_column(String(limits.DIMENSION_CODE), default="")
    index: Mapped[Fraction | None] = mapped_column(ExactFraction)
    level: Mapped[int | None] = mapped_column()
