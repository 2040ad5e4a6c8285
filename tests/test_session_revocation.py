"""Sessions end on the server: a copied session cookie dies with the session it copies.

A session is a row on the server; log-out, a password change (own or an administrator's
reset), deactivation and an administrator's "end all sessions" end it for good, so replaying
an old cookie (same browser, same forwarded address) leads to the log-in page. The binding of
a session to its client never believes a forwarded address unless PROXY_FIX says so.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import AuditEvent, User, UserSession
from smartcity.security import SESSION_TOKEN

from .helpers import PASSWORD, assessment_of

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chromium/131"
VICTIM = "203.0.113.7"
ATTACKER = "198.51.100.23"


def client_at(app, address: str, forwarded: str | None = None):
    """A browser at `address` (optionally sending X-Forwarded-For) with a fixed User-Agent."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": address, "HTTP_USER_AGENT": BROWSER})
    if forwarded:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    return client


def log_in(client, username: str = "diskominfo", password: str = PASSWORD) -> None:
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def copy_of(app, victim, address: str = VICTIM, forwarded: str | None = None):
    """Another client holding the victim's session cookie."""
    thief = client_at(app, address, forwarded)
    thief.set_cookie("session", victim.get_cookie("session").value, domain="localhost")
    return thief


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).filter_by(username=username))


def change_own_password(app, victim, admin) -> None:
    response = victim.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "kata-sandi-baru-2026",
            "confirm": "kata-sandi-baru-2026",
        },
    )
    assert response.status_code == 303


def admin_post(path: str):
    def action(app, victim, admin) -> None:
        target = user_id(app, "diskominfo")
        assert admin.post(path.format(user=target)).status_code in (200, 303)

    return action


def deactivate_and_reactivate(app, victim, admin) -> None:
    admin_post("/admin/users/{user}/deactivate")(app, victim, admin)
    admin_post("/admin/users/{user}/reactivate")(app, victim, admin)


# (what ends the session, who does it)
ENDINGS = [
    pytest.param(lambda app, victim, admin: victim.post("/logout"), id="log-out"),
    pytest.param(change_own_password, id="own password change"),
    pytest.param(admin_post("/admin/users/{user}/password"), id="administrator's reset"),
    pytest.param(deactivate_and_reactivate, id="deactivated (and reactivated)"),
    pytest.param(admin_post("/admin/users/{user}/sessions/end"), id="end all sessions"),
]


@pytest.mark.parametrize("end", ENDINGS)
def test_a_copied_session_cookie_dies_with_its_session(demo, end):
    assessment = assessment_of(demo, "DISKOMINFO").id
    page = f"/assessments/{assessment}"
    victim = client_at(demo, VICTIM)
    log_in(victim)
    admin = client_at(demo, "192.0.2.1")
    log_in(admin, "admin")
    # the copy works while the session lives (same browser, same address)
    assert copy_of(demo, victim).get(page).status_code == 200
    thief = copy_of(demo, victim)
    end(demo, victim, admin)
    response = thief.get(page)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # the administrator's own session is not touched
    assert admin.get("/admin/users").status_code == 200


def test_the_browser_that_changed_its_password_stays_logged_in(demo):
    victim = client_at(demo, VICTIM)
    log_in(victim)
    other_browser = client_at(demo, VICTIM)
    log_in(other_browser)
    change_own_password(demo, victim, None)
    assert victim.get("/").status_code == 200
    assert other_browser.get("/").status_code == 302


def test_log_out_ends_only_that_session(demo):
    office, phone = client_at(demo, VICTIM), client_at(demo, VICTIM)
    log_in(office)
    log_in(phone)
    office.post("/logout")
    assert office.get("/").status_code == 302
    assert phone.get("/").status_code == 200


def test_ending_all_sessions_is_audited_and_shown(demo):
    victim = client_at(demo, VICTIM)
    log_in(victim)
    log_in(client_at(demo, VICTIM))
    admin = client_at(demo, "192.0.2.1")
    log_in(admin, "admin")
    target = user_id(demo, "diskominfo")
    page = admin.get(f"/admin/users/{target}").get_data(as_text=True)
    assert "Akhiri semua sesi" in page
    response = admin.post(f"/admin/users/{target}/sessions/end", follow_redirects=True)
    assert "2 sesi diskominfo diakhiri" in response.get_data(as_text=True)
    with demo.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="user.sessions_ended"))
        assert event is not None and event.subject_id == str(target)
        assert '"sessions": 2' in event.new_value
        open_rows = db.session.scalars(
            select(UserSession).filter_by(user_id=target, ended_at=None)
        ).all()
        assert open_rows == []


def test_the_session_cookie_holds_a_secret_the_server_keeps_only_hashed(demo):
    victim = client_at(demo, VICTIM)
    log_in(victim)
    with victim.session_transaction() as session:
        token = session[SESSION_TOKEN]
    with demo.app_context():
        hashes = db.session.scalars(select(UserSession.token_hash)).all()
    assert len(token) >= 40 and token not in hashes and len(hashes) == 1


# (PROXY_FIX, the thief's socket address, the X-Forwarded-For it sends, the victim's header)
REPLAYS = [
    pytest.param(0, ATTACKER, VICTIM, None, id="no proxy: a forged X-Forwarded-For is ignored"),
    pytest.param(
        1, "127.0.0.1", f"{VICTIM}, {ATTACKER}", VICTIM, id="one proxy: it appends the real one"
    ),
]


@pytest.mark.parametrize(("proxy_fix", "address", "forwarded", "victim_forwarded"), REPLAYS)
def test_the_session_binding_believes_only_trusted_proxies(
    demo, proxy_fix, address, forwarded, victim_forwarded
):
    demo.config["PROXY_FIX"] = proxy_fix
    if proxy_fix:
        from werkzeug.middleware.proxy_fix import ProxyFix

        demo.wsgi_app = ProxyFix(demo.wsgi_app, x_for=proxy_fix)
    page = f"/assessments/{assessment_of(demo, 'DISKOMINFO').id}"
    victim = client_at(demo, "127.0.0.1" if proxy_fix else VICTIM, victim_forwarded)
    log_in(victim)
    assert victim.get(page).status_code == 200
    thief = copy_of(demo, victim, address, forwarded)
    assert thief.get(page).status_code == 302


def test_a_session_lasts_at_most_thirty_days_and_old_rows_are_pruned(demo):
    from datetime import timedelta

    from smartcity.models import utcnow

    victim = client_at(demo, VICTIM)
    log_in(victim)
    victim.post("/logout")
    old_browser = client_at(demo, VICTIM)
    log_in(old_browser)
    with demo.app_context():
        target = db.session.scalar(select(User.id).filter_by(username="diskominfo"))
        for row in db.session.scalars(select(UserSession).filter_by(user_id=target)):
            row.created_at = utcnow() - timedelta(days=31)
        db.session.commit()
    assert old_browser.get("/").status_code == 302
    log_in(client_at(demo, VICTIM))
    with demo.app_context():
        # the ended and the outlived rows are gone; the new log-in's is there
        rows = db.session.scalars(select(UserSession).filter_by(user_id=target)).all()
        assert len(rows) == 1 and rows[0].ended_at is None
