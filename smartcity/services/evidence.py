"""Evidence files (data dukung): attaching, checking, listing and removing them."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from typing import BinaryIO

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain import filetypes
from ..extensions import db
from ..models import Assessment, Evidence, User, utcnow
from ..policy import can_edit_assessment
from ..storage import evidence_storage
from . import audit
from .assessments import AssessmentRefused, dimension_codes, instrument_for


class EvidenceRefused(Exception):
    """A file that is not attached; the message names it and says why (for the user)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status  # 413 too large, 415 wrong or unsupported type, 400 empty


def max_bytes() -> int:
    return int(current_app.config["EVIDENCE_MAX_BYTES"])


def clean_name(name: str) -> str:
    """The name as stored (NFC, no surrounding white space); `check_file` refuses unsafe names."""
    return filetypes.normal_name(name)


def _size(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _check_indicator(assessment: Assessment, indicator_code: str) -> None:
    instrument = instrument_for(assessment)
    dimension = instrument.dimension_of(indicator_code)
    if dimension is None or dimension.code not in dimension_codes(assessment, instrument):
        raise AssessmentRefused(_("Unknown indicator %(code)s.", code=indicator_code))


def _name_refusal(name: str, problem: str) -> EvidenceRefused:
    shown = filetypes.display_name(name)
    messages = {
        "empty_name": _(
            "A file without a name was not attached: give it a name and choose it again."
        ),
        "path": _(
            "%(name)s was not attached: a file name cannot contain a folder (/ or \\) or start "
            "with a dot. Rename the file and choose it again.",
            name=shown,
        ),
        "control_characters": _(
            "%(name)s was not attached: its name contains invisible control or text-direction "
            "characters. Rename the file and choose it again.",
            name=shown,
        ),
        "name_too_long": _(
            "%(name)s was not attached: its name is longer than %(max)d characters. "
            "Give it a shorter name and choose it again.",
            name=shown,
            max=filetypes.MAX_NAME,
        ),
    }
    return EvidenceRefused(messages[problem], 400)


def _content_refusal(name: str, verdict: filetypes.Verdict) -> EvidenceRefused:
    claimed = filetypes.LABELS.get(verdict.claimed or "", "?")
    if verdict.problem == "unsupported_name":
        message = _(
            "%(name)s was not attached: only %(types)s files are accepted.",
            name=name,
            types=filetypes.accepted_labels(),
        )
    elif verdict.problem == "unrecognised_content":
        message = _(
            "%(name)s was not attached: its name says %(claimed)s but its content is not "
            "a %(claimed)s file (accepted: %(types)s).",
            name=name,
            claimed=claimed,
            types=filetypes.accepted_labels(),
        )
    elif verdict.problem == "mismatch":
        message = _(
            "%(name)s was not attached: its name says %(claimed)s but its content is "
            "%(actual)s. Rename it or save it as %(claimed)s.",
            name=name,
            claimed=claimed,
            actual=filetypes.LABELS.get(verdict.media_type or "", "?"),
        )
    elif verdict.problem == "active_content":
        message = _(
            "%(name)s was not attached: it contains web page code, scripts or launch actions. "
            "Print or export it again as a plain %(claimed)s file.",
            name=name,
            claimed=claimed,
        )
    elif verdict.problem == "polyglot":
        message = _(
            "%(name)s was not attached: another file (for example an archive) is hidden after "
            "its %(claimed)s content. Save it again as a plain %(claimed)s file.",
            name=name,
            claimed=claimed,
        )
    elif verdict.problem == "archive_limits":
        message = _(
            "%(name)s was not attached: it would unpack to far more data than its size, or it "
            "holds too many parts, other archives or encrypted parts. Save it again without "
            "embedded files.",
            name=name,
        )
    else:  # "damaged"
        message = _(
            "%(name)s was not attached: the %(claimed)s file is damaged or incomplete. "
            "Save or scan it again.",
            name=name,
            claimed=claimed,
        )
    return EvidenceRefused(message, 415)


def check_file(name: str, stream: BinaryIO) -> tuple[str, int]:
    """The media type and size of an acceptable file; EvidenceRefused otherwise.

    The rules are `domain.filetypes`': a plain name, a size within the limit, not empty, and
    bytes that are exactly the type the name claims.
    """
    problem = filetypes.name_problem(name)
    if problem:
        raise _name_refusal(name, problem)
    name = filetypes.display_name(clean_name(name))
    size = _size(stream)
    limit = max_bytes()
    if size > limit:
        raise EvidenceRefused(
            _(
                "%(name)s was not attached: it is %(size)s, larger than the limit of "
                "%(limit)s per file.",
                name=name,
                size=format_size(size),
                limit=format_size(limit),
            ),
            413,
        )
    if size == 0:
        raise EvidenceRefused(_("%(name)s was not attached: the file is empty.", name=name), 400)
    verdict = filetypes.check(name, stream)
    if verdict.problem:
        raise _content_refusal(name, verdict)
    assert verdict.media_type is not None
    return verdict.media_type, size


def attach(
    assessment: Assessment, user: User, indicator_code: str, name: str, stream: BinaryIO
) -> Evidence:
    """Check and store one file and attach it to an answer; commits.

    Raises AssessmentRefused when the assessment cannot be changed by this user, and
    EvidenceRefused when the file is too large, empty or not of an accepted type.
    """
    if not can_edit_assessment(user, assessment):
        raise AssessmentRefused(_("This assessment can no longer be changed."))
    _check_indicator(assessment, indicator_code)
    media_type, size = check_file(name, stream)
    name = clean_name(name)
    stream.seek(0)
    digest = evidence_storage().put(stream)
    row = Evidence(
        assessment=assessment,
        indicator_code=indicator_code,
        sha256=digest,
        original_name=name,
        media_type=media_type,
        size=size,
        uploaded_by_id=user.id,
        uploaded_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "evidence.added",
        "evidence",
        row.id,
        user=user,
        assessment=assessment,
        new=_record(row),
    )
    db.session.commit()
    return row


def remove(evidence: Evidence, user: User) -> None:
    """Detach a file (the row and the bytes are kept for the trail); commits."""
    if evidence.deleted_at is not None:
        return
    if not can_edit_assessment(user, evidence.assessment):
        raise AssessmentRefused(_("This assessment can no longer be changed."))
    evidence.deleted_at = utcnow()
    evidence.deleted_by_id = user.id
    audit.record(
        "evidence.removed",
        "evidence",
        evidence.id,
        user=user,
        assessment=evidence.assessment,
        old=_record(evidence),
    )
    db.session.commit()


def _record(row: Evidence) -> dict[str, object]:
    return {
        "name": row.original_name,
        "sha256": row.sha256,
        "size": row.size,
        "type": row.media_type,
        "indicator": row.indicator_code,
    }


def get(evidence_id: int) -> Evidence | None:
    """An attached (not removed) file by id; the caller checks who may see it."""
    row = db.session.get(Evidence, evidence_id)
    if row is None or row.deleted_at is not None:
        return None
    return row


def attached(
    assessment: Assessment, indicator_codes: Iterable[str] | None = None
) -> dict[str, list[Evidence]]:
    """Attached files per indicator, oldest first."""
    query = (
        select(Evidence)
        .filter(Evidence.assessment_id == assessment.id, Evidence.deleted_at.is_(None))
        # the uploaders are mostly users already loaded (the agency's staff): no join per file
        .options(selectinload(Evidence.uploaded_by))
        .order_by(Evidence.uploaded_at, Evidence.id)
    )
    if indicator_codes is not None:
        query = query.filter(Evidence.indicator_code.in_(list(indicator_codes)))
    result: dict[str, list[Evidence]] = defaultdict(list)
    for row in db.session.scalars(query):
        result[row.indicator_code].append(row)
    return dict(result)


def open_content(evidence: Evidence) -> BinaryIO:
    return evidence_storage().open(evidence.sha256)


def format_size(size: int) -> str:
    """A size as people read it: "850 KB", "9.5 MB" (1 MB = 1024 KB, as Windows shows it)."""
    if size < 1024:
        return f"{format_decimal(size)} B"
    if size < 1024 * 1024:
        return f"{format_decimal(max(1, round(size / 1024)))} KB"
    return f"{format_decimal(round(size / (1024 * 1024), 1), format='#,##0.#')} MB"


def type_label(media_type: str) -> str:
    return filetypes.LABELS.get(media_type, media_type)
