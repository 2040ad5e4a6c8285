"""Password rules, and the forced change after an administrator's reset."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import AuditEvent, User
from smartcity.services import accounts

from .helpers import PASSWORD

TOO_SHORT = "The password must be at least 10 characters."
IS_USERNAME = "The password must not be the username."
CONTAINS_USERNAME = "The password must not contain the username."
COMMON = "This password is on the list of commonly used passwords: choose another."

POLICY = [
    # (username, password, problem)
    ("budi", "pendek", TOO_SHORT),
    ("budi", "123456789", TOO_SHORT),
    ("operator.dinkes", "operator.dinkes", IS_USERNAME),
    ("operator.dinkes", "OPERATOR.DINKES", IS_USERNAME),
    ("budi", "budi-sampit-2026", CONTAINS_USERNAME),
    ("budi", "Sampit-BUDI-2026", CONTAINS_USERNAME),
    ("budi", "password123", COMMON),
    ("budi", "Password123", COMMON),
    ("budi", "qwerty12345", COMMON),
    ("budi", "INDONESIA123", COMMON),
    ("budi", "bismillah123", COMMON),
    ("budi", "sayangkamu", COMMON),
    ("budi", "1234567890", COMMON),
    ("budi", "aaaaaaaaaaaa", COMMON),
    ("budi", "pelangi di mentaya", None),
    ("budi", "Kerja-Bersama-2026", None),
    # a two-letter username inside a password is a coincidence
    ("al", "kalimantan tengah", None),
    ("", PASSWORD, None),
]


@pytest.mark.parametrize(("username", "password", "problem"), POLICY)
def test_password_policy(username, password, problem):
    assert accounts.password_problem(username, password) == problem


def test_the_common_list_has_thousands_of_lower_case_entries():
    entries = accounts.common_passwords()
    assert len(entries) > 2000
    assert all(entry == entry.lower() for entry in entries)
    assert PASSWORD not in entries


def test_a_generated_temporary_password_passes_the_policy():
    passwords = {accounts.temporary_password() for _ in range(20)}
    assert len(passwords) == 20
    assert all(accounts.password_problem("", p) is None for p in passwords)


def _user(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        db.session.expunge(user)
        return user


def _reset(app, username: str, password: str) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        accounts.reset_password(user, password, by=admin)
        db.session.commit()


PAGES_WHILE_FORCED = [
    ("GET", "/"),
    ("GET", "/periods/2026/assessments"),
    ("GET", "/audit"),
    ("GET", "/admin/users"),
    ("POST", "/admin/users/new"),
    ("GET", "/login"),
]


def test_reset_forces_a_change_before_anything_else(demo, client, auth):
    temporary = "sementara-Mentaya-77"
    _reset(demo, "admin", temporary)
    assert auth.login("admin", PASSWORD).status_code == 401  # the old password is gone
    response = auth.login("admin", temporary)
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).headers["Location"] == "/account/password"
    for method, url in PAGES_WHILE_FORCED:
        response = client.open(url, method=method)
        assert response.status_code in (302, 303), (method, url)
        assert response.headers["Location"] == "/account/password", (method, url)
    assert client.get("/account/password").status_code == 200
    # the same password again is refused, and so is a weak one; nothing changes
    for new in (temporary, "password123"):
        refused = client.post(
            "/account/password", data={"current": temporary, "new": new, "confirm": new}
        )
        assert refused.status_code == 400
        assert _user(demo, "admin").must_change_password
    changed = client.post(
        "/account/password",
        data={"current": temporary, "new": "Sungai Mentaya 2026", "confirm": "Sungai Mentaya 2026"},
    )
    assert changed.status_code == 303 and changed.headers["Location"] == "/"
    assert client.get("/admin/users").status_code == 200
    user = _user(demo, "admin")
    assert not user.must_change_password and user.password_changed_at is not None
    with demo.app_context():
        actions = list(
            db.session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.subject_type == "user", AuditEvent.subject_id == str(user.id)
                )
            )
        )
    assert actions.count("user.password_reset") == 1
    assert actions.count("user.password_changed") == 1
    auth.logout()
    assert auth.login("admin", "Sungai Mentaya 2026").status_code == 302


def test_logging_out_works_during_a_forced_change(demo, client, auth):
    _reset(demo, "dinkes", "sementara-Mentaya-77")
    auth.login("dinkes", "sementara-Mentaya-77")
    assert client.post("/logout").headers["Location"] == "/login"
    assert client.get("/").headers["Location"].startswith("/login")


CHANGE_CASES = [
    # (current, new, confirm, changed): the one accepted change comes last
    ("salah-sekali-2026", "Sungai Mentaya 2026", "Sungai Mentaya 2026", False),
    (PASSWORD, "Sungai Mentaya 2026", "Sungai Mentaya 2027", False),
    (PASSWORD, PASSWORD, PASSWORD, False),
    (PASSWORD, "dinkes-sampit-1", "dinkes-sampit-1", False),
    (PASSWORD, "pendek", "pendek", False),
    ("", "Sungai Mentaya 2026", "Sungai Mentaya 2026", False),
    (PASSWORD, "Sungai Mentaya 2026", "Sungai Mentaya 2026", True),
]


def test_changing_ones_own_password(demo, client, auth):
    auth.login("dinkes")
    for current, new, confirm, changed in CHANGE_CASES:
        before = _user(demo, "dinkes").password_hash
        response = client.post(
            "/account/password", data={"current": current, "new": new, "confirm": confirm}
        )
        assert response.status_code == (303 if changed else 400), (current, new, confirm)
        assert (_user(demo, "dinkes").password_hash != before) is changed


def test_the_session_is_rotated_after_a_change(demo, client, auth):
    auth.login("dinkes")
    with client.session_transaction() as session:
        session["marker"] = "from before"
        session["language"] = "en"
    client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "Sungai Mentaya 2026", "confirm": "Sungai Mentaya 2026"},
    )
    with client.session_transaction() as session:
        assert "marker" not in session
        assert session["language"] == "en"
    assert client.get("/").status_code == 200


def test_error_messages_are_plain_text(demo, client, auth, english):
    auth.login("dinkes")
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "password123", "confirm": "password123"},
    )
    page = response.get_data(as_text=True)
    assert COMMON in page
    assert "Traceback" not in page


RESET_COMMAND = [
    # (username, standard input, exit code, output)
    ("dinkes", "Sementara-Mentaya-7\n", 0, "password of dinkes reset"),
    ("dinkes", "password123\n", 1, COMMON),
    ("dinkes", "\n", 1, "no password on standard input"),
    ("tidak-ada", "Sementara-Mentaya-7\n", 1, "there is no user named tidak-ada"),
]


def test_user_reset_password_command(demo, runner):
    for username, stdin, code, output in RESET_COMMAND:
        result = runner.invoke(
            args=["user", "reset-password", username, "--password-stdin"], input=stdin
        )
        assert result.exit_code == code, (stdin, result.output)
        assert output in result.output
    user = _user(demo, "dinkes")
    assert user.must_change_password
    with demo.app_context():
        assert db.session.get(User, user.id).check_password("Sementara-Mentaya-7")


def test_sessions_opened_before_a_change_or_reset_end(demo, client, auth):
    other_browser = demo.test_client()
    assert (
        other_browser.post("/login", data={"username": "dinkes", "password": PASSWORD}).status_code
        == 302
    )
    assert other_browser.get("/").status_code == 200
    auth.login("dinkes")
    client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "Sungai Mentaya 2026", "confirm": "Sungai Mentaya 2026"},
    )
    assert client.get("/").status_code == 200  # the session that changed it goes on
    assert other_browser.get("/").headers["Location"] == "/login"
    assert other_browser.get("/").headers["Location"].startswith("/login?next=")
    # an administrator's reset ends the user's own session too
    _reset(demo, "dinkes", "sementara-Mentaya-77")
    assert client.get("/").headers["Location"] == "/login"
