"""Administering user accounts: create, change, deactivate, reset, search, paging."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from smartcity.extensions import db
from smartcity.models import Agency, AuditEvent, User

from .helpers import PASSWORD

NEW_PASSWORD = "Sungai Mentaya 2026"


def user_named(app, username: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        if user is not None:
            db.session.expunge(user)
        return user


def actions_for(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.subject_type == "user", AuditEvent.subject_id == str(user_id))
                .order_by(AuditEvent.id)
            )
        )


def test_admin_creates_an_agency_operator_who_must_change_the_password(demo, client, auth):
    auth.login("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "operator.dinkes2",
            "full_name": "Rina Operator",
            "role": "agency",
            "agency": "DINKES",
            "password": "Awal-Mentaya-2026",
        },
    )
    assert response.status_code == 303
    user = user_named(demo, "operator.dinkes2")
    assert user.must_change_password and user.role == "agency" and user.active
    assert actions_for(demo, user.id) == ["user.created"]
    with demo.app_context():
        assert db.session.get(Agency, user.agency_id).code == "DINKES"
        # one agency, several users: the demo operator, the agency head and the new one
        names = db.session.scalars(select(User.username).filter_by(agency_id=user.agency_id))
        assert sorted(names) == ["dinkes", "kepala-dinkes", "operator.dinkes2"]
    auth.logout()
    assert auth.login("operator.dinkes2", "Awal-Mentaya-2026").status_code == 302
    assert client.get("/").headers["Location"] == "/account/password"


CREATE_REFUSED = [
    # (form, message)
    ({"username": "dinkes", "role": "agency", "agency": "DINKES"}, "User dinkes already exists."),
    (
        {"username": "baru", "role": "agency", "agency": ""},
        "An agency user needs an agency (--agency CODE).",
    ),
    (
        {"username": "baru", "role": "evaluator", "password": "password123"},
        "commonly used passwords",
    ),
    ({"username": "baru", "role": "evaluator", "password": "pendek"}, "at least 10 characters"),
    (
        {"username": "baru", "role": "evaluator", "password": "baru-sampit-2026"},
        "must not contain the username",
    ),
    ({"username": "baru orang", "role": "evaluator"}, "letters, digits"),
    ({"username": "baru", "role": "king"}, "Not a valid choice"),
    ({"username": "baru", "role": "agency", "agency": "NOPE"}, "Not a valid choice"),
]


def test_creating_a_user_is_refused_with_a_reason(demo, client, auth, english):
    auth.login("admin")
    with demo.app_context():
        before = db.session.scalar(select(func.count(User.id)))
    for form, message in CREATE_REFUSED:
        data = {"password": "Awal-Mentaya-2026", "full_name": "", "agency": "", **form}
        response = client.post("/admin/users/new", data=data)
        assert response.status_code == 400, form
        assert message in response.get_data(as_text=True), form
    with demo.app_context():
        assert db.session.scalar(select(func.count(User.id))) == before


def test_changing_role_name_and_agency_is_recorded(demo, client, auth):
    auth.login("admin")
    dinkes = user_named(demo, "dinkes")
    response = client.post(
        f"/admin/users/{dinkes.id}",
        data={"full_name": "Dewi Evaluator", "role": "evaluator", "agency": ""},
    )
    assert response.status_code == 303
    user = user_named(demo, "dinkes")
    assert (user.role, user.full_name, user.agency_id) == ("evaluator", "Dewi Evaluator", None)
    assert actions_for(demo, user.id)[-1] == "user.changed"
    # the same again changes nothing and records nothing
    client.post(
        f"/admin/users/{dinkes.id}",
        data={"full_name": "Dewi Evaluator", "role": "evaluator", "agency": ""},
    )
    assert actions_for(demo, user.id).count("user.changed") == 1


def test_a_deactivated_user_cannot_log_in_and_keeps_their_history(demo, client, auth):
    auth.login("admin")
    dinkes = user_named(demo, "dinkes")
    assert client.post(f"/admin/users/{dinkes.id}/deactivate").status_code == 303
    assert not user_named(demo, "dinkes").active
    auth.logout()
    assert auth.login("dinkes").status_code == 401
    auth.login("admin")
    assert client.post(f"/admin/users/{dinkes.id}/reactivate").status_code == 303
    assert actions_for(demo, dinkes.id)[-2:] == ["user.deactivated", "user.reactivated"]
    auth.logout()
    assert auth.login("dinkes").status_code == 302


def test_a_generated_reset_password_is_shown_once_and_must_be_changed(demo, client, auth):
    auth.login("admin")
    dlh = user_named(demo, "dlh")
    response = client.post(f"/admin/users/{dlh.id}/password", data={"password": ""})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    temporary = re.search(r'id="temporary-password">([^<]+)<', response.get_data(as_text=True))[1]
    assert user_named(demo, "dlh").must_change_password
    with demo.app_context():
        stored = " ".join(
            db.session.scalars(select(AuditEvent.new_value).filter_by(action="user.password_reset"))
        )
    assert temporary not in stored
    auth.logout()
    assert auth.login("dlh", PASSWORD).status_code == 401
    assert auth.login("dlh", temporary).status_code == 302
    assert client.get("/periods/2026/assessments").headers["Location"] == "/account/password"


def test_a_typed_reset_password_follows_the_policy(demo, client, auth, english):
    auth.login("admin")
    dlh = user_named(demo, "dlh")
    refused = client.post(f"/admin/users/{dlh.id}/password", data={"password": "password123"})
    assert refused.status_code == 400
    assert "commonly used passwords" in refused.get_data(as_text=True)
    assert not user_named(demo, "dlh").must_change_password
    accepted = client.post(f"/admin/users/{dlh.id}/password", data={"password": "Sementara-77x"})
    assert accepted.status_code == 200
    assert "temporary-password" not in accepted.get_data(as_text=True)
    assert user_named(demo, "dlh").must_change_password


LAST_ADMIN = [
    # (action, data, status)
    ("deactivate", {}, 303),
    ("", {"full_name": "Admin", "role": "evaluator", "agency": ""}, 400),
]


@pytest.mark.parametrize(("action", "data", "status"), LAST_ADMIN)
def test_the_last_active_admin_cannot_be_deactivated_or_demoted(
    demo, client, auth, english, action, data, status
):
    auth.login("admin")
    admin = user_named(demo, "admin")
    url = f"/admin/users/{admin.id}" + (f"/{action}" if action else "")
    response = client.post(url, data=data, follow_redirects=False)
    assert response.status_code == status
    page = (
        client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
        if status == 303
        else (response.get_data(as_text=True))
    )
    assert "admin is the last active administrator" in page
    after = user_named(demo, "admin")
    assert after.active and after.role == "admin"
    # with a second administrator, it can
    client.post(
        f"/admin/users/{user_named(demo, 'evaluator').id}",
        data={"full_name": "", "role": "admin", "agency": ""},
    )
    assert client.post(url, data=data).status_code == 303
    after = user_named(demo, "admin")
    assert (not after.active) if action else after.role == "evaluator"


SEARCHES = [
    # (query string, usernames expected on the page, usernames that must not be there)
    ("q=dinkes", {"dinkes"}, {"dlh", "admin"}),
    ("q=DINKES", {"dinkes"}, {"dlh"}),
    ("q=Kesehatan", {"dinkes"}, {"dlh", "diskominfo"}),  # the agency's name
    ("q=Pimpinan", {"pimpinan"}, {"admin"}),  # the full name
    ("role=viewer", {"pimpinan"}, {"admin", "dinkes", "evaluator"}),
    ("role=agency&q=dis", {"diskominfo", "disdik", "dishub"}, {"admin"}),
    ("q=tidak-ada-yang-cocok", set(), {"admin"}),
    ("q=%25", set(), {"admin"}),  # % and _ are letters, not wildcards
    ("q=_", set(), {"admin"}),
]


def test_users_search(demo, client, auth):
    auth.login("admin")
    for query, present, absent in SEARCHES:
        page = client.get(f"/admin/users?{query}").get_data(as_text=True)
        shown = set(re.findall(r'href="/admin/users/\d+">([^<]+)</a>', page))
        assert present <= shown, query
        assert not (absent & shown), query


def add_users(app, count: int) -> None:
    """Many operators at once (one shared hash: hashing each would only slow the test)."""
    with app.app_context():
        agency = db.session.scalar(select(Agency).filter_by(code="DINKES"))
        template = db.session.scalar(select(User).filter_by(username="dinkes"))
        db.session.add_all(
            User(
                username=f"operator{n:03d}",
                full_name=f"Operator {n}",
                role="agency",
                agency_id=agency.id,
                password_hash=template.password_hash,
            )
            for n in range(count)
        )
        db.session.commit()


def test_users_are_paged_25_at_a_time(demo, client, auth):
    with demo.app_context():
        demo_users = db.session.scalar(select(func.count(User.id)))
    add_users(demo, 75 - demo_users)  # with the demo users: 75, three pages
    auth.login("admin")
    names = []
    for number in (1, 2, 3):
        page = client.get(f"/admin/users?page={number}").get_data(as_text=True)
        rows = re.findall(r'href="/admin/users/\d+">([^<]+)</a>', page)
        assert len(rows) == 25
        names += rows
    assert len(set(names)) == 75
    assert names == sorted(names, key=str.lower)
    # past the end: the last page
    last = client.get("/admin/users?page=99").get_data(as_text=True)
    assert re.findall(r'href="/admin/users/\d+">([^<]+)</a>', last) == names[50:]


@contextmanager
def counted_queries(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


LISTS = ["/admin/users", "/admin/users?q=operator&role=agency", "/admin/agencies"]


@pytest.mark.commits
def test_lists_take_the_same_number_of_queries_for_10_and_200_users(demo, client, auth):
    auth.login("admin")
    counts: dict[str, list[int]] = {url: [] for url in LISTS}
    added = 0
    for total in (10, 200):
        add_users_from(demo, added, total - added)
        added = total
        for url in LISTS:
            client.get(url)  # warm caches (translations, templates)
            with counted_queries(demo) as statements:
                assert client.get(url).status_code == 200
            counts[url].append(len(statements))
    for url, (few, many) in counts.items():
        assert 0 < few == many <= 6, (url, few, many)


def add_users_from(app, start: int, count: int) -> None:
    with app.app_context():
        agency_ids = list(db.session.scalars(select(Agency.id).order_by(Agency.id)))
        template = db.session.scalar(select(User).filter_by(username="dinkes"))
        db.session.add_all(
            User(
                username=f"operator{n:03d}",
                full_name=f"Operator {n}",
                role="agency",
                agency_id=agency_ids[n % len(agency_ids)],
                password_hash=template.password_hash,
            )
            for n in range(start, start + count)
        )
        db.session.commit()


def test_unknown_users_and_agencies_are_404(demo, client, auth):
    auth.login("admin")
    assert client.get("/admin/agencies/999999").status_code == 404
    assert client.post("/admin/agencies/999999/deactivate").status_code == 404
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post("/admin/users/999999/deactivate").status_code == 404
    assert client.post("/admin/users/999999/password").status_code == 404


def test_every_form_carries_its_csrf_token(demo, csrf_app, client, auth):
    from .helpers import csrf_token_from

    login_page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token_from(login_page)},
    )
    dlh = user_named(demo, "dlh")
    assert client.post(f"/admin/users/{dlh.id}/deactivate").status_code == 400  # no token
    page = client.get(f"/admin/users/{dlh.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    # the user's form, the reset, ending the sessions, deactivation, and the log-out button
    assert page.count(f'value="{token}"') == 5
    response = client.post(f"/admin/users/{dlh.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 303 and not user_named(demo, "dlh").active
