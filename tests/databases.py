"""Test databases: per xdist worker one migrated database per state, seeded once, and copies.

A state is what a test starts from: `blank` (migrated, empty), `demo` (the demo region's open
2026 period) and `demo_history` (the demo as `flask seed-demo` makes it, with 2025). Ordinary
tests run on the state's own database inside a transaction that is rolled back
(`rolled_back`); tests marked `commits` get a copy of it of their own (`Databases.fresh`):
a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL. docs/TESTING.md.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import NestedTransaction, make_url

from smartcity.extensions import db

_get_bind = FlaskSession.get_bind


def _get_bind_honouring_a_connection(self, mapper=None, clause=None, bind=None, **kwargs):
    """Flask-SQLAlchemy's `Session.get_bind` picks the app's engine even when the session was
    made for one connection (`bind=`): a rolled-back test's session keeps to its connection."""
    if bind is None and isinstance(self.bind, Connection):
        return self.bind
    return _get_bind(self, mapper=mapper, clause=clause, bind=bind, **kwargs)


FlaskSession.get_bind = _get_bind_honouring_a_connection  # type: ignore[method-assign]

# each state but `blank`: the state it starts from and what is done to it (tests/helpers.py)
STATES = {
    "blank": None,
    "demo": ("blank", "seed_demo"),
    "demo_history": ("blank", "seed_demo_history"),
    # the demo with two more evaluators, for the access matrix (tests/test_access.py)
    "demo_more_evaluators": ("demo", "add_extra_evaluators"),
    # the demo and a second region, with the ministry's users (tests/test_tenancy.py)
    "two_regions": ("demo_history", "add_second_region"),
    # `seed-demo --national`: six regions and a finished national year (tests/test_national*)
    "national_demo": ("demo_history", "seed_national_demo"),
}
# the app as the tests know it: scrypt costs ~0.1 s a user, the demo seeds fourteen
TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "SERVER_NAME": "localhost",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
}


