"""Evidence files (data dukung): attaching, checking, listing and removing them."""

from __future__ import annotations

import errno
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app, g, has_request_context
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
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
        # 413 too large (or too many at once), 415 wrong or unsupported type, 400 empty,
        # 409 the indicator has as many files as allowed, 507 the storage is full
        self.status = status


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
            "%(name)s was not attached: it contains web page code, scripts, launch actions or "
            "embedded files. Print or export it again as a plain %(claimed)s file.",
            name=name,
            claimed=claimed,
        )
    elif verdict.problem == "encrypted":
        message = _(
            "%(name)s was not attached: it is encrypted (password-protected), so its content "
            "cannot be checked. Print it again as a PDF without protection.",
            name=name,
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
    real_name = clean_name(name)
    name = filetypes.display_name(real_name)  # shortened for messages only
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
    verdict = filetypes.check(real_name, stream)
    if verdict.problem:
        raise _content_refusal(name, verdict)
    assert verdict.media_type is not None
    return verdict.media_type, size


def max_files_per_indicator() -> int:
    return int(current_app.config["EVIDENCE_MAX_FILES_PER_INDICATOR"])


def max_files_per_request() -> int:
    return int(current_app.config["EVIDENCE_MAX_FILES_PER_REQUEST"])


def _check_counts(assessment: Assessment, indicator_code: str, name: str) -> None:
    """At most so many files in one request (whatever route sends them), and attached to one
    indicator; every file offered counts towards the request's limit, accepted or not."""
    shown = filetypes.display_name(name)
    if has_request_context():
        offered = g.get("evidence_files_offered", 0) + 1
        g.evidence_files_offered = offered
        if offered > max_files_per_request():
            raise EvidenceRefused(
                _(
                    "%(name)s was not attached: at most %(max)d files can be sent at once. "
                    "Choose it again after this save.",
                    name=shown,
                    max=max_files_per_request(),
                ),
                413,
            )
    attached = db.session.scalar(
        select(func.count())
        .select_from(Evidence)
        .where(
            Evidence.assessment_id == assessment.id,
            Evidence.indicator_code == indicator_code,
            Evidence.deleted_at.is_(None),
        )
    )
    if attached >= max_files_per_indicator():
        raise EvidenceRefused(
            _(
                "%(name)s was not attached: %(code)s already has %(max)d files, the most one "
                "indicator can have. Remove one first.",
                name=shown,
                code=indicator_code,
                max=max_files_per_indicator(),
            ),
            409,
        )


def attach(
    assessment: Assessment,
    user: User,
    indicator_code: str,
    name: str,
    stream: BinaryIO,
    *,
    upload_key: str | None = None,
) -> Evidence:
    """Check and store one file and attach it to an answer; commits.

    `upload_key` is the browser's id of a file sent at once (see `attach_upload`).

    Raises AssessmentRefused when the assessment cannot be changed by this user, and
    EvidenceRefused when the file is too large, empty or not of an accepted type, when too many
    files come at once or the indicator has as many as allowed, or when the storage is full.
    """
    if not can_edit_assessment(user, assessment):
        raise AssessmentRefused(_("This assessment can no longer be changed."))
    _check_indicator(assessment, indicator_code)
    _check_counts(assessment, indicator_code, name)
    stored = store_file(name, stream)
    name, media_type, size, digest = stored.name, stored.media_type, stored.size, stored.sha256
    row = Evidence(
        assessment=assessment,
        indicator_code=indicator_code,
        sha256=digest,
        original_name=name,
        media_type=media_type,
        size=size,
        uploaded_by_id=user.id,
        uploaded_at=utcnow(),
        upload_key=upload_key,
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


@dataclass(frozen=True)
class StoredFile:
    name: str  # the cleaned file name
    media_type: str
    size: int
    sha256: str


def store_file(name: str, stream: BinaryIO) -> StoredFile:
    """Check one file (`check_file`) and put its bytes into the evidence storage: an agency's
    or a region's (services.national_evaluation) data dukung."""
    media_type, size = check_file(name, stream)
    name = clean_name(name)
    stream.seek(0)
    try:
        digest = evidence_storage().put(stream)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        current_app.logger.error("evidence storage full: %s not stored (%s)", name, error)
        raise EvidenceRefused(
            _(
                "%(name)s was not attached: the storage for evidence files is full. Your "
                "answers are saved; choose the file again later, and tell the administrator.",
                name=filetypes.display_name(name),
            ),
            507,
        ) from error
    return StoredFile(name, media_type, size, digest)


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


def attach_upload(
    assessment: Assessment,
    user: User,
    indicator_code: str,
    name: str,
    stream: BinaryIO,
    upload_key: str,
) -> tuple[Evidence, bool]:
    """A file the page sent on its own as soon as it was chosen, attached through `attach`
    (the same checks); returns the row and whether it is new.

    On a weak connection the browser sends a file again when the reply was lost; an upload
    whose `upload_key` is already attached to the assessment is that file, not a second one.
    """
    earlier = _upload(assessment, upload_key)
    if earlier is not None:
        return earlier, False
    try:
        return attach(assessment, user, indicator_code, name, stream, upload_key=upload_key), True
    except IntegrityError:
        # the same upload, sent twice at once: the other request attached it
        db.session.rollback()
        earlier = _upload(assessment, upload_key)
        if earlier is None:
            raise
        return earlier, False


def _upload(assessment: Assessment, upload_key: str) -> Evidence | None:
    return db.session.scalar(
        select(Evidence).filter_by(assessment_id=assessment.id, upload_key=upload_key)
    )
