"""Evidence files: download and preview for those who may see the assessment; files sent at once
by an agency's dimension page and a region's pillar page (one protocol, docs/AUTOSAVE.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain.filetypes import PREVIEWABLE
from ..domain.instrument import Dimension, Indicator
from ..extensions import csrf
from ..forms import evidence_field_name
from ..models import Answer, Assessment, Evidence, RegionEvidence, RegionSubmission, Role, User
from ..parsing import whole_number
from ..policy import (
    assembles_submissions,
    can_assemble_submission,
    can_edit_assessment,
    can_view_assessment,
    reads_submission,
)
from ..services import evidence as service
from ..services import national_evaluation
from ..services.assessments import AssessmentRefused, answer_value, get_assessment

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
        evidence_id = whole_number(raw)
        row = service.get(evidence_id) if evidence_id is not None else None
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
        # the most telling status: the storage full, too large, then a wrong type
        changes.status = next((s for s in (507, 413, 415) if s in statuses), 400)
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


# -- a file sent at once, as soon as it is chosen (static/js/evidence.js; docs/AUTOSAVE.md) ----
#
# One protocol, two places: an agency's files for its assessment and the region administrator's
# files for its submission to the ministry's evaluation. Each route only loads its object and
# checks who may change it; reading the request and every reply are shared below.

# the browser's random id of one upload: sent again unchanged when a reply was lost
UPLOAD_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

Reply = tuple[dict[str, Any], int]
AnyEvidence = Evidence | RegionEvidence
# the service's attach: (indicator code, file name, stream, upload key) -> (row, whether new)
Attach = Callable[[str, str, BinaryIO, str], tuple[AnyEvidence, bool]]


def problem(status: int, error: str, message: str, **extra: Any) -> Reply:
    return {"error": error, "message": message, **extra}, status


def _session_guard() -> Reply | None:
    """401 / 400 (CSRF) for the JSON routes, in that order: an ended session always hears 401,
    whatever else is wrong with the request. Each route checks its object's access after."""
    if not current_user.is_authenticated:
        return problem(
            401,
            "login_required",
            _("Your session has ended. Log in again; the file is kept in this browser."),
            login_url=url_for("auth.login"),
        )
    if current_app.config["WTF_CSRF_ENABLED"]:
        try:
            csrf.protect()
        except CSRFError:
            return problem(
                400,
                "csrf",
                _(
                    "This page is out of date (the security token is missing or expired). "
                    "Reload the page; the file is kept in this browser."
                ),
            )
    return None


def _json_guard(assessment: Assessment | None) -> Reply | None:
    """The session's refusals, then 404 / 403 / 409 for an agency's assessment."""
    refused = _session_guard()
    if refused:
        return refused
    if assessment is None or not can_view_assessment(current_user, assessment):
        return problem(404, "not_found", _("This assessment was not found."))
    if current_user.role != Role.AGENCY:
        return problem(403, "forbidden", _("Only the agency can change its evidence files."))
    if not can_edit_assessment(current_user, assessment):
        return problem(
            409,
            "not_editable",
            _("This assessment can no longer be changed; the file was not attached."),
        )
    return None


def _region_guard(submission: RegionSubmission | None) -> Reply | None:
    """The session's refusals, then 403 / 404 / 409 for a region's submission: a role check
    first, as autosave's; another region's submission is not found (tenancy)."""
    refused = _session_guard()
    if refused:
        return refused
    if not assembles_submissions(current_user):
        return problem(
            403, "forbidden", _("Only the region's administrator can change its evidence files.")
        )
    if submission is None or not reads_submission(current_user, submission):
        return problem(404, "not_found", _("This submission was not found."))
    if not can_assemble_submission(current_user, submission):
        return problem(
            409,
            "not_editable",
            _("This submission cannot be changed now; the file was not attached."),
        )
    return None


def _region_submission(submission_id: int) -> tuple[RegionSubmission | None, Reply | None]:
    """The submission a region route changes, or the reply refusing it (`_region_guard`)."""
    submission = (
        national_evaluation.submission_by_id(submission_id)
        if current_user.is_authenticated
        else None
    )
    return submission, _region_guard(submission)


def uploaded(attach: Attach, refusals: dict[type[Exception], tuple[int, str]]) -> Reply:
    """Read the upload (`indicator`, `upload_key`, `file`), attach it and reply: the file's list
    entry (201 new, 200 the same upload again) or why not. `refusals` maps the service's other
    exceptions to their status and error."""
    try:
        chosen = request.files.get("file")
        code = request.form.get("indicator", "")
        key = request.form.get("upload_key", "")
    except RequestEntityTooLarge:
        return problem(
            413,
            "refused",
            _(
                "The file was not attached: it is larger than the limit of %(limit)s per file.",
                limit=service.format_size(service.max_bytes()),
            ),
        )
    if chosen is None or not code or not UPLOAD_KEY.match(key):
        return problem(
            400,
            "bad_request",
            _("The upload needs indicator, upload_key (8-64 letters, digits, - or _) and file."),
        )
    try:
        row, new = attach(code, chosen.filename or "", chosen.stream, key)
    except service.EvidenceRefused as refusal:
        # 422: the indicator is none the answers have, not the file's fault
        return problem(
            refusal.status, "invalid" if refusal.status == 422 else "refused", str(refusal)
        )
    except tuple(refusals) as error:
        status, kind = next(v for k, v in refusals.items() if isinstance(error, k))
        return problem(status, kind, str(error))
    return file_json(row), 201 if new else 200


