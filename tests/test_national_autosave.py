"""Autosave of the region's answers to the ministry's evaluation: the agency's protocol
(docs/AUTOSAVE.md) on `POST /national-evaluation/submissions/<id>/autosave`, for the region's
administrator while the submission is a draft or returned."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import (
    AuditEvent,
    Region,
    RegionAnswer,
    SubmissionStatus,
    User,
)
from smartcity.region_context import working_in
from smartcity.security import LAST_ACTIVE
from smartcity.services import accounts, audit

from .helpers import PASSWORD, SECOND_REGION, Auth, csrf_token_from
from .national_setup import draft_submission_id, set_draft_status

DEMO = "62.02"
PILLAR = "/national-evaluation/2026/pillars/GOV"


def answers(app, region: str = DEMO) -> dict[str, tuple]:
    """(level, choice, number, justification, version) per indicator of the region's answers."""
    with app.app_context(), working_in(None):
        rows = db.session.scalars(
            select(RegionAnswer).where(
                RegionAnswer.submission_id == draft_submission_id(app, region)
            )
        )
        return {
            row.indicator_code: (row.level, row.choice, row.number, row.justification, row.version)
            for row in rows
        }


def autosave(client, app, headers: dict[str, str] | None = None, region: str = DEMO, **answer):
    """What autosave.js sends: option 2 of GOV-03 (a choice) unless `answer` says otherwise
    (another indicator: with its own value only)."""
    body = {
        "indicator": "GOV-03",
        "choice": "2",
        "not_applicable": False,
        "justification": "Dasbor dibahas bulanan.",
        "version": 0,
    }
    if "indicator" in answer and "choice" not in answer:
        del body["choice"]
    body.update(answer)
    return client.post(
        f"/national-evaluation/submissions/{draft_submission_id(app, region)}/autosave",
        json=body,
        headers=headers or {},
    )


def colleague(app):
    """A second administrator of the demo region, Rina, logged in in her own browser."""
    with app.app_context():
        region = db.session.scalar(select(Region).filter_by(code=DEMO))
        with working_in(region.id):
            accounts.create_user("admin-rina", "admin", PASSWORD, full_name="Rina")
        db.session.commit()
    other = app.test_client()
    assert Auth(other).login("admin-rina").status_code == 302
    return other


# --- saved ---------------------------------------------------------------------------------


def test_a_save_stores_the_answer_bumps_its_version_and_is_audited(two_regions, client, auth):
    app = two_regions
    auth.login("admin")
    first = autosave(client, app)
    assert first.status_code == 200
    assert first.json["indicator"] == "GOV-03" and first.json["version"] == 1
    assert first.json["changed"] is True and first.json["saved_at"].endswith("+00:00")
    assert re.fullmatch(r"\d\d\.\d\d", first.json["saved_at_display"])
    # the answer already there (GOV-01, version 1): a level, based on what the page showed
    second = autosave(client, app, indicator="GOV-01", level=3, justification="Perbup", version=1)
    assert second.status_code == 200 and second.json["version"] == 2
    # a number as typed, with a decimal comma
    third = autosave(client, app, indicator="GOV-02", number="62,5", justification="40 dari 64")
    assert third.status_code == 200
    stored = answers(app)
    assert stored["GOV-03"] == (None, "2", None, "Dasbor dibahas bulanan.", 1)
    assert stored["GOV-01"] == (3, None, None, "Perbup", 2)
    assert stored["GOV-02"] == (None, None, "62.5", "40 dari 64", 1)
    with app.app_context(), working_in(None):
        events = db.session.scalars(
            select(AuditEvent)
            .filter_by(action="region_answer.changed", subject_id="GOV-01")
            .order_by(AuditEvent.id)
        ).all()
        assert audit.decoded(events[-1].new_value)["justification"] == "Perbup"
    # the other region's submission is untouched
    assert answers(app, SECOND_REGION)["GOV-01"][3] == "Perbup rahasia Kobar"


def test_a_retry_of_a_save_that_succeeded_is_no_conflict_and_no_second_version(
    two_regions, client, auth
):
    app = two_regions
    auth.login("admin")
    assert autosave(client, app).json["version"] == 1
    # the reply was lost: the browser sends the same content based on the version it knew
    retry = autosave(client, app)
    assert retry.status_code == 200
    assert retry.json["version"] == 1 and retry.json["changed"] is False
    assert answers(app)["GOV-03"][4] == 1


# --- a colleague's save, a wrong version -----------------------------------------------------


