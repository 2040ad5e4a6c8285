"""Batch printing: the signed report, certificate and/or Berita Acara of every final assessment
of a period (and, for a closed period, its region Berita Acara).

The documents are issued through the registry (`services.documents`), exactly as one print
from the web would be: reused while the data is unchanged, a new version otherwise. With
`processes` > 1 the work is shared by worker processes; each issues its share and commits
its own rows. Each document's subject is distinct, so the workers never compete for a
version number.

How the workers start (`_start_method`):
- "fork" where it is safe: on Linux, from a process with a single thread (the command line,
  an RQ work horse). The parent warms up first (signing key, PDF renderer and stylesheet,
  templates) and the children inherit all of it, so a worker starts in milliseconds instead
  of the seconds a fresh interpreter needs (imports, WeasyPrint, fonts; docs/PERFORMANCE.md).
  Each child drops the database connections it inherited (`engine.dispose(close=False)`)
  and opens its own.
- "spawn" everywhere else: a fresh interpreter that builds its own app from the portable
  configuration and the same instance folder (so the same signing key). Forking a process
  that runs other threads (a web process printing in a background thread) copies locks
  those threads may hold at that moment, and the child can hang on them; macOS system
  libraries are not fork-safe (Python itself defaults to spawn there); Windows has no fork.

The big documents go to the workers first (reports by number of answers, then the
certificates), so no worker is left with a long report at the end while the other idles.

The PDFs are written to `out_dir` as `<year>-<AGENCY>-<kind>.pdf`, with `manifest.csv`
(file, code, sha256) next to them.

`print_awards` is the same batch for a final national year: the ministry's signed award
certificate (Piagam Penghargaan) of every region that earns one, as `<year>-<REGION>-award.pdf`.
"""

from __future__ import annotations

import csv
import hashlib
import multiprocessing
import os
import pickle
import pkgutil
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select

from .. import pdf, signing
from ..domain.workflow import Status
from ..extensions import db
from ..models import (
    Agency,
    Answer,
    Assessment,
    NationalPeriodStatus,
    Period,
    RegionSubmission,
    Role,
    SubmissionStatus,
    User,
)
from ..policy import administers_nation
from ..region_context import working_in
from . import documents, national_evaluation
from .region import find_period

KINDS = {
    "report": (documents.REPORT,),
    "certificate": (documents.CERTIFICATE,),
    "minutes": (documents.MINUTES,),
    "all": (documents.REPORT, documents.CERTIFICATE, documents.MINUTES),
}
MANIFEST = "manifest.csv"
# a spawned worker's initializer, named by its path: it builds an app (see smartcity.worker)
INIT_BATCH_PROCESS = "smartcity.worker:init_batch_process"
ISSUERS = {
    documents.REPORT: documents.issue_report,
    documents.CERTIFICATE: documents.issue_certificate,
    documents.MINUTES: documents.issue_minutes,
}


class BatchError(Exception):
    """The batch cannot run (unknown period or agency, nothing final); the message says why."""


@dataclass(frozen=True)
class ManifestEntry:
    file: str  # the file name inside out_dir
    code: str  # the verification code
    sha256: str  # of the file, as registered
    kind: str = ""
    agency_code: str = ""


@dataclass(frozen=True)
class _Job:
    assessment_id: int
    kind: str
    agency_code: str
    file: str
    answers: int = 0  # the assessment's answers: a report's size, to hand out big ones first
    # the period's region: a worker process issues in it (its numbers, letterhead, signers)
    region_id: int | None = None

    @property
    def size(self) -> int:
        """For ordering only: a report grows with its answers, a certificate is one page."""
        if self.kind == documents.REPORT:
            return self.answers + 1
        return 1 if self.kind in (documents.MINUTES, documents.REGION_MINUTES) else 0


def print_batch(
    year: int,
    out_dir: Path,
    *,
    agency_code: str | None = None,
    what: str = "all",
    processes: int = 1,
    progress: Callable[[int, int], None] | None = None,
    by: str | None = None,
    start_method: str | None = None,
) -> list[ManifestEntry]:
    """Issue and write the documents of the period's final assessments; returns the manifest.

    Runs inside an app context. `by` is the issuing user's name (default: the first active
    administrator). A certificate the rules refuse (below CERTIFICATE_MIN_LEVEL) is skipped.
    `start_method` ("fork" or "spawn") overrides how worker processes start; by default
    fork where it is safe, else spawn (module docstring).
    """
    if what not in KINDS:
        raise BatchError(f"unknown document kind {what!r}: use report, certificate, minutes or all")
    if processes < 1:
        raise BatchError("processes must be 1 or more")
    if start_method not in (None, "fork", "spawn"):
        raise BatchError(f"unknown start method {start_method!r}: use fork or spawn")
    user = _issuer(by)
    jobs = _jobs(year, agency_code, what)
    return _print(jobs, user.id, out_dir, processes, progress, start_method)