class Databases:
    """One worker's state databases, each made when first asked for, and fresh copies of them."""

    def __init__(self, base_url: str | None, folder: Path, worker: str | None) -> None:
        self.folder = folder
        self.base_url = base_url
        self.worker = worker
        self.postgresql = bool(base_url and base_url.startswith("postgresql"))
        self._urls: dict[str, str] = {}
        self._apps: dict[str, Flask] = {}
        self._copies: list[str] = []
        self._numbers = itertools.count(1)

    # --- the states ------------------------------------------------------------------------

    def url(self, state: str) -> str:
        """The state's own database, migrated (and seeded) on first use."""
        if state not in self._urls:
            if STATES[state] is None:
                self._urls[state] = self._migrated()
            else:
                base, build = STATES[state]
                url = self._copy(self.url(base), self._name(state))
                _build(url, build)
                self._urls[state] = url
        return self._urls[state]

    def app(self, state: str) -> Flask:
        """The app of rolled-back tests on the state's database: made once, reused."""
        if state not in self._apps:
            from smartcity.factory import create_app

            app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": self.url(state)})
            with app.app_context():
                if db.engine.dialect.name == "sqlite":
                    _savepoints_on_sqlite(db.engine)
            self._apps[state] = app
        return self._apps[state]

    def fresh(self, state: str) -> str:
        """A new database that starts as the state's: for tests that commit for real."""
        return self._copy(self.url(state), self._name(f"f{next(self._numbers)}"), keep=False)

    def drop(self, url: str) -> None:
        """A fresh copy no longer needed (its connections are ended first)."""
        if url in self._copies:
            self._copies.remove(url)
            if self.postgresql:
                self._server(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
            else:
                Path(make_url(url).database or "").unlink(missing_ok=True)

    def close(self) -> None:
        for app in self._apps.values():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        for url in list(self._copies):
            self.drop(url)

    # --- making and copying ----------------------------------------------------------------

    def _name(self, suffix: str) -> str:
        if self.postgresql:
            return f"{self._blank_name()}_{suffix}"
        return str(self.folder / f"{suffix}.db")

    def _blank_name(self) -> str:
        name = make_url(self.base_url).database or "test"
        return f"{name}_{self.worker}" if self.worker else name

    def _migrated(self) -> str:
        from flask_migrate import upgrade

        from smartcity.factory import create_app

        if self.postgresql:
            name = self._blank_name()
            self._server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._server(f'CREATE DATABASE "{name}"')
            self._no_waiting_for_the_disk(name)
            url = make_url(self.base_url).set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{self.folder / 'blank.db'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        with app.app_context():
            upgrade()
            db.engine.dispose()
        return url

    def _copy(self, source: str, target: str, keep: bool = True) -> str:
        # a template database must have no connections: the state's app lets go of its own
        for state, url in self._urls.items():
            if url == source and state in self._apps:
                with self._apps[state].app_context():
                    db.session.remove()
                    db.engine.dispose()
        if self.postgresql:
            template = make_url(source).database
            self._server(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
            self._server(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')
            self._no_waiting_for_the_disk(target)
            url = make_url(source).set(database=target).render_as_string(hide_password=False)
        else:
            shutil.copyfile(make_url(source).database or "", target)
            url = f"sqlite:///{target}"
        if not keep:
            self._copies.append(url)
        return url

    def _no_waiting_for_the_disk(self, name: str) -> None:
        """A test database's commits do not wait for the WAL to reach the disk
        (`synchronous_commit` off for its sessions; a copy does not inherit it): a crash may
        lose its last commits, which a test database never needs. Seeding a state commits
        hundreds of times."""
        self._server(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')

    def _server(self, statement: str) -> None:
        import psycopg

        url = make_url(self.base_url).set(drivername="postgresql", database="postgres")
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]


def _build(url: str, build: str) -> None:
    """Make a state's database from its copy of the base state: `build` names a function of
    tests/helpers.py that takes the app (within its context) and commits."""
    from smartcity.factory import create_app
    from tests import helpers

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        getattr(helpers, build)(app)
        db.session.remove()
        db.engine.dispose()


def _savepoints_on_sqlite(engine: Engine) -> None:
    """SQLAlchemy's recipe for SAVEPOINT with pysqlite: the driver leaves transactions to us."""

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    engine.dispose()


# --- a test inside one transaction ---------------------------------------------------------


def _heed_later_listeners(*_args: object) -> None:
    """An engine listener that does nothing (see `rolled_back`)."""


@contextmanager
def rolled_back(app: Flask) -> Iterator[Connection]:
    """Everything the app writes during the block happens in one transaction, rolled back.

    The session joins the connection's transaction with a savepoint, so the app's own commits
    only release savepoints. Code that asks `db.engine` for a connection of its own (log-in
    limits, document numbers) gets a savepoint on the same connection instead.
    """
    with app.app_context():
        engine = db.engine
    # a connection heeds engine events only if the engine had some when it was made: with none
    # (PostgreSQL; SQLite has its BEGIN listener), a test's statement counter added later to
    # the engine would see nothing and compare 0 with 0
    if not event.contains(engine, "before_cursor_execute", _heed_later_listeners):
        event.listen(engine, "before_cursor_execute", _heed_later_listeners)
    connection = engine.connect()
    outer = connection.begin()
    engines = db._app_engines[app]
    engines[None] = _SharedConnectionEngine(engine, connection)  # type: ignore[assignment]
    sessions = db.session.session_factory
    options = dict(sessions.kw)
    sessions.configure(bind=connection, join_transaction_mode="create_savepoint")
    if connection.dialect.name == "postgresql":
        # sequences are not transactional: new rows number on from the state's last row
        connection.execute(text(_sequences_reset(app, connection)))
    try:
        yield connection
    finally:
        with app.app_context():
            db.session.remove()
        sessions.kw = options
        engines[None] = engine
        if outer.is_active:
            outer.rollback()
        connection.close()


_SEQUENCES: dict[Flask, str] = {}


def _sequences_reset(app: Flask, connection: Connection) -> str:
    """One statement that sets every sequence back to where the state's database has it."""
    if app not in _SEQUENCES:
        rows = connection.execute(
            text("SELECT schemaname, sequencename, last_value FROM pg_sequences")
        ).all()
        calls = [
            f'setval(\'"{schema}"."{name}"\', {last or 1}, {"true" if last else "false"})'
            for schema, name, last in rows
        ]
        _SEQUENCES[app] = "SELECT " + (", ".join(calls) or "1")
    return _SEQUENCES[app]


class _SharedConnectionEngine:
    """`db.engine` during a rolled-back test: connections are savepoints on the test's one."""

    def __init__(self, engine: Engine, connection: Connection) -> None:
        self._engine = engine
        self._connection = connection

    def connect(self) -> _SavepointConnection:
        return _SavepointConnection(self._connection)

    @contextmanager
    def begin(self) -> Iterator[_SavepointConnection]:
        with self.connect() as connection, connection.begin():
            yield connection

    def dispose(self, close: bool = True) -> None:
        """The test's connection stays: it is closed when the test ends."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


class _SavepointConnection:
    """A connection of its own, as the app's code sees it: begin, commit and close are a
    savepoint's begin, release and rollback on the shared connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._savepoint: NestedTransaction | None = None

    def __enter__(self) -> _SavepointConnection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def begin(self):
        self._autobegin()
        return self._savepoint

    def _autobegin(self) -> None:
        if self._savepoint is None or not self._savepoint.is_active:
            self._savepoint = self._connection.begin_nested()

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self._autobegin()
        return self._connection.execute(*args, **kwargs)

    def exec_driver_sql(self, *args: Any, **kwargs: Any) -> Any:
        self._autobegin()
        return self._connection.exec_driver_sql(*args, **kwargs)

    def scalar(self, *args: Any, **kwargs: Any) -> Any:
        self._autobegin()
        return self._connection.scalar(*args, **kwargs)

    def commit(self) -> None:
        if self._savepoint is not None and self._savepoint.is_active:
            self._savepoint.commit()
        self._savepoint = None

    def rollback(self) -> None:
        if self._savepoint is not None and self._savepoint.is_active:
            self._savepoint.rollback()
        self._savepoint = None

    def close(self) -> None:
        self.rollback()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)
