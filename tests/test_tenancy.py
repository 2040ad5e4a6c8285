"""Regions as tenants: nobody of one region reaches anything of another.

Two regions (tests/helpers.py `add_second_region`): the demo, Kabupaten Kotawaringin Timur
(62.02), and Kabupaten Kotawaringin Barat (62.01), which has an agency with the same code
(DISKOMINFO), periods with the same years, a final assessment with signed documents, evidence,
and a user of every region role; plus the ministry's three national users.

The matrix: each region's pages are crawled as its users (every link and button they are
shown); then every user of the other region and every national user opens each of those URLs
and sends each of those forms. Pages about an object (an id in the URL) must answer 403 or
404; pages by year (`/periods/2026/region`) may answer, but with the visitor's own region:
no name, person or answer of the other region appears on them. Forms change nothing of the
other region.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from smartcity import tenancy
from smartcity.extensions import db
from smartcity.models import (
    NATIONAL_ROLES,
    Agency,
    Answer,
    Assessment,
    AuditEvent,
    Evidence,
    IssuedDocument,
    Period,
    Region,
    RegionAnswer,
    RegionEvidence,
    RegionProgramme,
    RegionSubmission,
    Review,
    User,
)
from smartcity.region_context import working_in
from smartcity.seed.data import DEMO_AGENCIES
from smartcity.services import letterhead, regions
from smartcity.services.accounts import AccountError, create_user

from .crawl import Crawler, log_in
from .helpers import MINISTRY, PASSWORD, SECOND_REGION, SECOND_REGION_MARKS

DEMO = "62.02"
# who crawls each region, and who visits the other's pages
PEOPLE = {
    DEMO: ("admin", "evaluator", "pimpinan", "diskominfo", "kepala-diskominfo"),
    SECOND_REGION: ("b-admin", "b-evaluator", "b-pimpinan", "b-operator", "b-kepala"),
}
OTHER = {DEMO: SECOND_REGION, SECOND_REGION: DEMO}
# not a region's: any region's document is verified by anyone (the verification page names
# it), and published instrument versions are the deployment's catalogue (content-addressed,
# shared by every region that uses them)
PUBLIC = frozenset(
    {
        "documents.verify_code",
        "documents.verify_upload",
        "admin_periods.instrument",
        "admin_periods.download",
    }
)
INTEGER_SEGMENT = re.compile(r"/(\d+)(?=/|$|\?)")


def _demo_marks() -> tuple[str, ...]:
    """What only the demo region has: its agencies' names (those the shared instrument does
    not mention) and their heads' names."""
    from smartcity.services.instruments import DEMO_INSTRUMENT

    instrument = DEMO_INSTRUMENT.read_text(encoding="utf-8")
    names = [a.name for a in DEMO_AGENCIES if a.name not in instrument]
    return (*names, *(a.head_name for a in DEMO_AGENCIES), "Administrator Tim Pelaksana")


MARKS = {DEMO: _demo_marks(), SECOND_REGION: SECOND_REGION_MARKS}


def _about_an_object(url: str) -> bool:
    """An id in the URL (not a year): the page is about one row of one region."""
    return any(not 1900 <= int(n) <= 2100 for n in INTEGER_SEGMENT.findall(url.split("?")[0]))


def _readable(response) -> str:
    """The text of a response: an XLSX workbook's sheets too (its XML is zipped)."""
    data = response.get_data()
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b" ".join(archive.read(name) for name in archive.namelist())
    return data.decode("utf-8", errors="replace")


def _crawl(app, region: str) -> tuple[list[str], list]:
    """The URLs (GET, answered 200) and forms the region's people are shown."""
    urls: dict[str, None] = {}
    forms = []
    for username in PEOPLE[region]:
        client = app.test_client()
        log_in(client, username, PASSWORD)
        crawler = Crawler(app, client, per_endpoint=2)
        # read the pages only: the forms are sent by the other region's people below
        crawler._post = lambda form: None  # type: ignore[method-assign]
        for page in crawler.crawl("/"):
            if page.method == "GET" and page.status == 200:
                urls[page.url] = None
        forms += crawler.forms
    return list(urls), forms


