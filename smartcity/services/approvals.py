"""The agency's hand-in: its operators send the assessment to its head, who approves it (and so
submits it to the evaluators) or returns it with a note. The approval records who the head was
at that moment: the documents sign with exactly that."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..domain.scoring import MissingAnswer
from ..domain.signatory import Signatory
from ..extensions import db
from ..models import AgencyRole, Approval, Assessment, Role, User
from . import audit
from .assessments import (
    answer_value,
    answers_by_code,
    dimension_codes,
    evidence_counts,
    missing_for,
    questionnaire,
    score,
)

# what the head confirms before "Setujui dan kirim"; stored with the approval as shown
STATEMENT = _l(
    "I hereby declare that the answers and the supporting evidence (data dukung) of this "
    "self-assessment are true and that I am accountable for them."
)


def statement_text() -> str:
    """The statement as the head reads it (in Indonesian outside a request: the seed, tests)."""
    if has_request_context():
        return str(STATEMENT)
    with current_app.test_request_context(), force_locale("id"):
        return str(STATEMENT)


# --- the operator sends, the head approves or returns ----------------------------------------


def signature_problem(head: User) -> str | None:
    """Why the head's account cannot sign yet (a name and a position are printed)."""
    if not head.full_name.strip() or not head.position.strip():
        return _(
            "Your account has no full name or position for the signature block yet; "
            "ask an administrator to complete it."
        )
    return None


def record_approval(
    assessment: Assessment, head: User, round_number: int, statement: str, now: datetime
) -> Approval:
    """The approval as the head was at this moment (called within the APPROVE transition)."""
    row = Approval(
        assessment_id=assessment.id,
        round=round_number,
        user_id=head.id,
        at=now,
        name=head.full_name.strip(),
        nip=head.nip,
        rank=head.rank,
        position=head.position,
        statement=statement,
    )
    db.session.add(row)
    return row


def latest_approval(assessment: Assessment) -> Approval | None:
    return db.session.scalar(
        select(Approval)
        .filter_by(assessment_id=assessment.id)
        .order_by(Approval.at.desc(), Approval.id.desc())
        .limit(1)
    )


def approvals_of(assessment: Assessment) -> list[Approval]:
    return list(
        db.session.scalars(
            select(Approval).filter_by(assessment_id=assessment.id).order_by(Approval.at)
        )
    )


def agency_signatory(assessment: Assessment) -> Signatory | None:
    """The agency's signature block: the head who approved the submission, exactly as
    recorded at the approval; None without an approval (then no document signs for it)."""
    approval = latest_approval(assessment)
    if approval is None:
        return None
    return Signatory(
        position=approval.position, name=approval.name, rank=approval.rank, nip=approval.nip
    )


def agency_approval_date(assessment: Assessment) -> date | None:
    """The local day of that approval (printed with the agency's signature)."""
    approval = latest_approval(assessment)
    if approval is None:
        return None
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta"))
    return approval.at.replace(tzinfo=UTC).astimezone(zone).date()


# --- designating the approver ------------------------------------------------------------------

_NIP = re.compile(r"\d{18}")


class DesignationRefused(Exception):
    """An approver designation the rules refuse; the message is for the administrator."""


@dataclass(frozen=True)
class OfficialInput:
    """An agency user's part in the agency and their signature block."""

    head: bool
    full_name: str
    nip: str
    rank: str
    position: str


def official_problems(values: OfficialInput) -> dict[str, str]:
    """Per field, what is wrong (an approver is printed: name and position needed)."""
    problems: dict[str, str] = {}
    nip = re.sub(r"\s+", "", values.nip)
    if nip and not _NIP.fullmatch(nip):
        problems["nip"] = _("A NIP has 18 digits.")
    if values.head and not values.full_name.strip():
        problems["full_name"] = _("The head's full name is printed on documents: enter it.")
    if values.head and not values.position.strip():
        problems["position"] = _("The head's position is printed on documents: enter it.")
    for name, limit in (("full_name", 200), ("rank", 100), ("position", 200)):
        if len(getattr(values, name)) > limit:
            problems[name] = _("At most %(n)d characters.", n=limit)
    return problems


