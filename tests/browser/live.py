"""A demo app served once per test module (seeding takes seconds), for read-mostly browser tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from smartcity.extensions import db
from smartcity.factory import create_app
from tests.conftest import PASSWORD, _empty_all_tables


@contextmanager
def served_demo(database_url: str) -> Iterator[tuple[Flask, str]]:
    """The production-like app (CSRF on) on a freshly seeded demo region; yields (app, base URL)."""
    from smartcity.seed import seed_demo_region

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
    with app.app_context():
        _empty_all_tables()
        seed_demo_region(PASSWORD)
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
