"""Revoking an issued document: who may, and the reason kept in the registry and audit trail."""

from __future__ import annotations

import json

from flask_babel import gettext as _

from ...extensions import db
from ...models import IssuedDocument, User, utcnow
from ...policy import can_issue_documents
from .. import audit
from .registry import REVOKED
from .verification import DocumentInfo


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
