"""In real Chromium: the region's answers to the ministry's evaluation save themselves, and
an answer typed while the saves could not get through is sent when the page is opened again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Region, RegionAnswer, RegionSubmission
from smartcity.region_context import working_in
from tests.browser.axe import launch_chromium, open_page
from tests.browser.helpers import fill_in_login

pytestmark = pytest.mark.browser

SAVED = re.compile(r"\bautosave-saved\b")
FAILED = re.compile(r"\bautosave-failed\b")
PILLAR = "/national-evaluation/2026/pillars/GOV"


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


@pytest.fixture
def regions_app(regions_server):
    return regions_server[0]


@pytest.fixture
def chromium_page(regions_server, browser):
    """A fresh browser (own cookies and localStorage) on the module's server. The server first:
    building its state signs documents (asyncio.run), which Playwright's running loop forbids."""
    yield from open_page(browser, regions_server[1])


def stored(app, code: str) -> tuple | None:
    """(justification, version) of the demo region's answer to `code`."""
    with app.app_context(), working_in(None):
        row = db.session.scalar(
            select(RegionAnswer)
            .join(RegionSubmission, RegionSubmission.id == RegionAnswer.submission_id)
            .join(Region, Region.id == RegionSubmission.region_id)
            .where(Region.code == "62.02", RegionAnswer.indicator_code == code)
        )
        return (row.justification, row.version) if row else None


def justification(page: Page, code: str):
    return page.locator(f'textarea[name="justification-{code}"]')


def status(page: Page, code: str):
    return page.locator(f"#autosave-status-{code}")


def test_the_administrators_answers_save_themselves_and_survive_a_lost_connection(
    chromium_page: Page, regions_app
):
    page = chromium_page
    page.goto("/login")
    fill_in_login(page, "admin")
    page.goto(PILLAR)

    # typing is enough: no Save button
    justification(page, "GOV-03").fill("Dasbor dibahas setiap bulan")
    expect(status(page, "GOV-03")).to_have_class(SAVED)
    expect(status(page, "GOV-03")).to_contain_text(re.compile(r"\d\d[.:]\d\d"))
    assert stored(regions_app, "GOV-03") == ("Dasbor dibahas setiap bulan", 1)
    # an answer already there (version 1) is saved on top of the version the page showed
    justification(page, "GOV-01").fill("Perbup Sampit, diperbarui")
    expect(status(page, "GOV-01")).to_have_class(SAVED)
    assert stored(regions_app, "GOV-01") == ("Perbup Sampit, diperbarui", 2)
    page.reload()
    expect(justification(page, "GOV-03")).to_have_value("Dasbor dibahas setiap bulan")
    expect(justification(page, "GOV-01")).to_have_value("Perbup Sampit, diperbarui")

    # no save of this tab gets through: the text waits in the browser (localStorage) ...
    page.route("**/autosave", lambda route: route.abort())
    justification(page, "GOV-02").fill("Diketik saat jaringan putus")
    expect(status(page, "GOV-02")).to_have_class(FAILED)
    expect(page.locator("#autosave-page-status")).to_have_class(FAILED)
    assert stored(regions_app, "GOV-02") is None

    # ... and is put back and sent when the page is opened again (a new tab of the same
    # browser: closing this one would send it on the way out, which no route can hold back)
    again = page.context.new_page()
    again.goto(PILLAR)
    expect(justification(again, "GOV-02")).to_have_value("Diketik saat jaringan putus")
    expect(status(again, "GOV-02")).to_have_class(SAVED)
    assert stored(regions_app, "GOV-02") == ("Diketik saat jaringan putus", 1)
    # nothing is left waiting in the browser once the server has it
    assert again.evaluate("() => window.localStorage.length") == 0
