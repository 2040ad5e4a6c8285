"""In real Chromium: on the region's pillar page a chosen evidence file uploads at once, as on an
agency's dimension page (static/js/evidence.js, unchanged), and Remove takes it off at once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Region, RegionEvidence, RegionSubmission
from smartcity.region_context import working_in
from tests.browser.axe import launch_chromium, open_page
from tests.browser.helpers import fill_in_login, pdf_payload

pytestmark = pytest.mark.browser

PILLAR = "/national-evaluation/2026/pillars/GOV"
CODE = "GOV-02"  # no file in the state (GOV-01 has its perbup.pdf)


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


@pytest.fixture
def chromium_page(regions_server, browser):
    """A fresh browser on the module's server (the server first: see test_national_autosave)."""
    yield from open_page(browser, regions_server[1])


def files_of(app, code: str) -> list[str]:
    """The demo region's attached files of one indicator."""
    with app.app_context(), working_in(None):
        return list(
            db.session.scalars(
                select(RegionEvidence.original_name)
                .join(RegionSubmission, RegionSubmission.id == RegionEvidence.submission_id)
                .join(Region, Region.id == RegionSubmission.region_id)
                .where(
                    Region.code == "62.02",
                    RegionEvidence.indicator_code == code,
                    RegionEvidence.deleted_at.is_(None),
                )
            )
        )


def test_a_chosen_file_is_uploaded_at_once_and_removed_at_once(chromium_page: Page, regions_server):
    app = regions_server[0]
    page = chromium_page
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation of Remove
    page.goto("/login")
    fill_in_login(page, "admin")
    page.goto(PILLAR)
    listed = page.locator(f"#evidence-list-{CODE} li")
    expect(listed).to_have_count(0)

    # choosing is enough: no Save button
    page.locator(f'input[type=file][name="evidence-{CODE}"]').set_input_files(pdf_payload(CODE))
    expect(listed).to_have_count(1)
    expect(listed.locator("a[download]")).to_have_text(f"data-dukung-{CODE}.pdf")
    expect(page.locator(f"#evidence-none-{CODE}")).to_be_hidden()
    assert files_of(app, CODE) == [f"data-dukung-{CODE}.pdf"]

    # still there after a reload, and nothing waits in the browser
    page.reload()
    expect(listed).to_have_count(1)
    expect(page.locator(f"#evidence-uploads-{CODE} li")).to_have_count(0)

    # Remove: at once, without saving the form
    listed.locator("button").click()
    expect(listed).to_have_count(0)
    expect(page.locator(f"#evidence-none-{CODE}")).to_be_visible()
    expect(page).to_have_url(f"{regions_server[1]}{PILLAR}")
    assert files_of(app, CODE) == []
