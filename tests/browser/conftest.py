"""Browser fixtures: the app with CSRF on, served live, and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from smartcity.extensions import db
from smartcity.factory import create_app
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def browser_app(database_url: str):
    """The app as in production (CSRF on, no SERVER_NAME) on a copy of the demo database (with 2025)."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "SECRET_KEY": "browser-test-secret",
            "WTF_CSRF_ENABLED": True,
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(browser_app) -> Iterator[str]:
    """The app served on a free local port in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, browser_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def chromium_page(live_server: str):
    """A fresh page in Debian's Chromium; never a browser downloaded by Playwright."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} is missing: browser tests need Debian's Chromium "
            "(run `make browser-deps`, or `apt-get install chromium`).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=live_server, locale="id-ID")
            context.set_default_timeout(10_000)
            page = context.new_page()
            yield page
            context.close()
        finally:
            browser.close()


@pytest.fixture(scope="module")
def regions_server(databases):
    """The `two_regions` state served live, once per module: two regions, each with a draft
    submission to the national period 2026 (the region's pillar pages)."""
    from tests.browser.live import served_demo

    with served_demo(databases, "two_regions") as served:
        yield served
