"""Batch printing in the background, started from the admin pages, delivered as one ZIP file.

A print job runs the same batch as `flask print` (`services.batch.print_batch`): every final
assessment's signed report and/or certificate, issued through the registry. A national print
job (`start_awards`, the ministry's pages) prints a final national year's award certificates
to regions the same way (`services.batch.print_awards`). Where it runs:

- `REDIS_URL` set: as a job on an RQ queue (`PRINT_QUEUE`), executed by
  `flask --app app print-worker`. The job lives in Redis, so a web worker restart loses
  nothing; if the print worker itself dies mid-run, RQ's retry (or a new start) claims the
  job again once its heartbeat is stale.
- otherwise: a daemon thread of the web process. Simple, but it ends with that process; the
  status page then shows the job as interrupted (no heartbeat for `PRINT_STALE_SECONDS`) and
  the administrator starts it again (documents already issued are reused, not re-issued).

Progress (`done` of `total` documents) and a heartbeat are written to the `print_jobs` row after
every document; the result is `<instance>/print-jobs/<id>.zip` with the PDFs and the manifest.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import Agency, NationalPeriod, Period, PrintJob, User, utcnow
from ..region_context import working_in
from . import audit
from .batch import (
    KINDS,
    MANIFEST,
    BatchError,
    award_regions,
    planned,
    planned_awards,
    print_awards,
    print_batch,
)

log = logging.getLogger(__name__)

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
FINISHED = (DONE, FAILED)
INTERRUPTED = "interrupted"  # never stored: a running job whose runner has ended (is_stalled)

STATE_NAMES = {
    QUEUED: _l("waiting"),
    RUNNING: _l("printing"),
    DONE: _l("done"),
    FAILED: _l("failed"),
    INTERRUPTED: _l("interrupted"),
}


class PrintJobRefused(Exception):
    """The job cannot start (unknown kind or agency, nothing final to print); says why."""


# --- starting --------------------------------------------------------------------------------


def start(period: Period, what: str, agency_code: str, user: User, language: str) -> PrintJob:
    """Record a print job and hand it to the queue (or a background thread)."""
    if what not in KINDS:
        raise PrintJobRefused(f"unknown document kind {what!r}")
    agency_code = agency_code.strip().upper()
    if agency_code and db.session.scalar(select(Agency.id).filter_by(code=agency_code)) is None:
        raise PrintJobRefused(f"agency {agency_code} does not exist")
    try:
        planned(period.year, agency_code or None, what)
    except BatchError as error:
        raise PrintJobRefused(str(error)) from error
    return _queued(
        PrintJob(period_id=period.id, what=what, agency_code=agency_code),
        user,
        language,
        {"what": what, "agency": agency_code or None},
    )


AWARD = "award"  # a national print job's `what`


def start_awards(period: NationalPeriod, region_code: str, user: User, language: str) -> PrintJob:
    """Record a print job of a final national year's award certificates (every region that
    earns one, or only `region_code`'s) and hand it to the queue (or a background thread)."""
    region_code = region_code.strip()
    try:
        planned_awards(period.year, region_code or None)
    except BatchError as error:
        raise PrintJobRefused(str(error)) from error
    return _queued(
        PrintJob(national_period_id=period.id, what=AWARD, region_code=region_code),
        user,
        language,
        {"what": AWARD, "national_year": period.year, "region": region_code or None},
    )


def _queued(job: PrintJob, user: User, language: str, described: dict) -> PrintJob:
    """Record the job (audited with `described`) and hand it over to its runner."""
    job.language = language
    job.status = QUEUED
    job.runner = "rq" if redis_url() else "thread"
    job.created_by_id = user.id
    db.session.add(job)
    db.session.flush()
    audit.record(
        "print_job.started",
        "print_job",
        job.id,
        user=user,
        period_id=job.period_id,
        new={**described, "runner": job.runner},
    )
    db.session.commit()
    _hand_over(job)
    return job


