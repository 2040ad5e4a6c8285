"""A dimension page with the keyboard alone: reachable, labelled, visibly focused, saved."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import launch_chromium, open_page
from tests.browser.helpers import assessment_ids, log_in
from tests.browser.live import served_demo
from tests.helpers import stored_answers

pytestmark = pytest.mark.browser

# the most Tab presses allowed to reach the next control: the page must not be a maze
MAX_TABS = 40


@pytest.fixture(scope="module")
def demo_server(databases):
    with served_demo(databases) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


@pytest.fixture
def dimension_page(browser, demo_server):
    """Diskominfo's 2026 GOV page, freshly opened; yields (page, app, assessment id)."""
    app, base_url = demo_server
    for page in open_page(browser, base_url):
        log_in(page, "diskominfo")  # the home page creates the 2026 assessment
        own = assessment_ids(app)["OWN"]
        page.goto(f"/assessments/{own}/dimensions/GOV")
        yield page, app, own


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '',
                    value: el.value || '', cls: el.className || ''};
        }"""
    )


def tab_until(page: Page, wanted, what: str) -> dict:
    """Press Tab until the focused element satisfies `wanted`; fail after MAX_TABS."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        if wanted(now):
            return now
    pytest.fail(f"{what} not reached with {MAX_TABS} Tab presses (at {focused(page)})")


def level_for(n: int) -> int:
    return n % 5 + 1


def test_dimension_page_completed_with_the_keyboard_alone(dimension_page):
    page, app, own = dimension_page
    codes = [
        fs.get_attribute("id").removeprefix("indicator-")
        for fs in page.locator("fieldset.indicator").all()
    ]
    assert len(codes) >= 2
    chosen = {}
    for n, code in enumerate(codes):
        # Tab enters the radio group on its checked option, "not answered yet"
        now = tab_until(page, lambda f, c=code: f["name"] == f"level-{c}", f"{code} levels")
        assert (now["type"], now["value"]) == ("radio", "")
        level = level_for(n)
        for _ in range(level):
            page.keyboard.press("ArrowDown")  # arrows move through 1..5 and check the option
        assert focused(page)["value"] == str(level)
        page.keyboard.press("Tab")
        assert focused(page) | {"cls": ""} == {
            "tag": "textarea",
            "type": "textarea",
            "name": f"justification-{code}",
            "value": "",
            "cls": "",
        }
        text = f"Diisi dengan papan ketik {code}"
        page.keyboard.type(text)
        chosen[code] = (level, False, text)
    tab_until(page, lambda f: f["tag"] == "button" and "primary" in f["cls"], "Save draft")
    page.keyboard.press("Enter")
    expect(page.locator(".message-success").first).to_be_visible()
    assert {c: a for c, a in stored_answers(app, own).items() if c in chosen} == chosen


FOCUS_TARGETS = [
    ("radio", "input[type=radio]"),
    ("justification", "textarea"),
    ("file input", "input[type=file]"),
    ("save button", "form.answers button.primary"),
    ("link", ".dimension-tabs a"),
]


def test_focus_is_visible_on_every_kind_of_control(dimension_page):
    page, _, _ = dimension_page
    outlines = {}
    for what, selector in FOCUS_TARGETS:
        # focus as the keyboard does: from the previous element, with Tab
        page.locator(selector).first.evaluate("el => el.blur()")
        page.locator(selector).first.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        outlines[what] = page.evaluate(
            """(selector) => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {matches: el.matches(selector) && el.matches(':focus-visible'),
                        style: style.outlineStyle, width: parseFloat(style.outlineWidth)};
            }""",
            selector,
        )
    for what, outline in outlines.items():
        assert outline["matches"], what
        assert outline["style"] != "none" and outline["width"] >= 2, (what, outline)


def test_every_input_has_a_label_and_levels_carry_their_descriptors(dimension_page):
    page, _, _ = dimension_page
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, textarea, select')]
            .filter(el => el.type !== 'hidden')
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !el.getAttribute('aria-labelledby'))
            .map(el => el.name || el.id)"""
    )
    assert unlabelled == []
    levels = page.evaluate(
        """() => [...document.querySelectorAll('fieldset.indicator input[type=radio]')]
            .filter(el => /^[1-5]$/.test(el.value))
            .map(el => {
                const label = el.labels[0];
                const described = (el.getAttribute('aria-describedby') || '').split(' ')
                    .map(id => document.getElementById(id)).filter(Boolean);
                return {
                    name: el.name, value: el.value,
                    label: label ? label.textContent.replace(/\\s+/g, ' ').trim() : '',
                    descriptor: described.map(d => d.textContent.trim()).join(' '),
                    inside: described.every(d => label && label.contains(d)),
                };
            })"""
    )
    assert levels, "no level radios on the page"
    for level in levels:
        assert re.match(rf"^Tingkat {level['value']} · \S", level["label"]), level
        assert level["descriptor"] and level["inside"], level
        assert level["descriptor"] in level["label"], level
