"""Layout on a desktop and on a phone (issue 15, items 10, 12 and 13).

No page scrolls sideways, for any demo role at 1366x900 or 360x740: the test starts from each
role's home and a list of key pages and follows every link it finds (new pages are found
without being listed here). On a phone the header and the answer page's Save/Back bar keep to
one compact row. The code field on /verify is a proper labelled text field.
"""

from __future__ import annotations

import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import launch_chromium, open_page
from tests.browser.helpers import assessment_ids, issued_certificate, log_in
from tests.browser.live import served_demo

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}

ROLES = ["anonymous", "admin", "evaluator", "diskominfo", "pimpinan"]

# pages to start from besides the home page ({OWN}, {OWN_2025}, {DOCUMENT}: see
# tests/browser/test_accessibility.py); links found on them are followed
KEY_PAGES = {
    "anonymous": ["/login", "/verify", "/verify/{DOCUMENT}"],
    "admin": [
        "/audit",
        "/assessments/{OWN_2025}/history",
        "/periods/2025/region",
        "/periods/2026/region",
        "/compare?from=2025&to=2026",
        "/admin",
        "/verify/{DOCUMENT}",
    ],
    "evaluator": [
        "/assessments/{OWN}/review",
        "/assessments/{OWN_2025}/review",
        "/assessments/{OWN_2025}/history",
        "/periods/2025/region",
        "/compare?from=2025&to=2026",
    ],
    "diskominfo": [
        "/assessments/{OWN}/dimensions/GOV",
        "/assessments/{OWN_2025}/result",
        "/compare?from=2025&to=2026",
    ],
    "pimpinan": ["/periods/2025/region", "/compare?from=2025&to=2026", "/verify/{DOCUMENT}"],
}

# links that are not pages to look at: files, the language switch (it changes the session),
# and the API
NOT_PAGES = re.compile(
    r"^/(evidence|documents/\d+/download|print-jobs/\d+/download|admin/instruments/\d+/download"
    r"|language|api|static|logout)|/export\b|\.(pdf|csv|xlsx|yaml|zip)$"
)
# pages of one kind (ids and values replaced): visited this often at most
PER_KIND = 2
PER_ROLE = 160


def kind_of(url: str) -> str:
    """/assessments/12/dimensions/GOV?page=2 -> /assessments/N/dimensions/GOV?page"""
    parts = urlsplit(url)
    path = re.sub(r"/\d+", "/N", parts.path)
    keys = sorted({key for key, _ in parse_qsl(parts.query)} - {"next"})
    return path + ("?" + "&".join(keys) if keys else "")


def same_site_links(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href]:not([download]):not([target=_blank])", "els => els.map(e => e.href)"
    )
    base = urlsplit(page.url)
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc != base.netloc or not parts.path.startswith("/"):
            continue
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "next"])
        url = parts.path + ("?" + query if query else "")
        if not NOT_PAGES.search(parts.path):
            found.append(url)
    return found


def overflow(page: Page, width: int) -> tuple[int, int] | None:
    """(scrollWidth, innerWidth) when the page is wider than the screen (a phone's browser
    widens its window to the page instead of scrolling: innerWidth grows too)."""
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return None if scroll <= width and inner == width else (scroll, inner)


def culprits(page: Page, width: int) -> list[str]:
    """The innermost elements that reach beyond the screen: what to fix."""
    return page.evaluate(
        """(limit) => {
            const beyond = el => el.getBoundingClientRect().right > limit + 0.5;
            // inside a box that scrolls or clips on its own: not the page's problem
            const clipped = el => {
                for (let up = el.parentElement; up; up = up.parentElement) {
                    if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(up).overflowX)
                        && !beyond(up)) return true;
                }
                return false;
            };
            return [...document.querySelectorAll('main *, header *')]
            .filter(el => beyond(el) && !clipped(el)
                && ![...el.children].some(c => beyond(c) && !clipped(c)))
            .slice(0, 4)
            .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                 + ' ' + JSON.stringify((el.textContent || '').trim().slice(0, 30)));
        }""",
        width,
    )


@pytest.fixture(scope="module")
def demo_server(databases):
    with served_demo(databases) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


@pytest.fixture(scope="module")
def ids(demo_server) -> dict[str, object]:
    app = demo_server[0]
    found: dict[str, object] = dict(assessment_ids(app))
    # signing runs asyncio.run(), not allowed in Playwright's thread (it has a loop)
    with ThreadPoolExecutor(max_workers=1) as pool:
        found["DOCUMENT"] = pool.submit(issued_certificate, app).result()
    return found


