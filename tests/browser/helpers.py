"""Helpers shared by browser test modules (Playwright pages, demo ids): imported from here only."""

from __future__ import annotations

import re

from playwright.sync_api import Page
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Agency, Assessment, Period
from tests.helpers import PASSWORD, pdf_bytes

# Debian's Chromium, never a browser downloaded by Playwright
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The demo instrument's `evidence_from_level`: answers at this level or above need a file.
EVIDENCE_FROM_LEVEL = 3


def pdf_payload(code: str) -> dict:
    """A file for `set_input_files`: a real PDF named after the indicator."""
    return {
        "name": f"data-dukung-{code}.pdf",
        "mimeType": "application/pdf",
        "buffer": pdf_bytes(f"Data dukung {code}"),
    }


def assessment_ids(app) -> dict[str, int]:
    """Ids in the page paths: Diskominfo's assessments, its agency, user and instrument."""
    from smartcity.models import User

    with app.app_context():

        def of(year: int) -> int:
            return db.session.scalar(
                select(Assessment.id)
                .join(Agency, Assessment.agency_id == Agency.id)
                .join(Period, Assessment.period_id == Period.id)
                .where(Agency.code == "DISKOMINFO", Period.year == year)
            )

        period = db.session.scalar(select(Period).filter_by(year=2026))
        return {
            "OWN_2025": of(2025),
            "OWN": of(2026),
            "AGENCY": db.session.scalar(select(Agency.id).filter_by(code="DISKOMINFO")),
            "USER": db.session.scalar(select(User.id).filter_by(username="diskominfo")),
            "INSTRUMENT": period.instrument_version_id,
        }


def issued_certificate(app) -> str:
    """The code of a signed certificate of Diskominfo's final 2025 assessment, issued by admin."""
    from smartcity.models import User
    from smartcity.services.documents import issue_certificate

    with app.test_request_context():
        own = db.session.get(Assessment, assessment_ids(app)["OWN_2025"])
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        code = issue_certificate(own, admin, "id").code
        db.session.commit()
        return code


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"^(?!.*/login)"))


def diskominfo_assessment_id(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Assessment.id)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == "DISKOMINFO", Period.year == 2026)
        )


def fill_in_login(page: Page, username: str = "diskominfo") -> None:
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()


# diskominfo's self-assessment, round 1: mostly levels 1-2, one level 3 backed by a PDF
ROUND_1 = {
    "GOV-01": 2,
    "GOV-02": 1,
    "GOV-03": 3,
    "GOV-04": 2,
    "GOV-05": 1,
    "INF-01": 2,
    "INF-02": 1,
    "INF-03": 2,
    "INF-04": 1,
    "INF-05": 2,
}