def test_a_colleagues_newer_save_is_a_conflict_with_both_versions(
    two_regions, client, auth, english
):
    app = two_regions
    auth.login("admin")
    rina = colleague(app)
    mine = {"indicator": "GOV-01", "level": 4, "justification": "Punyaku"}
    theirs = {"indicator": "GOV-01", "level": 3, "justification": "Versi Rina"}
    assert autosave(rina, app, **theirs, version=1).json["version"] == 2

    response = autosave(client, app, **mine, version=1)
    assert response.status_code == 409
    body = response.json
    assert body["error"] == "conflict"
    assert body["message"].startswith("GOV-01 was changed by Rina while you were editing.")
    assert body["theirs"]["level"] == 3 and body["theirs"]["justification"] == "Versi Rina"
    assert body["theirs"]["version"] == 2 and body["theirs"]["updated_by"] == "Rina"
    assert body["theirs"]["not_applicable"] is False
    assert body["theirs"]["updated_at"].endswith("+00:00") and body["theirs"]["updated_at_display"]
    # nothing lost: hers is stored, mine is still in the browser (it sent it)
    assert answers(app)["GOV-01"] == (3, None, None, "Versi Rina", 2)

    # "keep mine": sent again based on her version
    kept = autosave(client, app, **mine, version=2)
    assert kept.status_code == 200 and kept.json["version"] == 3
    assert answers(app)["GOV-01"] == (4, None, None, "Punyaku", 3)


def test_a_version_the_answer_never_had_is_a_conflict(two_regions, client, auth):
    app = two_regions
    auth.login("admin")
    before = answers(app)
    response = autosave(client, app, indicator="GOV-01", level=5, version=7)
    assert response.status_code == 409 and response.json["error"] == "conflict"
    assert response.json["theirs"]["version"] == 1
    assert response.json["theirs"]["justification"] == "Perbup Sampit"
    assert answers(app) == before


def test_saves_of_different_answers_never_conflict(two_regions, client, auth):
    app = two_regions
    auth.login("admin")
    rina = colleague(app)
    assert autosave(rina, app, indicator="GOV-03").status_code == 200
    assert autosave(client, app, indicator="GOV-02", number="10").status_code == 200


# --- what cannot be stored -------------------------------------------------------------------

# (what the browser sends, status, error code): nothing is stored
REFUSED = [
    pytest.param({"choice": "9"}, 422, "invalid", id="not-an-option"),
    pytest.param({"indicator": "GOV-01", "level": 9}, 422, "invalid", id="not-a-level"),
    pytest.param({"not_applicable": True}, 422, "invalid", id="na-refused"),
    pytest.param({"justification": "x" * 20_001}, 422, "invalid", id="too-long"),
    pytest.param({"indicator": "NOPE-01"}, 422, "invalid", id="unknown-indicator"),
    pytest.param({"indicator": "GOV-02", "number": "abc"}, 422, "invalid", id="no-number"),
    pytest.param({"indicator": "GOV-01", "level": "3"}, 400, "bad_request", id="level-as-text"),
    pytest.param({"choice": 2}, 400, "bad_request", id="choice-as-number"),
    pytest.param({"not_applicable": "yes"}, 400, "bad_request", id="na-as-text"),
    pytest.param({"version": -1}, 400, "bad_request", id="negative-version"),
    pytest.param({"indicator": None}, 400, "bad_request", id="no-indicator"),
]


@pytest.mark.parametrize(("answer", "status", "error"), REFUSED)
def test_an_answer_that_cannot_be_stored_is_refused_with_a_message(
    two_regions, client, auth, answer, status, error
):
    app = two_regions
    before = answers(app)
    auth.login("admin")
    response = autosave(client, app, **answer)
    assert response.status_code == status
    assert response.is_json and response.json["error"] == error and response.json["message"]
    assert answers(app) == before


def test_a_body_that_is_not_json_or_too_large_is_a_bad_request(two_regions, client, auth):
    app = two_regions
    auth.login("admin")
    url = f"/national-evaluation/submissions/{draft_submission_id(app)}/autosave"
    form = client.post(url, data={"choice-GOV-03": "2"})
    assert form.status_code == 400 and form.json["error"] == "bad_request"
    deep = client.post(url, data="[" * 9 + "]" * 9, content_type="application/json")
    assert deep.status_code == 400 and deep.json["error"] == "bad_request"


# --- who may save, and when ------------------------------------------------------------------


def test_without_a_session_the_reply_is_401_json_with_the_way_back(two_regions, client):
    app = two_regions
    before = answers(app)
    response = autosave(client, app, indicator="GOV-02", number="1")
    assert response.status_code == 401 and response.is_json
    assert response.json["error"] == "login_required" and response.json["message"]
    assert response.json["login_url"] == f"/login?next={PILLAR}"
    assert answers(app) == before


def test_an_idle_session_is_logged_out_and_autosave_says_401(two_regions, client, auth):
    app = two_regions
    before = answers(app)
    auth.login("admin")
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[LAST_ACTIVE] = int(time.time()) - idle - 5
    response = autosave(client, app)
    assert response.status_code == 401 and response.json["error"] == "login_required"
    assert answers(app) == before
    assert client.get("/").status_code == 302  # logged out for good