def _hand_over(job: PrintJob) -> None:
    """To the RQ queue, or to a background thread of this process (module docstring)."""
    if job.runner == "rq":
        _queue().enqueue(
            "smartcity.worker.run_print_job",
            job.id,
            job_id=f"smartcity-print-{job.id}",
            job_timeout=current_app.config["PRINT_JOB_TIMEOUT"],
            result_ttl=3600,
            failure_ttl=86400,
        )
    else:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        thread = threading.Thread(
            target=_run_in_thread, args=(app, job.id), name=f"print-job-{job.id}", daemon=True
        )
        thread.start()
        _threads[job.id] = thread


# the background threads of this process, by job id (tests wait on them)
_threads: dict[int, threading.Thread] = {}


def wait_for_thread(job_id: int, timeout: float | None = None) -> None:
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)


def redis_url() -> str:
    return str(current_app.config.get("REDIS_URL") or "")


def _queue():
    from redis import Redis
    from rq import Queue

    return Queue(current_app.config["PRINT_QUEUE"], connection=Redis.from_url(redis_url()))


def run_worker(burst: bool = False) -> None:
    """Execute queued print jobs (the `print-worker` command); needs an app context."""
    from rq import Worker

    queue = _queue()
    # a forked work horse per job keeps a crashed job from taking the worker with it
    worker_class = _burst_worker_class() if burst else Worker
    # with the scheduler: a job retried after a delay (a notification mail) is run again
    worker_class([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)


def _burst_worker_class():
    """A worker that empties the queue and stops (`print-worker --burst`).

    It does not listen on RQ's command channel (stop, kill): it is gone before anyone could
    send one, and RQ's listener waits up to 60 s for its channel to close, so a burst run
    sometimes took a minute longer than its jobs."""
    from rq import SimpleWorker

    class BurstWorker(SimpleWorker):
        def subscribe(self) -> None:
            """No command channel: see `_burst_worker_class`."""

        def unsubscribe(self) -> None:
            """No command channel: see `_burst_worker_class`."""

    return BurstWorker


# --- running ---------------------------------------------------------------------------------


def _run_in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()


def run(job_id: int) -> str:
    """Claim the job, print the batch, pack the ZIP; returns the final status."""
    if not _claim(job_id):
        return "skipped"
    job = db.session.get(PrintJob, job_id)
    assert job is not None
    work_dir = Path(tempfile.mkdtemp(prefix=f"print-job-{job_id}-", dir=_jobs_dir()))
    try:
        creator = job.created_by.username if job.created_by else None
        processes = current_app.config["PRINT_PROCESSES"]
        if job.period is None:
            # the ministry's awards: no region's, read across every region
            with working_in(None):
                entries = print_awards(
                    job.year,
                    work_dir,
                    region_code=job.region_code or None,
                    processes=processes,
                    progress=lambda done, total: _progress(job_id, done, total),
                    by=creator,
                )
        else:
            # a worker serves every region: the job runs in its period's
            with working_in(job.period.region_id):
                entries = print_batch(
                    job.period.year,
                    work_dir,
                    agency_code=job.agency_code or None,
                    what=job.what,
                    processes=processes,
                    progress=lambda done, total: _progress(job_id, done, total),
                    by=creator,
                )
        name = f"{job_id}.zip"
        digest = _pack(work_dir, _jobs_dir() / name)
        _finish(job_id, DONE, documents=len(entries), archive=name, archive_sha256=digest)
        return DONE
    except BatchError as error:
        db.session.rollback()
        _finish(job_id, FAILED, error=str(error))
        return FAILED
    except Exception as error:  # noqa: BLE001 - recorded for the administrator, then logged
        db.session.rollback()
        log.exception("print job %s failed", job_id)
        _finish(job_id, FAILED, error=f"{type(error).__name__}: {error}")
        return FAILED
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _claim(job_id: int) -> bool:
    """queued -> running, or a stalled running job taken over; one runner wins."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["PRINT_STALE_SECONDS"])
    result = db.session.execute(
        update(PrintJob)
        .where(
            PrintJob.id == job_id,
            or_(
                PrintJob.status == QUEUED,
                (PrintJob.status == RUNNING) & (PrintJob.heartbeat_at < stale),
            ),
        )
        .values(status=RUNNING, started_at=now, heartbeat_at=now, done=0, error="")
    )
    db.session.commit()
    return result.rowcount == 1


def _progress(job_id: int, done: int, total: int) -> None:
    db.session.execute(
        update(PrintJob)
        .where(PrintJob.id == job_id)
        .values(done=done, total=total, heartbeat_at=utcnow())
    )
    db.session.commit()


def _finish(job_id: int, status: str, **values: object) -> None:
    db.session.execute(
        update(PrintJob)
        .where(PrintJob.id == job_id)
        .values(status=status, finished_at=utcnow(), heartbeat_at=utcnow(), **values)
    )
    db.session.commit()


def _pack(work_dir: Path, target: Path) -> str:
    """ZIP the PDFs and the manifest (stored, not compressed: PDFs are compressed already)."""
    partial = target.with_suffix(".zip.part")
    files = sorted(p for p in work_dir.iterdir() if p.suffix == ".pdf") + [work_dir / MANIFEST]
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in files:
            archive.write(path, arcname=path.name)
    partial.replace(target)
    digest = hashlib.sha256()
    with target.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _jobs_dir() -> Path:
    folder = Path(current_app.config["PRINT_JOBS_PATH"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- reading ---------------------------------------------------------------------------------


def jobs_for(period: Period, limit: int = 20) -> list[PrintJob]:
    query = (
        select(PrintJob).filter_by(period_id=period.id).order_by(PrintJob.id.desc()).limit(limit)
    )
    return list(db.session.scalars(query))


def regions_to_print(period: NationalPeriod) -> list:
    """The regions of a final national year whose award a print job prints, in ranking
    order (`batch.award_regions`)."""
    return award_regions(period)


def award_jobs_for(period: NationalPeriod, limit: int = 20) -> list[PrintJob]:
    query = (
        select(PrintJob)
        .filter_by(national_period_id=period.id)
        .order_by(PrintJob.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def archive_name(job: PrintJob) -> str:
    """The ZIP file's name as downloaded."""
    if job.is_national:
        return f"penghargaan-{job.year}-{job.region_code or 'semua'}.zip"
    return f"smartcity-{job.year}-{job.agency_code or 'all'}-{job.what}.zip"


def is_stalled(job: PrintJob) -> bool:
    """Running, but no sign of life for PRINT_STALE_SECONDS: its runner has ended."""
    if job.status != RUNNING or job.heartbeat_at is None:
        return False
    limit = timedelta(seconds=current_app.config["PRINT_STALE_SECONDS"])
    return utcnow() - job.heartbeat_at > limit


@dataclass(frozen=True)
class JobState:
    """Where a print job stands, as its pages ask it: one flag per question, no status names."""

    name: str  # queued, running, done, failed or interrupted (the page's data-state)
    label: str  # in the user's language: "waiting", "printing", ...
    in_progress: bool  # queued, or running with its runner alive: the page refreshes itself
    interrupted: bool  # the runner ended mid-run: start it again
    failed: bool  # the job's error is shown


def state_of(job: PrintJob) -> JobState:
    name = INTERRUPTED if is_stalled(job) else job.status
    return JobState(
        name=name,
        label=str(STATE_NAMES.get(name, STATE_NAMES[QUEUED])),
        in_progress=name in (QUEUED, RUNNING),
        interrupted=name == INTERRUPTED,
        failed=name == FAILED,
    )


def archive_path(job: PrintJob) -> Path | None:
    if job.status != DONE or not job.archive:
        return None
    path = _jobs_dir() / job.archive
    return path if path.is_file() else None