@bp.route("/assessments/<int:assessment_id>/evidence", methods=["POST"])
@csrf.exempt  # checked in _json_guard, after the log-in check
def upload(assessment_id: int) -> Reply:
    """One evidence file, sent by the dimension page as soon as it is chosen (multipart:
    `indicator`, `upload_key`, `file`); JSON in reply, never a redirect."""
    assessment = get_assessment(assessment_id) if current_user.is_authenticated else None
    refused = _json_guard(assessment)
    if refused:
        return refused
    assert assessment is not None
    return uploaded(
        lambda code, name, stream, key: service.attach_upload(
            assessment, current_user, code, name, stream, key
        ),
        {AssessmentRefused: (422, "invalid")},
    )


@bp.route("/evidence/<int:evidence_id>/remove", methods=["POST"])
@csrf.exempt  # checked in _json_guard, after the log-in check
def remove(evidence_id: int) -> Reply:
    """Detach one file from the dimension page without saving the form; JSON in reply."""
    row = service.get(evidence_id) if current_user.is_authenticated else None
    refused = _json_guard(row.assessment if row is not None else None)
    if refused:
        if row is None and refused[1] == 404:
            return _no_longer_attached()
        return refused
    assert row is not None
    try:
        service.remove(row, current_user)
    except AssessmentRefused as error:
        return problem(409, "not_editable", str(error))
    return {"id": row.id, "removed": True}, 200


@bp.route("/national-evaluation/submissions/<int:submission_id>/evidence", methods=["POST"])
@csrf.exempt  # checked in _region_guard, after the log-in check
def upload_region(submission_id: int) -> Reply:
    """One evidence file for the region's submission, sent by the pillar page as soon as it is
    chosen: the dimension page's protocol (`upload`)."""
    submission, refused = _region_submission(submission_id)
    if refused:
        return refused
    assert submission is not None
    return uploaded(
        lambda code, name, stream, key: national_evaluation.attach_upload(
            submission, current_user, code, name, stream, key
        ),
        # handed on between the check above and the save
        {national_evaluation.EvaluationRefused: (409, "not_editable")},
    )


@bp.route(
    "/national-evaluation/submissions/<int:submission_id>/evidence/<int:evidence_id>/remove",
    methods=["POST"],
)
@csrf.exempt  # checked in _region_guard, after the log-in check
def remove_region(submission_id: int, evidence_id: int) -> Reply:
    """Detach one file from the pillar page without saving the form: as `remove`."""
    submission, refused = _region_submission(submission_id)
    if refused:
        return refused
    assert submission is not None
    row = national_evaluation.submission_evidence(submission, evidence_id)
    if row is None:
        return _no_longer_attached()
    try:
        national_evaluation.remove_evidence(submission, row, current_user)
    except national_evaluation.EvaluationRefused as error:
        return problem(409, "not_editable", str(error))
    return {"id": row.id, "removed": True}, 200


def _no_longer_attached() -> Reply:
    return problem(404, "not_found", _("That file is no longer attached."))


def file_json(row: AnyEvidence) -> dict[str, Any]:
    """An attached file for the page: its list entry rendered as the page renders it."""
    return {
        "id": row.id,
        "indicator": row.indicator_code,
        "name": row.original_name,
        "removed": row.deleted_at is not None,
        "html": render_template("assessment/_evidence_file.html", item=row, editable=True),
    }


@dataclass(frozen=True)
class FileLinks:
    """Where an attached file's list entry points."""

    download: str
    preview: str | None  # None: only downloaded
    remove: str  # the JSON route static/js/evidence.js calls
    # without script the form's own button removes it: its attributes
    form_remove: dict[str, str]


@bp.app_template_global()
def evidence_links(item: AnyEvidence) -> FileLinks:
    """The links of an agency's file (dimension page) or of a region's (pillar page)."""
    if isinstance(item, RegionEvidence):
        year = item.submission.national_period.year
        return FileLinks(
            download=url_for("national_submission.evidence", year=year, evidence_id=item.id),
            preview=None,
            remove=url_for(
                "evidence.remove_region", submission_id=item.submission_id, evidence_id=item.id
            ),
            form_remove={
                "formaction": url_for(
                    "national_submission.remove_evidence", year=year, evidence_id=item.id
                )
            },
        )
    return FileLinks(
        download=url_for("evidence.download", evidence_id=item.id),
        preview=(
            url_for("evidence.preview", evidence_id=item.id)
            if item.media_type in PREVIEWABLE
            else None
        ),
        remove=url_for("evidence.remove", evidence_id=item.id),
        form_remove={"name": "delete-evidence", "value": str(item.id)},
    )


@bp.app_template_global()
def evidence_rule(indicator: Indicator) -> dict[str, Any] | None:
    """Which answers of an indicator need an evidence file, for the page's script to warn as
    soon as such an answer is chosen (the same rule as `Indicator.needs_evidence` at submit)."""
    if indicator.evidence_from_level is None:
        return None
    return indicator.answer_kind.evidence_rule(indicator)


@bp.app_template_global()
def evidence_missing(indicator: Indicator, row: Answer | None, files: list[Evidence]) -> bool:
    """Whether the stored answer needs an evidence file and has none (shown without script)."""
    if row is None or files or indicator.evidence_from_level is None:
        return False
    try:
        return indicator.needs_evidence(indicator.score(answer_value(row)))
    except ValueError:  # a stored value the indicator cannot take: the save reports it
        return False
