"""Batch printing from the admin pages: a background job with progress and a ZIP download.

Without REDIS_URL the job runs in a thread of the web process; with it, on an RQ queue that a
separate `flask print-worker` empties, so the job outlives the web worker that started it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import IssuedDocument, PrintJob, utcnow
from smartcity.services import print_jobs

from .helpers import redis_or_skip

# jobs run in a background thread, an RQ worker or worker processes
pytestmark = pytest.mark.commits


@pytest.fixture
def printing(demo_history, tmp_path):
    demo_history.config["PRINT_PROCESSES"] = 1  # one process: the test machine has two cores
    demo_history.config["PRINT_JOBS_PATH"] = str(tmp_path / "print-jobs")
    return demo_history


def start_job(client, year=2025, what="certificate", agency="DISKOMINFO"):
    return client.post(f"/periods/{year}/print", data={"what": what, "agency": agency})


def job_row(app, job_id: int) -> PrintJob:
    with app.app_context():
        row = db.session.get(PrintJob, job_id)
        db.session.expunge(row)
        return row


def job_id_from(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def download(client, job_id: int):
    response = client.get(f"/print-jobs/{job_id}/download")
    response.get_data()  # read it all, then let go of the file
    response.close()
    return response


def zip_contents(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def assert_zip_matches_registry(app, files: dict[str, bytes]) -> list[dict[str, str]]:
    manifest = list(csv.DictReader(io.StringIO(files["manifest.csv"].decode())))
    assert manifest, "the manifest lists the documents"
    assert sorted(files) == sorted([row["file"] for row in manifest] + ["manifest.csv"])
    with app.app_context():
        for row in manifest:
            content = files[row["file"]]
            assert hashlib.sha256(content).hexdigest() == row["sha256"]
            document = db.session.scalar(select(IssuedDocument).filter_by(code=row["code"]))
            assert document is not None and document.content == content
    return manifest


def test_a_job_in_the_background_thread_prints_and_offers_the_zip(printing, client, auth):
    auth.login("admin")
    job_id = job_id_from(start_job(client, what="all", agency="DISKOMINFO"))
    print_jobs.wait_for_thread(job_id, timeout=120)

    row = job_row(printing, job_id)
    # "all": the report, the certificate and the Berita Acara (issue 16)
    assert (row.status, row.runner, row.done, row.total, row.documents) == (
        "done",
        "thread",
        3,
        3,
        3,
    )
    page = client.get(f"/print-jobs/{job_id}").get_data(as_text=True)
    assert 'data-state="done"' in page and 'http-equiv="refresh"' not in page
    assert f"/print-jobs/{job_id}/download" in page

    response = download(client, job_id)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert hashlib.sha256(response.data).hexdigest() == row.archive_sha256
    files = zip_contents(response.data)
    manifest = assert_zip_matches_registry(printing, files)
    assert sorted(r["file"] for r in manifest) == [
        "2025-DISKOMINFO-certificate.pdf",
        "2025-DISKOMINFO-minutes.pdf",
        "2025-DISKOMINFO-report.pdf",
    ]


def test_printing_again_reuses_the_issued_documents(printing, client, auth):
    auth.login("admin")
    first = job_id_from(start_job(client))
    print_jobs.wait_for_thread(first, timeout=120)
    second = job_id_from(start_job(client))
    print_jobs.wait_for_thread(second, timeout=120)
    a = zip_contents(download(client, first).data)
    b = zip_contents(download(client, second).data)
    assert a == b  # identical bytes: the registry hands out the same document
    with printing.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(IssuedDocument)) == 1


@pytest.mark.parametrize(
    ("year", "what", "agency", "expected"),
    [
        (2026, "all", "", "no final assessment"),  # the open period: nothing final yet
        (2025, "poster", "", "Choose which documents"),
        (2025, "all", "NOPE", "NOPE"),
    ],
)
def test_a_job_that_cannot_run_is_refused_before_it_starts(
    printing, client, auth, english, year, what, agency, expected
):
    auth.login("admin")
    response = start_job(client, year=year, what=what, agency=agency)
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
    with printing.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(PrintJob)) == 0


def test_a_running_job_shows_progress_and_refreshes_itself(printing, client, auth):
    auth.login("admin")
    with printing.app_context():
        period_id = db.session.scalar(select(PrintJob.period_id).limit(1))  # none yet
        assert period_id is None
        from smartcity.services.region import find_period

        job = PrintJob(
            period_id=find_period(2025).id,
            what="report",
            status="running",
            runner="thread",
            total=12,
            done=5,
            heartbeat_at=utcnow(),
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    page = client.get(f"/print-jobs/{job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page
    assert 'value="5"' in page and 'max="12"' in page
    assert f"/print-jobs/{job_id}/download" not in page
    assert download(client, job_id).status_code == 404


def test_a_job_whose_runner_died_is_shown_interrupted_and_can_be_taken_over(printing, client, auth):
    auth.login("admin")
    with printing.app_context():
        from smartcity.services.region import find_period

        stale = utcnow() - timedelta(seconds=printing.config["PRINT_STALE_SECONDS"] + 60)
        job = PrintJob(
            period_id=find_period(2025).id,
            what="certificate",
            agency_code="DINKES",
            status="running",
            runner="thread",
            total=1,
            heartbeat_at=stale,
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    page = client.get(f"/print-jobs/{job_id}").get_data(as_text=True)
    assert 'data-state="interrupted"' in page and 'http-equiv="refresh"' not in page
    with printing.app_context():
        assert print_jobs.run(job_id) == "done"  # a new runner claims the stalled job
        assert print_jobs.run(job_id) == "skipped"  # and nobody claims it twice
    assert job_row(printing, job_id).status == "done"


def test_a_failing_batch_records_why(printing, client, auth, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(print_jobs, "print_batch", broken)
    auth.login("admin")
    job_id = job_id_from(start_job(client))
    print_jobs.wait_for_thread(job_id, timeout=60)
    row = job_row(printing, job_id)
    assert row.status == "failed" and "disk full" in row.error and row.archive == ""
    page = client.get(f"/print-jobs/{job_id}").get_data(as_text=True)
    assert "disk full" in page
    assert download(client, job_id).status_code == 404


def test_with_redis_the_job_waits_on_the_queue_and_outlives_the_web_app(printing, client, auth):
    url = "redis://127.0.0.1:6379/15"
    connection = redis_or_skip(url)
    queue_name = f"smartcity-print-test-{uuid.uuid4().hex[:8]}"
    printing.config.update(REDIS_URL=url, PRINT_QUEUE=queue_name)
    try:
        auth.login("admin")
        job_id = job_id_from(start_job(client, what="report", agency="DINKES"))
        row = job_row(printing, job_id)
        assert (row.status, row.runner) == ("queued", "rq")  # nothing runs in the web app

        # the web app is gone; a separate worker (here: a new app, as `flask print-worker`
        # makes) finds the job in Redis and runs it
        from smartcity.factory import create_app

        worker_app = create_app(
            {
                key: printing.config[key]
                for key in (
                    "SQLALCHEMY_DATABASE_URI",
                    "SECRET_KEY",
                    "REDIS_URL",
                    "PRINT_QUEUE",
                    "PRINT_PROCESSES",
                    "PRINT_JOBS_PATH",
                    "EVIDENCE_STORAGE_PATH",
                    "PUBLIC_BASE_URL",
                )
            }
        )
        with worker_app.app_context():
            print_jobs.run_worker(burst=True)
            db.session.remove()
            db.engine.dispose()
        row = job_row(printing, job_id)
        assert (row.status, row.documents) == ("done", 1)
        files = zip_contents(download(client, job_id).data)
        assert [r["file"] for r in assert_zip_matches_registry(printing, files)] == [
            "2025-DINKES-report.pdf"
        ]
    finally:
        for key in connection.scan_iter(f"rq:*{queue_name}*"):
            connection.delete(key)


def test_a_burst_worker_does_not_wait_on_the_command_channel(app, monkeypatch):
    """`print-worker --burst` stops when the queue is empty: RQ's command listener (its
    thread waits up to 60 s to let go of its channel) is not started for it."""
    import redis.client

    url = "redis://127.0.0.1:6379/15"
    connection = redis_or_skip(url)
    listeners = []
    real = redis.client.PubSub.run_in_thread

    def run_in_thread(pubsub, *args, **kwargs):
        listeners.append(kwargs.get("sleep_time"))
        return real(pubsub, *args, **kwargs)

    monkeypatch.setattr(redis.client.PubSub, "run_in_thread", run_in_thread)
    queue_name = f"smartcity-burst-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=url, PRINT_QUEUE=queue_name)
    try:
        with app.app_context():
            print_jobs.run_worker(burst=True)
    finally:
        for key in connection.scan_iter(f"rq:*{queue_name}*"):
            connection.delete(key)
    assert listeners == []