def _snapshot(app, region_code: str) -> dict[str, object]:
    """Everything of a region a foreign form could change."""
    with app.app_context(), working_in(None):
        region = db.session.scalar(select(Region).filter_by(code=region_code))
        agencies = select(Agency.id).where(Agency.region_id == region.id)
        assessments = select(Assessment.id).where(Assessment.agency_id.in_(agencies))
        submissions = select(RegionSubmission.id).where(RegionSubmission.region_id == region.id)
        rows = {
            "assessments": (
                (Assessment.id, Assessment.status, Assessment.round),
                Assessment.id.in_(assessments),
            ),
            "answers": (
                (Answer.id, Answer.level, Answer.justification, Answer.version),
                Answer.assessment_id.in_(assessments),
            ),
            "reviews": (
                (Review.id, Review.verified_level, Review.note),
                Review.assessment_id.in_(assessments),
            ),
            "evidence": (
                (Evidence.id, Evidence.deleted_at),
                Evidence.assessment_id.in_(assessments),
            ),
            "agencies": ((Agency.id, Agency.name, Agency.active), Agency.region_id == region.id),
            "users": (
                (User.id, User.role, User.active, User.password_hash),
                User.region_id == region.id,
            ),
            "periods": (
                (Period.id, Period.status, Period.closes_on),
                Period.region_id == region.id,
            ),
            "documents": (
                (IssuedDocument.id, IssuedDocument.revoked_at),
                IssuedDocument.region_id == region.id,
            ),
            # its submission to the ministry's evaluation
            "submissions": (
                (RegionSubmission.id, RegionSubmission.status, RegionSubmission.agencies_year),
                RegionSubmission.region_id == region.id,
            ),
            "national answers": (
                (RegionAnswer.id, RegionAnswer.justification, RegionAnswer.version),
                RegionAnswer.submission_id.in_(submissions),
            ),
            "national evidence": (
                (RegionEvidence.id, RegionEvidence.deleted_at),
                RegionEvidence.submission_id.in_(submissions),
            ),
            "programmes": (
                (RegionProgramme.id, RegionProgramme.title),
                RegionProgramme.submission_id.in_(submissions),
            ),
        }
        snapshot: dict[str, object] = {
            name: sorted(db.session.execute(select(*columns).where(where)).all())
            for name, (columns, where) in rows.items()
        }
        snapshot["audit"] = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.region_id == region.id)
        )
        return snapshot


@pytest.mark.commits
@pytest.mark.parametrize("region", [DEMO, SECOND_REGION])
def test_nobody_of_another_region_reaches_anything_of_this_one(two_regions, region):
    app = two_regions
    urls, forms = _crawl(app, region)
    assert len(urls) > 40 and len(forms) > 10  # the crawl saw the region's pages
    # ... and its submission to the ministry: a pillar's answers, an evidence file, its forms
    assert any("/national-evaluation/2026/pillars/" in url for url in urls)
    assert any("/national-evaluation/2026/evidence/" in url for url in urls)
    assert any("/national-evaluation/2026/programmes/" in form.action for form in forms)
    marks = MARKS[region]
    before = _snapshot(app, region)
    leaks: list[str] = []
    for username in (*PEOPLE[OTHER[region]], *MINISTRY):
        client = app.test_client()
        log_in(client, username, PASSWORD)
        adapter = app.url_map.bind("localhost")
        for url in urls:
            endpoint = adapter.match(url.split("?")[0])[0]
            response = client.get(url)
            body = _readable(response) if response.status_code == 200 else ""
            response.close()
            if response.status_code >= 500:
                leaks.append(f"{username} GET {url}: {response.status_code}")
            elif _about_an_object(url) and endpoint not in PUBLIC:
                if response.status_code not in (403, 404):
                    leaks.append(f"{username} GET {url}: {response.status_code}")
            elif endpoint not in PUBLIC:
                shown = [mark for mark in marks if mark in body]
                if shown:
                    leaks.append(f"{username} GET {url}: shows {shown}")
        for form in forms:
            response = client.post(form.action, data=MultiDict(form.fields))
            response.close()
            if response.status_code >= 500:
                leaks.append(f"{username} POST {form.action}: {response.status_code}")
    assert leaks == [], "\n".join(leaks)
    assert _snapshot(app, region) == before


