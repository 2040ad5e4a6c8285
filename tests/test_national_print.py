"""Printing a final national year's award certificates (views/national_print.py,
services.print_jobs.start_awards, services.batch.print_awards): the ministry administrator
starts a background job, follows it and downloads one ZIP file of signed awards with a manifest.

The national year is the one `seed-demo --national` finishes (2025): five regions earn an
award, Kabupaten Kotawaringin Barat (62.01, level 2) does not.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
import zipfile

import pytest
from sqlalchemy import func, select

from smartcity.extensions import db
from smartcity.models import IssuedDocument, PrintJob
from smartcity.region_context import working_in
from smartcity.services import batch, documents, print_jobs
from smartcity.services import national_evaluation as ne

from .helpers import redis_or_skip

# jobs run in a background thread or an RQ worker: their rows must outlive the request
pytestmark = pytest.mark.commits

YEAR = 2025
EARNING = ["62.02", "62.03", "62.04", "62.09", "62.71"]


@pytest.fixture
def printing(national_demo, tmp_path):
    national_demo.config["PRINT_PROCESSES"] = 1  # one process: the test machine has two cores
    national_demo.config["PRINT_JOBS_PATH"] = str(tmp_path / "print-jobs")
    return national_demo


def job_id_from(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def job_row(app, job_id: int) -> PrintJob:
    with app.app_context():
        row = db.session.get(PrintJob, job_id)
        db.session.expunge(row)
        return row


def zip_of(client, job_id: int) -> dict[str, bytes]:
    response = client.get(f"/national/evaluations/{YEAR}/print-jobs/{job_id}/download")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    data = response.get_data()
    response.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def current_awards(app) -> dict[str, str]:
    """Region code -> the code of its current award, as the results page links it."""
    with app.test_request_context(), working_in(None):
        period = ne.national_period(YEAR)
        codes = {s.id: s.region.code for s in ne.submissions(period)}
        return {codes[sid]: doc.code for sid, doc in documents.awards_of(period).items()}


def award_count(app) -> int:
    with app.app_context(), working_in(None):
        kind = IssuedDocument.kind == documents.AWARD
        return db.session.scalar(select(func.count(IssuedDocument.id)).where(kind))


def test_every_earned_award_is_printed_into_one_zip_reusing_the_issued_ones(printing, client, auth):
    issued_before = award_count(printing)
    auth.login("kementerian-admin")
    page = client.get(f"/national/evaluations/{YEAR}/print").get_data(as_text=True)
    assert "Semua wilayah yang memperoleh penghargaan (5)" in page
    assert 'value="62.01"' not in page  # below level 3: nothing to print

    job_id = job_id_from(client.post(f"/national/evaluations/{YEAR}/print", data={"region": ""}))
    print_jobs.wait_for_thread(job_id, timeout=120)

    row = job_row(printing, job_id)
    assert (row.status, row.runner, row.what, row.period_id) == ("done", "thread", "award", None)
    assert (row.done, row.total, row.documents) == (5, 5, 5)
    page = client.get(f"/national/evaluations/{YEAR}/print-jobs/{job_id}").get_data(as_text=True)
    assert 'data-state="done"' in page and 'http-equiv="refresh"' not in page

    files = zip_of(client, job_id)
    manifest = list(csv.DictReader(io.StringIO(files.pop("manifest.csv").decode())))
    assert sorted(files) == [f"{YEAR}-{code}-award.pdf" for code in EARNING]
    assert [row["file"] for row in manifest] == sorted(files)
    for line in manifest:
        assert hashlib.sha256(files[line["file"]]).hexdigest() == line["sha256"]
    # the certificates issued at finalization, reused (their data has not changed)
    awards = current_awards(printing)
    assert {line["file"][5:10]: line["code"] for line in manifest} == awards
    assert award_count(printing) == issued_before


def test_one_regions_award_alone(printing, client, auth):
    auth.login("kementerian-admin")
    job_id = job_id_from(
        client.post(f"/national/evaluations/{YEAR}/print", data={"region": "62.04"})
    )
    print_jobs.wait_for_thread(job_id, timeout=120)
    assert job_row(printing, job_id).region_code == "62.04"
    listed = client.get(f"/national/evaluations/{YEAR}/print").get_data(as_text=True)
    table = listed.split('data-testid="print-jobs"')[1]
    assert f'href="/national/evaluations/{YEAR}/print-jobs/{job_id}"' in table
    assert "Piagam Penghargaan" in table and "62.04" in table and "1 / 1" in table
    files = zip_of(client, job_id)
    assert sorted(files) == [f"{YEAR}-62.04-award.pdf", "manifest.csv"]
    response = client.get(f"/national/evaluations/{YEAR}/print-jobs/{job_id}/download")
    response.get_data()  # read it all, then let go of the file
    response.close()
    assert "penghargaan-2025-62.04.zip" in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("62.01", "Wilayah 62.01 tidak memperoleh penghargaan tahun ini."),  # level 2
        ("99.99", "Wilayah 99.99 tidak memperoleh penghargaan tahun ini."),  # no such region
    ],
)
def test_a_region_without_an_award_is_refused(printing, client, auth, region, message):
    auth.login("kementerian-admin")
    response = client.post(f"/national/evaluations/{YEAR}/print", data={"region": region})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with printing.app_context():
        assert db.session.scalar(select(func.count(PrintJob.id))) == 0


def test_the_batch_refuses_what_cannot_be_printed(printing):
    with printing.test_request_context(), working_in(None):
        with pytest.raises(batch.BatchError, match="national period 2031 does not exist"):
            batch.planned_awards(2031, None)
        with pytest.raises(batch.BatchError, match="62.01 has no award|no award to issue"):
            batch.planned_awards(YEAR, "62.01")
        with pytest.raises(batch.BatchError, match="region 99.99 has no final result"):
            batch.planned_awards(YEAR, "99.99")
        assert batch.planned_awards(YEAR, None) == 5


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("kementerian-evaluator", 403),
        ("kementerian-pimpinan", 403),
        ("admin", 403),  # the demo region's administrator
        ("admin-62.03", 403),
    ],
)
def test_only_ministry_administrators_print_awards(printing, client, auth, username, status):
    auth.login(username)
    assert client.get(f"/national/evaluations/{YEAR}/print").status_code == status
    assert client.post(f"/national/evaluations/{YEAR}/print").status_code == status


def test_a_national_job_is_not_reached_through_a_regions_print_pages(printing, client, auth):
    auth.login("kementerian-admin")
    job_id = job_id_from(
        client.post(f"/national/evaluations/{YEAR}/print", data={"region": "62.02"})
    )
    print_jobs.wait_for_thread(job_id, timeout=120)
    # under another year, and through the region's own print-job pages: not found
    assert client.get(f"/national/evaluations/2024/print-jobs/{job_id}").status_code == 404
    auth.logout()
    auth.login("admin")
    assert client.get(f"/print-jobs/{job_id}").status_code == 404
    assert client.get(f"/print-jobs/{job_id}/download").status_code == 404


def test_an_open_or_unknown_year_has_no_print_page(printing, client, auth):
    auth.login("kementerian-admin")
    assert client.get("/national/evaluations/2031/print").status_code == 404


def test_with_redis_an_award_job_waits_on_the_queue_for_a_print_worker(printing, client, auth):
    url = "redis://127.0.0.1:6379/15"
    connection = redis_or_skip(url)
    queue_name = f"smartcity-print-test-{uuid.uuid4().hex[:8]}"
    printing.config.update(REDIS_URL=url, PRINT_QUEUE=queue_name)
    try:
        auth.login("kementerian-admin")
        job_id = job_id_from(client.post(f"/national/evaluations/{YEAR}/print", data={}))
        assert (job_row(printing, job_id).status, job_row(printing, job_id).runner) == (
            "queued",
            "rq",
        )
        with printing.app_context():
            print_jobs.run_worker(burst=True)
            db.session.remove()
        row = job_row(printing, job_id)
        assert (row.status, row.documents) == ("done", 5)
        assert len(zip_of(client, job_id)) == 6  # five awards and the manifest
    finally:
        for key in connection.scan_iter(f"rq:*{queue_name}*"):
            connection.delete(key)


@pytest.mark.parametrize(
    ("username", "linked"), [("kementerian-admin", True), ("kementerian-pimpinan", False)]
)
def test_the_years_page_links_printing_for_its_administrators(
    printing, client, auth, username, linked
):
    auth.login(username)
    page = client.get(f"/national/evaluations/{YEAR}").get_data(as_text=True)
    assert (f'href="/national/evaluations/{YEAR}/print"' in page) is linked
