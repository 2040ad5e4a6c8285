"""Autosave: one answer saved on its own, JSON in and out, with the form's rules (docs/AUTOSAVE.md)."""

from __future__ import annotations

import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Answer, AuditEvent
from smartcity.security import LAST_ACTIVE
from smartcity.services import audit

from .helpers import PASSWORD, assessment_of, colleague, csrf_token_from, stored_answers, submitted


def autosave(client, assessment_id: int, headers: dict[str, str] | None = None, **answer):
    body = {"indicator": "GOV-01", "level": 3, "not_applicable": False, "justification": "SK"}
    body.update(answer)
    return client.post(f"/assessments/{assessment_id}/autosave", json=body, headers=headers or {})


def stored_version(app, assessment_id: int, code: str = "GOV-01") -> int | None:
    with app.app_context():
        row = db.session.scalar(
            select(Answer).filter_by(assessment_id=assessment_id, indicator_code=code)
        )
        return row.version if row else None


# (what the browser sends, status, error code) for the agency's own draft; nothing stored on error
REFUSED = [
    pytest.param({"level": 9}, 422, "invalid", id="not-a-level"),
    pytest.param({"indicator": "GOV-02", "not_applicable": True}, 422, "invalid", id="na-refused"),
    pytest.param({"justification": "x" * 20_001}, 422, "invalid", id="too-long"),
    pytest.param({"indicator": "ECO-01"}, 422, "invalid", id="other-dimension"),
    pytest.param({"indicator": "NOPE-01"}, 422, "invalid", id="unknown-indicator"),
    pytest.param({"level": "3"}, 400, "bad_request", id="level-as-text"),
    pytest.param({"level": True}, 400, "bad_request", id="level-as-boolean"),
    pytest.param({"not_applicable": "yes"}, 400, "bad_request", id="na-as-text"),
    pytest.param({"version": -1}, 400, "bad_request", id="negative-version"),
    pytest.param({"indicator": None}, 400, "bad_request", id="no-indicator"),
]


@pytest.mark.parametrize(("answer", "status", "error"), REFUSED)
def test_an_answer_that_cannot_be_stored_is_refused_and_nothing_changes(
    demo, client, auth, answer, status, error
):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    response = autosave(client, assessment_id, **answer)
    assert response.status_code == status
    assert response.is_json and response.json["error"] == error and response.json["message"]
    assert stored_answers(demo, assessment_id) == {}


