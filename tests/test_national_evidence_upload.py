"""Evidence of the region's submission to the ministry's evaluation, sent at once as it is
chosen: the agency's protocol (docs/AUTOSAVE.md, tests/test_evidence_upload.py) on
`POST /national-evaluation/submissions/<id>/evidence` and `.../evidence/<id>/remove`, for the
region's administrator while the submission is a draft or returned."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import AuditEvent, RegionEvidence, SubmissionStatus
from smartcity.region_context import working_in
from smartcity.security import LAST_ACTIVE

from .helpers import HTML, PASSWORD, SECOND_REGION, csrf_token_from, pdf_bytes, png_bytes
from .national_setup import draft_submission_id, set_draft_status

DEMO = "62.02"
PILLAR = "/national-evaluation/2026/pillars/GOV"
KEY = "k" * 32


@pytest.fixture(autouse=True)
def evidence_dir(app, tmp_path: Path) -> Path:
    path = tmp_path / "evidence"
    app.config["EVIDENCE_STORAGE_PATH"] = str(path)
    return path


def files(app, region: str = DEMO, *, include_removed: bool = False) -> list[RegionEvidence]:
    """The submission's files, the state's own (GOV-01 perbup.pdf) first."""
    with app.app_context(), working_in(None):
        query = select(RegionEvidence).filter_by(submission_id=draft_submission_id(app, region))
        if not include_removed:
            query = query.filter_by(deleted_at=None)
        rows = db.session.scalars(query.order_by(RegionEvidence.id)).all()
        db.session.expunge_all()
        return list(rows)


def added_events(app) -> int:
    with app.app_context(), working_in(None):
        return len(
            db.session.scalars(select(AuditEvent).filter_by(action="region_evidence.added")).all()
        )


def upload(
    client,
    app,
    *,
    indicator="GOV-02",
    name="sk-tim.pdf",
    data=None,
    key=KEY,
    headers=None,
    region=DEMO,
):
    """What evidence.js sends: one file for one indicator with the browser's upload key."""
    body: dict[str, object] = {"indicator": indicator, "upload_key": key}
    if data is not False:
        body["file"] = (io.BytesIO(pdf_bytes() if data is None else data), name)
    return client.post(
        f"/national-evaluation/submissions/{draft_submission_id(app, region)}/evidence",
        data=body,
        content_type="multipart/form-data",
        headers={"Accept": "application/json", **(headers or {})},
    )


def remove(client, app, evidence_id: int, region: str = DEMO):
    sid = draft_submission_id(app, region)
    return client.post(f"/national-evaluation/submissions/{sid}/evidence/{evidence_id}/remove")


# --- stored ----------------------------------------------------------------------------------


def test_a_chosen_file_is_attached_at_once_and_listed_with_remove(
    two_regions, client, auth, english
):
    app = two_regions
    before = len(files(app))
    auth.login("admin")
    response = upload(client, app, name="SK Tim Smart City.pdf")
    assert response.status_code == 201
    reply = response.get_json()
    row = files(app)[-1]
    assert len(files(app)) == before + 1
    assert (row.indicator_code, row.original_name, row.upload_key) == (
        "GOV-02",
        "SK Tim Smart City.pdf",
        KEY,
    )
    assert reply["id"] == row.id and reply["indicator"] == "GOV-02"
    assert reply["name"] == "SK Tim Smart City.pdf" and reply["removed"] is False
    # the entry as the pillar page lists it: the region's download, Remove at once or with
    # the form (no preview: a region's files are only downloaded)
    html = reply["html"]
    sid = draft_submission_id(app)
    assert f'<li data-evidence-id="{row.id}">' in html
    assert f'href="/national-evaluation/2026/evidence/{row.id}" download>' in html
    assert (
        f'data-remove-url="/national-evaluation/submissions/{sid}/evidence/{row.id}/remove"' in html
    )
    assert f'formaction="/national-evaluation/2026/evidence/{row.id}/remove"' in html
    assert "/preview" not in html
    # and the page shows it from now on; the file is the one sent
    page = client.get(PILLAR).get_data(as_text=True)
    assert f'data-evidence-id="{row.id}"' in page
    download = client.get(f"/national-evaluation/2026/evidence/{row.id}")
    assert download.status_code == 200 and download.get_data() == pdf_bytes()
    download.close()
    # the other region's submission is untouched
    assert [f.original_name for f in files(app, SECOND_REGION)] == ["perbup.pdf"]


