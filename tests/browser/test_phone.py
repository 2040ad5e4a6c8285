"""On a 360 px phone: the answer pages fit the screen and the answer form works."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import launch_chromium, open_page
from tests.browser.helpers import assessment_ids, log_in
from tests.browser.live import served_demo
from tests.helpers import stored_answers

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}

# the answer pages of Diskominfo's assessments ({OWN}: the 2026 draft, {OWN_2025}: final)
ANSWER_PAGES = [
    "/",
    "/assessments/{OWN}",
    "/assessments/{OWN}/dimensions/GOV",
    "/assessments/{OWN}/dimensions/INF",
    "/assessments/{OWN}/submit",
    "/assessments/{OWN}/result",
    "/assessments/{OWN_2025}",
    "/assessments/{OWN_2025}/dimensions/GOV",
    "/assessments/{OWN_2025}/result",
]


@pytest.fixture(scope="module")
def demo_server(databases):
    with served_demo(databases) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


@pytest.fixture
def phone(browser, demo_server):
    app, base_url = demo_server
    for page in open_page(browser, base_url, viewport=PHONE, is_mobile=True, has_touch=True):
        log_in(page, "diskominfo")
        yield page, app, assessment_ids(app)


def test_answer_pages_need_no_horizontal_scrolling(phone):
    page, _, ids = phone
    too_wide = {}
    for path in (p.format(**ids) for p in ANSWER_PAGES):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            # name the widest elements, so the failure says what to fix
            culprits = page.evaluate(
                """(limit) => [...document.querySelectorAll('body *')]
                    .filter(el => el.getBoundingClientRect().right > limit + 0.5)
                    .slice(0, 3).map(el => el.tagName.toLowerCase() + '.' + el.className)""",
                PHONE["width"],
            )
            too_wide[path] = (width, culprits)
    assert too_wide == {}


def test_answer_form_can_be_filled_and_saved_on_a_phone(phone):
    page, app, ids = phone
    page.goto(f"/assessments/{ids['OWN']}/dimensions/INF")
    first = page.locator("fieldset.indicator").first
    code = first.get_attribute("id").removeprefix("indicator-")
    first.locator("label").filter(has_text=re.compile(r"^\s*Tingkat 2 · ")).tap()
    first.get_by_label("Justifikasi", exact=True).fill("Diisi dari ponsel")
    save = page.locator("form.answers button.primary")
    expect(save).to_be_in_viewport()  # the sticky actions bar stays on screen
    save.tap()
    expect(page.locator(".message-success").first).to_be_visible()
    assert stored_answers(app, ids["OWN"])[code] == (2, False, "Diisi dari ponsel")
