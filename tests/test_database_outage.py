"""The database becomes unreachable: a clear 503 (page or JSON), nothing half-written, and the
app recovers by itself when the database is back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from smartcity.extensions import db
from smartcity.models import AuditEvent

from .helpers import assessment_of, stored_answers

# the engine itself is taken away, disposed and its PostgreSQL backends killed
pytestmark = pytest.mark.commits


def audit_count(app) -> int:
    with app.app_context():
        return len(list(db.session.scalars(select(AuditEvent.id))))


WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def database_lost_after_writes(app, writes: int, sent: list[str]) -> Iterator[None]:
    """The connection breaks at the write statement after the first `writes` ones were sent."""

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(WRITES):
            if len(sent) >= writes:
                raise OperationalError(
                    statement, parameters, Exception("server closed the connection")
                )
            sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextmanager
def database_unreachable(app) -> Iterator[None]:
    """No connection can be opened (the server is down); pooled connections are gone too."""

    def refuse(dialect, conn_rec, cargs, cparams):
        # the driver's own error, as SQLite or psycopg raise it for a server that is down
        raise dialect.loaded_dbapi.OperationalError("connection refused")

    with app.app_context():
        engine = db.engine
    engine.dispose()
    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)


def request_id_in(response) -> str:
    request_id = response.headers["X-Request-ID"]
    assert request_id and request_id != "-"
    return request_id


# -- mid-request: nothing half-written --------------------------------------------------------


def test_lost_connection_while_saving_writes_nothing_and_says_so(demo, client, auth, english):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    url = f"/assessments/{own.id}/dimensions/GOV"
    typed = {"level-GOV-01": "3", "justification-GOV-01": "Ada SK tim", "level-GOV-02": "2"}
    events_before = audit_count(demo)
    sent: list[str] = []
    # one write of the save has reached the database when the connection breaks
    with database_lost_after_writes(demo, 1, sent):
        response = client.post(url, data=typed)
    assert len(sent) == 1
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "The service is briefly unavailable" in page
    assert "Nothing was saved. What you typed is kept in this browser" in page
    assert request_id_in(response) in page
    assert "Traceback" not in page and "OperationalError" not in page
    # the transaction was rolled back: neither the answers nor their audit record exist
    assert stored_answers(demo, own.id) == {}
    assert audit_count(demo) == events_before
    # the database is back: the same form saves, and the user is still logged in
    response = client.post(url, data=typed)
    assert response.status_code == 303
    assert stored_answers(demo, own.id) == {
        "GOV-01": (3, False, "Ada SK tim"),
        "GOV-02": (2, False, ""),
    }
    assert audit_count(demo) > events_before


# -- the database is down for the whole request ------------------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_unreachable_database_gives_a_503_page_in_each_language(demo, client, auth, language):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    with client.session_transaction() as session:
        session["language"] = language
    with database_unreachable(demo):
        response = client.get(f"/assessments/{own.id}/dimensions/GOV")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert f'<html lang="{language}">' in page
    assert "503" in page and request_id_in(response) in page
    assert "Traceback" not in page and "sqlite3" not in page
    if language == "en":
        assert "The service is briefly unavailable" in page
    # recovered by itself: the next request is served normally
    assert client.get(f"/assessments/{own.id}/dimensions/GOV").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{"Accept": "application/json"}, {"Content-Type": "application/json"}],
    ids=["accepts json", "sends json"],
)
def test_unreachable_database_gives_json_to_json_clients(demo, client, auth, english, headers):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    with database_unreachable(demo):
        response = client.post(
            f"/assessments/{own.id}/dimensions/GOV",
            headers=headers,
            data="{}" if "Content-Type" in headers else None,
        )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    error = response.get_json()["error"]
    assert error["code"] == 503
    assert error["request_id"] == request_id_in(response)
    assert error["message"] == "The service is briefly unavailable"
    assert "Nothing was saved" in error["detail"]


def test_anonymous_pages_that_need_no_database_still_work(demo, client):
    with database_unreachable(demo):
        assert client.get("/login").status_code == 200
        response = client.post("/login", data={"username": "admin", "password": "x"})
    assert response.status_code == 503


def test_the_engine_replaces_dead_connections(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    with app.app_context():
        assert db.engine.pool._pre_ping


def test_postgresql_backends_killed_between_requests_are_replaced(demo, client, auth):
    with demo.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
    import psycopg

    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    url = f"/assessments/{own.id}/dimensions/GOV"
    assert client.get(url).status_code == 200  # the pool now holds a live connection
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert killed >= 1
    assert client.get(url).status_code == 200
    response = client.post(url, data={"level-GOV-01": "4"})
    assert response.status_code == 303
    assert stored_answers(demo, own.id)["GOV-01"][0] == 4


def test_autosave_hears_a_json_503_and_keeps_its_copy(demo, client, auth, english):
    """The autosave script treats 5xx as "not saved, try again" and keeps the typed text."""
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    body = {"indicator": "GOV-01", "level": "3", "justification": "Ketik", "based_on": 0}
    with database_unreachable(demo):
        response = client.post(
            f"/assessments/{own.id}/autosave", json=body, headers={"Accept": "application/json"}
        )
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert response.get_json()["error"] == "database_unavailable"
    assert stored_answers(demo, own.id) == {}


def test_the_api_answers_a_json_503_when_the_database_is_down(demo, client):
    from smartcity.models import User
    from smartcity.services import tokens

    with demo.app_context():
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        secret = tokens.create_token(admin, "outage test", by=admin).secret
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    with database_unreachable(demo):
        response = client.get("/api/v1/periods", headers=headers)
    assert response.status_code == 503
    assert response.json["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "60"
    assert client.get("/api/v1/periods", headers=headers).status_code == 200  # recovered
