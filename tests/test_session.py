"""Sessions: cookie flags, a fresh session at log-in, and the idle time-out (docs/AUTOSAVE.md)."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from smartcity import config
from smartcity.security import LAST_ACTIVE

from .helpers import PASSWORD, assessment_of, csrf_token_from, stored_answers


def idle_for(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session[LAST_ACTIVE] = int(time.time()) - seconds


def session_cookie(response) -> str:
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[0]


# (environment, Secure flag on the session cookie)
SECURE_CASES = [
    pytest.param({}, False, id="plain-http-default"),
    pytest.param({"PREFERRED_URL_SCHEME": "https"}, True, id="https-scheme"),
    pytest.param({"PUBLIC_BASE_URL": "https://smartcity.example.go.id"}, True, id="https-base-url"),
    pytest.param({"PREFERRED_URL_SCHEME": "https", "SESSION_COOKIE_SECURE": "0"}, False, id="off"),
    pytest.param({"SESSION_COOKIE_SECURE": "1"}, True, id="forced-on"),
    pytest.param({"SESSION_COOKIE_SECURE": "true"}, True, id="forced-on-word"),
]


@pytest.mark.parametrize(("environment", "secure"), SECURE_CASES)
def test_cookie_is_secure_when_served_over_https(monkeypatch, tmp_path: Path, environment, secure):
    for name in ("PREFERRED_URL_SCHEME", "PUBLIC_BASE_URL", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = config.from_environment(tmp_path)
    assert settings["SESSION_COOKIE_SECURE"] is secure
    assert settings["REMEMBER_COOKIE_SECURE"] is secure
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(("value", "minutes"), [(None, 60), ("15", 15), ("480", 480)])
def test_idle_minutes_come_from_the_environment(monkeypatch, tmp_path: Path, value, minutes):
    monkeypatch.delenv("SESSION_IDLE_MINUTES", raising=False)
    if value is not None:
        monkeypatch.setenv("SESSION_IDLE_MINUTES", value)
    assert config.from_environment(tmp_path)["SESSION_IDLE_MINUTES"] == minutes


def test_the_session_cookie_is_httponly_and_samesite_lax(demo, client, auth):
    cookie = session_cookie(auth.login("diskominfo"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the test app is served over http


def test_the_session_cookie_is_secure_when_configured(demo, client, auth):
    demo.config["SESSION_COOKIE_SECURE"] = True
    cookie = session_cookie(auth.login("diskominfo"))
    assert "Secure" in cookie


def test_log_in_starts_a_fresh_session(csrf_app, demo):
    """Nothing from before the log-in carries over: a planted session or token is useless after."""
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token_before = csrf_token_from(page)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["language"] = "en"
    response = client.post(
        "/login",
        data={"username": "diskominfo", "password": PASSWORD, "csrf_token": token_before},
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["language"] == "en"  # the chosen language is kept
        assert "_user_id" in session and isinstance(session[LAST_ACTIVE], int)
    # the token issued before the log-in no longer works
    refused = client.post("/logout", data={"csrf_token": token_before})
    assert refused.status_code == 400
    assert client.get("/").status_code == 200  # still logged in


# (seconds idle, whether the session is still alive)
IDLE_CASES = [
    pytest.param(0, True, id="just-now"),
    pytest.param(59 * 60, True, id="59-minutes"),
    pytest.param(61 * 60, False, id="61-minutes"),
    pytest.param(24 * 60 * 60, False, id="a-day"),
]


@pytest.mark.parametrize(("seconds", "alive"), IDLE_CASES)
def test_a_page_after_the_idle_time_goes_to_log_in_and_back(demo, client, auth, seconds, alive):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    idle_for(client, seconds)
    page = f"/assessments/{assessment_id}/dimensions/GOV"
    response = client.get(page)
    if alive:
        assert response.status_code == 200
        return
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login" and parse_qs(location.query)["next"] == [page]
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert any(
            "berakhir" in message or "ended" in message for _, message in session["_flashes"]
        )
    # logging in again lands on the same page
    back = client.post(
        response.headers["Location"], data={"username": "diskominfo", "password": PASSWORD}
    )
    assert back.status_code == 302 and back.headers["Location"] == page


def test_the_idle_time_is_configurable(demo, client, auth):
    demo.config["SESSION_IDLE_MINUTES"] = 5
    auth.login("diskominfo")
    idle_for(client, 6 * 60)
    assert client.get("/").status_code == 302
    auth.login("diskominfo")
    idle_for(client, 4 * 60)
    assert client.get("/").status_code == 200


def test_activity_keeps_the_session_alive(demo, client, auth):
    auth.login("diskominfo")
    idle_for(client, 50 * 60)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert int(time.time()) - session[LAST_ACTIVE] < 5  # the clock restarted


def test_a_form_post_after_the_idle_time_saves_nothing_and_returns_to_its_page(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    idle_for(client, 2 * 60 * 60)
    page = f"/assessments/{assessment_id}/dimensions/GOV"
    response = client.post(
        page,
        data={"level-GOV-01": "3", "justification-GOV-01": "x"},
        headers={"Referer": f"http://localhost{page}"},
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login" and parse_qs(location.query)["next"] == [page]
    assert stored_answers(demo, assessment_id) == {}