def test_the_same_upload_sent_again_is_the_same_file(two_regions, client, auth):
    """A reply lost on a weak connection: the browser sends the file again with its key."""
    app = two_regions
    before, events = len(files(app)), added_events(app)
    auth.login("admin")
    first = upload(client, app)
    again = upload(client, app)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert len(files(app)) == before + 1
    assert added_events(app) == events + 1
    # another upload of the same bytes is another file
    assert upload(client, app, key="other-key-123").status_code == 201
    assert len(files(app)) == before + 2


def test_the_same_upload_key_in_another_region_is_another_file(two_regions, client, auth):
    app = two_regions
    auth.login("admin")
    assert upload(client, app).status_code == 201
    auth.logout()
    auth.login("b-admin")
    assert upload(client, app, region=SECOND_REGION).status_code == 201


# --- refused -----------------------------------------------------------------------------------

# (who, request changes, status, error, words of the message)
REFUSALS = [
    pytest.param(
        "admin",
        {"data": HTML, "name": "laporan.pdf"},
        415,
        "refused",
        "laporan.pdf",
        id="html-as-pdf",
    ),
    pytest.param("admin", {"data": b"", "name": "kosong.pdf"}, 400, "refused", "empty", id="empty"),
    pytest.param(
        "admin",
        {"data": png_bytes(), "name": "foto.docx"},
        415,
        "refused",
        "foto.docx",
        id="wrong-type",
    ),
    pytest.param(
        "admin", {"indicator": "NOPE-99"}, 422, "invalid", "NOPE-99", id="unknown-indicator"
    ),
    pytest.param("admin", {"key": "short"}, 400, "bad_request", "upload_key", id="short-key"),
    pytest.param("admin", {"data": False}, 400, "bad_request", "file", id="no-file"),
    pytest.param("pimpinan", {}, 403, "forbidden", "administrator", id="region-head"),
    pytest.param("evaluator", {}, 403, "forbidden", "administrator", id="region-evaluator"),
    pytest.param("diskominfo", {}, 403, "forbidden", "administrator", id="agency"),
    pytest.param("kementerian-admin", {}, 403, "forbidden", "administrator", id="ministry-admin"),
    pytest.param("b-admin", {}, 404, "not_found", "not found", id="other-regions-admin"),
]


@pytest.mark.parametrize(("who", "change", "status", "error", "words"), REFUSALS)
def test_refused_uploads_say_why_and_leave_nothing(
    two_regions, client, auth, english, evidence_dir, who, change, status, error, words
):
    app = two_regions
    before = files(app, include_removed=True)
    auth.login(who)
    response = upload(client, app, **change)
    assert response.status_code == status
    reply = response.get_json()
    assert reply["error"] == error
    assert words in reply["message"]
    assert len(files(app, include_removed=True)) == len(before)
    assert not evidence_dir.exists() or not any(evidence_dir.rglob("*.*"))


def test_a_file_above_the_limit_is_refused_with_413(two_regions, client, auth, english):
    app = two_regions
    app.config["EVIDENCE_MAX_BYTES"] = 2048
    before = len(files(app))
    auth.login("admin")
    response = upload(client, app, data=pdf_bytes() + b"\n%" + b"x" * 4096 + b"\n%%EOF\n")
    assert response.status_code == 413
    assert response.get_json()["error"] == "refused"
    assert "sk-tim.pdf" in response.get_json()["message"]
    assert len(files(app)) == before


def test_an_indicator_with_the_most_files_allowed_refuses_one_more(two_regions, client, auth):
    app = two_regions
    app.config["EVIDENCE_MAX_FILES_PER_INDICATOR"] = 1
    auth.login("admin")
    response = upload(client, app, indicator="GOV-01")  # the state's perbup.pdf is there
    assert response.status_code == 409 and response.get_json()["error"] == "refused"


@pytest.mark.parametrize("status", [SubmissionStatus.AWAITING_APPROVAL, SubmissionStatus.SUBMITTED])
def test_no_upload_once_the_submission_is_handed_on(two_regions, client, auth, status):
    app = two_regions
    set_draft_status(app, status)
    before = len(files(app))
    auth.login("admin")
    response = upload(client, app)
    assert response.status_code == 409
    assert response.get_json()["error"] == "not_editable" and response.get_json()["message"]
    assert len(files(app)) == before


def test_a_returned_submission_takes_files_again(two_regions, client, auth):
    app = two_regions
    set_draft_status(app, SubmissionStatus.RETURNED)
    auth.login("admin")
    assert upload(client, app).status_code == 201