def crawl(browser, base_url: str, role: str, ids: dict) -> tuple[list[str], dict[str, object]]:
    """Every page the role reaches, each at both sizes; (pages seen, pages too wide).

    Each page is loaded once and looked at in both sizes by resizing the window (the page's
    CSS applies to the new width); a page too wide at 360 after the resize is loaded again on
    a phone (a mobile browser, touch) to be sure: a script that sized something on load would
    otherwise be taken for a too-wide page."""
    too_wide: dict[str, object] = {}
    seen: list[str] = []
    pages = open_page(browser, base_url, viewport=DESKTOP)
    phone_pages = open_page(browser, base_url, viewport=PHONE, is_mobile=True, has_touch=True)
    page, phone = next(pages), next(phone_pages)
    try:
        if role != "anonymous":
            for each in (page, phone):
                log_in(each, role)
        queue = deque(["/", *(p.format(**ids) for p in KEY_PAGES[role])])
        kinds: dict[str, int] = {}
        queued = set(queue)
        sizes = [(DESKTOP, "1366"), (PHONE, "360")]
        while queue and len(seen) < PER_ROLE:
            url = queue.popleft()
            kind = kind_of(url)
            if kinds.get(kind, 0) >= PER_KIND:
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
            response = page.goto(url)
            if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            seen.append(url)
            links = same_site_links(page)
            # the page is at the size the last one ended with: look at that one first
            for size, name in sizes:
                if page.viewport_size != size:
                    page.set_viewport_size(size)
                problem = overflow(page, size["width"])
                if problem and size is PHONE:
                    phone.goto(url)
                    problem = overflow(phone, size["width"])
                if problem:
                    too_wide[f"{url} at {name}"] = (*problem, culprits(page, size["width"]))
            sizes.reverse()
            for link in links:
                if link not in queued:
                    queued.add(link)
                    queue.append(link)
    finally:
        for each in (pages, phone_pages):
            each.close()
    return seen, too_wide


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways(browser, demo_server, ids, role):
    seen, too_wide = crawl(browser, demo_server[1], role, ids)
    # the crawl really went through the role's pages
    assert len(seen) >= (3 if role == "anonymous" else 10), seen
    assert not too_wide, "wider than the screen (scrollWidth, innerWidth, widest elements):\n" + (
        "\n".join(f"{page}: {found}" for page, found in sorted(too_wide.items()))
    )


def in_one_row(page: Page, selector: str) -> bool:
    """Whether the visible children side by side: their vertical middles within 8 px."""
    middles = page.eval_on_selector_all(
        selector,
        """els => els.filter(e => e.getClientRects().length).map(e => {
            const box = e.getBoundingClientRect(); return box.top + box.height / 2; })""",
    )
    return len(middles) >= 2 and max(middles) - min(middles) <= 8


@pytest.fixture
def phone(browser, demo_server):
    yield from open_page(browser, demo_server[1], viewport=PHONE, is_mobile=True, has_touch=True)


@pytest.mark.parametrize("role", ["anonymous", "diskominfo", "admin"])
def test_the_header_is_one_compact_row_on_a_phone(phone, role):
    if role != "anonymous":
        log_in(phone, role)
    phone.goto("/" if role != "anonymous" else "/login")
    header = phone.locator(".site-header")
    assert in_one_row(phone, ".site-header > *")
    assert header.bounding_box()["height"] <= 56
    if role != "anonymous":
        # the account's links are one tap away, in a menu
        menu = phone.locator(".site-header .account summary")
        menu.tap()
        expect(phone.locator(".site-header form[action='/logout'] button")).to_be_visible()
        expect(phone.locator(".site-header a[href='/account/password']")).to_be_visible()


def test_the_header_shows_everything_at_once_on_a_desktop(browser, demo_server):
    for page in open_page(browser, demo_server[1], viewport=DESKTOP):
        log_in(page, "diskominfo")
        expect(page.locator(".site-header form[action='/logout'] button")).to_be_visible()
        expect(page.locator(".site-header a[href='/account/password']")).to_be_visible()
        assert in_one_row(page, ".site-header > *")


def test_the_save_bar_is_one_compact_row_on_a_phone(phone, ids):
    log_in(phone, "diskominfo")
    phone.goto(f"/assessments/{ids['OWN']}/dimensions/GOV")
    phone.locator('textarea[name="justification-GOV-01"]').fill("Dari ponsel")
    bar = phone.locator(".sticky-actions")
    expect(phone.locator("#autosave-page-status")).not_to_be_empty()  # the status has its text
    box = bar.bounding_box()
    assert box["height"] <= 0.08 * PHONE["height"], box
    assert in_one_row(phone, ".sticky-actions > *")
    expect(bar.locator("button.primary")).to_be_in_viewport()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366", "360"])
def test_the_verification_code_field_is_a_labelled_text_field(browser, demo_server, size):
    for page in open_page(browser, demo_server[1], viewport=size):
        page.goto("/verify")
        field = page.get_by_label("Kode verifikasi")
        expect(field).to_have_attribute("type", "text")
        box = field.bounding_box()
        assert box["height"] >= 40, box
        assert box["width"] >= min(280, size["width"] - 40), box
        border = field.evaluate("el => getComputedStyle(el).borderTopWidth")
        assert border != "0px"