def test_a_body_that_is_not_json_is_a_bad_request(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    response = client.post(f"/assessments/{assessment_id}/autosave", data={"level-GOV-01": "3"})
    assert response.status_code == 400 and response.json["error"] == "bad_request"


def test_a_save_stores_the_answer_bumps_its_version_and_is_audited(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    first = autosave(client, assessment_id, justification="Ada SK", version=0)
    assert first.status_code == 200
    assert first.json["indicator"] == "GOV-01" and first.json["version"] == 1
    assert first.json["saved_at"].endswith("+00:00")
    saved_at = datetime.fromisoformat(first.json["saved_at"])
    jakarta = saved_at.astimezone(ZoneInfo("Asia/Jakarta"))
    # Babel's short time in the page's language: "13.32" in Indonesian
    assert first.json["saved_at_display"] == jakarta.strftime("%H.%M")
    second = autosave(client, assessment_id, level=4, justification="Ada SK dan Perbup", version=1)
    assert second.status_code == 200 and second.json["version"] == 2
    assert stored_answers(demo, assessment_id)["GOV-01"] == (4, False, "Ada SK dan Perbup")
    with demo.app_context():
        events = db.session.scalars(
            select(AuditEvent).filter_by(assessment_id=assessment_id, action="answer.changed")
        ).all()
        assert [(audit.decoded(e.old_value), audit.decoded(e.new_value)) for e in events] == [
            (None, {"level": 3, "not_applicable": False, "justification": "Ada SK"}),
            (
                {"level": 3, "not_applicable": False, "justification": "Ada SK"},
                {"level": 4, "not_applicable": False, "justification": "Ada SK dan Perbup"},
            ),
        ]


def test_not_applicable_and_a_new_answer_without_a_version(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    body = {"indicator": "GOV-01", "level": None, "not_applicable": True, "justification": "Tidak"}
    response = client.post(f"/assessments/{assessment_id}/autosave", json=body)
    assert response.status_code == 200 and response.json["version"] == 1
    assert stored_answers(demo, assessment_id)["GOV-01"] == (None, True, "Tidak")


def test_a_retry_of_a_save_that_succeeded_is_no_conflict_and_no_second_version(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    assert autosave(client, assessment_id, version=0).json["version"] == 1
    # the reply was lost: the browser sends the same content based on the version it knew
    retry = autosave(client, assessment_id, version=0)
    assert retry.status_code == 200
    assert retry.json["version"] == 1 and retry.json["changed"] is False
    assert stored_version(demo, assessment_id) == 1
    with demo.app_context():
        assert (
            len(db.session.scalars(select(AuditEvent).filter_by(action="answer.changed")).all())
            == 1
        )


def test_a_colleagues_newer_save_is_a_conflict_with_both_versions(demo, client, auth, english):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    other, _ = colleague(demo)
    assert (
        autosave(other, assessment_id, level=2, justification="Rina", version=0).status_code == 200
    )

    response = autosave(client, assessment_id, level=4, justification="Punyaku", version=0)
    assert response.status_code == 409
    body = response.json
    assert body["error"] == "conflict" and "GOV-01" in body["message"]
    assert body["theirs"]["level"] == 2 and body["theirs"]["justification"] == "Rina"
    assert body["theirs"]["not_applicable"] is False
    assert body["theirs"]["version"] == 1 and body["theirs"]["updated_by"] == "Rina"
    assert body["theirs"]["updated_at"].endswith("+00:00")
    assert stored_answers(demo, assessment_id)["GOV-01"] == (2, False, "Rina")

    # "keep mine": sent again based on their version
    kept = autosave(client, assessment_id, level=4, justification="Punyaku", version=1)
    assert kept.status_code == 200 and kept.json["version"] == 2
    assert stored_answers(demo, assessment_id)["GOV-01"] == (4, False, "Punyaku")


def test_saves_of_different_answers_never_conflict(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    other, _ = colleague(demo)
    assert autosave(other, assessment_id, indicator="GOV-02", version=0).status_code == 200
    assert autosave(client, assessment_id, indicator="GOV-01", version=0).status_code == 200
    assert autosave(other, assessment_id, indicator="GOV-02", level=5, version=1).status_code == 200


# who may autosave into Diskominfo's draft: only its own agency
ACCESS = [
    pytest.param("dinkes", 404, "not_found", id="other-agency"),
    pytest.param("evaluator", 403, "forbidden", id="evaluator"),
    pytest.param("admin", 403, "forbidden", id="admin"),
    pytest.param("pimpinan", 403, "forbidden", id="viewer"),
]


@pytest.mark.parametrize(("username", "status", "error"), ACCESS)
def test_only_the_agency_may_autosave(demo, client, auth, username, status, error):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login(username)
    response = autosave(client, assessment_id)
    assert response.status_code == status and response.json["error"] == error
    assert stored_answers(demo, assessment_id) == {}


def test_an_unknown_assessment_is_not_found(demo, client, auth):
    auth.login("diskominfo")
    response = autosave(client, 999999)
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_a_submitted_assessment_refuses_autosave_as_a_state_conflict(demo, client, auth):
    assessment_id = submitted(demo)
    before = stored_answers(demo, assessment_id)
    auth.login("diskominfo")
    response = autosave(client, assessment_id, justification="Terlambat", version=1)
    assert response.status_code == 409 and response.json["error"] == "not_editable"
    assert stored_answers(demo, assessment_id) == before


def test_without_a_session_the_reply_is_401_json_with_the_way_back(demo, client):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    response = autosave(client, assessment_id, indicator="GOV-03")
    assert response.status_code == 401 and response.is_json
    assert response.json["error"] == "login_required"
    assert response.json["login_url"] == (
        f"/login?next=/assessments/{assessment_id}/dimensions/GOV"
    )


def test_an_idle_session_is_logged_out_and_autosave_says_401(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    idle = demo.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[LAST_ACTIVE] = int(time.time()) - idle - 5
    response = autosave(client, assessment_id)
    assert response.status_code == 401 and response.json["error"] == "login_required"
    assert stored_answers(demo, assessment_id) == {}
    # logged out for good, not only for this request
    assert client.get("/").status_code == 302


def test_csrf_is_checked_and_a_missing_token_is_a_json_400(csrf_app, demo):
    client = csrf_app.test_client()
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"username": "diskominfo", "password": PASSWORD, "csrf_token": csrf_token_from(page)},
    )
    missing = autosave(client, assessment_id)
    assert missing.status_code == 400 and missing.is_json
    assert missing.json["error"] == "csrf" and missing.json["message"]
    wrong = autosave(client, assessment_id, headers={"X-CSRFToken": "not-the-token"})
    assert wrong.status_code == 400 and wrong.json["error"] == "csrf"
    assert stored_answers(demo, assessment_id) == {}

    form = client.get(f"/assessments/{assessment_id}/dimensions/GOV").get_data(as_text=True)
    token = csrf_token_from(form)
    saved = autosave(client, assessment_id, headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.json["version"] == 1


def test_the_dimension_page_carries_what_the_script_needs(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    autosave(client, assessment_id, version=0)
    page = client.get(f"/assessments/{assessment_id}/dimensions/GOV").get_data(as_text=True)
    assert f'data-autosave-url="/assessments/{assessment_id}/autosave"' in page
    with demo.app_context():
        from smartcity.models import User

        user_id = db.session.scalar(select(User.id).filter_by(username="diskominfo"))
    assert f'data-storage-key="smartcity.autosave.{user_id}.{assessment_id}"' in page
    assert 'id="autosave-status-GOV-01" aria-live="polite"' in page
    assert re.search(r'src="/static/js/autosave\.[0-9a-f]{12}\.js" defer', page)
    # the no-JS Save button posts the version the script last confirmed
    assert '<input id="version-GOV-01" name="version-GOV-01" type="hidden" value="1">' in page


def test_the_scripts_texts_follow_the_pages_language_back_and_forth(demo, client, auth):
    """The texts are rendered once per language and reused: each language keeps its own."""
    url = f"/assessments/{assessment_of(demo, 'DISKOMINFO').id}/dimensions/GOV"
    auth.login("diskominfo")
    for language, saving in (("id", "Menyimpan…"), ("en", "Saving…"), ("id", "Menyimpan…")):
        with client.session_transaction() as session:
            session["language"] = language
        page = client.get(url).get_data(as_text=True)
        assert f'data-text-saving="{saving}"' in page
        assert "data-text-restored=" in page


def test_a_read_only_page_has_no_autosave(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("evaluator")
    page = client.get(f"/assessments/{assessment_id}/dimensions/GOV").get_data(as_text=True)
    assert "data-autosave-url" not in page and "autosave.js" not in page
