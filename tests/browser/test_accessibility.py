"""axe-core on every main page, for every role that sees it: no serious or critical violation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from smartcity.extensions import db
from smartcity.services.accounts import create_user, find_user
from tests.browser.axe import axe_violations, describe, launch_chromium, open_page, require_axe
from tests.browser.helpers import PASSWORD, assessment_ids, issued_certificate, log_in
from tests.browser.live import served_demo

pytestmark = pytest.mark.browser

# {role: [page paths]}; {OWN}/{OWN_2025}: Diskominfo's 2026 draft / 2025 final assessment,
# {AGENCY}, {USER}, {INSTRUMENT}: Diskominfo's agency and user, the 2026 questionnaire;
# {DOCUMENT}: the code of a certificate issued for the test
PAGES = {
    "anonymous": [
        "/login",
        "/verify",
        "/verify/AAAA-BBBB-CCCC-DDDD-EEEE",  # the error page (404)
        "/verify/{DOCUMENT}",  # a signed certificate's verification
    ],
    "diskominfo": [
        "/",
        "/assessments/{OWN}",
        "/assessments/{OWN}/dimensions/GOV",
        "/assessments/{OWN}/submit",
        "/assessments/{OWN_2025}",
        "/assessments/{OWN_2025}/result",
        "/assessments/999999",  # the error page (404) with the account menu
        "/agencies/DISKOMINFO/dashboard",
        "/compare?from=2025&to=2026",
        "/account/password",
    ],
    "evaluator": [
        "/",
        "/periods/2026/assessments",
        "/assessments/{OWN}/review",
        "/assessments/{OWN_2025}/review",
        "/assessments/{OWN_2025}/result",
        "/assessments/{OWN_2025}/history",
        "/periods/2025/region",
        "/agencies/DISKOMINFO/dashboard",
        "/compare?from=2025&to=2026",
    ],
    "admin": [
        "/",
        "/periods/2026/assignments",
        "/audit",
        "/periods/2026/region",
        "/periods/2025/print",
        "/admin/periods/2026",
        "/admin/agencies/{AGENCY}",
        "/admin/users/{USER}",
        "/admin/instruments/{INSTRUMENT}",
        "/verify",
    ],
    "pimpinan": [
        "/",
        "/periods/2025/assessments",
        "/periods/2025/region",
        "/compare?from=2025&to=2026",
    ],
    # a ministry administrator, made for the test (docs/REGIONS.md)
    "kementerian-admin": [
        "/national/",
        "/national/2025",
        "/national/2025/regions/62.02",
        "/national/regions/new",
        "/national/users",
        "/national/users/new",
    ],
}

# the error page, as a visitor and as a logged-in user
ERROR_PAGES = {"/verify/AAAA-BBBB-CCCC-DDDD-EEEE", "/assessments/999999"}

# pages of the administration and dashboards, whichever exist: every GET route without
# parameters below these prefixes, seen by the admin
DISCOVERED_PREFIXES = ("/admin", "/dashboards")


def discovered_pages(app) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(DISCOVERED_PREFIXES)
        and "GET" in rule.methods
        and not rule.arguments
    )


@pytest.fixture(scope="module")
def demo_server(databases):
    with served_demo(databases) as served:
        yield served


@pytest.fixture
def browser_app(demo_server):
    return demo_server[0]


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


@pytest.fixture
def axe_page(browser, demo_server):
    require_axe()
    yield from open_page(browser, demo_server[1], bypass_csp=True)


@pytest.mark.parametrize("role", list(PAGES))
def test_main_pages_have_no_serious_violations(browser_app, axe_page, role: str):
    page = axe_page
    if role == "diskominfo":
        # the agency's home creates the open period's assessment on first visit
        log_in(page, role)
    ids = assessment_ids(browser_app)
    if role == "kementerian-admin":
        with browser_app.app_context():
            if find_user(role) is None:
                create_user(role, "ministry-admin", PASSWORD)
                db.session.commit()
    if role not in ("anonymous", "diskominfo"):
        log_in(page, role)
    if role == "anonymous":
        # signing runs asyncio.run(), not allowed in Playwright's thread (it has a loop)
        with ThreadPoolExecutor(max_workers=1) as pool:
            ids["DOCUMENT"] = pool.submit(issued_certificate, browser_app).result()
    paths = [p.format(**ids) for p in PAGES[role]]
    if role == "admin":
        paths += discovered_pages(browser_app)
    found = {}
    for path in paths:
        response = page.goto(path)
        expected = 404 if path in ERROR_PAGES else 200
        if response is None or response.status != expected:
            found[path] = [f"status {response.status if response else None}, not {expected}"]
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue  # a discovered URL that serves a file (the region's emblem), not a page
        violations = describe(axe_violations(page))
        if violations:
            found[path] = violations
    assert found == {}


def test_dimension_page_with_errors_has_no_serious_violations(browser_app, axe_page):
    """The page after a refused save: messages, marked fields, the same form."""
    page = axe_page
    log_in(page, "diskominfo")
    own = assessment_ids(browser_app)["OWN"]
    page.goto(f"/assessments/{own}/dimensions/GOV")
    # longer than allowed: maxlength stops typing, not a value set by script
    page.locator("textarea").first.evaluate("el => { el.value = 'x'.repeat(20001); }")
    page.locator("form.answers button.primary").click()
    page.wait_for_load_state()
    assert page.locator(".message-error").count() >= 1
    assert describe(axe_violations(page)) == []


def test_axe_reports_a_page_that_breaks_the_rules(axe_page):
    """The check itself: an unlabelled input and an image without text are found."""
    page = axe_page
    page.goto("/login")
    page.evaluate(
        """() => {
            const input = document.createElement('input');
            input.type = 'text';
            document.querySelector('main').append(input);
            const img = document.createElement('img');
            img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
            document.querySelector('main').append(img);
        }"""
    )
    rules = {violation["id"] for violation in axe_violations(page)}
    assert {"label", "image-alt"} <= rules
