"""Evidence files: download and preview, only for those who may see the assessment."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, request, send_file
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage

from ..domain.filetypes import PREVIEWABLE
from ..domain.instrument import Dimension
from ..forms import evidence_field_name
from ..models import Assessment, Evidence, User
from ..policy import can_view_assessment
from ..services import evidence as service

bp = Blueprint("evidence", __name__)


def load_evidence(evidence_id: int) -> Evidence:
    """The file if the user may see its assessment; 404 otherwise, so ids reveal nothing."""
    row = service.get(evidence_id)
    if row is None or not can_view_assessment(current_user, row.assessment):
        abort(404)
    return row


def _send(row: Evidence, *, inline: bool):
    try:
        content = service.open_content(row)
    except FileNotFoundError:
        abort(404)
    response = send_file(
        content,
        mimetype=row.media_type,
        as_attachment=not inline,
        download_name=row.original_name,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # an agency's documents: never kept by shared proxies or the browser's disk cache
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/evidence/<int:evidence_id>")
@login_required
def download(evidence_id: int):
    return _send(load_evidence(evidence_id), inline=False)


@bp.route("/evidence/<int:evidence_id>/preview")
@login_required
def preview(evidence_id: int):
    row = load_evidence(evidence_id)
    if row.media_type not in PREVIEWABLE:
        abort(404)  # office files are only downloaded
    response = _send(row, inline=True)
    # shown on its own origin-less sandbox: nothing in the file can script the app
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    return service.format_size(size)


@bp.app_template_filter("filetype")
def filetype(media_type: str) -> str:
    return service.type_label(media_type)


# -- the dimension page's part: files chosen and remove buttons pressed in its form -----------


@dataclass
class EvidenceChanges:
    """What the dimension form's evidence part did; `refused` holds messages per indicator."""

    attached: int = 0
    removed: int = 0
    refused: dict[str, list[str]] = field(default_factory=dict)
    status: int = 200


def chosen_files(dimension: Dimension) -> list[tuple[str, FileStorage]]:
    """(indicator code, file) for every file chosen in the form (empty inputs left out)."""
    chosen = []
    for indicator in dimension.indicators:
        for upload in request.files.getlist(evidence_field_name(indicator)):
            if upload.filename:
                chosen.append((indicator.code, upload))
    return chosen


def apply_changes(assessment: Assessment, dimension: Dimension, user: User) -> EvidenceChanges:
    """Remove the files whose remove button was pressed, then attach the chosen files.

    Called after the typed answers were saved. Each refused file gets a message naming it;
    accepted files are kept whatever happens to the others.
    """
    changes = EvidenceChanges()
    statuses: set[int] = set()
    for raw in request.form.getlist("delete-evidence"):
        row = service.get(int(raw)) if raw.isdigit() else None
        if row is None or row.assessment_id != assessment.id:
            flash(_("That file is no longer attached."), "info")
            continue
        service.remove(row, user)
        changes.removed += 1
        flash(_("%(name)s was removed.", name=row.original_name), "success")
    for code, upload in chosen_files(dimension):
        try:
            service.attach(assessment, user, code, upload.filename or "", upload.stream)
        except service.EvidenceRefused as refusal:
            changes.refused.setdefault(code, []).append(str(refusal))
            statuses.add(refusal.status)
        else:
            changes.attached += 1
    if changes.attached:
        flash(
            ngettext("%(num)d file attached.", "%(num)d files attached.", changes.attached),
            "success",
        )
    if changes.refused:
        # the most telling status: too large first, then a wrong type
        changes.status = next((s for s in (413, 415) if s in statuses), 400)
        refused = sum(len(messages) for messages in changes.refused.values())
        flash(
            ngettext(
                "%(num)d file was not attached; see the message at its indicator.",
                "%(num)d files were not attached; see the messages at their indicators.",
                refused,
            ),
            "error",
        )
    return changes
