"""Requests found by the hostile run: each gets a clear 4xx (or is ignored), never a 500.

- every redirect target goes through one safe-`next` check (control characters, other hosts);
- the autosave endpoint checks the log-in before it reads the body, and refuses bodies nested
  too deeply or too large;
- a log-in with an unknown username costs one password hash, like a wrong password;
- numbers and dates in query strings have one parser each (see also the access matrix).
"""

from __future__ import annotations

from datetime import date

import pytest

from smartcity.parsing import iso_date, whole_number
from smartcity.security import safe_next
from smartcity.services import accounts

from .helpers import PASSWORD, assessment_of

# -- redirect targets --------------------------------------------------------------------------

# (target, what safe_next gives with the default "/home")
TARGETS = [
    ("/assessments/3", "/assessments/3"),
    ("/assessments/3?tab=gov#GOV-01", "/assessments/3?tab=gov#GOV-01"),
    ("/login\nenv;", "/home"),
    ("/login\r\nSet-Cookie: a=b", "/home"),
    ("/a\x00b", "/home"),
    ("/a\x7fb", "/home"),
    ("/a\x85b", "/home"),
    ("//evil.example/x", "/home"),
    ("/\\evil.example", "/home"),
    ("https://evil.example/", "/home"),
    ("javascript:alert(1)", "/home"),
    ("assessments/3", "/home"),
    # browsers drop tabs and line breaks from URLs: "/\t/evil" would become "//evil"
    ("/\t/evil.example", "/home"),
    ("", "/home"),
    (None, "/home"),
]


@pytest.mark.parametrize(("target", "result"), TARGETS)
def test_safe_next(target, result):
    assert safe_next(target, "/home") == result


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged in"])
@pytest.mark.parametrize(
    "url",
    [
        "/language/en?next=%2Flogin%0Aenv%3B",
        "/language/id?next=%2Flogin%0D%0ASet-Cookie%3A%20x%3Dy",
        "/login?next=%2F%0Aenv",
    ],
)
def test_a_line_break_in_next_goes_to_the_default(demo, client, auth, url, logged_in):
    if logged_in:
        auth.login("diskominfo")
    response = client.get(url)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert "\n" not in response.headers["Location"]
        assert response.headers["Location"] in ("/", "/login")


def test_the_log_in_form_does_not_follow_a_line_break_in_next(demo, client):
    response = client.post(
        "/login?next=%2Fa%0Ab", data={"username": "diskominfo", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


# -- autosave ----------------------------------------------------------------------------------


def deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def post_raw(client, assessment_id: int, body: bytes):
    return client.post(
        f"/assessments/{assessment_id}/autosave", data=body, content_type="application/json"
    )


@pytest.mark.parametrize("levels", [9, 900, 5000])
def test_deeply_nested_json_is_refused_after_the_log_in_check(demo, client, auth, levels):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    anonymous = post_raw(client, assessment_id, deep(levels))
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"] == "login_required"
    auth.login("diskominfo")
    response = post_raw(client, assessment_id, deep(levels))
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"
    nested = post_raw(
        client,
        assessment_id,
        b'{"indicator": "GOV-01", "level": 3, "justification": "x", "checked": '
        + deep(levels)
        + b"}",
    )
    assert nested.status_code == 400


def test_brackets_inside_texts_are_no_nesting(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    text = "[" * 50 + '"{' * 50 + "\\"
    response = client.post(
        f"/assessments/{assessment_id}/autosave",
        json={"indicator": "GOV-01", "level": 3, "not_applicable": False, "justification": text},
    )
    assert response.status_code == 200, response.get_json()


def test_a_body_larger_than_an_answer_can_be_is_refused(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    body = b'{"indicator": "GOV-01", "justification": "' + b"x" * (1024 * 1024) + b'"}'
    response = post_raw(client, assessment_id, body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


# -- log-in --------------------------------------------------------------------------------------


@pytest.fixture
def hashes_checked(monkeypatch):
    """The hashes each log-in checks a password against (werkzeug's check, counted)."""
    import smartcity.models as models

    checked: list[str] = []
    real = accounts.check_password_hash

    def counting(stored: str, password: str) -> bool:
        checked.append(stored.split("$", 1)[0])
        return real(stored, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    monkeypatch.setattr(models, "check_password_hash", counting)
    return checked


# (username, password) -> one hash checked each, made the same way as the users' hashes
LOG_INS = [
    pytest.param("diskominfo", "salah-sekali-2026", id="wrong password"),
    pytest.param("tidak-ada-orangnya", "salah-sekali-2026", id="unknown user"),
    pytest.param("dinkes-nonaktif", PASSWORD, id="deactivated user"),
]


@pytest.mark.parametrize(("username", "password"), LOG_INS)
def test_every_failed_log_in_checks_one_password_hash(
    demo, client, hashes_checked, username, password
):
    from smartcity.extensions import db
    from smartcity.models import User

    with demo.app_context():
        user = db.session.query(User).filter_by(username="dinkes").one()
        user.username, user.active = "dinkes-nonaktif", False
        db.session.commit()
        method = demo.config["PASSWORD_HASH_METHOD"]
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 401
    assert hashes_checked == [method]


# -- numbers and dates -----------------------------------------------------------------------------

# (text, whole number 1 to 1,000,000 or None)
NUMBERS = [
    ("7", 7),
    (" 12 ", 12),
    ("1000000", 1_000_000),
    ("1000001", None),
    ("0", None),
    ("-1", None),
    ("+3", None),
    ("\u00b2", None),
    ("\u0663", None),
    ("1e3", None),
    ("1_000", None),
    ("9" * 400, None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("raw", "number"), NUMBERS)
def test_one_parser_for_whole_numbers(raw, number):
    assert whole_number(raw, 1, 1_000_000) == number


DATES = [
    ("2026-03-31", date(2026, 3, 31)),
    ("1900-01-01", date(1900, 1, 1)),
    ("9998-12-31", date(9998, 12, 31)),
    ("0001-01-01", None),
    ("9999-12-31", None),
    ("2026-02-30", None),
    ("31-12-2025", None),
    ("2026-3-1", None),
    ("\u0662\u0660\u0662\u0666-01-01", None),
    ("2026-01-01T00:00", None),
    ("", None),
]


@pytest.mark.parametrize(("raw", "day"), DATES)
def test_one_parser_for_dates(raw, day):
    assert iso_date(raw) == day