def test_an_object_of_another_region_is_not_found(two_regions, client, auth):
    """By id: the other region's assessment, evidence, document and user are 404 for its
    administrator, as for a row that does not exist."""
    with two_regions.app_context(), working_in(None):
        region = db.session.scalar(select(Region).filter_by(code=SECOND_REGION))
        theirs = db.session.scalar(
            select(Assessment).join(Agency).where(Agency.region_id == region.id)
        )
        evidence = db.session.scalar(
            select(Evidence).join(Assessment).join(Agency).where(Agency.region_id == region.id)
        )
        document = db.session.scalar(select(IssuedDocument).filter_by(region_id=region.id))
        user = db.session.scalar(select(User).filter_by(username="b-operator"))
        ids = (theirs.id, evidence.id, document.id, user.id)
    auth.login("admin")
    assessment_id, evidence_id, document_id, user_id = ids
    for url in (
        f"/assessments/{assessment_id}",
        f"/assessments/{assessment_id}/review",
        f"/evidence/{evidence_id}",
        f"/documents/{document_id}/download",
        f"/admin/users/{user_id}",
    ):
        assert client.get(url).status_code == 404, url


def test_each_region_has_its_own_agency_codes_years_and_numbers(two_regions):
    """DISKOMINFO and 2025 exist in both; each region's documents are numbered in its own
    series from 1 (the same pattern in both)."""
    with two_regions.app_context(), working_in(None):
        codes = db.session.scalars(select(Agency.region_id).filter_by(code="DISKOMINFO")).all()
        years = db.session.scalars(select(Period.region_id).filter_by(year=2025)).all()
        assert len(set(codes)) == 2 and len(set(years)) == 2
        numbers = {
            code: sorted(
                db.session.scalars(
                    select(IssuedDocument.number)
                    .join(Region, Region.id == IssuedDocument.region_id)
                    .where(Region.code == code)
                )
            )
            for code in (DEMO, SECOND_REGION)
        }
    for code in (DEMO, SECOND_REGION):
        assert numbers[code], code
        assert all("/001/" in n or "/002/" in n or "/003/" in n for n in numbers[code]), numbers


def test_a_query_is_narrowed_to_the_region_it_works_in(two_regions):
    """The scoped query helper: the same statement, three answers."""
    with two_regions.app_context():
        demo = regions.find(DEMO)
        second = regions.find(SECOND_REGION)

        def agencies() -> int:
            return db.session.scalar(select(func.count()).select_from(Agency))

        with working_in(demo.id):
            in_demo = agencies()
        with working_in(second.id):
            in_second = agencies()
            assert db.session.scalars(select(Region.code)).all() == [SECOND_REGION]
        with working_in(None):
            everywhere = agencies()
    assert (in_demo, in_second, everywhere) == (12, 1, 13)


def test_every_table_with_a_region_agency_period_or_assessment_is_scoped():
    """A new table owned by a region (a column region_id, agency_id, period_id or
    assessment_id) must be named in tenancy.SCOPES, or here with the reason it need not be."""
    reached_through_a_scoped_row = {
        "evaluation_interview_notes",  # through its interview
        "notifications",  # a user's own, read by user id
        "user_sessions",  # a log-in's own, read by its secret
        "period_teams",  # scoped by period (named in SCOPES)
    }
    scoped = {model.__table__.name for model, _condition in tenancy.SCOPES}
    owned = {
        table.name
        for table in db.metadata.sorted_tables
        if {"region_id", "agency_id", "period_id", "assessment_id"} & set(table.columns.keys())
    }
    assert owned - scoped - reached_through_a_scoped_row == set()


def test_the_log_in_page_names_no_region_when_there_are_several(two_regions, client):
    page = client.get("/login").get_data(as_text=True)
    assert "Kotawaringin Timur" not in page and "Kotawaringin Barat" not in page
    with two_regions.app_context():
        assert letterhead.region_name() == ""
        with working_in(regions.find(SECOND_REGION).id):
            assert letterhead.region_name() == "Kabupaten Kotawaringin Barat"


# --- accounts ---------------------------------------------------------------------------------


