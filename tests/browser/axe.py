"""axe-core in the browser tests: injected from node_modules (never fetched), run on a page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def require_axe() -> Path:
    if not AXE_SCRIPT.is_file():
        pytest.fail(
            f"{AXE_SCRIPT} is missing: run `make node-deps` (npm ci installs axe-core "
            "from package-lock.json).",
            pytrace=False,
        )
    return AXE_SCRIPT


def axe_violations(page) -> list[dict]:
    """The serious and critical axe violations of the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(require_axe()))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> list[str]:
    """One line per violation and element, short enough to read in a failed assert."""
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {node['target']}"
        for v in violations
        for node in v["nodes"][:5]
    ]


def launch_chromium() -> Iterator:
    """Debian's Chromium, once per test module (each test opens its own context)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps`.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, base_url: str, *, bypass_csp: bool = False, **options) -> Iterator:
    """A page in a fresh context; `bypass_csp` lets axe's injected script run."""
    context = browser.new_context(
        base_url=base_url, locale="id-ID", bypass_csp=bypass_csp, **options
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()
