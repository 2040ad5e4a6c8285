"""Batch printing from the admin pages: start a background job, follow it, download the ZIP."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..formatting import select_locale
from ..models import PrintJob, Role
from ..services import print_jobs as service
from ..services import store
from ..services.agencies import all_agencies
from ..services.region import find_period
from .helpers import roles_required

bp = Blueprint("print_jobs", __name__)

KIND_CHOICES = ("all", "report", "certificate", "minutes")


def _kind_labels() -> dict[str, str]:
    return {
        "all": _("Reports, certificates and minutes"),
        "report": _("Result reports"),
        "certificate": _("Certificates"),
        "minutes": _("Minutes of the evaluation (Berita Acara)"),
    }


@bp.route("/periods/<int:year>/print", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def period_print(year: int):
    period = find_period(year)
    if period is None:
        abort(404)
    agencies = all_agencies()
    status = 200
    chosen = {"what": "all", "agency": ""}
    if request.method == "POST":
        chosen = {
            "what": request.form.get("what", ""),
            "agency": request.form.get("agency", "").strip().upper(),
        }
        problem = None
        if chosen["what"] not in KIND_CHOICES:
            problem = _("Choose which documents to print.")
        elif chosen["agency"] and chosen["agency"] not in {a.code for a in agencies}:
            problem = _("Unknown agency %(code)s.", code=chosen["agency"])
        if problem is None:
            try:
                job = service.start(
                    period, chosen["what"], chosen["agency"], current_user, _language()
                )
            except service.PrintJobRefused as error:
                problem = str(error)
            else:
                flash(_("Printing started in the background."), "success")
                return redirect(url_for(".job", job_id=job.id), 303)
        flash(problem, "error")
        status = 400
    return render_template(
        "print_jobs/period.html",
        period=period,
        agencies=agencies,
        chosen=chosen,
        kinds=_kind_labels(),
        rows=job_rows(
            service.jobs_for(period),
            lambda job: url_for(".job", job_id=job.id),
            _kind_labels(),
            _("All agencies"),
        ),
    ), status


@dataclass(frozen=True)
class JobRow:
    """One print job in a period's list, as the page shows it."""

    id: int
    url: str
    started: datetime | None
    documents: str  # which documents, in the reader's language
    limited_to: str  # the agency or region it is limited to, or "all ..."
    state: str
    done: int
    total: int


def job_rows(
    jobs: Iterable[PrintJob], url: Callable[[PrintJob], str], kinds: dict[str, str], every: str
) -> list[JobRow]:
    """The period's jobs for `print_jobs/_jobs.html`; `every`: the words for a job limited to
    nothing ("All agencies")."""
    return [
        JobRow(
            id=job.id,
            url=url(job),
            started=job.created_at,
            documents=kinds.get(job.what, job.what),
            limited_to=job.region_code or job.agency_code or every,
            state=service.state_of(job).label,
            done=job.done,
            total=job.total,
        )
        for job in jobs
    ]


@bp.app_template_filter("job_state")
def job_state(job: PrintJob) -> service.JobState:
    """Where a print job stands (`services.print_jobs.state_of`): pages ask its flags and read
    its label, never compare status names."""
    return service.state_of(job)


@bp.route("/print-jobs/<int:job_id>")
@roles_required(Role.ADMIN)
def job(job_id: int):
    found = _load(job_id)
    links = {
        "start": url_for(".period_print", year=found.year),
        "start_label": _("Print documents, period %(year)s", year=found.year),
        "download": url_for(".download", job_id=found.id),
    }
    return render_template(
        "print_jobs/job.html",
        job=found,
        kinds=_kind_labels(),
        links=links,
        ready=service.archive_path(found) is not None,
    )


@bp.route("/print-jobs/<int:job_id>/download")
@roles_required(Role.ADMIN)
def download(job_id: int):
    found = _load(job_id)
    path = service.archive_path(found)
    if path is None:
        abort(404)
    name = service.archive_name(found)
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name)


def _load(job_id: int) -> PrintJob:
    found = store.get(PrintJob, job_id)
    # a national job (the ministry's awards) has its pages under /national/evaluations/
    if found is None or found.is_national:
        abort(404)
    return found


def _language() -> str:
    return select_locale()
