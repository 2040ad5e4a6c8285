"""The ministry's batch printing of a final national year's award certificates: start a
background job (services.print_jobs.start_awards), follow it, download its ZIP file.

Access: ministry administrators only (the national viewer and evaluators get 403, region roles
too), as only a region's administrators print its agencies' documents.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..formatting import select_locale
from ..models import NationalPeriod, NationalPeriodStatus, PrintJob
from ..policy import administers_nation
from ..services import national_evaluation, store
from ..services import print_jobs as service
from .print_jobs import job_rows

bp = Blueprint("national_print", __name__, url_prefix="/national/evaluations")


@bp.before_request
@login_required
def only_ministry_admins():
    if not administers_nation(current_user):
        abort(403)


def _final_period(year: int) -> NationalPeriod:
    period = national_evaluation.national_period(year)
    if period is None or period.status != NationalPeriodStatus.FINAL:
        abort(404)
    return period


def _kinds() -> dict[str, str]:
    return {service.AWARD: _("Certificates of award (Piagam Penghargaan)")}


@bp.route("/<int:year>/print", methods=["GET", "POST"])
def start(year: int):
    period = _final_period(year)
    earning = service.regions_to_print(period)
    chosen = ""
    status = 200
    if request.method == "POST":
        chosen = request.form.get("region", "").strip()[:20]
        if chosen and chosen not in {r.code for r in earning}:
            problem = _("Region %(code)s earns no award this year.", code=chosen)
        else:
            try:
                job = service.start_awards(period, chosen, current_user, select_locale())
            except service.PrintJobRefused as error:
                problem = str(error)
            else:
                flash(_("Printing started in the background."), "success")
                return redirect(url_for(".job", year=year, job_id=job.id), 303)
        flash(problem, "error")
        status = 400
    return render_template(
        "national_evaluation/print.html",
        period=period,
        earning=earning,
        chosen=chosen,
        rows=job_rows(
            service.award_jobs_for(period),
            lambda job: url_for(".job", year=year, job_id=job.id),
            _kinds(),
            _("All regions with an award"),
        ),
    ), status


def _load(year: int, job_id: int) -> PrintJob:
    found = store.get(PrintJob, job_id)
    if found is None or not found.is_national or found.year != year:
        abort(404)
    return found


@bp.route("/<int:year>/print-jobs/<int:job_id>")
def job(year: int, job_id: int):
    found = _load(year, job_id)
    links = {
        "start": url_for(".start", year=year),
        "start_label": _("Print the award certificates, national period %(year)s", year=year),
        "download": url_for(".download", year=year, job_id=found.id),
    }
    return render_template(
        "print_jobs/job.html",
        job=found,
        kinds=_kinds(),
        links=links,
        ready=service.archive_path(found) is not None,
    )


@bp.route("/<int:year>/print-jobs/<int:job_id>/download")
def download(year: int, job_id: int):
    found = _load(year, job_id)
    path = service.archive_path(found)
    if path is None:
        abort(404)
    name = service.archive_name(found)
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name)