def test_an_unknown_submission_is_not_found(two_regions, client, auth):
    auth.login("admin")
    response = client.post(
        "/national-evaluation/submissions/999999/evidence",
        data={"indicator": "GOV-02", "upload_key": KEY},
    )
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_an_ended_session_hears_401_never_a_redirect(two_regions, client, auth):
    app = two_regions
    before = len(files(app))
    response = upload(client, app)
    assert response.status_code == 401 and response.is_json
    assert response.get_json()["error"] == "login_required" and response.get_json()["login_url"]
    # idle too long: logged out by the idle check, still JSON
    auth.login("admin")
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[LAST_ACTIVE] = int(time.time()) - idle - 5
    response = upload(client, app)
    assert response.status_code == 401 and response.get_json()["error"] == "login_required"
    assert len(files(app)) == before


def test_the_csrf_token_is_required(csrf_app, two_regions):
    app = two_regions
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token_from(page)},
    )
    before = len(files(app))
    refused = upload(client, app)
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
    wrong = upload(client, app, headers={"X-CSRFToken": "not-the-token"})
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "csrf"
    assert len(files(app)) == before
    token = csrf_token_from(client.get(PILLAR).get_data(as_text=True))
    assert upload(client, app, headers={"X-CSRFToken": token}).status_code == 201
    row = files(app)[-1]
    # removing needs it too
    sid = draft_submission_id(app)
    url = f"/national-evaluation/submissions/{sid}/evidence/{row.id}/remove"
    assert client.post(url).status_code == 400
    assert client.post(url, headers={"X-CSRFToken": token}).status_code == 200


# --- removed -----------------------------------------------------------------------------------


def test_remove_at_once(two_regions, client, auth):
    app = two_regions
    [own] = files(app)  # the state's perbup.pdf
    [theirs] = files(app, SECOND_REGION)
    for who, status in (("pimpinan", 403), ("evaluator", 403), ("b-admin", 404)):
        auth.login(who)
        assert remove(client, app, own.id).status_code == status
        auth.logout()
    auth.login("admin")
    # another region's file through the own submission: not found (tenancy)
    assert remove(client, app, theirs.id).status_code == 404
    response = remove(client, app, own.id)
    assert response.status_code == 200
    assert response.get_json() == {"id": own.id, "removed": True}
    assert files(app) == []
    assert [row.id for row in files(app, SECOND_REGION)] == [theirs.id]
    with app.app_context(), working_in(None):
        assert db.session.scalars(
            select(AuditEvent).filter_by(action="region_evidence.removed")
        ).all()
    assert client.get(f"/national-evaluation/2026/evidence/{own.id}").status_code == 404
    # a repeated click: already gone
    assert remove(client, app, own.id).status_code == 404
    # without a session: 401
    auth.logout()
    assert remove(client, app, own.id).status_code == 401


def test_a_submission_handed_on_keeps_its_files(two_regions, client, auth):
    app = two_regions
    [own] = files(app)
    set_draft_status(app, SubmissionStatus.SUBMITTED)
    auth.login("admin")
    response = remove(client, app, own.id)
    assert response.status_code == 409 and response.get_json()["error"] == "not_editable"
    assert [row.id for row in files(app)] == [own.id]


# --- the page ----------------------------------------------------------------------------------


def test_the_pillar_page_carries_what_the_script_needs(two_regions, client, auth):
    app = two_regions
    auth.login("admin")
    sid = draft_submission_id(app)
    page = client.get(PILLAR).get_data(as_text=True)
    assert f'data-evidence-url="/national-evaluation/submissions/{sid}/evidence"' in page
    assert 'data-evidence-owner="' in page and f'.region-{sid}"' in page
    assert "data-etext-uploading=" in page and "/static/js/evidence." in page
    for code in ("GOV-01", "GOV-02", "GOV-03"):
        assert f'id="evidence-list-{code}"' in page and f'id="evidence-none-{code}"' in page
        assert f'data-warning="evidence-warning-{code}"' in page
    assert "data-evidence-rule=" in page
    [own] = files(app)
    assert (
        f'data-remove-url="/national-evaluation/submissions/{sid}/evidence/{own.id}/remove"' in page
    )


@pytest.mark.parametrize("username", ["pimpinan", "evaluator"])
def test_a_read_only_pillar_page_has_no_upload(two_regions, client, auth, username):
    auth.login(username)
    page = client.get(PILLAR).get_data(as_text=True)
    assert "data-evidence-url" not in page and "/static/js/evidence." not in page
    assert "data-remove-url" not in page
