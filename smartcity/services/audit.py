"""The audit trail: an append-only record of who changed what, when, from which value to which."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Assessment, AuditEvent, User
from ..region_context import current_region_id


class AuditTrailIsAppendOnly(Exception):
    """Something tried to change or remove a recorded event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:  # noqa: ARG001 - SQLAlchemy's signature
    raise AuditTrailIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")


def _json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    action: str,
    subject_type: str,
    subject_id: object = "",
    *,
    user: User | None,
    assessment: Assessment | None = None,
    agency_id: int | None = None,
    period_id: int | None = None,
    old: Any = None,
    new: Any = None,
) -> AuditEvent:
    """Add an event to the session; it commits (or rolls back) with the change it describes."""
    if assessment is not None:
        agency_id = agency_id or assessment.agency_id
        period_id = period_id or assessment.period_id
    # the region worked in; else the acting user's (a log-in, before the request had one)
    region_id = current_region_id()
    if region_id is None and user is not None:
        region_id = user.region_id
    entry = AuditEvent(
        region_id=region_id,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        user_id=user.id if user is not None else None,
        assessment_id=assessment.id if assessment is not None else None,
        agency_id=agency_id,
        period_id=period_id,
        old_value=_json(old),
        new_value=_json(new),
    )
    db.session.add(entry)
    return entry


def decoded(text: str) -> Any:
    """The stored JSON value, or None when there was none."""
    return json.loads(text) if text else None


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    agency_id: int | None = None
    assessment_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def events(criteria: AuditFilter, *, limit: int = 100, offset: int = 0) -> list[AuditEvent]:
    """Matching events, newest first."""
    query = select(AuditEvent).options(joinedload(AuditEvent.user), joinedload(AuditEvent.agency))
    if criteria.user_id is not None:
        query = query.filter(AuditEvent.user_id == criteria.user_id)
    if criteria.agency_id is not None:
        query = query.filter(AuditEvent.agency_id == criteria.agency_id)
    if criteria.assessment_id is not None:
        query = query.filter(AuditEvent.assessment_id == criteria.assessment_id)
    if criteria.since is not None:
        query = query.filter(AuditEvent.at >= criteria.since)
    if criteria.until is not None:
        query = query.filter(AuditEvent.at < criteria.until)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
    return list(db.session.scalars(query))


def assessment_events(
    assessment: Assessment, page: int, size: int
) -> tuple[list[AuditEvent], bool]:
    """One page of an assessment's history, newest first, and whether more follow: its own
    events and the assignments of evaluators to it."""
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.user), joinedload(AuditEvent.agency))
        .filter(
            or_(
                AuditEvent.assessment_id == assessment.id,
                and_(
                    AuditEvent.subject_type == "assignment",
                    AuditEvent.agency_id == assessment.agency_id,
                    AuditEvent.period_id == assessment.period_id,
                ),
            )
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(size + 1)
        .offset((page - 1) * size)
    )
    rows = list(db.session.scalars(query))
    return rows[:size], len(rows) > size
