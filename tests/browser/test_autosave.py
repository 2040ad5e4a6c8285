"""In real Chromium: answers save themselves, survive a lost connection and an ended session."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Answer, Assessment, User
from smartcity.services.accounts import create_user
from smartcity.services.assessments import AnswerInput, save_answers
from tests.browser.axe import launch_chromium, open_page
from tests.browser.helpers import diskominfo_assessment_id, fill_in_login
from tests.browser.live import served_demo
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

SAVED = re.compile(r"\bautosave-saved\b")
FAILED = re.compile(r"\bautosave-failed\b")


@pytest.fixture(scope="module")
def demo_server(databases):
    with served_demo(databases) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


@pytest.fixture
def browser_app(demo_server):
    return demo_server[0]


@pytest.fixture
def chromium_page(browser, demo_server):
    """A fresh browser (own cookies and localStorage) on the module's demo server."""
    yield from open_page(browser, demo_server[1])


def stored(app, assessment_id: int, code: str) -> tuple | None:
    with app.app_context():
        row = db.session.scalar(
            select(Answer).filter_by(assessment_id=assessment_id, indicator_code=code)
        )
        return (row.level, row.justification, row.version) if row else None


def stored_when(page: Page, app, assessment_id: int, code: str, ready) -> tuple | None:
    """The stored answer once `ready(answer)` holds (the save may still be on its way)."""
    for _ in range(50):
        answer = stored(app, assessment_id, code)
        if answer is not None and ready(answer):
            break
        page.wait_for_timeout(100)
    return answer


def justification(page: Page, code: str):
    return page.locator(f'textarea[name="justification-{code}"]')


def status(page: Page, code: str):
    return page.locator(f"#autosave-status-{code}")


def test_answers_save_themselves_offline_and_after_the_session_ended(
    chromium_page: Page, browser_app
):
    page = chromium_page
    assessment_id = diskominfo_assessment_id(browser_app)
    url = f"/assessments/{assessment_id}/dimensions/GOV"
    # the assessment exists once the agency has opened its home page
    page.goto("/login")
    fill_in_login(page)
    page.goto(url)

    # typing is enough: no Save button
    justification(page, "GOV-01").fill("SK Kepala Dinas tentang layanan daring")
    expect(status(page, "GOV-01")).to_have_class(SAVED)
    expect(status(page, "GOV-01")).to_contain_text(re.compile(r"\d\d[.:]\d\d"))
    assert stored(browser_app, assessment_id, "GOV-01") == (
        None,
        "SK Kepala Dinas tentang layanan daring",
        1,
    )
    page.locator('input[name="level-GOV-01"][value="4"]').check()
    expect(status(page, "GOV-01")).to_have_class(SAVED)
    answer = stored_when(page, browser_app, assessment_id, "GOV-01", lambda a: a[2] == 2)
    assert answer[0] == 4
    page.reload()
    expect(justification(page, "GOV-01")).to_have_value("SK Kepala Dinas tentang layanan daring")
    expect(page.locator('input[name="level-GOV-01"][value="4"]')).to_be_checked()

    # the connection drops: the edit waits in the browser and goes out when it returns
    page.context.set_offline(True)
    justification(page, "GOV-02").fill("Ditulis tanpa sinyal")
    expect(status(page, "GOV-02")).to_have_class(FAILED)
    expect(page.locator("#autosave-page-status")).to_have_class(FAILED)
    assert stored(browser_app, assessment_id, "GOV-02") is None
    page.context.set_offline(False)
    expect(status(page, "GOV-02")).to_have_class(SAVED)
    assert stored(browser_app, assessment_id, "GOV-02")[1] == "Ditulis tanpa sinyal"

    # the session ends (cookies gone): the edit is kept, the user logs in again and lands back
    page.context.clear_cookies()
    justification(page, "GOV-03").fill("Diketik setelah sesi berakhir")
    login_link = page.locator("#autosave-page-status a")
    expect(login_link).to_have_attribute("href", f"/login?next={url}")
    assert stored(browser_app, assessment_id, "GOV-03") is None
    login_link.click()
    fill_in_login(page)
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    expect(justification(page, "GOV-03")).to_have_value("Diketik setelah sesi berakhir")
    expect(status(page, "GOV-03")).to_have_class(SAVED)
    assert stored(browser_app, assessment_id, "GOV-03")[1] == "Diketik setelah sesi berakhir"
    # nothing is left waiting in the browser once the server has it
    assert page.evaluate("() => window.localStorage.length") == 0

    # typed, then straight on to another dimension: the waiting save still goes out
    page.goto(f"/assessments/{assessment_id}/dimensions/INF")
    justification(page, "INF-01").fill("Ditulis lalu pindah halaman")
    page.locator('nav.dimension-tabs a[href$="/dimensions/GOV"]').click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    answer = stored_when(page, browser_app, assessment_id, "INF-01", lambda a: True)
    assert answer is not None and answer[1] == "Ditulis lalu pindah halaman"


def test_a_colleagues_save_shows_both_versions_and_the_user_chooses(
    chromium_page: Page, browser_app
):
    page = chromium_page
    assessment_id = diskominfo_assessment_id(browser_app)
    url = f"/assessments/{assessment_id}/dimensions/GOV"
    page.goto("/login")
    fill_in_login(page)
    page.goto(url)  # the page now holds version 0 of every answer

    with browser_app.app_context():
        rina = create_user("kominfo-staf", "agency", PASSWORD, agency_code="DISKOMINFO")
        rina.full_name = "Rina"
        assessment = db.session.get(Assessment, assessment_id)
        save_answers(assessment, rina, {"GOV-04": AnswerInput(2, False, "Versi Rina")})

    justification(page, "GOV-04").fill("Versi saya")
    conflict = page.locator("#autosave-conflict-GOV-04")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Versi saya")
    expect(conflict).to_contain_text("Versi Rina")
    expect(conflict).to_contain_text("Rina")
    assert stored(browser_app, assessment_id, "GOV-04") == (2, "Versi Rina", 1)

    buttons = conflict.locator("button")
    expect(buttons).to_have_count(2)
    buttons.first.click()  # keep mine
    expect(conflict).to_be_hidden()
    expect(status(page, "GOV-04")).to_have_class(SAVED)
    assert stored(browser_app, assessment_id, "GOV-04") == (None, "Versi saya", 2)

    # the other way: a colleague's save again, and this time "use theirs"
    with browser_app.app_context():
        rina = db.session.scalar(select(User).filter_by(username="kominfo-staf"))
        assessment = db.session.get(Assessment, assessment_id)
        save_answers(assessment, rina, {"GOV-05": AnswerInput(3, False, "Hanya Rina")})
    justification(page, "GOV-05").fill("Saya juga")
    expect(page.locator("#autosave-conflict-GOV-05")).to_be_visible()
    page.locator("#autosave-conflict-GOV-05 button").nth(1).click()
    expect(justification(page, "GOV-05")).to_have_value("Hanya Rina")
    expect(page.locator('input[name="level-GOV-05"][value="3"]')).to_be_checked()
    assert stored(browser_app, assessment_id, "GOV-05") == (3, "Hanya Rina", 1)
    # the no-JS Save button now posts the version the user has seen: no false conflict
    page.locator("form.answers button.primary[type=submit]").click()
    expect(page.locator(".message-success")).to_have_count(1)
    assert stored(browser_app, assessment_id, "GOV-05") == (3, "Hanya Rina", 1)
