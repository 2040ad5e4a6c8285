"""Signed PDF documents: issuing, downloading, revoking, and public verification.

Status codes, consistently with the rest of the app:
- 302 to the log-in page for anonymous users on every route except /verify;
- 404 when the user may not see the assessment or the document (ids reveal nothing),
  and for an unknown verification code;
- 403 when the user sees it but may not act: issuing or revoking by anyone but an admin
  (policy.can_issue_documents: documents are issued by admins and when a result becomes final;
  everyone who sees the data downloads them);
- 409 for the wrong moment: a report of a draft, a certificate of a non-final assessment or
  below CERTIFICATE_MIN_LEVEL, revoking a revoked document; nothing changes;
- 400 for a revocation without a reason or a verification without a file;
- 413 for an uploaded file above VERIFY_MAX_BYTES, 429 above VERIFY_UPLOAD_LIMIT;
- 303 to the download after issuing; POST /verify answers 200 whatever the verdict.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import limiter
from ..models import IssuedDocument
from ..policy import can_download_document, can_issue_documents
from ..services import documents as service
from ..services import store
from ..services.region import find_period
from .assessment import load_assessment
from .helpers import language

bp = Blueprint("documents", __name__)


def _refused(message: str, status: int):
    flash(message, "error")
    return render_template("documents/refused.html", message=message), status


def _issued(document: IssuedDocument):
    return redirect(url_for(".download", document_id=document.id), 303)


@bp.route("/assessments/<int:assessment_id>/report", methods=["POST"])
@login_required
def issue_report(assessment_id: int):
    assessment = load_assessment(assessment_id)
    if not can_issue_documents(current_user):
        abort(403)
    try:
        document = service.issue_report(assessment, current_user, language())
    except service.DocumentRefused as error:
        return _refused(str(error), 409)
    return _issued(document)


@bp.route("/assessments/<int:assessment_id>/certificate", methods=["POST"])
@login_required
def issue_certificate(assessment_id: int):
    assessment = load_assessment(assessment_id)
    if not can_issue_documents(current_user):
        abort(403)
    try:
        document = service.issue_certificate(assessment, current_user, language())
    except service.DocumentRefused as error:
        return _refused(str(error), 409)
    return _issued(document)


@bp.route("/periods/<int:year>/report", methods=["POST"])
@login_required
def issue_region_report(year: int):
    if not can_issue_documents(current_user):
        abort(403)
    period = find_period(year)
    if period is None:
        abort(404)
    document = service.issue_region_report(period, current_user, language())
    return _issued(document)


def _may_see(document: IssuedDocument) -> bool:
    return can_download_document(current_user, document.assessment, document.period_id)


def _load_document(document_id: int) -> IssuedDocument:
    document = store.get(IssuedDocument, document_id)
    if document is None or not _may_see(document):
        abort(404)
    return document


@bp.route("/documents/<int:document_id>/download")
@login_required
def download(document_id: int):
    return pdf_response(_load_document(document_id))


def pdf_response(document: IssuedDocument) -> Response:
    """An issued document as a download, exactly as signed."""
    name = service.download_name(document)
    return Response(
        document.content,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/documents/<int:document_id>/revoke", methods=["POST"])
@login_required
def revoke(document_id: int):
    document = _load_document(document_id)
    if not can_issue_documents(current_user):
        abort(403)
    reason = request.form.get("reason", "")
    try:
        service.revoke(document, current_user, reason)
    except service.RevokeRefused as error:
        return _refused(str(error), 400 if not reason.strip() else 409)
    flash(_("Document %(code)s is revoked.", code=document.code), "success")
    return redirect(url_for(".verify_code", code=document.code), 303)


@bp.route("/verify/<code>")
def verify_code(code: str):
    result = service.verify_code(code)
    status = 404 if result.outcome == service.UNKNOWN else 200
    page = render_template(
        "documents/verify_code.html",
        result=result,
        simulation_mark=service.SIMULATION_MARK,
        may_revoke=result.document is not None
        and service.may_revoke(current_user, result.document),
    )
    return page, status


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["VERIFY_UPLOAD_LIMIT"], methods=["POST"])
def verify_upload():
    if request.method == "GET":
        code = request.args.get("code", "").strip()
        if code:
            return redirect(url_for(".verify_code", code=service.normalise_code(code) or "-"))
        return render_template("documents/verify.html", result=None)
    limit = current_app.config["VERIFY_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        abort(413)
    upload = request.files.get("document")
    if upload is None or not upload.filename:
        flash(_("Choose a PDF file to check."), "error")
        return render_template("documents/verify.html", result=None), 400
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        abort(413)
    result = service.verify_bytes(data)
    return render_template(
        "documents/verify.html", result=result, simulation_mark=service.SIMULATION_MARK
    )
