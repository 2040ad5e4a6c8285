"""Behind a reverse proxy (PROXY_FIX): each client keeps its own address, e.g. for log-in limits."""

from __future__ import annotations

import pytest

from smartcity.extensions import db, limiter
from smartcity.factory import create_app

CLIENT_A, CLIENT_B = "203.0.113.7", "198.51.100.23"


@pytest.mark.parametrize(
    ("proxy_fix", "other_client_status"),
    [
        pytest.param(1, 401, id="trusted proxy: the other client is not limited"),
        pytest.param(0, 429, id="no proxy setting: every client is the proxy's address"),
    ],
)
def test_failed_log_ins_count_per_forwarded_address(
    database_url: str, proxy_fix: int, other_client_status: int
):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "PROXY_FIX": proxy_fix,
            "LOGIN_LIMIT_PER_ADDRESS": "2 per minute",
            "LOGIN_LIMIT_PER_ACCOUNT": "100 per minute",
        }
    )
    client = app.test_client()
    with app.app_context():
        limiter.reset()  # the counts live in the database: each case starts afresh

    def failed_log_in(address: str, username: str) -> int:
        return client.post(
            "/login",
            data={"username": username, "password": "wrong-password"},
            headers={"X-Forwarded-For": address, "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},  # the proxy
        ).status_code

    try:
        assert [failed_log_in(CLIENT_A, f"nobody{n}") for n in range(3)] == [401, 401, 429]
        assert failed_log_in(CLIENT_B, "someone") == other_client_status
    finally:
        with app.app_context():  # this app's connections are closed now, not at some GC
            db.session.remove()
            db.engine.dispose()


def test_proxy_fix_is_off_unless_configured(monkeypatch):
    monkeypatch.delenv("PROXY_FIX", raising=False)
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["PROXY_FIX"] == 0
    monkeypatch.setenv("PROXY_FIX", "2")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["PROXY_FIX"] == 2