def designate(user: User, values: OfficialInput, *, by: User | None) -> bool:
    """Make an agency user its head (approver) or an operator, with their signature block.

    Several approvers per agency are allowed (a head and the official designated for when
    the head is away). False when nothing changed. The caller commits.
    """
    if user.role != Role.AGENCY or user.agency_id is None:
        raise DesignationRefused(_("Only a user of an agency approves for it."))
    problems = official_problems(values)
    if problems:
        raise DesignationRefused(" ".join(problems.values()))
    before = _official_record(user)
    user.agency_role = AgencyRole.HEAD if values.head else AgencyRole.OPERATOR
    user.full_name = values.full_name.strip()
    user.nip = re.sub(r"\s+", "", values.nip)
    user.rank = values.rank.strip()
    user.position = values.position.strip()
    after = _official_record(user)
    if before == after:
        return False
    db.session.flush()
    audit.record(
        "user.agency_role_changed",
        "user",
        user.id,
        user=by,
        agency_id=user.agency_id,
        old=before,
        new=after,
    )
    return True


def _official_record(user: User) -> dict[str, str]:
    return {
        "agency_role": str(user.agency_role or AgencyRole.OPERATOR),
        "full_name": user.full_name,
        "nip": user.nip,
        "rank": user.rank,
        "position": user.position,
    }


def heads_of(agency_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .filter_by(agency_id=agency_id, role=Role.AGENCY, agency_role=AgencyRole.HEAD)
            .order_by(User.username)
        )
    )


# --- what the submit page shows ----------------------------------------------------------------


@dataclass(frozen=True)
class DimensionSummary:
    code: str
    name: object  # the instrument's Text
    answered: int
    total: int
    not_applicable: int
    evidence_files: int
    index: Fraction | None


@dataclass(frozen=True)
class WithoutEvidence:
    """An answered indicator without any evidence file; `required` when it blocks sending."""

    dimension_code: str
    code: str
    question: object  # Text
    required: bool


@dataclass(frozen=True)
class SubmissionSummary:
    """Everything the operator and the head read before the final click."""

    index: Fraction | None
    level: int | None
    level_name: object | None  # Text
    predicate: object | None  # Text
    dimensions: tuple[DimensionSummary, ...]
    not_applicable: int
    answered: int
    total: int
    without_evidence: tuple[WithoutEvidence, ...]
    missing: tuple[MissingAnswer, ...]


def submission_summary(assessment: Assessment) -> SubmissionSummary:
    """The provisional (self-assessed) index, how many "Tidak berlaku", which answers have no
    evidence, per dimension, and what still blocks sending."""
    instrument = questionnaire(assessment)
    codes = dimension_codes(assessment, instrument)
    answers = answers_by_code(assessment)
    files = evidence_counts(assessment)
    scored = score(assessment)
    by_dimension = {d.dimension.code: d for d in scored.dimensions}
    rows = []
    without = []
    for code in codes:
        dimension = instrument.dimension(code)
        assert dimension is not None
        answered = not_applicable = evidence = 0
        for indicator in dimension.indicators:
            row = answers.get(indicator.code)
            value = answer_value(row) if row is not None else None
            evidence += files.get(indicator.code, 0)
            if value is None or not indicator.is_answered(value):
                continue
            answered += 1
            if value.not_applicable:
                not_applicable += 1
                continue
            if files.get(indicator.code, 0) == 0:
                try:
                    points = indicator.score(value)
                except ValueError:
                    points = None
                without.append(
                    WithoutEvidence(
                        code,
                        indicator.code,
                        indicator.question,
                        required=indicator.needs_evidence(points),
                    )
                )
        scored_dimension = by_dimension.get(code)
        rows.append(
            DimensionSummary(
                code,
                dimension.name,
                answered,
                len(dimension.indicators),
                not_applicable,
                evidence,
                scored_dimension.index if scored_dimension is not None else None,
            )
        )
    maturity = scored.maturity
    level = maturity.level if maturity is not None else None
    return SubmissionSummary(
        index=scored.index,
        level=level,
        level_name=instrument.level_name(level) if level is not None else None,
        predicate=maturity.name if maturity is not None else None,
        dimensions=tuple(rows),
        not_applicable=sum(r.not_applicable for r in rows),
        answered=sum(r.answered for r in rows),
        total=sum(r.total for r in rows),
        without_evidence=tuple(without),
        missing=tuple(missing_for(assessment)),
    )
