"""In real Chromium: "not applicable" sets an indicator's own answer aside on screen too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Agency, Answer, Assessment, Period
from smartcity.services.instruments import register_instrument
from smartcity.services.periods import create_period
from tests.browser.helpers import fill_in_login

pytestmark = pytest.mark.browser

SAVED = re.compile(r"\bautosave-saved\b")
SOURCE = Path(__file__).parents[2] / "smartcity" / "instruments" / "test-all-features.yaml"
CODE = "GOV-POL-01"  # a choice indicator that allows N/A


def open_2027(app) -> int:
    """A 2027 period on the all-features questionnaire; DISKOMINFO's assessment id."""
    with app.app_context():
        version = register_instrument(SOURCE.read_text(encoding="utf-8"), SOURCE.name)
        create_period(2027, version)
        db.session.commit()
        return db.session.scalar(
            select(Assessment.id)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == "DISKOMINFO", Period.year == 2027)
        )


def stored(app, assessment_id: int) -> tuple | None:
    with app.app_context():
        row = db.session.scalar(
            select(Answer).filter_by(assessment_id=assessment_id, indicator_code=CODE)
        )
        return (row.choice, row.not_applicable) if row else None


def stored_when(page: Page, app, assessment_id: int, expected: tuple) -> tuple | None:
    for _ in range(50):
        answer = stored(app, assessment_id)
        if answer == expected:
            break
        page.wait_for_timeout(100)
    return answer


def test_not_applicable_disables_the_options_and_keeps_the_choice(chromium_page: Page, browser_app):
    page = chromium_page
    assessment_id = open_2027(browser_app)
    page.goto("/login")
    fill_in_login(page)
    page.goto(f"/assessments/{assessment_id}/dimensions/GOV")
    options = page.locator(f'input[name="choice-{CODE}"]')
    partly = page.locator(f'input[name="choice-{CODE}"][value="2"]')
    not_applicable = page.locator(f'input[name="na-{CODE}"]')
    status = page.locator(f"#autosave-status-{CODE}")

    partly.check()
    expect(status).to_have_class(SAVED)
    assert stored_when(page, browser_app, assessment_id, ("2", False)) == ("2", False)

    # N/A: what is stored is N/A alone, and the page says so: the options cannot be chosen
    not_applicable.check()
    expect(status).to_have_class(SAVED)
    assert stored_when(page, browser_app, assessment_id, (None, True)) == (None, True)
    for n in range(options.count()):
        expect(options.nth(n)).to_be_disabled()
    expect(page.locator(f"#indicator-{CODE}")).to_have_class(re.compile(r"\bnot-applicable\b"))
    # ...but the choice is kept on the page for when it applies after all
    expect(partly).to_be_checked()
    not_applicable.uncheck()
    expect(partly).to_be_enabled()
    expect(partly).to_be_checked()
    assert stored_when(page, browser_app, assessment_id, ("2", False)) == ("2", False)

    # after a reload the page shows what is stored: N/A, options disabled
    not_applicable.check()
    assert stored_when(page, browser_app, assessment_id, (None, True)) == (None, True)
    page.reload()
    expect(not_applicable).to_be_checked()
    expect(partly).to_be_disabled()
    expect(partly).not_to_be_checked()