def test_a_region_administrator_creates_accounts_of_their_region_only(two_regions):
    with two_regions.app_context():
        admin = db.session.scalar(select(User).filter_by(username="b-admin"))
        with working_in(admin.region_id):
            user = create_user("b-baru", "evaluator", "Sandi-Kobar-2026!", by=admin)
            assert user.region_id == admin.region_id
            with pytest.raises(AccountError, match="ministry|kementerian"):
                create_user("b-kemen", "ministry-admin", "Sandi-Kobar-2026!", by=admin)
        db.session.rollback()


def test_national_users_belong_to_no_region(two_regions):
    with two_regions.app_context():
        users = db.session.scalars(select(User).where(User.role.in_(NATIONAL_ROLES))).all()
        assert sorted(u.username for u in users) == sorted(MINISTRY)
        assert {u.region_id for u in users} == {None}


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("kementerian-admin", "/national/"),
        ("kementerian-evaluator", "/national/"),
        ("kementerian-pimpinan", "/national/"),
        ("b-admin", None),
    ],
)
def test_national_users_start_on_the_national_pages(two_regions, client, auth, username, expected):
    auth.login(username)
    response = client.get("/")
    assert response.headers.get("Location") == expected


@pytest.mark.parametrize("username", MINISTRY)
@pytest.mark.parametrize(
    "url", ["/periods/2025/region", "/periods/2026/assessments", "/admin/users", "/audit"]
)
def test_national_users_do_not_reach_a_regions_pages(two_regions, client, auth, username, url):
    auth.login(username)
    assert client.get(url).status_code in (403, 404)


@pytest.mark.commits
def test_a_print_job_prints_in_its_periods_region(two_regions):
    """A print worker serves every region: a job of the second region's 2025 prints that
    region's documents, numbered in its series, though the worker works in no region."""
    from smartcity.models import PrintJob
    from smartcity.services import print_jobs

    with two_regions.app_context():
        with working_in(None):
            second = regions.find(SECOND_REGION)
            period = db.session.scalar(select(Period).filter_by(region_id=second.id, year=2025))
            admin = db.session.scalar(select(User).filter_by(username="b-admin"))
            job = PrintJob(period_id=period.id, what="all", created_by_id=admin.id)
            db.session.add(job)
            db.session.commit()
            before = set(db.session.scalars(select(IssuedDocument.id)))
        assert print_jobs.run(job.id) == print_jobs.DONE
        with working_in(None):
            made = db.session.scalars(
                select(IssuedDocument).where(IssuedDocument.id.not_in(before))
            ).all()
            job = db.session.get(PrintJob, job.id)
            assert job.documents >= 1
            assert all(row.region_id == second.id for row in made)


def test_a_region_cannot_take_a_log_in_name_another_region_uses(two_regions, client, auth):
    """Names are the deployment's: the second region's administrator gets the form again
    with the reason, not an error page."""
    auth.login("b-admin")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "admin",
            "role": "evaluator",
            "password": "Sandi-Kobar-2026!",
            "full_name": "",
            "agency": "",
        },
    )
    assert response.status_code == 400
    assert "admin" in response.get_data(as_text=True)
    with two_regions.app_context():
        assert len(db.session.scalars(select(User).filter_by(username="admin")).all()) == 1


def test_an_audit_event_belongs_to_the_region_it_happened_in(two_regions):
    """Also an event recorded before the request worked in a region (a log-in): the acting
    user's region."""
    from smartcity.services import audit

    with two_regions.app_context(), working_in(None):
        user = db.session.scalar(select(User).filter_by(username="b-operator"))
        event = audit.record("user.logged_in", "user", user.id, user=user)
        db.session.flush()
        assert event.region_id == user.region_id
        db.session.rollback()


@pytest.mark.commits
@pytest.mark.parametrize("username", MINISTRY)
def test_the_ministry_is_shown_only_what_it_may_use(two_regions, username):
    """Every link and button a national user is shown works for them: no 403, no error."""
    client = two_regions.test_client()
    log_in(client, username, PASSWORD)
    pages = Crawler(two_regions, client).crawl("/national/")
    assert len(pages) > 3
    refused = [(p.method, p.url, p.status) for p in pages if p.status == 403 or p.status >= 500]
    assert refused == []
