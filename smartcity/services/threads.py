"""Per-indicator threads: the agency answers an evaluator's note, the evaluator replies.

A thread starts with the evaluator's note on the indicator (the review's `note`) and goes on
with short messages from either side; every message is in the audit trail
("thread.message_added"). Who writes is `policy.can_discuss`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..domain.workflow import Status
from ..extensions import db
from ..models import Assessment, IndicatorMessage, Review, User
from ..policy import can_discuss
from . import audit
from .assessments import AssessmentRefused, applicable_codes, instrument_for

MAX_MESSAGE = 5000
AGENCY, TEAM = "agency", "team"

# states in which the agency reads the evaluator's notes (during the review they are drafts)
NOTES_SHOWN_TO_AGENCY = frozenset({Status.RETURNED, Status.VERIFIED, Status.FINAL})


@dataclass(frozen=True)
class Thread:
    code: str
    note: str  # the evaluator's note ("" when none, or not shown to this user yet)
    messages: tuple[IndicatorMessage, ...]


def messages_by_code(assessment: Assessment) -> dict[str, list[IndicatorMessage]]:
    """Every message of the assessment's threads, oldest first, by indicator code."""
    result: dict[str, list[IndicatorMessage]] = {}
    rows = db.session.scalars(
        select(IndicatorMessage)
        .filter_by(assessment_id=assessment.id)
        .options(joinedload(IndicatorMessage.author))
        .order_by(IndicatorMessage.created_at, IndicatorMessage.id)
    )
    for row in rows:
        result.setdefault(row.indicator_code, []).append(row)
    return result


def side_of(user: User, assessment: Assessment) -> str:
    return AGENCY if user.agency_id == assessment.agency_id else TEAM


def shows_notes(user: User, assessment: Assessment) -> bool:
    """Whether this user reads the evaluator's notes now: the team always, the agency once
    the assessment is returned or settled."""
    if side_of(user, assessment) == TEAM:
        return True
    return assessment.status in NOTES_SHOWN_TO_AGENCY


def thread(user: User, assessment: Assessment, code: str) -> Thread:
    note = ""
    if shows_notes(user, assessment):
        row = db.session.scalar(
            select(Review).filter_by(assessment_id=assessment.id, indicator_code=code)
        )
        note = row.note.strip() if row is not None else ""
    return Thread(code, note, tuple(messages_by_code(assessment).get(code, [])))


def post(user: User, assessment: Assessment, code: str, body: str) -> IndicatorMessage:
    """Add a message to the indicator's thread; AssessmentRefused says why not."""
    if not can_discuss(user, assessment):
        raise AssessmentRefused(_("Messages on this assessment cannot be written now."))
    if code not in applicable_codes(assessment, instrument_for(assessment)):
        raise AssessmentRefused(_("%(code)s is not an indicator of this assessment.", code=code))
    body = body.replace("\x00", "").strip()
    if not body:
        raise AssessmentRefused(_("Write a message first."))
    if len(body) > MAX_MESSAGE:
        raise AssessmentRefused(_("A message can be at most %(n)d characters long.", n=MAX_MESSAGE))
    side = side_of(user, assessment)
    row = IndicatorMessage(
        assessment_id=assessment.id,
        indicator_code=code,
        author_id=user.id,
        side=side,
        body=body,
        round=assessment.round,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "thread.message_added",
        "thread",
        code,
        user=user,
        assessment=assessment,
        new={"indicator_code": code, "side": side, "message": body, "id": row.id},
    )
    db.session.commit()
    return row
