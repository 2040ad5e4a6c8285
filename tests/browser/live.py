"""A demo app served once per test module, for read-mostly browser tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from smartcity.extensions import db
from smartcity.factory import create_app
from tests.databases import Databases


@contextmanager
def served_demo(databases: Databases, state: str = "demo_history") -> Iterator[tuple[Flask, str]]:
    """The production-like app (CSRF on) on a fresh copy of the demo region (with 2025), or of
    another state of tests/databases.py; yields (app, base URL)."""
    database_url = databases.fresh(state)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "SECRET_KEY": "browser-test-secret",
            "WTF_CSRF_ENABLED": True,
            # scrypt costs ~0.1 s a user; the demo seeds fourteen
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-demo", daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        databases.drop(database_url)