def print_awards(
    year: int,
    out_dir: Path,
    *,
    region_code: str | None = None,
    processes: int = 1,
    progress: Callable[[int, int], None] | None = None,
    by: str | None = None,
    start_method: str | None = None,
) -> list[ManifestEntry]:
    """Issue and write the award certificates of a final national year (every region that
    earns one, or only `region_code`'s); returns the manifest. `by` names a ministry
    administrator; without it the awards are issued as by the command line (no user)."""
    if processes < 1:
        raise BatchError("processes must be 1 or more")
    if start_method not in (None, "fork", "spawn"):
        raise BatchError(f"unknown start method {start_method!r}: use fork or spawn")
    user_id = _ministry_issuer(by)
    jobs = _award_jobs(year, region_code)
    return _print(jobs, user_id, out_dir, processes, progress, start_method)


def _print(
    jobs: list[_Job],
    user_id: int | None,
    out_dir: Path,
    processes: int,
    progress: Callable[[int, int], None] | None,
    start_method: str | None,
) -> list[ManifestEntry]:
    """Issue the jobs' documents here or in `processes` worker processes; write the manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    total = len(jobs)
    entries: list[ManifestEntry] = []
    if progress is not None:
        progress(0, total)
    if processes == 1:
        for done, job in enumerate(jobs, start=1):
            entry = _issue_one(job, user_id, str(out_dir))
            if entry is not None:
                entries.append(entry)
            if progress is not None:
                progress(done, total)
    else:
        # the development key is made once here, not raced for by the workers
        documents.signer_config()
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        method = start_method or _start_method()
        if method == "fork":
            _warm_up(app)
            if start_method is None:
                method = _start_method()  # still one thread after the warm-up
        if method == "fork":
            initializer, initargs = _init_forked_worker, (app,)
        else:
            # a fresh interpreter builds its app in the worker module (which imports the factory)
            initializer = pkgutil.resolve_name(INIT_BATCH_PROCESS)
            initargs = (_portable_config(app), app.instance_path)
        work = [(job, user_id, str(out_dir)) for job in _longest_first(jobs)]
        context = multiprocessing.get_context(method)
        with worker_pool(context, min(processes, total), initializer, initargs) as pool:
            for done, entry in enumerate(pool.imap_unordered(_worker, work), start=1):
                if entry is not None:
                    entries.append(entry)
                if progress is not None:
                    progress(done, total)
        db.session.expire_all()  # the workers' rows
    entries.sort(key=lambda e: e.file)
    write_manifest(out_dir / MANIFEST, entries)
    return entries


def write_manifest(path: Path, entries: list[ManifestEntry]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "code", "sha256"])
        for entry in entries:
            writer.writerow([entry.file, entry.code, entry.sha256])


def read_manifest(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _issuer(username: str | None) -> User:
    query = select(User).filter_by(active=True)
    if username:
        user = db.session.scalar(query.filter_by(username=username))
        if user is None:
            raise BatchError(f"no active user {username!r}")
        if user.role not in (Role.ADMIN, Role.EVALUATOR):
            raise BatchError(f"user {username!r} is not an administrator or evaluator")
        return user
    user = db.session.scalar(query.filter_by(role=Role.ADMIN).order_by(User.id).limit(1))
    if user is None:
        raise BatchError("there is no active administrator to issue the documents (use --by)")
    return user


def _ministry_issuer(username: str | None) -> int | None:
    if not username:
        return None
    user = db.session.scalar(select(User).filter_by(active=True, username=username))
    if user is None:
        raise BatchError(f"no active user {username!r}")
    if not administers_nation(user):
        raise BatchError(f"user {username!r} is not a ministry administrator")
    return user.id


def planned_awards(year: int, region_code: str | None) -> int:
    """How many award certificates a batch would issue; BatchError when it cannot run."""
    return len(_award_jobs(year, region_code))


def award_regions(period) -> list[national_evaluation.RankedRegion]:
    """The regions of a final national year whose stored level earns an award, in ranking
    order (`documents.award_refusal`'s rule, read from the ranking: two queries)."""
    return [r for r in national_evaluation.ranking(period) if _earns_award(r.index, r.level)]


def _earns_award(index, level: int | None) -> bool:
    return index is not None and level is not None and level >= documents.award_minimum()


def _award_jobs(year: int, region_code: str | None) -> list[_Job]:
    """One job per region of the final national year whose stored level earns an award, in
    ranking order (the refusal rules of `documents.award_refusal`, read from the ranking);
    one region's alone reads that region's stored result only."""
    period = national_evaluation.national_period(year)
    if period is None:
        raise BatchError(f"national period {year} does not exist")
    if period.status != NationalPeriodStatus.FINAL:
        raise BatchError(f"national period {year} is not final")
    if region_code:
        code = region_code.strip()
        submission = national_evaluation.get_submission(period, code)
        final = submission is not None and submission.status == SubmissionStatus.FINAL
        overall = national_evaluation.stored_result(submission) if final else None
        if submission is None or overall is None:
            raise BatchError(f"region {code} has no final result in national period {year}")
        earning = [(submission.id, code)] if _earns_award(overall.index, overall.level) else []
    else:
        earning = [(r.submission_id, r.code) for r in award_regions(period)]
    if not earning:
        which = f" for region {region_code.strip()}" if region_code else ""
        raise BatchError(f"national period {year} has no award to issue{which}")
    return [
        _Job(submission_id, documents.AWARD, code, f"{year}-{code}-award.pdf")
        for submission_id, code in earning
    ]


def planned(year: int, agency_code: str | None, what: str) -> int:
    """How many documents a batch would issue; BatchError when it cannot run."""
    if what not in KINDS:
        raise BatchError(f"unknown document kind {what!r}: use report, certificate, minutes or all")
    return len(_jobs(year, agency_code, what))


def _jobs(year: int, agency_code: str | None, what: str) -> list[_Job]:
    period = find_period(year)
    if period is None:
        raise BatchError(f"period {year} does not exist")
    answers = (
        select(func.count(Answer.id))
        .where(Answer.assessment_id == Assessment.id)
        .correlate(Assessment)
        .scalar_subquery()
    )
    query = (
        select(Assessment.id, Agency.code, answers)
        .join(Agency)
        .filter(Assessment.period_id == period.id, Assessment.status == Status.FINAL)
        .order_by(Agency.code)
    )
    if agency_code:
        agency = db.session.scalar(select(Agency).filter_by(code=agency_code.upper()))
        if agency is None:
            raise BatchError(f"agency {agency_code} does not exist")
        query = query.filter(Assessment.agency_id == agency.id)
    rows = list(db.session.execute(query))
    if not rows:
        which = f" of agency {agency_code.upper()}" if agency_code else ""
        raise BatchError(f"period {year} has no final assessment{which}")
    jobs = [
        _Job(
            assessment_id,
            kind,
            code,
            f"{year}-{code}-{kind}.pdf",
            answer_count,
            period.region_id,
        )
        for assessment_id, code, answer_count in rows
        for kind in KINDS[what]
    ]
    if documents.MINUTES in KINDS[what] and not agency_code and not period.is_open:
        # the region recap Berita Acara of the closed period (`assessment_id` is the period's)
        kind = documents.REGION_MINUTES
        jobs.append(_Job(period.id, kind, "", f"{year}-{kind}.pdf", region_id=period.region_id))
    return jobs


def _longest_first(jobs: list[_Job]) -> list[_Job]:
    """The order for the workers: the last documents handed out are the short ones."""
    return sorted(jobs, key=lambda job: -job.size)


def _issue_one(job: _Job, user_id: int | None, out_dir: str) -> ManifestEntry | None:
    """Issue (or reuse) one document and write its file; None when the rules refuse it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    language = app.config.get("BABEL_DEFAULT_LOCALE") or "id"
    with app.test_request_context(), working_in(job.region_id):
        user = db.session.get(User, user_id) if user_id is not None else None
        if job.kind == documents.REGION_MINUTES:
            subject = db.session.get(Period, job.assessment_id)
            issue = documents.issue_region_minutes
        elif job.kind == documents.AWARD:
            # an award's subject is the region's submission (`assessment_id` is its id)
            subject = db.session.get(RegionSubmission, job.assessment_id)
            issue = documents.issue_award
        else:
            subject, issue = db.session.get(Assessment, job.assessment_id), ISSUERS[job.kind]
        try:
            document = issue(subject, user, language)
        except documents.DocumentRefused:
            db.session.rollback()
            return None
        content = document.content
        entry = ManifestEntry(
            file=job.file,
            code=document.code,
            sha256=document.sha256,
            kind=job.kind,
            agency_code=job.agency_code,
        )
    if hashlib.sha256(content).hexdigest() != entry.sha256:  # pragma: no cover - a broken row
        raise RuntimeError(f"document {entry.code} does not match its registered hash")
    target = Path(out_dir) / job.file
    partial = target.with_suffix(".pdf.part")
    partial.write_bytes(content)
    partial.replace(target)
    return entry


# --- worker processes ------------------------------------------------------------------------

_worker_app: Flask | None = None

# a one-line page: enough to load fonts, the stylesheet and the signer before forking
_WARM_UP_HTML = "<!doctype html><html><body><p>smartcity</p></body></html>"


def _start_method() -> str:
    """ "fork" on Linux from a single-threaded process, "spawn" otherwise (module docstring)."""
    if not sys.platform.startswith("linux"):
        return "spawn"
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Linux has it
        return "spawn"
    if threading.current_thread() is not threading.main_thread():
        return "spawn"
    if threading.active_count() > 1:
        return "spawn"
    try:  # threads that Python does not know of (started by a C library)
        if len(os.listdir("/proc/self/task")) > 1:
            return "spawn"
    except OSError:  # pragma: no cover - no /proc: Python's own count above has to do
        pass
    return "fork"


def _warm_up(app: Flask) -> None:
    """What every worker needs, done once before forking so that the children inherit it.

    The signing key decrypted and pyHanko's signer built (signing.py caches both per
    process), the PDF stylesheet parsed (pdf.py), fonts and Pango initialised, the document
    templates compiled. Worth it because a warm parent (a second batch, the benchmark) pays
    nothing here, and a cold one pays once instead of once per worker.
    """
    static = Path(app.static_folder or "static")
    sample = pdf.render(_WARM_UP_HTML, static, [static / "css" / "pdf.css"])
    signing.sign(sample, documents.signer_config())
    for template in ("pdf/report.html", "pdf/certificate.html", "pdf/award.html"):
        app.jinja_env.get_template(template)


_STOPPING = (signal.SIGTERM, signal.SIGINT)


def worker_pool(context, processes: int, initializer: Callable, initargs: tuple):
    """The batch's process pool, whose workers end when the pool ends them.

    A worker inherits its parent's signal handlers: an RQ worker's SIGTERM handler (a warm
    shutdown) kept a batch worker alive through the pool's terminate(), and
    `print-worker --burst` waited for it for good. So the workers start with the stopping
    signals blocked, take the default handlers, then unblock them (`_started`): a worker told
    to stop before it got that far stops as soon as it does."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
    try:
        return context.Pool(processes, initializer=_started, initargs=(initializer, initargs))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _started(initializer: Callable, initargs: tuple) -> None:
    """In a new worker: the default handlers of the stopping signals, then its initializer."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)
    initializer(*initargs)


def _init_forked_worker(app: Flask) -> None:
    """In a forked child: the parent's app, but never the parent's database connections."""
    global _worker_app
    with app.app_context():
        for engine in db.engines.values():
            # forget the inherited pool without closing its connections: they are the
            # parent's (closing a PostgreSQL socket or SQLite handle here would break them)
            engine.dispose(close=False)
    _worker_app = app


def _portable_config(app: Flask) -> dict[str, Any]:
    """The app's configuration values that can travel to another process."""
    portable = {}
    for key, value in app.config.items():
        try:
            pickle.dumps(value)
        except Exception:  # noqa: BLE001 - anything that does not pickle stays behind
            continue
        portable[key] = value
    return portable


def use_worker_app(app: Flask) -> None:
    """In a spawned child (`smartcity.worker.init_batch_process`): the app it built."""
    global _worker_app
    _worker_app = app


def _worker(args: tuple[_Job, int | None, str]) -> ManifestEntry | None:
    assert _worker_app is not None
    with _worker_app.app_context():
        try:
            return _issue_one(*args)
        finally:
            db.session.remove()