def test_csrf_is_checked_and_a_missing_token_is_a_json_400(csrf_app, two_regions):
    app = two_regions
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token_from(page)},
    )
    missing = autosave(client, app)
    assert missing.status_code == 400 and missing.is_json
    assert missing.json["error"] == "csrf" and missing.json["message"]
    wrong = autosave(client, app, headers={"X-CSRFToken": "not-the-token"})
    assert wrong.status_code == 400 and wrong.json["error"] == "csrf"
    assert "GOV-03" not in answers(app)

    token = csrf_token_from(client.get(PILLAR).get_data(as_text=True))
    saved = autosave(client, app, headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.json["version"] == 1


# who may autosave into the demo region's draft: only its administrator
ACCESS = [
    pytest.param("pimpinan", 403, "forbidden", id="region-head"),
    pytest.param("evaluator", 403, "forbidden", id="region-evaluator"),
    pytest.param("diskominfo", 403, "forbidden", id="agency"),
    pytest.param("kementerian-admin", 403, "forbidden", id="ministry-admin"),
    pytest.param("b-admin", 404, "not_found", id="other-regions-admin"),
]


@pytest.mark.parametrize(("username", "status", "error"), ACCESS)
def test_only_the_regions_administrator_may_autosave(
    two_regions, client, auth, username, status, error
):
    app = two_regions
    before = answers(app)
    auth.login(username)
    response = autosave(client, app)
    assert response.status_code == status and response.json["error"] == error
    assert response.json["message"]
    assert answers(app) == before


def test_an_unknown_submission_is_not_found(two_regions, client, auth):
    auth.login("admin")
    response = client.post("/national-evaluation/submissions/999999/autosave", json={})
    assert response.status_code == 404 and response.json["error"] == "not_found"


@pytest.mark.parametrize("status", [SubmissionStatus.AWAITING_APPROVAL, SubmissionStatus.SUBMITTED])
def test_a_submission_handed_on_refuses_autosave_as_a_state_conflict(
    two_regions, client, auth, status
):
    app = two_regions
    set_draft_status(app, status)
    before = answers(app)
    auth.login("admin")
    response = autosave(client, app, indicator="GOV-01", level=4, version=1)
    assert response.status_code == 409 and response.json["error"] == "not_editable"
    assert response.json["message"]
    assert answers(app) == before


def test_a_returned_submission_may_be_changed_again(two_regions, client, auth):
    app = two_regions
    set_draft_status(app, SubmissionStatus.RETURNED)
    auth.login("admin")
    assert autosave(client, app).status_code == 200


# --- the page ----------------------------------------------------------------------------------


def test_the_pillar_page_carries_what_the_script_needs(two_regions, client, auth):
    app = two_regions
    auth.login("admin")
    sid = draft_submission_id(app)
    page = client.get(PILLAR).get_data(as_text=True)
    assert f'data-autosave-url="/national-evaluation/submissions/{sid}/autosave"' in page
    with app.app_context():
        user_id = db.session.scalar(select(User.id).filter_by(username="admin"))
    assert f'data-storage-key="smartcity.autosave.{user_id}.region-{sid}"' in page
    assert f'data-login-url="/login?next={PILLAR}"' in page
    assert 'data-text-saving="Menyimpan…"' in page
    assert re.search(r'src="/static/js/autosave\.[0-9a-f]{12}\.js" defer', page)
    for code, field, widget in (
        ("GOV-01", "level", "levels"),
        ("GOV-02", "number", "text"),
        ("GOV-03", "choice", "radios"),
    ):
        assert f'data-indicator="{code}"' in page
        assert f'data-answer-field="{field}" data-answer-widget="{widget}"' in page
        assert f'id="autosave-status-{code}" aria-live="polite"' in page
        assert f'id="autosave-conflict-{code}"' in page
    assert 'id="autosave-page-status"' in page
    # the no-JS Save button still posts the whole form, with the version autosave confirmed
    autosave(client, app, indicator="GOV-01", level=2, justification="Baru", version=1)
    page = client.get(PILLAR).get_data(as_text=True)
    assert '<input id="version-GOV-01" name="version-GOV-01" type="hidden" value="2">' in page
    posted = client.post(
        PILLAR,
        data={"level-GOV-01": "3", "justification-GOV-01": "Lewat tombol", "version-GOV-01": "2"},
    )
    assert posted.status_code == 303
    assert answers(app)["GOV-01"] == (3, None, None, "Lewat tombol", 3)


@pytest.mark.parametrize("username", ["pimpinan", "evaluator"])
def test_a_read_only_pillar_page_has_no_autosave(two_regions, client, auth, username):
    auth.login(username)
    page = client.get(PILLAR).get_data(as_text=True)
    assert "data-autosave-url" not in page and "autosave.js" not in page
