"""Shared fixtures: an app on a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator

import pytest
from flask import Flask

from smartcity.extensions import db, limiter
from smartcity.factory import create_app

# Tests never write into the developer's instance folder.
os.environ["SMARTCITY_INSTANCE"] = tempfile.mkdtemp(prefix="smartcity-test-")

from tests.databases import TEST_CONFIG, Databases, rolled_back  # noqa: E402
from tests.helpers import Auth, wait_for_print_jobs  # noqa: E402


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests whose outcome depends on the test database (they use the "
        "`databases` fixture), browser tests excepted: `make test`'s SQLite run when a "
        "PostgreSQL run follows, which runs every test (docs/TESTING.md)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("database_tests_only"):
        return
    kept, left = [], []
    for item in items:
        uses_database = "databases" in getattr(item, "fixturenames", ())
        if uses_database and item.get_closest_marker("browser") is None:
            kept.append(item)
        else:
            left.append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def _base_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url or None


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """This worker's state databases (SQLite, or PostgreSQL via TEST_DATABASE_URL): with
    `pytest -n N` each worker process has its own (`test_gw0`, `test_gw0_demo`, ...)."""
    found = Databases(
        _base_url(), tmp_path_factory.mktemp("db"), os.environ.get("PYTEST_XDIST_WORKER")
    )
    yield found
    found.close()


def _state(request: pytest.FixtureRequest) -> str:
    """The database state a test starts from, by the fixtures it asks for."""
    names = request.fixturenames
    if "two_regions" in names:
        return "two_regions"
    if "national_demo" in names:
        return "national_demo"
    if "demo_history" in names or "browser_app" in names:
        return "demo_history"
    if "demo_more_evaluators" in names:
        return "demo_more_evaluators"
    if "demo" in names:
        return "demo"
    return "blank"


def _own_database(request: pytest.FixtureRequest, databases: Databases) -> str:
    """The test's own copy of its state's database, made once per test."""
    if not hasattr(request.node, "own_database"):
        url = databases.fresh(_state(request))
        request.node.own_database = url
        request.addfinalizer(lambda: databases.drop(url))
    return request.node.own_database


@pytest.fixture
def database_url(request: pytest.FixtureRequest, databases: Databases) -> str:
    """A database of the test's own for other connections (subprocesses, servers): the same
    one the test's `app` uses when the test is marked `commits`."""
    return _own_database(request, databases)


@pytest.fixture
def app(request: pytest.FixtureRequest, databases: Databases) -> Iterator[Flask]:
    """The app on the test's state. Rolled back after the test; a test marked `commits` gets
    an app of its own on a copy of the state's database instead (docs/TESTING.md)."""
    if request.node.get_closest_marker("commits"):
        app = create_app(
            {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": _own_database(request, databases)}
        )
        with app.app_context():
            # the limiter's in-memory counts live as long as the process: each test starts afresh
            limiter.reset()
        yield app
        wait_for_print_jobs()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return
    app = databases.app(_state(request))
    config = _copied(app.config)
    # what tests change on the app besides its config
    wsgi_app, static_folder = app.wsgi_app, app.static_folder
    try:
        with rolled_back(app):
            with app.app_context():
                limiter.reset()
            yield app
    finally:
        app.wsgi_app, app.static_folder = wsgi_app, static_folder  # type: ignore[method-assign]
        app.config.clear()
        app.config.update(config)


def _copied(config: dict) -> dict:
    copied = {}
    for key, value in config.items():
        try:
            copied[key] = copy.deepcopy(value)
        except Exception:  # noqa: BLE001 - an object that cannot be copied is kept as it is
            copied[key] = value
    return copied


@pytest.fixture
def csrf_app(app):
    """The same app with CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo region (open 2026 period) with every demo user's password set to PASSWORD."""
    return app


@pytest.fixture
def demo_history(app):
    """The demo region as `flask seed-demo` makes it: with the completed 2025 period."""
    return app


@pytest.fixture
def demo_more_evaluators(app):
    """The demo region with evaluator2 (assigned nowhere) and kominfo-eval (a Diskominfo member
    assigned to Dinkes): tests/helpers.py `add_extra_evaluators`."""
    return app


@pytest.fixture
def two_regions(app):
    """The demo (62.02) and Kabupaten Kotawaringin Barat (62.01), with the ministry's users:
    tests/helpers.py `add_second_region`."""
    return app


@pytest.fixture
def national_demo(app):
    """The demo after `flask seed-demo --national`: the ministry's users, five synthetic regions
    and the finished national year 2025 (tests/helpers.py `seed_national_demo`)."""
    return app


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def english(client):
    """Pages in English, for tests that read the English wording (Indonesian is the default)."""
    with client.session_transaction() as session:
        session["language"] = "en"
    return client
